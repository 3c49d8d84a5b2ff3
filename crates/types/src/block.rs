//! Blocks as the ledger sees them: an ordered batch of transactions with the chain's roots.

use crate::hash::Hash32;
use crate::keys::PublicKey;
use serde::{Deserialize, Serialize};

/// A block: what consensus orders and the ledger executes.
///
/// A block attests the roots after an earlier block: `attested_height`, the highest block
/// its proposer had executed, never above the parent and never below what the parent
/// attested. Execution therefore trails ordering by a block or two, and a proposer never
/// waits for its parent to be finalized (which, with votes lost on the way, could wait
/// forever), while every block still binds the exact state and log of its ancestry; the
/// roots after each block are recorded by the ledger and cosigned in the log checkpoint.
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
    /// The height whose roots this block attests: at most the parent's height, at least
    /// the height the parent attested.
    pub attested_height: u64,
    /// State root after block `attested_height`.
    pub attested_state_root: Hash32,
    /// Transparency-log size after block `attested_height`.
    pub attested_log_size: u64,
    /// Transparency-log root after block `attested_height`.
    pub attested_log_root: Hash32,
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
