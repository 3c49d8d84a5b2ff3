//! Signed API requests on a standard: HTTP Message Signatures ([RFC 9421]) with Ed25519, and
//! the body's digest in `Content-Digest` ([RFC 9530]).
//!
//! A member's tools sign each request to a node's members-only endpoints (the vault, blocks,
//! leaves, proofs, snapshots). Any RFC 9421 implementation can make or check such a request;
//! this crate is Unchain's own, and its tests check it against the RFC's published example
//! and, in the end-to-end suite, against an independent implementation from PyPI.
//!
//! # Unchain's profile of RFC 9421
//!
//! RFC 9421 leaves an application to say what must be signed and how keys are found
//! (its section 1.4). Unchain's API says:
//!
//! - **One signature**, under any label (the signers here use `unchain`), in `Signature-Input`
//!   and `Signature`.
//! - **Covered components**, at least: `@method`, `@authority`, `@path` and `@query` (which is
//!   `?` when the request has no query); `content-digest` whenever the request has a body or
//!   the field is present; and `unchain-actor` whenever that field is present (the user
//!   inside the organisation for whom the request is made). A signature may cover more: any
//!   field the request carries, `@target-uri`, `@scheme` or `@request-target`. Components with
//!   parameters (`;sf`, `;key`, `;bs`, `;req`) are refused.
//! - **Parameters**: `keyid` is the member's name on the chain, and its key is the member's
//!   signing key in the ledger; `created` (Unix seconds) is required and must be within
//!   [`MAX_SKEW_SECS`] of the node's clock; `expires`, when present, must not be past; `alg`,
//!   when present, must be `ed25519`; `nonce` and `tag` are allowed. Nothing else.
//! - **Replay**: the node refuses a signature it has already accepted within the window. Two
//!   identical requests made within the same second have the same Ed25519 signature, so
//!   Unchain's signers add a random `nonce`; a signer without one must not repeat a request
//!   within a second.
//! - **The body**: `Content-Digest` with `sha-256` or `sha-512` (every one of these present
//!   must match; other algorithms are ignored, as RFC 9530 allows).
//!
//! [RFC 9421]: https://www.rfc-editor.org/rfc/rfc9421
//! [RFC 9530]: https://www.rfc-editor.org/rfc/rfc9530

mod base;
mod digest;
mod profile;
mod refusal;
mod signature;

pub use base::{Component, Request, normalise_authority};
pub use digest::{check_content_digest, content_digest};
pub use profile::{MAX_SKEW_SECS, Verified, sign_request, verify_request};
pub use refusal::Refusal;
pub use signature::{Params, Signed, read_signature};

/// The field naming the signed components and parameters (RFC 9421 section 4.1).
pub const SIGNATURE_INPUT: &str = "signature-input";
/// The field carrying the signature (RFC 9421 section 4.2).
pub const SIGNATURE: &str = "signature";
/// The field carrying the body's digest (RFC 9530 section 2).
pub const CONTENT_DIGEST: &str = "content-digest";
/// The field naming the user inside the organisation for whom a request is made; the node's
/// audit log attributes every read of sealed content to it. Covered by the signature.
pub const ACTOR: &str = "unchain-actor";
/// The label Unchain's signers give their signature.
pub const LABEL: &str = "unchain";
/// The algorithm, as RFC 9421's registry names it.
pub const ALG: &str = "ed25519";
