//! The CBV 2.0 event hash (`ni:///sha-256;…?ver=CBV2.0`): an event's identity that does not
//! depend on how it was written — JSON or XML, member order, URN or Digital Link, time
//! zone, `200.0` or `200`. The event is rendered to a pre-hash string (every field as
//! `name=value` in the standard's order, lists sorted, values canonical), whose SHA-256 is
//! the hash.
//!
//! Choices written down, where the CBV 2.0 text and the reference implementation
//! (`epcis-event-hash-generator`, RalphTro, on PyPI) leave room or disagree:
//! - Fields in this order: `eventTime` (UTC, milliseconds, `Z`), `eventTimeZoneOffset`,
//!   `certificationInfo`, `parentID`, `epcList`, `inputEPCList`, `childEPCs`,
//!   `quantityList`, `childQuantityList`, `inputQuantityList`, `outputEPCList`,
//!   `outputQuantityList`, `action`, `transformationID`, `bizStep`, `disposition`,
//!   `persistentDisposition` (`set`, then `unset`), `readPoint`, `bizLocation`,
//!   `bizTransactionList`, `sourceList`, `destinationList`, `sensorElementList`; then every
//!   other member (`ilmd`, extensions) rendered generically with siblings sorted.
//!   `eventID`, `recordTime`, `errorDeclaration`, `type` and comments are not hashed.
//! - Values: EPC URNs and Digital Links become the canonical Digital Link ([`Gs1Id`]); CBV
//!   1.x URNs become 2.0 web URIs; JSON numbers are written without a trailing `.0` (a
//!   string stays a string, even when it holds digits: the reference reads every string as
//!   a possible float, which would rewrite an identifier such as `0010`); booleans are
//!   `true`/`false` (the reference writes Python's `True`); any member whose name holds
//!   `time` (not `offset`) is a time, normalised like `eventTime`.
//! - Extension names are expanded with the document's own `@context` prefixes to
//!   `{namespace}local`, as the reference does; prefixes only the standard context defines
//!   (`gs1:`) are left as written, as the reference does.
//! - A list's elements are rendered first, then sorted as strings; the elements of
//!   `bizTransactionList`, `sourceList` and `destinationList` render `type` before the
//!   value.

use crate::event::{Event, cbv_uri, parse_time};
use crate::gs1::Gs1Id;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Prefix → namespace IRI, from a document's `@context` (its inline objects).
pub type Namespaces = BTreeMap<String, String>;

/// The prefixes a document's `@context` defines inline.
pub fn namespaces(context: &Value) -> Namespaces {
    let mut out = Namespaces::new();
    let mut add = |o: &Map<String, Value>| {
        for (k, v) in o {
            if let Value::String(iri) = v {
                out.insert(k.clone(), iri.clone());
            }
        }
    };
    match context {
        Value::Object(o) => add(o),
        Value::Array(items) => items.iter().filter_map(Value::as_object).for_each(add),
        _ => {}
    }
    out
}

/// The standard members, in hashing order, each with the order of its children (`None`: a
/// plain value, or a list of plain values named by the second element).
const ORDER: &[(&str, Kind)] = &[
    ("eventTime", Kind::Value),
    ("eventTimeZoneOffset", Kind::Value),
    ("certificationInfo", Kind::Value),
    ("parentID", Kind::Value),
    ("epcList", Kind::List("epc")),
    ("inputEPCList", Kind::List("epc")),
    ("childEPCs", Kind::List("epc")),
    ("quantityList", Kind::Quantities),
    ("childQuantityList", Kind::Quantities),
    ("inputQuantityList", Kind::Quantities),
    ("outputEPCList", Kind::List("epc")),
    ("outputQuantityList", Kind::Quantities),
    ("action", Kind::Value),
    ("transformationID", Kind::Value),
    ("bizStep", Kind::Value),
    ("disposition", Kind::Value),
    ("persistentDisposition", Kind::Fields(&["set", "unset"])),
    ("readPoint", Kind::Fields(&["id"])),
    ("bizLocation", Kind::Fields(&["id"])),
    ("bizTransactionList", Kind::Typed("bizTransaction")),
    ("sourceList", Kind::Typed("source")),
    ("destinationList", Kind::Typed("destination")),
    ("sensorElementList", Kind::Sensors),
];

/// Members never hashed.
const EXCLUDED: &[&str] = &[
    "type",
    "eventID",
    "recordTime",
    "errorDeclaration",
    "rdfs:comment",
    "comment",
    "@context",
];

const SENSOR_METADATA: &[&str] = &[
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
];

const SENSOR_REPORT: &[&str] = &[
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
];

#[derive(Clone, Copy)]
enum Kind {
    /// A plain value (or an array of them, each rendered under the member's name).
    Value,
    /// An array of plain values, each rendered as `{name}=value`.
    List(&'static str),
    /// An array of quantity elements.
    Quantities,
    /// An object whose named fields come in this order (each may be an array).
    Fields(&'static [&'static str]),
    /// An array of `{type, <name>}` objects.
    Typed(&'static str),
    /// The sensor element list.
    Sensors,
}

/// A value in canonical form: a GS1 identifier as its Digital Link, a CBV 1.x URN as its
/// 2.0 web URI, a time in UTC milliseconds, a number without a trailing `.0`.
fn canonical_value(name: &str, v: &Value, ns: &Namespaces) -> String {
    match v {
        Value::Number(n) => number(n),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => {
            let s = s.trim();
            let lower = name.to_ascii_lowercase();
            if lower.contains("time")
                && !lower.contains("offset")
                && let Some(ms) = parse_time(s)
            {
                return utc(ms);
            }
            // Bare CBV words (JSON-LD's short form) in the fields whose vocabulary is known.
            match name {
                "bizStep" => return cbv_uri("BizStep", "bizstep", s),
                "disposition" | "set" | "unset" => return cbv_uri("Disp", "disp", s),
                _ => {}
            }
            for (urn, vocab) in [
                ("bizstep", "BizStep"),
                ("disp", "Disp"),
                ("btt", "BTT"),
                ("sdt", "SDT"),
                ("er", "ER"),
            ] {
                if s.starts_with(&format!("urn:epcglobal:cbv:{urn}:")) {
                    return cbv_uri(vocab, urn, s);
                }
            }
            if (Gs1Id::is_read_urn(s) || Gs1Id::is_digital_link(s))
                && let Ok(id) = Gs1Id::parse(s)
            {
                return id.canonical();
            }
            expand(s, ns, false)
        }
        _ => String::new(),
    }
}

/// `prefix:local` as `{namespace}local` (a name) or `namespacelocal` (a value), when the
/// document's context defines the prefix.
fn expand(s: &str, ns: &Namespaces, name: bool) -> String {
    match s.split_once(':') {
        Some((prefix, local)) if ns.contains_key(prefix) => {
            let iri = &ns[prefix];
            if name {
                format!("{{{iri}}}{local}")
            } else {
                format!("{iri}{local}")
            }
        }
        _ => s.to_owned(),
    }
}

fn number(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) => float(f),
        _ => n.to_string(),
    }
}

fn float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn utc(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `name=value`, or `name` followed by its children, or nothing for an empty value.
fn render_generic(name: &str, v: &Value, ns: &Namespaces) -> Vec<String> {
    let key = expand(name, ns, true);
    match v {
        Value::Array(items) => items
            .iter()
            .flat_map(|item| render_generic(name, item, ns))
            .collect(),
        Value::Object(o) => {
            let mut children: Vec<String> = o
                .iter()
                .filter(|(k, _)| !EXCLUDED.contains(&k.as_str()))
                .flat_map(|(k, v)| render_generic(k, v, ns))
                .collect();
            children.sort();
            let inner = children.concat();
            if inner.is_empty() {
                Vec::new()
            } else {
                vec![format!("{key}{inner}")]
            }
        }
        Value::Null => Vec::new(),
        _ => {
            let value = canonical_value(name, v, ns);
            if value.is_empty() {
                Vec::new()
            } else {
                vec![format!("{key}={value}")]
            }
        }
    }
}

/// The fields of `o` named in `order`, each sorted within its name, then its other members
/// generically (extensions inside a standard structure), sorted.
fn ordered_fields(o: &Map<String, Value>, order: &[&str], ns: &Namespaces) -> String {
    let mut out = only_fields(o, order, ns);
    out.push_str(&other_fields(o, order, ns));
    out
}

/// The fields of `o` named in `order`, each sorted within its name.
fn only_fields(o: &Map<String, Value>, order: &[&str], ns: &Namespaces) -> String {
    let mut out = String::new();
    for field in order {
        if let Some(v) = o.get(*field) {
            let mut parts = render_generic(field, v, ns);
            parts.sort();
            out.push_str(&parts.concat());
        }
    }
    out
}

/// The members of `o` not named in `order`, rendered generically and sorted.
fn other_fields(o: &Map<String, Value>, order: &[&str], ns: &Namespaces) -> String {
    let mut rest: Vec<String> = o
        .iter()
        .filter(|(k, _)| !order.contains(&k.as_str()))
        .flat_map(|(k, v)| render_generic(k, v, ns))
        .collect();
    rest.sort();
    rest.concat()
}

fn render(name: &str, kind: Kind, v: &Value, ns: &Namespaces) -> String {
    let items = || match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let group = |mut parts: Vec<String>| {
        parts.retain(|p| !p.is_empty());
        parts.sort();
        if parts.is_empty() {
            String::new()
        } else {
            format!("{name}{}", parts.concat())
        }
    };
    match kind {
        Kind::Value => {
            let mut parts: Vec<String> = items()
                .iter()
                .flat_map(|item| render_generic(name, item, ns))
                .collect();
            parts.sort();
            parts.concat()
        }
        Kind::List(each) => group(
            items()
                .iter()
                .map(|item| {
                    let value = canonical_value(each, item, ns);
                    if value.is_empty() {
                        String::new()
                    } else {
                        format!("{each}={value}")
                    }
                })
                .collect(),
        ),
        Kind::Quantities => group(
            items()
                .iter()
                .filter_map(Value::as_object)
                .map(|q| {
                    let inner = ordered_fields(q, &["epcClass", "quantity", "uom"], ns);
                    if inner.is_empty() {
                        String::new()
                    } else {
                        format!("quantityElement{inner}")
                    }
                })
                .collect(),
        ),
        Kind::Fields(order) => match v.as_object() {
            Some(o) => {
                let inner = ordered_fields(o, order, ns);
                if inner.is_empty() {
                    String::new()
                } else {
                    format!("{name}{inner}")
                }
            }
            None => String::new(),
        },
        Kind::Typed(value_name) => {
            // The element's type is a CBV word of the list's own vocabulary.
            let (vocab, urn) = if value_name == "bizTransaction" {
                ("BTT", "btt")
            } else {
                ("SDT", "sdt")
            };
            group(
                items()
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|o| {
                        let mut o = o.clone();
                        if let Some(Value::String(t)) = o.get("type") {
                            let uri = cbv_uri(vocab, urn, t.trim());
                            o.insert("type".into(), Value::String(uri));
                        }
                        ordered_fields(&o, &["type", value_name], ns)
                    })
                    .collect(),
            )
        }
        Kind::Sensors => sensors(v, ns),
    }
}

/// The sensor element list: each element's metadata and reports with their standard fields
/// in order and their other members (extensions) after them, inside the structure that
/// holds them, as for `readPoint` (the reference implementation moves some of these to the
/// event's unordered members and keeps others in place; see the module's notes).
fn sensors(v: &Value, ns: &Namespaces) -> String {
    let elements = match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut rendered: Vec<String> = elements
        .iter()
        .filter_map(Value::as_object)
        .map(|element| {
            let mut inner = String::new();
            if let Some(m) = element.get("sensorMetadata").and_then(Value::as_object) {
                let fields = ordered_fields(m, SENSOR_METADATA, ns);
                if !fields.is_empty() {
                    inner.push_str(&format!("sensorMetadata{fields}"));
                }
            }
            let reports = match element.get("sensorReport") {
                Some(Value::Array(r)) => r.clone(),
                Some(other) => vec![other.clone()],
                None => Vec::new(),
            };
            let mut done: Vec<String> = reports
                .iter()
                .filter_map(Value::as_object)
                .map(|r| {
                    let r = sensor_vocabulary(r);
                    format!("sensorReport{}", ordered_fields(&r, SENSOR_REPORT, ns))
                })
                .collect();
            done.sort();
            inner.push_str(&done.concat());
            inner.push_str(&other_fields(
                element,
                &["sensorMetadata", "sensorReport"],
                ns,
            ));
            format!("sensorElement{inner}")
        })
        .collect();
    rendered.sort();
    if rendered.is_empty() {
        String::new()
    } else {
        format!("sensorElementList{}", rendered.concat())
    }
}

/// A sensor report's vocabulary values as URIs: `type` and `exception` (bare words or `gs1:`
/// CURIEs) in the GS1 Web Vocabulary, `component` in the CBV's `Comp-` vocabulary.
fn sensor_vocabulary(r: &Map<String, Value>) -> Map<String, Value> {
    let mut r = r.clone();
    for (field, base) in [
        ("type", "https://gs1.org/voc/"),
        ("exception", "https://gs1.org/voc/"),
        ("component", "https://ref.gs1.org/cbv/Comp-"),
    ] {
        if let Some(Value::String(v)) = r.get(field) {
            let v = v.trim();
            let uri = match v.strip_prefix("gs1:") {
                Some(word) => format!("https://gs1.org/voc/{word}"),
                None if !v.contains(':') => format!("{base}{v}"),
                None => v.to_owned(),
            };
            r.insert(field.into(), Value::String(uri));
        }
    }
    r
}

/// The pre-hash string of `event`, with the prefixes of its document's context.
pub fn pre_hash(event: &Event, ns: &Namespaces) -> String {
    let raw = &event.raw;
    let mut out = format!("eventType={}", event.event_type.as_str());
    for (name, kind) in ORDER {
        if *name == "eventTime" {
            out.push_str(&format!("eventTime={}", utc(event.time_ms)));
            continue;
        }
        if let Some(v) = raw.get(*name) {
            out.push_str(&render(name, *kind, v, ns));
        }
    }
    let mut rest: Vec<String> = raw
        .iter()
        .filter(|(k, _)| !EXCLUDED.contains(&k.as_str()) && !ORDER.iter().any(|(n, _)| n == k))
        .flat_map(|(k, v)| render_generic(k, v, ns))
        .collect();
    rest.sort();
    out.push_str(&rest.concat());
    out
}

/// The CBV 2.0 event hash of `event`: `ni:///sha-256;{hex}?ver=CBV2.0`.
pub fn event_hash(event: &Event, ns: &Namespaces) -> String {
    let digest = Sha256::digest(pre_hash(event, ns).as_bytes());
    format!("ni:///sha-256;{}?ver=CBV2.0", hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
