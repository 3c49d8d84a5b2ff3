//! The offer in the worker's wallet, checked by SD-JWT implementations no one here wrote
//! (the Python reference `sd-jwt` and the TypeScript `@sd-jwt/core`): they verify the
//! credential the recruiter issues and a presentation that shows only the wage and the
//! employer; their holder presents it the same way and we verify that; the terms shown are
//! checked against the offer on the ledger.

// A test reads the clock (credentials expire); execution never does.
#![allow(clippy::disallowed_methods)]

#[path = "../../../credentials/tests/common/peers.rs"]
mod peers;

use peers::{PEERS, private_jwk};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use unchain_credentials::sdjwt::{self, Expect, VC_TYP};
use unchain_recruit::body::Offer;
use unchain_recruit::credential::{self, OFFER_VCT, OfferCredential, check_disclosed};
use unchain_types::body::parse_body;
use unchain_types::{SigningKey, TxId};

const ISS: &str = "did:unchain:4e6570616c2d68696d616c617961";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn offer() -> Offer {
    parse_body(&json!({
        "worker": "w-7f3a9c21e0",
        "terms_hash": "ab".repeat(32),
        "terms": {
            "employer": "qa-doha-build",
            "position": "Construction labourer",
            "workplace": {"country": "QA", "city": "Doha"},
            "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
            "hours_per_week": "37.5",
            "overtime_rate_percent": 125,
            "rest_days_per_week": 1,
            "deductions": [{"name": "social_insurance", "cap": 5000}],
            "accommodation": "free",
            "food": {"charged": 20000},
            "contract_months": 24,
            "language": "ne"
        }
    }))
    .expect("an offer")
}

fn issued(id: &TxId, offer: &Offer, issuer: &SigningKey, holder: &SigningKey) -> String {
    credential::issue(
        &OfferCredential {
            id,
            offer,
            iss: ISS,
            kid: &format!("{ISS}#key-1"),
            iat: now(),
            exp: now() + 2 * 365 * 86_400,
            holder: holder.public_key(),
        },
        issuer,
        &mut rand::thread_rng(),
    )
}

#[test]
fn the_reference_libraries_verify_an_offer_shown_with_only_the_wage_and_the_employer() {
    let issuer = SigningKey::generate(&mut rand::thread_rng());
    let holder = SigningKey::generate(&mut rand::thread_rng());
    let id = TxId::from_hex(&"0f".repeat(32)).expect("id");
    let offer = offer();
    let cred = issued(&id, &offer, &issuer, &holder);
    for peer in PEERS {
        // Our wallet shows the wage and the employer to an inspector; the peer verifies.
        let ours = sdjwt::present(
            &cred,
            &["wage", "employer"],
            &holder,
            "qa-mol",
            "n-1",
            now(),
        )
        .expect("present");
        let answer = peer.verify(&ours, &issuer, "qa-mol", "n-1");
        let claims = answer["claims"]
            .as_object()
            .unwrap_or_else(|| panic!("{peer:?}: {answer}"));
        assert_eq!(claims["vct"], json!(OFFER_VCT), "{peer:?}");
        assert_eq!(
            claims["wage"],
            json!({"amount": 150000, "currency": "QAR", "period": "month"}),
            "{peer:?}"
        );
        assert_eq!(claims["employer"], json!("qa-doha-build"));
        for hidden in [
            "position",
            "hours_per_week",
            "deductions",
            "food",
            "worker_fees",
        ] {
            assert!(
                claims.get(hidden).is_none(),
                "{peer:?} sees {hidden}: {answer}"
            );
        }
        assert_eq!(
            check_disclosed(claims, &id, &offer),
            Ok(vec!["employer".to_owned(), "wage".to_owned()]),
            "{peer:?}: what the peer verified matches the ledger"
        );

        // Their holder presents our credential the same way; we verify, and check the ledger.
        let theirs = peer.call(json!({
            "op": "present",
            "sd_jwt": cred,
            "disclose": ["wage", "employer"],
            "holder_jwk": private_jwk(&holder),
            "aud": "qa-mol",
            "nonce": "n-2",
        }))["presentation"]
            .as_str()
            .unwrap_or_else(|| panic!("{peer:?} presents"))
            .to_owned();
        let v = sdjwt::verify(
            &theirs,
            |_, _| Ok(issuer.public_key()),
            &Expect {
                typ: Some(VC_TYP),
                now: now(),
                key_binding: Some(("qa-mol", "n-2", 300)),
            },
        )
        .unwrap_or_else(|e| panic!("{peer:?}'s presentation: {e}"));
        assert_eq!(
            check_disclosed(&v.claims, &id, &offer),
            Ok(vec!["employer".to_owned(), "wage".to_owned()])
        );
    }
}

#[test]
fn disclosed_terms_that_differ_from_the_ledger_are_named() {
    let issuer = SigningKey::generate(&mut rand::thread_rng());
    let holder = SigningKey::generate(&mut rand::thread_rng());
    let id = TxId::from_hex(&"0f".repeat(32)).expect("id");
    let offer = offer();
    let cred = issued(&id, &offer, &issuer, &holder);
    let all = [
        "employer",
        "position",
        "workplace",
        "wage",
        "hours_per_week",
        "overtime_rate_percent",
        "rest_days_per_week",
        "deductions",
        "accommodation",
        "food",
        "contract_months",
        "language",
        "worker_fees",
    ];
    let shown = sdjwt::present(&cred, &all, &holder, "qa-mol", "n-3", now()).expect("present");
    let v = sdjwt::verify(
        &shown,
        |_, _| Ok(issuer.public_key()),
        &Expect {
            typ: Some(VC_TYP),
            now: now(),
            key_binding: Some(("qa-mol", "n-3", 300)),
        },
    )
    .expect("verifies");
    assert_eq!(
        check_disclosed(&v.claims, &id, &offer).map(|s| s.len()),
        Ok(13)
    );
    assert_eq!(v.claims["hours_per_week"], json!("37.5"));
    // The same credential against another offer on the ledger, or terms that changed since.
    let other = TxId::from_hex(&"1e".repeat(32)).expect("id");
    assert!(check_disclosed(&v.claims, &other, &offer).is_err_and(|e| e.starts_with("offer:")));
    let mut changed = offer.clone();
    changed.terms.wage.amount = 100000;
    let why = check_disclosed(&v.claims, &id, &changed).expect_err("differs");
    assert!(why.starts_with("wage:"), "{why}");
    let mut claims = v.claims.clone();
    claims.insert("rest_days_per_week".into(), Value::from(2));
    let why = check_disclosed(&claims, &id, &offer).expect_err("differs");
    assert!(why.starts_with("rest_days_per_week:"), "{why}");
}
