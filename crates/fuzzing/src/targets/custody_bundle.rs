//! A chain-of-custody bundle from outside (a court receives it as a file): verifying never
//! panics, whatever the bundle holds.

use unchain_custody::bundle::{CustodyBundle, carried_validators, verify};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(b) = serde_json::from_slice::<CustodyBundle>(data) else {
        return;
    };
    let validators = carried_validators(&b);
    let _ = verify(&b, &validators, validators.len().max(1), &b.members);
}
