//! Decentralised identifiers: `did:key` (W3C CCG did:key, Ed25519 only) for people's
//! wallets, and the syntax of `did:unchain`, the ledger's method for organisations and
//! long-lived identities (its keys live in ledger state: `unchain-identity`).
//!
//! An Ed25519 key as a `Multikey`: `z` + base58btc(`0xed 0x01` ‖ 32 key bytes), and a
//! `did:key` is `did:key:` followed by exactly that.

use serde_json::{Value, json};
use unchain_types::PublicKey;

/// The multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// The `did:unchain:` prefix.
pub const UNCHAIN_PREFIX: &str = "did:unchain:";

/// The `did:key:` prefix.
pub const KEY_PREFIX: &str = "did:key:";

/// Why a DID or multikey was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    /// Neither method this code resolves.
    #[error("{0:?} is not a did:key or did:unchain identifier")]
    Method(String),
    /// A malformed did:key.
    #[error("{did:?}: {reason}")]
    Key {
        /// The identifier.
        did: String,
        /// What is wrong.
        reason: String,
    },
    /// A malformed did:unchain.
    #[error("{0:?}: a did:unchain identifier is did:unchain: and 32 lowercase hex characters")]
    Unchain(String),
}

/// The `Multikey` encoding of an Ed25519 key: `z6Mk…`.
pub fn multikey(key: &PublicKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(&key.to_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Reads a `Multikey` Ed25519 key, checking the point.
pub fn parse_multikey(s: &str) -> Result<PublicKey, String> {
    let rest = s
        .strip_prefix('z')
        .ok_or("not base58btc multibase (must start with z)")?;
    let bytes = bs58::decode(rest)
        .into_vec()
        .map_err(|_| "not base58btc".to_string())?;
    let key = bytes
        .strip_prefix(&ED25519_PUB)
        .ok_or("not an Ed25519 key (multicodec 0xed)")?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| format!("the key is {} bytes; an Ed25519 key is 32", key.len()))?;
    let key = PublicKey::from_bytes(key).map_err(|e| e.to_string())?;
    key.check_point().map_err(|e| e.to_string())?;
    Ok(key)
}

/// The `did:key` of an Ed25519 key.
pub fn did_key(key: &PublicKey) -> String {
    format!("{KEY_PREFIX}{}", multikey(key))
}

/// The Ed25519 key a `did:key` names (a fragment after `#` is ignored).
pub fn parse_did_key(did: &str) -> Result<PublicKey, DidError> {
    let bare = did.split('#').next().unwrap_or(did);
    let mk = bare
        .strip_prefix(KEY_PREFIX)
        .ok_or_else(|| DidError::Method(did.into()))?;
    parse_multikey(mk).map_err(|reason| DidError::Key {
        did: did.into(),
        reason,
    })
}

/// Checks the syntax of a `did:unchain` (the part before any `#`), returning it.
pub fn parse_unchain(did: &str) -> Result<&str, DidError> {
    let bare = did.split('#').next().unwrap_or(did);
    let id = bare
        .strip_prefix(UNCHAIN_PREFIX)
        .ok_or_else(|| DidError::Unchain(did.into()))?;
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(bare)
    } else {
        Err(DidError::Unchain(did.into()))
    }
}

/// The W3C DID document of a `did:key` (one key, used for authentication and assertions).
pub fn did_key_document(key: &PublicKey) -> Value {
    let did = did_key(key);
    let vm = format!("{did}#{}", multikey(key));
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey(key),
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_key_matches_a_published_document() {
        // Aries Cloud Agent's did:key test document (openwallet-foundation/acapy,
        // did/tests/test_dids.py): this Ed25519 key, as publicKeyBase58, is this did:key.
        let raw = bs58::decode("8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K")
            .into_vec()
            .expect("base58");
        let key = PublicKey::from_bytes(raw.try_into().expect("32 bytes")).expect("key");
        let did = "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th";
        assert_eq!(did_key(&key), did);
        assert_eq!(
            parse_did_key(&format!("{did}#{}", &did[8..])).expect("parses"),
            key
        );
        let doc = did_key_document(&key);
        assert_eq!(
            doc["verificationMethod"][0]["id"],
            format!("{did}#{}", &did[8..])
        );
    }

    #[test]
    fn malformed_identifiers_are_refused_with_a_reason() {
        assert!(matches!(
            parse_did_key("did:web:example.org"),
            Err(DidError::Method(_))
        ));
        let err = parse_did_key("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")
            .expect_err("a secp256k1 did:key");
        assert!(err.to_string().contains("not an Ed25519 key"), "{err}");
        // From the W3C CCG did:key test suite: well-formed, too short for an Ed25519 key.
        assert!(parse_did_key("did:key:zTjsVPtY").is_err());
        assert!(parse_did_key("did:key:z6Mk0OIl").is_err());
        assert!(parse_unchain("did:unchain:0123456789abcdef0123456789abcdef").is_ok());
        assert!(parse_unchain("did:unchain:0123456789ABCDEF0123456789abcdef").is_err());
        assert!(parse_unchain("did:unchain:0123").is_err());
    }
}
