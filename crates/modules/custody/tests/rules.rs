//! Properties of the custody rules over random histories: whatever sequence of events two
//! agencies attempt, an item has one holder, nothing follows destruction or return, only
//! the holder acts (the named receiver excepted), and in any accepted history dropping or
//! swapping events makes the replay fail — what the offline verifier relies on.

use proptest::prelude::*;
use unchain_custody::body::{Action, Event, EvidenceKind};
use unchain_custody::rules::{Item, Status, apply};
use unchain_types::{Hash32, TxId};

const MEMBERS: [&str; 3] = ["th-dsi", "ph-iacat", "gb-other"];

fn event(action: Action, prev: Option<TxId>, actor: &str, at: u64, to: usize) -> Event {
    let item = Hash32::digest(b"item");
    Event {
        item,
        prev,
        actor: actor.into(),
        at_ms: at,
        location: "here".into(),
        reason: "why".into(),
        case: None,
        evidence: (action == Action::Collect).then_some(EvidenceKind::Digital),
        content_hash: (action == Action::Collect).then_some(item),
        description: (action == Action::Collect).then(|| "disk".into()),
        to: (action == Action::Transfer).then(|| MEMBERS[to].into()),
        to_actor: None,
        method: matches!(action, Action::Analyse | Action::Destroy).then(|| "m".into()),
        result_hash: None,
        seal_number: (action == Action::Seal).then(|| "S1".into()),
        court: (action == Action::Present).then(|| "court".into()),
        proceeding: (action == Action::Present).then(|| "p".into()),
        returned_to: (action == Action::Return).then(|| "owner".into()),
    }
}

/// One attempt: who signs, what, and (for a transfer) to whom.
fn attempt() -> impl Strategy<Value = (usize, usize, usize)> {
    (0..MEMBERS.len(), 0..Action::ALL.len(), 0..MEMBERS.len())
}

/// Runs `attempts` against the rules; returns the accepted history.
fn run(attempts: &[(usize, usize, usize)]) -> Vec<(Action, Event, String, TxId, Item)> {
    let mut state: Option<Item> = None;
    let mut history = Vec::new();
    for (i, &(who, what, to)) in attempts.iter().enumerate() {
        let action = Action::ALL[what];
        let sender = MEMBERS[who];
        let prev = state.as_ref().map(|s| s.head);
        let ev = event(action, prev, "u-1", i as u64, to);
        let id = TxId(Hash32::digest(&(i as u64).to_be_bytes()));
        let before = state.clone();
        match apply(state.as_ref(), action, &ev, sender, id, None) {
            Ok(next) => {
                // Invariants of every accepted step.
                if let Some(b) = &before {
                    assert!(!matches!(b.status, Status::Destroyed | Status::Returned));
                    match action {
                        Action::Receive => {
                            assert_eq!(Some(sender), b.pending.as_ref().map(|p| p.to.as_str()))
                        }
                        Action::Cancel => assert!(
                            sender == b.holder.member
                                || Some(sender) == b.pending.as_ref().map(|p| p.to.as_str())
                        ),
                        _ => assert_eq!(sender, b.holder.member),
                    }
                }
                assert_eq!(next.pending.is_some(), next.status == Status::InTransit);
                assert_eq!(next.events as usize, history.len() + 1);
                history.push((action, ev, sender.to_owned(), id, next.clone()));
                state = Some(next);
            }
            Err(_) => assert_eq!(state, before),
        }
    }
    history
}

fn replays(history: &[(Action, Event, String, TxId, Item)]) -> bool {
    let mut state: Option<Item> = None;
    for (action, ev, sender, id, _) in history {
        match apply(state.as_ref(), *action, ev, sender, *id, None) {
            Ok(next) => state = Some(next),
            Err(_) => return false,
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn histories_keep_one_holder_and_break_when_cut_or_shuffled(
        attempts in prop::collection::vec(attempt(), 1..60),
        cut in any::<prop::sample::Index>(),
        swap in any::<prop::sample::Index>(),
    ) {
        // Start with a collection so that histories are long enough to matter.
        let mut all = vec![(0, 0, 0)];
        all.extend(attempts);
        let history = run(&all);
        prop_assert!(replays(&history));
        if history.len() >= 2 {
            // Dropping any event but the last breaks the replay.
            let i = cut.index(history.len() - 1);
            let mut dropped = history.clone();
            dropped.remove(i);
            prop_assert!(!replays(&dropped), "dropping event {} went unnoticed", i + 1);
            // Swapping two adjacent events breaks it too.
            let j = swap.index(history.len() - 1);
            let mut swapped = history.clone();
            swapped.swap(j, j + 1);
            prop_assert!(!replays(&swapped), "swapping events {} and {} went unnoticed", j + 1, j + 2);
        }
    }
}
