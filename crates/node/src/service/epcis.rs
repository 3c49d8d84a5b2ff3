//! EPCIS documents the node writes: query results (for `/epcis/events`, the named
//! queries and their webhook deliveries) and the times in them.

use serde_json::{Value, json};
use unchain_supply::state::EventRecord;

/// The EPCIS standard context every response names.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// `ms` since the Unix epoch as RFC 3339 (empty if out of range).
pub fn rfc3339(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The `@context` of a page: the standard's, and every extension namespace its events use.
pub fn context_of(records: &[EventRecord]) -> Value {
    let mut ns = serde_json::Map::new();
    for r in records {
        for (k, v) in &r.namespaces {
            ns.entry(k.clone()).or_insert_with(|| v.clone().into());
        }
    }
    if ns.is_empty() {
        json!([EPCIS_CONTEXT])
    } else {
        json!([EPCIS_CONTEXT, ns])
    }
}

/// An `EPCISQueryDocument` of `records` (each with its `eventID`: as declared, else its
/// hash), for the query named `query_name` and, when it is a delivery, a subscription.
pub fn results_document(
    records: &[EventRecord],
    query_name: &str,
    subscription: Option<&str>,
) -> Value {
    let events: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut e = r.event.clone();
            if let Value::Object(m) = &mut e {
                m.entry("eventID").or_insert_with(|| r.hash.clone().into());
            }
            e
        })
        .collect();
    let mut results = json!({
        "queryName": query_name,
        "resultsBody": {"eventList": events},
    });
    if let Some(id) = subscription {
        results["subscriptionID"] = id.into();
    }
    json!({
        "@context": context_of(records),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": rfc3339(super::now_ms()),
        "epcisBody": {"queryResults": results},
    })
}
