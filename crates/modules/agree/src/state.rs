//! The agree module's state, under `agree/`:
//!
//! - `agreement/{id}`: the proposal, who signed, its standing with history, and each
//!   clause's last evaluation;
//! - `outcome/{id}/{seq:010}`: every evaluation's outcome, with the digest of the facts it
//!   read and the consequence it applied;
//! - `penalty/{party}/{id}/{seq:010}`: penalties a party owes under an agreement;
//! - `notice/{member}/{log index:020}/{n:04}`: what a member's event stream carries about
//!   agreements (a breach, a contest, an arbiter's decision), as [`Notice`];
//! - `facts/{id}/{seq:010}`: the canonical JSON of the facts an outcome read, kept so that
//!   the outcome can be re-checked offline (its bundle carries them).

use crate::body::{Consequence, Propose};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_ledger::state::{Keyspace, StateRead};
use unchain_types::{Hash32, TxId};

/// The module's keyspace.
pub const SPACE: Keyspace = Keyspace::new("agree");

/// An agreement's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Waiting for every party's signature.
    Proposed,
    /// Every party signed: its clauses are evaluated on their schedule.
    InForce,
    /// A breach suspended it.
    Suspended,
    /// Every party signed its end: nothing more is evaluated.
    Ended,
}

/// An amendment: proposed, signed, and once every party signed, applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// Its number.
    pub number: u32,
    /// Why.
    pub reason: String,
    /// Whether it ends the agreement.
    pub end: bool,
    /// The new terms (none for an ending).
    pub terms: Option<Propose>,
    /// The parties whose signatures it needs: of the terms in force and of the new ones.
    pub needs: Vec<String>,
    /// Who signed it so far, in order (the proposing party first).
    pub signed: Vec<String>,
    /// The proposing and signing transactions, in order.
    pub txs: Vec<TxId>,
    /// The height it took effect at, once every party signed.
    pub applied: Option<u64>,
}

/// An agreement and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRecord {
    /// As proposed.
    pub proposal: Propose,
    /// The proposing transaction.
    pub proposed_tx: TxId,
    /// The parties that signed, in order (the proposer first).
    pub signed: Vec<String>,
    /// Its standing now.
    pub standing: Standing,
    /// Each change of standing: the standing, the height, the member or clause that caused
    /// it.
    pub history: Vec<(Standing, u64, String)>,
    /// Each clause's last evaluation: height, block time.
    #[serde(default)]
    pub evaluated: BTreeMap<String, (u64, u64)>,
    /// How many outcomes it has.
    #[serde(default)]
    pub outcomes: u64,
    /// The signing transactions, in order (the proposal is the proposer's signature).
    #[serde(default)]
    pub signed_txs: Vec<TxId>,
    /// Every amendment, the last perhaps still waiting for signatures.
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    /// For each clause evaluated on change, the SHA-256 of each fact list it watches, as
    /// its last evaluation read them.
    #[serde(default)]
    pub watched: BTreeMap<String, BTreeMap<String, Hash32>>,
}

/// One evaluation of one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The clause.
    pub clause: String,
    /// The height it was evaluated at.
    pub height: u64,
    /// Block time.
    pub at_ms: u64,
    /// Kept (true), breached (false), or the evaluation's error.
    pub kept: Result<bool, String>,
    /// SHA-256 of the canonical JSON of the facts the clause read.
    pub facts: Hash32,
    /// The consequence applied, for a breach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<Consequence>,
    /// The transaction that asked for it, and who sent it.
    pub tx_id: TxId,
    /// Who asked.
    pub member: String,
    /// A party's contest of it, and the arbiter's decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<Dispute>,
    /// The `agree.attest` transaction that copied it into the log, once one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<TxId>,
}

/// A contested outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// The party that contested it.
    pub by: String,
    /// Its reason.
    pub reason: String,
    /// The height it was contested at.
    pub height: u64,
    /// The arbiter's decision: upheld or not, why, at which height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<(bool, String, u64)>,
}

pub(crate) fn agreement_key(id: &str) -> Vec<u8> {
    SPACE.key(format_args!("agreement/{id}"))
}

pub(crate) fn outcome_key(id: &str, seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("outcome/{id}/{seq:010}"))
}

pub(crate) fn penalty_key(party: &str, id: &str, seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("penalty/{party}/{id}/{seq:010}"))
}

/// What a member is told about an agreement on its event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `agreement_breach`, `agreement_contested` or `agreement_decided`.
    pub kind: String,
    /// The agreement.
    pub agreement: String,
    /// Its title.
    pub title: String,
    /// The outcome's number.
    pub outcome: u64,
    /// The clause.
    pub clause: String,
    /// The consequence of a breach, the reason of a contest, or the decision.
    pub detail: serde_json::Value,
}

pub(crate) fn notice_key(member: &str, log_index: u64, n: usize) -> Vec<u8> {
    SPACE.key(format_args!("notice/{member}/{log_index:020}/{n:04}"))
}

/// `member`'s notices, oldest first.
pub fn notices(state: &impl StateRead, member: &str) -> Result<Vec<Notice>, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key(format_args!("notice/{member}/")))?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect())
}

/// The prefix of `member`'s notices, each key continuing with a 20-digit log index.
pub fn notice_prefix(member: &str) -> String {
    format!("agree/notice/{member}/")
}

pub(crate) fn facts_key(id: &str, seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("facts/{id}/{seq:010}"))
}

/// The canonical JSON of the facts outcome `seq` of agreement `id` read.
pub fn outcome_facts(
    state: &impl StateRead,
    id: &str,
    seq: u64,
) -> Result<Option<Vec<u8>>, redb::StorageError> {
    state.get(&facts_key(id, seq))
}

/// Outcome `seq` of agreement `id`.
pub fn outcome(
    state: &impl StateRead,
    id: &str,
    seq: u64,
) -> Result<Option<Outcome>, redb::StorageError> {
    SPACE.get(state, &outcome_key(id, seq))
}

/// An agreement.
pub fn agreement(
    state: &impl StateRead,
    id: &str,
) -> Result<Option<AgreementRecord>, redb::StorageError> {
    SPACE.get(state, &agreement_key(id))
}

/// Every agreement, by id.
pub fn agreements(state: &impl StateRead) -> Result<Vec<AgreementRecord>, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key(format_args!("agreement/")))?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect())
}

/// Every outcome of an agreement, oldest first.
pub fn outcomes(state: &impl StateRead, id: &str) -> Result<Vec<Outcome>, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key(format_args!("outcome/{id}/")))?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect())
}

/// The penalties `party` owes, as (agreement, outcome number, consequence).
pub fn penalties_of(
    state: &impl StateRead,
    party: &str,
) -> Result<Vec<(String, u64)>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("penalty/{party}/"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| {
            let rest = std::str::from_utf8(&k[prefix.len()..]).ok()?;
            let (id, seq) = rest.split_once('/')?;
            Some((id.to_owned(), seq.parse().ok()?))
        })
        .collect())
}
