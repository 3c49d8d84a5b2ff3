//! The notary's state: one entry per anchoring, under `notary/{hash}/{log index}`.

use serde::{Deserialize, Serialize};
use unchain_ledger::{Keyspace, StateRead};
use unchain_types::{Hash32, TxId};

/// The notary's keyspace.
pub(crate) const KEYS: Keyspace = Keyspace::new("notary");

/// One anchoring of a document hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// SHA-256 of the document.
    pub hash: Hash32,
    /// What kind of document (`report`, `photo`, `contract`, …).
    pub doc_type: String,
    /// A short public description (no personal data).
    pub description: String,
    /// The document's own date (`YYYY-MM-DD`), if given.
    pub document_date: Option<String>,
    /// The member that anchored it.
    pub anchored_by: String,
    /// The anchoring transaction.
    pub tx_id: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms since the Unix epoch): when the chain learned of the document.
    pub timestamp_ms: u64,
    /// Leaf index of the anchoring transaction in the transparency log.
    pub log_index: u64,
}

pub(crate) fn anchor_key(hash: &Hash32, log_index: u64) -> Vec<u8> {
    KEYS.key(format_args!("{}/{log_index:020}", hash.to_hex()))
}

/// Every anchoring of `hash`, oldest first.
pub fn anchors(reader: &impl StateRead, hash: &Hash32) -> Result<Vec<Anchor>, redb::StorageError> {
    KEYS.values(reader, format_args!("{}/", hash.to_hex()))
}
