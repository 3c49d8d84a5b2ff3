//! Blocks as the ledger sees them: an ordered batch of transactions with the chain's roots.

use crate::hash::Hash32;
use crate::keys::PublicKey;
use serde::{Deserialize, Serialize};

/// A block: what consensus orders and the ledger executes.
///
/// The roots a block carries describe the state *before* its own transactions run (the
/// result of executing its parent). That lets a proposer build a block without speculative
/// execution while still binding every block to the exact state and log it extends; the
/// roots after a block are recorded by the ledger and signed in the log checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Height: genesis is 0.
    pub height: u64,
    /// Digest of the parent block (consensus digest).
    pub parent: Hash32,
    /// Milliseconds since the Unix epoch, chosen by the proposer and checked by validators.
    /// Execution reads time only from here.
    pub timestamp_ms: u64,
    /// The validator that proposed the block.
    pub proposer: PublicKey,
    /// State root after the parent block.
    pub parent_state_root: Hash32,
    /// Transparency-log size after the parent block.
    pub parent_log_size: u64,
    /// Transparency-log root after the parent block.
    pub parent_log_root: Hash32,
    /// The transactions, each as its JCS leaf bytes, in execution order. (In JSON, each is
    /// a string: leaf bytes are UTF-8 JSON text.)
    #[serde(with = "utf8_strings")]
    pub transactions: Vec<Vec<u8>>,
}

mod utf8_strings {
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    pub fn serialize<S: Serializer>(txs: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(txs.len()))?;
        for tx in txs {
            let text = std::str::from_utf8(tx).map_err(serde::ser::Error::custom)?;
            seq.serialize_element(text)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<String>::deserialize(d)?
            .into_iter()
            .map(String::into_bytes)
            .collect())
    }
}
