//! `unchain supply check FILE`: a supplier checks an EPCIS 2.0 document offline before
//! sending it. GS1's own example reads, with its identifiers in canonical form; a copy with
//! a wrong check digit is refused naming the JSON pointer and the rule.

mod common;

use common::bin;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../epcis/tests/vectors/JSON")
        .join(name)
}

fn check(file: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(bin())
        .args(["--log", "warn", "supply", "check"])
        .arg(file)
        .output()
        .expect("run unchain supply check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_gs1_example_is_valid_and_names_its_objects_canonically() {
    let (ok, out, err) = check(&example("Example_9.6.4-TransformationEvent.jsonld"));
    assert!(ok, "{err}");
    assert!(
        out.starts_with("VALID EPCISDocument with 1 event(s)"),
        "{out}"
    );
    assert!(out.contains("TransformationEvent"), "{out}");
    // urn:epc:id:sgtin:4012345.011122.25 as a Digital Link.
    assert!(
        out.contains("https://id.gs1.org/01/04012345111224/21/25"),
        "{out}"
    );
    // Its hash is computed; GS1's declared hash ID is of other content, which is a warning.
    assert!(out.contains("event hash ni:///sha-256;"), "{out}");
    assert!(err.contains("warning: event 0 declares eventID"), "{err}");
}

#[test]
fn a_wrong_check_digit_is_refused_with_its_pointer() {
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(example("Example_9.6.1-ObjectEvent.jsonld")).expect("read"),
    )
    .expect("JSON");
    v["epcisBody"]["eventList"][1]["epcList"][0] =
        "https://id.gs1.org/01/10614141073465/21/2017".into();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("bad.jsonld");
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let (ok, _, err) = check(&path);
    assert!(!ok);
    assert!(err.contains("/epcisBody/eventList/1/epcList/0"), "{err}");
    assert!(err.contains("check digit should be 4, not 5"), "{err}");
}

#[test]
fn two_xml_spellings_of_one_event_have_one_hash() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../epcis/tests/vectors/WithEventHashID");
    let (ok, xml_out, err) = check(&dir.join("event_with_identical_hash_id_1.xml"));
    assert!(ok, "{err}");
    assert!(
        xml_out.starts_with("VALID EPCISDocument with 1 event(s)"),
        "{xml_out}"
    );
    let hash = |out: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix("event hash "))
            .map(str::to_owned)
            .expect("a hash line")
    };
    let (_, xml_again, _) = check(&dir.join("event_with_identical_hash_id_4.xml"));
    assert_eq!(hash(&xml_out), hash(&xml_again));
}
