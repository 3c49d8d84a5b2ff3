//! The `recruit.*` bodies, each read once and checked with errors that name the field:
//!
//! - `recruit.licence`: a regulator licenses (or suspends, or revokes) a recruitment agency
//!   or an employer in its own jurisdiction.
//! - `recruit.offer`: a licensed recruiter registers a job offer for a worker (a
//!   pseudonymous id, never a name): the comparable [`Terms`] in the clear, the hash of the
//!   full terms sealed through the vault to the parties and the worker.
//! - `recruit.contract`: the employer registers the contract in force for an offer; the
//!   ledger compares it with the offer term by term.

use crate::terms::Terms;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_types::body::{BodyError, check_actor, check_text, parse_body};
use unchain_types::{Hash32, PublicKey, Signature, TxId};

/// What a licensed party does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A recruitment agency (usually in the country of origin).
    Recruiter,
    /// An employer (usually in the country of destination).
    Employer,
}

impl std::fmt::Display for PartyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PartyKind::Recruiter => "a recruiter",
            PartyKind::Employer => "an employer",
        })
    }
}

/// A licence's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// May recruit or employ.
    Active,
    /// May not, for now.
    Suspended,
    /// May not.
    Revoked,
}

impl std::fmt::Display for LicenceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LicenceStatus::Active => "active",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
        })
    }
}

/// `recruit.licence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// The party's id: the member name it transacts under (`np-himalaya-manpower`).
    pub party: String,
    /// Recruiter or employer.
    pub kind: PartyKind,
    /// Its registered name (an organisation, never a person).
    pub name: String,
    /// ISO 3166-1 alpha-2 of the licensing jurisdiction: the regulator's own.
    pub country: String,
    /// The licence's number as the regulator writes it.
    pub licence: String,
    /// Its standing.
    pub status: LicenceStatus,
    /// Valid until (YYYY-MM-DD), if the licence says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.offer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// The worker: a pseudonymous id the recruiter and the worker's wallet share
    /// (`w-` and 8 to 62 of `a-z0-9-`), never a name or a passport number.
    pub worker: String,
    /// The comparable terms.
    pub terms: Terms,
    /// SHA-256 (hex) of the full terms as sealed to the parties and the worker.
    pub terms_hash: Hash32,
    /// The vault record that holds them, if sealed through the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The worker's wallet key (the offer credential is bound to it): with it the worker
    /// confirms or disputes the contract, with no account anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<PublicKey>,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.contract`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// The offer (its transaction id).
    pub offer: TxId,
    /// The contract's comparable terms.
    pub terms: Terms,
    /// SHA-256 (hex) of the full contract as sealed.
    pub terms_hash: Hash32,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Most pay records in one `recruit.payroll`.
pub const MAX_PAY_RECORDS: usize = 1000;

/// `recruit.payroll`: an employer's pay records for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payroll {
    /// `YYYY-MM`.
    pub month: String,
    /// One per worker paid (or not paid) that month.
    pub records: Vec<crate::payroll::PayRecord>,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Who reports a fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeSource {
    /// The recruiter discloses it itself.
    Recruiter,
    /// An auditor found it.
    Auditor,
    /// Reported for the worker (by an NGO, a union, a regulator).
    Worker,
}

/// `recruit.fee`: a recruitment fee or cost a worker paid, owed back under the Employer
/// Pays Principle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// The worker's pseudonymous id.
    pub worker: String,
    /// The recruiter that charged it (a licensed party).
    pub recruiter: String,
    /// How much, minor units of `currency`.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// Who reports it.
    pub source: FeeSource,
    /// SHA-256 of the evidence (a receipt, a statement), kept off the ledger.
    pub evidence: Hash32,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.repay`: the recruiter (or the employer for it) repays part or all of a fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repay {
    /// The fee (its transaction id).
    pub fee: TxId,
    /// How much, minor units of the fee's currency.
    pub amount: u64,
    /// SHA-256 of the proof of payment to the worker.
    pub evidence: Hash32,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.remediate`: the regulator of the recruiter's country confirms (or not) that a
/// fee has been repaid in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediate {
    /// The fee.
    pub fee: TxId,
    /// Whether the repayment is verified.
    pub verified: bool,
    /// What was checked (no personal data).
    pub note: String,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// What the worker says of the contract registered for their offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// The contract is the one they agreed to.
    Confirm,
    /// It is not.
    Dispute,
}

/// `recruit.respond`: the worker's confirmation or dispute of the contract, signed with
/// their wallet key. Any member may relay it (an NGO, a union, the regulator): the
/// signature is the worker's, checked against the key in the offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Respond {
    /// The offer.
    pub offer: TxId,
    /// The contract's `terms_hash`: which contract the worker answers.
    pub contract: Hash32,
    /// Confirm or dispute.
    pub response: Response,
    /// For a dispute, the term that is wrong, as a short code (`wage`, `hours`,
    /// `deductions`, `employer`, `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// The worker's Ed25519 signature over [`Respond::message`].
    pub signature: Signature,
    /// The pseudonymous user of the relaying member, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Respond {
    /// What the worker signs: a fixed text naming the offer, the contract, the response and
    /// the term, so that a signature answers exactly one contract of one offer.
    pub fn message(
        offer: &TxId,
        contract: &Hash32,
        response: Response,
        term: Option<&str>,
    ) -> Vec<u8> {
        let response = match response {
            Response::Confirm => "confirm",
            Response::Dispute => "dispute",
        };
        format!(
            "unchain/recruit/respond/v1\n{offer}\n{}\n{response}\n{}",
            contract.to_hex(),
            term.unwrap_or("")
        )
        .into_bytes()
    }
}

/// Whether an employer holds a worker's passport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassportStatus {
    /// The employer holds it (an ILO forced-labour indicator: retention of identity
    /// documents).
    Held,
    /// It is back in the worker's hands.
    Returned,
}

/// `recruit.passport`: a report that an employer holds a worker's passport, or that it was
/// returned. A return is recorded by someone other than the employer (the reporter, an
/// inspector, a regulator): an employer does not clear itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    /// The worker's pseudonymous id.
    pub worker: String,
    /// The employer (a licensed party).
    pub employer: String,
    /// Held or returned.
    pub status: PassportStatus,
    /// SHA-256 of the evidence (an inspection report, a statement), kept off the ledger.
    pub evidence: Hash32,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.link`: a brand names an employer in its supply chain (and, where the supply
/// module registers it, the facility it runs), so that alerts about that employer reach
/// the brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The employer (a licensed party).
    pub employer: String,
    /// The facility it runs: an SGLN URN or GS1 Digital Link, if the supply module has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// The pseudonymous user who acted, if the organisation names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// A parsed `recruit.*` body.
#[derive(Debug, Clone)]
pub enum RecruitBody {
    /// `recruit.licence`.
    Licence(Licence),
    /// `recruit.offer`.
    Offer(Offer),
    /// `recruit.contract`.
    Contract(Contract),
    /// `recruit.payroll`.
    Payroll(Payroll),
    /// `recruit.fee`.
    Fee(Fee),
    /// `recruit.repay`.
    Repay(Repay),
    /// `recruit.remediate`.
    Remediate(Remediate),
    /// `recruit.respond`.
    Respond(Respond),
    /// `recruit.passport`.
    Passport(Passport),
    /// `recruit.link`.
    Link(Link),
    /// `recruit.voice`.
    Voice(crate::voice::Voice),
    /// `recruit.answer`.
    Answer(crate::voice::Answer),
    /// `recruit.outcome`.
    Outcome(crate::voice::Outcome),
    /// `recruit.payslip`.
    Payslip(crate::payslip::Payslip),
}

/// Checks a party's id (a member name).
pub fn check_party(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "a member name: 2 to 40 of a-z, 0-9 and '-'",
        ))
    }
}

/// Checks a worker's pseudonymous id.
pub fn check_worker(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = s.starts_with("w-")
        && (10..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "a pseudonymous worker id: \"w-\" and 8 to 62 of a-z, 0-9 and '-' (never a name or a document number)",
        ))
    }
}

fn check_date(field: &str, s: &str) -> Result<(), BodyError> {
    if crate::terms::is_date(s) {
        Ok(())
    } else {
        Err(BodyError::new(field, "a date of the calendar, YYYY-MM-DD"))
    }
}

fn check_actor_opt(actor: &Option<String>) -> Result<(), BodyError> {
    actor.as_deref().map_or(Ok(()), |a| check_actor("actor", a))
}

impl RecruitBody {
    /// Reads the body of `kind`.
    pub fn parse(kind: &str, body: &Value) -> Result<RecruitBody, BodyError> {
        match kind {
            "recruit.licence" => {
                let l: Licence = parse_body(body)?;
                check_party("party", &l.party)?;
                check_text("name", &l.name)?;
                check_text("licence", &l.licence)?;
                if !crate::terms::is_upper_code(&l.country, 2) {
                    return Err(BodyError::new(
                        "country",
                        "an ISO 3166-1 alpha-2 code (\"NP\")",
                    ));
                }
                if let Some(d) = &l.valid_until {
                    check_date("valid_until", d)?;
                }
                check_actor_opt(&l.actor)?;
                Ok(RecruitBody::Licence(l))
            }
            "recruit.offer" => {
                let o: Offer = parse_body(body)?;
                check_worker("worker", &o.worker)?;
                o.terms.check("terms")?;
                check_party("terms.employer", &o.terms.employer)?;
                if let Some(r) = &o.record {
                    check_text("record", r)?;
                }
                check_actor_opt(&o.actor)?;
                Ok(RecruitBody::Offer(o))
            }
            "recruit.contract" => {
                let c: Contract = parse_body(body)?;
                c.terms.check("terms")?;
                check_party("terms.employer", &c.terms.employer)?;
                check_actor_opt(&c.actor)?;
                Ok(RecruitBody::Contract(c))
            }
            "recruit.payroll" => {
                let p: Payroll = parse_body(body)?;
                check_actor_opt(&p.actor)?;
                check_payroll(&p)?;
                Ok(RecruitBody::Payroll(p))
            }
            "recruit.fee" => {
                let f: Fee = parse_body(body)?;
                check_worker("worker", &f.worker)?;
                check_party("recruiter", &f.recruiter)?;
                if f.amount == 0 {
                    return Err(BodyError::new("amount", "must be above zero"));
                }
                if !crate::terms::is_upper_code(&f.currency, 3) {
                    return Err(BodyError::new("currency", "an ISO 4217 code (\"NPR\")"));
                }
                check_actor_opt(&f.actor)?;
                Ok(RecruitBody::Fee(f))
            }
            "recruit.repay" => {
                let r: Repay = parse_body(body)?;
                if r.amount == 0 {
                    return Err(BodyError::new("amount", "must be above zero"));
                }
                check_actor_opt(&r.actor)?;
                Ok(RecruitBody::Repay(r))
            }
            "recruit.remediate" => {
                let r: Remediate = parse_body(body)?;
                check_text("note", &r.note)?;
                check_actor_opt(&r.actor)?;
                Ok(RecruitBody::Remediate(r))
            }
            "recruit.respond" => {
                let r: Respond = parse_body(body)?;
                if let Some(t) = &r.term {
                    crate::terms::check_code("term", t)?;
                }
                check_actor_opt(&r.actor)?;
                Ok(RecruitBody::Respond(r))
            }
            "recruit.passport" => {
                let p: Passport = parse_body(body)?;
                check_worker("worker", &p.worker)?;
                check_party("employer", &p.employer)?;
                check_actor_opt(&p.actor)?;
                Ok(RecruitBody::Passport(p))
            }
            "recruit.link" => {
                let l: Link = parse_body(body)?;
                check_party("employer", &l.employer)?;
                let mut l = l;
                if let Some(f) = &l.facility {
                    // The supply module's facility id: a GLN's Digital Link, canonical.
                    l.facility = Some(unchain_supply::body::facility_id("facility", f)?);
                }
                check_actor_opt(&l.actor)?;
                Ok(RecruitBody::Link(l))
            }
            "recruit.voice" => {
                let v: crate::voice::Voice = parse_body(body)?;
                v.check()?;
                Ok(RecruitBody::Voice(v))
            }
            "recruit.answer" => {
                let a: crate::voice::Answer = parse_body(body)?;
                a.check()?;
                check_actor_opt(&a.actor)?;
                Ok(RecruitBody::Answer(a))
            }
            "recruit.payslip" => {
                let p: crate::payslip::Payslip = parse_body(body)?;
                p.check()?;
                check_actor_opt(&p.actor)?;
                Ok(RecruitBody::Payslip(p))
            }
            "recruit.outcome" => {
                let o: crate::voice::Outcome = parse_body(body)?;
                o.check()?;
                Ok(RecruitBody::Outcome(o))
            }
            _ => Err(BodyError::new("", format!("{kind} is not a recruit kind"))),
        }
    }
}

fn check_payroll(p: &Payroll) -> Result<(), BodyError> {
    let month_ok = crate::terms::is_month(&p.month);
    if !month_ok {
        return Err(BodyError::new("month", "YYYY-MM"));
    }
    if p.records.is_empty() || p.records.len() > MAX_PAY_RECORDS {
        return Err(BodyError::new(
            "records",
            format!("1 to {MAX_PAY_RECORDS} pay records"),
        ));
    }
    for (i, r) in p.records.iter().enumerate() {
        let f = |name: &str| format!("records[{i}].{name}");
        check_worker(&f("worker"), &r.worker)?;
        if r.month != p.month {
            return Err(BodyError::new(
                f("month"),
                format!("{}: the payroll is for {}", r.month, p.month),
            ));
        }
        if !crate::terms::is_upper_code(&r.currency, 3) {
            return Err(BodyError::new(f("currency"), "an ISO 4217 code"));
        }
        if r.account.is_empty()
            || r.account.len() > 100
            || !r
                .account
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(BodyError::new(
                f("account"),
                "the account's token (a blind-index token, never the account number): 1 to 100 of A-Z, a-z, 0-9, '-', '_'",
            ));
        }
        if let Some(d) = &r.paid_on {
            check_date(&f("paid_on"), d)?;
        }
        if r.deductions.len() > 20 {
            return Err(BodyError::new(f("deductions"), "20 at most"));
        }
        if p.records[..i].iter().any(|o| o.worker == r.worker) {
            return Err(BodyError::new(
                f("worker"),
                format!("{} is listed twice", r.worker),
            ));
        }
    }
    Ok(())
}
