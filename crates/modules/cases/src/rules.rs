//! What the cases' workflow decides, as pure functions of a case and a body: which moves
//! are allowed (the table is in [`crate::workflow`]) and what they change. Execution reads
//! the case, asks these, and writes.

use crate::body::{Transition, Update};
use crate::state::{Case, Change};
use crate::workflow::{self, Needs};
use unchain_types::{Code, Refusal};

fn refuse(code: Code, message: impl Into<String>) -> Refusal {
    Refusal::new(code, message)
}

/// Moves `case` as `t` asks: from the status the sender saw, along the workflow, with an
/// outcome where closing takes one (and a referral made before closing as referred).
/// Returns the case after the move and what changed.
pub fn transition(mut case: Case, t: &Transition) -> Result<(Case, Change), Refusal> {
    if t.from != case.status {
        return Err(refuse(
            Code::StaleVersion,
            format!(
                "from: case {} is {}, not {}: it changed since you looked",
                t.case, case.status, t.from
            ),
        ));
    }
    let needs = workflow::transition(case.kind, &case.status, &t.to).map_err(|next| {
        let next = if next.is_empty() {
            "none: it is final".to_owned()
        } else {
            next.join(", ")
        };
        refuse(
            Code::BadTransition,
            format!(
                "to: {} {} cannot go from {} to {} (allowed next: {next})",
                case.kind.name(),
                t.case,
                case.status,
                t.to
            ),
        )
    })?;
    let allowed = workflow::outcomes(case.kind);
    match (&t.outcome, needs) {
        (None, Needs::Outcome | Needs::OutcomeAndReferral) => {
            return Err(refuse(
                Code::BadTransition,
                format!(
                    "outcome: is required to move to {} (one of {})",
                    t.to,
                    allowed.join(", ")
                ),
            ));
        }
        (Some(o), Needs::Nothing) => {
            return Err(refuse(
                Code::BadTransition,
                format!("outcome: {o:?} is not taken when moving to {}", t.to),
            ));
        }
        (Some(o), _) if !allowed.contains(&o.as_str()) => {
            return Err(refuse(
                Code::BadTransition,
                format!(
                    "outcome: {o:?} is not an outcome of kind {} (one of {})",
                    case.kind.name(),
                    allowed.join(", ")
                ),
            ));
        }
        _ => {}
    }
    if needs == Needs::OutcomeAndReferral && case.referred_to.is_empty() {
        return Err(refuse(
            Code::BadTransition,
            format!(
                "to: case {} has not been referred to anyone; refer it before closing it as ClosedReferred",
                t.case
            ),
        ));
    }
    let change = Change::Transitioned {
        from: case.status.clone(),
        to: t.to.clone(),
        outcome: t.outcome.clone(),
        reason: t.reason.clone(),
    };
    case.status = t.to.clone();
    if t.outcome.is_some() {
        case.outcome = t.outcome.clone();
    }
    case.events += 1;
    Ok((case, change))
}

/// Points `case` at its record's newer version `u.version`; the record's latest is
/// `latest`.
pub fn update(mut case: Case, u: &Update, latest: u32) -> Result<(Case, Change), Refusal> {
    if u.version != latest || u.version <= case.record_version {
        return Err(refuse(
            Code::StaleVersion,
            format!(
                "version: the case is at version {} and its record's latest is {latest}; name the latest, newer version",
                case.record_version
            ),
        ));
    }
    case.record_version = u.version;
    case.events += 1;
    Ok((case, Change::Updated { version: u.version }))
}
