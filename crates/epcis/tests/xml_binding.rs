//! The EPCIS 2.0 XML binding: GS1's WithEventHashID set writes one event seven ways — six
//! in XML (element order, namespace prefixes, EPCIS 1.x extension wrappers, URNs or Digital
//! Links), one in JSON-LD — and all seven must be the same event with the same CBV 2.0
//! hash. Bad XML is refused with the path and the rule.

use std::path::Path;
use unchain_epcis::event::parse_event;
use unchain_epcis::{hash, xml};

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/WithEventHashID")
            .join(name),
    )
    .expect("vector")
}

#[test]
fn seven_spellings_of_one_event_have_one_hash() {
    // The JSON-LD spelling (read without GS1's JSON Schema, which refuses its 1.x CBV URNs:
    // see `vectors.rs`).
    let json: serde_json::Value =
        serde_json::from_slice(&vector("event_with_identical_hash_id_7.json")).expect("JSON");
    let ns = hash::namespaces(&json["@context"]);
    let event = parse_event(&json["epcisBody"]["eventList"][0], "/json").expect("event");
    let expected = hash::event_hash(&event, &ns);
    let expected_pre = hash::pre_hash(&event, &ns);
    for i in [1, 3, 4, 5, 6] {
        let name = format!("event_with_identical_hash_id_{i}.xml");
        let doc = xml::parse(&vector(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.events.len(), 1, "{name}");
        let ns = hash::namespaces(&doc.context);
        assert_eq!(hash::pre_hash(&doc.events[0], &ns), expected_pre, "{name}");
        assert_eq!(hash::event_hash(&doc.events[0], &ns), expected, "{name}");
    }
    // The second spelling gives the same instant in another time zone (-05:00). CBV 2.0
    // hashes `eventTimeZoneOffset`, so its hash differs (the reference implementation's does
    // too, although GS1's comment calls it identical); with the offset alone changed back,
    // it is the same event.
    let second = String::from_utf8(vector("event_with_identical_hash_id_2.xml")).expect("UTF-8");
    let doc = xml::parse(second.as_bytes()).expect("valid");
    let ns = hash::namespaces(&doc.context);
    assert_ne!(hash::event_hash(&doc.events[0], &ns), expected);
    let same_zone = second.replace(
        "<eventTimeZoneOffset>-05:00</eventTimeZoneOffset>",
        "<eventTimeZoneOffset>-06:00</eventTimeZoneOffset>",
    );
    let doc = xml::parse(same_zone.as_bytes()).expect("valid");
    assert_eq!(hash::event_hash(&doc.events[0], &ns), expected);
}

#[test]
fn bad_xml_is_refused_with_the_path_and_the_rule() {
    let good = String::from_utf8(vector("event_with_identical_hash_id_1.xml")).expect("UTF-8");
    for (what, bad, path, rule) in [
        (
            "an unknown action",
            good.replace("<action>ADD</action>", "<action>MOVE</action>"),
            "/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/action",
            "ADD, OBSERVE or DELETE",
        ),
        (
            "a wrong check digit",
            good.replace(
                "urn:epc:id:sgtin:0614141.107346.2017",
                "https://id.gs1.org/01/10614141073465/21/2017",
            ),
            "/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/epcList/1",
            "check digit",
        ),
        (
            "a truncated document",
            good[..good.len() / 2].to_owned(),
            "",
            "not closed",
        ),
    ] {
        let e = xml::parse(bad.as_bytes()).expect_err(what);
        assert_eq!(e.pointer, path, "{what}: {e}");
        assert!(e.rule.contains(rule), "{what}: {e}");
    }
}
