//! The `tips.*` bodies, parsed and checked without state.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_cases::check_case_id;
use unchain_types::Hash32;
use unchain_types::body::BodyError;
use unchain_types::body::{check_actor, parse_body};

/// The ILO indicators of forced labour (ILO, *Indicators of Forced Labour*, 2012), as
/// triage categories.
pub const ILO_INDICATORS: [&str; 11] = [
    "abuse_of_vulnerability",
    "deception",
    "restriction_of_movement",
    "isolation",
    "physical_and_sexual_violence",
    "intimidation_and_threats",
    "retention_of_identity_documents",
    "withholding_of_wages",
    "debt_bondage",
    "abusive_working_and_living_conditions",
    "excessive_overtime",
];

/// Forms of exploitation a tip may be triaged as (the Palermo Protocol's list, plus what
/// triage needs to say).
pub const CATEGORIES: [&str; 9] = [
    "forced_labour",
    "sexual_exploitation",
    "domestic_servitude",
    "forced_criminality",
    "forced_marriage",
    "organ_removal",
    "child_exploitation",
    "other",
    "not_trafficking",
];

/// Triage priorities, most urgent first.
pub const PRIORITIES: [&str; 4] = ["immediate", "high", "normal", "low"];

/// The key of a tip message wrapped for the intake organisation and for the reporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// HPKE-wrapped for the intake organisation's X25519 key (160 hex).
    pub intake: String,
    /// HPKE-wrapped for the reporter's key derived from the receipt code (160 hex).
    pub reporter: String,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The anonymous reporter (the report itself, and follow-ups).
    Reporter,
    /// The intake agency (replies, questions).
    Agency,
}

/// `tips.receive`: the intake organisation's node received a report.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Receive {
    /// The tip id (`t-` and 20 hex digits).
    pub tip: String,
    /// The message id of the report (32 hex), bound into its sealing.
    pub msg: String,
    /// The form it came through.
    pub form: String,
    /// Derived from the receipt code (Argon2id): how the reporter finds it again.
    pub locator: Hash32,
    /// The reporter's X25519 public key, derived from the receipt code.
    pub reporter_key: String,
    /// SHA-256 of the sealed report.
    pub commitment: Hash32,
    /// Its size in bytes.
    pub size: u64,
    /// Its content key, wrapped.
    pub keys: Keys,
    /// HMAC of the report's canonical JSON under the reporter's commitment key.
    pub receipt: Hash32,
    /// When it arrived (the node's clock).
    pub at_ms: u64,
    /// Days after the tip's last activity when it is erased everywhere (the form's
    /// policy); absent: kept until its intake erases it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// `tips.message`: a reply from the agency, or more information from the reporter.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// The tip.
    pub tip: String,
    /// The message id (32 hex), bound into its sealing.
    pub msg: String,
    /// Who wrote it.
    pub from: Author,
    /// SHA-256 of the sealed message.
    pub commitment: Hash32,
    /// Its size in bytes.
    pub size: u64,
    /// Its content key, wrapped.
    pub keys: Keys,
    /// The reporter's commitment of it (required from the reporter, refused otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Hash32>,
    /// The acting user (required for the agency, refused for the reporter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// When it was written.
    pub at_ms: u64,
}

/// `tips.triage`: priority, category, ILO indicators, open or closed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    /// The tip.
    pub tip: String,
    /// One of [`PRIORITIES`].
    pub priority: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Some of [`ILO_INDICATORS`], each once.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// Whether the tip stays open.
    pub closed: bool,
    /// The acting user.
    pub actor: String,
}

/// `tips.convert`: the tip became a case (`cases.open` over a sealed record).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Convert {
    /// The tip.
    pub tip: String,
    /// The case, opened by the same organisation.
    pub case: String,
    /// The acting user.
    pub actor: String,
}

/// Why a tip is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseReason {
    /// The intake organisation decided (unfounded, duplicate, the reporter asked, the
    /// case holds what matters): only the intake, with an actor.
    IntakeRequest,
    /// Its retention period ended: any member may submit it once it has.
    RetentionExpired,
}

/// `tips.erase`: delete a tip's sealed messages from every node.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The tip.
    pub tip: String,
    /// Why.
    pub reason: EraseReason,
    /// The acting user (required for `intake_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// Longest retention period, in days (100 years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// A parsed body.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// `tips.receive`.
    Receive(Receive),
    /// `tips.message`.
    Message(Message),
    /// `tips.triage`.
    Triage(Triage),
    /// `tips.convert`.
    Convert(Convert),
    /// `tips.erase`.
    Erase(Erase),
}

/// Checks a tip id: `t-` and 20 lowercase hex digits.
pub fn check_tip_id(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = s.len() == 22
        && s.starts_with("t-")
        && s[2..]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            format!("{s:?} is not a tip id (t- and 20 lowercase hex digits)"),
        ))
    }
}

fn check_msg_id(s: &str) -> Result<(), BodyError> {
    if s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(BodyError::new(
            "msg",
            "must be 32 lowercase hex digits (a random message id)",
        ))
    }
}

fn check_form(s: &str) -> Result<(), BodyError> {
    let ok = (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            "form",
            "must be 1 to 32 characters of a-z, 0-9 and -",
        ))
    }
}

fn check_keys(k: &Keys) -> Result<(), BodyError> {
    for (field, v) in [("keys.intake", &k.intake), ("keys.reporter", &k.reporter)] {
        unchain_seal::wrap::WrappedKey::from_hex(v).map_err(|e| BodyError::new(field, e))?;
    }
    Ok(())
}

/// Largest sealed message: a report with its attachments.
pub const MAX_SEALED: u64 = 24 * 1024 * 1024;

fn check_size(size: u64) -> Result<(), BodyError> {
    if size == 0 || size > MAX_SEALED {
        return Err(BodyError::new(
            "size",
            format!("must be 1 to {MAX_SEALED} bytes"),
        ));
    }
    Ok(())
}

fn check_one_of(field: &str, v: &str, allowed: &[&str]) -> Result<(), BodyError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            format!("{v:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

/// Parses and checks a body without state, naming the offending field.
pub fn parse(kind: &str, body: &Value) -> Result<Body, BodyError> {
    Ok(match kind {
        "tips.receive" => {
            let r: Receive = parse_body(body)?;
            check_tip_id("tip", &r.tip)?;
            check_msg_id(&r.msg)?;
            check_form(&r.form)?;
            unchain_types::EncryptionPublicKey::from_hex(&r.reporter_key)
                .map_err(|e| BodyError::new("reporter_key", e.to_string()))?;
            check_size(r.size)?;
            check_keys(&r.keys)?;
            if let Some(days) = r.retention_days
                && !(1..=MAX_RETENTION_DAYS).contains(&days)
            {
                return Err(BodyError::new(
                    "retention_days",
                    format!("must be 1 to {MAX_RETENTION_DAYS} days"),
                ));
            }
            Body::Receive(r)
        }
        "tips.message" => {
            let m: Message = parse_body(body)?;
            check_tip_id("tip", &m.tip)?;
            check_msg_id(&m.msg)?;
            check_size(m.size)?;
            check_keys(&m.keys)?;
            match (m.from, &m.receipt, &m.actor) {
                (Author::Reporter, Some(_), None) => {}
                (Author::Reporter, None, _) => {
                    return Err(BodyError::new(
                        "receipt",
                        "is required for the reporter's messages",
                    ));
                }
                (Author::Reporter, _, Some(_)) => {
                    return Err(BodyError::new(
                        "actor",
                        "the reporter is anonymous: no actor",
                    ));
                }
                (Author::Agency, _, None) => {
                    return Err(BodyError::new(
                        "actor",
                        "is required for the agency's messages",
                    ));
                }
                (Author::Agency, Some(_), _) => {
                    return Err(BodyError::new(
                        "receipt",
                        "is only for the reporter's messages",
                    ));
                }
                (Author::Agency, None, Some(a)) => check_actor("actor", a)?,
            }
            Body::Message(m)
        }
        "tips.triage" => {
            let t: Triage = parse_body(body)?;
            check_tip_id("tip", &t.tip)?;
            check_actor("actor", &t.actor)?;
            check_one_of("priority", &t.priority, &PRIORITIES)?;
            check_one_of("category", &t.category, &CATEGORIES)?;
            for (i, ind) in t.indicators.iter().enumerate() {
                check_one_of(&format!("indicators[{i}]"), ind, &ILO_INDICATORS)?;
                if t.indicators[..i].contains(ind) {
                    return Err(BodyError::new(
                        format!("indicators[{i}]"),
                        format!("{ind:?} is named twice"),
                    ));
                }
            }
            Body::Triage(t)
        }
        "tips.convert" => {
            let c: Convert = parse_body(body)?;
            check_tip_id("tip", &c.tip)?;
            check_case_id("case", &c.case)?;
            check_actor("actor", &c.actor)?;
            Body::Convert(c)
        }
        "tips.erase" => {
            let e: Erase = parse_body(body)?;
            check_tip_id("tip", &e.tip)?;
            match (e.reason, &e.actor) {
                (EraseReason::IntakeRequest, None) => {
                    return Err(BodyError::new(
                        "actor",
                        "is required when the intake erases a tip",
                    ));
                }
                (_, Some(a)) => check_actor("actor", a)?,
                (EraseReason::RetentionExpired, None) => {}
            }
            Body::Erase(e)
        }
        other => return Err(BodyError::new("", format!("unknown kind {other}"))),
    })
}
