//! The recruit module's state, under `recruit/`:
//!
//! - `party/{party}`: a licensed party, its licence and the history of its standing;
//! - `offer/{tx}`: an offer, its recruiter, any fee alert, and its contract once registered;
//! - `worker/{worker}/{tx}`: the offers made to a worker (for their wallet's page);
//! - `employer/{party}/{tx}`: the offers naming an employer; `recruiter/{party}/{tx}`: the
//!   offers a recruiter registered;
//! - `contract/{offer tx}`: the contract registered for an offer and every substitution
//!   found in it;
//! - `wage/{worker}/{month}`: a month's pay record, reconciled, with its findings;
//! - `payroll/{employer}/{month}/{worker}`: the months an employer reported;
//! - `account/{token}/{worker}`: which workers' wages an account received (a blind token);
//! - `fee/{tx}`: a fee a worker paid, its repayments and its remediation;
//!   `recruiter-fee/{recruiter}/{tx}`: the fees charged by a recruiter;
//! - `passport/{employer}/{worker}`: whether an employer holds a worker's passport, with
//!   every report;
//! - `brand/{brand}/{employer}`: the employers a brand linked itself to, with the facility.

use crate::body::{Contract, Licence, LicenceStatus, Offer};
use crate::rules::Substitution;
use serde::{Deserialize, Serialize};
use unchain_ledger::state::{Keyspace, StateRead};
use unchain_types::TxId;

/// The module's keyspace.
pub const SPACE: Keyspace = Keyspace::new("recruit");

/// Who recorded something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The member that signed it.
    pub member: String,
    /// Its transaction.
    pub tx_id: TxId,
    /// Its leaf in the transparency log.
    pub log_index: u64,
    /// Block time.
    pub recorded_ms: u64,
}

/// A licensed party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRecord {
    /// The licence as last recorded.
    pub licence: Licence,
    /// Every change of standing, oldest first (the first is the licensing).
    pub history: Vec<(LicenceStatus, Recorded)>,
}

/// An offer and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRecord {
    /// The offer as signed.
    pub offer: Offer,
    /// The recruiter that registered it, and when.
    pub recorded: Recorded,
    /// A fee charged to the worker in the offer itself (the Employer Pays Principle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Substitution>,
    /// Whether a contract has been registered for it.
    #[serde(default)]
    pub contracted: bool,
}

/// The contract registered for an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRecord {
    /// The contract as signed.
    pub contract: Contract,
    /// The employer that registered it, and when.
    pub recorded: Recorded,
    /// Every term worse for the worker than the offer (empty: no substitution).
    pub substitutions: Vec<Substitution>,
    /// The worker's answers, signed with their wallet key, oldest first: the response, the
    /// disputed term, who relayed it and when.
    #[serde(default)]
    pub responses: Vec<(crate::body::Response, Option<String>, Recorded)>,
}

/// A month's pay as reported, and what reconciliation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WageRecord {
    /// The record as reported.
    pub record: crate::payroll::PayRecord,
    /// The contract's offer it was reconciled against.
    pub offer: TxId,
    /// The employer that reported it, and when.
    pub recorded: Recorded,
    /// Every finding (empty: paid as the contract says).
    pub findings: Vec<crate::payroll::WageFinding>,
}

pub(crate) fn wage_key(worker: &str, month: &str) -> Vec<u8> {
    SPACE.key(format_args!("wage/{worker}/{month}"))
}

pub(crate) fn payroll_key(employer: &str, month: &str, worker: &str) -> Vec<u8> {
    SPACE.key(format_args!("payroll/{employer}/{month}/{worker}"))
}

pub(crate) fn account_key(token: &str, worker: &str) -> Vec<u8> {
    SPACE.key(format_args!("account/{token}/{worker}"))
}

/// A worker's month of pay.
pub fn wage(
    state: &impl StateRead,
    worker: &str,
    month: &str,
) -> Result<Option<WageRecord>, redb::StorageError> {
    SPACE.get(state, &wage_key(worker, month))
}

/// Every month of pay an employer reported for `worker`, oldest first.
pub fn wages_of(
    state: &impl StateRead,
    worker: &str,
) -> Result<Vec<WageRecord>, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key(format_args!("wage/{worker}/")))?
        .into_iter()
        .filter_map(|(_, v)| decoded(&v))
        .collect())
}

/// The workers an employer reported pay for in `month`.
pub fn payroll_workers(
    state: &impl StateRead,
    employer: &str,
    month: &str,
) -> Result<Vec<String>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("payroll/{employer}/{month}/"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| String::from_utf8(k[prefix.len()..].to_vec()).ok())
        .collect())
}

/// The months an employer reported pay for, oldest first.
pub fn payroll_months(
    state: &impl StateRead,
    employer: &str,
) -> Result<Vec<String>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("payroll/{employer}/"));
    let mut months: Vec<String> = state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| {
            let rest = std::str::from_utf8(&k[prefix.len()..]).ok()?;
            Some(rest.split('/').next()?.to_owned())
        })
        .collect();
    months.dedup();
    Ok(months)
}

/// How many workers' wages an account (its token) has received.
pub fn account_workers(state: &impl StateRead, token: &str) -> Result<usize, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key(format_args!("account/{token}/")))?
        .len())
}

/// A fee's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeStatus {
    /// Owed back to the worker.
    Owed,
    /// Repaid in full, waiting for the regulator's verification.
    Repaid,
    /// Repayment verified by the regulator of the recruiter's country.
    Remediated,
}

/// A fee and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRecord {
    /// The fee as reported.
    pub fee: crate::body::Fee,
    /// Who reported it, and when.
    pub recorded: Recorded,
    /// Each repayment: amount, evidence, who and when.
    pub repayments: Vec<(u64, unchain_types::Hash32, Recorded)>,
    /// Each verification by the regulator: verified or not, the note, who and when.
    pub verifications: Vec<(bool, String, Recorded)>,
    /// How much of the repayments the regulator did not accept (they stay in the history).
    #[serde(default)]
    pub disputed: u64,
    /// Its standing.
    pub status: FeeStatus,
}

impl FeeRecord {
    /// What is still owed, minor units.
    pub fn owed(&self) -> u64 {
        let repaid: u64 = self.repayments.iter().map(|r| r.0).sum();
        self.fee
            .amount
            .saturating_sub(repaid.saturating_sub(self.disputed))
    }
}

pub(crate) fn fee_key(tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("fee/{tx}"))
}

pub(crate) fn recruiter_fee_key(recruiter: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("recruiter-fee/{recruiter}/{tx}"))
}

/// A fee.
pub fn fee(state: &impl StateRead, tx: &TxId) -> Result<Option<FeeRecord>, redb::StorageError> {
    SPACE.get(state, &fee_key(tx))
}

/// The fees a recruiter charged.
pub fn fees_of(state: &impl StateRead, recruiter: &str) -> Result<Vec<TxId>, redb::StorageError> {
    ids_under(state, &format!("recruiter-fee/{recruiter}/"))
}

/// Whether an employer holds a worker's passport, and every report about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportRecord {
    /// Held now (the last report says so).
    pub held: bool,
    /// Every report, oldest first: the status, its evidence, who and when.
    pub reports: Vec<(crate::body::PassportStatus, unchain_types::Hash32, Recorded)>,
}

pub(crate) fn passport_key(employer: &str, worker: &str) -> Vec<u8> {
    SPACE.key(format_args!("passport/{employer}/{worker}"))
}

/// The passport reports about `worker` at `employer`.
pub fn passport(
    state: &impl StateRead,
    employer: &str,
    worker: &str,
) -> Result<Option<PassportRecord>, redb::StorageError> {
    SPACE.get(state, &passport_key(employer, worker))
}

/// The workers whose passports an employer holds now.
pub fn passports_held(
    state: &impl StateRead,
    employer: &str,
) -> Result<Vec<String>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("passport/{employer}/"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter(|(_, v)| crate::state::decoded::<PassportRecord>(v).is_some_and(|p| p.held))
        .filter_map(|(k, _)| String::from_utf8(k[prefix.len()..].to_vec()).ok())
        .collect())
}

fn decoded<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

pub(crate) fn party_key(party: &str) -> Vec<u8> {
    SPACE.key(format_args!("party/{party}"))
}

pub(crate) fn offer_key(tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("offer/{tx}"))
}

pub(crate) fn worker_key(worker: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("worker/{worker}/{tx}"))
}

pub(crate) fn employer_key(party: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("employer/{party}/{tx}"))
}

pub(crate) fn recruiter_key(party: &str, tx: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("recruiter/{party}/{tx}"))
}

pub(crate) fn contract_key(offer: &TxId) -> Vec<u8> {
    SPACE.key(format_args!("contract/{offer}"))
}

/// A licensed party.
pub fn party(
    state: &impl StateRead,
    party: &str,
) -> Result<Option<PartyRecord>, redb::StorageError> {
    SPACE.get(state, &party_key(party))
}

/// Every licensed party, by id.
pub fn parties(state: &impl StateRead) -> Result<Vec<PartyRecord>, redb::StorageError> {
    Ok(state
        .scan_prefix(&SPACE.key("party/"))?
        .into_iter()
        .filter_map(|(_, v)| decoded(&v))
        .collect())
}

/// An offer.
pub fn offer(state: &impl StateRead, tx: &TxId) -> Result<Option<OfferRecord>, redb::StorageError> {
    SPACE.get(state, &offer_key(tx))
}

/// The contract registered for an offer.
pub fn contract(
    state: &impl StateRead,
    offer: &TxId,
) -> Result<Option<ContractRecord>, redb::StorageError> {
    SPACE.get(state, &contract_key(offer))
}

/// The offers made to a worker, oldest key first.
pub fn offers_to(state: &impl StateRead, worker: &str) -> Result<Vec<TxId>, redb::StorageError> {
    ids_under(state, &format!("worker/{worker}/"))
}

/// The offers a recruiter registered.
pub fn offers_by(state: &impl StateRead, recruiter: &str) -> Result<Vec<TxId>, redb::StorageError> {
    ids_under(state, &format!("recruiter/{recruiter}/"))
}

/// The offers naming an employer.
pub fn offers_naming(
    state: &impl StateRead,
    employer: &str,
) -> Result<Vec<TxId>, redb::StorageError> {
    ids_under(state, &format!("employer/{employer}/"))
}

fn ids_under(state: &impl StateRead, rest: &str) -> Result<Vec<TxId>, redb::StorageError> {
    let prefix = SPACE.key(rest);
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| {
            let hex = std::str::from_utf8(&k[prefix.len()..]).ok()?;
            TxId::from_hex(hex).ok()
        })
        .collect())
}

/// Something a regulator should act on, about a party it licensed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// `substitution`, `fee_in_offer`, `dispute`, `wage`, `fee_owed` or `passport_held`.
    pub kind: String,
    /// The licensed party it is about.
    pub party: String,
    /// The offer, fee or worker it concerns.
    pub about: String,
    /// What, for people.
    pub detail: String,
}

/// Every open alert about the parties licensed in `country`, party by party: contracts
/// worse than their offers, fees in offers, workers' disputes, wage findings, fees still
/// owed, passports held.
pub fn alerts(state: &impl StateRead, country: &str) -> Result<Vec<Alert>, redb::StorageError> {
    let parties: Vec<PartyRecord> = SPACE.values(state, "party/")?;
    let mut out = Vec::new();
    for p in parties.iter().filter(|p| p.licence.country == country) {
        out.extend(alerts_of(state, p)?);
    }
    Ok(out)
}

/// Every open alert about the employers a brand has linked itself to.
pub fn brand_alerts(state: &impl StateRead, brand: &str) -> Result<Vec<Alert>, redb::StorageError> {
    let mut out = Vec::new();
    for employer in linked_employers(state, brand)? {
        if let Some(p) = party(state, &employer)? {
            out.extend(alerts_of(state, &p)?);
        }
    }
    Ok(out)
}

/// The employers a brand has linked itself to (its suppliers), in name order.
pub fn linked_employers(
    state: &impl StateRead,
    brand: &str,
) -> Result<Vec<String>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("brand/{brand}/"));
    Ok(state
        .scan_prefix(&prefix)?
        .into_iter()
        .filter_map(|(k, _)| String::from_utf8(k[prefix.len()..].to_vec()).ok())
        .collect())
}

/// A brand's link to an employer: the facility it runs, where the supply module has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// The employer's facility (a GLN's Digital Link), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Who linked them, and when.
    pub recorded: Recorded,
}

pub(crate) fn link_key(brand: &str, employer: &str) -> Vec<u8> {
    SPACE.key(format_args!("brand/{brand}/{employer}"))
}

/// The open alerts about one licensed party.
fn alerts_of(state: &impl StateRead, p: &PartyRecord) -> Result<Vec<Alert>, redb::StorageError> {
    use crate::body::{PartyKind, Response};
    let mut out = Vec::new();
    {
        let party = &p.licence.party;
        let alert = |kind: &str, about: String, detail: String| Alert {
            kind: kind.into(),
            party: party.clone(),
            about,
            detail,
        };
        let offers = match p.licence.kind {
            PartyKind::Recruiter => offers_by(state, party)?,
            PartyKind::Employer => offers_naming(state, party)?,
        };
        for id in offers {
            if let Some(o) = offer(state, &id)?
                && let Some(fee) = o.fee
                && p.licence.kind == PartyKind::Recruiter
            {
                out.push(alert(
                    "fee_in_offer",
                    id.to_string(),
                    format!("{}: {}", fee.contracted, fee.rule),
                ));
            }
            let Some(c) = contract(state, &id)? else {
                continue;
            };
            for s in &c.substitutions {
                out.push(alert(
                    "substitution",
                    id.to_string(),
                    format!(
                        "{}: offered {}, contract {}",
                        s.term, s.offered, s.contracted
                    ),
                ));
            }
            if let Some((Response::Dispute, term, r)) = c.responses.last() {
                out.push(alert(
                    "dispute",
                    id.to_string(),
                    format!(
                        "the worker disputes the contract{} (relayed by {})",
                        term.as_deref()
                            .map(|t| format!(": {t}"))
                            .unwrap_or_default(),
                        r.member
                    ),
                ));
            }
        }
        match p.licence.kind {
            PartyKind::Recruiter => {
                for id in fees_of(state, party)? {
                    if let Some(f) = fee(state, &id)?
                        && f.status != FeeStatus::Remediated
                    {
                        out.push(alert(
                            "fee_owed",
                            id.to_string(),
                            format!("{} {} owed to {}", f.owed(), f.fee.currency, f.fee.worker),
                        ));
                    }
                }
            }
            PartyKind::Employer => {
                let wages: Vec<(Vec<u8>, Vec<u8>)> =
                    state.scan_prefix(&SPACE.key(format_args!("payroll/{party}/")))?;
                let prefix = SPACE.key(format_args!("payroll/{party}/"));
                for (k, _) in wages {
                    let Ok(rest) = std::str::from_utf8(&k[prefix.len()..]) else {
                        continue;
                    };
                    let Some((month, worker)) = rest.split_once('/') else {
                        continue;
                    };
                    if let Some(w) = wage(state, worker, month)? {
                        for f in &w.findings {
                            let kind = serde_json::to_value(f.kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            out.push(alert(
                                "wage",
                                worker.to_owned(),
                                format!("{month} {kind}: expected {}, paid {}", f.expected, f.paid),
                            ));
                        }
                    }
                }
                // The workers' own payslips: what they show against the contract (a
                // difference from the employer's report is already among its findings).
                for (month, worker) in crate::payslip::ledger::payslips_at(state, party)? {
                    if let Some(w) = crate::payslip::ledger::payslip(state, &worker, &month)? {
                        for f in w
                            .findings
                            .iter()
                            .filter(|f| f.kind != crate::payroll::Kind::ReportsDiffer)
                        {
                            let kind = serde_json::to_value(f.kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default();
                            out.push(alert(
                                "payslip",
                                worker.clone(),
                                format!(
                                    "{month} {kind} (the worker's payslip): expected {}, paid {}",
                                    f.expected, f.paid
                                ),
                            ));
                        }
                    }
                }
                for worker in passports_held(state, party)? {
                    out.push(alert(
                        "passport_held",
                        worker,
                        "the employer holds the worker's passport".into(),
                    ));
                }
            }
        }
    }
    Ok(out)
}
