//! A state bundle from outside (a court or a member receives it as a file, with jmt's
//! borsh-encoded proofs inside): verifying never panics, whatever the bundle holds, and a
//! bundle that verifies carries the quorum it was checked against and one value (or
//! absence) per proof, for the checkpoint's own state line. The epoch links it may carry
//! are walked from the validators it carries, as `--genesis` walks them from genesis'.

use unchain_bundle::state::{StateBundle, verify_state_bundle};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(b) = serde_json::from_slice::<StateBundle>(data) else {
        return;
    };
    // Epochs of four blocks: a short one, so that fuzzed heights reach later epochs.
    if let Ok((set, epoch)) = b
        .envelope
        .validators_from_genesis(&b.envelope.validators, 4)
    {
        // Links name the epochs whose set changed, none past the checkpoint's; an epoch
        // with none before it keeps the starting set.
        assert!(b.envelope.epochs.iter().all(|l| l.epoch <= epoch));
        if b.envelope.epochs.is_empty() {
            assert_eq!(set, b.envelope.validators);
        } else {
            assert!(!set.is_empty());
        }
    }
    let validators = b.envelope.carried_validators();
    let quorum = unchain_bundle::quorum(validators.len().max(1));
    if let Ok(v) = verify_state_bundle(&b, &validators, quorum) {
        assert!(v.signers.len() >= quorum, "verified below quorum");
        assert_eq!(v.values.len(), b.proofs.len());
        assert_eq!(v.state.height, b.state_height);
        for ((key, value), proof) in v.values.iter().zip(&b.proofs) {
            assert_eq!(key, &proof.key);
            assert_eq!(value.is_some(), proof.value.is_some());
        }
    }
}
