//! One EPCIS 2.0 event, read from its JSON-LD form: the five event types, the fields the
//! ledger and the queries use (time, action, business step and disposition, where, what —
//! identifiers and quantities in every role), each identifier in its canonical form, and
//! the whole event as sent ([`Event::raw`]: standard fields, extensions and their
//! namespaced keys preserved, so that what is queried back is what was captured).
//!
//! What the JSON Schema ([`crate::schema`]) cannot check is checked here, each error naming
//! the JSON pointer and the rule: GS1 identifiers' check digits, times that are real times,
//! an action where the event type needs one.

use crate::gs1::{Gs1Id, IdError};
use serde_json::{Map, Value};
use std::fmt;

/// Why a document or an event is refused: where (a JSON pointer into the document) and
/// the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {rule}")]
pub struct EpcisError {
    /// RFC 6901 JSON pointer to the offending member (`""` for the whole document).
    pub pointer: String,
    /// The rule, in words.
    pub rule: String,
}

/// An error at `pointer`.
pub(crate) fn at(pointer: &str, rule: impl Into<String>) -> EpcisError {
    EpcisError {
        pointer: pointer.to_owned(),
        rule: rule.into(),
    }
}

/// The five EPCIS 2.0 event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    /// Something happened to objects: commissioned, observed, shipped, destroyed.
    Object,
    /// Objects were packed into (or out of) a parent: a case, a pallet, a container.
    Aggregation,
    /// Objects were tied to (or released from) a business transaction.
    Transaction,
    /// Inputs were consumed and outputs produced: spinning, cutting, sewing.
    Transformation,
    /// Assets were associated with a parent (a sensor with a container).
    Association,
}

impl EventType {
    /// Every type, in the standard's order.
    pub const ALL: [EventType; 5] = [
        EventType::Object,
        EventType::Aggregation,
        EventType::Transaction,
        EventType::Transformation,
        EventType::Association,
    ];

    /// The JSON `type` value, e.g. `ObjectEvent`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Object => "ObjectEvent",
            EventType::Aggregation => "AggregationEvent",
            EventType::Transaction => "TransactionEvent",
            EventType::Transformation => "TransformationEvent",
            EventType::Association => "AssociationEvent",
        }
    }

    /// The type named `s`, if it is one.
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An event's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// The objects came into being, or into the relationship.
    Add,
    /// The objects were seen; nothing began or ended.
    Observe,
    /// The objects ceased to exist, or left the relationship.
    Delete,
}

impl Action {
    /// The JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "ADD",
            Action::Observe => "OBSERVE",
            Action::Delete => "DELETE",
        }
    }
}

/// An identifier an event names: a GS1 identifier (from an EPC URN or a GS1 Digital Link,
/// kept in its canonical form) or any other URI, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identifier {
    /// A GS1 identifier.
    Gs1(Gs1Id),
    /// Any other URI.
    Other(String),
}

impl Identifier {
    /// Reads an identifier: an EPC URN of a scheme [`Gs1Id`] reads, or a URI shaped like a
    /// Digital Link, must be a valid GS1 identifier; anything else with a scheme (another
    /// EPC scheme such as `gsrn` or `gdti` among them, for now) is kept as written.
    pub fn parse(s: &str) -> Result<Identifier, IdError> {
        if Gs1Id::is_read_urn(s) || Gs1Id::is_digital_link(s) {
            return Gs1Id::parse(s).map(Identifier::Gs1);
        }
        let scheme_ok = s.split_once(':').is_some_and(|(scheme, rest)| {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_ok || s.chars().any(char::is_whitespace) {
            return Err(IdError {
                id: s.to_owned(),
                reason: "an identifier is a URI: an EPC URN, a GS1 Digital Link or another URI"
                    .into(),
            });
        }
        Ok(Identifier::Other(s.to_owned()))
    }

    /// The canonical spelling: a GS1 identifier's Digital Link on `id.gs1.org`, any other
    /// URI as written.
    pub fn canonical(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Gs1(id) => id.fmt(f),
            Identifier::Other(s) => f.write_str(s),
        }
    }
}

/// A quantity of a class of objects (a lot, every instance of a GTIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The class.
    pub epc_class: Identifier,
    /// How much, as written (a JSON number); absent when unknown.
    pub quantity: Option<String>,
    /// The unit (UN/CEFACT Recommendation 20 code), absent for a count.
    pub uom: Option<String>,
}

/// The roles identifiers and quantities play in an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct What {
    /// `epcList` (Object, Transaction events).
    pub epcs: Vec<Identifier>,
    /// `quantityList`.
    pub quantities: Vec<Quantity>,
    /// `parentID` (Aggregation, Transaction, Association events).
    pub parent: Option<Identifier>,
    /// `childEPCs`.
    pub children: Vec<Identifier>,
    /// `childQuantityList`.
    pub child_quantities: Vec<Quantity>,
    /// `inputEPCList` (Transformation events).
    pub inputs: Vec<Identifier>,
    /// `inputQuantityList`.
    pub input_quantities: Vec<Quantity>,
    /// `outputEPCList`.
    pub outputs: Vec<Identifier>,
    /// `outputQuantityList`.
    pub output_quantities: Vec<Quantity>,
}

/// One EPCIS event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its type.
    pub event_type: EventType,
    /// `eventTime`, as milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// `eventTimeZoneOffset`, as written (`+02:00`).
    pub time_zone_offset: String,
    /// `eventID`, as declared (absent: the capturing side computes the CBV 2.0 hash).
    pub event_id: Option<String>,
    /// `action` (absent only for Transformation events).
    pub action: Option<Action>,
    /// `bizStep` as a CBV 2.0 web URI (`https://ref.gs1.org/cbv/BizStep-shipping`), or a
    /// custom URI as written.
    pub biz_step: Option<String>,
    /// `disposition`, the same way (`https://ref.gs1.org/cbv/Disp-in_transit`).
    pub disposition: Option<String>,
    /// `readPoint.id`.
    pub read_point: Option<Identifier>,
    /// `bizLocation.id`.
    pub biz_location: Option<Identifier>,
    /// The identifiers and quantities, by role.
    pub what: What,
    /// The event exactly as captured (every member, extensions included).
    pub raw: Map<String, Value>,
}

impl Event {
    /// Every identifier the event names, in every role: objects, parent, children, inputs,
    /// outputs, the classes of its quantities, the read point and the business location.
    pub fn identifiers(&self) -> impl Iterator<Item = &Identifier> {
        let w = &self.what;
        let classes = w
            .quantities
            .iter()
            .chain(&w.child_quantities)
            .chain(&w.input_quantities)
            .chain(&w.output_quantities)
            .map(|q| &q.epc_class);
        w.epcs
            .iter()
            .chain(w.parent.iter())
            .chain(&w.children)
            .chain(&w.inputs)
            .chain(&w.outputs)
            .chain(classes)
            .chain(self.read_point.iter())
            .chain(self.biz_location.iter())
    }
}

/// A CBV value in its 2.0 web URI form: a bare word (`shipping`) or a 1.x URN
/// (`urn:epcglobal:cbv:bizstep:shipping`) becomes `https://ref.gs1.org/cbv/{vocab}-{word}`;
/// any other URI (a custom vocabulary) is kept as written.
pub fn cbv_uri(vocab: &str, urn_kind: &str, value: &str) -> String {
    if let Some(word) = value.strip_prefix(&format!("urn:epcglobal:cbv:{urn_kind}:")) {
        format!("https://ref.gs1.org/cbv/{vocab}-{word}")
    } else if value.contains(':') {
        value.to_owned()
    } else {
        format!("https://ref.gs1.org/cbv/{vocab}-{value}")
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 time with its offset.
pub fn parse_time(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `+HH:MM` or `-HH:MM` with hours up to 14 and minutes up to 59.
fn is_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
        && s[1..3].parse::<u8>().is_ok_and(|h| h <= 14)
        && s[4..6].parse::<u8>().is_ok_and(|m| m <= 59)
}

/// Reads each element of the array member `name` of the event at `pointer` with `read`,
/// which gets the element's own pointer; an absent member is an empty list.
fn each<T>(
    raw: &Map<String, Value>,
    pointer: &str,
    name: &str,
    read: impl Fn(&str, &Value) -> Result<T, EpcisError>,
) -> Result<Vec<T>, EpcisError> {
    match raw.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read(&format!("{pointer}/{name}/{i}"), item))
            .collect(),
        Some(_) => Err(at(&format!("{pointer}/{name}"), "must be an array")),
    }
}

/// Reads the event `v` at `pointer` (`/epcisBody/eventList/3`).
pub fn parse_event(v: &Value, pointer: &str) -> Result<Event, EpcisError> {
    let raw = v
        .as_object()
        .ok_or_else(|| at(pointer, "an event is a JSON object"))?
        .clone();
    let field = |name: &str| format!("{pointer}/{name}");
    let string = |name: &str| -> Result<Option<&str>, EpcisError> {
        match raw.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(at(&field(name), "must be a string")),
        }
    };
    let type_name = string("type")?.ok_or_else(|| at(&field("type"), "is required"))?;
    let event_type = EventType::parse(type_name).ok_or_else(|| {
        at(
            &field("type"),
            format!(
                "{type_name:?} is not an EPCIS event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent)"
            ),
        )
    })?;
    let time = string("eventTime")?.ok_or_else(|| at(&field("eventTime"), "is required"))?;
    let time_ms = parse_time(time).ok_or_else(|| {
        at(
            &field("eventTime"),
            format!("{time:?} is not an RFC 3339 time with an offset"),
        )
    })?;
    let offset = string("eventTimeZoneOffset")?
        .ok_or_else(|| at(&field("eventTimeZoneOffset"), "is required"))?;
    if !is_offset(offset) {
        return Err(at(
            &field("eventTimeZoneOffset"),
            format!("{offset:?} is not an offset of the form +HH:MM"),
        ));
    }
    let action = match string("action")? {
        None if event_type == EventType::Transformation => None,
        None => return Err(at(&field("action"), "is required for this event type")),
        Some(_) if event_type == EventType::Transformation => {
            return Err(at(&field("action"), "a TransformationEvent has no action"));
        }
        Some("ADD") => Some(Action::Add),
        Some("OBSERVE") => Some(Action::Observe),
        Some("DELETE") => Some(Action::Delete),
        Some(other) => {
            return Err(at(
                &field("action"),
                format!("{other:?} is not ADD, OBSERVE or DELETE"),
            ));
        }
    };
    let identifier =
        |pointer: &str, s: &str| Identifier::parse(s).map_err(|e| at(pointer, e.to_string()));
    let ids = |name: &str| {
        each(&raw, pointer, name, |p, item| {
            let s = item.as_str().ok_or_else(|| at(p, "must be a string"))?;
            identifier(p, s)
        })
    };
    let quantities = |name: &str| {
        each(&raw, pointer, name, |p, item| {
            let q = item.as_object().ok_or_else(|| at(p, "must be an object"))?;
            let class = q
                .get("epcClass")
                .and_then(Value::as_str)
                .ok_or_else(|| at(&format!("{p}/epcClass"), "is required"))?;
            let quantity = match q.get("quantity") {
                None => None,
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => return Err(at(&format!("{p}/quantity"), "must be a number")),
            };
            Ok(Quantity {
                epc_class: identifier(&format!("{p}/epcClass"), class)?,
                quantity,
                uom: q.get("uom").and_then(Value::as_str).map(str::to_owned),
            })
        })
    };
    let place = |name: &str| -> Result<Option<Identifier>, EpcisError> {
        match raw.get(name) {
            None => Ok(None),
            Some(Value::Object(o)) => {
                let p = format!("{}/id", field(name));
                let id = o
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(&p, "is required"))?;
                identifier(&p, id).map(Some)
            }
            Some(_) => Err(at(&field(name), "must be an object with an id")),
        }
    };
    let parent = match string("parentID")? {
        Some(s) => Some(identifier(&field("parentID"), s)?),
        None => None,
    };
    let what = What {
        epcs: ids("epcList")?,
        quantities: quantities("quantityList")?,
        parent,
        children: ids("childEPCs")?,
        child_quantities: quantities("childQuantityList")?,
        inputs: ids("inputEPCList")?,
        input_quantities: quantities("inputQuantityList")?,
        outputs: ids("outputEPCList")?,
        output_quantities: quantities("outputQuantityList")?,
    };
    Ok(Event {
        event_type,
        time_ms,
        time_zone_offset: offset.to_owned(),
        event_id: string("eventID")?.map(str::to_owned),
        action,
        biz_step: string("bizStep")?.map(|s| cbv_uri("BizStep", "bizstep", s)),
        disposition: string("disposition")?.map(|s| cbv_uri("Disp", "disp", s)),
        read_point: place("readPoint")?,
        biz_location: place("bizLocation")?,
        what,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object_event() -> Value {
        json!({
            "type": "ObjectEvent",
            "eventTime": "2005-04-03T20:33:31.116-06:00",
            "eventTimeZoneOffset": "-06:00",
            "action": "OBSERVE",
            "epcList": ["urn:epc:id:sgtin:0614141.107346.2017", "https://example.com/things/7"],
            "bizStep": "shipping",
            "disposition": "urn:epcglobal:cbv:disp:in_transit",
            "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
            "example:myField": "kept"
        })
    }

    #[test]
    fn an_object_event_reads_with_canonical_identifiers_and_cbv_uris() {
        let e = parse_event(&object_event(), "/epcisBody/eventList/0").expect("valid");
        assert_eq!(e.event_type, EventType::Object);
        assert_eq!(e.action, Some(Action::Observe));
        // 2005-04-03T20:33:31.116-06:00 is 2005-04-04T02:33:31.116Z.
        assert_eq!(e.time_ms, 1_112_582_011_116);
        assert_eq!(
            e.what.epcs[0].canonical(),
            "https://id.gs1.org/01/10614141073464/21/2017"
        );
        assert_eq!(e.what.epcs[1].canonical(), "https://example.com/things/7");
        assert_eq!(
            e.biz_step.as_deref(),
            Some("https://ref.gs1.org/cbv/BizStep-shipping")
        );
        assert_eq!(
            e.disposition.as_deref(),
            Some("https://ref.gs1.org/cbv/Disp-in_transit")
        );
        assert_eq!(e.raw["example:myField"], "kept");
    }

    #[test]
    fn each_refusal_names_the_pointer_and_the_rule() {
        for (field, bad, pointer, rule) in [
            (
                "type",
                json!("ThingEvent"),
                "/e/type",
                "not an EPCIS event type",
            ),
            ("eventTime", json!("yesterday"), "/e/eventTime", "RFC 3339"),
            (
                "eventTimeZoneOffset",
                json!("+2"),
                "/e/eventTimeZoneOffset",
                "+HH:MM",
            ),
            (
                "action",
                json!("MOVE"),
                "/e/action",
                "ADD, OBSERVE or DELETE",
            ),
            (
                "epcList",
                json!([
                    "urn:epc:id:sgtin:0614141.107346.2017",
                    "urn:epc:id:sscc:0614141.1234567890x"
                ]),
                "/e/epcList/1",
                "must be digits",
            ),
            (
                "epcList",
                json!(["https://id.gs1.org/01/10614141073465/21/1"]),
                "/e/epcList/0",
                "check digit should be 4",
            ),
            ("epcList", json!(["not a uri"]), "/e/epcList/0", "is a URI"),
            (
                "readPoint",
                json!({"name": "x"}),
                "/e/readPoint/id",
                "is required",
            ),
        ] {
            let mut v = object_event();
            v[field] = bad;
            let e = parse_event(&v, "/e").expect_err(field);
            assert_eq!(e.pointer, pointer, "{e}");
            assert!(e.rule.contains(rule), "{e}");
        }
        let mut v = object_event();
        v.as_object_mut().expect("object").remove("action");
        let e = parse_event(&v, "/e").expect_err("no action");
        assert_eq!(e.pointer, "/e/action");
    }
}
