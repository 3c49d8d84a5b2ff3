//! RFC 9421's published Ed25519 example (Appendix B.2.6), and Unchain's profile attacked:
//! every change to a signed request, and every way of leaving something unsigned, is refused
//! naming the field.

use base64::Engine;
use unchain_httpsig::{
    ACTOR, CONTENT_DIGEST, Component, MAX_SKEW_SECS, Refusal, Request, SIGNATURE, SIGNATURE_INPUT,
    read_signature, sign_request, verify_request,
};
use unchain_types::{Signature, SigningKey};

/// `test-key-ed25519` (RFC 9421 Appendix B.1.4): the seed is the last 32 bytes of its
/// PKCS#8 encoding `MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF`.
const RFC_SEED: &str = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
/// Its public key, the last 32 bytes of
/// `MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=`.
const RFC_PUBLIC_B64: &str = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

/// The request of RFC 9421 Appendix B.2, as B.2.6 signs it.
fn rfc_request() -> Request {
    Request::to_url("POST", "http://example.com/foo?param=Value&Pet=dog")
        .expect("url")
        .with_field("Host", "example.com")
        .with_field("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
        .with_field("Content-Type", "application/json")
        .with_field(
            "Content-Digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        )
        .with_field("Content-Length", "18")
        .with_field(
            "Signature-Input",
            r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        )
        .with_field(
            "Signature",
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
        )
}

#[test]
fn the_rfcs_ed25519_example_reads_verifies_and_signs_to_the_published_bytes() {
    let key = SigningKey::from_seed(hex::decode(RFC_SEED).expect("hex").try_into().expect("32"));
    assert_eq!(key.public_key().to_bytes().to_vec(), b64(RFC_PUBLIC_B64));
    let request = rfc_request();
    let signed = read_signature(
        &request,
        &request.field("signature-input").expect("input"),
        &request.field("signature").expect("sig"),
    )
    .expect("reads");
    assert_eq!(signed.label, "sig-b26");
    assert_eq!(
        String::from_utf8(signed.base.clone()).expect("utf-8"),
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
         \"@method\": POST\n\
         \"@path\": /foo\n\
         \"@authority\": example.com\n\
         \"content-type\": application/json\n\
         \"content-length\": 18\n\
         \"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
    );
    let sig: [u8; 64] = signed.signature.as_slice().try_into().expect("64");
    assert!(
        key.public_key()
            .verify(&Signature::from_bytes(sig), &signed.base)
    );
    // Ed25519 is deterministic: signing the base gives the RFC's bytes.
    assert_eq!(key.sign(&signed.base).to_bytes(), sig);

    // The example is a valid RFC 9421 signature, but not a member's: it leaves @query and
    // content-digest unsigned, and the profile says so.
    let e = verify_request(&request, br#"{"hello": "world"}"#, 1_618_884_473, |_| {
        Ok(key.public_key())
    })
    .expect_err("profile");
    assert_eq!(e.field, SIGNATURE_INPUT);
    assert!(
        e.reason.contains("@query") && e.reason.contains("content-digest"),
        "{e}"
    );
}

const NOW: i64 = 1_796_000_000;

fn member() -> SigningKey {
    SigningKey::from_seed([7; 32])
}

fn signed(url: &str, method: &str, body: &[u8], actor: Option<&str>) -> Request {
    let mut r = Request::to_url(method, url).expect("url");
    if let Some(a) = actor {
        r = r.with_field(ACTOR, a);
    }
    let fields =
        sign_request(&mut r, body, &member(), "th-police", NOW, Some("n0nce")).expect("signs");
    let mut sent = Request::to_url(method, url).expect("url");
    if let Some(a) = actor {
        sent = sent.with_field(ACTOR, a);
    }
    for (name, value) in fields {
        sent = sent.with_field(name, value);
    }
    sent
}

fn check(r: &Request, body: &[u8], now: i64) -> Result<unchain_httpsig::Verified, Refusal> {
    verify_request(r, body, now, |name| {
        if name == "th-police" {
            Ok(member().public_key())
        } else {
            Err(Refusal {
                field: "signature-input;keyid".into(),
                reason: format!("{name} is not a member"),
            })
        }
    })
}

#[test]
fn a_members_signature_verifies_with_its_user_and_body() {
    let body = br#"{"commitment":"ab"}"#;
    let r = signed(
        "http://127.0.0.1:7700/v1/vault/x?y=1",
        "PUT",
        body,
        Some("u-17"),
    );
    let ok = check(&r, body, NOW + 30).expect("verifies");
    assert_eq!(ok.member, "th-police");
    assert_eq!(ok.actor.as_deref(), Some("u-17"));
    assert_eq!(ok.created, NOW);
    let input = r.field(SIGNATURE_INPUT).expect("input");
    assert_eq!(
        input,
        r#"unchain=("@method" "@authority" "@path" "@query" "content-digest" "unchain-actor");created=1796000000;keyid="th-police";alg="ed25519";nonce="n0nce""#
    );
    // A GET without a body or a user covers the four derived components only.
    let get = signed("http://node.example/v1/blocks/3", "GET", b"", None);
    check(&get, b"", NOW).expect("get verifies");
    assert!(get.field(CONTENT_DIGEST).is_none());
}

/// Replace the first line of field `name` with `value` (or remove it).
fn with(r: &Request, name: &str, value: Option<&str>) -> Request {
    let mut out = r.clone();
    out.fields.retain(|(n, _)| n != name);
    if let Some(v) = value {
        out.fields.push((name.to_owned(), v.to_owned()));
    }
    out
}

#[test]
fn every_change_to_a_signed_request_is_refused_naming_the_field() {
    let body = br#"{"a":1}"#;
    let r = signed(
        "http://127.0.0.1:7700/v1/vault/x?y=1",
        "POST",
        body,
        Some("u-17"),
    );
    let input = r.field(SIGNATURE_INPUT).expect("input");
    let sig = r.field(SIGNATURE).expect("sig");
    let mut cases: Vec<(&str, Request, &[u8], i64, &str)> = vec![
        ("another body", r.clone(), b"{\"a\":2}", NOW, CONTENT_DIGEST),
        ("no body", r.clone(), b"", NOW, CONTENT_DIGEST),
        (
            "too old",
            r.clone(),
            body,
            NOW + MAX_SKEW_SECS + 1,
            "signature-input;created",
        ),
        (
            "from the future",
            r.clone(),
            body,
            NOW - MAX_SKEW_SECS - 1,
            "signature-input;created",
        ),
        (
            "another user",
            with(&r, ACTOR, Some("u-18")),
            body,
            NOW,
            SIGNATURE,
        ),
        ("user removed", with(&r, ACTOR, None), body, NOW, ACTOR),
        (
            "digest removed",
            with(&r, CONTENT_DIGEST, None),
            body,
            NOW,
            CONTENT_DIGEST,
        ),
        (
            "no signature",
            with(&r, SIGNATURE, None),
            body,
            NOW,
            SIGNATURE,
        ),
        (
            "no input",
            with(&r, SIGNATURE_INPUT, None),
            body,
            NOW,
            SIGNATURE_INPUT,
        ),
        (
            "another member",
            with(
                &r,
                SIGNATURE_INPUT,
                Some(&input.replace("th-police", "ng-naptip")),
            ),
            body,
            NOW,
            "signature-input;keyid",
        ),
        (
            "another algorithm",
            with(
                &r,
                SIGNATURE_INPUT,
                Some(&input.replace("ed25519", "rsa-pss-sha512")),
            ),
            body,
            NOW,
            "signature-input;alg",
        ),
        (
            "query dropped from coverage",
            with(&r, SIGNATURE_INPUT, Some(&input.replace(" \"@query\"", ""))),
            body,
            NOW,
            SIGNATURE_INPUT,
        ),
        (
            "short signature",
            with(&r, SIGNATURE, Some("unchain=:AAAA:")),
            body,
            NOW,
            SIGNATURE,
        ),
        (
            "other label",
            with(&r, SIGNATURE, Some(&sig.replace("unchain=", "other="))),
            body,
            NOW,
            SIGNATURE,
        ),
        (
            "two signatures",
            with(
                &r,
                SIGNATURE_INPUT,
                Some(&format!("{input}, b=(\"@method\")")),
            ),
            body,
            NOW,
            SIGNATURE_INPUT,
        ),
        (
            "unknown parameter",
            with(&r, SIGNATURE_INPUT, Some(&format!("{input};x=1"))),
            body,
            NOW,
            "signature-input;x",
        ),
        (
            "component with a parameter",
            with(
                &r,
                SIGNATURE_INPUT,
                Some(&input.replace("\"content-digest\"", "\"content-digest\";sf")),
            ),
            body,
            NOW,
            SIGNATURE_INPUT,
        ),
        (
            "not structured",
            with(&r, SIGNATURE_INPUT, Some("unchain=(\"@method\"")),
            body,
            NOW,
            SIGNATURE_INPUT,
        ),
        (
            "expired",
            with(
                &r,
                SIGNATURE_INPUT,
                Some(&format!("{input};expires={}", NOW - 1)),
            ),
            body,
            NOW,
            "signature-input;expires",
        ),
    ];
    let mut other_path = r.clone();
    other_path.path = "/v1/vault/y".into();
    cases.push(("another path", other_path, body, NOW, SIGNATURE));
    let mut other_query = r.clone();
    other_query.query = Some("y=2".into());
    cases.push(("another query", other_query, body, NOW, SIGNATURE));
    let mut no_query = r.clone();
    no_query.query = None;
    cases.push(("query removed", no_query, body, NOW, SIGNATURE));
    let mut other_host = r.clone();
    other_host.authority = "127.0.0.1:7701".into();
    cases.push(("another node", other_host, body, NOW, SIGNATURE));
    let mut other_method = r.clone();
    other_method.method = "PUT".into();
    cases.push(("another method", other_method, body, NOW, SIGNATURE));
    for (what, request, body, now, field) in cases {
        let e = check(&request, body, now).expect_err(what);
        assert_eq!(e.field, field, "{what}: {e}");
        assert!(!e.reason.is_empty());
    }
    // The unchanged request still verifies: each refusal above is the change's doing.
    check(&r, body, NOW).expect("unchanged");
}

#[test]
fn coverage_beyond_the_profile_is_accepted_and_a_missing_covered_field_refused() {
    let key = member();
    let mut r = Request::to_url("GET", "https://node.example/v1/leaves/4")
        .expect("url")
        .with_field("accept", "application/json");
    let components = [
        Component::Method,
        Component::Authority,
        Component::Path,
        Component::Query,
        Component::TargetUri,
        Component::Field("accept".into()),
    ];
    let list = format!(
        "({});created={NOW};keyid=\"th-police\"",
        components
            .iter()
            .map(|c| format!("\"{}\"", c.id()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut base = String::new();
    for c in &components {
        base.push_str(&format!("\"{}\": {}\n", c.id(), r.value(c).expect("value")));
    }
    base.push_str(&format!("\"@signature-params\": {list}"));
    let sig = key.sign(base.as_bytes()).to_bytes();
    r = r
        .with_field(SIGNATURE_INPUT, format!("s1={list}"))
        .with_field(
            SIGNATURE,
            format!(
                "s1=:{}:",
                base64::engine::general_purpose::STANDARD.encode(sig)
            ),
        );
    check(&r, b"", NOW).expect("more coverage is fine");
    let e = check(&with(&r, "accept", None), b"", NOW).expect_err("field gone");
    assert_eq!(e.field, "accept");
}
