//! Tip copies, erasure and retention on a real ledger: every tip message's commitment is
//! fed to the members' nodes in log order, and one erasure lists them all; only the intake
//! erases early, anyone once retention has ended; retention runs from the last activity;
//! an erased tip takes nothing more; and bad bodies are named.

mod common;

use common::*;
use serde_json::json;
use unchain_tips::holdings::{self, Denied};

const DAY_MS: u64 = 86_400_000;

/// A tip recorded with `retention` days, plus a reply: (tip id, its two commitments).
fn tip_with_reply(w: &mut World, retention: Option<u32>) -> (String, Vec<unchain_types::Hash32>) {
    let new = new_report(w);
    let mut body = new.body.clone();
    if let Some(days) = retention {
        body["retention_days"] = days.into();
    }
    w.chain.ok(&w.ngo.tx("tips.receive", body));
    let (sealed, reply) = ngo_reply(w, &new.tip, "are you safe?");
    w.chain.ok(&w.ngo.tx("tips.message", reply));
    (new.tip, vec![new.sealed.commitment, sealed.commitment])
}

#[test]
fn every_message_is_fed_in_log_order_and_one_erasure_lists_them_all() {
    let mut w = world();
    let (first, c1) = tip_with_reply(&mut w, None);
    let (_, c2) = tip_with_reply(&mut w, None);
    let r = reader(&w.chain);
    let feed = holdings::feed(&r, b"").expect("feed");
    let fed: Vec<_> = feed.iter().map(|(_, c)| *c).collect();
    assert_eq!(fed, [c1.clone(), c2.clone()].concat(), "log order");
    // A cursor resumes after what was read.
    let after = holdings::feed(&r, &feed[1].0).expect("feed");
    assert_eq!(after.len(), 2);
    assert_eq!(after[0].1, c2[0]);
    for c in c1.iter().chain(&c2) {
        assert!(holdings::is_committed(&r, c).expect("read"));
        let tip = holdings::may_hold(&r, c).expect("read").expect("held");
        assert_eq!(tip.intake, "ngo");
    }
    let stranger = unchain_types::Hash32([9; 32]);
    assert_eq!(
        holdings::may_hold(&r, &stranger).expect("read"),
        Err(Denied::Unknown)
    );
    assert!(!holdings::is_committed(&r, &stranger).expect("read"));
    assert!(holdings::erased(&r, b"").expect("erased").is_empty());

    w.chain.ok(&w.ngo.tx(
        "tips.erase",
        json!({"tip": first, "reason": "intake_request", "actor": "u-intake01"}),
    ));
    let r = reader(&w.chain);
    let erased = holdings::erased(&r, b"").expect("erased");
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0].1.tip, first);
    assert_eq!(erased[0].1.commitments, c1);
    for c in &c1 {
        assert_eq!(
            holdings::may_hold(&r, c).expect("read"),
            Err(Denied::Erased)
        );
        assert!(
            holdings::is_committed(&r, c).expect("read"),
            "an upload sweep must not treat it as never recorded"
        );
    }
    assert!(
        holdings::may_hold(&r, &c2[0]).expect("read").is_ok(),
        "the other tip is kept"
    );
    let view = unchain_tips::tip(&r, &first).expect("read").expect("tip");
    assert_eq!(view.tip.status, "erased");
    let erasure = view.tip.erased.expect("erasure recorded");
    assert_eq!(
        (erasure.by.as_str(), erasure.reason),
        ("ngo", unchain_tips::EraseReason::IntakeRequest)
    );
    assert_eq!(
        view.messages.len(),
        2,
        "the record that it was received stays"
    );
}

#[test]
fn only_the_intake_erases_early_and_an_erased_tip_takes_nothing_more() {
    let mut w = world();
    let (tip, _) = tip_with_reply(&mut w, Some(30));
    let why = w.chain.refused(
        &mut w.police,
        "tips.erase",
        json!({"tip": tip, "reason": "intake_request", "actor": "u-officer"}),
    );
    assert!(why.contains("only it erases"), "{why}");
    let why = w.chain.refused(
        &mut w.police,
        "tips.erase",
        json!({"tip": tip, "reason": "retention_expired"}),
    );
    assert!(why.contains("after this block"), "{why}");
    let why = w.chain.refused(
        &mut w.ngo,
        "tips.erase",
        json!({"tip": tip, "reason": "retention_expired"}),
    );
    assert!(
        why.contains("after this block"),
        "the intake too waits for retention: {why}"
    );
    let why = w.chain.refused(
        &mut w.ngo,
        "tips.erase",
        json!({"tip": "t-0000000000000000000a", "reason": "intake_request", "actor": "u-1"}),
    );
    assert!(why.contains("does not exist"), "{why}");

    w.chain.ok(&w.ngo.tx(
        "tips.erase",
        json!({"tip": tip, "reason": "intake_request", "actor": "u-intake01"}),
    ));
    let why = w.chain.refused(
        &mut w.ngo,
        "tips.erase",
        json!({"tip": tip, "reason": "intake_request", "actor": "u-intake01"}),
    );
    assert!(why.contains("already erased"), "{why}");
    let (_, reply) = ngo_reply(&w, &tip, "hello?");
    let why = w.chain.refused(&mut w.ngo, "tips.message", reply);
    assert!(why.contains("was erased"), "{why}");
    let why = w.chain.refused(
        &mut w.ngo,
        "tips.triage",
        json!({"tip": tip, "priority": "low", "category": "other", "closed": true, "actor": "u-intake01"}),
    );
    assert!(why.contains("was erased"), "{why}");
    assert!(
        holdings::due_for_erasure(&reader(&w.chain), u64::MAX)
            .expect("due")
            .is_empty(),
        "an erased tip has no retention left"
    );
}

#[test]
fn retention_runs_from_the_last_activity_and_then_anyone_may_erase() {
    let mut w = world();
    let (tip, commitments) = tip_with_reply(&mut w, Some(2));
    let (forever, _) = tip_with_reply(&mut w, None);
    let due =
        |w: &World| holdings::due_for_erasure(&reader(&w.chain), w.chain.time_ms).expect("due");
    assert!(due(&w).is_empty());
    // A day and a half on, the reporter writes again: retention starts over.
    w.chain.time_ms += DAY_MS + DAY_MS / 2;
    let (_, more) = ngo_reply(&w, &tip, "still there?");
    w.chain.ok(&w.ngo.tx("tips.message", more));
    let renewed = w.chain.time_ms + 2 * DAY_MS;
    w.chain.time_ms += DAY_MS;
    assert!(
        due(&w).is_empty(),
        "two days from the first message have passed, not from the last"
    );
    let why = w.chain.refused(
        &mut w.police,
        "tips.erase",
        json!({"tip": tip, "reason": "retention_expired"}),
    );
    assert!(why.contains("after this block"), "{why}");

    w.chain.time_ms = renewed;
    let listed = due(&w);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (
            listed[0].tip.as_str(),
            listed[0].intake.as_str(),
            listed[0].expires_ms
        ),
        (tip.as_str(), "ngo", renewed)
    );
    // Another member may erase it once it is due (its node steps in if the intake's is gone).
    w.chain.ok(&w.police.tx(
        "tips.erase",
        json!({"tip": tip, "reason": "retention_expired"}),
    ));
    let r = reader(&w.chain);
    let erasure = unchain_tips::tip(&r, &tip)
        .expect("read")
        .expect("tip")
        .tip
        .erased
        .expect("erased");
    assert_eq!(
        (erasure.by.as_str(), erasure.reason),
        ("police", unchain_tips::EraseReason::RetentionExpired)
    );
    assert_eq!(
        holdings::erased(&r, b"").expect("erased")[0]
            .1
            .commitments
            .len(),
        commitments.len() + 1
    );
    // A tip kept until its intake erases it is never due, and nobody else may erase it.
    w.chain.time_ms += 200 * 365 * DAY_MS;
    assert!(due(&w).is_empty());
    let why = w.chain.refused(
        &mut w.police,
        "tips.erase",
        json!({"tip": forever, "reason": "retention_expired"}),
    );
    assert!(why.contains("no retention period"), "{why}");
}

#[test]
fn bad_erasures_and_retentions_name_the_field() {
    use unchain_tips::body::parse;
    let tip = "t-0123456789abcdef0123";
    for (kind, body, field) in [
        (
            "tips.erase",
            json!({"tip": tip, "reason": "intake_request"}),
            "actor",
        ),
        (
            "tips.erase",
            json!({"tip": tip, "reason": "because"}),
            "reason",
        ),
        (
            "tips.erase",
            json!({"tip": "t-1", "reason": "retention_expired"}),
            "tip",
        ),
        (
            "tips.erase",
            json!({"tip": tip, "reason": "retention_expired", "actor": "x y"}),
            "actor",
        ),
        (
            "tips.erase",
            json!({"tip": tip, "reason": "retention_expired", "why": 1}),
            "why",
        ),
    ] {
        let e = parse(kind, &body).expect_err(&body.to_string());
        assert!(e.to_string().contains(field), "{body}: {e}");
    }
    let mut w = world();
    for days in [0u64, 36_501, 1 << 40] {
        let new = new_report(&w);
        let mut body = new.body;
        body["retention_days"] = days.into();
        let e = parse("tips.receive", &body).expect_err("retention");
        assert!(e.to_string().contains("retention_days"), "{days}: {e}");
        let why = w.chain.refused(&mut w.ngo, "tips.receive", body);
        assert!(why.contains("retention_days"), "{why}");
    }
}
