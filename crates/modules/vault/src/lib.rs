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
//! - `vault.rotate_matching_key` starts a new shared matching-key epoch (only until the
//!   first threshold key).
//! - `vault.token_key_*` run the threshold token key's rounds among the members
//!   ([`token_key`]): a fresh key makes a new matching epoch that no member holds; a
//!   resharing moves the current key to new players. `vault.token_evaluations` announces
//!   blind evaluations before asking members for them; `vault.retoken` re-derives an
//!   owned record's tokens under the current epoch.
//! - `vault.sharing_policy` publishes a jurisdiction's sharing policy ([`sharing`]): CEL
//!   rules every recipient of a record its members own must satisfy, at a seal and at a
//!   grant, and the jurisdictions where such a record's ciphertext may be held. Refusals
//!   name the policy, its version and the rule.
//!
//! Nodes keep the ciphertexts on disk (consensus's blob store) and fill and empty it by
//! following [`state::feed`] and [`state::erased`], under [`holdings::VaultHoldings`]: a
//! node neither sends nor stores a ciphertext its owner's jurisdiction forbids where the
//! other node's member is.
#![forbid(unsafe_code)]

pub mod body;
pub mod client;
mod execute;
pub mod holdings;
mod policy;
pub mod rules;
pub mod sharing;
pub mod state;
pub mod token_client;
pub mod token_key;

pub use execute::{TOKENS_PER_DAY, VaultModule};
