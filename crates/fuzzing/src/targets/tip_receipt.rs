//! A proof of receipt from outside (anyone checks one they were handed) and the tips
//! bodies: verifying never panics, whatever the bundle holds.

use unchain_ledger::Module;
use unchain_tips::bundle::{ReceiptBundle, verify};

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(b) = serde_json::from_slice::<ReceiptBundle>(data) {
        let validators: Vec<_> = b.envelope.validators.iter().map(|v| v.verifier()).collect();
        let _ = verify(&b, &validators, validators.len().max(1));
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        for k in unchain_tips::KINDS {
            let _ = unchain_tips::TipsModule.parse_body(k.kind, &body);
        }
    }
}
