//! A transaction's proof bundle from outside (a court or a reporter receives it as a file):
//! verifying never panics, whatever the bundle holds, and a bundle that verifies carries the
//! quorum of checkpoint signatures it was checked against.

use unchain_bundle::proof::{ProofBundle, bundle_validators, verify_bundle};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(b) = serde_json::from_slice::<ProofBundle>(data) else {
        return;
    };
    let Ok(validators) = bundle_validators(&b) else {
        return;
    };
    let quorum = unchain_bundle::quorum(validators.len().max(1));
    if let Ok(v) = verify_bundle(&b, &validators, quorum) {
        assert!(v.signers.len() >= quorum, "verified below quorum");
        assert_eq!(v.leaf_index, b.leaf_index);
    }
}
