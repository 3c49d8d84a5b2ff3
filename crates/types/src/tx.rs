//! Signed transactions: the only way anything enters the ledger.
//!
//! # Wire format (what any client must produce)
//!
//! A transaction is one JSON object with exactly these members:
//!
//! | member     | type                | meaning |
//! |------------|---------------------|---------|
//! | `v`        | integer, `1`        | format version |
//! | `chain_id` | string `[a-z0-9-]{1,64}` | the chain this is for; a transaction never replays on another chain |
//! | `sender`   | 64 hex chars        | the member's Ed25519 public key |
//! | `nonce`    | integer ≥ 1         | per-sender sequence number: 1, 2, 3, … with no gaps or repeats |
//! | `kind`     | string `module.action` | e.g. `notary.anchor` |
//! | `body`     | object              | the kind's payload |
//! | `signature`| 128 hex chars       | Ed25519 over the signing bytes |
//!
//! One more member is optional:
//!
//! | `sidecar`  | object `{"salt", "fields"}` | the body's erasable members ([`crate::sidecar`]) |
//!
//! The **signing bytes** are the RFC 8785 (JCS) canonical form of the object *without* its
//! `signature` and `sidecar` members. The **transaction id** is SHA-256 of the signing bytes, so it does not
//! depend on how the signature is encoded. The **leaf bytes** appended to the transparency log
//! are the JCS form of the whole object, signature included and sidecar left out: the log
//! never holds an erasable member, only the salted digest the signed body names. All numbers must be integers
//! within ±(2^53 − 1) (see [`crate::canonical`]).

use crate::canonical::{self, CanonicalError};
use crate::hash::Hash32;
use crate::keys::{PublicKey, Signature, SigningKey};
use crate::sidecar::{self, Sidecar};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The largest transaction accepted, in bytes of its JSON encoding.
pub const MAX_TX_BYTES: usize = 256 * 1024;

/// The transaction format version this code reads and writes.
pub const TX_VERSION: u64 = 1;

/// How the JCS signing bytes always end: `v` is the last member name in sort order.
const SIGNING_SUFFIX: &[u8] = b"\"v\":1}";

const FIELDS: [&str; 8] = [
    "v",
    "chain_id",
    "sender",
    "nonce",
    "kind",
    "body",
    "signature",
    "sidecar",
];

/// Bytes from the start of `"signature":` to the end of the leaf bytes: the signature
/// member (13 + 128 + 2 bytes) and the closing `"v":1}`.
const SIGNATURE_TAIL: usize = 13 + 128 + 2 + SIGNING_SUFFIX.len();

/// A transaction id: SHA-256 of the signing bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxId(pub Hash32);

impl TxId {
    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, crate::hash::HashParseError> {
        Hash32::from_hex(s).map(TxId)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", self.0)
    }
}

/// Why bytes are not a well-formed signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Larger than [`MAX_TX_BYTES`].
    #[error("transaction is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Size received.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not an object.
    #[error("transaction is not a JSON object: {reason}")]
    Malformed {
        /// What the parser said.
        reason: String,
    },
    /// A member is missing, of the wrong type, or out of range.
    #[error("field `{field}`: {reason}")]
    Field {
        /// The member's name.
        field: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A member that the format does not define.
    #[error(
        "field `{field}` is not part of the transaction format (allowed: v, chain_id, sender, nonce, kind, body, signature, sidecar)"
    )]
    UnknownField {
        /// The member's name.
        field: String,
    },
    /// A number that JCS clients cannot reproduce exactly.
    #[error("field `body`: {0}")]
    Number(#[from] CanonicalError),
    /// The signature does not verify under the sender's key.
    #[error("field `signature`: does not verify for sender {sender} over the JCS signing bytes")]
    BadSignature {
        /// The claimed sender.
        sender: PublicKey,
    },
}

impl TxError {
    /// Its stable refusal code.
    pub fn code(&self) -> crate::Code {
        match self {
            TxError::TooLarge { .. } => crate::Code::TooLarge,
            TxError::BadSignature { .. } => crate::Code::BadSignature,
            TxError::Malformed { .. }
            | TxError::Field { .. }
            | TxError::UnknownField { .. }
            | TxError::Number(_) => crate::Code::MalformedTransaction,
        }
    }
}

fn field(field: &'static str, reason: impl Into<String>) -> TxError {
    TxError::Field {
        field,
        reason: reason.into(),
    }
}

/// A transaction before signing: what a client fills in.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsignedTransaction {
    /// The chain this transaction is for.
    pub chain_id: String,
    /// The sender's signing key.
    pub sender: PublicKey,
    /// Per-sender sequence number, starting at 1.
    pub nonce: u64,
    /// `module.action`.
    pub kind: String,
    /// The kind's payload; must be a JSON object.
    pub body: Value,
}

impl UnsignedTransaction {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("v".into(), Value::from(TX_VERSION));
        map.insert("chain_id".into(), Value::from(self.chain_id.clone()));
        map.insert("sender".into(), Value::from(self.sender.to_hex()));
        map.insert("nonce".into(), Value::from(self.nonce));
        map.insert("kind".into(), Value::from(self.kind.clone()));
        map.insert("body".into(), self.body.clone());
        Value::Object(map)
    }

    /// Checks every member's shape (not the signature, not chain state).
    pub fn check(&self) -> Result<(), TxError> {
        check_chain_id(&self.chain_id)?;
        check_kind(&self.kind)?;
        if self.nonce == 0 || self.nonce > canonical::MAX_SAFE_INTEGER as u64 {
            return Err(field("nonce", "must be an integer from 1 to 2^53 − 1"));
        }
        if !self.body.is_object() {
            return Err(field("body", "must be a JSON object"));
        }
        canonical::check_numbers(&self.body)?;
        Ok(())
    }

    /// The RFC 8785 bytes that are signed.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, TxError> {
        // `check` has vetted every number (the body's, the nonce, the version).
        self.check()?;
        Ok(canonical::canonicalise_checked(&self.to_value()))
    }

    /// Signs with `key`. The key must be the sender's.
    ///
    /// For a kind with erasable members ([`sidecar::erasable_fields`]), those members
    /// leave the body first: the signed body names their salted digest in `erasable`, and
    /// the transaction carries them as its sidecar.
    pub fn sign(mut self, key: &SigningKey) -> Result<Transaction, TxError> {
        if key.public_key() != self.sender {
            return Err(field("sender", "does not match the signing key"));
        }
        let sidecar = match sidecar::take_fields(&self.kind, &mut self.body) {
            Some(fields) => {
                let jcs = canonical::to_canonical_bytes(&Value::Object(fields.clone()))?;
                let salt =
                    sidecar::derive_salt(&key.seed(), &self.chain_id, self.nonce, &self.kind, &jcs);
                let sidecar = Sidecar::new(salt, fields)?;
                if let Some(body) = self.body.as_object_mut() {
                    body.insert(
                        sidecar::DIGEST_MEMBER.into(),
                        Value::from(sidecar.digest().to_hex()),
                    );
                }
                Some(sidecar)
            }
            None => None,
        };
        sidecar::committed_digest(&self.kind, &self.body)?;
        let signing_bytes = self.signing_bytes()?;
        let signature = key.sign(&signing_bytes);
        let tx = Transaction::assemble(self, signature, signing_bytes);
        match sidecar {
            Some(s) => tx.with_sidecar(s),
            None => Ok(tx),
        }
    }
}

fn check_chain_id(s: &str) -> Result<(), TxError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(field(
            "chain_id",
            "must be 1 to 64 characters of a-z, 0-9 and '-'",
        ))
    }
}

fn check_kind(s: &str) -> Result<(), TxError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.as_bytes()[0].is_ascii_lowercase()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let ok = s.len() <= 64
        && s.split_once('.')
            .is_some_and(|(m, a)| part_ok(m) && part_ok(a));
    if ok {
        Ok(())
    } else {
        Err(field(
            "kind",
            format!(
                "{s:?} is not of the form module.action (lowercase, at most 64 characters), e.g. \"notary.anchor\""
            ),
        ))
    }
}

/// A well-formed signed transaction. Its signature has *not* been checked yet; call
/// [`Transaction::verify_signature`] or verify a batch with [`crate::keys::verify_batch`].
#[derive(Clone, PartialEq)]
pub struct Transaction {
    unsigned: UnsignedTransaction,
    signature: Signature,
    id: TxId,
    signing_bytes: Vec<u8>,
    leaf_bytes: Vec<u8>,
    /// The digest of the erasable members the signed body commits to.
    erasable: Option<Hash32>,
    /// Those members, when they travel with it.
    sidecar: Option<Sidecar>,
    /// The wire form with the sidecar, when there is one (otherwise the leaf bytes).
    wire_bytes: Option<Vec<u8>>,
}

impl fmt::Debug for Transaction {
    // Bodies may one day carry sensitive references; debug output shows only the envelope.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("id", &self.id)
            .field("sender", &self.unsigned.sender)
            .field("nonce", &self.unsigned.nonce)
            .field("kind", &self.unsigned.kind)
            .finish()
    }
}

impl Transaction {
    fn assemble(
        unsigned: UnsignedTransaction,
        signature: Signature,
        signing_bytes: Vec<u8>,
    ) -> Self {
        // JCS sorts members, and `v` sorts after every other member name, so the signed
        // object ends in `"v":1}` and `signature` belongs just before it: splice it in
        // rather than canonicalising the whole object a second time.
        let (head, tail) = signing_bytes.split_at(signing_bytes.len() - SIGNING_SUFFIX.len());
        debug_assert_eq!(tail, SIGNING_SUFFIX);
        let mut leaf_bytes = Vec::with_capacity(signing_bytes.len() + 144);
        leaf_bytes.extend_from_slice(head);
        leaf_bytes.extend_from_slice(b"\"signature\":\"");
        leaf_bytes.extend_from_slice(signature.to_hex().as_bytes());
        leaf_bytes.extend_from_slice(b"\",");
        leaf_bytes.extend_from_slice(tail);
        Transaction {
            id: TxId(Hash32::digest(&signing_bytes)),
            erasable: sidecar::committed_digest(&unsigned.kind, &unsigned.body)
                .ok()
                .flatten(),
            unsigned,
            signature,
            signing_bytes,
            leaf_bytes,
            sidecar: None,
            wire_bytes: None,
        }
    }

    /// Joins the sidecar to a transaction parsed without it (from its leaf bytes), after
    /// checking that the signed body commits to it. The body then reads as signed, with the
    /// erasable members in place of `erasable`.
    pub fn with_sidecar(mut self, sidecar: Sidecar) -> Result<Self, TxError> {
        if let Some(have) = &self.sidecar {
            return if have.digest() == sidecar.digest() {
                Ok(self)
            } else {
                Err(field(
                    "sidecar",
                    "the transaction already has another sidecar",
                ))
            };
        }
        let merged = sidecar::merge(
            &self.unsigned.kind,
            &self.unsigned.body,
            self.erasable,
            &sidecar,
        )?;
        canonical::check_numbers(&merged)?;
        // The sidecar member sorts between `sender` and `signature`: splice it in before
        // the signature, as the signature was spliced in.
        let (head, tail) = self
            .leaf_bytes
            .split_at(self.leaf_bytes.len() - SIGNATURE_TAIL);
        let sidecar_json = canonical::to_canonical_bytes(&sidecar.to_value())?;
        let mut wire = Vec::with_capacity(self.leaf_bytes.len() + sidecar_json.len() + 12);
        wire.extend_from_slice(head);
        wire.extend_from_slice(b"\"sidecar\":");
        wire.extend_from_slice(&sidecar_json);
        wire.push(b',');
        wire.extend_from_slice(tail);
        self.unsigned.body = merged;
        self.sidecar = Some(sidecar);
        self.wire_bytes = Some(wire);
        Ok(self)
    }

    /// Parses and checks the shape of a signed transaction from its JSON bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, TxError> {
        if bytes.len() > MAX_TX_BYTES {
            return Err(TxError::TooLarge {
                size: bytes.len(),
                limit: MAX_TX_BYTES,
            });
        }
        // I-JSON: a repeated member name is refused, not silently resolved (RFC 8785 §3.1).
        let value: Value = crate::ijson::from_slice(bytes).map_err(|e| TxError::Malformed {
            reason: e.to_string(),
        })?;
        Self::from_value(value)
    }

    /// Checks the shape of a signed transaction already parsed as JSON.
    pub fn from_value(value: Value) -> Result<Self, TxError> {
        let Value::Object(mut map) = value else {
            return Err(TxError::Malformed {
                reason: "top level is not an object".into(),
            });
        };
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(TxError::UnknownField {
                field: unknown.clone(),
            });
        }
        let sidecar = map
            .remove("sidecar")
            .map(|v| Sidecar::from_value(&v))
            .transpose()?;
        let mut take =
            |name: &'static str| map.remove(name).ok_or_else(|| field(name, "is missing"));
        let v = take("v")?;
        if v.as_u64() != Some(TX_VERSION) {
            return Err(field("v", format!("must be {TX_VERSION}; got {v}")));
        }
        let chain_id = take("chain_id")?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| field("chain_id", "must be a string"))?;
        let sender = PublicKey::from_hex(
            take("sender")?
                .as_str()
                .ok_or_else(|| field("sender", "must be a string of 64 hex characters"))?,
        )
        .map_err(|e| field("sender", e.to_string()))?;
        let nonce = take("nonce")?
            .as_u64()
            .ok_or_else(|| field("nonce", "must be a positive integer"))?;
        let kind = take("kind")?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| field("kind", "must be a string"))?;
        let body = take("body")?;
        let signature = Signature::from_hex(
            take("signature")?
                .as_str()
                .ok_or_else(|| field("signature", "must be a string of 128 hex characters"))?,
        )
        .map_err(|e| field("signature", e.to_string()))?;
        let unsigned = UnsignedTransaction {
            chain_id,
            sender,
            nonce,
            kind,
            body,
        };
        let signing_bytes = unsigned.signing_bytes()?;
        sidecar::committed_digest(&unsigned.kind, &unsigned.body)?;
        let tx = Self::assemble(unsigned, signature, signing_bytes);
        match sidecar {
            Some(s) => tx.with_sidecar(s),
            None => Ok(tx),
        }
    }

    /// Checks the signature (ZIP-215).
    pub fn verify_signature(&self) -> Result<(), TxError> {
        if self
            .unsigned
            .sender
            .verify(&self.signature, &self.signing_bytes)
        {
            Ok(())
        } else {
            Err(TxError::BadSignature {
                sender: self.unsigned.sender,
            })
        }
    }

    /// The id: SHA-256 of the signing bytes.
    pub fn id(&self) -> TxId {
        self.id
    }
    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.unsigned.chain_id
    }
    /// The sender's key.
    pub fn sender(&self) -> &PublicKey {
        &self.unsigned.sender
    }
    /// The per-sender nonce.
    pub fn nonce(&self) -> u64 {
        self.unsigned.nonce
    }
    /// `module.action`.
    pub fn kind(&self) -> &str {
        &self.unsigned.kind
    }
    /// The payload object: as signed, with the sidecar's members in place of `erasable`
    /// when the sidecar is joined.
    pub fn body(&self) -> &Value {
        &self.unsigned.body
    }
    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
    /// The JCS bytes that were signed.
    pub fn signing_bytes(&self) -> &[u8] {
        &self.signing_bytes
    }
    /// The JCS bytes of the whole signed object: the transparency-log leaf. Never holds
    /// the sidecar.
    pub fn leaf_bytes(&self) -> &[u8] {
        &self.leaf_bytes
    }
    /// The JCS bytes to send to a node or a peer: the leaf bytes with the sidecar, when the
    /// transaction has one.
    pub fn wire_bytes(&self) -> &[u8] {
        self.wire_bytes.as_deref().unwrap_or(&self.leaf_bytes)
    }
    /// The digest of erasable members the signed body commits to, if any.
    pub fn erasable(&self) -> Option<Hash32> {
        self.erasable
    }
    /// The erasable members, when they travel with the transaction.
    pub fn sidecar(&self) -> Option<&Sidecar> {
        self.sidecar.as_ref()
    }
    /// Whether the signed body commits to a sidecar this value lacks (parsed from its leaf
    /// bytes): it cannot be executed until the sidecar is joined.
    pub fn lacks_sidecar(&self) -> bool {
        self.erasable.is_some() && self.sidecar.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::from_seed([7u8; 32])
    }

    fn sample(nonce: u64) -> Transaction {
        UnsignedTransaction {
            chain_id: "test-chain".into(),
            sender: key().public_key(),
            nonce,
            kind: "notary.anchor".into(),
            body: json!({"hash": "ab".repeat(32), "doc_type": "report"}),
        }
        .sign(&key())
        .expect("sign")
    }

    #[test]
    fn signed_transaction_round_trips_and_verifies() {
        let tx = sample(1);
        let parsed = Transaction::parse(tx.leaf_bytes()).expect("parse");
        assert_eq!(parsed, tx);
        parsed.verify_signature().expect("valid signature");
        assert_eq!(tx.id().0, Hash32::digest(tx.signing_bytes()));
    }

    #[test]
    fn spliced_leaf_bytes_are_the_jcs_form_of_the_signed_object() {
        let tx = sample(9);
        let mut value: Value = serde_json::from_slice(tx.signing_bytes()).expect("json");
        value["signature"] = Value::from(tx.signature().to_hex());
        assert_eq!(
            tx.leaf_bytes(),
            canonical::to_canonical_bytes(&value)
                .expect("canonical")
                .as_slice()
        );
    }

    #[test]
    fn any_edit_to_a_signed_member_breaks_the_signature() {
        let tx = sample(1);
        let mut v: Value = serde_json::from_slice(tx.leaf_bytes()).expect("json");
        v["nonce"] = json!(2);
        let edited = Transaction::from_value(v).expect("well-formed");
        assert_eq!(
            edited.verify_signature(),
            Err(TxError::BadSignature {
                sender: key().public_key()
            })
        );
    }

    #[test]
    fn whitespace_and_member_order_do_not_change_the_id() {
        let tx = sample(3);
        let v: Value = serde_json::from_slice(tx.leaf_bytes()).expect("json");
        let pretty = serde_json::to_vec_pretty(&v).expect("pretty");
        let reparsed = Transaction::parse(&pretty).expect("parse");
        assert_eq!(reparsed.id(), tx.id());
        reparsed.verify_signature().expect("still valid");
    }

    #[test]
    fn malformed_inputs_name_the_field() {
        let tx = sample(1);
        let base: Value = serde_json::from_slice(tx.leaf_bytes()).expect("json");
        let cases: Vec<(Value, &str)> = vec![
            (
                {
                    let mut v = base.clone();
                    v.as_object_mut().expect("obj").remove("nonce");
                    v
                },
                "field `nonce`: is missing",
            ),
            (
                {
                    let mut v = base.clone();
                    v["nonce"] = json!("1");
                    v
                },
                "field `nonce`: must be a positive integer",
            ),
            (
                {
                    let mut v = base.clone();
                    v["nonce"] = json!(0);
                    v
                },
                "field `nonce`: must be an integer from 1 to 2^53 − 1",
            ),
            (
                {
                    let mut v = base.clone();
                    v["kind"] = json!("Anchor");
                    v
                },
                "field `kind`",
            ),
            (
                {
                    let mut v = base.clone();
                    v["body"] = json!([1]);
                    v
                },
                "field `body`: must be a JSON object",
            ),
            (
                {
                    let mut v = base.clone();
                    v["body"] = json!({"x": 1.5});
                    v
                },
                "field `body`: number at /x",
            ),
            (
                {
                    let mut v = base.clone();
                    v["chain_id"] = json!("Bad Chain");
                    v
                },
                "field `chain_id`",
            ),
            (
                {
                    let mut v = base.clone();
                    v["signature"] = json!("00");
                    v
                },
                "field `signature`: signature must be 64 bytes",
            ),
            (
                {
                    let mut v = base.clone();
                    v["sender"] = json!(12);
                    v
                },
                "field `sender`: must be a string",
            ),
            (
                {
                    let mut v = base.clone();
                    v["extra"] = json!(true);
                    v
                },
                "field `extra` is not part of the transaction format",
            ),
            (
                {
                    let mut v = base.clone();
                    v["v"] = json!(2);
                    v
                },
                "field `v`: must be 1",
            ),
        ];
        for (value, expected) in cases {
            let err = Transaction::from_value(value)
                .expect_err(expected)
                .to_string();
            assert!(
                err.starts_with(expected),
                "expected {expected:?}, got {err:?}"
            );
        }
        let err = Transaction::parse(b"{not json")
            .expect_err("syntax")
            .to_string();
        assert!(
            err.starts_with("transaction is not a JSON object"),
            "got {err}"
        );
        let big = vec![b' '; MAX_TX_BYTES + 1];
        assert!(matches!(
            Transaction::parse(&big),
            Err(TxError::TooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Transaction::parse(&bytes);
        }

        #[test]
        fn bodies_round_trip(text in "\\PC{0,40}", n in 0i64..(1 << 53), nonce in 1u64..1000) {
            let tx = UnsignedTransaction {
                chain_id: "c".into(),
                sender: key().public_key(),
                nonce,
                kind: "notary.anchor".into(),
                body: json!({"text": text, "n": n, "nested": {"list": [n, -n]}}),
            }.sign(&key()).expect("sign");
            let back = Transaction::parse(tx.leaf_bytes()).expect("parse");
            prop_assert_eq!(back.id(), tx.id());
            prop_assert!(back.verify_signature().is_ok());
        }
    }
}
