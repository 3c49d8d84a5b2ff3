//! A trust bundle or a credential standing from outside (a border post loads either from
//! a file) and the identity bodies in it: verifying never panics, whatever it holds.

use unchain_identity::standing::{self, StandingBundle};
use unchain_identity::trust::{TrustBundle, verify};
use unchain_ledger::Module;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(b) = serde_json::from_slice::<TrustBundle>(data) {
        let validators: Vec<_> = b.envelope.validators.iter().map(|v| v.verifier()).collect();
        let _ = verify(&b, &validators, validators.len().max(1));
    }
    if let Ok(b) = serde_json::from_slice::<StandingBundle>(data) {
        let validators = b.state.envelope.carried_validators();
        let _ = standing::verify(&b, &validators, validators.len().max(1));
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        for k in unchain_identity::KINDS {
            let _ = unchain_identity::IdentityModule.parse_body(k.kind, &body);
        }
    }
}
