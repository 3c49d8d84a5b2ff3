//! The EPCIS 2.0 XML binding: many ERP and warehouse systems emit only XML. A document is
//! read into the same JSON shape the JSON-LD binding has — attributes of sensor metadata
//! and reports as members, `type` attributes of business transactions, sources and
//! destinations as members, the values of numeric fields as numbers, EPCIS 1.x
//! `<extension>` wrappers flattened — and each event is then read by
//! [`crate::event::parse_event`], so an event means the same whichever binding carried it
//! (and has the same [`crate::hash`]). Extension elements keep their prefixes, and the
//! document's `xmlns` declarations become the `@context` that names their namespaces.
//! Errors name the XML path (`/EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/action`).
//!
//! There is no XML Schema validation here (the JSON Schema is the JSON binding's); what
//! [`crate::event`] checks — types, times, actions, identifiers and their check digits —
//! is checked for XML too.

use crate::document::{Document, DocumentKind};
use crate::event::{EpcisError, at, parse_event};
use quick_xml::events::Event as XmlEvent;
use serde_json::{Map, Value, json};

/// One element: its qualified name, attributes, child elements and text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The children, with EPCIS 1.x `<extension>` and `<baseExtension>` wrappers opened.
    fn flat_children(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for c in &self.children {
            if matches!(c.name.as_str(), "extension" | "baseExtension") {
                out.extend(c.flat_children());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// Parses `bytes` into a tree, with the `xmlns:` declarations seen anywhere.
fn tree(bytes: &[u8]) -> Result<(Node, Map<String, Value>), EpcisError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut namespaces = Map::new();
    let mut buf = Vec::new();
    let xml_err = |e: &dyn std::fmt::Display, pos: u64| {
        at("", format!("not well-formed XML at byte {pos}: {e}"))
    };
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(&e, pos))?;
        match event {
            XmlEvent::Start(e) => {
                let node = start(&e, &mut namespaces).map_err(|err| xml_err(&err, pos))?;
                stack.push(node);
            }
            XmlEvent::Empty(e) => {
                let node = start(&e, &mut namespaces).map_err(|err| xml_err(&err, pos))?;
                stack.last_mut().expect("root").children.push(node);
            }
            XmlEvent::End(_) => {
                let done = stack.pop().expect("balanced by quick-xml");
                stack
                    .last_mut()
                    .ok_or_else(|| at("", "an end tag with no start"))?
                    .children
                    .push(done);
            }
            XmlEvent::Text(t) => {
                let text = t.xml10_content().map_err(|e| xml_err(&e, pos))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            XmlEvent::GeneralRef(r) => {
                // `&amp;` and the other predefined entities, and character references.
                let name = r.decode().map_err(|e| xml_err(&e, pos))?;
                let resolved = match r.resolve_char_ref().map_err(|e| xml_err(&e, pos))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| at("", format!("unknown entity &{name}; at byte {pos}")))?
                        .to_owned(),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            XmlEvent::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            XmlEvent::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut root = stack.pop().ok_or_else(|| at("", "no document element"))?;
    if !stack.is_empty() {
        return Err(at("", "not well-formed XML: an element is not closed"));
    }
    let doc = root
        .children
        .pop()
        .ok_or_else(|| at("", "no document element"))?;
    Ok((doc, namespaces))
}

/// A node for the start tag `e`, noting its `xmlns:` declarations.
fn start(
    e: &quick_xml::events::BytesStart<'_>,
    namespaces: &mut Map<String, Value>,
) -> Result<Node, quick_xml::Error> {
    let mut node = Node {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        ..Node::default()
    };
    for a in e.attributes() {
        let a = a.map_err(quick_xml::Error::from)?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)?
            .into_owned();
        if let Some(prefix) = key.strip_prefix("xmlns:") {
            namespaces.insert(prefix.to_owned(), Value::String(value.clone()));
        }
        node.attrs.push((key, value));
    }
    Ok(node)
}

/// Fields whose values are numbers in the JSON binding.
const NUMERIC: &[&str] = &[
    "quantity",
    "value",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
];

/// A text value as the JSON binding would have it.
fn scalar(name: &str, text: &str) -> Value {
    let text = text.trim();
    if NUMERIC.contains(&name)
        && let Ok(n) = text.parse::<f64>()
        && let Some(num) = serde_json::Number::from_f64(n)
    {
        return Value::Number(num);
    }
    if name == "booleanValue" {
        match text {
            "true" | "1" => return Value::Bool(true),
            "false" | "0" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(text.to_owned())
}

/// Attributes as members (skipping namespace declarations and `xsi:` annotations).
fn attributes(node: &Node) -> Map<String, Value> {
    node.attrs
        .iter()
        .filter(|(k, _)| !k.starts_with("xmlns") && !k.starts_with("xsi:"))
        .map(|(k, v)| (k.clone(), scalar(k, v)))
        .collect()
}

/// An element with no special meaning: its text, or its children as members (a repeated
/// name becomes an array).
fn generic(node: &Node) -> Value {
    let children = node.flat_children();
    if children.is_empty() {
        return scalar(node.local(), &node.text);
    }
    let mut map = Map::new();
    for c in children {
        let v = generic(c);
        match map.get_mut(&c.name) {
            Some(Value::Array(items)) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(c.name.clone(), v);
            }
        }
    }
    Value::Object(map)
}

/// One event element in the JSON binding's shape.
fn event_json(node: &Node) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), Value::String(node.name.clone()));
    for c in node.flat_children() {
        let texts = || -> Vec<Value> {
            c.flat_children()
                .iter()
                .map(|e| Value::String(e.text.trim().to_owned()))
                .collect()
        };
        let value = match c.name.as_str() {
            "epcList" | "childEPCs" | "inputEPCList" | "outputEPCList" => Value::Array(texts()),
            "quantityList" | "childQuantityList" | "inputQuantityList" | "outputQuantityList" => {
                Value::Array(
                    c.flat_children()
                        .iter()
                        .map(|q| {
                            let mut m = Map::new();
                            for f in q.flat_children() {
                                m.insert(f.name.clone(), scalar(&f.name, &f.text));
                            }
                            Value::Object(m)
                        })
                        .collect(),
                )
            }
            "bizTransactionList" | "sourceList" | "destinationList" => Value::Array(
                c.flat_children()
                    .iter()
                    .map(|e| {
                        let mut m = Map::new();
                        if let Some(t) = e.attr("type") {
                            m.insert("type".into(), Value::String(t.to_owned()));
                        }
                        m.insert(e.name.clone(), Value::String(e.text.trim().to_owned()));
                        Value::Object(m)
                    })
                    .collect(),
            ),
            "persistentDisposition" => {
                let mut m = Map::new();
                for f in c.flat_children() {
                    let entry = m
                        .entry(f.name.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = entry {
                        items.push(Value::String(f.text.trim().to_owned()));
                    }
                }
                Value::Object(m)
            }
            "sensorElementList" => Value::Array(
                c.flat_children()
                    .iter()
                    .map(|element| {
                        let mut m = Map::new();
                        let mut reports = Vec::new();
                        for f in element.flat_children() {
                            match f.name.as_str() {
                                "sensorMetadata" => {
                                    m.insert(f.name.clone(), Value::Object(attributes(f)));
                                }
                                "sensorReport" => reports.push(Value::Object(attributes(f))),
                                _ => {
                                    m.insert(f.name.clone(), generic(f));
                                }
                            }
                        }
                        if !reports.is_empty() {
                            m.insert("sensorReport".into(), Value::Array(reports));
                        }
                        Value::Object(m)
                    })
                    .collect(),
            ),
            _ => generic(c),
        };
        out.insert(c.name.clone(), value);
    }
    Value::Object(out)
}

/// Every event element under the document's `EventList`, with its XML path.
fn event_nodes(doc: &Node) -> Option<(String, Vec<&Node>)> {
    fn find<'a>(node: &'a Node, path: &str) -> Option<(String, &'a Node)> {
        let here = format!("{path}/{}", node.local());
        if node.local() == "EventList" {
            return Some((here, node));
        }
        node.children.iter().find_map(|c| find(c, &here))
    }
    let (path, list) = find(doc, "")?;
    Some((path, list.flat_children()))
}

/// Reads an EPCIS 2.0 XML document (`EPCISDocument` or `EPCISQueryDocument`).
pub fn parse(bytes: &[u8]) -> Result<Document, EpcisError> {
    let (doc, namespaces) = tree(bytes)?;
    let kind = match doc.local() {
        "EPCISDocument" => DocumentKind::Capture,
        "EPCISQueryDocument" => DocumentKind::QueryResults,
        other => {
            return Err(at(
                &format!("/{other}"),
                "the document element must be EPCISDocument or EPCISQueryDocument",
            ));
        }
    };
    let (list_path, nodes) = event_nodes(&doc).unwrap_or_default();
    let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut events = Vec::new();
    for node in nodes {
        let n = seen.entry(node.name.as_str()).or_default();
        *n += 1;
        let path = format!("{list_path}/{}[{n}]", node.name);
        events.push(parse_event(&event_json(node), &path)?);
    }
    let extensions: Map<String, Value> = namespaces
        .into_iter()
        .filter(|(prefix, _)| {
            !matches!(
                prefix.as_str(),
                "epcis" | "epcisq" | "xsi" | "xsd" | "cbvmda" | "sbdh" | "gs1ushc"
            )
        })
        .collect();
    Ok(Document {
        kind,
        context: json!([
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            Value::Object(extensions)
        ]),
        events,
    })
}
