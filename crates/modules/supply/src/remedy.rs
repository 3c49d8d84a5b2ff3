//! Executing findings, corrective-action plans and their verification: a finding flags what
//! it reaches, a verified plan clears exactly that.

use crate::body::{Finding, Plan, Verification};
use crate::execute::{WriteGraph, recorded, registered, start, target_facility};
use crate::finding::Target;
use crate::rules::{Flag, Reach, spread};
use crate::state::*;
use std::collections::BTreeSet;
use unchain_ledger::state::{StateRead, decode, encode};
use unchain_ledger::{ExecContext, ExecError, refuse};
use unchain_types::{Code, TxId};

/// `supply.finding`: records the finding and flags every node it reaches.
pub(crate) fn open(ctx: &mut ExecContext<'_, '_>, f: &Finding) -> Result<(), ExecError> {
    if let Some(fac) = target_facility(&f.target) {
        registered(ctx.state, fac, "target.facility")?;
        if let Some(audit) = &f.audit
            && ctx.state.get(&audit_key(fac, audit))?.is_none()
        {
            return Err(refuse(
                Code::NotFound,
                format!("audit: {audit} is not an audit of {fac}"),
            ));
        }
    }
    let id = ctx.tx_id;
    let finding = id.to_string();
    let seeds: Vec<(String, Flag)> = match &f.target {
        Target::Facility(fac) => {
            let since = f.since_ms().unwrap_or(i64::MIN);
            let prefix = SPACE.key(format_args!("made/{fac}\0"));
            ctx.state
                .scan_prefix(&prefix)?
                .into_iter()
                .filter_map(|(k, v)| {
                    let made: Made = decode(&v);
                    let node = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
                    (made.time_ms >= since).then(|| (node, start(&made.event)))
                })
                .collect()
        }
        Target::Goods(node) => vec![(
            node.clone(),
            Flag {
                reach: Reach::Direct,
                from: None,
                relation: None,
                event: None,
            },
        )],
    };
    let flagged = spread(&mut WriteGraph { state: ctx.state }, &finding, seeds)?;
    if let Some(fac) = target_facility(&f.target) {
        ctx.state.put(&at_key(fac, &id), &[])?;
    }
    let record = FindingRecord {
        finding: f.clone(),
        recorded: recorded(ctx),
        status: Status::Open,
        flagged,
        cleared: 0,
        plans: Vec::new(),
        verifications: Vec::new(),
    };
    Ok(ctx.state.put(&finding_key(&id), &encode(&record))?)
}

/// An open finding, or a refusal naming `finding`.
fn open_finding(state: &impl StateRead, id: &TxId) -> Result<FindingRecord, ExecError> {
    let record = crate::state::finding(state, id)?
        .ok_or_else(|| refuse(Code::NotFound, format!("finding: no finding {id}")))?;
    if record.status != Status::Open {
        return Err(refuse(
            Code::BadTransition,
            format!("finding: {id} is already remediated"),
        ));
    }
    Ok(record)
}

/// The members that answer for a finding: the facility's registrant and operator; for
/// goods, those of the facility that made them and the member that captured the making.
pub fn answerable(
    state: &impl StateRead,
    f: &Finding,
) -> Result<BTreeSet<String>, redb::StorageError> {
    let mut out = BTreeSet::new();
    let facility_id = match &f.target {
        Target::Facility(fac) => Some(fac.clone()),
        Target::Goods(node) => match maker(state, node)? {
            Some(made) => {
                if let Some(e) = event(state, &made.event)? {
                    out.insert(e.member);
                }
                Some(made.facility)
            }
            None => None,
        },
    };
    if let Some(rec) = facility_id
        .map(|id| facility(state, &id))
        .transpose()?
        .flatten()
    {
        out.insert(rec.registrant);
        out.extend(rec.facility.operator);
    }
    Ok(out)
}

/// `supply.plan`: the facility answers a finding with a corrective-action plan.
pub(crate) fn plan(ctx: &mut ExecContext<'_, '_>, p: &Plan) -> Result<(), ExecError> {
    let mut record = open_finding(&*ctx.state, &p.finding)?;
    let who = answerable(&*ctx.state, &record.finding)?;
    if !who.contains(&ctx.sender.name) {
        let names: Vec<&str> = who.iter().map(String::as_str).collect();
        return Err(refuse(
            Code::NotOwner,
            format!(
                "finding: only the facility that answers for {} may file its plan ({})",
                p.finding,
                if names.is_empty() {
                    "none known".into()
                } else {
                    names.join(", ")
                }
            ),
        ));
    }
    record.plans.push((p.clone(), recorded(ctx)));
    Ok(ctx.state.put(&finding_key(&p.finding), &encode(&record))?)
}

/// `supply.verify`: the finding's author checks the corrective action; verified, the
/// finding's flags are cleared, and only they.
pub(crate) fn verify(ctx: &mut ExecContext<'_, '_>, v: &Verification) -> Result<(), ExecError> {
    let mut record = open_finding(&*ctx.state, &v.finding)?;
    if record.recorded.member != ctx.sender.name {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "finding: only its author, {}, may verify the corrective action",
                record.recorded.member
            ),
        ));
    }
    if v.verified && record.plans.is_empty() {
        return Err(refuse(
            Code::BadTransition,
            format!(
                "finding: {} has no corrective-action plan to verify",
                v.finding
            ),
        ));
    }
    if v.verified {
        let id = v.finding.to_string();
        let prefix = SPACE.key(format_args!("reach/{id}\0"));
        for (k, _) in ctx.state.scan_prefix(&prefix)? {
            let node = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            ctx.state.delete(&flag_key(&node, &id))?;
            ctx.state.delete(&k)?;
        }
        record.status = Status::Remediated;
        record.cleared = record.flagged;
        record.flagged = 0;
    }
    record.verifications.push((v.clone(), recorded(ctx)));
    Ok(ctx.state.put(&finding_key(&v.finding), &encode(&record))?)
}
