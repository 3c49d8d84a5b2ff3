//! Identity formats, with no I/O and no ledger: W3C decentralised identifiers
//! ([`did`]: `did:key` for people's wallets, the syntax of `did:unchain`), the JOSE pieces
//! they need ([`jose`]: Ed25519 JWKs and compact JWS), IETF SD-JWT verifiable credentials
//! with key binding ([`sdjwt`]), and IETF Token Status Lists ([`status`]) and the
//! issuer-signed Status List Token a verifier fetches ([`status_token`]).
//!
//! Interoperability is tested against the Python reference SD-JWT implementation and the
//! TypeScript `@sd-jwt/core` (`tests/interop.rs`): each verifies what this crate issues
//! and presents, and this crate verifies what each issues and presents.
#![forbid(unsafe_code)]

pub mod did;
pub mod jose;
pub mod sdjwt;
pub mod status;
pub mod status_token;
