//! Payload encryption: ChaCha20-Poly1305 under a fresh content key per record version.
//!
//! A sealed payload is `0x01 ‖ nonce (12 bytes) ‖ ciphertext with tag`. The associated data
//! binds it to its record and version, so a ciphertext cannot be replayed as another
//! record's content even by someone holding both keys. The commitment the chain records is
//! the SHA-256 of these bytes: a node that receives a ciphertext recomputes it before
//! storing anything.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand_core::RngCore;
use unchain_types::Hash32;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A sealed record's identifier: 32 random bytes chosen by the sealer, never derived from
/// the content or from any identifier of a person.
pub type RecordId = Hash32;

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes a sealed payload adds to its plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// A 256-bit content key; wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct ContentKey([u8; 32]);

impl ContentKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        crate::os_rng().fill_bytes(&mut key);
        ContentKey(key)
    }

    /// The key with these bytes (an unwrapped key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ContentKey(bytes)
    }

    /// The key's bytes, for wrapping.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey(…)")
    }
}

/// Why a sealed payload could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Too short, or an unknown format byte.
    #[error("ciphertext is malformed: {0}")]
    Malformed(&'static str),
    /// The tag did not verify: the ciphertext was altered, or belongs to another record or
    /// version, or the key is wrong.
    #[error(
        "ciphertext failed authentication: it was altered, belongs to another record or version, or the key is wrong"
    )]
    Tampered,
}

fn associated_data(record: &RecordId, version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(48);
    aad.extend_from_slice(b"unchain/vault/v1/payload\0");
    aad.extend_from_slice(&record.0);
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

/// Encrypts `plaintext` as version `version` of `record` under `key`.
pub fn seal_payload(
    key: &ContentKey,
    record: &RecordId,
    version: u32,
    plaintext: &[u8],
) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    crate::os_rng().fill_bytes(&mut nonce);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let aad = associated_data(record, version);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("ChaCha20-Poly1305 encrypts any length below 256 GiB");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Decrypts a payload sealed by [`seal_payload`] for the same record and version.
pub fn open_payload(
    key: &ContentKey,
    record: &RecordId,
    version: u32,
    sealed: &[u8],
) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < OVERHEAD {
        return Err(OpenError::Malformed(
            "shorter than the format's 29-byte overhead",
        ));
    }
    if sealed[0] != FORMAT_V1 {
        return Err(OpenError::Malformed("unknown format byte (expected 0x01)"));
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key.0));
    let aad = associated_data(record, version);
    cipher
        .decrypt(
            Nonce::from_slice(&sealed[1..1 + NONCE_LEN]),
            Payload {
                msg: &sealed[1 + NONCE_LEN..],
                aad: &aad,
            },
        )
        .map_err(|_| OpenError::Tampered)
}

/// The commitment the chain records for a ciphertext: its SHA-256.
pub fn commitment(sealed: &[u8]) -> Hash32 {
    Hash32::digest(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(b: u8) -> RecordId {
        Hash32([b; 32])
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let key = ContentKey::generate();
        let a = seal_payload(&key, &record(1), 1, b"Somchai, +66 81 234 5678");
        let b = seal_payload(&key, &record(1), 1, b"Somchai, +66 81 234 5678");
        assert_ne!(a, b, "every seal draws a fresh nonce");
        assert_eq!(a.len(), 24 + OVERHEAD);
        assert_eq!(
            open_payload(&key, &record(1), 1, &a).expect("opens"),
            b"Somchai, +66 81 234 5678"
        );
        assert!(
            !a.windows(7).any(|w| w == b"Somchai"),
            "plaintext must not appear in the ciphertext"
        );
    }

    #[test]
    fn any_flipped_bit_is_detected() {
        let key = ContentKey::generate();
        let sealed = seal_payload(&key, &record(1), 1, b"witness statement");
        for i in 1..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                open_payload(&key, &record(1), 1, &bad),
                Err(OpenError::Tampered),
                "byte {i}"
            );
        }
    }

    #[test]
    fn bound_to_record_version_and_key() {
        let key = ContentKey::generate();
        let sealed = seal_payload(&key, &record(1), 1, b"x");
        assert_eq!(
            open_payload(&key, &record(2), 1, &sealed),
            Err(OpenError::Tampered)
        );
        assert_eq!(
            open_payload(&key, &record(1), 2, &sealed),
            Err(OpenError::Tampered)
        );
        assert_eq!(
            open_payload(&ContentKey::generate(), &record(1), 1, &sealed),
            Err(OpenError::Tampered)
        );
        assert!(matches!(
            open_payload(&key, &record(1), 1, &sealed[..10]),
            Err(OpenError::Malformed(_))
        ));
    }
}
