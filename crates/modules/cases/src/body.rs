//! The bodies of the `cases.*` kinds, both directions: parsed from a transaction with
//! errors that name the field, and built by a client.

use crate::workflow::CaseKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_types::Hash32;
use unchain_types::body::BodyError;
use unchain_types::body::{check_actor, check_text, parse_body};

/// The HTCDS reasons for a referral (`cas_ReasonForOutgoingReferral`).
pub const REFERRAL_REASONS: [&str; 3] = [
    "AdditionalServicesRequired",
    "MigrationOrChangeOfLocation",
    "Other",
];

/// `cases.open`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Open {
    /// The case id.
    pub case: String,
    /// What it is.
    pub kind: CaseKind,
    /// The sealed HTCDS record (the sender's own).
    pub record: Hash32,
    /// The acting user.
    pub actor: String,
    /// A case this one follows from (an investigation opened on an allegation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// `cases.transition`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The case id.
    pub case: String,
    /// The status the sender saw (refused if it is no longer current).
    pub from: String,
    /// The new status.
    pub to: String,
    /// The acting user.
    pub actor: String,
    /// Required to close: one of [`workflow::outcomes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why (public; no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `cases.refer`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Refer {
    /// The case id.
    pub case: String,
    /// The agency referred to.
    pub to: String,
    /// One of [`REFERRAL_REASONS`].
    pub reason: String,
    /// The acting user.
    pub actor: String,
}

/// `cases.update`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// The case id.
    pub case: String,
    /// The record's version the case now points to (its latest).
    pub version: u32,
    /// The acting user.
    pub actor: String,
}

/// A parsed body.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// `cases.open`.
    Open(Open),
    /// `cases.transition`.
    Transition(Transition),
    /// `cases.refer`.
    Refer(Refer),
    /// `cases.update`.
    Update(Update),
}

/// Checks a case id: 1 to 64 characters of `A-Z`, `a-z`, `0-9`, `.`, `_`, `/` and `-`.
pub fn check_case_id(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be a case id: 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '/' and '-'",
        ))
    }
}

/// Parses and checks a body without state, naming the offending field.
pub fn parse(kind: &str, body: &Value) -> Result<Body, BodyError> {
    let b = match kind {
        "cases.open" => {
            let o: Open = parse_body(body)?;
            check_case_id("case", &o.case)?;
            check_actor("actor", &o.actor)?;
            if let Some(p) = &o.parent {
                check_case_id("parent", p)?;
            }
            Body::Open(o)
        }
        "cases.transition" => {
            let t: Transition = parse_body(body)?;
            check_case_id("case", &t.case)?;
            check_actor("actor", &t.actor)?;
            if let Some(r) = &t.reason {
                check_text("reason", r)?;
            }
            Body::Transition(t)
        }
        "cases.refer" => {
            let r: Refer = parse_body(body)?;
            check_case_id("case", &r.case)?;
            check_actor("actor", &r.actor)?;
            if !REFERRAL_REASONS.contains(&r.reason.as_str()) {
                return Err(BodyError::new(
                    "reason",
                    format!(
                        "{:?} is not an HTCDS referral reason (one of {})",
                        r.reason,
                        REFERRAL_REASONS.join(", ")
                    ),
                ));
            }
            Body::Refer(r)
        }
        "cases.update" => {
            let u: Update = parse_body(body)?;
            check_case_id("case", &u.case)?;
            check_actor("actor", &u.actor)?;
            Body::Update(u)
        }
        other => return Err(BodyError::new("", format!("unknown kind {other}"))),
    };
    Ok(b)
}
