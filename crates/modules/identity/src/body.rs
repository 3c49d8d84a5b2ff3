//! The bodies of the `identity.*` transactions, parsed with errors that name the field.
//!
//! No body carries personal data: a DID's public key and a short public label; a
//! credential's digest, type and status index; a child's pseudonymous id (`c-` and 20 hex
//! digits, random) and the id of the vault record that holds the child's sealed data.
//! Every body says when it happened (`at_ms`), which the ledger holds to within minutes
//! of the block's time, so the log proves when a credential was revoked.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_credentials::did::{parse_multikey, parse_unchain};
use unchain_credentials::status::{CAPACITY, Status};
use unchain_types::body::BodyError;
use unchain_types::body::{check_actor, check_text, parse_body};
use unchain_types::{Hash32, PublicKey};

/// `identity.did_create`: a new `did:unchain`, controlled by the sending organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DidCreate {
    /// Its first key, as a Multikey (`z6Mk…`).
    pub key: String,
    /// A short public label ("TH civil registry, Tak office"): no personal data.
    pub label: String,
    /// When (ms since the Unix epoch).
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.did_rotate`: the DID's key is replaced; the old one signs nothing from now.
/// With `compromised`, nothing the old key ever signed verifies any more either (a
/// stolen key could backdate what it signs): its credentials must be issued again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DidRotate {
    /// The DID.
    pub did: String,
    /// Its new key, as a Multikey.
    pub key: String,
    /// The old key was (or may have been) stolen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compromised: bool,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.did_deactivate`: the DID is retired; nothing it signed verifies any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DidDeactivate {
    /// The DID.
    pub did: String,
    /// Why (public, short).
    pub reason: String,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.issue`: a credential was issued; its status index is taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issue {
    /// The issuing DID (a `did:unchain` the sender controls).
    pub issuer: String,
    /// Its index in the issuer's status list.
    pub idx: u32,
    /// The credential type (`vct`).
    pub vct: String,
    /// SHA-256 of the issuer-signed JWT (salted digests only: reveals nothing).
    pub digest: Hash32,
    /// The child the credential is about, for child and guardian-link credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.status`: a credential is revoked, suspended or reinstated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    /// The issuing DID.
    pub issuer: String,
    /// The credential's status index.
    pub idx: u32,
    /// The new status.
    pub status: Status,
    /// Why (public, short).
    pub reason: String,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.child_register`: a registrar registered a child whose data it sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRegister {
    /// The child's pseudonymous id (`c-` and 20 lowercase hex digits).
    pub child: String,
    /// The registrar's own vault record holding the child's data.
    pub record: Hash32,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `identity.missing`: a child is flagged missing (`missing: true`) or found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Missing {
    /// The child's pseudonymous id.
    pub child: String,
    /// Missing (true) or found (false).
    pub missing: bool,
    /// Why (public, short: "reported missing by guardian", not a story).
    pub reason: String,
    /// When.
    pub at_ms: u64,
    /// The acting user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// A parsed `identity.*` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// `identity.did_create`.
    DidCreate(DidCreate),
    /// `identity.did_rotate`.
    DidRotate(DidRotate),
    /// `identity.did_deactivate`.
    DidDeactivate(DidDeactivate),
    /// `identity.issue`.
    Issue(Issue),
    /// `identity.status`.
    Status(SetStatus),
    /// `identity.child_register`.
    ChildRegister(ChildRegister),
    /// `identity.missing`.
    Missing(Missing),
}

impl Body {
    /// When it happened, as signed.
    pub fn at_ms(&self) -> u64 {
        match self {
            Body::DidCreate(b) => b.at_ms,
            Body::DidRotate(b) => b.at_ms,
            Body::DidDeactivate(b) => b.at_ms,
            Body::Issue(b) => b.at_ms,
            Body::Status(b) => b.at_ms,
            Body::ChildRegister(b) => b.at_ms,
            Body::Missing(b) => b.at_ms,
        }
    }

    /// The acting user, if named.
    pub fn actor(&self) -> Option<&str> {
        match self {
            Body::DidCreate(b) => b.actor.as_deref(),
            Body::DidRotate(b) => b.actor.as_deref(),
            Body::DidDeactivate(b) => b.actor.as_deref(),
            Body::Issue(b) => b.actor.as_deref(),
            Body::Status(b) => b.actor.as_deref(),
            Body::ChildRegister(b) => b.actor.as_deref(),
            Body::Missing(b) => b.actor.as_deref(),
        }
    }
}

/// Checks a child's pseudonymous id: `c-` and 20 lowercase hex digits.
pub fn check_child(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = s.len() == 22
        && s.starts_with("c-")
        && s[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            format!("{s:?} is not a child id (c- and 20 lowercase hex digits, random)"),
        ))
    }
}

/// Checks a `did:unchain` field.
pub fn check_did(field: &str, s: &str) -> Result<(), BodyError> {
    match parse_unchain(s) {
        Ok(bare) if bare == s => Ok(()),
        Ok(_) => Err(BodyError::new(field, "must not have a fragment (#…)")),
        Err(e) => Err(BodyError::new(field, e.to_string())),
    }
}

/// Checks a Multikey field, returning the key.
pub fn check_key(field: &str, s: &str) -> Result<PublicKey, BodyError> {
    parse_multikey(s).map_err(|e| BodyError::new(field, e))
}

/// Checks a credential type: a URN or URL of at most 100 printable ASCII characters.
pub fn check_vct(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=100).contains(&s.len())
        && (s.starts_with("urn:") || s.starts_with("https://"))
        && s.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "must be a URN or https URL of at most 100 printable characters",
        ))
    }
}

fn check_idx(idx: u32) -> Result<(), BodyError> {
    if idx < CAPACITY {
        Ok(())
    } else {
        Err(BodyError::new(
            "idx",
            format!("{idx} is past the status list's {CAPACITY} entries"),
        ))
    }
}

/// Parses the body of `kind`.
pub fn parse(kind: &str, body: &Value) -> Result<Body, BodyError> {
    let parsed = match kind {
        "identity.did_create" => {
            let b: DidCreate = parse_body(body)?;
            check_key("key", &b.key)?;
            check_text("label", &b.label)?;
            Body::DidCreate(b)
        }
        "identity.did_rotate" => {
            let b: DidRotate = parse_body(body)?;
            check_did("did", &b.did)?;
            check_key("key", &b.key)?;
            Body::DidRotate(b)
        }
        "identity.did_deactivate" => {
            let b: DidDeactivate = parse_body(body)?;
            check_did("did", &b.did)?;
            check_text("reason", &b.reason)?;
            Body::DidDeactivate(b)
        }
        "identity.issue" => {
            let b: Issue = parse_body(body)?;
            check_did("issuer", &b.issuer)?;
            check_idx(b.idx)?;
            check_vct("vct", &b.vct)?;
            if let Some(c) = &b.child {
                check_child("child", c)?;
            }
            Body::Issue(b)
        }
        "identity.status" => {
            let b: SetStatus = parse_body(body)?;
            check_did("issuer", &b.issuer)?;
            check_idx(b.idx)?;
            check_text("reason", &b.reason)?;
            Body::Status(b)
        }
        "identity.child_register" => {
            let b: ChildRegister = parse_body(body)?;
            check_child("child", &b.child)?;
            Body::ChildRegister(b)
        }
        "identity.missing" => {
            let b: Missing = parse_body(body)?;
            check_child("child", &b.child)?;
            check_text("reason", &b.reason)?;
            Body::Missing(b)
        }
        other => return Err(BodyError::new("", format!("unknown kind {other}"))),
    };
    if let Some(a) = parsed.actor() {
        check_actor("actor", a)?;
    }
    Ok(parsed)
}
