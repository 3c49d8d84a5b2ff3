//! Identity formats, with no I/O and no ledger: W3C decentralised identifiers
//! ([`did`]: `did:key` for people's wallets, the syntax of `did:unchain`), the JOSE pieces
//! they need ([`jose`]: Ed25519 JWKs and compact JWS), IETF SD-JWT verifiable credentials
//! with key binding ([`sdjwt`]), and IETF Token Status Lists ([`status`]).
//!
//! Interoperability is tested against the Python reference SD-JWT implementation
//! (`tests/python_interop.rs`): it verifies what this crate issues, and this crate
//! verifies what it issues.
#![forbid(unsafe_code)]

pub mod did;
pub mod jose;
pub mod sdjwt;
pub mod status;
