//! Wrapping a content key (or the matching key) for one organisation with HPKE.
//!
//! RFC 9180 base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20Poly1305,
//! single-shot. The HPKE `info` names the chain, the record, its version and the
//! recipient, so a wrapped key copied into another record, version, chain or recipient
//! slot fails to open instead of silently opening the wrong thing.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use unchain_types::{EncryptionPublicKey, EncryptionSecretKey};

use crate::envelope::{ContentKey, RecordId};

type Kem = X25519HkdfSha256;

/// Length of a wrapped 32-byte key: the key plus the AEAD tag.
const WRAPPED_LEN: usize = 32 + 16;

/// A 32-byte key wrapped for one recipient: the HPKE encapsulated key and ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The sender's ephemeral X25519 public key (HPKE `enc`).
    pub enc: [u8; 32],
    /// The wrapped key and its tag.
    pub ct: [u8; WRAPPED_LEN],
}

impl std::fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WrappedKey(enc={})", hex::encode(self.enc))
    }
}

/// Why a wrapped key could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnwrapError {
    /// The HPKE open failed: not wrapped for this key, or for another record, version,
    /// chain or recipient, or altered.
    #[error(
        "wrapped key does not open with this organisation's key (wrapped for someone else, for another record or version, or altered)"
    )]
    NotForThisKey,
}

/// The HPKE `info` for a record's content key.
pub fn record_key_info(chain_id: &str, record: &RecordId, version: u32, member: &str) -> Vec<u8> {
    format!(
        "unchain/vault/v1/record-key\0{chain_id}\0{}\0{version}\0{member}",
        record.to_hex()
    )
    .into_bytes()
}

/// The HPKE `info` for the consortium matching key of `epoch`.
pub fn matching_key_info(chain_id: &str, epoch: u32, member: &str) -> Vec<u8> {
    format!("unchain/vault/v1/matching-key\0{chain_id}\0{epoch}\0{member}").into_bytes()
}

/// The HPKE `info` for a dealer's private evaluation to one player in a token-key round
/// (`unchain_tokens::keygen`): names the chain, the round, the dealer and the player, so a
/// wrapped evaluation moved to another slot does not open.
pub fn token_share_info(chain_id: &str, round: u64, dealer: &str, player: &str) -> Vec<u8> {
    format!("unchain/vault/v1/token-key-share\0{chain_id}\0{round}\0{dealer}\0{player}")
        .into_bytes()
}

impl WrappedKey {
    /// Wraps `key` for `recipient` under `info`.
    pub fn wrap(key: &[u8; 32], recipient: &EncryptionPublicKey, info: &[u8]) -> Self {
        let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&recipient.0)
            .expect("every 32-byte string is an X25519 public key");
        let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
            &OpModeS::Base,
            &pk,
            info,
            key,
            b"",
            &mut crate::os_rng(),
        )
        .expect("HPKE seal of 32 bytes cannot fail");
        WrappedKey {
            enc: enc.to_bytes().into(),
            ct: ct.try_into().expect("32-byte key + 16-byte tag"),
        }
    }

    /// Wraps a content key for `recipient` under `info`.
    pub fn wrap_content_key(
        key: &ContentKey,
        recipient: &EncryptionPublicKey,
        info: &[u8],
    ) -> Self {
        Self::wrap(key.as_bytes(), recipient, info)
    }

    /// Opens the wrapped key with the recipient's secret key.
    pub fn unwrap(
        &self,
        secret: &EncryptionSecretKey,
        info: &[u8],
    ) -> Result<[u8; 32], UnwrapError> {
        let key = hpke_open(&secret.to_bytes(), &self.enc, info, b"", &self.ct)?;
        key.try_into().map_err(|_| UnwrapError::NotForThisKey)
    }

    /// Opens a wrapped content key.
    pub fn unwrap_content_key(
        &self,
        secret: &EncryptionSecretKey,
        info: &[u8],
    ) -> Result<ContentKey, UnwrapError> {
        self.unwrap(secret, info).map(ContentKey::from_bytes)
    }

    /// `enc ‖ ct` as 160 hex characters.
    pub fn to_hex(&self) -> String {
        let mut bytes = Vec::with_capacity(32 + WRAPPED_LEN);
        bytes.extend_from_slice(&self.enc);
        bytes.extend_from_slice(&self.ct);
        hex::encode(bytes)
    }

    /// Parses `enc ‖ ct` from 160 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s).map_err(|_| "is not hexadecimal".to_string())?;
        if bytes.len() != 32 + WRAPPED_LEN {
            return Err(format!(
                "must be {} bytes ({} hex characters: the 32-byte HPKE enc, then the 48-byte wrapped key); got {} bytes",
                32 + WRAPPED_LEN,
                2 * (32 + WRAPPED_LEN),
                bytes.len()
            ));
        }
        Ok(WrappedKey {
            enc: bytes[..32].try_into().expect("32 bytes"),
            ct: bytes[32..].try_into().expect("48 bytes"),
        })
    }
}

/// HPKE single-shot open (base mode, this suite) with raw keys.
fn hpke_open(
    secret: &[u8; 32],
    enc: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Vec<u8>, UnwrapError> {
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(secret)
        .map_err(|_| UnwrapError::NotForThisKey)?;
    let enc =
        <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| UnwrapError::NotForThisKey)?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &sk,
        &enc,
        info,
        ct,
        aad,
    )
    .map_err(|_| UnwrapError::NotForThisKey)
}

impl Serialize for WrappedKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for WrappedKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        WrappedKey::from_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Derives the X25519 key pair RFC 9180's `DeriveKeyPair` gives for `ikm` (for vectors).
/// Seals `plaintext` as `version` of record `id` for `recipients` (name, X25519 key): a
/// fresh content key encrypts it ([`crate::seal_payload`]); returns the ciphertext, its
/// commitment, and the content key wrapped for each recipient.
pub fn seal_record(
    chain_id: &str,
    id: &RecordId,
    version: u32,
    plaintext: &[u8],
    recipients: &[(String, EncryptionPublicKey)],
) -> (Vec<u8>, unchain_types::Hash32, BTreeMap<String, WrappedKey>) {
    let key = ContentKey::generate();
    let ciphertext = crate::seal_payload(&key, id, version, plaintext);
    let c = crate::commitment(&ciphertext);
    let wrapped = recipients
        .iter()
        .map(|(name, pk)| {
            let info = record_key_info(chain_id, id, version, name);
            (name.clone(), WrappedKey::wrap_content_key(&key, pk, &info))
        })
        .collect();
    (ciphertext, c, wrapped)
}

#[cfg(test)]
fn derive_keypair(ikm: &[u8]) -> ([u8; 32], [u8; 32]) {
    let (sk, pk) = <Kem as hpke::Kem>::derive_keypair(ikm);
    (sk.to_bytes().into(), pk.to_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unchain_types::Hash32;

    fn hexv(v: &serde_json::Value, k: &str) -> Vec<u8> {
        hex::decode(v[k].as_str().expect("hex string")).expect("hex")
    }

    /// RFC 9180 Appendix A.2.1: the receiver side of the published vector for exactly this
    /// suite (the sender side draws a fresh ephemeral key, so it cannot be replayed).
    #[test]
    fn rfc9180_a2_vector_opens() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/vectors/hpke-rfc9180-a2.json"))
                .expect("vector JSON");
        assert_eq!(
            (
                v["kem_id"].as_u64(),
                v["kdf_id"].as_u64(),
                v["aead_id"].as_u64()
            ),
            (Some(32), Some(1), Some(3))
        );
        let (sk, pk) = derive_keypair(&hexv(&v, "ikmR"));
        assert_eq!(sk.to_vec(), hexv(&v, "skRm"), "DeriveKeyPair(ikmR)");
        assert_eq!(pk.to_vec(), hexv(&v, "pkRm"));
        let enc: [u8; 32] = hexv(&v, "enc").try_into().expect("32-byte enc");
        let first = &v["encryptions"][0];
        let pt = hpke_open(
            &sk,
            &enc,
            &hexv(&v, "info"),
            &hexv(first, "aad"),
            &hexv(first, "ct"),
        )
        .expect("sequence 0 opens");
        assert_eq!(pt, hexv(first, "pt"));
        // Sequence 1 was sealed with the next nonce: single-shot (sequence 0) must refuse it.
        let second = &v["encryptions"][1];
        assert!(
            hpke_open(
                &sk,
                &enc,
                &hexv(&v, "info"),
                &hexv(second, "aad"),
                &hexv(second, "ct")
            )
            .is_err()
        );
    }

    #[test]
    fn wrapped_key_opens_only_for_its_recipient_and_slot() {
        let mut rng = rand::thread_rng();
        let police = EncryptionSecretKey::generate(&mut rng);
        let ngo = EncryptionSecretKey::generate(&mut rng);
        let record = Hash32([7; 32]);
        let key = ContentKey::generate();
        let info = record_key_info("test-chain", &record, 1, "th-police");
        let wrapped = WrappedKey::wrap_content_key(&key, &police.public_key(), &info);
        assert_eq!(
            wrapped.unwrap_content_key(&police, &info).expect("opens"),
            key
        );
        assert_eq!(wrapped.unwrap(&ngo, &info), Err(UnwrapError::NotForThisKey));
        for other in [
            record_key_info("other-chain", &record, 1, "th-police"),
            record_key_info("test-chain", &Hash32([8; 32]), 1, "th-police"),
            record_key_info("test-chain", &record, 2, "th-police"),
            record_key_info("test-chain", &record, 1, "th-ngo"),
        ] {
            assert_eq!(
                wrapped.unwrap(&police, &other),
                Err(UnwrapError::NotForThisKey)
            );
        }
        let parsed = WrappedKey::from_hex(&wrapped.to_hex()).expect("hex round trip");
        assert_eq!(parsed, wrapped);
        assert!(
            WrappedKey::from_hex("abcd")
                .expect_err("short")
                .starts_with("must be 80 bytes")
        );
    }
}
