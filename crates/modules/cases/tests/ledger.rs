//! The cases module on a real ledger with the vault: every illegal transition of every
//! workflow is refused with its reason and writes nothing; closing needs an outcome; a
//! referral needs a grant; only the owner changes a case.

use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use unchain_cases::workflow::{self, CaseKind, Needs};
use unchain_cases::{CasesModule, case, referrals};
use unchain_ledger::Role;
use unchain_seal::ContentKey;
use unchain_testkit::{Chain, Org};
use unchain_types::Hash32;
use unchain_vault::VaultModule;

const CHAIN: &str = "cases-test";
const KINDS: [CaseKind; 4] = [
    CaseKind::Allegation,
    CaseKind::Investigation,
    CaseKind::Rescue,
    CaseKind::Case,
];

fn orgs() -> (Org, Org, Org) {
    let roles = [Role::Governance, Role::Records, Role::Cases];
    (
        Org::new(CHAIN, 1, "th-dsi", &roles),
        Org::new(CHAIN, 2, "my-police", &roles),
        Org::new(CHAIN, 3, "th-ngo", &[Role::Records]),
    )
}

fn chain(dir: &std::path::Path, orgs: &[&Org]) -> Chain {
    Chain::new(dir, orgs, |g| {
        vec![Arc::new(VaultModule::new(g)), Arc::new(CasesModule)]
    })
}

/// Seals a case record owned by `org`; returns its id and content key.
fn seal(c: &mut Chain, org: &mut Org, seed: &str) -> (Hash32, ContentKey) {
    c.seal(
        org,
        seed,
        "htcds.case",
        br#"{"case":{"cas_Status":"Active"}}"#,
    )
}

fn grant(c: &mut Chain, owner: &mut Org, to: &Org, id: &Hash32) {
    c.grant(owner, to, id)
}

fn snapshot(c: &Chain) -> Vec<(Vec<u8>, Vec<u8>)> {
    c.ledger
        .state_reader()
        .expect("reader")
        .scan_prefix(b"cases/")
        .expect("scan")
}

fn refuse(c: &mut Chain, org: &mut Org, kind: &str, body: Value, want: &str) {
    let before = snapshot(c);
    let why = c.refused(org, kind, body);
    assert!(why.contains(want), "{kind}: want {want:?} in {why:?}");
    assert_eq!(snapshot(c), before, "{kind} refused but wrote state");
}

fn status(c: &Chain, id: &str) -> String {
    case(&c.ledger.state_reader().expect("reader"), id)
        .expect("read")
        .expect("case")
        .case
        .status
}

/// The shortest path of transitions from `kind`'s initial status to `to`.
fn path(kind: CaseKind, to: &str) -> Vec<(String, String)> {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([kind.initial().to_owned()]);
    while let Some(s) = queue.pop_front() {
        for t in kind.statuses() {
            if workflow::transition(kind, &s, t).is_ok()
                && *t != kind.initial()
                && !prev.contains_key(*t)
            {
                prev.insert(t.to_string(), s.clone());
                queue.push_back(t.to_string());
            }
        }
    }
    let mut out = Vec::new();
    let mut at = to.to_owned();
    while at != kind.initial() {
        let from = prev[&at].clone();
        out.push((from.clone(), at));
        at = from;
    }
    out.reverse();
    out
}

fn transition_body(id: &str, kind: CaseKind, from: &str, to: &str) -> Value {
    let mut b = json!({"case": id, "from": from, "to": to, "actor": "u-5"});
    if workflow::transition(kind, from, to) != Ok(Needs::Nothing) {
        b["outcome"] = json!(workflow::outcomes(kind)[0]);
    }
    b
}

#[test]
fn every_illegal_transition_of_every_workflow_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut dsi, police, ngo) = orgs();
    let mut c = chain(dir.path(), &[&dsi, &police, &ngo]);
    let (record, _) = seal(&mut c, &mut dsi, "case record");
    grant(&mut c, &mut dsi, &police, &record);
    let mut n = 0;
    let mut refused = 0;
    for kind in KINDS {
        for &at in kind.statuses() {
            // A fresh case of `kind`, walked to `at`.
            n += 1;
            let id = format!("TH-{n:04}");
            c.ok(&dsi.tx(
                "cases.open",
                json!({"case": id, "kind": kind, "record": record.to_hex(), "actor": "u-5"}),
            ));
            for (from, to) in path(kind, at) {
                if to == "ClosedReferred" {
                    c.ok(&dsi.tx(
                        "cases.refer",
                        json!({"case": id, "to": "my-police", "reason": "MigrationOrChangeOfLocation", "actor": "u-5"}),
                    ));
                }
                c.ok(&dsi.tx("cases.transition", transition_body(&id, kind, &from, &to)));
            }
            assert_eq!(status(&c, &id), at);
            for &to in kind.statuses().iter().chain(&["Bogus"]) {
                if workflow::transition(kind, at, to).is_ok() {
                    continue;
                }
                refuse(
                    &mut c,
                    &mut dsi,
                    "cases.transition",
                    json!({"case": id, "from": at, "to": to, "actor": "u-5", "outcome": workflow::outcomes(kind)[0]}),
                    &format!("{id} cannot go from {at} to {to}"),
                );
                refused += 1;
            }
        }
    }
    // Every status against every other and one unknown, less the table's own moves.
    assert_eq!(refused, 78, "illegal transitions tried");
}

#[test]
fn closing_needs_an_outcome_referral_needs_a_grant_and_only_the_owner_acts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut dsi, mut police, mut ngo) = orgs();
    let mut c = chain(dir.path(), &[&dsi, &police, &ngo]);
    let (record, _) = seal(&mut c, &mut dsi, "investigation record");
    let (theirs, _) = seal(&mut c, &mut police, "their record");
    let open = |id: &str, record: &Hash32| json!({"case": id, "kind": "investigation", "record": record.to_hex(), "actor": "u-5"});
    refuse(
        &mut c,
        &mut dsi,
        "cases.open",
        open("INV-1", &theirs),
        "belongs to my-police",
    );
    refuse(
        &mut c,
        &mut dsi,
        "cases.open",
        open("INV-1", &Hash32::digest(b"nothing")),
        "is not a sealed record on this chain",
    );
    refuse(
        &mut c,
        &mut ngo,
        "cases.open",
        open("INV-1", &record),
        "lacks the role",
    );
    c.ok(&dsi.tx("cases.open", open("INV-1", &record)));
    refuse(
        &mut c,
        &mut dsi,
        "cases.open",
        open("INV-1", &record),
        "INV-1 already exists",
    );
    refuse(
        &mut c,
        &mut police,
        "cases.transition",
        json!({"case": "INV-1", "from": "open", "to": "active", "actor": "u-9"}),
        "only its owner changes it",
    );
    c.ok(&dsi.tx(
        "cases.transition",
        json!({"case": "INV-1", "from": "open", "to": "active", "actor": "u-5"}),
    ));
    refuse(
        &mut c,
        &mut dsi,
        "cases.transition",
        json!({"case": "INV-1", "from": "open", "to": "active", "actor": "u-5"}),
        "it changed since you looked",
    );
    refuse(
        &mut c,
        &mut dsi,
        "cases.transition",
        json!({"case": "INV-1", "from": "active", "to": "closed", "actor": "u-5"}),
        "outcome: is required to move to closed",
    );
    refuse(
        &mut c,
        &mut dsi,
        "cases.transition",
        json!({"case": "INV-1", "from": "active", "to": "closed", "actor": "u-5", "outcome": "support_completed"}),
        "is not an outcome of kind investigation",
    );
    refuse(
        &mut c,
        &mut dsi,
        "cases.transition",
        json!({"case": "INV-1", "from": "active", "to": "suspended", "actor": "u-5", "outcome": "no_charges"}),
        "is not taken when moving to suspended",
    );
    let refer = json!({"case": "INV-1", "to": "my-police", "reason": "MigrationOrChangeOfLocation", "actor": "u-5"});
    refuse(
        &mut c,
        &mut dsi,
        "cases.refer",
        refer.clone(),
        "holds no grant of record",
    );
    let mut bad = refer.clone();
    bad["reason"] = json!("Because");
    refuse(
        &mut c,
        &mut dsi,
        "cases.refer",
        bad,
        "body.reason: \"Because\" is not an HTCDS referral reason",
    );
    grant(&mut c, &mut dsi, &police, &record);
    c.ok(&dsi.tx("cases.refer", refer));
    let inbox =
        referrals(&c.ledger.state_reader().expect("reader"), "my-police", b"").expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        (inbox[0].1.case.as_str(), inbox[0].1.from.as_str()),
        ("INV-1", "th-dsi")
    );
    assert!(
        referrals(&c.ledger.state_reader().expect("reader"), "th-ngo", b"")
            .expect("inbox")
            .is_empty()
    );
    c.ok(&dsi.tx(
        "cases.transition",
        json!({"case": "INV-1", "from": "active", "to": "closed", "actor": "u-5", "outcome": "charges_filed", "reason": "filed with the prosecutor"}),
    ));
    let view = case(&c.ledger.state_reader().expect("reader"), "INV-1")
        .expect("read")
        .expect("case");
    assert_eq!(view.case.outcome.as_deref(), Some("charges_filed"));
    assert_eq!(view.events.len(), 4);
    assert!(
        view.events
            .iter()
            .all(|e| e.actor == "u-5" && e.member == "th-dsi")
    );
}
