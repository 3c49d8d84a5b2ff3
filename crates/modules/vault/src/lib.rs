//! The vault (DESIGN.md decisions 4 and 5): sealed records on the ledger, and each node's
//! private store of the ciphertexts it is entitled to.
//!
//! The ledger side is the `vault.*` transaction kinds ([`VaultModule`]):
//!
//! - `vault.seal` records a record's version: its commitment (SHA-256 of the ciphertext),
//!   its recipients and their HPKE-wrapped content keys, its policy (retention, consent),
//!   the survivor's key if it is about one, and blind-index tokens of its identifiers. A
//!   token shared with another organisation's record raises a match alert for both.
//! - `vault.grant` shares the current version with another organisation, naming purpose and
//!   legal basis; where the survivor's consent is required it needs a `vault.consent` signed
//!   by the survivor, or a court override that is flagged and noticed to the survivor's key.
//! - `vault.revoke` stops future versions reaching an organisation and states which
//!   versions it already holds (those cannot be unshared).
//! - `vault.erase` crypto-shreds a record: wrapped keys leave state, every node deletes the
//!   ciphertext, the commitment stays so the record's existence remains provable.
//! - `vault.rotate_matching_key` starts a new matching-key epoch.
//!
//! Nodes keep the ciphertexts on disk (consensus's blob store) and fill and empty it by
//! following [`state::feed`] and [`state::erased`], under [`holdings::VaultHoldings`].
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
mod execute;
pub mod holdings;
pub mod rules;
pub mod state;

pub use execute::{TOKENS_PER_DAY, VaultModule};
