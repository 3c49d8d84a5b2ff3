//! SD-JWT presentations, disclosures, DIDs and status lists from outside (a wallet at a
//! border post, an issuer's status list): parsing and verifying never panic, and nothing
//! but a presentation signed by the issuer key verifies.

use unchain_credentials::did::{parse_did_key, parse_unchain};
use unchain_credentials::sdjwt::{self, Disclosure, Expect};
use unchain_credentials::status::{EncodedList, StatusList};
use unchain_types::SigningKey;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let issuer = SigningKey::from_seed([1; 32]).public_key();
    for kb in [None, Some(("aud", "nonce", 300))] {
        let r = sdjwt::verify(
            text,
            |_, _| Ok(issuer),
            &Expect {
                typ: None,
                now: 1_800_000_000,
                key_binding: kb,
            },
        );
        // Random bytes never carry a valid Ed25519 signature by this key.
        assert!(r.is_err());
    }
    let _ = Disclosure::parse(text);
    let _ = parse_did_key(text);
    let _ = parse_unchain(text);
    if let Ok(list) = serde_json::from_slice::<EncodedList>(data)
        && let Ok(l) = StatusList::decode(&list)
    {
        let _ = l.status(u32::MAX);
        let _ = l.status(0);
    }
}
