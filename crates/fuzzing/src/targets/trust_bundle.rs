//! A trust bundle or a credential standing from outside (a border post loads either from
//! a file), the identity bodies in it, and the standing endpoint's `credentials` query:
//! verifying and parsing never panic, whatever they hold.

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
    // The standing endpoint's `credentials` query: what parses is at most the cap, each a
    // did:unchain with an index.
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(creds) = standing::parse_credentials(text)
    {
        assert!(creds.len() <= standing::MAX_CREDENTIALS);
        assert!(
            creds
                .iter()
                .all(|(issuer, _)| issuer.starts_with("did:unchain:"))
        );
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        for k in unchain_identity::KINDS {
            let _ = unchain_identity::IdentityModule.parse_body(k.kind, &body);
        }
    }
}
