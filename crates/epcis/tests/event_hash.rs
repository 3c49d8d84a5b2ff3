//! The CBV 2.0 event hash: the worked example of the reference implementation, and the
//! property that makes it an identity — the same event written differently has the same
//! hash, a different event a different one.

use serde_json::{Value, json};
use unchain_epcis::event::parse_event;
use unchain_epcis::hash::{self, Namespaces};

fn hash_of(event: &Value, ns: &Namespaces) -> String {
    hash::event_hash(&parse_event(event, "/e").expect("valid event"), ns)
}

#[test]
fn the_reference_implementations_worked_example() {
    // `tests/examples/ReferenceEventHashAlgorithm.jsonld` of RalphTro's
    // epcis-event-hash-generator (MIT), with its published pre-hash string and hash.
    let context = json!([
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"gs1": "https://gs1.org/voc/"},
        {"example": "https://ns.example.com/epcis/"}
    ]);
    let event = json!({
        "type": "ObjectEvent",
        "eventTime": "2020-03-04T11:00:30.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "recordTime": "2020-03-04T11:00:30.999+01:00",
        "epcList": [
            "urn:epc:id:sscc:4012345.0000000333",
            "urn:epc:id:sscc:4012345.0000000111",
            "urn:epc:id:sscc:4012345.0000000222"
        ],
        "action": "OBSERVE",
        "bizStep": "departing",
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.987"},
        "example:myField1": {"example:mySubField1": "2", "example:mySubField2": "5"},
        "example:myField2": "0",
        "example:myField3": {"example:mySubField3": ["3", "1"]}
    });
    let ns = hash::namespaces(&context);
    let e = parse_event(&event, "/e").expect("valid");
    assert_eq!(
        hash::pre_hash(&e, &ns),
        "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00\
         epcListepc=https://id.gs1.org/00/040123450000001112\
         epc=https://id.gs1.org/00/040123450000002225\
         epc=https://id.gs1.org/00/040123450000003338action=OBSERVE\
         bizStep=https://ref.gs1.org/cbv/BizStep-departing\
         readPointid=https://id.gs1.org/414/4012345000115/254/987\
         {https://ns.example.com/epcis/}myField1{https://ns.example.com/epcis/}mySubField1=2\
         {https://ns.example.com/epcis/}mySubField2=5{https://ns.example.com/epcis/}myField2=0\
         {https://ns.example.com/epcis/}myField3{https://ns.example.com/epcis/}mySubField3=1\
         {https://ns.example.com/epcis/}mySubField3=3"
    );
    assert_eq!(
        hash::event_hash(&e, &ns),
        "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0"
    );
}

fn shipment() -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": "2026-11-02T08:15:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "eventID": "urn:uuid:1c3bb7a8-1d0c-4b1a-9a5e-7d0c2f1b7e11",
        "recordTime": "2026-11-02T08:16:00.000+07:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
        "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200.0, "uom": "KGM"}],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
        "bizTransactionList": [{"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}]
    })
}

#[test]
fn the_same_event_written_differently_has_the_same_hash() {
    let ns = Namespaces::new();
    let base = hash_of(&shipment(), &ns);
    let respellings: Vec<(&str, Value)> = vec![
        ("Digital Links for EPC URNs", {
            let mut v = shipment();
            v["epcList"] = json!([
                "https://example.com/01/10614141073464/21/2018",
                "https://id.gs1.org/01/10614141073464/21/2017?17=271231"
            ]);
            v["readPoint"]["id"] = "https://id.gs1.org/414/0614141073467/254/1234".into();
            v
        }),
        ("the same instant in UTC", {
            let mut v = shipment();
            v["eventTime"] = "2026-11-02T01:15:00Z".into();
            v
        }),
        ("CBV 1.x URNs and 200 for 200.0", {
            let mut v = shipment();
            v["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping".into();
            v["disposition"] = "https://ref.gs1.org/cbv/Disp-in_transit".into();
            v["bizTransactionList"][0]["type"] = "urn:epcglobal:cbv:btt:po".into();
            v["quantityList"][0]["quantity"] = 200.into();
            v
        }),
        ("another eventID and recordTime", {
            let mut v = shipment();
            v["eventID"] = "urn:uuid:00000000-0000-4000-8000-000000000000".into();
            v["recordTime"] = "2027-01-01T00:00:00Z".into();
            v
        }),
        ("the objects listed in another order", {
            let mut v = shipment();
            let list = v["epcList"].as_array().expect("list").clone();
            v["epcList"] = Value::Array(list.into_iter().rev().collect());
            v
        }),
    ];
    for (what, v) in respellings {
        assert_eq!(hash_of(&v, &ns), base, "{what}");
    }
    let changes: Vec<(&str, Value)> = vec![
        ("another object", {
            let mut v = shipment();
            v["epcList"][1] = "urn:epc:id:sgtin:0614141.107346.2019".into();
            v
        }),
        ("a millisecond later", {
            let mut v = shipment();
            v["eventTime"] = "2026-11-02T08:15:00.001+07:00".into();
            v
        }),
        ("another quantity", {
            let mut v = shipment();
            v["quantityList"][0]["quantity"] = 201.into();
            v
        }),
        ("an extension added", {
            let mut v = shipment();
            v["example:note"] = "x".into();
            v
        }),
    ];
    for (what, v) in changes {
        assert_ne!(hash_of(&v, &ns), base, "{what}");
    }
}
