//! The bodies of the `supply.*` transactions, parsed with errors that name the field.
//!
//! - `supply.capture`: EPCIS 2.0 events (a batch, with the `@context` of the document they
//!   came from), each read by [`unchain_epcis::event::parse_event`] and given its CBV 2.0
//!   event hash here, so every validator agrees on what an event names and what it is.
//!   Each event travels as its JSON text: events carry decimal quantities and sensor
//!   values, which a signed transaction holds only in strings (I-JSON integers only).
//! - `supply.facility`, `supply.product`: master data.
//! - `supply.audit`, `supply.certify`: what auditors and certification bodies record.
//! - `supply.finding`, `supply.plan`, `supply.verify`: a finding against one of the ILO's
//!   eleven forced-labour indicators, the corrective-action plan, and its verification by
//!   the finding's author.
//!
//! Free text is short and public to every member: it must hold no personal data. A
//! finding's evidence is a custody item or a hash, never the evidence itself.

use crate::graph::facility_of;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_epcis::event::{Event, Identifier, parse_event, parse_time};
use unchain_epcis::gs1::{Gs1Id, check_digit};
use unchain_epcis::hash::{Namespaces, event_hash, namespaces};
use unchain_types::body::{BodyError, check_actor, check_text, parse_body};
use unchain_types::{Hash32, TxId};

/// Most events in one `supply.capture`.
pub const MAX_EVENTS: usize = 1000;

/// Largest event, in bytes of its JSON text.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// A parsed body of any `supply.*` kind.
#[derive(Debug, Clone)]
pub enum SupplyBody {
    /// `supply.capture`.
    Capture(Capture),
    /// `supply.facility`.
    Facility(Facility),
    /// `supply.product`.
    Product(Product),
    /// `supply.audit`.
    Audit(Audit),
    /// `supply.certify`.
    Certify(Certification),
    /// `supply.finding`.
    Finding(Finding),
    /// `supply.plan`.
    Plan(Plan),
    /// `supply.verify`.
    Verify(Verification),
}

impl SupplyBody {
    /// Parses and checks a body of `kind`, without state.
    pub fn parse(kind: &str, body: &Value) -> Result<SupplyBody, BodyError> {
        match kind {
            "supply.capture" => Capture::parse(body).map(SupplyBody::Capture),
            "supply.facility" => Facility::parse(body).map(SupplyBody::Facility),
            "supply.product" => Product::parse(body).map(SupplyBody::Product),
            "supply.audit" => Audit::parse(body).map(SupplyBody::Audit),
            "supply.certify" => Certification::parse(body).map(SupplyBody::Certify),
            "supply.finding" => Finding::parse(body).map(SupplyBody::Finding),
            "supply.plan" => Plan::parse(body).map(SupplyBody::Plan),
            "supply.verify" => Verification::parse(body).map(SupplyBody::Verify),
            _ => Err(BodyError::new("", format!("{kind} is not a supply kind"))),
        }
    }
}

/// A batch of captured events.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The extension namespaces the batch's `@context` defines (prefix → IRI): what the
    /// events' extension members mean, kept so that a query returns them with their context.
    pub namespaces: Namespaces,
    /// The events, in order.
    pub events: Vec<Captured>,
    /// The pseudonymous user who captured them, if the organisation names one.
    pub actor: Option<String>,
}

/// One event of a capture: as read, with its identity.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The event, every identifier canonical, and as sent (`raw`).
    pub event: Event,
    /// Its CBV 2.0 event hash, `ni:///sha-256;{hex}?ver=CBV2.0`, computed here.
    pub hash: String,
    /// The `eventID` the capturer declared, if any: kept as declared even where it is not
    /// the hash (GS1's own examples carry such IDs).
    pub declared: Option<String>,
}

impl Captured {
    /// The hex digest of [`Captured::hash`]: the event's key in state.
    pub fn hex(&self) -> &str {
        hash_hex(&self.hash)
    }
}

/// The hex digest inside an event hash `ni:///sha-256;{hex}?ver=CBV2.0`.
pub fn hash_hex(hash: &str) -> &str {
    hash.strip_prefix("ni:///sha-256;")
        .and_then(|r| r.split('?').next())
        .unwrap_or(hash)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureWire {
    #[serde(default, rename = "@context")]
    context: Value,
    events: Vec<String>,
    #[serde(default)]
    actor: Option<String>,
}

impl Capture {
    fn parse(body: &Value) -> Result<Capture, BodyError> {
        let wire: CaptureWire = parse_body(body)?;
        let ns = namespaces(&wire.context);
        check_actor_opt(&wire.actor)?;
        let events = parse_events(&wire, &ns)?;
        Ok(Capture {
            namespaces: ns,
            events,
            actor: wire.actor,
        })
    }
}

fn parse_events(wire: &CaptureWire, ns: &Namespaces) -> Result<Vec<Captured>, BodyError> {
    if wire.events.is_empty() {
        return Err(BodyError::new(
            "events",
            "is empty: capture at least one event",
        ));
    }
    if wire.events.len() > MAX_EVENTS {
        return Err(BodyError::new(
            "events",
            format!(
                "holds {} events; at most {MAX_EVENTS} per transaction",
                wire.events.len()
            ),
        ));
    }
    wire.events
        .iter()
        .enumerate()
        .map(|(i, text)| {
            if text.len() > MAX_EVENT_BYTES {
                return Err(BodyError::new(
                    format!("events[{i}]"),
                    format!(
                        "is {} bytes; an event holds at most {MAX_EVENT_BYTES}",
                        text.len()
                    ),
                ));
            }
            let v: Value = serde_json::from_str(text).map_err(|e| {
                BodyError::new(
                    format!("events[{i}]"),
                    format!(
                        "is not an event's JSON text (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            let pointer = format!("/events/{i}");
            let event = parse_event(&v, &pointer).map_err(|e| {
                BodyError::new(
                    format!("events[{i}]{}", &e.pointer[pointer.len()..]),
                    e.rule,
                )
            })?;
            for id in event.identifiers() {
                check_node(&format!("events[{i}]"), &id.canonical())?;
            }
            let declared = event.event_id.clone();
            if let Some(d) = &declared {
                check_node(&format!("events[{i}].eventID"), d)?;
            }
            Ok(Captured {
                hash: event_hash(&event, ns),
                declared,
                event,
            })
        })
        .collect()
}

/// Refuses an identifier that could not be a state key: control characters, or longer than
/// 512 bytes.
fn check_node(field: &str, id: &str) -> Result<(), BodyError> {
    if id.len() > 512 || id.chars().any(char::is_control) {
        return Err(BodyError::new(
            field,
            format!("the identifier {id:?} is longer than 512 bytes or holds control characters"),
        ));
    }
    Ok(())
}

/// A facility: where goods are grown, processed or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Its location identifier, canonical: a GLN as `https://id.gs1.org/414/{gln}` (a
    /// sub-location's extension dropped) or another URI as written.
    pub id: String,
    /// Its public name (a company's site, never a person).
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// What it does: `cotton-farming`, `ginning`, `spinning`, `garment-making`, …
    pub sector: String,
    /// The member that operates it, if it is a member; it may answer findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Facility {
    fn parse(body: &Value) -> Result<Facility, BodyError> {
        let mut f: Facility = parse_body(body)?;
        f.id = facility_id("id", &f.id)?;
        check_actor_opt(&f.actor)?;
        check_text("name", &f.name)?;
        check_country("country", &f.country)?;
        check_slug("sector", &f.sector)?;
        Ok(f)
    }
}

/// A location identifier read as a facility's id (see [`Facility::id`]).
pub fn facility_id(field: &str, s: &str) -> Result<String, BodyError> {
    let id = Identifier::parse(s).map_err(|e| BodyError::new(field, e.to_string()))?;
    match &id {
        Identifier::Gs1(Gs1Id::Sgln { .. }) | Identifier::Other(_) => {}
        Identifier::Gs1(_) => {
            return Err(BodyError::new(
                field,
                "must be a location: a GLN (urn:epc:id:sgln:… or https://id.gs1.org/414/…) or another URI",
            ));
        }
    }
    let id = facility_of(&id);
    check_node(field, &id)?;
    Ok(id)
}

/// A product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Its GTIN, as 14 digits.
    pub gtin: String,
    /// A public description.
    pub description: String,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Product {
    fn parse(body: &Value) -> Result<Product, BodyError> {
        let mut p: Product = parse_body(body)?;
        p.gtin = gtin14("gtin", &p.gtin)?;
        check_actor_opt(&p.actor)?;
        check_text("description", &p.description)?;
        Ok(p)
    }
}

/// A GTIN-8, -12, -13 or -14 with a valid check digit, as 14 digits.
pub fn gtin14(field: &str, s: &str) -> Result<String, BodyError> {
    if !matches!(s.len(), 8 | 12 | 13 | 14) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BodyError::new(
            field,
            "must be a GTIN: 8, 12, 13 or 14 digits",
        ));
    }
    let padded = format!("{s:0>14}");
    let (body, check) = padded.split_at(13);
    if check_digit(body).map(|d| d.to_string()).as_deref() != Some(check) {
        return Err(BodyError::new(field, format!("{s}: wrong check digit")));
    }
    Ok(padded)
}

/// An audit of a facility against a standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The facility (see [`Facility::id`]).
    pub facility: String,
    /// The standard audited against (`SA8000`, `amfori BSCI`, `SMETA 4-pillar`, …).
    pub standard: String,
    /// What was covered.
    pub scope: String,
    /// First day on site, `YYYY-MM-DD`.
    pub from: String,
    /// Last day on site, `YYYY-MM-DD`.
    pub to: String,
    /// The result.
    pub outcome: AuditOutcome,
    /// SHA-256 of the audit report, if it is kept off the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_hash: Option<Hash32>,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// An audit's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// No non-conformity.
    Conformant,
    /// Minor non-conformities only.
    Minor,
    /// At least one major non-conformity.
    Major,
    /// Critical: forced-labour indicators found (record them as findings).
    Critical,
}

impl Audit {
    fn parse(body: &Value) -> Result<Audit, BodyError> {
        let mut a: Audit = parse_body(body)?;
        a.facility = facility_id("facility", &a.facility)?;
        check_actor_opt(&a.actor)?;
        check_text("standard", &a.standard)?;
        check_text("scope", &a.scope)?;
        let from = date("from", &a.from)?;
        if date("to", &a.to)? < from {
            return Err(BodyError::new("to", "is before from"));
        }
        Ok(a)
    }
}

/// A certification of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// The facility (see [`Facility::id`]).
    pub facility: String,
    /// The scheme (`Fair Trade USA`, `Better Cotton`, …).
    pub scheme: String,
    /// The certificate's number.
    pub certificate: String,
    /// First day of validity, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Last day of validity, `YYYY-MM-DD`.
    pub valid_until: String,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Certification {
    fn parse(body: &Value) -> Result<Certification, BodyError> {
        let mut c: Certification = parse_body(body)?;
        c.facility = facility_id("facility", &c.facility)?;
        check_actor_opt(&c.actor)?;
        check_text("scheme", &c.scheme)?;
        check_text("certificate", &c.certificate)?;
        let from = date("valid_from", &c.valid_from)?;
        if date("valid_until", &c.valid_until)? < from {
            return Err(BodyError::new("valid_until", "is before valid_from"));
        }
        Ok(c)
    }
}

pub use crate::finding::{Evidence, Finding, Indicator, Plan, Severity, Target, Verification};

/// Checks an optional pseudonymous user id (`actor`).
pub fn check_actor_opt(actor: &Option<String>) -> Result<(), BodyError> {
    actor.as_deref().map_or(Ok(()), |a| check_actor("actor", a))
}

/// Milliseconds at the start of a `YYYY-MM-DD` day (UTC), the date checked.
pub fn date(field: &str, s: &str) -> Result<i64, BodyError> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| parse_time(&format!("{s}T00:00:00Z")))
        .flatten()
        .ok_or_else(|| BodyError::new(field, format!("{s:?} is not a date: YYYY-MM-DD")))
}

/// A country: ISO 3166-1 alpha-2, upper case.
pub fn check_country(field: &str, s: &str) -> Result<(), BodyError> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be an ISO 3166-1 alpha-2 country code (e.g. \"TH\")",
        ))
    }
}

/// A short lower-case word list: 1 to 40 of `a-z`, `0-9` and `-`.
pub fn check_slug(field: &str, s: &str) -> Result<(), BodyError> {
    if (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be 1 to 40 characters of a-z, 0-9 and '-' (e.g. \"spinning\")",
        ))
    }
}

/// A finding's id: the transaction that recorded it.
pub type FindingId = TxId;
