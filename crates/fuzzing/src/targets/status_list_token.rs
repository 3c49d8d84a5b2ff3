//! A Status List Token as the node takes it from an issuer (`PUT
//! /v1/identity/status/{did}/token`). Never panics; whatever parses has a list that
//! decodes and `exp` after `iat`; nothing verifies under a key that did not sign it; and the
//! claims, signed again, read back the same.

use unchain_credentials::status::StatusList;
use unchain_credentials::status_token::{UnverifiedToken, sign_token};
use unchain_types::SigningKey;

/// One input: the token's bytes.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(token) = UnverifiedToken::parse(text) else {
        return;
    };
    assert!(token.claims.exp > token.claims.iat);
    StatusList::decode(&token.claims.status_list).expect("a parsed token's list decodes");
    let nobody = SigningKey::from_seed([0x42; 32]);
    assert!(
        token
            .clone()
            .verify(&nobody.public_key(), token.claims.iat)
            .is_err(),
        "a token nobody signed verified"
    );
    let again = sign_token(&token.claims, &token.kid, &nobody);
    let back = UnverifiedToken::parse(&again).expect("a signed token parses");
    assert_eq!(back.claims, token.claims);
    assert_eq!(back.kid, token.kid);
    back.verify(&nobody.public_key(), token.claims.iat)
        .expect("the signer's own token verifies");
}
