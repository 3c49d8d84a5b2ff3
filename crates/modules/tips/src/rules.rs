//! What the tips module decides, as pure functions of a tip and a body: how long a tip is
//! kept, how triage changes it, and who may erase it when. Execution reads the tip, asks
//! these, and writes.

use crate::body::{Erase, EraseReason, Triage};
use crate::state::{Tip, TriageState};
use unchain_types::{Code, Refusal};

/// The expiry a tip's activity at `time_ms` sets: `retention_days` later, or none when the
/// tip is kept until its intake erases it.
pub fn expiry(retention_days: Option<u32>, time_ms: u64) -> Option<u64> {
    retention_days.map(|d| time_ms.saturating_add(u64::from(d) * 86_400_000))
}

/// `tip` after its intake's triage `t` at `time_ms`; a tip that became a case is triaged as
/// the case.
pub fn triage(mut tip: Tip, t: &Triage, time_ms: u64) -> Result<Tip, Refusal> {
    if tip.status == "converted" {
        return Err(Refusal::new(
            Code::BadTransition,
            format!(
                "tip {} became case {}; triage the case",
                t.tip,
                tip.case.as_deref().unwrap_or("?")
            ),
        ));
    }
    tip.status = if t.closed { "closed" } else { "open" }.into();
    tip.triage = Some(TriageState {
        priority: t.priority.clone(),
        category: t.category.clone(),
        indicators: t.indicators.clone(),
        actor: t.actor.clone(),
        time_ms,
    });
    Ok(tip)
}

/// Whether `sender` may erase `tip` as `e` asks at block time `now_ms`: its intake at any
/// time, anyone once its retention period ended; never twice.
pub fn erase(tip: &Tip, e: &Erase, sender: &str, now_ms: u64) -> Result<(), Refusal> {
    if tip.erased.is_some() {
        return Err(Refusal::new(
            Code::Erased,
            format!("tip {} is already erased", e.tip),
        ));
    }
    match e.reason {
        EraseReason::IntakeRequest if tip.intake != sender => Err(Refusal::new(
            Code::NotOwner,
            format!(
                "tip {} was handed to {}; only it erases the tip before its retention ends",
                e.tip, tip.intake
            ),
        )),
        EraseReason::IntakeRequest => Ok(()),
        EraseReason::RetentionExpired => match tip.expires_ms {
            None => Err(Refusal::new(
                Code::TooEarly,
                format!(
                    "reason: tip {} has no retention period; only its intake erases it",
                    e.tip
                ),
            )),
            Some(at) if now_ms < at => Err(Refusal::new(
                Code::TooEarly,
                format!(
                    "reason: tip {}'s retention ends at {at} ms, after this block",
                    e.tip
                ),
            )),
            Some(_) => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_counts_whole_days_and_none_keeps_the_tip() {
        assert_eq!(expiry(Some(2), 1_000), Some(1_000 + 2 * 86_400_000));
        assert_eq!(expiry(None, 1_000), None);
        assert_eq!(expiry(Some(u32::MAX), u64::MAX - 1), Some(u64::MAX));
    }
}
