//! Sealed-record cryptography (DESIGN.md decisions 4 and 5), with no I/O and no state.
//!
//! - [`envelope`]: a record's payload encrypted under a fresh 256-bit content key with
//!   ChaCha20-Poly1305, bound to the record id and version; its commitment is the SHA-256
//!   of the ciphertext.
//! - [`wrap`]: the content key wrapped for one recipient organisation with HPKE (RFC 9180,
//!   base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305), bound to the
//!   chain, record, version and recipient by the HPKE `info`.
//! - [`blind`]: identifiers (phone numbers, passports, IBANs, wallet addresses, URLs, names
//!   with dates of birth) normalised and turned into blind-index tokens with HMAC-SHA256
//!   under the consortium's matching key.
//!
//! Sealing and opening happen on the organisation's side: the CLI, a client, or the
//! console on the organisation's own node (in memory). Other nodes only ever see
//! ciphertexts, commitments, wrapped keys and tokens.
#![forbid(unsafe_code)]

pub mod blind;
pub mod envelope;
pub mod wrap;

pub use blind::{IdentifierKind, MatchingKey, NormalizeError, Token};
pub use envelope::{ContentKey, OpenError, RecordId, commitment, open_payload, seal_payload};
pub use wrap::{
    UnwrapError, WrappedKey, matching_key_info, record_key_info, seal_record, token_share_info,
};

/// The operating system's random number generator, in the `rand_core` version HPKE uses.
pub(crate) fn os_rng() -> rand_core::UnwrapErr<rand_core::OsRng> {
    rand_core::UnwrapErr(rand_core::OsRng)
}
