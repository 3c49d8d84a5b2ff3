//! The [`Module`] impl: how every validator executes the `recruit.*` kinds.
//!
//! - A licence is recorded only by a member with the recruitment role whose jurisdiction is
//!   the licence's country (the regulator that licenses there); a party licensed in one
//!   country cannot be relicensed from another.
//! - An offer is registered by a recruiter with an active licence, for an employer with an
//!   active licence. A fee charged to the worker is recorded as a violation of the Employer
//!   Pays Principle, not refused: refusing would hide it.
//! - A contract is registered once per offer, by the offer's employer; every term worse for
//!   the worker is recorded as a substitution.
//! - A payroll is reported by an employer with an active licence, for workers whose
//!   contract with it is registered, once per worker and month; each record is reconciled
//!   against that contract, and an account that has received the wages of
//!   [`crate::payroll::SHARED_ACCOUNT_WORKERS`] or more workers (from any employer) adds a
//!   `shared_account` finding.
//! - The worker confirms or disputes the contract with their wallet key (the offer's
//!   `holder`); any member relays it, and the signature is checked against the offer.
//! - A fee a worker paid is owed back. The recruiter that charged it, or an employer that
//!   has a registered contract with the worker, repays it with proof; once repaid in full,
//!   only the regulator of the recruiter's country can mark it remediated.
//! - A brand links itself to an employer (a licensed one) and, where the supply module has
//!   it, to the facility the employer runs: alerts about the employer then reach the brand.
//! - Worker voice (`recruit.voice`, `recruit.answer`, `recruit.outcome`): see
//!   `voice_state`.
//! - A passport reported held stays held until someone other than the employer records
//!   its return.

use crate::body::{
    Contract, Fee, Licence, LicenceStatus, Link, Offer, PartyKind, Passport, PassportStatus,
    Payroll, RecruitBody, Remediate, Repay, Respond,
};
use crate::payroll::{Kind, SHARED_ACCOUNT_WORKERS, WageFinding, reconcile};
use crate::rules::{fee_violation, substitutions};
use crate::state::*;
use serde_json::Value;
use unchain_ledger::state::encode;
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, refuse};
use unchain_types::{Code, TxId};

/// The `recruit.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "recruit.licence",
        role: Role::Recruitment,
        summary: "a regulator licenses, suspends or revokes a recruitment agency or an employer in its jurisdiction",
    },
    KindSpec {
        kind: "recruit.offer",
        role: Role::Recruitment,
        summary: "a licensed recruiter registers a job offer for a worker: the comparable terms and the sealed terms' hash",
    },
    KindSpec {
        kind: "recruit.payroll",
        role: Role::Recruitment,
        summary: "an employer's pay records for a month, each reconciled against the worker's contract",
    },
    KindSpec {
        kind: "recruit.fee",
        role: Role::Recruitment,
        summary: "a recruitment fee a worker paid (disclosed, found in an audit, or reported for the worker): owed back under the Employer Pays Principle",
    },
    KindSpec {
        kind: "recruit.repay",
        role: Role::Recruitment,
        summary: "the recruiter or the worker's employer repays a fee, with proof",
    },
    KindSpec {
        kind: "recruit.remediate",
        role: Role::Recruitment,
        summary: "the regulator of the recruiter's country verifies (or not) that a fee was repaid in full",
    },
    KindSpec {
        kind: "recruit.respond",
        role: Role::Recruitment,
        summary: "the worker's confirmation or dispute of the registered contract, signed with their wallet key, relayed by any member",
    },
    KindSpec {
        kind: "recruit.passport",
        role: Role::Recruitment,
        summary: "a report that an employer holds a worker's passport, or that it was returned (never by the employer itself)",
    },
    KindSpec {
        kind: "recruit.link",
        role: Role::Recruitment,
        summary: "a brand names an employer in its supply chain (and its facility), so that alerts about it reach the brand",
    },
    KindSpec {
        kind: "recruit.contract",
        role: Role::Recruitment,
        summary: "the employer registers the contract in force for an offer; every term worse than offered is a substitution",
    },
    KindSpec {
        kind: "recruit.payslip",
        role: Role::Recruitment,
        summary: "a month's pay as the worker's payslip shows it, signed with their wallet key, relayed by any member: reconciled against the contract and compared with the employer's report",
    },
    KindSpec {
        kind: "recruit.voice",
        role: Role::Recruitment,
        summary: "the intake organisation records a worker's anonymous grievance (its words sealed in a tip) or survey about an employer: the ILO indicators, never the worker",
    },
    KindSpec {
        kind: "recruit.answer",
        role: Role::Recruitment,
        summary: "the employer answers a grievance: remedies promised by a date, or a dispute the regulator takes up",
    },
    KindSpec {
        kind: "recruit.outcome",
        role: Role::Recruitment,
        summary: "the worker's word, relayed by the intake that holds their receipt code, on whether the remedy came",
    },
];

/// The recruit module.
pub struct RecruitModule;

impl Module for RecruitModule {
    type Body = RecruitBody;

    fn name(&self) -> &'static str {
        "recruit"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<RecruitBody, BodyError> {
        RecruitBody::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &RecruitBody) -> Result<(), ExecError> {
        match body {
            RecruitBody::Licence(l) => licence(ctx, l),
            RecruitBody::Offer(o) => register_offer(ctx, o),
            RecruitBody::Contract(c) => contract(ctx, c),
            RecruitBody::Payroll(p) => payroll(ctx, p),
            RecruitBody::Fee(f) => fee_reported(ctx, f),
            RecruitBody::Repay(r) => repay(ctx, r),
            RecruitBody::Remediate(r) => remediate(ctx, r),
            RecruitBody::Respond(r) => respond(ctx, r),
            RecruitBody::Passport(p) => passport_report(ctx, p),
            RecruitBody::Link(l) => link(ctx, l),
            RecruitBody::Voice(v) => crate::voice_state::record_voice(ctx, v),
            RecruitBody::Answer(a) => crate::voice_state::answer(ctx, a),
            RecruitBody::Outcome(o) => crate::voice_state::outcome(ctx, o),
            RecruitBody::Payslip(p) => crate::payslip::ledger::execute(ctx, p, GRACE_DAYS),
        }
    }
}

fn recorded(ctx: &ExecContext<'_, '_>) -> Recorded {
    Recorded {
        member: ctx.sender.name.clone(),
        tx_id: ctx.tx_id,
        log_index: ctx.log_index,
        recorded_ms: ctx.timestamp_ms,
    }
}

fn licence(ctx: &mut ExecContext<'_, '_>, l: &Licence) -> Result<(), ExecError> {
    if ctx.sender.jurisdiction != l.country {
        return Err(refuse(
            Code::NoAccess,
            format!(
                "country: {} licenses in {} only, not in {}",
                ctx.sender.name, ctx.sender.jurisdiction, l.country
            ),
        ));
    }
    let rec = recorded(ctx);
    let record = match party(&*ctx.state, &l.party)? {
        Some(mut p) => {
            if p.licence.country != l.country || p.licence.kind != l.kind {
                return Err(refuse(
                    Code::AlreadyExists,
                    format!(
                        "party: {} is licensed as {} in {}",
                        l.party, p.licence.kind, p.licence.country
                    ),
                ));
            }
            p.history.push((l.status, rec));
            p.licence = l.clone();
            p
        }
        None => PartyRecord {
            licence: l.clone(),
            history: vec![(l.status, rec)],
        },
    };
    Ok(ctx.state.put(&party_key(&l.party), &encode(&record))?)
}

/// The party `id`, licensed as `kind` (whatever its standing), or the refusal naming
/// `field`.
pub(crate) fn licensed_as(
    ctx: &ExecContext<'_, '_>,
    id: &str,
    kind: PartyKind,
    field: &str,
) -> Result<PartyRecord, ExecError> {
    let p = party(&*ctx.state, id)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("{field}: {id} holds no licence on this ledger"),
        )
    })?;
    if p.licence.kind != kind {
        return Err(refuse(
            Code::NoAccess,
            format!(
                "{field}: {id} is licensed as {}, not as {kind}",
                p.licence.kind
            ),
        ));
    }
    Ok(p)
}

/// The party `id`, licensed as `kind` and active, or the refusal naming `field`.
fn active(
    ctx: &ExecContext<'_, '_>,
    id: &str,
    kind: PartyKind,
    field: &str,
) -> Result<PartyRecord, ExecError> {
    let p = licensed_as(ctx, id, kind, field)?;
    if p.licence.status != LicenceStatus::Active {
        return Err(refuse(
            Code::NoAccess,
            format!("{field}: {id}'s licence is {}", p.licence.status),
        ));
    }
    Ok(p)
}

fn register_offer(ctx: &mut ExecContext<'_, '_>, o: &Offer) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    active(ctx, &me, PartyKind::Recruiter, "sender")?;
    active(
        ctx,
        &o.terms.employer,
        PartyKind::Employer,
        "terms.employer",
    )?;
    let record = OfferRecord {
        offer: o.clone(),
        recorded: recorded(ctx),
        fee: fee_violation(&o.terms),
        contracted: false,
    };
    ctx.state.put(&offer_key(&ctx.tx_id), &encode(&record))?;
    ctx.state.put(&worker_key(&o.worker, &ctx.tx_id), &[])?;
    ctx.state.put(&recruiter_key(&me, &ctx.tx_id), &[])?;
    Ok(ctx
        .state
        .put(&employer_key(&o.terms.employer, &ctx.tx_id), &[])?)
}

fn contract(ctx: &mut ExecContext<'_, '_>, c: &Contract) -> Result<(), ExecError> {
    let mut o = offer_or_refuse(ctx, c)?;
    if ctx.sender.name != o.offer.terms.employer {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "offer: only its employer {} registers its contract",
                o.offer.terms.employer
            ),
        ));
    }
    if o.contracted {
        return Err(refuse(
            Code::AlreadyExists,
            format!("offer: {} already has its contract", c.offer),
        ));
    }
    let mut found = substitutions(&o.offer.terms, &c.terms);
    // A fee the offer already charged is still a violation in the contract.
    if !found.iter().any(|s| s.term == "worker_fees")
        && let Some(fee) = fee_violation(&c.terms)
    {
        found.push(fee);
    }
    let record = ContractRecord {
        contract: c.clone(),
        recorded: recorded(ctx),
        substitutions: found,
        responses: Vec::new(),
    };
    ctx.state.put(&contract_key(&c.offer), &encode(&record))?;
    o.contracted = true;
    Ok(ctx.state.put(&offer_key(&c.offer), &encode(&o))?)
}

fn offer_or_refuse(ctx: &ExecContext<'_, '_>, c: &Contract) -> Result<OfferRecord, ExecError> {
    crate::state::offer(&*ctx.state, &c.offer)?
        .ok_or_else(|| refuse(Code::NotFound, format!("offer: no offer {}", c.offer)))
}

/// Grace days after a month's end before its wage is late (the UAE's WPS allows 15).
pub const GRACE_DAYS: u32 = 15;

/// The offer whose registered contract with `employer` governs `worker`'s pay: the latest.
fn governing(
    ctx: &ExecContext<'_, '_>,
    worker: &str,
    employer: &str,
) -> Result<Option<(TxId, ContractRecord)>, ExecError> {
    let mut found = None;
    for id in offers_to(&*ctx.state, worker)? {
        if let Some(c) = crate::state::contract(&*ctx.state, &id)?
            && c.contract.terms.employer == employer
        {
            found = Some((id, c));
        }
    }
    Ok(found)
}

fn payroll(ctx: &mut ExecContext<'_, '_>, p: &Payroll) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    active(ctx, &me, PartyKind::Employer, "sender")?;
    // Every check first: nothing is written for a payroll that is refused.
    let mut governed = Vec::with_capacity(p.records.len());
    for (i, r) in p.records.iter().enumerate() {
        let Some((offer, c)) = governing(ctx, &r.worker, &me)? else {
            return Err(refuse(
                Code::NotFound,
                format!(
                    "records[{i}].worker: {} has no contract with {me} registered",
                    r.worker
                ),
            ));
        };
        if wage(&*ctx.state, &r.worker, &p.month)?.is_some() {
            return Err(refuse(
                Code::AlreadyExists,
                format!(
                    "records[{i}]: {}'s pay for {} is already reported",
                    r.worker, p.month
                ),
            ));
        }
        governed.push((offer, c));
    }
    let rec = recorded(ctx);
    // Accounts first, so that every worker of this payroll paid into a shared account is
    // named, not only those after the third.
    for r in &p.records {
        ctx.state.put(&account_key(&r.account, &r.worker), &[])?;
    }
    for (r, (offer, c)) in p.records.iter().zip(governed) {
        let mut findings = reconcile(&c.contract.terms, r, GRACE_DAYS);
        if let Some(mut slip) = crate::payslip::ledger::payslip(&*ctx.state, &r.worker, &p.month)?
            && let Some(f) = crate::payslip::ledger::differ_finding(r, &slip.record)
        {
            findings.push(f.clone());
            slip.findings.push(f);
            ctx.state.put(
                &crate::payslip::ledger::payslip_key(&r.worker, &p.month),
                &encode(&slip),
            )?;
        }
        let sharing = account_workers(&*ctx.state, &r.account)?;
        if sharing >= SHARED_ACCOUNT_WORKERS {
            findings.push(WageFinding {
                worker: r.worker.clone(),
                month: r.month.clone(),
                kind: Kind::SharedAccount,
                expected: "the worker's own account".into(),
                paid: format!(
                    "account {}, which has received {sharing} workers' wages",
                    r.account
                ),
            });
        }
        let record = WageRecord {
            record: r.clone(),
            offer,
            recorded: rec.clone(),
            findings,
        };
        ctx.state
            .put(&wage_key(&r.worker, &p.month), &encode(&record))?;
        ctx.state.put(&payroll_key(&me, &p.month, &r.worker), &[])?;
    }
    Ok(())
}

fn fee_reported(ctx: &mut ExecContext<'_, '_>, f: &Fee) -> Result<(), ExecError> {
    licensed_as(ctx, &f.recruiter, PartyKind::Recruiter, "recruiter")?;
    if f.source == crate::body::FeeSource::Recruiter && ctx.sender.name != f.recruiter {
        return Err(refuse(
            Code::NotOwner,
            format!("source: only {} discloses its own fees", f.recruiter),
        ));
    }
    let record = FeeRecord {
        fee: f.clone(),
        recorded: recorded(ctx),
        repayments: Vec::new(),
        verifications: Vec::new(),
        disputed: 0,
        status: FeeStatus::Owed,
    };
    ctx.state.put(&fee_key(&ctx.tx_id), &encode(&record))?;
    Ok(ctx
        .state
        .put(&recruiter_fee_key(&f.recruiter, &ctx.tx_id), &[])?)
}

fn fee_or_refuse(ctx: &ExecContext<'_, '_>, id: &TxId) -> Result<FeeRecord, ExecError> {
    crate::state::fee(&*ctx.state, id)?
        .ok_or_else(|| refuse(Code::NotFound, format!("fee: no fee {id}")))
}

fn repay(ctx: &mut ExecContext<'_, '_>, r: &Repay) -> Result<(), ExecError> {
    let mut f = fee_or_refuse(ctx, &r.fee)?;
    let me = &ctx.sender.name;
    let employs = governing(ctx, &f.fee.worker, me)?.is_some();
    if *me != f.fee.recruiter && !employs {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "fee: repaid by its recruiter {} or by the worker's employer",
                f.fee.recruiter
            ),
        ));
    }
    if f.status != FeeStatus::Owed {
        return Err(refuse(
            Code::BadTransition,
            format!("fee: already repaid in full ({:?})", f.status).to_lowercase(),
        ));
    }
    if r.amount > f.owed() {
        return Err(refuse(
            Code::InvalidBody,
            format!(
                "amount: {} is more than the {} still owed",
                r.amount,
                f.owed()
            ),
        ));
    }
    f.repayments.push((r.amount, r.evidence, recorded(ctx)));
    if f.owed() == 0 {
        f.status = FeeStatus::Repaid;
    }
    Ok(ctx.state.put(&fee_key(&r.fee), &encode(&f))?)
}

fn remediate(ctx: &mut ExecContext<'_, '_>, r: &Remediate) -> Result<(), ExecError> {
    let mut f = fee_or_refuse(ctx, &r.fee)?;
    let country = party(&*ctx.state, &f.fee.recruiter)?
        .map(|p| p.licence.country)
        .unwrap_or_default();
    if ctx.sender.jurisdiction != country {
        return Err(refuse(
            Code::NoAccess,
            format!(
                "fee: only the regulator in {country}, where {} is licensed, verifies its repayment",
                f.fee.recruiter
            ),
        ));
    }
    if f.status == FeeStatus::Owed {
        return Err(refuse(
            Code::BadTransition,
            format!("fee: {} is still owed", f.owed()),
        ));
    }
    f.verifications
        .push((r.verified, r.note.clone(), recorded(ctx)));
    f.status = if r.verified {
        FeeStatus::Remediated
    } else {
        // Not verified: owed again until a repayment is proven; what was recorded stays.
        f.disputed = f.repayments.iter().map(|p| p.0).sum();
        FeeStatus::Owed
    };
    Ok(ctx.state.put(&fee_key(&r.fee), &encode(&f))?)
}

fn respond(ctx: &mut ExecContext<'_, '_>, r: &Respond) -> Result<(), ExecError> {
    let o = crate::state::offer(&*ctx.state, &r.offer)?
        .ok_or_else(|| refuse(Code::NotFound, format!("offer: no offer {}", r.offer)))?;
    let Some(holder) = o.offer.holder else {
        return Err(refuse(
            Code::InvalidBody,
            "offer: it names no wallet key of the worker's; nobody can answer for them",
        ));
    };
    let mut c = crate::state::contract(&*ctx.state, &r.offer)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("offer: {} has no contract yet", r.offer),
        )
    })?;
    if c.contract.terms_hash != r.contract {
        return Err(refuse(
            Code::StaleVersion,
            "contract: not the contract registered for this offer",
        ));
    }
    let message = Respond::message(&r.offer, &r.contract, r.response, r.term.as_deref());
    if !holder.verify(&r.signature, &message) {
        return Err(refuse(
            Code::BadSignature,
            "signature: not the worker's (the wallet key named in the offer)",
        ));
    }
    c.responses
        .push((r.response, r.term.clone(), recorded(ctx)));
    Ok(ctx.state.put(&contract_key(&r.offer), &encode(&c))?)
}

fn passport_report(ctx: &mut ExecContext<'_, '_>, p: &Passport) -> Result<(), ExecError> {
    licensed_as(ctx, &p.employer, PartyKind::Employer, "employer")?;
    let mut record = passport(&*ctx.state, &p.employer, &p.worker)?.unwrap_or(PassportRecord {
        held: false,
        reports: Vec::new(),
    });
    if p.status == PassportStatus::Returned {
        if ctx.sender.name == p.employer {
            return Err(refuse(
                Code::NotOwner,
                "status: a return is recorded by the reporter, an inspector or a regulator, not by the employer",
            ));
        }
        if !record.held {
            return Err(refuse(
                Code::BadTransition,
                format!("status: no report says {} holds this passport", p.employer),
            ));
        }
    }
    record.held = p.status == PassportStatus::Held;
    record.reports.push((p.status, p.evidence, recorded(ctx)));
    Ok(ctx
        .state
        .put(&passport_key(&p.employer, &p.worker), &encode(&record))?)
}

fn link(ctx: &mut ExecContext<'_, '_>, l: &Link) -> Result<(), ExecError> {
    licensed_as(ctx, &l.employer, PartyKind::Employer, "employer")?;
    if let Some(f) = &l.facility
        && unchain_supply::state::facility(&*ctx.state, f)?.is_none()
    {
        return Err(refuse(
            Code::NotFound,
            format!("facility: {f} is not a facility the supply module registered"),
        ));
    }
    let facility = l.facility.clone();
    let record = LinkRecord {
        facility,
        recorded: recorded(ctx),
    };
    let brand = ctx.sender.name.clone();
    Ok(ctx
        .state
        .put(&link_key(&brand, &l.employer), &encode(&record))?)
}
