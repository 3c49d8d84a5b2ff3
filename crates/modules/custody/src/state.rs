//! Custody's state: each item's state and events, and two indexes — items waiting for a
//! member's receipt, items of a case — under `custody/`.

use crate::body::{self, Action};
use crate::rules::Item;
use serde::{Deserialize, Serialize};
use unchain_ledger::StateReader;
use unchain_ledger::state::decode;
use unchain_types::{Hash32, TxId};

/// One committed custody event, as state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// 1 for collection, then 2, 3, …
    pub seq: u32,
    /// What happened.
    pub action: Action,
    /// The signing organisation.
    pub member: String,
    /// The transaction.
    pub tx_id: TxId,
    /// Its leaf in the transparency log.
    pub log_index: u64,
    /// Block height.
    pub height: u64,
    /// Block time: when the chain recorded it.
    pub recorded_ms: u64,
    /// The body as signed.
    pub event: body::Event,
}

pub(crate) fn item_key(id: &Hash32) -> Vec<u8> {
    format!("custody/item/{id}").into_bytes()
}

pub(crate) fn event_key(id: &Hash32, seq: u32) -> Vec<u8> {
    format!("custody/event/{id}/{seq:010}").into_bytes()
}

pub(crate) fn waiting_key(member: &str, id: &Hash32) -> Vec<u8> {
    format!("custody/waiting/{member}/{id}").into_bytes()
}

pub(crate) fn case_key(case: &str, id: &Hash32) -> Vec<u8> {
    format!("custody/case/{case}\0{id}").into_bytes()
}

/// An item's custody state, if it was ever collected.
pub fn item(reader: &StateReader, id: &Hash32) -> Result<Option<Item>, redb::StorageError> {
    Ok(reader.get(&item_key(id))?.map(|v| decode(&v)))
}

/// An item's events, oldest first.
pub fn events(reader: &StateReader, id: &Hash32) -> Result<Vec<EventRecord>, redb::StorageError> {
    Ok(reader
        .scan_prefix(format!("custody/event/{id}/").as_bytes())?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect())
}

/// Event `seq` of an item (1 is its collection; its latest is `Item::events`).
pub fn event(
    reader: &StateReader,
    id: &Hash32,
    seq: u32,
) -> Result<Option<EventRecord>, redb::StorageError> {
    Ok(reader.get(&event_key(id, seq))?.map(|v| decode(&v)))
}

/// The items whose ids end the keys under `prefix` (an index).
fn indexed_items(reader: &StateReader, prefix: &str) -> Result<Vec<Item>, redb::StorageError> {
    let mut out = Vec::new();
    for (key, _) in reader.scan_prefix(prefix.as_bytes())? {
        let id = std::str::from_utf8(&key[prefix.len()..])
            .ok()
            .and_then(|s| Hash32::from_hex(s).ok())
            .expect("index keys end with an item id");
        out.extend(item(reader, &id)?);
    }
    Ok(out)
}

/// Items handed over to `member` and waiting for its signature.
pub fn waiting(reader: &StateReader, member: &str) -> Result<Vec<Item>, redb::StorageError> {
    indexed_items(reader, &format!("custody/waiting/{member}/"))
}

/// Items collected for `case`.
pub fn items_of_case(reader: &StateReader, case: &str) -> Result<Vec<Item>, redb::StorageError> {
    indexed_items(reader, &format!("custody/case/{case}\0"))
}
