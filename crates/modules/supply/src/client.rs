//! What a member's software sends: `supply.capture` bodies cut from an EPCIS document so
//! that each fits one transaction, each event as its JSON text.

use crate::body::{MAX_EVENT_BYTES, MAX_EVENTS};
use serde_json::{Value, json};
use unchain_epcis::event::Event;

/// Most bytes of events and context in one `supply.capture` body (a transaction holds at
/// most [`unchain_types::MAX_TX_BYTES`]; the rest is left for the envelope).
pub const BATCH_BYTES: usize = 200 * 1024;

/// An event too large for any transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "eventList/{index}: {bytes} bytes as JSON text with the context; an event holds at most {MAX_EVENT_BYTES}, a capture {BATCH_BYTES}"
)]
pub struct EventTooLarge {
    /// Its place in the document.
    pub index: usize,
    /// Its size with the context.
    pub bytes: usize,
}

/// The `supply.capture` body of `events` (EPCIS events as JSON objects) with `context`:
/// each event as its JSON text.
pub fn capture_body(events: &[Value], context: &Value) -> Value {
    let texts: Vec<String> = events.iter().map(Value::to_string).collect();
    json!({"@context": context, "events": texts})
}

/// The `supply.capture` bodies that carry `events` (with the document's `context`): in
/// order, each within [`MAX_EVENTS`] events and [`BATCH_BYTES`] bytes.
pub fn capture_bodies(events: &[Event], context: &Value) -> Result<Vec<Value>, EventTooLarge> {
    let mut out = Vec::new();
    let mut batch: Vec<Value> = Vec::new();
    let base = context.to_string().len();
    let mut bytes = base;
    for (index, e) in events.iter().enumerate() {
        let text = Value::Object(e.raw.clone()).to_string();
        let v = Value::String(text);
        let size = v.to_string().len() + 1;
        if base + size > BATCH_BYTES || size > MAX_EVENT_BYTES {
            return Err(EventTooLarge {
                index,
                bytes: base + size,
            });
        }
        if batch.len() == MAX_EVENTS || bytes + size > BATCH_BYTES {
            out.push(json!({"@context": context, "events": std::mem::take(&mut batch)}));
            bytes = base;
        }
        bytes += size;
        batch.push(v);
    }
    if !batch.is_empty() {
        out.push(json!({"@context": context, "events": batch}));
    }
    Ok(out)
}
