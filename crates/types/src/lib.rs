//! Unchain's core types: hashes, keys, canonical JSON, signed transactions and blocks.
//!
//! This crate does no I/O. Everything a node, a client or an offline verifier needs to agree
//! on byte for byte lives here: how a transaction is canonicalised (RFC 8785, JCS), what is
//! signed (Ed25519 with ZIP-215 validity rules, via `ed25519-consensus`), and how its id is
//! derived (SHA-256 of the signed bytes).
#![forbid(unsafe_code)]

pub mod block;
pub mod body;
pub mod canonical;
pub mod country;
pub mod date;
pub mod hash;
pub mod ijson;
pub mod keys;
pub mod refusal;
pub mod sidecar;
pub mod tx;

pub use block::Block;
pub use hash::Hash32;
pub use keys::{
    EncryptionPublicKey, EncryptionSecretKey, KeyFile, PublicKey, Signature, SigningKey,
};
pub use refusal::{Code, Refusal};
pub use tx::{MAX_TX_BYTES, Transaction, TxError, TxId, UnsignedTransaction};
