//! Every GS1 example document in the EPCIS 2.0 repository's JSON set is captured on a real
//! ledger and read back, event by event, equal in content to what was sent, found by its
//! CBV 2.0 hash and, where the document declares one, by its `eventID`.
//!
//! Each document goes to a ledger of its own: GS1's examples reuse declared eventIDs for
//! different events across documents, which one ledger refuses (an eventID names one
//! event); the last test shows it does, on GS1's own data.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unchain_epcis::document;
use unchain_epcis::hash::{event_hash, namespaces};
use unchain_ledger::Role;
use unchain_supply::SupplyModule;
use unchain_supply::client::capture_body;
use unchain_supply::state;
use unchain_testkit::{Chain, Org};

fn examples() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs =
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../epcis/tests/vectors/JSON")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("GS1's examples") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonld") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_gs1_example_is_captured_and_read_back_equal() {
    let files = examples();
    assert!(
        files.len() >= 40,
        "GS1's examples are in place: {}",
        files.len()
    );
    let mut events = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let doc = document::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if doc.events.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().expect("tmp");
        let mut org = Org::new(
            "gs1-examples",
            1,
            "importer",
            &[Role::Governance, Role::Supply],
        );
        let mut chain = Chain::new(dir.path(), &[&org], |_| vec![Arc::new(SupplyModule)]);
        let raw: Vec<Value> = doc
            .events
            .iter()
            .map(|e| Value::Object(e.raw.clone()))
            .collect();
        let tx = org.tx("supply.capture", capture_body(&raw, &doc.context));
        let out = chain.apply(&[&tx]);
        assert_eq!(out[0], None, "{} is captured", path.display());
        let ns = namespaces(&doc.context);
        let reader = chain.ledger.state_reader().expect("state");
        for (e, sent) in doc.events.iter().zip(&raw) {
            let hash = event_hash(e, &ns);
            let got = state::event(&reader, &hash)
                .expect("read")
                .unwrap_or_else(|| panic!("{}: {hash} is stored", path.display()));
            assert_eq!(&got.event, sent, "{}: read back as sent", path.display());
            if let Some(id) = &e.event_id {
                let by_id = state::event(&reader, id)
                    .expect("read")
                    .expect("found by eventID");
                assert_eq!(by_id.hash, hash);
            }
            events += 1;
        }
    }
    assert!(events >= 50, "{events} events");
}

#[test]
fn one_ledger_refuses_gs1s_reuse_of_a_declared_event_id_for_another_event() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut org = Org::new(
        "gs1-examples",
        1,
        "importer",
        &[Role::Governance, Role::Supply],
    );
    let mut chain = Chain::new(dir.path(), &[&org], |_| vec![Arc::new(SupplyModule)]);
    let mut refused = Vec::new();
    for path in examples() {
        let doc = document::parse(&std::fs::read(&path).expect("read")).expect("valid");
        if doc.events.is_empty() {
            continue;
        }
        let raw: Vec<Value> = doc
            .events
            .iter()
            .map(|e| Value::Object(e.raw.clone()))
            .collect();
        let tx = org.tx("supply.capture", capture_body(&raw, &doc.context));
        if let Some(why) = chain.apply(&[&tx])[0].clone() {
            assert!(
                why.contains("already names another event"),
                "{}: {why}",
                path.display()
            );
            refused.push(path);
        }
    }
    assert!(
        !refused.is_empty(),
        "GS1's examples reuse declared eventIDs across documents"
    );
}
