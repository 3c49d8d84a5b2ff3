//! The bodies of the `vault.*` transactions, parsed with errors that name the field.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use unchain_seal::{IdentifierKind, RecordId, WrappedKey};
use unchain_types::body::BodyError;
use unchain_types::{Hash32, PublicKey, Signature};

/// Most recipients of one record version.
pub const MAX_RECIPIENTS: usize = 64;
/// Most blind-index tokens one transaction may carry.
pub const MAX_TOKENS: usize = 32;
/// Largest ciphertext, in bytes (16 MiB).
pub const MAX_CIPHERTEXT: u64 = 16 * 1024 * 1024;
/// Longest retention period, in days (100 years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;
/// Longest free-text field (purpose, reason, court-order reference), in bytes.
pub use unchain_types::body::MAX_TEXT;

/// The policy a record is sealed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Days after sealing when the record must be erased.
    pub retention_days: u32,
    /// Whether sharing with a new organisation needs the survivor's consent (or a court
    /// override). Requires a `subject`.
    pub consent_required: bool,
    /// Whether the record is about a person under 18: the one fact about its subject a
    /// jurisdiction's sharing policy may read (records about children go only where the
    /// law lets them). Absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subject_minor: bool,
}

/// One blind-index token a record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// What kind of identifier it stands for.
    pub kind: IdentifierKind,
    /// HMAC-SHA256 of the normalised identifier under the matching key.
    pub token: Hash32,
    /// The matching key's epoch.
    pub epoch: u32,
}

/// `vault.seal`: a new record (version 1) or a new version of one.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record (32 random bytes, hex).
    pub record: RecordId,
    /// 1 for a new record; the next version for a new version.
    pub version: u32,
    /// What the payload is (`htcds.person`, `case.note`, …).
    pub schema: String,
    /// SHA-256 of the ciphertext.
    pub commitment: Hash32,
    /// Ciphertext length in bytes.
    pub size: u64,
    /// The content key wrapped for each recipient, by member name.
    pub recipients: BTreeMap<String, WrappedKey>,
    /// Version 1 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// The survivor's Ed25519 key, if the record is about one (version 1 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<PublicKey>,
    /// Blind-index tokens of the identifiers in the payload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<TokenEntry>,
}

/// The legal basis a grant names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// The survivor consented (a `vault.consent` must be on record when consent is required).
    Consent,
    /// A legal obligation of the sharing organisation.
    LegalObligation,
    /// To protect someone's life.
    VitalInterests,
    /// A task in the public interest (law enforcement, child protection).
    PublicTask,
    /// A court order.
    CourtOrder,
}

/// Sharing without the survivor's consent: flagged in the audit trail and noticed to the
/// survivor's key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The court order's reference.
    pub court_order: String,
    /// The court or authority that issued it.
    pub authority: String,
}

/// `vault.grant`: share the record's current version with another organisation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record.
    pub record: RecordId,
    /// The version whose key is wrapped (must be the latest).
    pub version: u32,
    /// The organisation given access.
    pub recipient: String,
    /// The content key wrapped for it.
    pub wrapped_key: WrappedKey,
    /// Why (no personal data).
    pub purpose: String,
    /// On what legal basis.
    pub legal_basis: LegalBasis,
    /// Whether the recipient may grant access to others.
    #[serde(default)]
    pub reshare: bool,
    /// A court override of a missing consent.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
}

/// `vault.revoke`: stop sharing future versions with an organisation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record.
    pub record: RecordId,
    /// The organisation whose access ends.
    pub member: String,
    /// Why (no personal data).
    pub reason: String,
}

/// A survivor's decision about sharing with one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The survivor allows sharing for the stated purpose.
    Allow,
    /// The survivor withdraws an earlier consent (future grants are refused).
    Withdraw,
}

/// `vault.consent`: a survivor's signed decision, submitted by any member on their behalf.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record.
    pub record: RecordId,
    /// The organisation the decision is about.
    pub recipient: String,
    /// The purpose consented to.
    pub purpose: String,
    /// Allow or withdraw.
    pub decision: Decision,
    /// The survivor's Ed25519 signature over [`consent_statement`].
    pub signature: Signature,
}

/// Why a record is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseReason {
    /// The owning organisation asked.
    OwnerRequest,
    /// The survivor asked (their signature is required).
    SubjectRequest,
    /// The retention period ended (any member may submit it once it has).
    RetentionExpired,
}

/// `vault.erase`: crypto-shred a record everywhere.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record.
    pub record: RecordId,
    /// Why.
    pub reason: EraseReason,
    /// For `subject_request`: the survivor's signature over [`erase_statement`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_signature: Option<Signature>,
}

/// `vault.rotate_matching_key`: a new matching-key epoch, wrapped for every member.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// The new epoch: the current one plus one.
    pub epoch: u32,
    /// The new key wrapped for every current member.
    pub wrapped: BTreeMap<String, WrappedKey>,
}

/// The bytes a survivor signs, with `record`'s subject key, to prove to whoever set
/// `challenge` that they are the subject of `record`. A survivor's wallet uses a separate
/// key for each record, so records about one person share no key; proving several at
/// once (one statement each, the same challenge) links them only for that verifier.
pub fn subject_proof_statement(chain_id: &str, record: &RecordId, challenge: &str) -> Vec<u8> {
    statement(serde_json::json!({
        "type": "unchain.vault.subject/v1",
        "chain_id": chain_id,
        "record": record.to_hex(),
        "challenge": challenge,
    }))
}

/// Most records one subject proof may name.
pub const MAX_PROOF_RECORDS: usize = 64;

/// A survivor's proof that they are the subject of some records (`unchain wallet
/// prove-subject`), as the verifier receives it: for each record, its subject key and a
/// signature over [`subject_proof_statement`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectProof {
    /// `unchain.vault.subject-proof/v1`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The chain.
    pub chain_id: String,
    /// The verifier's challenge.
    pub challenge: String,
    /// One entry per record.
    pub records: Vec<SubjectProofEntry>,
}

/// One record in a [`SubjectProof`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectProofEntry {
    /// The record.
    pub record: RecordId,
    /// Its subject key, as the survivor's wallet holds it.
    pub key: PublicKey,
    /// The key's signature over the record and the challenge.
    pub signature: Signature,
}

/// The type a subject proof names.
pub const SUBJECT_PROOF_TYPE: &str = "unchain.vault.subject-proof/v1";

impl SubjectProof {
    /// Reads a proof from outside, with errors that name the field.
    pub fn parse(bytes: &[u8]) -> Result<Self, BodyError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| BodyError::new("", format!("is not JSON ({e})")))?;
        let proof: SubjectProof = parse(&value)?;
        if proof.kind != SUBJECT_PROOF_TYPE {
            return Err(BodyError::new(
                "type",
                format!("must be {SUBJECT_PROOF_TYPE}"),
            ));
        }
        if proof.records.is_empty() || proof.records.len() > MAX_PROOF_RECORDS {
            return Err(BodyError::new(
                "records",
                format!("must name 1 to {MAX_PROOF_RECORDS} records"),
            ));
        }
        check_text("challenge", &proof.challenge)?;
        Ok(proof)
    }

    /// Whether `entry`'s signature is its key's over its record and this proof's
    /// challenge on `chain_id` (the verifier still checks the key against the ledger).
    pub fn signed(&self, chain_id: &str, entry: &SubjectProofEntry) -> bool {
        entry.key.verify(
            &entry.signature,
            &subject_proof_statement(chain_id, &entry.record, &self.challenge),
        )
    }
}

/// The bytes a survivor signs to decide about sharing `record` with `recipient`.
pub fn consent_statement(
    chain_id: &str,
    record: &RecordId,
    recipient: &str,
    purpose: &str,
    decision: Decision,
) -> Vec<u8> {
    let decision = match decision {
        Decision::Allow => "allow",
        Decision::Withdraw => "withdraw",
    };
    statement(serde_json::json!({
        "type": "unchain.vault.consent/v1",
        "chain_id": chain_id,
        "record": record.to_hex(),
        "recipient": recipient,
        "purpose": purpose,
        "decision": decision,
    }))
}

/// The bytes a survivor signs to ask for `record` to be erased.
pub fn erase_statement(chain_id: &str, record: &RecordId) -> Vec<u8> {
    statement(serde_json::json!({
        "type": "unchain.vault.erase/v1",
        "chain_id": chain_id,
        "record": record.to_hex(),
    }))
}

fn statement(v: Value) -> Vec<u8> {
    unchain_types::canonical::to_canonical_bytes(&v).expect("statements hold only strings")
}

pub use unchain_types::body::{check_text, parse_body as parse};

impl Seal {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        let schema_ok = (1..=60).contains(&self.schema.len())
            && self
                .schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !schema_ok {
            return Err(BodyError::new(
                "schema",
                "must be 1 to 60 characters of a-z, 0-9, '.', '_' and '-' (e.g. \"htcds.person\")",
            ));
        }
        if self.version == 0 {
            return Err(BodyError::new("version", "starts at 1"));
        }
        if self.size == 0 || self.size > MAX_CIPHERTEXT {
            return Err(BodyError::new(
                "size",
                format!("must be 1 to {MAX_CIPHERTEXT} bytes"),
            ));
        }
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            return Err(BodyError::new(
                "recipients",
                format!("must name 1 to {MAX_RECIPIENTS} organisations"),
            ));
        }
        if self.tokens.len() > MAX_TOKENS {
            return Err(BodyError::new(
                "tokens",
                format!("at most {MAX_TOKENS} tokens per transaction"),
            ));
        }
        match (self.version, &self.policy) {
            (1, None) => return Err(BodyError::new("policy", "is required for version 1")),
            (1, Some(p)) => {
                if p.retention_days == 0 || p.retention_days > MAX_RETENTION_DAYS {
                    return Err(BodyError::new(
                        "policy.retention_days",
                        format!("must be 1 to {MAX_RETENTION_DAYS}"),
                    ));
                }
                if p.consent_required && self.subject.is_none() {
                    return Err(BodyError::new(
                        "policy.consent_required",
                        "needs a subject: the survivor's key that gives consent",
                    ));
                }
            }
            (_, Some(_)) => {
                return Err(BodyError::new(
                    "policy",
                    "is set at version 1; later versions inherit it",
                ));
            }
            (_, None) => {}
        }
        if self.version > 1 && self.subject.is_some() {
            return Err(BodyError::new(
                "subject",
                "is set at version 1; later versions inherit it",
            ));
        }
        if let Some(s) = &self.subject {
            s.check_point()
                .map_err(|e| BodyError::new("subject", e.to_string()))?;
        }
        Ok(())
    }
}

impl Grant {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        check_text("purpose", &self.purpose)?;
        if let Some(o) = &self.override_ {
            check_text("override.court_order", &o.court_order)?;
            check_text("override.authority", &o.authority)?;
            if self.legal_basis != LegalBasis::CourtOrder {
                return Err(BodyError::new(
                    "legal_basis",
                    "must be court_order when an override is given",
                ));
            }
        }
        Ok(())
    }
}

/// A `vault.*` body, parsed and checked once.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum VaultBody {
    /// `vault.seal`.
    Seal(Seal),
    /// `vault.grant`.
    Grant(Grant),
    /// `vault.revoke`.
    Revoke(Revoke),
    /// `vault.consent`.
    Consent(Consent),
    /// `vault.erase`.
    Erase(Erase),
    /// `vault.rotate_matching_key`.
    Rotate(Rotate),
    /// `vault.sharing_policy`: the policy document, every rule compiled.
    SharingPolicy(crate::sharing::CompiledPolicy),
    /// `vault.token_key_round`.
    OpenRound(crate::token_key::OpenRound),
    /// `vault.token_key_deal`.
    Deal(crate::token_key::Deal),
    /// `vault.token_key_ack`.
    Ack(crate::token_key::Ack),
    /// `vault.token_key_log`.
    Log(crate::token_key::Log),
    /// `vault.token_key_finish`.
    Finish(crate::token_key::Finish),
    /// `vault.token_evaluations`.
    Evaluations(crate::token_key::Evaluations),
    /// `vault.retoken`.
    Retoken(Retoken),
}

/// `vault.retoken`: an owner re-derives a live record's tokens under the current matching
/// epoch (it holds the plaintext), so records sealed before a new key keep matching.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retoken {
    /// The acting user (pseudonymous id inside the organisation), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The record.
    pub record: RecordId,
    /// Its tokens under the current epoch (replacing all it had).
    pub tokens: Vec<TokenEntry>,
}

/// Parses and checks a body of `kind`.
pub fn parse_kind(kind: &str, b: &Value) -> Result<VaultBody, BodyError> {
    let body = match kind {
        "vault.seal" => {
            let seal: Seal = parse(b)?;
            seal.check()?;
            VaultBody::Seal(seal)
        }
        "vault.grant" => {
            let grant: Grant = parse(b)?;
            grant.check()?;
            VaultBody::Grant(grant)
        }
        "vault.revoke" => {
            let revoke: Revoke = parse(b)?;
            check_text("reason", &revoke.reason)?;
            VaultBody::Revoke(revoke)
        }
        "vault.consent" => {
            let consent: Consent = parse(b)?;
            check_text("purpose", &consent.purpose)?;
            VaultBody::Consent(consent)
        }
        "vault.erase" => VaultBody::Erase(parse(b)?),
        "vault.rotate_matching_key" => VaultBody::Rotate(parse(b)?),
        "vault.sharing_policy" => {
            let policy: crate::sharing::SharingPolicy = parse(b)?;
            VaultBody::SharingPolicy(crate::sharing::CompiledPolicy::compile(&policy)?)
        }
        "vault.token_key_round" => {
            let b: crate::token_key::OpenRound = parse(b)?;
            b.check()?;
            VaultBody::OpenRound(b)
        }
        "vault.token_key_deal" => {
            let b: crate::token_key::Deal = parse(b)?;
            b.check()?;
            VaultBody::Deal(b)
        }
        "vault.token_key_ack" => {
            let b: crate::token_key::Ack = parse(b)?;
            b.check()?;
            VaultBody::Ack(b)
        }
        "vault.token_key_log" => {
            let b: crate::token_key::Log = parse(b)?;
            b.check()?;
            VaultBody::Log(b)
        }
        "vault.token_key_finish" => VaultBody::Finish(parse(b)?),
        "vault.token_evaluations" => {
            let b: crate::token_key::Evaluations = parse(b)?;
            b.check()?;
            VaultBody::Evaluations(b)
        }
        "vault.retoken" => {
            let b: Retoken = parse(b)?;
            if b.tokens.is_empty() || b.tokens.len() > MAX_TOKENS {
                return Err(BodyError::new(
                    "tokens",
                    format!("must hold 1 to {MAX_TOKENS} tokens"),
                ));
            }
            VaultBody::Retoken(b)
        }
        other => return Err(BodyError::new("", format!("unknown vault kind {other}"))),
    };
    if let Some(actor) = body.actor() {
        unchain_types::body::check_actor("actor", actor)?;
    }
    Ok(body)
}

impl VaultBody {
    /// The acting user the body states.
    pub fn actor(&self) -> Option<&str> {
        match self {
            VaultBody::Seal(b) => b.actor.as_deref(),
            VaultBody::Grant(b) => b.actor.as_deref(),
            VaultBody::Revoke(b) => b.actor.as_deref(),
            VaultBody::Consent(b) => b.actor.as_deref(),
            VaultBody::Erase(b) => b.actor.as_deref(),
            VaultBody::Retoken(b) => b.actor.as_deref(),
            VaultBody::OpenRound(b) => b.actor.as_deref(),
            VaultBody::Evaluations(b) => b.actor.as_deref(),
            VaultBody::Rotate(_)
            | VaultBody::SharingPolicy(_)
            | VaultBody::Deal(_)
            | VaultBody::Ack(_)
            | VaultBody::Log(_)
            | VaultBody::Finish(_) => None,
        }
    }
}
