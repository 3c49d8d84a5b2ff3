//! For the organisation's side — the CLI, the console on the organisation's own node, tests:
//! preparing a seal, opening a version's content key, re-wrapping it for a grant, and
//! unwrapping the consortium's matching key. No I/O: the caller fetches the record's view
//! and the member keys, stores the ciphertext and submits the body.

use crate::body::{Grant, LegalBasis, Policy, Seal, TokenEntry};
use crate::state::RecordView;
use unchain_seal::{
    ContentKey, IdentifierKind, MatchingKey, RecordId, WrappedKey, matching_key_info,
    record_key_info, seal_record,
};
use unchain_types::{EncryptionPublicKey, EncryptionSecretKey, PublicKey};

/// Why an organisation-side vault step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The record has no such version.
    #[error("record {record} has no version {version}")]
    NoVersion {
        /// The record.
        record: RecordId,
        /// The version asked for.
        version: u32,
    },
    /// The record was erased: its keys are gone.
    #[error("record {0} was erased")]
    Erased(RecordId),
    /// This organisation is not a recipient of that version.
    #[error("{member} is not a recipient of version {version}")]
    NotRecipient {
        /// This organisation.
        member: String,
        /// The version.
        version: u32,
    },
    /// A wrapped key did not open with this organisation's secret key.
    #[error("{what} does not open with {member}'s key file")]
    Unwrap {
        /// Which key.
        what: &'static str,
        /// This organisation.
        member: String,
    },
    /// An identifier could not be blinded.
    #[error("identifier {kind}: {reason}")]
    Identifier {
        /// Its kind.
        kind: &'static str,
        /// Why.
        reason: String,
    },
}

/// This organisation: its member name and its X25519 secret key, on a chain.
#[derive(Clone, Copy)]
pub struct Me<'a> {
    /// The chain id (it is bound into every wrapped key).
    pub chain_id: &'a str,
    /// The organisation's member name.
    pub name: &'a str,
    /// Its X25519 secret key.
    pub secret: &'a EncryptionSecretKey,
}

/// The version a new seal gets and who receives it: version 1 for a new record (this
/// organisation and `also`), or the next version of `existing`, for exactly the
/// organisations with active access (the ledger refuses anything else).
pub fn next_version(
    existing: Option<&RecordView>,
    me: &str,
    also: &[String],
) -> (u32, Vec<String>) {
    match existing {
        None => {
            let mut to = vec![me.to_owned()];
            to.extend(also.iter().filter(|t| *t != me).cloned());
            (1, to)
        }
        Some(view) => (
            view.record.latest_version + 1,
            view.access
                .iter()
                .filter(|a| a.revoked.is_none())
                .map(|a| a.member.clone())
                .collect(),
        ),
    }
}

/// The consortium's matching key of `epoch`, unwrapped from this organisation's copy.
pub fn unwrap_matching_key(
    me: Me<'_>,
    epoch: u32,
    wrapped: &WrappedKey,
) -> Result<MatchingKey, ClientError> {
    wrapped
        .unwrap(me.secret, &matching_key_info(me.chain_id, epoch, me.name))
        .map(MatchingKey::from_bytes)
        .map_err(|_| ClientError::Unwrap {
            what: "the matching key",
            member: me.name.to_owned(),
        })
}

/// Blind-index tokens of `identifiers` (kind, value as written) under the matching key of
/// `epoch`; `country` is the default region for phone numbers written without `+`.
pub fn blind_tokens(
    key: &MatchingKey,
    epoch: u32,
    identifiers: &[(IdentifierKind, &str)],
    country: Option<&str>,
) -> Result<Vec<TokenEntry>, ClientError> {
    identifiers
        .iter()
        .map(|(kind, value)| {
            let token = key
                .blind(*kind, value, country)
                .map_err(|e| ClientError::Identifier {
                    kind: kind.as_str(),
                    reason: e.to_string(),
                })?;
            Ok(TokenEntry {
                kind: *kind,
                token,
                epoch,
            })
        })
        .collect()
}

/// What to seal.
pub struct SealPlan<'a> {
    /// The chain id.
    pub chain_id: &'a str,
    /// The record (random for a new one).
    pub record: RecordId,
    /// The version (see [`next_version`]).
    pub version: u32,
    /// What the payload is (`htcds.case`, …).
    pub schema: &'a str,
    /// The plaintext.
    pub plaintext: &'a [u8],
    /// Who receives it, with their X25519 keys.
    pub recipients: &'a [(String, EncryptionPublicKey)],
    /// Blind-index tokens of its identifiers.
    pub tokens: Vec<TokenEntry>,
    /// Version 1 only: retention and consent.
    pub policy: Option<Policy>,
    /// Version 1 only: the survivor's key, when the record is about one.
    pub subject: Option<PublicKey>,
    /// The acting user.
    pub actor: Option<String>,
}

/// A sealed version: the ciphertext to store on the node, and the `vault.seal` body.
pub struct PreparedSeal {
    /// The ciphertext (its SHA-256 is `body.commitment`).
    pub ciphertext: Vec<u8>,
    /// The body to submit as `vault.seal`.
    pub body: Seal,
}

/// Encrypts the plaintext under a fresh content key, wraps the key for every recipient and
/// builds the `vault.seal` body.
pub fn prepare_seal(plan: SealPlan<'_>) -> PreparedSeal {
    let (ciphertext, commitment, recipients) = seal_record(
        plan.chain_id,
        &plan.record,
        plan.version,
        plan.plaintext,
        plan.recipients,
    );
    let first = plan.version == 1;
    let body = Seal {
        actor: plan.actor,
        record: plan.record,
        version: plan.version,
        schema: plan.schema.to_owned(),
        commitment,
        size: ciphertext.len() as u64,
        recipients,
        policy: if first { plan.policy } else { None },
        subject: if first { plan.subject } else { None },
        tokens: plan.tokens,
    };
    PreparedSeal { ciphertext, body }
}

/// The content key of `version` of the record, unwrapped with this organisation's key.
pub fn content_key(me: Me<'_>, view: &RecordView, version: u32) -> Result<ContentKey, ClientError> {
    let id = view.record.record;
    if view.record.erased.is_some() {
        return Err(ClientError::Erased(id));
    }
    let v = view
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or(ClientError::NoVersion {
            record: id,
            version,
        })?;
    let wrapped = v
        .keys
        .get(me.name)
        .ok_or_else(|| ClientError::NotRecipient {
            member: me.name.to_owned(),
            version,
        })?;
    wrapped
        .unwrap_content_key(
            me.secret,
            &record_key_info(me.chain_id, &id, version, me.name),
        )
        .map_err(|_| ClientError::Unwrap {
            what: "the content key",
            member: me.name.to_owned(),
        })
}

/// What a grant says besides the key.
pub struct GrantTerms<'a> {
    /// Why (no personal data).
    pub purpose: &'a str,
    /// On what legal basis.
    pub legal_basis: LegalBasis,
    /// Whether the recipient may share further.
    pub reshare: bool,
    /// The acting user.
    pub actor: Option<String>,
}

/// The `vault.grant` body sharing the record's latest version with `to`: the content key
/// unwrapped with this organisation's key and wrapped again for `to_key`.
pub fn grant(
    me: Me<'_>,
    view: &RecordView,
    to: &str,
    to_key: &EncryptionPublicKey,
    terms: GrantTerms<'_>,
) -> Result<Grant, ClientError> {
    let id = view.record.record;
    let version = view.record.latest_version;
    let key = content_key(me, view, version)?;
    Ok(Grant {
        actor: terms.actor,
        record: id,
        version,
        recipient: to.to_owned(),
        wrapped_key: WrappedKey::wrap_content_key(
            &key,
            to_key,
            &record_key_info(me.chain_id, &id, version, to),
        ),
        purpose: terms.purpose.to_owned(),
        legal_basis: terms.legal_basis,
        reshare: terms.reshare,
        override_: None,
    })
}

/// A body as the JSON a transaction carries.
pub fn to_json<T: serde::Serialize>(body: &T) -> serde_json::Value {
    serde_json::to_value(body).expect("vault bodies serialise")
}
