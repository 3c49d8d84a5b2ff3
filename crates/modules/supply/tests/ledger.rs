//! The supply module on a real ledger, with a second validator that executes every block
//! beside the first and must reach the same state root: a five-tier apparel chain is
//! captured, an inspector's finding at a spinner flags exactly the lots made from its yarn,
//! whichever comes first, and a verified corrective action clears exactly those.

mod common;

use common::*;
use serde_json::{Value, json};
use unchain_supply::client::capture_body;
use unchain_supply::rules::Reach;
use unchain_supply::state::{self, Status};
use unchain_types::TxId;

/// The goods `finding` flags, with `true` for direct.
fn flagged(w: &World, finding: &TxId) -> Vec<(String, bool)> {
    let reader = w.chain.ledger.state_reader().expect("state");
    let mut out: Vec<(String, bool)> = state::reached(&reader, finding)
        .expect("read")
        .into_iter()
        .filter(|n| n.starts_with("https://"))
        .map(|n| {
            let traces = state::flags(&reader, &n).expect("read");
            let t = traces.iter().find(|t| t.finding == *finding).expect("flag");
            let last = t.path.last().expect("a path ends at the node");
            assert_eq!(last.node, n);
            (n, last.flag.reach == Reach::Direct)
        })
        .collect();
    out.sort();
    out
}

fn expected() -> Vec<(String, bool)> {
    let mut want = reached_from_spinner_1();
    want.sort();
    want
}

#[test]
fn a_finding_reaches_the_brands_lots_whether_it_comes_before_or_after_the_events() {
    // After: the chain is on the ledger when the inspector files.
    let mut w = world();
    capture(&mut w, &apparel_chain());
    let after = spinner_finding(&mut w);
    assert_eq!(flagged(&w, &after), expected());
    // Before: the finding waits at the facility; each event as captured carries it on.
    let mut v = world();
    let before = spinner_finding(&mut v);
    for e in apparel_chain() {
        capture(&mut v, &[e]);
    }
    assert_eq!(flagged(&v, &before), expected());
    let reader = v.chain.ledger.state_reader().expect("state");
    let record = state::finding(&reader, &before)
        .expect("read")
        .expect("finding");
    assert_eq!(
        record.flagged,
        state::reached(&reader, &before).expect("read").len() as u64
    );
    for n in not_reached_from_spinner_1() {
        assert!(state::flags(&reader, &n).expect("read").is_empty(), "{n}");
    }
    // The path to a retail lot starts at the yarn the spinner made.
    let traces = state::flags(&reader, &lot_node("retail", "R1")).expect("read");
    let path = &traces[0].path;
    assert_eq!(path[0].node, lot_node("yarn", "Y1"));
    assert!(path[0].flag.event.is_some(), "the event that made the yarn");
}

#[test]
fn only_the_facility_plans_only_the_author_verifies_and_verifying_clears_only_that_finding() {
    let mut w = world();
    capture(&mut w, &apparel_chain());
    let spin = spinner_finding(&mut w);
    let farm_tx = w.inspector.tx(
        "supply.finding",
        json!({
            "target": {"goods": lot("cotton", "C2")},
            "indicator": "debt_bondage",
            "severity": "critical",
            "description": "Pickers bound by recruitment debt",
            "evidence": {"hash": "cd".repeat(32)},
        }),
    );
    let farm = w.chain.ok(&farm_tx);
    let farm_reach = flagged(&w, &farm);
    assert!(farm_reach.contains(&(lot_node("retail", "R2"), true)));
    assert!(farm_reach.contains(&(pallet_node(1), false)));

    let plan = json!({"finding": spin.to_string(), "actions": "Passports returned; lockers installed", "due": "2026-06-30"});
    let verify = |ok: bool| json!({"finding": spin.to_string(), "verified": ok, "note": "Site visit: lockers in use"});
    // The author cannot verify what has no plan.
    let why = w
        .chain
        .refused(&mut w.inspector, "supply.verify", verify(true));
    assert!(why.contains("no corrective-action plan"), "{why}");
    // The brand does not answer for the spinner.
    let why = w.chain.refused(&mut w.brand, "supply.plan", plan.clone());
    assert!(why.contains("only the facility"), "{why}");
    let tx = w.spinner.tx("supply.plan", plan);
    w.chain.ok(&tx);
    // Only the author verifies.
    let why = w
        .chain
        .refused(&mut w.spinner, "supply.verify", verify(true));
    assert!(why.contains("only its author"), "{why}");
    // Not verified: nothing changes.
    let tx = w.inspector.tx("supply.verify", verify(false));
    w.chain.ok(&tx);
    assert_eq!(flagged(&w, &spin), expected());
    // Verified: the spinner's flags go, the farm's stay exactly as they were.
    let tx = w.inspector.tx("supply.verify", verify(true));
    w.chain.ok(&tx);
    assert!(flagged(&w, &spin).is_empty());
    assert_eq!(flagged(&w, &farm), farm_reach);
    let reader = w.chain.ledger.state_reader().expect("state");
    let record = state::finding(&reader, &spin)
        .expect("read")
        .expect("finding");
    assert_eq!(record.status, Status::Remediated);
    assert_eq!(
        record.cleared,
        expected().len() as u64 + 3,
        "goods and the three transformations"
    );
    drop(reader);
    let why = w
        .chain
        .refused(&mut w.inspector, "supply.verify", verify(true));
    assert!(why.contains("already remediated"), "{why}");
}

#[test]
fn an_event_captured_twice_is_one_event_and_a_declared_id_names_one_event() {
    let mut w = world();
    let events = apparel_chain();
    capture(&mut w, &events[..3]);
    capture(&mut w, &events[..3]);
    let reader = w.chain.ledger.state_reader().expect("state");
    assert_eq!(state::event_count(&reader).expect("read"), 3);
    drop(reader);
    let mut first = events[3].clone();
    first["eventID"] = json!("urn:uuid:6f0b8d4e-1c1b-4f39-9d0e-3a8f1c2b7e55");
    capture(&mut w, &[first.clone()]);
    let mut other = events[4].clone();
    other["eventID"] = first["eventID"].clone();
    let why = w.chain.refused(
        &mut w.brand,
        "supply.capture",
        capture_body(&[other], &Value::Null),
    );
    assert!(why.contains("already names another event"), "{why}");
    // The declared ID and the hash both find the event, kept as sent.
    let reader = w.chain.ledger.state_reader().expect("state");
    let by_id = state::event(&reader, "urn:uuid:6f0b8d4e-1c1b-4f39-9d0e-3a8f1c2b7e55")
        .expect("read")
        .expect("found by its declared id");
    assert_eq!(by_id.event, first);
    let by_hash = state::event(&reader, &by_id.hash)
        .expect("read")
        .expect("found by hash");
    assert_eq!(by_hash.seq, 4);
}

#[test]
fn bad_master_data_and_findings_are_refused_naming_the_field() {
    let mut w = world();
    let cases = [
        (
            "supply.facility",
            json!({"id": site(9), "name": "X", "country": "Thailand", "sector": "spinning"}),
            "body.country",
        ),
        (
            "supply.facility",
            json!({"id": lot("yarn", "Y1"), "name": "X", "country": "TH", "sector": "spinning"}),
            "body.id",
        ),
        (
            "supply.product",
            json!({"gtin": "04012345100011", "description": "Yarn"}),
            "wrong check digit",
        ),
        (
            "supply.finding",
            json!({"target": {"facility": site(9)}, "indicator": "deception", "severity": "low", "description": "x", "evidence": {"hash": "ab".repeat(32)}}),
            "not a registered facility",
        ),
        (
            "supply.finding",
            json!({"target": {"facility": site(GIN)}, "indicator": "slavery", "severity": "low", "description": "x", "evidence": {"hash": "ab".repeat(32)}}),
            "body.indicator",
        ),
        (
            "supply.capture",
            capture_body(
                &[json!({"type": "ObjectEvent", "eventTime": "yesterday"})],
                &Value::Null,
            ),
            "body.events[0]",
        ),
        (
            "supply.capture",
            json!({"events": ["{not json"]}),
            "body.events[0]: is not an event's JSON text",
        ),
    ];
    for (kind, body, want) in cases {
        let why = w.chain.refused(&mut w.inspector, kind, body);
        assert!(why.contains(want), "{kind}: {why} should name {want}");
    }
    // Another member cannot overwrite a facility.
    let why = w.chain.refused(
        &mut w.brand,
        "supply.facility",
        facility_body(SPINNER_1, "spinning", None),
    );
    assert!(why.contains("registered by spinner-co"), "{why}");
}
