//! Worker voice on the ledger: how every validator executes `recruit.voice`,
//! `recruit.answer` and `recruit.outcome`, and what the node reads back.
//!
//! State, under `recruit/`:
//!
//! - `voice/{id}`: a grievance or survey, its month, the intake that recorded it, the
//!   employer's answer and the worker's outcomes;
//! - `voice-of/{employer}/{month}/{id}`: an employer's voices by month (what aggregates
//!   count);
//! - `voice-tip/{tip}`: the grievance a tip carries (a tip carries one);
//! - `voice-fee/{recruiter}/{month}/{id}`: surveys reporting a fee paid to a recruiter.
//!
//! What a record holds is the employer, the month, the ILO indicators and the intake: never
//! the worker's words (sealed in the tip), never a time finer than the block's.

use crate::execute::licensed_as;
use crate::state::{Recorded, SPACE, party};
use crate::voice::{
    Answer, Counted, MAX_REMEDY_DAYS, MonthVoice, Outcome, Response, Standing, Voice, VoiceKind,
    aggregate, date_of_ms, month_of_ms, standing,
};
use serde::{Deserialize, Serialize};
use unchain_ledger::state::{StateRead, encode};
use unchain_ledger::{ExecContext, ExecError, refuse};
use unchain_types::Code;

/// A grievance or survey and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceRecord {
    /// As recorded.
    pub voice: Voice,
    /// The month it was recorded in (block time, UTC).
    pub month: String,
    /// The intake that recorded it, and when.
    pub recorded: Recorded,
    /// The employer's answer, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<(Answer, Recorded)>,
    /// The worker's word on the remedy, each time they gave it, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<(bool, u64)>,
}

impl VoiceRecord {
    /// What became of it at `now_ms` (none for a survey).
    pub fn standing(&self, now_ms: u64) -> Option<Standing> {
        (self.voice.kind == VoiceKind::Grievance).then(|| {
            standing(
                self.recorded.recorded_ms,
                self.answer.as_ref().map(|(a, _)| a),
                self.outcomes.last().map(|(r, _)| *r),
                now_ms,
            )
        })
    }
}

fn voice_key(id: &str) -> Vec<u8> {
    SPACE.key(format_args!("voice/{id}"))
}

fn by_employer_key(employer: &str, month: &str, id: &str) -> Vec<u8> {
    SPACE.key(format_args!("voice-of/{employer}/{month}/{id}"))
}

fn fee_key(recruiter: &str, month: &str, id: &str) -> Vec<u8> {
    SPACE.key(format_args!("voice-fee/{recruiter}/{month}/{id}"))
}

fn tip_key(tip: &str) -> Vec<u8> {
    SPACE.key(format_args!("voice-tip/{tip}"))
}

/// A grievance or survey.
pub fn voice(state: &impl StateRead, id: &str) -> Result<Option<VoiceRecord>, redb::StorageError> {
    SPACE.get(state, &voice_key(id))
}

/// The grievance a tip carries.
pub fn voice_of_tip(
    state: &impl StateRead,
    tip: &str,
) -> Result<Option<VoiceRecord>, redb::StorageError> {
    let Some(id) = SPACE.get::<String>(state, &tip_key(tip))? else {
        return Ok(None);
    };
    voice(state, &id)
}

/// Every voice about `employer`, oldest month first.
pub fn voices_about(
    state: &impl StateRead,
    employer: &str,
) -> Result<Vec<VoiceRecord>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("voice-of/{employer}/"));
    let mut out = Vec::new();
    for (k, _) in state.scan_prefix(&prefix)? {
        let Some(id) = std::str::from_utf8(&k)
            .ok()
            .and_then(|k| k.rsplit('/').next())
        else {
            continue;
        };
        if let Some(v) = voice(state, id)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// The fees workers reported paying `recruiter`, published by month (closed months with at
/// least `k` reports) at `now_ms`.
pub fn fees_reported(
    state: &impl StateRead,
    recruiter: &str,
    now_ms: u64,
    k: u32,
) -> Result<Vec<crate::fee_reports::RecruiterMonth>, redb::StorageError> {
    let prefix = SPACE.key(format_args!("voice-fee/{recruiter}/"));
    let mut records = Vec::new();
    for (key, _) in state.scan_prefix(&prefix)? {
        let Some(id) = std::str::from_utf8(&key)
            .ok()
            .and_then(|k| k.rsplit('/').next())
        else {
            continue;
        };
        if let Some(v) = voice(state, id)? {
            records.push(v);
        }
    }
    let reports: Vec<(&str, &crate::fee_reports::FeePaid)> = records
        .iter()
        .filter_map(|r| Some((r.month.as_str(), r.voice.fee.as_ref()?)))
        .collect();
    Ok(crate::fee_reports::by_recruiter(
        &reports,
        &month_of_ms(now_ms),
        k,
    ))
}

/// An employer's published months at `now_ms` with group size `k`: see
/// [`crate::voice::aggregate`].
pub fn published(
    state: &impl StateRead,
    employer: &str,
    now_ms: u64,
    k: u32,
) -> Result<Vec<MonthVoice>, redb::StorageError> {
    let records = voices_about(state, employer)?;
    let standings: Vec<Option<Standing>> = records.iter().map(|r| r.standing(now_ms)).collect();
    let counted: Vec<Counted<'_>> = records
        .iter()
        .zip(&standings)
        .map(|(r, s)| Counted {
            month: &r.month,
            kind: r.voice.kind,
            indicators: &r.voice.indicators,
            standing: s.as_ref(),
            fee: r.voice.fee.as_ref(),
        })
        .collect();
    Ok(aggregate(&counted, &month_of_ms(now_ms), k))
}

/// The employers linked to the supply facility `facility` (by any brand's `recruit.link`),
/// each with the concerns in its published months: worker voice as it weighs on the
/// facility's risk.
pub fn facility_concerns(
    state: &impl StateRead,
    facility: &str,
    now_ms: u64,
    k: u32,
) -> Result<Vec<(String, Vec<crate::voice::Concern>)>, redb::StorageError> {
    let prefix = SPACE.key("brand/");
    let mut employers = std::collections::BTreeSet::new();
    for (key, bytes) in state.scan_prefix(&prefix)? {
        let Ok(link) = serde_json::from_slice::<crate::state::LinkRecord>(&bytes) else {
            continue;
        };
        if link.facility.as_deref() == Some(facility)
            && let Some(employer) = std::str::from_utf8(&key)
                .ok()
                .and_then(|k| k.rsplit('/').next())
        {
            employers.insert(employer.to_owned());
        }
    }
    let mut out = Vec::new();
    for e in employers {
        let found = crate::voice::concerns(&published(state, &e, now_ms, k)?);
        if !found.is_empty() {
            out.push((e, found));
        }
    }
    Ok(out)
}

fn recorded(ctx: &ExecContext<'_, '_>) -> Recorded {
    Recorded {
        member: ctx.sender.name.clone(),
        tx_id: ctx.tx_id,
        log_index: ctx.log_index,
        recorded_ms: ctx.timestamp_ms,
    }
}

fn grievance_or_refuse(ctx: &ExecContext<'_, '_>, id: &str) -> Result<VoiceRecord, ExecError> {
    let v = voice(&*ctx.state, id)?
        .ok_or_else(|| refuse(Code::NotFound, format!("voice: {id} is not on this ledger")))?;
    if v.voice.kind != VoiceKind::Grievance {
        return Err(refuse(
            Code::BadTransition,
            format!("voice: {id} is a survey; nobody answers a survey"),
        ));
    }
    Ok(v)
}

pub(crate) fn record_voice(ctx: &mut ExecContext<'_, '_>, v: &Voice) -> Result<(), ExecError> {
    licensed_as(
        ctx,
        &v.employer,
        crate::body::PartyKind::Employer,
        "employer",
    )?;
    if voice(&*ctx.state, &v.voice)?.is_some() {
        return Err(refuse(
            Code::AlreadyExists,
            format!("voice: {} already exists", v.voice),
        ));
    }
    if let Some(r) = v.fee.as_ref().and_then(|f| f.recruiter.as_ref()) {
        licensed_as(ctx, r, crate::body::PartyKind::Recruiter, "fee.recruiter")?;
    }
    if let Some(tip) = &v.tip {
        let t = unchain_tips::state::tip_record(&*ctx.state, tip)?
            .ok_or_else(|| refuse(Code::NotFound, format!("tip: {tip} is not on this ledger")))?;
        if t.intake != ctx.sender.name {
            return Err(refuse(
                Code::NotOwner,
                format!("tip: {tip} was received by {}, not by the sender", t.intake),
            ));
        }
        if SPACE.get::<String>(&*ctx.state, &tip_key(tip))?.is_some() {
            return Err(refuse(
                Code::AlreadyExists,
                format!("tip: {tip} already carries a grievance"),
            ));
        }
    }
    let month = month_of_ms(ctx.timestamp_ms);
    let record = VoiceRecord {
        voice: v.clone(),
        month: month.clone(),
        recorded: recorded(ctx),
        answer: None,
        outcomes: Vec::new(),
    };
    if let Some(tip) = &v.tip {
        ctx.state.put(&tip_key(tip), &encode(&v.voice))?;
    }
    if let Some(r) = v.fee.as_ref().and_then(|f| f.recruiter.as_ref()) {
        ctx.state.put(&fee_key(r, &month, &v.voice), &[])?;
    }
    ctx.state
        .put(&by_employer_key(&v.employer, &month, &v.voice), &[])?;
    Ok(ctx.state.put(&voice_key(&v.voice), &encode(&record))?)
}

pub(crate) fn answer(ctx: &mut ExecContext<'_, '_>, a: &Answer) -> Result<(), ExecError> {
    let mut v = grievance_or_refuse(ctx, &a.voice)?;
    if ctx.sender.name != v.voice.employer {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "voice: only the employer it is about ({}) answers it",
                v.voice.employer
            ),
        ));
    }
    if v.answer.is_some() {
        return Err(refuse(
            Code::AlreadyExists,
            format!("voice: {} is already answered", a.voice),
        ));
    }
    if a.response == Response::Remedy {
        let (today, by) = (
            date_of_ms(ctx.timestamp_ms),
            a.by.clone().unwrap_or_default(),
        );
        let days = crate::payroll::day_number(&by)
            .zip(crate::payroll::day_number(&today))
            .map(|(b, t)| b - t);
        match days {
            Some(d) if (0..=MAX_REMEDY_DAYS).contains(&d) => {}
            _ => {
                return Err(refuse(
                    Code::InvalidBody,
                    format!(
                        "by: {by} is not between today ({today}) and {MAX_REMEDY_DAYS} days ahead"
                    ),
                ));
            }
        }
    }
    v.answer = Some((a.clone(), recorded(ctx)));
    Ok(ctx.state.put(&voice_key(&a.voice), &encode(&v))?)
}

pub(crate) fn outcome(ctx: &mut ExecContext<'_, '_>, o: &Outcome) -> Result<(), ExecError> {
    let mut v = grievance_or_refuse(ctx, &o.voice)?;
    if ctx.sender.name != v.recorded.member {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "voice: only its intake ({}), which holds the worker's receipt code, relays the worker's word",
                v.recorded.member
            ),
        ));
    }
    if v.answer.is_none() {
        return Err(refuse(
            Code::BadTransition,
            format!("voice: {} has no answer yet to say was kept", o.voice),
        ));
    }
    v.outcomes.push((o.remedied, ctx.timestamp_ms));
    Ok(ctx.state.put(&voice_key(&o.voice), &encode(&v))?)
}

/// Whether `member` licensed `employer` (recorded any change of its standing): the
/// regulator that takes up its escalated grievances and reads them one by one.
pub fn licensed_by(
    state: &impl StateRead,
    employer: &str,
    member: &str,
) -> Result<bool, redb::StorageError> {
    Ok(party(state, employer)?.is_some_and(|p| p.history.iter().any(|(_, r)| r.member == member)))
}

/// The grievances escalated at `now_ms` about the employers `regulator` licensed: what that
/// regulator takes up. Each names the employer, the month, the indicators and why — never
/// the worker.
pub fn escalated_for(
    state: &impl StateRead,
    regulator: &str,
    now_ms: u64,
) -> Result<Vec<(VoiceRecord, Standing)>, redb::StorageError> {
    let prefix = SPACE.key("voice/");
    let mut out = Vec::new();
    for (_, bytes) in state.scan_prefix(&prefix)? {
        let Ok(v) = serde_json::from_slice::<VoiceRecord>(&bytes) else {
            continue;
        };
        let Some(s) = v.standing(now_ms).filter(Standing::is_escalated) else {
            continue;
        };
        if licensed_by(state, &v.voice.employer, regulator)? {
            out.push((v, s));
        }
    }
    Ok(out)
}
