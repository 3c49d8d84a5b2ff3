//! The agree module's rules: pure functions of an agreement, a clause and the block, which
//! every validator executes and an offline verifier replays.

use crate::body::{ClauseTerms, Consequence};
use crate::state::Standing;

/// Whether `clause`, last evaluated at `last` (height, block time), is due at `height` and
/// block time `now_ms`: `every_blocks` since its last evaluation, or its deadline passed
/// and not yet evaluated.
pub fn is_due(clause: &ClauseTerms, last: Option<(u64, u64)>, height: u64, now_ms: u64) -> bool {
    match (clause.every_blocks, clause.due_ms, last) {
        (Some(n), _, Some((h, _))) => h.saturating_add(n) <= height,
        (_, Some(d), None) => now_ms >= d,
        (Some(_), None, None) => true,
        (None, Some(_), Some(_)) | (None, None, _) => false,
    }
}

/// The SHA-256 of the canonical JSON of each fact list at `paths` (`supply.findings`) in
/// `facts`: what a clause evaluated on change compares with its last evaluation's.
pub fn watched_digests(
    paths: &[String],
    facts: &serde_json::Value,
) -> std::collections::BTreeMap<String, unchain_types::Hash32> {
    paths
        .iter()
        .map(|path| {
            let value = path
                .split('.')
                .try_fold(facts, |v, part| v.get(part))
                .unwrap_or(&serde_json::Value::Null);
            let bytes = unchain_types::canonical::to_canonical_bytes(value).unwrap_or_default();
            (path.clone(), unchain_types::Hash32::digest(&bytes))
        })
        .collect()
}

/// Whether a clause evaluated on change is due: it watches some fact list, and what it
/// watches now differs from what its last evaluation read (or it was never evaluated).
pub fn changed(
    clause: &ClauseTerms,
    last: Option<&std::collections::BTreeMap<String, unchain_types::Hash32>>,
    now: &std::collections::BTreeMap<String, unchain_types::Hash32>,
) -> bool {
    !clause.on_change.is_empty() && last != Some(now)
}

/// The standing once `signed` holds these parties: in force when every party signed.
pub fn standing_after_signing(parties: &[String], signed: &[String]) -> Standing {
    if parties.iter().all(|p| signed.contains(p)) {
        Standing::InForce
    } else {
        Standing::Proposed
    }
}

/// The consequence an evaluation applies: the clause's own for a breach, none otherwise
/// (kept, or an evaluation error).
pub fn consequence_of(kept: &Result<bool, String>, clause: &ClauseTerms) -> Option<Consequence> {
    (*kept == Ok(false)).then(|| clause.consequence.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(every_blocks: Option<u64>, due_ms: Option<u64>) -> ClauseTerms {
        ClauseTerms {
            id: "c".into(),
            text: "t".into(),
            cel: "true".into(),
            every_blocks,
            due_ms,
            on_change: Vec::new(),
            consequence: Consequence::Suspend,
        }
    }

    #[test]
    fn a_clause_is_due_on_its_schedule_and_not_before() {
        let every = clause(Some(10), None);
        assert!(is_due(&every, None, 1, 0), "never evaluated");
        assert!(!is_due(&every, Some((5, 0)), 14, 0));
        assert!(is_due(&every, Some((5, 0)), 15, 0));
        let deadline = clause(None, Some(1_000));
        assert!(!is_due(&deadline, None, 9, 999));
        assert!(is_due(&deadline, None, 9, 1_000));
        assert!(!is_due(&deadline, Some((9, 1_000)), 99, 9_999), "once only");
        let both = clause(Some(10), Some(1_000));
        assert!(!is_due(&both, None, 1, 999), "the deadline first");
        assert!(is_due(&both, Some((1, 1_000)), 11, 1_000));
    }

    #[test]
    fn only_a_breach_brings_the_consequence_and_only_every_signature_brings_force() {
        let c = clause(Some(1), None);
        assert_eq!(consequence_of(&Ok(false), &c), Some(Consequence::Suspend));
        assert_eq!(consequence_of(&Ok(true), &c), None);
        assert_eq!(consequence_of(&Err("overflow".into()), &c), None);
        let parties = ["a".to_owned(), "b".to_owned()];
        assert_eq!(
            standing_after_signing(&parties, &["a".into()]),
            Standing::Proposed
        );
        assert_eq!(
            standing_after_signing(&parties, &["a".into(), "b".into()]),
            Standing::InForce
        );
    }
}
