//! An EPCIS 2.0 query string from outside (the REST binding's parameters): reading it
//! never panics, and a query that reads runs against an event without panicking.

use std::sync::LazyLock;
use unchain_epcis::event::{Event, parse_event};
use unchain_epcis::query::Query;

static EVENT: LazyLock<Event> = LazyLock::new(|| {
    let v = serde_json::json!({
        "type": "ObjectEvent",
        "eventTime": "2026-11-02T08:15:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
        "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 2}],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"}
    });
    parse_event(&v, "").expect("the fixed event reads")
});

/// One input: `name=value&name=value…`.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pairs = text
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")));
    if let Ok(q) = Query::from_pairs(pairs) {
        let _ = q.matches(&EVENT);
    }
}
