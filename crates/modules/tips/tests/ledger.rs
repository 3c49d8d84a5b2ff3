//! Tips on a real ledger: a report recorded, found again by its receipt code alone,
//! answered, followed up, triaged and turned into a case; every refusal the ledger makes;
//! the proof of receipt verified offline and each kind of tampering caught; and a scan of
//! what the ledger wrote for the report's words.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use unchain_tips::bundle::{self, ReceiptBundle};
use unchain_tips::client;
use unchain_tips::message::{self, REPORTER};
use unchain_tips::receipt::{ReceiptCode, ReceiptKeys};
use unchain_tips::report::Content;

mod common;

use common::*;

#[test]
fn a_tip_is_recorded_found_by_its_code_answered_triaged_and_converted() {
    let mut w = world();
    let at_ms = at(&w.chain);
    let new = client::new_tip(
        CHAIN,
        ("ngo", &w.ngo.enc.public_key()),
        "report",
        &report(),
        &[],
        at_ms,
    );
    let tx = w.ngo.tx("tips.receive", new.body.clone());
    w.chain.ok(&tx);

    // The reporter comes back with the words alone.
    let typed = new.code.phrase().to_uppercase();
    let keys = ReceiptKeys::derive(&ReceiptCode::parse(&typed).expect("code"), CHAIN, "ngo");
    let view = unchain_tips::by_locator(&reader(&w.chain), &keys.locator)
        .expect("read")
        .expect("found by the code");
    assert_eq!(view.tip.tip, new.tip);
    assert_eq!(view.tip.status, "new");
    let first = &view.messages[0];
    let opened = message::open(
        CHAIN,
        &new.tip,
        &first.msg,
        REPORTER,
        &first.keys.reporter,
        &keys.secret,
        &new.sealed.ciphertext,
    )
    .expect("the reporter opens the report");
    assert_eq!(opened.content, report());
    let agency = message::open(
        CHAIN,
        &new.tip,
        &first.msg,
        "ngo",
        &first.keys.intake,
        &w.ngo.enc,
        &new.sealed.ciphertext,
    )
    .expect("the intake opens it");
    assert_eq!(agency.content, report());
    assert!(
        message::open(
            CHAIN,
            &new.tip,
            &first.msg,
            "police",
            &first.keys.intake,
            &w.police.enc,
            &new.sealed.ciphertext
        )
        .is_err(),
        "another agency cannot"
    );
    let wrong = ReceiptKeys::derive(&ReceiptCode::generate(), CHAIN, "ngo");
    assert!(
        unchain_tips::by_locator(&reader(&w.chain), &wrong.locator)
            .expect("read")
            .is_none()
    );

    // The agency replies; the reporter reads it with the code's key.
    let (reply, body) = client::reply(
        CHAIN,
        &view.tip,
        &w.ngo.enc.public_key(),
        "Thank you. Is anyone under 18?",
        "u-intake01",
        at(&w.chain),
    );
    w.chain.ok(&w.ngo.tx("tips.message", body));
    let view = unchain_tips::tip(&reader(&w.chain), &new.tip)
        .expect("read")
        .expect("tip");
    let m = &view.messages[1];
    let read = message::open(
        CHAIN,
        &new.tip,
        &m.msg,
        REPORTER,
        &m.keys.reporter,
        &keys.secret,
        &reply.ciphertext,
    )
    .expect("reply opens with the code");
    assert_eq!(read.content["text"], "Thank you. Is anyone under 18?");
    assert!(
        message::open(
            CHAIN,
            &new.tip,
            &m.msg,
            REPORTER,
            &m.keys.reporter,
            &wrong.secret,
            &reply.ciphertext
        )
        .is_err(),
        "not with another code"
    );

    // The reporter adds information.
    let more = json!({"type": "followup", "text": "two of them are 15", "attachments": []});
    let (_, body) = client::followup(
        CHAIN,
        &view.tip,
        &w.ngo.enc.public_key(),
        &keys,
        &more,
        &[],
        at(&w.chain),
    );
    w.chain.ok(&w.ngo.tx("tips.message", body));

    // Triage, then a case.
    w.chain.ok(&w.ngo.tx(
        "tips.triage",
        json!({"tip": new.tip, "priority": "immediate", "category": "child_exploitation",
               "indicators": ["restriction_of_movement", "isolation"], "closed": false, "actor": "u-intake01"}),
    ));
    let refused = w.chain.refused(
        &mut w.ngo,
        "tips.convert",
        json!({"tip": new.tip, "case": "CASE-T1", "actor": "u-intake01"}),
    );
    assert!(refused.contains("does not exist"), "{refused}");
    let (record, _) = w.chain.seal(&mut w.ngo, "tip-case", "htcds.case", b"{}");
    w.chain.ok(&w.ngo.tx(
        "cases.open",
        json!({"case": "CASE-T1", "kind": "allegation", "record": record, "actor": "u-intake01"}),
    ));
    w.chain.ok(&w.ngo.tx(
        "tips.convert",
        json!({"tip": new.tip, "case": "CASE-T1", "actor": "u-intake01"}),
    ));
    let view = unchain_tips::tip(&reader(&w.chain), &new.tip)
        .expect("read")
        .expect("tip");
    assert_eq!(view.tip.status, "converted");
    assert_eq!(view.tip.case.as_deref(), Some("CASE-T1"));
    assert_eq!(view.messages.len(), 3);
    assert_eq!(
        view.tip.triage.as_ref().map(|t| t.priority.as_str()),
        Some("immediate")
    );
    let inbox = unchain_tips::inbox(&reader(&w.chain), "ngo").expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert!(
        unchain_tips::inbox(&reader(&w.chain), "police")
            .expect("inbox")
            .is_empty()
    );

    // Nothing the reporter wrote reached the ledger's file.
    let file = std::fs::read(w._dir.path().join("ledger.redb")).expect("ledger file");
    for needle in [
        SECRET_WORDS,
        "two of them are 15",
        "234 5678",
        "Samut Sakhon",
    ] {
        assert!(
            !file.windows(needle.len()).any(|x| x == needle.as_bytes()),
            "{needle:?} is in the ledger file"
        );
    }
}

#[test]
fn the_ledger_refuses_what_does_not_hold() {
    let mut w = world();
    let new = new_report(&w);
    w.chain.ok(&w.ngo.tx("tips.receive", new.body.clone()));

    let mut again = new.body.clone();
    again["tip"] = json!(message::new_tip_id());
    let r = w.chain.refused(&mut w.ngo, "tips.receive", again);
    assert!(r.contains("locator"), "{r}");
    let r = w
        .chain
        .refused(&mut w.ngo, "tips.receive", new.body.clone());
    assert!(r.contains("already exists"), "{r}");

    let late = client::new_tip(
        CHAIN,
        ("ngo", &w.ngo.enc.public_key()),
        "report",
        &report(),
        &[],
        at(&w.chain) - 20 * 60 * 1000,
    );
    let r = w.chain.refused(&mut w.ngo, "tips.receive", late.body);
    assert!(r.contains("15 minutes before"), "{r}");

    let view = unchain_tips::tip(&reader(&w.chain), &new.tip)
        .expect("read")
        .expect("tip");
    let (_, body) = client::reply(
        CHAIN,
        &view.tip,
        &w.police.enc.public_key(),
        "hello",
        "u-x",
        at(&w.chain),
    );
    let r = w.chain.refused(&mut w.police, "tips.message", body.clone());
    assert!(r.contains("handed to ngo"), "{r}");

    let mut anonymous = body.clone();
    anonymous["from"] = json!("reporter");
    let r = w.chain.refused(&mut w.ngo, "tips.message", anonymous);
    assert!(r.contains("receipt"), "{r}");
    let mut no_actor = body.clone();
    no_actor.as_object_mut().expect("obj").remove("actor");
    let r = w.chain.refused(&mut w.ngo, "tips.message", no_actor);
    assert!(r.contains("actor"), "{r}");

    for (field, value, expect) in [
        ("priority", json!("urgent"), "priority"),
        ("category", json!("spam"), "category"),
        (
            "indicators",
            json!(["deception", "deception"]),
            "indicators[1]",
        ),
        ("indicators", json!(["lying"]), "indicators[0]"),
    ] {
        let mut t = json!({"tip": new.tip, "priority": "high", "category": "forced_labour",
                           "indicators": [], "closed": false, "actor": "u-intake01"});
        t[field] = value;
        let r = w.chain.refused(&mut w.ngo, "tips.triage", t);
        assert!(r.contains(expect), "{field}: {r}");
    }
    let r = w.chain.refused(
        &mut w.police,
        "tips.triage",
        json!({"tip": new.tip, "priority": "high", "category": "forced_labour", "closed": true, "actor": "u-p"}),
    );
    assert!(r.contains("handed to ngo"), "{r}");

    let r = w.chain.refused(
        &mut w.ngo,
        "tips.convert",
        json!({"tip": new.tip, "case": "CASE-NONE", "actor": "u-intake01"}),
    );
    assert!(r.contains("open it first"), "{r}");
}

fn recorded(w: &mut World) -> (client::NewTip, ReceiptBundle) {
    let new = new_report(w);
    w.chain.ok(&w.ngo.tx("tips.receive", new.body.clone()));
    let view = unchain_tips::tip(&reader(&w.chain), &new.tip)
        .expect("read")
        .expect("tip");
    let more = json!({"type": "followup", "text": "they moved to pier 10", "attachments": []});
    let (_, body) = client::followup(
        CHAIN,
        &view.tip,
        &w.ngo.enc.public_key(),
        &new.keys,
        &more,
        &[],
        at(&w.chain),
    );
    w.chain.ok(&w.ngo.tx("tips.message", body));
    let (_, reply) = client::reply(
        CHAIN,
        &view.tip,
        &w.ngo.enc.public_key(),
        "noted",
        "u-a",
        at(&w.chain),
    );
    w.chain.ok(&w.ngo.tx("tips.message", reply));
    let view = unchain_tips::tip(&reader(&w.chain), &new.tip)
        .expect("read")
        .expect("tip");
    let contents: BTreeMap<String, Value> = [
        (view.messages[0].msg.clone(), report()),
        (view.messages[1].msg.clone(), more),
    ]
    .into();
    let (note, size) = w.chain.checkpoint();
    let b = bundle::build(
        &w.chain.ledger,
        &view,
        &contents,
        &new.keys.commit_key,
        note,
        size,
    )
    .expect("build");
    (new, b)
}

#[test]
fn a_proof_of_receipt_verifies_offline_and_tampering_fails() {
    let mut w = world();
    let (new, b) = recorded(&mut w);
    let validators = w.chain.ledger.checkpoint_verifiers();
    let receipt = bundle::verify(&b, &validators, 1).expect("verifies");
    assert_eq!(receipt.intake, "ngo");
    assert_eq!(receipt.tip, new.tip);
    assert_eq!(
        receipt.messages.len(),
        2,
        "the report and the follow-up, not the reply"
    );
    assert!(
        matches!(&receipt.messages[0].content, Content::Report(r) if r.description == SECRET_WORDS)
    );
    assert_eq!(receipt.messages[0].sealed, new.sealed.commitment);
    // Through JSON, as the reporter downloads it.
    let text = serde_json::to_string(&b).expect("json");
    let back: ReceiptBundle = serde_json::from_str(&text).expect("parse");
    bundle::verify(&back, &validators, 1).expect("verifies after a round trip");

    let fails = |b: &ReceiptBundle, expect: &str| {
        let err = bundle::verify(b, &validators, 1)
            .expect_err("tampered")
            .to_string();
        assert!(err.contains(expect), "expected {expect:?} in {err:?}");
    };
    let mut t = b.clone();
    t.entries[0].content["description"] = json!("nothing happened");
    fails(&t, "altered");
    let mut t = b.clone();
    t.entries[1].content["text"] = json!("they moved to pier 11");
    fails(&t, "altered");
    let mut t = b.clone();
    t.commit_key = hex::encode([7u8; 32]);
    fails(&t, "altered");
    let mut t = b.clone();
    t.entries[0].entry.leaf = t.entries[0]
        .entry
        .leaf
        .replace("\"form\":\"report\"", "\"form\":\"reports\"");
    fails(&t, "entry 1");
    let mut t = b.clone();
    t.entries.swap(0, 1);
    fails(&t, "entry 1");
    let mut t = b.clone();
    t.entries[1].entry.proof[0].0[0] ^= 1;
    fails(&t, "not in the log");
    let mut t = b.clone();
    t.intake.key = w.police.key.public_key();
    t.intake.name = "ngo".into();
    fails(&t, "not signed by ngo");
    let mut t = b.clone();
    t.tip = message::new_tip_id();
    fails(&t, "is about tip");
    let mut t = b.clone();
    t.envelope.checkpoint = t.envelope.checkpoint.replace('\u{2014}', "-");
    assert!(
        bundle::verify(&t, &validators, 1).is_err(),
        "checkpoint signature"
    );
    let strangers = [unchain_log::NamedKey {
        name: "ngo".into(),
        key: w.police.key.public_key(),
    }
    .verifier()];
    assert!(
        bundle::verify(&b, &strangers, 1).is_err(),
        "pinned keys differ"
    );
}
