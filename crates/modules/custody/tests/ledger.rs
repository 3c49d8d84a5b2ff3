//! The custody module on a real ledger: every way to break a chain of custody is refused
//! with its reason and writes nothing; a chain from collection to court becomes a bundle
//! that verifies offline, and any tampering with it names the event.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_custody::bundle::{self, CustodyBundle, NamedKey, carried_validators};
use unchain_custody::rules::Status;
use unchain_custody::{CustodyModule, item, report};
use unchain_ledger::Role;
use unchain_testkit::{Chain, GENESIS_TIME_MS, Org};
use unchain_types::{Hash32, TxId};

const CHAIN: &str = "custody-test";

fn orgs() -> (Org, Org, Org) {
    (
        Org::new(CHAIN, 1, "th-police", &[Role::Governance, Role::Custody]),
        Org::new(CHAIN, 2, "my-police", &[Role::Custody]),
        Org::new(CHAIN, 3, "ngo-notary", &[Role::Notary]),
    )
}

fn chain(dir: &std::path::Path, orgs: &[&Org]) -> Chain {
    Chain::new(dir, orgs, |_| vec![Arc::new(CustodyModule)])
}

/// A body for an event on `item` after `prev`, by `actor`, at minute `minute`.
fn ev(item: &Hash32, prev: Option<TxId>, actor: &str, minute: u64, extra: Value) -> Value {
    let mut b = json!({
        "item": item.to_hex(),
        "actor": actor,
        // Events happened in the week before they are recorded.
        "at_ms": GENESIS_TIME_MS - 7 * 86_400_000 + minute * 60_000,
        "location": "Evidence room 3, Bangkok",
        "reason": "seized under warrant 2026/118",
    });
    if let Some(p) = prev {
        b["prev"] = json!(p.to_string());
    }
    for (k, v) in extra.as_object().expect("object") {
        b[k] = v.clone();
    }
    b
}

fn collect_body(item: &Hash32, actor: &str) -> Value {
    ev(
        item,
        None,
        actor,
        0,
        json!({
            "case": "TH-2026-0042",
            "evidence": "digital",
            "content_hash": Hash32::digest(b"phone image").to_hex(),
            "description": "Android phone, black, cracked screen",
        }),
    )
}

/// Every custody key in state: what a refused event must leave untouched.
fn snapshot(c: &Chain) -> Vec<(Vec<u8>, Vec<u8>)> {
    c.ledger
        .state_reader()
        .expect("reader")
        .scan_prefix(b"custody/")
        .expect("scan")
}

#[test]
fn every_broken_chain_is_refused_with_its_reason_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut police, mut other, mut ngo) = orgs();
    let mut c = chain(dir.path(), &[&police, &other, &ngo]);
    let id = Hash32::digest(b"item 1");

    let refuse = |c: &mut Chain, org: &mut Org, kind: &str, body: Value, want: &str| {
        let before = snapshot(c);
        let why = c.refused(org, kind, body);
        assert!(why.contains(want), "{kind}: want {want:?} in {why:?}");
        assert_eq!(snapshot(c), before, "{kind} refused but wrote state");
    };

    refuse(
        &mut c,
        &mut police,
        "custody.analyse",
        ev(&id, Some(TxId(id)), "u-1", 1, json!({"method": "x"})),
        "has no custody record: its first event must be custody.collect",
    );
    refuse(
        &mut c,
        &mut ngo,
        "custody.collect",
        collect_body(&id, "u-1"),
        "role",
    );
    let collected = c.ok(&police.tx("custody.collect", collect_body(&id, "u-1")));
    refuse(
        &mut c,
        &mut other,
        "custody.collect",
        collect_body(&id, "u-9"),
        "was already collected by th-police (user u-1)",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.receive",
        ev(&id, Some(collected), "u-1", 1, json!({})),
        "has no pending hand-over",
    );
    refuse(
        &mut c,
        &mut other,
        "custody.transfer",
        ev(&id, Some(collected), "u-9", 1, json!({"to": "my-police"})),
        "my-police does not hold item",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.seal",
        ev(&id, Some(collected), "u-2", 1, json!({"seal_number": "A1"})),
        "user u-2 of th-police does not hold item",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.seal",
        ev(&id, Some(TxId(id)), "u-1", 1, json!({"seal_number": "A1"})),
        "an event is missing or out of order",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.transfer",
        ev(&id, Some(collected), "u-1", 1, json!({"to": "nobody-here"})),
        "to: nobody-here is not a member",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.transfer",
        ev(&id, Some(collected), "u-1", 1, json!({"to": "th-police"})),
        "to_actor is required for a hand-over inside one organisation",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.transfer",
        ev(
            &id,
            Some(collected),
            "u-1",
            1,
            json!({"to": "th-police", "to_actor": "u-1"}),
        ),
        "already holds item",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.seal",
        ev(
            &id,
            Some(collected),
            "u-1",
            60 * 24 * 8,
            json!({"seal_number": "A1"}),
        ),
        "more than 5 minutes after the block's time",
    );
    let sealed = c.ok(&police.tx(
        "custody.seal",
        ev(
            &id,
            Some(collected),
            "u-1",
            10,
            json!({"seal_number": "A1"}),
        ),
    ));
    refuse(
        &mut c,
        &mut police,
        "custody.analyse",
        ev(&id, Some(sealed), "u-1", 5, json!({"method": "x"})),
        "is before the item's previous event",
    );

    // A hand-over in progress: the giver still answers for it, nobody else may act.
    let transfer = c.ok(&police.tx(
        "custody.transfer",
        ev(
            &id,
            Some(sealed),
            "u-1",
            20,
            json!({"to": "my-police", "to_actor": "u-7"}),
        ),
    ));
    assert_eq!(
        unchain_custody::waiting(&c.ledger.state_reader().expect("reader"), "my-police")
            .expect("waiting")
            .len(),
        1
    );
    refuse(
        &mut c,
        &mut police,
        "custody.transfer",
        ev(&id, Some(transfer), "u-1", 21, json!({"to": "ngo-notary"})),
        "only receive or cancel are possible",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.analyse",
        ev(&id, Some(transfer), "u-1", 21, json!({"method": "x"})),
        "only receive or cancel are possible",
    );
    refuse(
        &mut c,
        &mut police,
        "custody.receive",
        ev(&id, Some(transfer), "u-1", 21, json!({})),
        "only the receiver signs its receipt",
    );
    refuse(
        &mut c,
        &mut other,
        "custody.receive",
        ev(&id, Some(transfer), "u-8", 21, json!({})),
        "not user u-8",
    );
    let received = c.ok(&other.tx(
        "custody.receive",
        ev(&id, Some(transfer), "u-7", 30, json!({})),
    ));
    refuse(
        &mut c,
        &mut police,
        "custody.analyse",
        ev(&id, Some(received), "u-1", 31, json!({"method": "x"})),
        "th-police does not hold item",
    );
    let destroyed = c.ok(&other.tx(
        "custody.destroy",
        ev(
            &id,
            Some(received),
            "u-7",
            40,
            json!({"method": "shredded"}),
        ),
    ));
    for (kind, extra) in [
        ("custody.analyse", json!({"method": "x"})),
        ("custody.transfer", json!({"to": "th-police"})),
        ("custody.return", json!({"returned_to": "the owner"})),
    ] {
        refuse(
            &mut c,
            &mut other,
            kind,
            ev(&id, Some(destroyed), "u-7", 41, extra),
            "nothing can happen to it after destruction",
        );
    }
    let state = item(&c.ledger.state_reader().expect("reader"), &id)
        .expect("read")
        .expect("item");
    assert_eq!(state.status, Status::Destroyed);
    assert_eq!(state.events, 5);
    assert!(
        unchain_custody::waiting(&c.ledger.state_reader().expect("reader"), "my-police")
            .expect("waiting")
            .is_empty()
    );
}

#[test]
fn a_cancelled_hand_over_leaves_the_item_with_the_giver_and_a_returned_item_is_final() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut police, mut other, mut ngo) = orgs();
    let mut c = chain(dir.path(), &[&police, &other, &ngo]);
    let id = Hash32::digest(b"item 2");
    let collected = c.ok(&police.tx("custody.collect", collect_body(&id, "u-1")));
    let transfer = c.ok(&police.tx(
        "custody.transfer",
        ev(&id, Some(collected), "u-1", 1, json!({"to": "my-police"})),
    ));
    let why = c.refused(
        &mut ngo,
        "custody.cancel",
        ev(&id, Some(transfer), "u-3", 2, json!({})),
    );
    assert!(why.contains("role"), "{why}");
    let cancelled = c.ok(&other.tx(
        "custody.cancel",
        ev(&id, Some(transfer), "u-4", 2, json!({})),
    ));
    let state = item(&c.ledger.state_reader().expect("reader"), &id)
        .expect("read")
        .expect("item");
    assert_eq!(
        (state.status, state.holder.member.as_str()),
        (Status::Held, "th-police")
    );
    let returned = c.ok(&police.tx(
        "custody.return",
        ev(
            &id,
            Some(cancelled),
            "u-1",
            3,
            json!({"returned_to": "the owner"}),
        ),
    ));
    let why = c.refused(
        &mut police,
        "custody.seal",
        ev(&id, Some(returned), "u-1", 4, json!({"seal_number": "B"})),
    );
    assert!(why.contains("was returned to its owner"), "{why}");
}

/// Collection to court across two agencies; returns the chain and the item.
fn collection_to_court(dir: &std::path::Path) -> (Chain, Hash32) {
    let (mut police, mut other, ngo) = orgs();
    let mut c = chain(dir, &[&police, &other, &ngo]);
    let id = Hash32::digest(b"seized phone");
    let e1 = c.ok(&police.tx("custody.collect", collect_body(&id, "u-1")));
    let e2 = c.ok(&police.tx(
        "custody.seal",
        ev(
            &id,
            Some(e1),
            "u-1",
            5,
            json!({"seal_number": "TH-EV-000117"}),
        ),
    ));
    let e3 = c.ok(&police.tx(
        "custody.transfer",
        ev(&id, Some(e2), "u-1", 60, json!({"to": "my-police"})),
    ));
    let e4 = c.ok(&other.tx("custody.receive", ev(&id, Some(e3), "u-7", 65, json!({}))));
    let e5 = c.ok(&other.tx(
        "custody.analyse",
        ev(
            &id,
            Some(e4),
            "u-7",
            120,
            json!({"method": "logical extraction <Cellebrite>", "result_hash": Hash32::digest(b"report").to_hex()}),
        ),
    ));
    c.ok(&other.tx(
        "custody.present",
        ev(
            &id,
            Some(e5),
            "u-7",
            240,
            json!({"court": "Criminal Court, Bangkok", "proceeding": "Case 2026/771"}),
        ),
    ));
    (c, id)
}

fn build(c: &Chain, id: &Hash32) -> CustodyBundle {
    let (note, size) = c.checkpoint();
    bundle::build(&c.ledger, id, note, size)
        .expect("build")
        .expect("item exists")
}

fn check(b: &CustodyBundle) -> Result<bundle::VerifiedCustody, String> {
    bundle::verify(b, &carried_validators(b), 1, &b.members).map_err(|e| e.to_string())
}

#[test]
fn a_custody_bundle_verifies_offline_and_every_tampering_names_the_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, id) = collection_to_court(dir.path());
    let good = build(&c, &id);
    // Through JSON, as it travels to a court.
    let good: CustodyBundle =
        serde_json::from_str(&serde_json::to_string(&good).expect("json")).expect("parse");
    let v = check(&good).expect("the untouched bundle verifies");
    assert_eq!(v.events.len(), 6);
    assert_eq!(v.state().holder.member, "my-police");

    let html = report::html(&v);
    for want in [
        "presented in court",
        "handed over",
        "received",
        "TH-EV-000117",
        "logical extraction &lt;Cellebrite&gt;",
        "Criminal Court, Bangkok",
    ] {
        assert!(html.contains(want), "report lacks {want:?}");
    }
    assert!(!html.contains("<Cellebrite>"), "text is escaped");

    let tamper = |f: &dyn Fn(&mut CustodyBundle)| {
        let mut b = good.clone();
        f(&mut b);
        check(&b).expect_err("a tampered bundle must not verify")
    };
    // Altering an event: the location of the hand-over.
    let err = tamper(&|b| {
        b.events[2].entry.leaf = b.events[2]
            .entry
            .leaf
            .replace("Evidence room 3", "Evidence room 4");
    });
    assert!(
        err.starts_with("event 3 (custody.transfer") && err.contains("signature does not verify"),
        "{err}"
    );
    // Dropping one: the transfer.
    let err = tamper(&|b| {
        b.events.remove(2);
    });
    assert!(
        err.starts_with("event 3 (custody.receive")
            && err.contains("an event is missing or out of order"),
        "{err}"
    );
    // Reordering two: analysis before receipt.
    let err = tamper(&|b| b.events.swap(3, 4));
    assert!(err.starts_with("event 4 (custody.analyse"), "{err}");
    // An event's leaf index moved: its proof no longer leads to the root.
    let err = tamper(&|b| b.events[1].entry.leaf_index += 1);
    assert!(
        err.starts_with("event 2 (custody.seal") && err.contains("not in the log"),
        "{err}"
    );
    // A forged proof hash.
    let err = tamper(&|b| b.events[5].entry.proof[0] = Hash32::digest(b"forged"));
    assert!(
        err.starts_with("event 6 (custody.present") && err.contains("not in the log"),
        "{err}"
    );
    // An event signed by a key that is not the member's.
    let err = tamper(&|b| {
        b.members = vec![NamedKey {
            name: "th-police".into(),
            key: b.members[0].key,
        }]
    });
    assert!(
        err.starts_with("event 4 (custody.receive") && err.contains("not a known member key"),
        "{err}"
    );
    // The checkpoint: a changed root, or signed by a key the verifier does not trust.
    let err = tamper(&|b| b.envelope.checkpoint = b.envelope.checkpoint.replacen('\n', "\n1\n", 1));
    assert!(err.starts_with("checkpoint"), "{err}");
    let mut b = good.clone();
    b.envelope.validators[0].key = unchain_types::SigningKey::from_seed([9; 32]).public_key();
    let err = check(&b).expect_err("untrusted checkpoint signer");
    assert!(err.starts_with("checkpoint"), "{err}");
    // An event of another item spliced in.
    let err = tamper(&|b| b.item = Hash32::digest(b"other"));
    assert!(
        err.starts_with("event 1 (custody.collect") && err.contains("is about item"),
        "{err}"
    );
}

#[test]
fn a_bundle_that_leaves_out_a_later_event_is_refused_by_the_proven_event_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, id) = collection_to_court(dir.path());
    let good = build(&c, &id);
    let v = check(&good).expect("the untouched bundle verifies");
    let head = c.ledger.head().expect("head");
    assert_eq!(v.complete_at, Some(head.height));
    assert!(
        report::completeness(&v).contains("all of the item's events"),
        "{}",
        report::completeness(&v)
    );

    let refused = |f: &dyn Fn(&mut CustodyBundle), why: &str| {
        let mut b = good.clone();
        f(&mut b);
        let err = check(&b).expect_err(why);
        assert!(err.contains(why), "expected `{why}`: {err}");
    };
    // The last event (presented in court) left out: every event left verifies as a chain,
    // but the item's proven state counts six and ends at the presentation.
    refused(
        &|b| {
            b.events.pop();
        },
        "says the item has 6 events",
    );
    // The proof itself dropped, or swapped for the proof of another key.
    refused(
        &|b| b.completeness = None,
        "carries no proof of the item's state",
    );
    refused(
        &|b| {
            let other = c
                .ledger
                .state_proofs_at(
                    head.height,
                    &[format!("custody/item/{}", Hash32::digest(b"x"))],
                )
                .expect("proof")
                .remove(0);
            b.completeness = Some(other);
        },
        "not of the item's state",
    );
    // The item's state rewritten to count five events.
    refused(
        &|b| {
            let p = b.completeness.as_mut().expect("proof");
            let Some(unchain_bundle::state::StateValue::Utf8(text)) = p.value.as_mut() else {
                panic!("item state is JSON")
            };
            *text = text.replace("\"events\":6", "\"events\":5");
        },
        "does not commit to this value",
    );
}
