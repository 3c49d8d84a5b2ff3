//! Every GS1 EPCIS 2.0 example document (`tests/vectors/JSON/`, from gs1/EPCIS) is read:
//! valid against the GS1 JSON Schema, every event of every type parsed, every identifier
//! canonical, and each event kept exactly as sent. Damaged copies are refused with the
//! pointer and the rule.

mod common;

use common::examples;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use unchain_epcis::document::{self, DocumentKind};
use unchain_epcis::event::{EventType, Identifier};

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

#[test]
fn every_gs1_example_document_is_read_whole() {
    let files = examples();
    assert!(files.len() >= 45, "only {} examples found", files.len());
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    let mut gs1_ids = 0;
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let json = read(path);
        let doc = document::parse_value(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        let list = match doc.kind {
            DocumentKind::Capture => json.pointer("/epcisBody/eventList"),
            DocumentKind::QueryResults => {
                json.pointer("/epcisBody/queryResults/resultsBody/eventList")
            }
        };
        let sent = list.and_then(Value::as_array).cloned().unwrap_or_default();
        assert_eq!(doc.events.len(), sent.len(), "{name}");
        for (event, original) in doc.events.iter().zip(&sent) {
            // Kept exactly as sent: every member, extensions included.
            assert_eq!(&Value::Object(event.raw.clone()), original, "{name}");
            *by_type.entry(event.event_type.as_str()).or_default() += 1;
            for id in event.identifiers() {
                if let Identifier::Gs1(g) = id {
                    gs1_ids += 1;
                    assert!(g.canonical().starts_with("https://id.gs1.org/"), "{name}");
                }
            }
        }
    }
    // All five event types occur in GS1's examples.
    for t in EventType::ALL {
        assert!(
            by_type.contains_key(t.as_str()),
            "no {} in {by_type:?}",
            t.as_str()
        );
    }
    assert!(gs1_ids > 50, "{gs1_ids} GS1 identifiers");
}

/// A change that breaks a document.
type Damage = Box<dyn Fn(&mut Value)>;

#[test]
fn damaged_documents_are_refused_with_the_pointer_and_the_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/JSON");
    let good = read(&dir.join("Example_9.6.1-ObjectEvent.jsonld"));
    let cases: Vec<(&str, Damage, &str, &str)> = vec![
        (
            "an unknown event type",
            Box::new(|v| v["epcisBody"]["eventList"][0]["type"] = "ShipEvent".into()),
            "/epcisBody/eventList/0",
            "",
        ),
        (
            "an action outside the vocabulary",
            Box::new(|v| v["epcisBody"]["eventList"][0]["action"] = "MOVE".into()),
            "/epcisBody/eventList/0/action",
            "",
        ),
        (
            "a wrong check digit the schema cannot see",
            Box::new(|v| {
                v["epcisBody"]["eventList"][0]["readPoint"]["id"] =
                    "https://id.gs1.org/414/0614141000007".into()
            }),
            "/epcisBody/eventList/0/readPoint/id",
            "check digit",
        ),
        (
            "no schema version",
            Box::new(|v| {
                v.as_object_mut().expect("object").remove("schemaVersion");
            }),
            "",
            "schemaVersion",
        ),
    ];
    for (what, damage, pointer, rule) in cases {
        let mut v = good.clone();
        damage(&mut v);
        let e = document::parse_value(&v).expect_err(what);
        assert!(e.pointer.starts_with(pointer), "{what}: {e}");
        assert!(e.rule.contains(rule), "{what}: {e}");
    }
    let e = document::parse(b"{\"type\": ").expect_err("truncated");
    assert!(e.rule.contains("not JSON (line 1"), "{e}");
}

#[test]
fn the_json_spelling_of_gs1s_event_hash_test_event_needs_its_cbv_urns_modernised() {
    // GS1's WithEventHashID set writes one event seven ways; the JSON-LD one carries every
    // optional field (sensor data, ILMD, extensions at three levels) but spells its CBV
    // values as 1.x URNs (`urn:epcglobal:cbv:bizstep:receiving`), which GS1's own JSON
    // Schema refuses: in JSON-LD they are bare words or 2.0 web URIs. Capture follows the
    // schema and says where; with the values written as 2.0 allows, the event reads.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/WithEventHashID/event_with_identical_hash_id_7.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let e = document::parse_value(&v).expect_err("1.x URNs in JSON-LD");
    assert_eq!(e.pointer, "/epcisBody/eventList/0/bizStep", "{e}");
    let modern = text
        .replace(
            "urn:epcglobal:cbv:bizstep:",
            "https://ref.gs1.org/cbv/BizStep-",
        )
        .replace("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-")
        .replace("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-")
        .replace("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-");
    let doc = document::parse_value(&serde_json::from_str(&modern).expect("JSON"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.events.len(), 1);
    let ids: Vec<String> = doc.events[0]
        .identifiers()
        .map(Identifier::canonical)
        .collect();
    for expected in [
        "https://id.gs1.org/01/10614141073464/21/2016",
        "https://id.gs1.org/01/04012345123456/10/998877",
        "https://id.gs1.org/414/0012345111112/254/400",
        "https://id.gs1.org/414/0012345111112",
    ] {
        assert!(
            ids.iter().any(|i| i == expected),
            "{expected} not in {ids:?}"
        );
    }
}
