//! The supply module's state, under `supply/`, and the reads the API and the CLI make.
//!
//! | key | value |
//! |---|---|
//! | `event/{hex}` | [`EventRecord`]: an event, by its CBV 2.0 hash |
//! | `eventid/{declared}` | the hex of the event that declared this `eventID` |
//! | `seq/{n:020}` | the hex of the n-th event captured (the event stream) |
//! | `by/{node}\0{seq:020}` | an event that names goods `node` |
//! | `ix/{field}/{value}\0{seq:020}` | its event time: an event by type, business step, disposition or location ([`crate::query`]) |
//! | `edge/{from}\0{to}`, `in/{to}\0{from}` | [`Edge`], forward and reverse |
//! | `made/{facility}\0{node}`, `maker/{node}` | [`Made`]: goods made at a facility |
//! | `flag/{node}\0{finding}`, `reach/{finding}\0{node}` | [`Flag`] and its reverse index |
//! | `facility/{id}`, `product/{gtin}` | master data |
//! | `audit/{facility}\0{tx}`, `cert/{facility}\0{tx}` | audits and certifications |
//! | `finding/{tx}`, `at/{facility}\0{tx}` | [`FindingRecord`] and findings by facility |
//! | `meta/events` | how many events were captured |

use crate::body::{Audit, Certification, Facility, Finding, Plan, Product, Verification};
use crate::rules::{Edge, Flag, GraphRead, Step, path};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_ledger::state::{Keyspace, StateRead, decode};
use unchain_types::TxId;

/// The supply module's keyspace.
pub const SPACE: Keyspace = Keyspace::new("supply");

/// One captured event, as state keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Its CBV 2.0 event hash.
    pub hash: String,
    /// The `eventID` its capturer declared, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    /// Its place in the event stream: 1 for the first event captured.
    pub seq: u64,
    /// Event time, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The capturing member.
    pub member: String,
    /// The capture transaction.
    pub tx_id: TxId,
    /// That transaction's leaf in the transparency log.
    pub log_index: u64,
    /// Block height.
    pub height: u64,
    /// Block time: when the chain recorded it.
    pub recorded_ms: u64,
    /// The event as captured.
    pub event: Value,
    /// The capture that declared an error in it (the event as captured again with an
    /// `errorDeclaration`, which `event` now holds), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_declared_in: Option<TxId>,
    /// The extension namespaces of the `@context` it was captured with (prefix → IRI).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub namespaces: std::collections::BTreeMap<String, String>,
}

/// Goods made at a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// The facility.
    pub facility: String,
    /// The event (hex) that made them there.
    pub event: String,
    /// Its event time.
    pub time_ms: i64,
}

/// A registered facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityRecord {
    /// As registered (last update).
    pub facility: Facility,
    /// The member that registered it; only it may update it.
    pub registrant: String,
    /// The log leaf of its last update.
    #[serde(default)]
    pub log_index: u64,
}

/// A registered product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    /// As registered (last update).
    pub product: Product,
    /// The member that registered it; only it may update it.
    pub registrant: String,
    /// The log leaf of its last update.
    #[serde(default)]
    pub log_index: u64,
}

/// Who recorded something, when, and where in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The member.
    pub member: String,
    /// The transaction.
    pub tx_id: TxId,
    /// Its leaf in the transparency log.
    pub log_index: u64,
    /// Block time.
    pub recorded_ms: u64,
}

/// An audit, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The audit.
    pub audit: Audit,
    /// By whom, when.
    pub recorded: Recorded,
}

/// A certification, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationRecord {
    /// The certification.
    pub certification: Certification,
    /// By whom (the certification body), when.
    pub recorded: Recorded,
}

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Flags the goods it reaches.
    Open,
    /// Its author verified the corrective action; its flags are cleared.
    Remediated,
}

/// A finding, its plans and verifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// The finding, as signed.
    pub finding: Finding,
    /// Its author, when.
    pub recorded: Recorded,
    /// Where it stands.
    pub status: Status,
    /// How many nodes it flags now (0 once remediated).
    pub flagged: u64,
    /// How many nodes it flagged before it was cleared.
    #[serde(default)]
    pub cleared: u64,
    /// Corrective-action plans, oldest first.
    #[serde(default)]
    pub plans: Vec<(Plan, Recorded)>,
    /// Its author's verifications, oldest first.
    #[serde(default)]
    pub verifications: Vec<(Verification, Recorded)>,
}

pub(crate) fn event_key(hex: &str) -> Vec<u8> {
    SPACE.key(format_args!("event/{hex}"))
}
pub(crate) fn eventid_key(declared: &str) -> Vec<u8> {
    SPACE.key(format_args!("eventid/{declared}"))
}
pub(crate) fn seq_key(seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("seq/{seq:020}"))
}
pub(crate) fn by_key(node: &str, seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("by/{node}\0{seq:020}"))
}
pub(crate) fn edge_key(from: &str, to: &str) -> Vec<u8> {
    SPACE.key(format_args!("edge/{from}\0{to}"))
}
pub(crate) fn in_key(to: &str, from: &str) -> Vec<u8> {
    SPACE.key(format_args!("in/{to}\0{from}"))
}
pub(crate) fn made_key(facility: &str, node: &str) -> Vec<u8> {
    SPACE.key(format_args!("made/{facility}\0{node}"))
}
pub(crate) fn maker_key(node: &str) -> Vec<u8> {
    SPACE.key(format_args!("maker/{node}"))
}
pub(crate) fn flag_key(node: &str, finding: &str) -> Vec<u8> {
    SPACE.key(format_args!("flag/{node}\0{finding}"))
}
pub(crate) fn reach_key(finding: &str, node: &str) -> Vec<u8> {
    SPACE.key(format_args!("reach/{finding}\0{node}"))
}
pub(crate) fn facility_key(id: &str) -> Vec<u8> {
    SPACE.key(format_args!("facility/{id}"))
}
pub(crate) fn product_key(gtin: &str) -> Vec<u8> {
    SPACE.key(format_args!("product/{gtin}"))
}
pub(crate) fn audit_key(facility: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("audit/{facility}\0{tx}"))
}
pub(crate) fn cert_key(facility: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("cert/{facility}\0{tx}"))
}
pub(crate) fn finding_key(tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("finding/{tx}"))
}
pub(crate) fn at_key(facility: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("at/{facility}\0{tx}"))
}
pub(crate) fn count_key() -> Vec<u8> {
    SPACE.key("meta/events")
}

/// The part of a key after `prefix`, as text.
fn tail(key: &[u8], prefix: &[u8]) -> String {
    String::from_utf8_lossy(&key[prefix.len()..]).into_owned()
}

/// The goods graph over any state: edges, flags, paths.
pub struct StateGraph<'s, S>(pub &'s S);

impl<S: StateRead> GraphRead for StateGraph<'_, S> {
    type Error = redb::StorageError;

    fn edges_from(&self, node: &str) -> Result<Vec<Edge>, Self::Error> {
        edges(self.0, &SPACE.key(format_args!("edge/{node}\0")))
    }

    fn flag(&self, node: &str, finding: &str) -> Result<Option<Flag>, Self::Error> {
        SPACE.get(self.0, &flag_key(node, finding))
    }

    fn flags_on(&self, node: &str) -> Result<Vec<(String, Flag)>, Self::Error> {
        let prefix = SPACE.key(format_args!("flag/{node}\0"));
        Ok(self
            .0
            .scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| (tail(&k, &prefix), decode(&v)))
            .collect())
    }
}

fn edges(state: &impl StateRead, prefix: &[u8]) -> Result<Vec<Edge>, redb::StorageError> {
    Ok(state
        .scan_prefix(prefix)?
        .into_iter()
        .map(|(k, v)| {
            let (relation, event): (crate::graph::Relation, String) = decode(&v);
            Edge {
                node: tail(&k, prefix),
                relation,
                event,
            }
        })
        .collect())
}

/// The edges into `node`: where its goods came from.
pub fn edges_into(state: &impl StateRead, node: &str) -> Result<Vec<Edge>, redb::StorageError> {
    edges(state, &SPACE.key(format_args!("in/{node}\0")))
}

/// How many events were captured.
pub fn event_count(state: &impl StateRead) -> Result<u64, redb::StorageError> {
    Ok(SPACE.get(state, &count_key())?.unwrap_or(0))
}

/// An event by its hash (`ni:///…` or its hex) or by the `eventID` its capturer declared.
pub fn event(state: &impl StateRead, id: &str) -> Result<Option<EventRecord>, redb::StorageError> {
    let hex = crate::body::hash_hex(id);
    if let Some(r) = SPACE.get(state, &event_key(hex))? {
        return Ok(Some(r));
    }
    match SPACE.get::<String>(state, &eventid_key(id))? {
        Some(hex) => SPACE.get(state, &event_key(&hex)),
        None => Ok(None),
    }
}

/// The event at place `seq` of the stream.
pub fn event_at(
    state: &impl StateRead,
    seq: u64,
) -> Result<Option<EventRecord>, redb::StorageError> {
    match SPACE.get::<String>(state, &seq_key(seq))? {
        Some(hex) => SPACE.get(state, &event_key(&hex)),
        None => Ok(None),
    }
}

/// The places in the stream of the events that name goods `node`, in order.
pub fn events_naming(state: &impl StateRead, node: &str) -> Result<Vec<u64>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("by/{node}\0"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| tail(&k, &prefix).parse().ok())
        .collect())
}

/// Where goods `node` were made, if an event says so.
pub fn maker(state: &impl StateRead, node: &str) -> Result<Option<Made>, redb::StorageError> {
    SPACE.get(state, &maker_key(node))
}

/// A facility.
pub fn facility(
    state: &impl StateRead,
    id: &str,
) -> Result<Option<FacilityRecord>, redb::StorageError> {
    SPACE.get(state, &facility_key(id))
}

/// Every facility, in id order.
pub fn facilities(state: &impl StateRead) -> Result<Vec<FacilityRecord>, redb::StorageError> {
    SPACE.values(state, "facility/")
}

/// A product.
pub fn product(
    state: &impl StateRead,
    gtin: &str,
) -> Result<Option<ProductRecord>, redb::StorageError> {
    SPACE.get(state, &product_key(gtin))
}

/// A facility's audits, oldest transaction id first.
pub fn audits(
    state: &impl StateRead,
    facility: &str,
) -> Result<Vec<AuditRecord>, redb::StorageError> {
    SPACE.values(state, format_args!("audit/{facility}\0"))
}

/// A facility's certifications.
pub fn certifications(
    state: &impl StateRead,
    facility: &str,
) -> Result<Vec<CertificationRecord>, redb::StorageError> {
    SPACE.values(state, format_args!("cert/{facility}\0"))
}

/// A finding.
pub fn finding(
    state: &impl StateRead,
    id: &TxId,
) -> Result<Option<FindingRecord>, redb::StorageError> {
    SPACE.get(state, &finding_key(id))
}

/// Every finding, by id.
pub fn findings(state: &impl StateRead) -> Result<Vec<FindingRecord>, redb::StorageError> {
    SPACE.values(state, "finding/")
}

/// The findings about a facility.
pub fn findings_at(
    state: &impl StateRead,
    facility: &str,
) -> Result<Vec<FindingRecord>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("at/{facility}\0"));
    let mut out = Vec::new();
    for (k, _) in state.scan_prefix(&prefix)? {
        if let Ok(id) = TxId::from_hex(&tail(&k, &prefix)) {
            out.extend(finding(state, &id)?);
        }
    }
    Ok(out)
}

/// The nodes a finding flags, in node order.
pub fn reached(state: &impl StateRead, id: &TxId) -> Result<Vec<String>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("reach/{id}\0"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .map(|(k, _)| tail(&k, &prefix))
        .collect())
}

/// One finding's mark on goods, with the path from the finding to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The finding.
    pub finding: TxId,
    /// The path, from where the finding starts to the goods.
    pub path: Vec<Step>,
}

/// Every open finding that flags goods `node`, each with its path.
pub fn flags(state: &impl StateRead, node: &str) -> Result<Vec<Trace>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("flag/{node}\0"));
    let graph = StateGraph(state);
    let mut out = Vec::new();
    for (k, _) in state.scan_prefix(&prefix)? {
        let id = tail(&k, &prefix);
        if let Ok(finding) = TxId::from_hex(&id) {
            out.push(Trace {
                finding,
                path: path(&graph, node, &id)?,
            });
        }
    }
    Ok(out)
}
