//! An EPCIS 2.0 document in JSON-LD — an `EPCISDocument` (what capture receives) or an
//! `EPCISQueryDocument` (what a query returns) — checked against the standard's JSON Schema
//! and read event by event.

use crate::event::{EpcisError, Event, at, parse_event};
use crate::schema;
use serde_json::Value;

/// The two kinds of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// `EPCISDocument`: events to capture, in `epcisBody.eventList`.
    Capture,
    /// `EPCISQueryDocument`: a query's results, in
    /// `epcisBody.queryResults.resultsBody.eventList`.
    QueryResults,
}

/// A read document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Which kind.
    pub kind: DocumentKind,
    /// The `@context` as sent: the standard context and the extension namespaces whose
    /// prefixes the events' extension members use.
    pub context: Value,
    /// The events, in document order.
    pub events: Vec<Event>,
}

/// Reads a document from its bytes: JSON, valid against the EPCIS 2.0 JSON Schema, and
/// every event readable ([`parse_event`]). The first error found is returned.
pub fn parse(bytes: &[u8]) -> Result<Document, EpcisError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        at(
            "",
            format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
        )
    })?;
    parse_value(&v)
}

/// Reads a parsed JSON document (see [`parse`]).
pub fn parse_value(v: &Value) -> Result<Document, EpcisError> {
    if let Some(first) = schema::validate(v).into_iter().next() {
        return Err(first);
    }
    let (kind, list_pointer) = match v.get("type").and_then(Value::as_str) {
        Some("EPCISDocument") => (DocumentKind::Capture, "/epcisBody/eventList"),
        Some("EPCISQueryDocument") => (
            DocumentKind::QueryResults,
            "/epcisBody/queryResults/resultsBody/eventList",
        ),
        _ => {
            return Err(at("/type", "must be EPCISDocument or EPCISQueryDocument"));
        }
    };
    let events = match v.pointer(list_pointer) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, e)| parse_event(e, &format!("{list_pointer}/{i}")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(at(list_pointer, "must be an array of events")),
    };
    Ok(Document {
        kind,
        context: v.get("@context").cloned().unwrap_or(Value::Null),
        events,
    })
}
