//! An agreement outcome's bundle from outside (a court or an auditor receives it as a
//! file): re-checking never panics, whatever the bundle holds — its entries, its facts, or
//! clauses in its logged proposal.

use unchain_agree::bundle::{OutcomeBundle, verify};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(b) = serde_json::from_slice::<OutcomeBundle>(data) else {
        return;
    };
    let validators = b.envelope.carried_validators();
    let _ = verify(&b, &validators, validators.len().max(1), &b.members, None);
}
