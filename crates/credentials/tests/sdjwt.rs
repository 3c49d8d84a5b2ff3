//! Attacks on SD-JWT presentations: each must fail, naming why.

use serde_json::{Map, Value};
use unchain_credentials::jose::b64;
use unchain_credentials::sdjwt::{self, Disclosure, Expect, Issue, SdJwt, SdJwtError, VC_TYP};
use unchain_types::SigningKey;

const NOW: u64 = 1_800_000_000;

fn issue(issuer: &SigningKey, holder: &SigningKey, exp: u64) -> String {
    let mut always = Map::new();
    always.insert(
        "iss".into(),
        "did:unchain:00112233445566778899aabbccddeeff".into(),
    );
    always.insert("iat".into(), (NOW - 10).into());
    always.insert("nbf".into(), (NOW - 10).into());
    always.insert("exp".into(), exp.into());
    always.insert("child_id".into(), "c-1".into());
    sdjwt::issue(
        &Issue {
            typ: VC_TYP,
            kid: "k",
            always,
            selective: vec![
                ("given_name".into(), "Mali".into()),
                ("relationship".into(), "mother".into()),
            ],
            holder: holder.public_key(),
            decoys: 2,
        },
        issuer,
        &mut rand::thread_rng(),
    )
}

struct Keys {
    issuer: SigningKey,
    holder: SigningKey,
}

fn keys() -> Keys {
    Keys {
        issuer: SigningKey::from_seed([1; 32]),
        holder: SigningKey::from_seed([2; 32]),
    }
}

fn check(k: &Keys, presentation: &str) -> Result<sdjwt::Verified, SdJwtError> {
    sdjwt::verify(
        presentation,
        |_, _| Ok(k.issuer.public_key()),
        &Expect {
            typ: Some(VC_TYP),
            now: NOW,
            key_binding: Some(("border", "n", 300)),
        },
    )
}

#[test]
fn an_honest_presentation_discloses_only_what_was_chosen() {
    let k = keys();
    let issued = issue(&k.issuer, &k.holder, NOW + 100);
    let p =
        sdjwt::present(&issued, &["relationship"], &k.holder, "border", "n", NOW).expect("present");
    let v = check(&k, &p).expect("verifies");
    assert_eq!(v.str("relationship"), Some("mother"));
    assert_eq!(v.str("child_id"), Some("c-1"));
    assert!(v.claims.get("given_name").is_none());
    assert!(
        !p.contains(&b64(b"Mali")),
        "the withheld value is not in the presentation"
    );
    assert!(v.claims.get("_sd").is_none() && v.claims.get("_sd_alg").is_none());
}

#[test]
fn tampering_replay_and_time_are_refused() {
    let k = keys();
    let issued = issue(&k.issuer, &k.holder, NOW + 100);
    let p =
        sdjwt::present(&issued, &["relationship"], &k.holder, "border", "n", NOW).expect("present");
    let parsed = SdJwt::parse(&p).expect("parses");

    // A disclosure swapped for one the issuer never signed.
    let fake = Disclosure::new(
        &mut rand::thread_rng(),
        Some("relationship"),
        "father".into(),
    );
    let forged = format!(
        "{}~{}~{}",
        parsed.jwt,
        fake.encoded,
        parsed.kb_jwt.clone().expect("kb")
    );
    let err = check(&k, &forged).expect_err("a forged disclosure");
    assert!(err.to_string().contains("not referenced"), "{err}");

    // A disclosure the holder withheld, added back after key binding.
    let full = SdJwt::parse(&issued).expect("parses");
    let mut more = parsed.clone();
    more.disclosures = full.disclosures.clone();
    let added = format!(
        "{}{}",
        more.without_kb(),
        parsed.kb_jwt.clone().expect("kb")
    );
    let err = check(&k, &added).expect_err("added disclosure");
    assert!(err.to_string().contains("sd_hash"), "{err}");

    // The same disclosure twice.
    let twice = format!(
        "{}~{}~{}~{}",
        parsed.jwt,
        parsed.disclosures[0],
        parsed.disclosures[0],
        parsed.kb_jwt.clone().expect("kb")
    );
    assert!(
        check(&k, &twice)
            .expect_err("duplicate")
            .to_string()
            .contains("twice")
    );

    // No key binding, or key binding by someone else's key.
    let bare = parsed.without_kb();
    assert!(matches!(check(&k, &bare), Err(SdJwtError::KeyBinding(_))));
    let thief = SigningKey::from_seed([9; 32]);
    let stolen =
        sdjwt::present(&issued, &["relationship"], &thief, "border", "n", NOW).expect("present");
    let err = check(&k, &stolen).expect_err("wrong holder");
    assert!(err.to_string().contains("holder key"), "{err}");

    // Replayed later, to another verifier, with another nonce.
    let old = sdjwt::present(&issued, &[], &k.holder, "border", "n", NOW - 1000).expect("present");
    assert!(
        check(&k, &old)
            .expect_err("stale")
            .to_string()
            .contains("s ago")
    );
    let other = sdjwt::present(&issued, &[], &k.holder, "elsewhere", "n", NOW).expect("present");
    assert!(
        check(&k, &other)
            .expect_err("audience")
            .to_string()
            .contains("aud")
    );

    // Expired and not yet valid.
    let expired = issue(&k.issuer, &k.holder, NOW);
    let p = sdjwt::present(&expired, &[], &k.holder, "border", "n", NOW).expect("present");
    assert!(matches!(check(&k, &p), Err(SdJwtError::Expired { .. })));

    // Another issuer's key.
    let err = sdjwt::verify(
        &p,
        |_, _| Ok(SigningKey::from_seed([3; 32]).public_key()),
        &Expect {
            typ: Some(VC_TYP),
            now: NOW - 5,
            key_binding: Some(("border", "n", 300)),
        },
    )
    .expect_err("wrong issuer");
    assert!(matches!(err, SdJwtError::Signature(_)), "{err}");

    // An altered payload under the original signature.
    let mut parts: Vec<String> = parsed.jwt.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&unchain_credentials::jose::unb64(&parts[1]).expect("b64"))
            .expect("json");
    payload["child_id"] = "c-2".into();
    parts[1] = b64(payload.to_string().as_bytes());
    let altered = format!("{}~{}", parts.join("."), parsed.disclosures.join("~"));
    let err = sdjwt::verify(
        &format!("{altered}~"),
        |_, _| Ok(k.issuer.public_key()),
        &Expect {
            typ: Some(VC_TYP),
            now: NOW,
            key_binding: None,
        },
    )
    .expect_err("altered payload");
    assert!(matches!(err, SdJwtError::Signature(_)), "{err}");
}

#[test]
fn malformed_input_names_the_part() {
    let k = keys();
    for (input, want) in [
        ("", "no `~`"),
        ("abc", "no `~`"),
        ("~", "issuer JWT is empty"),
        ("a.b.c~~", "disclosure 0 is empty"),
        ("a.b.c~", "header is not unpadded base64url"),
    ] {
        let err = check(&k, input).expect_err(input);
        assert!(err.to_string().contains(want), "{input:?}: {err}");
    }
}
