//! Erasable fields: the members of a transaction's body that travel beside it, committed
//! inside it by a salted digest, and that every node deletes when their record is erased.
//!
//! A transparency log never forgets a leaf, so a leaf must never hold what may one day have
//! to be forgotten: a sealed record's blind-index tokens, the content keys wrapped for its
//! recipients, its survivor's key. For the kinds in [`erasable_fields`], those members leave
//! the signed body at signing. The signed body carries instead
//!
//! ```text
//! "erasable": hex(SHA-256(salt ‖ JCS(fields)))
//! ```
//!
//! and the fields travel in the transaction's **sidecar**, `{"salt": hex, "fields": {…}}`,
//! a member of the wire object outside the signing bytes, the id and the leaf bytes. The
//! salt (32 bytes, derived from the sender's key so that signing stays deterministic) makes
//! the digest untestable: once the sidecar is deleted, nobody can check a guessed token or
//! key against the leaf. Execution merges the fields back, so a module sees the same body
//! it would have seen inline. See ARCHITECTURE.md, "Erasure that erases".

use crate::canonical::{self, CanonicalError};
use crate::hash::Hash32;
use crate::tx::TxError;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The signed body's member that commits to the sidecar.
pub const DIGEST_MEMBER: &str = "erasable";

/// The members of `kind`'s body that are erasable: they travel in the sidecar, never in the
/// signed body. Empty for every kind whose body holds nothing that erasure must remove.
pub fn erasable_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "vault.seal" => &["recipients", "subject", "tokens"],
        "vault.grant" => &["wrapped_key"],
        "vault.retoken" => &["tokens"],
        _ => &[],
    }
}

/// The erasable members of one transaction, with the salt that hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Sidecar {
    fields: Map<String, Value>,
    /// `salt ‖ JCS(fields)`: what is stored and hashed.
    bytes: Vec<u8>,
    digest: Hash32,
}

impl std::fmt::Debug for Sidecar {
    // The fields are what erasure removes: debug output names only the digest.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sidecar")
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

fn field(field: &'static str, reason: impl Into<String>) -> TxError {
    TxError::Field {
        field,
        reason: reason.into(),
    }
}

impl Sidecar {
    /// A sidecar of `fields` under `salt`.
    pub fn new(salt: [u8; 32], fields: Map<String, Value>) -> Result<Self, CanonicalError> {
        let mut bytes = salt.to_vec();
        bytes.extend_from_slice(&canonical::to_canonical_bytes(&Value::Object(
            fields.clone(),
        ))?);
        Ok(Sidecar {
            digest: Hash32::digest(&bytes),
            fields,
            bytes,
        })
    }

    /// Reads the stored form, `salt ‖ JCS(fields)`, refusing fields that are not a JSON
    /// object in canonical form (so that the bytes, and so the digest, are the only encoding).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TxError> {
        if bytes.len() < 34 {
            return Err(field(
                "sidecar",
                format!(
                    "{} bytes; a stored sidecar is a 32-byte salt and a JSON object",
                    bytes.len()
                ),
            ));
        }
        let (salt, json) = bytes.split_at(32);
        let value = crate::ijson::from_slice(json)
            .map_err(|e| field("sidecar.fields", format!("not JSON: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(field("sidecar.fields", "must be a JSON object"));
        };
        let sidecar = Sidecar::new(salt.try_into().expect("32 bytes"), fields)
            .map_err(|e| field("sidecar.fields", e.to_string()))?;
        if sidecar.bytes != bytes {
            return Err(field(
                "sidecar.fields",
                "is not in RFC 8785 canonical form, so its digest would not be the one signed",
            ));
        }
        Ok(sidecar)
    }

    /// Reads the wire form, `{"salt": 64 hex, "fields": {…}}`.
    pub fn from_value(value: &Value) -> Result<Self, TxError> {
        let Value::Object(map) = value else {
            return Err(field(
                "sidecar",
                "must be an object with `salt` and `fields`",
            ));
        };
        if let Some(unknown) = map.keys().find(|k| *k != "salt" && *k != "fields") {
            return Err(field(
                "sidecar",
                format!("member `{unknown}` is not part of a sidecar (allowed: salt, fields)"),
            ));
        }
        let salt = map
            .get("salt")
            .and_then(Value::as_str)
            .ok_or_else(|| field("sidecar.salt", "is missing or not a string"))?;
        let salt: [u8; 32] = hex::decode(salt)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| field("sidecar.salt", "must be 64 hex characters (32 bytes)"))?;
        let Some(Value::Object(fields)) = map.get("fields") else {
            return Err(field("sidecar.fields", "is missing or not an object"));
        };
        if fields.is_empty() {
            return Err(field(
                "sidecar.fields",
                "is empty; omit the sidecar instead",
            ));
        }
        Sidecar::new(salt, fields.clone()).map_err(|e| field("sidecar.fields", e.to_string()))
    }

    /// The wire form.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("fields".into(), Value::Object(self.fields.clone()));
        map.insert("salt".into(), Value::from(hex::encode(self.salt())));
        Value::Object(map)
    }

    /// SHA-256 of the stored form: what the signed body's `erasable` names.
    pub fn digest(&self) -> Hash32 {
        self.digest
    }

    /// The stored form, `salt ‖ JCS(fields)`.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The salt.
    pub fn salt(&self) -> [u8; 32] {
        self.bytes[..32].try_into().expect("32 bytes")
    }

    /// The erasable members.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }
}

/// The salt for a transaction's sidecar: HMAC-SHA256 under the sender's secret seed over
/// the transaction's chain, nonce, kind and fields. Unpredictable to anyone without the
/// key, and the same each time the same transaction is signed.
pub fn derive_salt(
    seed: &[u8; 32],
    chain_id: &str,
    nonce: u64,
    kind: &str,
    fields: &[u8],
) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(seed).expect("HMAC takes any key length");
    mac.update(b"unchain/sidecar-salt/v1\0");
    mac.update(chain_id.as_bytes());
    mac.update(b"\0");
    mac.update(&nonce.to_be_bytes());
    mac.update(kind.as_bytes());
    mac.update(b"\0");
    mac.update(fields);
    mac.finalize().into_bytes().into()
}

/// Moves `kind`'s erasable members out of `body`: the members, or `None` when the body has
/// none (then nothing changes).
pub(crate) fn take_fields(kind: &str, body: &mut Value) -> Option<Map<String, Value>> {
    let names = erasable_fields(kind);
    let map = body.as_object_mut()?;
    let mut fields = Map::new();
    for name in names {
        if let Some(v) = map.remove(*name) {
            fields.insert((*name).to_owned(), v);
        }
    }
    (!fields.is_empty()).then_some(fields)
}

/// Checks a signed body of `kind` against the sidecar rule and returns the digest it
/// commits to: none of the kind's erasable members inline, and `erasable` (when present)
/// 64 hex characters.
pub(crate) fn committed_digest(kind: &str, body: &Value) -> Result<Option<Hash32>, TxError> {
    let names = erasable_fields(kind);
    if names.is_empty() {
        return Ok(None);
    }
    let Some(map) = body.as_object() else {
        return Ok(None);
    };
    if let Some(inline) = names.iter().find(|n| map.contains_key(**n)) {
        return Err(field(
            "body",
            format!(
                "member `{inline}` of {kind} is erasable: it travels in the transaction's \
                 sidecar, committed by `{DIGEST_MEMBER}`, never in the signed body"
            ),
        ));
    }
    match map.get(DIGEST_MEMBER) {
        None => Ok(None),
        Some(Value::String(s)) => Hash32::from_hex(s).map(Some).map_err(|_| {
            field(
                "body",
                format!("member `{DIGEST_MEMBER}` must be 64 hex characters (a SHA-256)"),
            )
        }),
        Some(_) => Err(field(
            "body",
            format!("member `{DIGEST_MEMBER}` must be a string of 64 hex characters"),
        )),
    }
}

/// Checks that `sidecar` belongs with a signed body of `kind` committing to `digest`, and
/// returns the body a module reads: the signed body without `erasable`, with the fields.
pub(crate) fn merge(
    kind: &str,
    signed_body: &Value,
    digest: Option<Hash32>,
    sidecar: &Sidecar,
) -> Result<Value, TxError> {
    let Some(digest) = digest else {
        return Err(field(
            "sidecar",
            format!("the signed body names no `{DIGEST_MEMBER}` digest, so it takes no sidecar"),
        ));
    };
    if digest != sidecar.digest() {
        return Err(field(
            "sidecar",
            format!(
                "its digest is {}, but the signed body's `{DIGEST_MEMBER}` is {digest}",
                sidecar.digest()
            ),
        ));
    }
    let names = erasable_fields(kind);
    if let Some(other) = sidecar
        .fields()
        .keys()
        .find(|k| !names.contains(&k.as_str()))
    {
        return Err(field(
            "sidecar.fields",
            format!(
                "member `{other}` is not an erasable member of {kind} (those are: {})",
                names.join(", ")
            ),
        ));
    }
    let mut merged = signed_body.as_object().cloned().unwrap_or_default();
    merged.remove(DIGEST_MEMBER);
    for (k, v) in sidecar.fields() {
        merged.insert(k.clone(), v.clone());
    }
    Ok(Value::Object(merged))
}
