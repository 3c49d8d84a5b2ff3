//! The facts of one agreement, for the schema version its clauses were checked against,
//! read from ledger state during execution: the same state at the same height gives the
//! same facts on every validator.
//!
//! Facts are the parties' own: the facilities a party registered with the supply module
//! and the findings and audits at them; the fees charged by parties that are recruiters;
//! the wage findings, passports held and published worker voice of parties that are
//! employers. Every list is in key order, and a list longer than the schema allows makes
//! the evaluation an error (never a silent cut).

use crate::schema::MAX_FACTS;
use serde_json::{Value, json};
use unchain_ledger::StateRead;

/// Why facts could not be gathered.
#[derive(Debug)]
pub enum FactsError {
    /// Storage failed.
    Storage(redb::StorageError),
    /// A list is longer than the schema allows.
    TooMany(String),
}

impl From<redb::StorageError> for FactsError {
    fn from(e: redb::StorageError) -> Self {
        FactsError::Storage(e)
    }
}

fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn capped(name: &str, list: Vec<Value>, max: u64) -> Result<Value, FactsError> {
    if list.len() as u64 > max {
        return Err(FactsError::TooMany(format!(
            "{name} holds {} facts, over the schema's {max}",
            list.len()
        )));
    }
    Ok(Value::Array(list))
}

/// The facts of schema `version` for an agreement among `parties`, at `height` and block
/// time `now_ms`.
pub fn gather(
    state: &impl StateRead,
    parties: &[String],
    height: u64,
    now_ms: u64,
    version: u32,
) -> Result<Value, FactsError> {
    collect(
        &Recording::passthrough(state),
        parties,
        height,
        now_ms,
        version,
    )
}

/// [`gather`], with the rows the facts came from: those a fact stands on, disclosed in an
/// outcome's bundle, and those read only to search or aggregate — other members'
/// facilities, payroll without a finding, individual worker voice, sealed records and
/// cases — counted, with a digest of their keys, and never disclosed.
pub fn gather_reads(
    state: &impl StateRead,
    parties: &[String],
    height: u64,
    now_ms: u64,
    version: u32,
) -> (Result<Value, FactsError>, Reads) {
    let rec = Recording::new(state);
    let facts = collect(&rec, parties, height, now_ms, version);
    (facts, rec.finish())
}

fn collect<S: StateRead>(
    state: &Recording<'_, S>,
    parties: &[String],
    height: u64,
    now_ms: u64,
    version: u32,
) -> Result<Value, FactsError> {
    // Every facility is searched for the parties' own; only theirs are disclosed.
    let facilities_all = state.withheld(unchain_supply::state::facilities)?;
    let mut party_facts = Vec::new();
    let (mut facilities, mut findings, mut audits) = (Vec::new(), Vec::new(), Vec::new());
    let (mut fees, mut wages, mut passports, mut voice) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in parties {
        let country = unchain_ledger::membership::member_named(state, p)?
            .map(|m| m.jurisdiction)
            .unwrap_or_default();
        let own: Vec<String> = facilities_all
            .iter()
            .filter(|f| f.registrant == *p)
            .map(|f| f.facility.id.clone())
            .collect();
        for facility in &own {
            unchain_supply::state::facility(state, facility)?;
            for f in unchain_supply::state::findings_at(state, facility)? {
                let remediated_ms = match f.status {
                    unchain_supply::state::Status::Remediated => {
                        f.plans.last().map_or(0, |(_, r)| r.recorded_ms)
                    }
                    unchain_supply::state::Status::Open => 0,
                };
                findings.push(json!({
                    "id": f.recorded.tx_id.to_string(),
                    "facility": facility,
                    "indicator": code(&f.finding.indicator),
                    "severity": code(&f.finding.severity),
                    "status": code(&f.status),
                    "opened_ms": f.recorded.recorded_ms,
                    "remediated_ms": remediated_ms,
                }));
            }
            let mut last_audit_ms = 0;
            for a in unchain_supply::state::audits(state, facility)? {
                last_audit_ms = last_audit_ms.max(a.recorded.recorded_ms);
                audits.push(json!({
                    "facility": facility,
                    "auditor": a.recorded.member,
                    "at_ms": a.recorded.recorded_ms,
                }));
            }
            let country = facilities_all
                .iter()
                .find(|f| f.facility.id == *facility)
                .map(|f| f.facility.country.clone())
                .unwrap_or_default();
            facilities.push(json!({
                "id": facility,
                "registrant": p,
                "country": country,
                "last_audit_ms": last_audit_ms,
            }));
        }
        party_facts.push(json!({"id": p, "country": country, "facilities": own}));
        for id in unchain_recruit::state::fees_of(state, p)? {
            if let Some(f) = unchain_recruit::state::fee(state, &id)? {
                fees.push(json!({
                    "recruiter": p,
                    "worker": f.fee.worker,
                    "amount": f.fee.amount,
                    "currency": f.fee.currency,
                    "owed": f.owed(),
                    "status": code(&f.status),
                }));
            }
        }
        // Pay is searched for findings; only a month with a finding is disclosed.
        let months = state.withheld(|s| unchain_recruit::state::payroll_months(s, p))?;
        for month in months {
            let workers =
                state.withheld(|s| unchain_recruit::state::payroll_workers(s, p, &month))?;
            for worker in workers {
                let Some(w) =
                    state.withheld(|s| unchain_recruit::state::wage(s, &worker, &month))?
                else {
                    continue;
                };
                if !w.findings.is_empty() {
                    unchain_recruit::state::wage(state, &worker, &month)?;
                }
                for f in w.findings {
                    wages.push(json!({
                        "employer": p,
                        "worker": worker,
                        "month": month,
                        "kind": code(&f.kind),
                        "paid_on": w.record.paid_on.clone().unwrap_or_default(),
                    }));
                }
            }
        }
        for worker in unchain_recruit::state::passports_held(state, p)? {
            passports.push(json!({"employer": p, "worker": worker}));
        }
        // Worker voice is published only in groups of at least MIN_GROUP: no single
        // worker's report is ever disclosed, so its rows are withheld.
        let published = state.withheld(|s| {
            unchain_recruit::voice_state::published(s, p, now_ms, unchain_recruit::voice::MIN_GROUP)
        })?;
        for m in published {
            let indicators: Vec<Value> = m
                .indicators
                .iter()
                .map(|(i, n)| json!({"indicator": i, "count": n}))
                .collect();
            voice.push(json!({
                "employer": p,
                "month": m.month,
                "kind": code(&m.kind),
                "count": m.count,
                "escalated": m.escalated,
                "indicators": indicators,
            }));
        }
    }
    let today = date(now_ms);
    let mut facts = json!({
        "now": now_ms,
        "height": height,
        "today": today,
        "parties": party_facts,
        "supply": {
            "facilities": capped("supply.facilities", facilities, MAX_FACTS)?,
            "findings": capped("supply.findings", findings, MAX_FACTS)?,
            "audits": capped("supply.audits", audits, MAX_FACTS)?,
        },
        "recruit": {
            "fees": capped("recruit.fees", fees, MAX_FACTS)?,
            "wage_findings": capped("recruit.wage_findings", wages, MAX_FACTS)?,
            "passports_held": capped("recruit.passports_held", passports, MAX_FACTS)?,
            "voice": capped("recruit.voice", voice, MAX_FACTS)?,
        },
    });
    if version >= 2 {
        // Sealed records' rows hold survivors' keys and blind-index tokens, and a
        // party's cases are its investigations: withheld, never disclosed.
        let shared = state.withheld(|s| shared(s, parties))?;
        facts["vault"] = json!({"shared": capped("vault.shared", shared, MAX_FACTS)?});
    }
    Ok(facts)
}

/// Schema version 2's `vault.shared`: every record a party owns that another party was
/// given, with the case that points to it (the owner's) and when that case last closed.
fn shared(state: &impl StateRead, parties: &[String]) -> Result<Vec<Value>, FactsError> {
    // The parties' cases by the record they point to, with when each last closed.
    let mut cases = std::collections::BTreeMap::new();
    for p in parties {
        for c in unchain_cases::state::owned_by(state, p)? {
            // Statuses compare in lower case: a social-services case closes as "Closed".
            let status = c.status.to_ascii_lowercase();
            let closed_ms = if status == "closed" {
                unchain_cases::state::events_of(state, &c.case)?
                    .iter()
                    .rev()
                    .find(|e| {
                        matches!(&e.change, unchain_cases::Change::Transitioned { to, .. } if to.eq_ignore_ascii_case("closed"))
                    })
                    .map_or(0, |e| e.time_ms)
            } else {
                0
            };
            cases.insert(c.record, (c.case.clone(), status, closed_ms));
        }
    }
    let mut out = Vec::new();
    for (record, access) in unchain_vault::state::records_of(state, parties)? {
        let (case, status, closed_ms) = cases.get(&record.record).cloned().unwrap_or_default();
        for a in access {
            if a.member == record.owner || !parties.contains(&a.member) {
                continue;
            }
            out.push(json!({
                "record": record.record.to_hex(),
                "owner": record.owner,
                "recipient": a.member,
                "schema": record.schema,
                "granted_ms": a.time_ms,
                "revoked": a.revoked.is_some(),
                "erased": record.erased.is_some(),
                "erased_ms": record.erased.as_ref().map_or(0, |e| e.timestamp_ms),
                "case": case,
                "case_status": status,
                "case_closed_ms": closed_ms,
            }));
        }
    }
    Ok(out)
}

/// A state reader that records every row it returns and every range it scans: the rows
/// an evaluation's facts came from ([`crate::fact_proofs::ReadsRecord`]).
pub struct Recording<'s, S> {
    state: &'s S,
    rows: std::cell::RefCell<RowHashes>,
    scans: std::cell::RefCell<std::collections::BTreeSet<Vec<u8>>>,
    /// While set, rows go to `withheld` (their keys only) and scans are not listed.
    holding: std::cell::Cell<bool>,
    withheld: std::cell::RefCell<std::collections::BTreeSet<Vec<u8>>>,
    /// Whether anything is recorded at all ([`gather`] records nothing).
    on: bool,
}

type RowHashes = std::collections::BTreeMap<Vec<u8>, Option<unchain_types::Hash32>>;

/// What [`gather_reads`] read: see [`crate::fact_proofs::ReadsRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Disclosed rows, in key order: key and SHA-256 of the value, or `None`.
    pub rows: Vec<(String, Option<unchain_types::Hash32>)>,
    /// Ranges scanned for disclosed rows.
    pub scans: Vec<String>,
    /// Rows read only to search or aggregate, committed to and never disclosed.
    pub withheld: crate::fact_proofs::Withheld,
}

impl<'s, S: StateRead> Recording<'s, S> {
    /// Records what is read from `state`.
    pub fn new(state: &'s S) -> Self {
        Recording {
            state,
            rows: Default::default(),
            scans: Default::default(),
            holding: Default::default(),
            withheld: Default::default(),
            on: true,
        }
    }

    /// A reader that records nothing: the facts alone.
    fn passthrough(state: &'s S) -> Self {
        Recording {
            on: false,
            ..Recording::new(state)
        }
    }

    /// Runs `f` over this state with every row it reads withheld: committed to, never
    /// disclosed (a search through other members' rows, or what an aggregate hides).
    pub fn withheld<T>(&self, f: impl FnOnce(&Self) -> T) -> T {
        let before = self.holding.replace(true);
        let out = f(self);
        self.holding.set(before);
        out
    }

    fn row(&self, key: &[u8], value: Option<&[u8]>) {
        if !self.on {
            return;
        }
        if self.holding.get() {
            // Only which rows: their values are never disclosed, and hashing every
            // sealed record's row doubled the time of a large gather.
            self.withheld.borrow_mut().insert(key.to_vec());
        } else {
            self.rows
                .borrow_mut()
                .insert(key.to_vec(), value.map(unchain_types::Hash32::digest));
        }
    }

    fn scanned(&self, prefix: &[u8]) {
        if self.on && !self.holding.get() {
            self.scans.borrow_mut().insert(prefix.to_vec());
        }
    }

    /// What was read. Keys are module keys, which are UTF-8.
    pub fn finish(self) -> Reads {
        let text = |k: Vec<u8>| String::from_utf8_lossy(&k).into_owned();
        let listed = |rows: RowHashes| -> Vec<(String, Option<unchain_types::Hash32>)> {
            rows.into_iter().map(|(k, h)| (text(k), h)).collect()
        };
        Reads {
            rows: listed(self.rows.into_inner()),
            scans: self.scans.into_inner().into_iter().map(text).collect(),
            withheld: crate::fact_proofs::Withheld::of(
                &self
                    .withheld
                    .into_inner()
                    .into_iter()
                    .map(text)
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

impl<S: StateRead> StateRead for Recording<'_, S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError> {
        let value = self.state.get(key)?;
        self.row(key, value.as_deref());
        Ok(value)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<unchain_ledger::state::Entry>, redb::StorageError> {
        let entries = self.state.scan_prefix(prefix)?;
        self.scanned(prefix);
        for (k, v) in &entries {
            self.row(k, Some(v));
        }
        Ok(entries)
    }

    fn scan_page(
        &self,
        prefix: &[u8],
        after: &[u8],
        limit: usize,
    ) -> Result<Vec<unchain_ledger::state::Entry>, redb::StorageError> {
        let entries = self.state.scan_page(prefix, after, limit)?;
        self.scanned(prefix);
        for (k, v) in &entries {
            self.row(k, Some(v));
        }
        Ok(entries)
    }
}

/// Block time as its UTC date.
fn date(ms: u64) -> String {
    unchain_recruit::voice::date_of_ms(ms)
}
