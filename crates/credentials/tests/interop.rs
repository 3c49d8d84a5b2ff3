//! SD-JWT interoperability with implementations no one here wrote: the Python reference
//! `sd-jwt` package (OpenWallet Foundation labs, PyPI; `tests/python/sdjwt_interop.py`)
//! and the OpenWallet Foundation's TypeScript `@sd-jwt/core` (npm;
//! `tests/js/sdjwt_interop.mjs`). Both directions with each: it verifies what we issue and
//! what our wallet presents, and we verify what it issues and what its holder presents —
//! with selective disclosure and key binding every time. The environments are the ones
//! `.ci/run` creates (`.venv`, `tests/js/node_modules`); `UNCHAIN_PYTHON` overrides Python.

#[path = "common/peers.rs"]
mod peers;

use peers::{PEERS, Peer, private_jwk};
use serde_json::{Map, json};
use std::time::{SystemTime, UNIX_EPOCH};
use unchain_credentials::jose::Jwk;
use unchain_credentials::sdjwt::{self, Expect, Issue, SdJwtError, VC_TYP};
use unchain_types::{PublicKey, SigningKey};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

const ISSUER_DID: &str = "did:unchain:00112233445566778899aabbccddeeff";

fn issued_by_us(issuer: &SigningKey, holder: &PublicKey) -> String {
    let mut always = Map::new();
    always.insert("iss".into(), ISSUER_DID.into());
    always.insert("iat".into(), now().into());
    always.insert("exp".into(), (now() + 3600).into());
    always.insert("vct".into(), "urn:unchain:vct:child-registration".into());
    always.insert("child_id".into(), "c-5f2a9e".into());
    sdjwt::issue(
        &Issue {
            typ: VC_TYP,
            kid: &format!("{ISSUER_DID}#key-1"),
            always,
            selective: vec![
                ("given_name".into(), "Mali".into()),
                ("birth_year".into(), 2023.into()),
                (
                    "place_of_registration".into(),
                    json!({"country": "TH", "province": "Tak"}),
                ),
            ],
            holder: *holder,
            decoys: 3,
        },
        issuer,
        &mut rand::thread_rng(),
    )
}

#[test]
fn the_reference_libraries_verify_what_we_issue_and_present() {
    for peer in PEERS {
        they_verify_ours(peer);
    }
}

#[test]
fn we_verify_what_the_reference_libraries_issue_and_present() {
    for peer in PEERS {
        we_verify_theirs(peer);
    }
}

fn they_verify_ours(peer: Peer) {
    let issuer = SigningKey::generate(&mut rand::thread_rng());
    let holder = SigningKey::generate(&mut rand::thread_rng());
    let issued = issued_by_us(&issuer, &holder.public_key());
    let ours = sdjwt::present(
        &issued,
        &["birth_year"],
        &holder,
        "th-border-mae-sot",
        "n-7731",
        now(),
    )
    .expect("present");
    let answer = peer.verify(&ours, &issuer, "th-border-mae-sot", "n-7731");
    let claims = &answer["claims"];
    assert_eq!(claims["birth_year"], 2023, "{answer}");
    assert_eq!(claims["child_id"], "c-5f2a9e");
    assert!(
        claims.get("given_name").is_none(),
        "withheld claims stay hidden: {answer}"
    );

    // Their holder presents our credential, disclosing the name only; they verify it, and so do we.
    let theirs = peer.call(json!({
        "op": "present",
        "sd_jwt": issued,
        "disclose": ["given_name"],
        "holder_jwk": private_jwk(&holder),
        "aud": "th-border-mae-sot",
        "nonce": "n-7732",
    }))["presentation"]
        .as_str()
        .expect("a presentation")
        .to_owned();
    let answer = peer.verify(&theirs, &issuer, "th-border-mae-sot", "n-7732");
    assert_eq!(answer["claims"]["given_name"], "Mali", "{answer}");
    let v = sdjwt::verify(
        &theirs,
        |_, _| Ok(issuer.public_key()),
        &Expect {
            typ: Some(VC_TYP),
            now: now(),
            key_binding: Some(("th-border-mae-sot", "n-7732", 300)),
        },
    )
    .expect("we verify their presentation of our credential");
    assert_eq!(v.str("given_name"), Some("Mali"));
    assert!(v.claims.get("birth_year").is_none());

    // A presentation under another issuer key, or with a wrong nonce, fails on their side too.
    let stranger = SigningKey::generate(&mut rand::thread_rng());
    let answer = peer.verify(&ours, &stranger, "th-border-mae-sot", "n-7731");
    assert!(
        answer["error"].is_string(),
        "{peer:?}: a wrong issuer key must fail: {answer}"
    );
    let answer = peer.verify(&ours, &issuer, "th-border-mae-sot", "n-other");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.to_lowercase().contains("nonce")),
        "{answer}"
    );
}

fn we_verify_theirs(peer: Peer) {
    let issuer = SigningKey::generate(&mut rand::thread_rng());
    let holder = SigningKey::generate(&mut rand::thread_rng());
    let issued = peer.call(json!({
        "op": "issue",
        "claims": {
            "iss": ISSUER_DID,
            "iat": now(),
            "exp": now() + 3600,
            "vct": "urn:unchain:vct:survivor-identity",
            "given_name": "Ana",
            "nationalities": ["PH"],
            "address": {"country": "PH", "locality": "Cebu"},
        },
        "sd": ["given_name", "nationalities", "address"],
        "issuer_jwk": private_jwk(&issuer),
        "holder_jwk": Jwk::of(&holder.public_key()).to_value(),
        "kid": format!("{ISSUER_DID}#key-1"),
    }))["sd_jwt"]
        .as_str()
        .expect("an SD-JWT")
        .to_owned();

    // Their issuance, verified without key binding: every claim disclosed.
    let v = sdjwt::verify(
        &issued,
        |header, payload| {
            assert_eq!(header["kid"], format!("{ISSUER_DID}#key-1"));
            assert_eq!(payload["iss"], ISSUER_DID);
            Ok(issuer.public_key())
        },
        &Expect {
            typ: Some(VC_TYP),
            now: now(),
            key_binding: None,
        },
    )
    .expect("we verify their issuance");
    assert_eq!(v.str("given_name"), Some("Ana"));
    assert_eq!(v.claims["address"]["locality"], "Cebu");
    assert_eq!(v.holder, Some(holder.public_key()));

    // Their holder's presentation with key binding.
    let theirs = peer.call(json!({
        "op": "present",
        "sd_jwt": issued,
        "disclose": ["nationalities"],
        "holder_jwk": private_jwk(&holder),
        "aud": "ph-dswd",
        "nonce": "n-1",
    }))["presentation"]
        .as_str()
        .expect("a presentation")
        .to_owned();
    let expect = Expect {
        typ: Some(VC_TYP),
        now: now(),
        key_binding: Some(("ph-dswd", "n-1", 300)),
    };
    let v = sdjwt::verify(&theirs, |_, _| Ok(issuer.public_key()), &expect)
        .expect("we verify their presentation");
    assert_eq!(v.claims["nationalities"], json!(["PH"]));
    assert!(v.claims.get("given_name").is_none());
    assert!(v.key_bound);

    // Our wallet presents their credential; both sides verify.
    let ours = sdjwt::present(
        &issued,
        &["given_name", "address"],
        &holder,
        "ph-dswd",
        "n-2",
        now(),
    )
    .expect("present");
    let answer = peer.verify(&ours, &issuer, "ph-dswd", "n-2");
    assert_eq!(answer["claims"]["given_name"], "Ana", "{answer}");
    assert_eq!(answer["claims"]["address"]["locality"], "Cebu", "{answer}");
    assert!(answer["claims"].get("nationalities").is_none(), "{answer}");

    // Their presentation replayed to another verifier fails the key binding here.
    let err = sdjwt::verify(
        &theirs,
        |_, _| Ok(issuer.public_key()),
        &Expect {
            key_binding: Some(("th-border-mae-sot", "n-1", 300)),
            ..expect
        },
    )
    .expect_err("another audience");
    assert!(matches!(err, SdJwtError::KeyBinding(_)), "{err}");
}
