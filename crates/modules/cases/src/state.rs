//! The cases' state under `cases/`: each case and its history, each owner's cases, each
//! agency's referral inbox; and the queries over them.

use crate::workflow::CaseKind;
use serde::{Deserialize, Serialize};
use unchain_ledger::StateReader;
use unchain_ledger::state::decode;
use unchain_types::{Hash32, TxId};

/// A case as state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its id.
    pub case: String,
    /// What it is.
    pub kind: CaseKind,
    /// Its current status.
    pub status: String,
    /// The organisation that opened it.
    pub owner: String,
    /// The sealed HTCDS record.
    pub record: Hash32,
    /// The record version it points to.
    pub record_version: u32,
    /// The case it follows from.
    pub parent: Option<String>,
    /// The outcome it was last closed with.
    pub outcome: Option<String>,
    /// Agencies it was referred to, in order.
    pub referred_to: Vec<String>,
    /// Block time it was opened.
    pub opened_ms: u64,
    /// How many events it has.
    pub events: u32,
}

/// What a case event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// Opened in its initial status.
    Opened {
        /// The initial status.
        status: String,
    },
    /// Moved from one status to another.
    Transitioned {
        /// Before.
        from: String,
        /// After.
        to: String,
        /// The outcome named.
        outcome: Option<String>,
        /// Why.
        reason: Option<String>,
    },
    /// Referred to an agency.
    Referred {
        /// The agency.
        to: String,
        /// The HTCDS reason.
        reason: String,
    },
    /// Pointed at a newer record version.
    Updated {
        /// The version.
        version: u32,
    },
}

/// One event in a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// 1, 2, 3, …
    pub seq: u32,
    /// What changed.
    pub change: Change,
    /// The signing organisation.
    pub member: String,
    /// The acting user.
    pub actor: String,
    /// The transaction.
    pub tx_id: TxId,
    /// Its leaf in the log.
    pub log_index: u64,
    /// Block time.
    pub time_ms: u64,
}

/// A referral, as the referred agency's inbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The case.
    pub case: String,
    /// Its kind.
    pub kind: CaseKind,
    /// The referring agency.
    pub from: String,
    /// The HTCDS reason.
    pub reason: String,
    /// The sealed record the referred agency may now read.
    pub record: Hash32,
    /// The referring transaction.
    pub tx_id: TxId,
    /// Its leaf in the log.
    pub log_index: u64,
    /// Block time.
    pub time_ms: u64,
}

pub(crate) fn case_key(id: &str) -> Vec<u8> {
    format!("cases/case/{id}").into_bytes()
}

pub(crate) fn event_key(id: &str, seq: u32) -> Vec<u8> {
    format!("cases/event/{id}\0{seq:010}").into_bytes()
}

pub(crate) fn owner_key(member: &str, id: &str) -> Vec<u8> {
    format!("cases/owner/{member}/{id}").into_bytes()
}

pub(crate) fn inbox_key(member: &str, log_index: u64) -> Vec<u8> {
    format!("cases/inbox/{member}/{log_index:020}").into_bytes()
}

/// A case as state holds it, read through `get`: how another module, executing, checks
/// a case it points to.
pub fn case_in(
    get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, redb::StorageError>,
    id: &str,
) -> Result<Option<Case>, redb::StorageError> {
    Ok(get(&case_key(id))?.map(|v| decode(&v)))
}

/// A case and its history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseView {
    /// The case.
    pub case: Case,
    /// Its events, oldest first.
    pub events: Vec<CaseEvent>,
}

/// A case and its events, if it exists.
pub fn case(reader: &StateReader, id: &str) -> Result<Option<CaseView>, redb::StorageError> {
    let Some(case) = reader.get(&case_key(id))?.map(|v| decode::<Case>(&v)) else {
        return Ok(None);
    };
    let events = events_of(reader, id)?;
    Ok(Some(CaseView { case, events }))
}

/// Case `id`'s events, oldest first.
pub fn events_of(
    reader: &impl unchain_ledger::StateRead,
    id: &str,
) -> Result<Vec<CaseEvent>, redb::StorageError> {
    Ok(reader
        .scan_prefix(format!("cases/event/{id}\0").as_bytes())?
        .into_iter()
        .map(|(_, v)| decode(&v))
        .collect())
}

/// Cases `member` opened, by id.
pub fn owned_by(
    reader: &impl unchain_ledger::StateRead,
    member: &str,
) -> Result<Vec<Case>, redb::StorageError> {
    let prefix = format!("cases/owner/{member}/");
    let mut out = Vec::new();
    for (key, _) in reader.scan_prefix(prefix.as_bytes())? {
        let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        if let Some(v) = reader.get(&case_key(&id))? {
            out.push(decode(&v));
        }
    }
    Ok(out)
}

/// Referrals to `member` after the inbox key `after` (empty: from the start), oldest first,
/// each with its key (the cursor for the next call).
pub fn referrals(
    reader: &StateReader,
    member: &str,
    after: &[u8],
) -> Result<Vec<(Vec<u8>, Referral)>, redb::StorageError> {
    Ok(reader
        .scan_prefix_after(format!("cases/inbox/{member}/").as_bytes(), after)?
        .into_iter()
        .map(|(k, v)| (k, decode(&v)))
        .collect())
}
