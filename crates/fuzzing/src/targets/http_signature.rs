//! Signed API requests' outside input (RFC 9421 and RFC 9530): `Signature-Input`,
//! `Signature` and `Content-Digest` as any client sends them, over any target and body.
//!
//! Never panics. Whatever arrives never verifies under a key whose holder did not sign it
//! (a forged signature would be a finding). And the signer and verifier agree: a request
//! the signer signs, for any target, user and body, verifies at its creation time and is
//! refused a second past the window.

use unchain_httpsig::{
    ACTOR, CONTENT_DIGEST, MAX_SKEW_SECS, Request, SIGNATURE, SIGNATURE_INPUT,
    check_content_digest, read_signature, sign_request, verify_request,
};
use unchain_types::SigningKey;

const NOW: i64 = 1_796_000_000;

/// One input: `Signature-Input`, `Signature`, `Content-Digest`, the target (path and
/// query), the acting user and the body, separated by unit separators.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\u{1f}');
    let mut next = || parts.next().unwrap_or("");
    let (input, signature, digest, target, actor, body) =
        (next(), next(), next(), next(), next(), next());
    let target = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("/{target}")
    };
    let Ok(request) = Request::to_url("POST", &format!("http://node.example:7700{target}")) else {
        return;
    };
    let _ = check_content_digest(digest, body.as_bytes());
    let _ = read_signature(&request, input, signature);

    // What arrived, checked as the node checks it, under a key the input never had.
    let nobody = SigningKey::from_seed([0x42; 32]).public_key();
    let mut sent = request
        .clone()
        .with_field(SIGNATURE_INPUT, input)
        .with_field(SIGNATURE, signature);
    if !digest.is_empty() {
        sent = sent.with_field(CONTENT_DIGEST, digest);
    }
    if !actor.is_empty() {
        sent = sent.with_field(ACTOR, actor);
    }
    let verdict = verify_request(&sent, body.as_bytes(), NOW, |_| Ok(nobody));
    assert!(
        verdict.is_err(),
        "a signature nobody made verified: {verdict:?}"
    );

    // The signer's output verifies, for any target, user and body it accepts.
    let member = SigningKey::from_seed([7; 32]);
    let mut to_sign = request.clone();
    if !actor.is_empty() {
        to_sign = to_sign.with_field(ACTOR, actor);
    }
    let Ok(fields) = sign_request(
        &mut to_sign,
        body.as_bytes(),
        &member,
        "th-police",
        NOW,
        Some("n"),
    ) else {
        return;
    };
    let mut signed = request;
    if !actor.is_empty() {
        signed = signed.with_field(ACTOR, actor);
    }
    for (name, value) in fields {
        signed = signed.with_field(name, value);
    }
    let key = member.public_key();
    let ok = verify_request(&signed, body.as_bytes(), NOW, |_| Ok(key))
        .unwrap_or_else(|e| panic!("the signer's own request is refused: {e}"));
    assert_eq!(ok.member, "th-police");
    assert!(
        verify_request(&signed, body.as_bytes(), NOW + MAX_SKEW_SECS + 1, |_| Ok(
            key
        ))
        .is_err(),
        "accepted past the window"
    );
}
