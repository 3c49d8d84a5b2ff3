//! The bodies of the `custody.*` transactions, parsed with errors that name the field.
//!
//! Every event names the item, the event it follows (`prev`, the transaction id of the
//! item's latest event: so the ledger refuses an event written against a stale view, and a
//! verifier detects a dropped or reordered event), the pseudonymous user who acted
//! (`actor`), when it happened (`at_ms`, as the acting organisation states it) and where and
//! why. Free text is short and public to every member: it must hold no personal data.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_cases::check_case_id;
use unchain_types::body::BodyError;
use unchain_types::body::{check_actor, check_text, parse_body};
use unchain_types::{Hash32, TxId};

/// What happened to an item. Each is one transaction kind, `custody.<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The item entered custody (its first event).
    Collect,
    /// Its holder handed it over; complete only when the receiver signs `receive`.
    Transfer,
    /// The receiver of a pending transfer took it.
    Receive,
    /// A pending transfer was called off by either side; the giver keeps the item.
    Cancel,
    /// It was examined (forensic extraction, laboratory test).
    Analyse,
    /// It was sealed in an evidence bag or container.
    Seal,
    /// It was presented in court.
    Present,
    /// It left custody, returned to its owner (final).
    Return,
    /// It was destroyed (final).
    Destroy,
}

impl Action {
    /// Every action, in the order of [`crate::KINDS`].
    pub const ALL: [Action; 9] = [
        Action::Collect,
        Action::Transfer,
        Action::Receive,
        Action::Cancel,
        Action::Analyse,
        Action::Seal,
        Action::Present,
        Action::Return,
        Action::Destroy,
    ];

    /// The transaction kind: `custody.collect`, …
    pub fn kind(self) -> &'static str {
        match self {
            Action::Collect => "custody.collect",
            Action::Transfer => "custody.transfer",
            Action::Receive => "custody.receive",
            Action::Cancel => "custody.cancel",
            Action::Analyse => "custody.analyse",
            Action::Seal => "custody.seal",
            Action::Present => "custody.present",
            Action::Return => "custody.return",
            Action::Destroy => "custody.destroy",
        }
    }

    /// The action of a `custody.*` kind.
    pub fn from_kind(kind: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.kind() == kind)
    }

    /// The past tense, for reports: "collected", "transferred", …
    pub fn past(self) -> &'static str {
        match self {
            Action::Collect => "collected",
            Action::Transfer => "handed over",
            Action::Receive => "received",
            Action::Cancel => "hand-over cancelled",
            Action::Analyse => "analysed",
            Action::Seal => "sealed",
            Action::Present => "presented in court",
            Action::Return => "returned",
            Action::Destroy => "destroyed",
        }
    }

    /// The body members this action takes beyond the common ones, and which are required.
    fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            Action::Collect => &[
                ("case", false),
                ("evidence", true),
                ("content_hash", true),
                ("description", true),
            ],
            Action::Transfer => &[("to", true), ("to_actor", false)],
            Action::Receive | Action::Cancel => &[],
            Action::Analyse => &[("method", true), ("result_hash", false)],
            Action::Seal => &[("seal_number", true)],
            Action::Present => &[("court", true), ("proceeding", true)],
            Action::Return => &[("returned_to", true)],
            Action::Destroy => &[("method", true)],
        }
    }
}

/// Physical or digital evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A thing: its `content_hash` is the SHA-256 of a photograph of it.
    Physical,
    /// A file or disk image: its `content_hash` is the SHA-256 of the bytes.
    Digital,
}

/// One custody event as signed by the acting organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The item: 32 bytes chosen at collection, hex.
    pub item: Hash32,
    /// The transaction id of the item's latest event; absent only for `collect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<TxId>,
    /// The pseudonymous id of the user who acted, inside the organisation.
    pub actor: String,
    /// When it happened, in ms since the Unix epoch, as the organisation states it.
    pub at_ms: u64,
    /// Where (a facility or place; no home addresses).
    pub location: String,
    /// Why.
    pub reason: String,
    /// `collect`: the case the item belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// `collect`: physical or digital.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceKind>,
    /// `collect`: SHA-256 of the digital evidence or of a photograph of the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<Hash32>,
    /// `collect`: what the item is (public; no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `transfer`: the receiving organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `transfer`: the receiving user, when the hand-over names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_actor: Option<String>,
    /// `analyse`, `destroy`: how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// `analyse`: SHA-256 of the analysis report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_hash: Option<Hash32>,
    /// `seal`: the number printed on the seal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_number: Option<String>,
    /// `present`: the court.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    /// `present`: the proceeding's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proceeding: Option<String>,
    /// `return`: to whom, as a role ("the owner", "the employer"), not a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_to: Option<String>,
}

/// Members every custody body has.
const COMMON: [&str; 6] = ["item", "prev", "actor", "at_ms", "location", "reason"];

/// Parses and checks the body of `action`, naming the offending field on error.
pub fn parse(action: Action, body: &Value) -> Result<Event, BodyError> {
    let map = body
        .as_object()
        .ok_or_else(|| BodyError::new("", "must be an object"))?;
    let extra = action.fields();
    if let Some(k) = map
        .keys()
        .find(|k| !COMMON.contains(&k.as_str()) && !extra.iter().any(|(f, _)| f == k))
    {
        let allowed: Vec<&str> = COMMON
            .iter()
            .copied()
            .chain(extra.iter().map(|(f, _)| *f))
            .filter(|f| *f != "prev" || action != Action::Collect)
            .collect();
        return Err(BodyError::new(
            k.clone(),
            format!(
                "is not allowed in {} (allowed: {})",
                action.kind(),
                allowed.join(", ")
            ),
        ));
    }
    if let Some((f, _)) = extra.iter().find(|(f, req)| *req && !map.contains_key(*f)) {
        return Err(BodyError::new(*f, "is missing"));
    }
    let event: Event = parse_body(body)?;
    match (action, event.prev) {
        (Action::Collect, Some(_)) => {
            return Err(BodyError::new(
                "prev",
                "is not allowed in custody.collect: collection is an item's first event",
            ));
        }
        (Action::Collect, None) => {}
        (_, None) => {
            return Err(BodyError::new(
                "prev",
                "is missing: name the transaction id of the item's latest event",
            ));
        }
        (_, Some(_)) => {}
    }
    check_actor("actor", &event.actor)?;
    check_text("location", &event.location)?;
    check_text("reason", &event.reason)?;
    if let Some(c) = &event.case {
        check_case_id("case", c)?;
    }
    for (field, value) in [
        ("description", &event.description),
        ("method", &event.method),
        ("seal_number", &event.seal_number),
        ("court", &event.court),
        ("proceeding", &event.proceeding),
        ("returned_to", &event.returned_to),
    ] {
        if let Some(v) = value {
            check_text(field, v)?;
        }
    }
    if let Some(a) = &event.to_actor {
        check_actor("to_actor", a)?;
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"item": "ab".repeat(32), "actor": "u-1", "at_ms": 1, "location": "Lab 2", "reason": "r"})
    }

    #[test]
    fn errors_name_the_field() {
        let mut collect = base();
        collect["evidence"] = json!("digital");
        collect["content_hash"] = json!("cd".repeat(32));
        collect["description"] = json!("Phone");
        assert!(parse(Action::Collect, &collect).is_ok());
        let with = |k: &str, v: Value| {
            let mut b = collect.clone();
            b[k] = v;
            b
        };
        let cases = [
            (Action::Collect, base(), "body.evidence: is missing"),
            (
                Action::Collect,
                with("prev", json!("ef".repeat(32))),
                "body.prev: is not allowed in custody.collect",
            ),
            (
                Action::Collect,
                with("evidence", json!("liquid")),
                "body.evidence: unknown variant",
            ),
            (
                Action::Collect,
                with("actor", json!("Jane Doe")),
                "body.actor: must be a pseudonymous user id",
            ),
            (
                Action::Collect,
                with("location", json!("x".repeat(201))),
                "body.location: is 201 bytes",
            ),
            (
                Action::Collect,
                with("case", json!("a b")),
                "body.case: must be a case id",
            ),
            (
                Action::Collect,
                with("to", json!("x")),
                "body.to: is not allowed in custody.collect",
            ),
            (Action::Receive, base(), "body.prev: is missing"),
            (Action::Transfer, base(), "body.to: is missing"),
            (
                Action::Seal,
                with("seal_number", json!(7)),
                "body.content_hash: is not allowed in custody.seal",
            ),
        ];
        for (action, body, want) in cases {
            let err = parse(action, &body).expect_err(want).to_string();
            assert!(err.starts_with(want), "want {want:?}, got {err:?}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_kind(a.kind()), Some(a));
        }
        assert_eq!(Action::from_kind("custody.steal"), None);
    }
}

/// A `custody.*` body: the action its kind names and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustodyBody {
    /// The action (from the kind).
    #[serde(skip)]
    pub action: Action,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

impl CustodyBody {
    /// Parses the body of a transaction of `kind` (`custody.<action>`), naming the field
    /// at fault.
    pub fn parse(kind: &str, body: &Value) -> Result<Self, BodyError> {
        let action = Action::from_kind(kind)
            .ok_or_else(|| BodyError::new("", format!("unknown kind {kind}")))?;
        Ok(CustodyBody {
            action,
            event: parse(action, body)?,
        })
    }
}
