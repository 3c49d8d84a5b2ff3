//! Finalization certificates as a node serves them (`GET /v1/blocks/{h}/certificate`) and
//! `unchain verify block` and `unchain status` read them: decoding and verifying never
//! panic; a certificate that verifies finalizes the digest asked for and carries a quorum
//! of the given validators, and decoded signers are always among them.
//!
//! The first byte picks how many of the fixed validators ([`validators`]) the certificate
//! is checked against (1 to 7); the rest is the certificate.

use unchain_consensus::certificates::{certificate_signers, verify_finalization};
use unchain_types::{Hash32, PublicKey, SigningKey};

/// The fixed validator keys, seeds 1 to 7.
pub fn validators(n: usize) -> Vec<SigningKey> {
    (0..n as u8)
        .map(|i| SigningKey::from_seed([i + 1; 32]))
        .collect()
}

/// The block digest every input is checked against.
pub fn digest() -> Hash32 {
    Hash32::digest(b"fuzzed block")
}

/// One input.
pub fn run(data: &[u8]) {
    let Some((&n, certificate)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 7) + 1;
    let keys: Vec<PublicKey> = validators(n).iter().map(SigningKey::public_key).collect();
    let digest = digest();
    if let Ok(v) = verify_finalization(certificate, &keys, &digest) {
        assert_eq!(v.digest, digest);
        assert!(v.signers.len() >= unchain_bundle::quorum(n));
        assert!(v.signers.iter().all(|s| keys.contains(s)));
    }
    if let Ok(signers) = certificate_signers(certificate, &keys) {
        assert!(signers.len() <= n);
        assert!(signers.iter().all(|s| keys.contains(s)));
    }
}
