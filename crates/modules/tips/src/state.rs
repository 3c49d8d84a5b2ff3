//! The tips' state under `tips/`: each tip and its messages, the receipt-code locator
//! index, each intake's inbox; and the queries over them. (`holdings` keeps the indexes
//! ciphertext sync and retention follow.)

use crate::body::{Author, EraseReason, Keys};
use serde::{Deserialize, Serialize};
use unchain_ledger::StateReader;
use unchain_ledger::state::decode;
use unchain_types::{Hash32, TxId};

/// How and when a tip was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipErasure {
    /// Why.
    pub reason: EraseReason,
    /// Who submitted it.
    pub by: String,
    /// Block time.
    pub time_ms: u64,
    /// The `tips.erase` transaction.
    pub tx_id: TxId,
}

/// The triage a tip last received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageState {
    /// Priority.
    pub priority: String,
    /// Category.
    pub category: String,
    /// ILO indicators.
    pub indicators: Vec<String>,
    /// Who triaged it.
    pub actor: String,
    /// Block time.
    pub time_ms: u64,
}

/// A tip as state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tip {
    /// Its id.
    pub tip: String,
    /// The organisation it was handed to.
    pub intake: String,
    /// The form it came through.
    pub form: String,
    /// The receipt code's locator.
    pub locator: Hash32,
    /// The reporter's X25519 key (hex).
    pub reporter_key: String,
    /// `new`, `open` (triaged), `closed`, `converted` or `erased`.
    pub status: String,
    /// Latest triage.
    pub triage: Option<TriageState>,
    /// The case it became.
    pub case: Option<String>,
    /// Messages, the report included.
    pub messages: u32,
    /// Block time it was recorded.
    pub received_ms: u64,
    /// The `tips.receive` transaction.
    pub tx_id: TxId,
    /// Its leaf.
    pub log_index: u64,
    /// Days of retention after the last activity (`None`: until its intake erases it).
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// When its retention ends, counted from its last activity (block time).
    #[serde(default)]
    pub expires_ms: Option<u64>,
    /// Set once it is erased: its messages' ciphertexts are gone from every node.
    #[serde(default)]
    pub erased: Option<TipErasure>,
}

/// One message of a tip (the report is the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageState {
    /// 1, 2, 3, …
    pub seq: u32,
    /// Its id, bound into its sealing.
    pub msg: String,
    /// Who wrote it.
    pub from: Author,
    /// SHA-256 of the sealed message.
    pub commitment: Hash32,
    /// Its size.
    pub size: u64,
    /// Its key, wrapped for the intake and the reporter.
    pub keys: Keys,
    /// The reporter's commitment of its content (the reporter's messages).
    pub receipt: Option<Hash32>,
    /// The agency's user.
    pub actor: Option<String>,
    /// Signed time.
    pub at_ms: u64,
    /// The transaction.
    pub tx_id: TxId,
    /// Its leaf.
    pub log_index: u64,
    /// Block time.
    pub time_ms: u64,
}

/// A tip and its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipView {
    /// The tip.
    pub tip: Tip,
    /// Its messages, oldest first.
    pub messages: Vec<MessageState>,
}

pub(crate) fn tip_key(id: &str) -> Vec<u8> {
    format!("tips/tip/{id}").into_bytes()
}
pub(crate) fn msg_key(id: &str, seq: u32) -> Vec<u8> {
    format!("tips/msg/{id}\0{seq:010}").into_bytes()
}
pub(crate) fn locator_key(locator: &Hash32) -> Vec<u8> {
    format!("tips/loc/{locator}").into_bytes()
}
pub(crate) fn inbox_key(member: &str, log_index: u64) -> Vec<u8> {
    format!("tips/inbox/{member}/{log_index:020}").into_bytes()
}

/// A tip's record without its messages, from any state (another module's execution reads
/// it through this).
pub fn tip_record(
    state: &impl unchain_ledger::state::StateRead,
    id: &str,
) -> Result<Option<Tip>, redb::StorageError> {
    Ok(state.get(&tip_key(id))?.map(|v| decode::<Tip>(&v)))
}

/// A tip and its messages, if it exists.
pub fn tip(reader: &StateReader, id: &str) -> Result<Option<TipView>, redb::StorageError> {
    let Some(tip) = reader.get(&tip_key(id))?.map(|v| decode::<Tip>(&v)) else {
        return Ok(None);
    };
    let messages = reader
        .scan_prefix(format!("tips/msg/{id}\0").as_bytes())?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect();
    Ok(Some(TipView { tip, messages }))
}

/// The tip a receipt code's locator names.
pub fn by_locator(
    reader: &StateReader,
    locator: &Hash32,
) -> Result<Option<TipView>, redb::StorageError> {
    match reader.get(&locator_key(locator))? {
        Some(id) => tip(reader, &String::from_utf8_lossy(&id)),
        None => Ok(None),
    }
}

/// Every tip handed to `member`, oldest first.
pub fn inbox(reader: &StateReader, member: &str) -> Result<Vec<Tip>, redb::StorageError> {
    let mut out = Vec::new();
    for (_, id) in reader.scan_prefix(format!("tips/inbox/{member}/").as_bytes())? {
        if let Some(v) = reader.get(&tip_key(&String::from_utf8_lossy(&id)))? {
            out.push(decode(&v));
        }
    }
    Ok(out)
}
