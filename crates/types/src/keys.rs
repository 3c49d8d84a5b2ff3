//! Keys: Ed25519 for signatures (ZIP-215 validity rules), X25519 for sealing to an organisation.
//!
//! Signature validity is decided by `ed25519-consensus`, which implements ZIP-215: single and
//! batch verification accept exactly the same signatures, so validators can never disagree on
//! whether a transaction is valid (DESIGN.md, settled decision 2). commonware's `ed25519`
//! wraps the same crate, so consensus and transactions share one rule.

use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why key or signature material could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not hexadecimal.
    #[error("{what} is not hexadecimal")]
    NotHex {
        /// What was being parsed.
        what: &'static str,
    },
    /// Wrong number of bytes.
    #[error("{what} must be {expected} bytes ({} hex characters); got {got} bytes", expected * 2)]
    WrongLength {
        /// What was being parsed.
        what: &'static str,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        got: usize,
    },
    /// Bytes that are not a valid Ed25519 point encoding.
    #[error("{what} is not a valid Ed25519 public key encoding")]
    InvalidPoint {
        /// What was being parsed.
        what: &'static str,
    },
}

fn decode_fixed<const N: usize>(what: &'static str, s: &str) -> Result<[u8; N], KeyError> {
    let bytes = hex::decode(s).map_err(|_| KeyError::NotHex { what })?;
    let got = bytes.len();
    bytes.try_into().map_err(|_| KeyError::WrongLength {
        what,
        expected: N,
        got,
    })
}

/// An Ed25519 public key identifying a member (an organisation's signing key).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(ed25519_consensus::VerificationKeyBytes);

impl PublicKey {
    /// Parses a key from 64 hex characters, checking that it is a valid point.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        Self::from_bytes(decode_fixed::<32>("public key", s)?)
    }

    /// Builds a key from its 32-byte encoding.
    ///
    /// The encoding is not decompressed here (that costs a square root, and every
    /// transaction carries its sender's key): a key that is not a valid point can never
    /// produce a valid signature, so it is refused at signature verification. Use
    /// [`PublicKey::check_point`] where a key is registered (genesis, membership).
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, KeyError> {
        Ok(PublicKey(ed25519_consensus::VerificationKeyBytes::from(
            bytes,
        )))
    }

    /// Checks that the encoding is a valid Ed25519 point.
    pub fn check_point(&self) -> Result<(), KeyError> {
        ed25519_consensus::VerificationKey::try_from(self.0)
            .map(|_| ())
            .map_err(|_| KeyError::InvalidPoint { what: "public key" })
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Lowercase hex of the encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Verifies `signature` over `message` (ZIP-215).
    pub fn verify(&self, signature: &Signature, message: &[u8]) -> bool {
        ed25519_consensus::VerificationKey::try_from(self.0)
            .map(|vk| vk.verify(&signature.0, message).is_ok())
            .unwrap_or(false)
    }

    pub(crate) fn bytes(&self) -> ed25519_consensus::VerificationKeyBytes {
        self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PublicKey::from_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub(crate) ed25519_consensus::Signature);

impl Signature {
    /// Parses 128 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let bytes = decode_fixed::<64>("signature", s)?;
        Ok(Signature(ed25519_consensus::Signature::from(bytes)))
    }

    /// Builds a signature from its 64 bytes.
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Signature(ed25519_consensus::Signature::from(bytes))
    }

    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Signature::from_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signing key (the 32-byte seed of RFC 8032).
#[derive(Clone)]
pub struct SigningKey(ed25519_consensus::SigningKey);

impl SigningKey {
    /// A fresh random key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        SigningKey(ed25519_consensus::SigningKey::new(rng))
    }

    /// The key with this 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SigningKey(ed25519_consensus::SigningKey::from(seed))
    }

    /// Parses a seed from 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        Ok(Self::from_seed(decode_fixed::<32>("signing key seed", s)?))
    }

    /// The seed, for writing to a key file.
    pub fn seed(&self) -> [u8; 32] {
        *self.0.as_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verification_key().into())
    }

    /// Signs `message` (RFC 8032 Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public_key())
    }
}

/// Verifies many `(key, signature, message)` triples at once (ZIP-215 batch semantics).
///
/// Returns `true` when every signature is valid. On `false`, check them one by one to find
/// the culprits; ZIP-215 guarantees the single answers agree with the batch.
pub fn verify_batch<'a>(
    items: impl IntoIterator<Item = (&'a PublicKey, &'a Signature, &'a [u8])>,
) -> bool {
    let mut verifier = ed25519_consensus::batch::Verifier::new();
    for (key, sig, msg) in items {
        verifier.queue((key.bytes(), sig.0, msg));
    }
    verifier.verify(rand::thread_rng()).is_ok()
}

/// An X25519 public key: what other organisations seal records to (RFC 9180 DHKEM(X25519)).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncryptionPublicKey(pub [u8; 32]);

impl EncryptionPublicKey {
    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        Ok(EncryptionPublicKey(decode_fixed::<32>(
            "encryption key",
            s,
        )?))
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for EncryptionPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl Serialize for EncryptionPublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for EncryptionPublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        EncryptionPublicKey::from_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An X25519 secret key.
#[derive(Clone)]
pub struct EncryptionSecretKey(x25519_dalek::StaticSecret);

impl EncryptionSecretKey {
    /// A fresh random key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        EncryptionSecretKey(x25519_dalek::StaticSecret::from(bytes))
    }

    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        Ok(EncryptionSecretKey(x25519_dalek::StaticSecret::from(
            decode_fixed::<32>("encryption secret key", s)?,
        )))
    }

    /// The secret bytes, for writing to a key file.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> EncryptionPublicKey {
        EncryptionPublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }
}

impl fmt::Debug for EncryptionSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionSecretKey({:?})", self.public_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.1, TEST 2: one-byte message.
    #[test]
    fn rfc8032_test_vector_2_signs_and_verifies() {
        let key = SigningKey::from_hex(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        )
        .expect("seed");
        assert_eq!(
            key.public_key().to_hex(),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        );
        let sig = key.sign(&[0x72]);
        assert_eq!(
            sig.to_hex(),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
        assert!(key.public_key().verify(&sig, &[0x72]));
        assert!(!key.public_key().verify(&sig, &[0x73]));
    }

    #[test]
    fn batch_agrees_with_single_verification() {
        let mut rng = rand::thread_rng();
        let keys: Vec<_> = (0..8).map(|_| SigningKey::generate(&mut rng)).collect();
        let pks: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
        let msgs: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 10]).collect();
        let mut sigs: Vec<_> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
        fn triples<'a>(
            pks: &'a [PublicKey],
            sigs: &'a [Signature],
            msgs: &'a [Vec<u8>],
        ) -> Vec<(&'a PublicKey, &'a Signature, &'a [u8])> {
            pks.iter()
                .zip(sigs)
                .zip(msgs)
                .map(|((k, s), m)| (k, s, m.as_slice()))
                .collect()
        }
        assert!(verify_batch(triples(&pks, &sigs, &msgs)));
        sigs[3] = keys[3].sign(b"something else");
        assert!(!verify_batch(triples(&pks, &sigs, &msgs)));
        assert!(!pks[3].verify(&sigs[3], &msgs[3]));
    }

    #[test]
    fn short_or_non_hex_keys_name_the_problem() {
        assert_eq!(
            PublicKey::from_hex("abcd")
                .expect_err("too short")
                .to_string(),
            "public key must be 32 bytes (64 hex characters); got 2 bytes"
        );
        assert!(matches!(
            Signature::from_hex("zz"),
            Err(KeyError::NotHex { what: "signature" })
        ));
    }
}

/// An organisation's secret keys as stored in its key file (JSON, mode 0600).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The member name these keys belong to.
    pub name: String,
    /// Ed25519 seed, 64 hex characters.
    pub signing_seed: String,
    /// X25519 secret, 64 hex characters.
    pub encryption_secret: String,
}

impl KeyFile {
    /// Fresh random keys for `name`.
    pub fn generate<R: RngCore + CryptoRng>(name: &str, rng: &mut R) -> Self {
        KeyFile {
            name: name.into(),
            signing_seed: hex::encode(SigningKey::generate(rng).seed()),
            encryption_secret: hex::encode(EncryptionSecretKey::generate(rng).to_bytes()),
        }
    }

    /// The signing key.
    pub fn signing_key(&self) -> Result<SigningKey, KeyError> {
        SigningKey::from_hex(&self.signing_seed)
    }

    /// The encryption key.
    pub fn encryption_key(&self) -> Result<EncryptionSecretKey, KeyError> {
        EncryptionSecretKey::from_hex(&self.encryption_secret)
    }
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyFile({})", self.name)
    }
}
