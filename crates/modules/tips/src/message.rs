//! Sealing a tip's messages: each is a vault envelope (ChaCha20-Poly1305 bound to the tip
//! and the message id) whose content key is wrapped with HPKE twice — for the intake
//! organisation and for the reporter's key derived from the receipt code.

use crate::Keys;
use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use unchain_seal::envelope::{
    ContentKey, OpenError, RecordId, commitment, open_payload, seal_payload,
};
use unchain_seal::wrap::{WrappedKey, record_key_info};
use unchain_types::{EncryptionPublicKey, EncryptionSecretKey, Hash32};

/// The recipient label of the reporter's wrapped key (no member name starts with `~`).
pub const REPORTER: &str = "~reporter";

/// The record id a message is sealed under: SHA-256 of the tip and message ids.
pub fn record_id(tip: &str, msg: &str) -> RecordId {
    Hash32(
        Sha256::new()
            .chain_update(b"unchain/tips/v1/message\0")
            .chain_update(tip.as_bytes())
            .chain_update(b"\0")
            .chain_update(msg.as_bytes())
            .finalize()
            .into(),
    )
}

/// A fresh random message id (32 hex).
pub fn new_msg_id() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A fresh random tip id (`t-` and 20 hex).
pub fn new_tip_id() -> String {
    let mut b = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("t-{}", hex::encode(b))
}

/// What a message holds once opened: its content (what is committed) and its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// The content: a [`crate::report::Content`] as JSON.
    pub content: serde_json::Value,
    /// Attached files (base64), in the order the content lists them.
    #[serde(default)]
    pub files: Vec<String>,
}

impl Payload {
    /// The files' bytes.
    pub fn file_bytes(&self) -> Result<Vec<Vec<u8>>, String> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                base64::engine::general_purpose::STANDARD
                    .decode(f)
                    .map_err(|e| format!("files[{i}]: {e}"))
            })
            .collect()
    }
}

/// A sealed message, ready to store and record.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// Its id.
    pub msg: String,
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// SHA-256 of it.
    pub commitment: Hash32,
    /// The wrapped content keys.
    pub keys: Keys,
}

/// Seals `payload` as a new message of `tip`.
pub fn seal(
    chain_id: &str,
    tip: &str,
    intake: (&str, &EncryptionPublicKey),
    reporter: &EncryptionPublicKey,
    payload: &Payload,
) -> Sealed {
    let msg = new_msg_id();
    let record = record_id(tip, &msg);
    let key = ContentKey::generate();
    let plain = serde_json::to_vec(payload).expect("payload serialises");
    let ciphertext = seal_payload(&key, &record, 1, &plain);
    let wrap = |to: &EncryptionPublicKey, label: &str| {
        WrappedKey::wrap_content_key(&key, to, &record_key_info(chain_id, &record, 1, label))
            .to_hex()
    };
    Sealed {
        commitment: commitment(&ciphertext),
        keys: Keys {
            intake: wrap(intake.1, intake.0),
            reporter: wrap(reporter, REPORTER),
        },
        msg,
        ciphertext,
    }
}

/// Why a message does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The wrapped key is not for this key.
    #[error("{0}")]
    Key(String),
    /// The ciphertext fails authentication.
    #[error("{0}")]
    Open(#[from] OpenError),
    /// It opened but is not a payload.
    #[error("the message opened but is not a tip payload: {0}")]
    Payload(String),
}

/// Opens message `msg` of `tip`: `recipient` is the intake member's name (with its
/// secret key) or [`REPORTER`] (with the key the receipt code derives).
pub fn open(
    chain_id: &str,
    tip: &str,
    msg: &str,
    recipient: &str,
    wrapped: &str,
    secret: &EncryptionSecretKey,
    ciphertext: &[u8],
) -> Result<Payload, MessageError> {
    let record = record_id(tip, msg);
    let key = WrappedKey::from_hex(wrapped)
        .map_err(MessageError::Key)?
        .unwrap_content_key(secret, &record_key_info(chain_id, &record, 1, recipient))
        .map_err(|e| MessageError::Key(e.to_string()))?;
    let plain = open_payload(&key, &record, 1, ciphertext)?;
    serde_json::from_slice(&plain).map_err(|e| MessageError::Payload(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_recipients_open_and_nothing_else_does() {
        let mut rng = rand::rngs::OsRng;
        let org = EncryptionSecretKey::generate(&mut rng);
        let rep = EncryptionSecretKey::generate(&mut rng);
        let other = EncryptionSecretKey::generate(&mut rng);
        let tip = new_tip_id();
        let payload = Payload {
            content: serde_json::json!({"type": "followup", "text": "the van came back"}),
            files: vec![],
        };
        let s = seal(
            "c",
            &tip,
            ("ngo", &org.public_key()),
            &rep.public_key(),
            &payload,
        );
        let open_as = |label: &str, wrapped: &str, key: &EncryptionSecretKey| {
            open("c", &tip, &s.msg, label, wrapped, key, &s.ciphertext)
        };
        assert_eq!(open_as("ngo", &s.keys.intake, &org), Ok(payload.clone()));
        assert_eq!(open_as(REPORTER, &s.keys.reporter, &rep), Ok(payload));
        assert!(matches!(
            open_as("ngo", &s.keys.intake, &other),
            Err(MessageError::Key(_))
        ));
        assert!(
            matches!(
                open_as("ngo", &s.keys.reporter, &rep),
                Err(MessageError::Key(_))
            ),
            "slot swap"
        );
        let other_msg = open(
            "c",
            &tip,
            &new_msg_id(),
            "ngo",
            &s.keys.intake,
            &org,
            &s.ciphertext,
        );
        assert!(other_msg.is_err(), "bound to the message id");
        let mut bad = s.ciphertext.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(
            open("c", &tip, &s.msg, "ngo", &s.keys.intake, &org, &bad),
            Err(MessageError::Open(_))
        ));
    }
}
