//! The border check from credential standings: "not revoked, not flagged missing as of
//! checkpoint N", proven per credential against the cosigned state root. Every verdict the
//! trust bundle gives, the same from a standing; what a standing does not cover is NOT
//! PROVEN, never valid; a credential the ledger did not record is refused by proof; and a
//! standing that is tampered with, or leaves out the issuer or the child, does not verify.

mod common;

use common::*;
use unchain_bundle::state::StateValue;
use unchain_identity::standing::{self, StandingBundle};

fn standing_of(w: &World, credentials: &[u32]) -> StandingBundle {
    let (note, size) = w.chain.checkpoint();
    let creds: Vec<(String, u32)> = credentials
        .iter()
        .map(|i| (w.issuer.did.clone(), *i))
        .collect();
    standing::build(&w.chain.ledger, note, size, &creds, w.chain.time_ms).expect("build")
}

fn verify_standing(b: &StandingBundle) -> Result<TrustState, standing::StandingError> {
    let validators: Vec<_> = b
        .state
        .envelope
        .validators
        .iter()
        .map(|v| v.verifier())
        .collect();
    standing::verify(b, &validators, validators.len())
}

fn proven(w: &World, credentials: &[u32]) -> TrustState {
    verify_standing(&standing_of(w, credentials)).expect("the standing verifies")
}

#[test]
fn every_verdict_from_standings_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (card, card_idx) = w.child_card(now_s(&w.chain) + 5 * year);
    let (link, link_idx) = w.link_guardian(now_s(&w.chain) + year);
    let now = now_s(&w.chain);
    let child_p = present(&card, &w.child_key, &[], "n-1", now);
    let adult_p = present(&link, &w.guardian_key, &["relationship"], "n-1", now);

    // Valid, from one standing of both credentials: three keys proven per credential at
    // most (the issuer's DID and the child are shared).
    let both = standing_of(&w, &[card_idx, link_idx]);
    assert_eq!(
        both.state.proofs.len(),
        4,
        "DID, two issuances, one child: {:?}",
        both.state.proofs.iter().map(|p| &p.key).collect::<Vec<_>>()
    );
    let before = verify_standing(&both).expect("verifies");
    let r = check(&w, &before, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
    assert_eq!(r.relationship.as_deref(), Some("mother"));
    // And the same verdict as the full trust bundle gives.
    assert_eq!(
        check(&w, &w.trust(), &child_p, &adult_p).verdict,
        Verdict::Valid
    );

    // Not proven: a standing of the child's card alone says nothing of the link.
    let only_card = proven(&w, &[card_idx]);
    let r = check(&w, &only_card, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::NotProven, "{:?}", r.reasons);
    assert!(
        r.reasons[0].contains(&format!("index {link_idx}")),
        "{:?}",
        r.reasons
    );

    // Invalid: a credential signed with the registry's real key but never recorded — at
    // a free index the ledger proves empty, and at the card's index, where the ledger
    // recorded another credential.
    for (idx, why) in [
        (77, "issued nothing at status index 77"),
        (card_idx, "records another credential"),
    ] {
        let unrecorded = sign_off_ledger(
            &w.issuer,
            &w.issuer_key,
            CHILD,
            idx,
            &w.child_key,
            &w.child,
            now,
            now + year,
        );
        let p = present(&unrecorded.sd_jwt, &w.child_key, &[], "n-1", now);
        let trust = proven(&w, &[idx, link_idx]);
        let r = check(&w, &trust, &p, &adult_p);
        assert_eq!(r.verdict, Verdict::InvalidSignature, "{:?}", r.reasons);
        assert!(r.reasons[0].contains(why), "{:?}", r.reasons);
        // The full trust bundle cannot tell an unrecorded credential from a recorded one.
        assert_eq!(check(&w, &w.trust(), &p, &adult_p).verdict, Verdict::Valid);
    }

    // Revoked: a fresh standing proves it, with the change's leaf and reason; the old one
    // does not know (as an old trust bundle would not).
    w.set_status(link_idx, "revoked", "court order: guardianship transferred");
    let now = now_s(&w.chain);
    let child_p = present(&card, &w.child_key, &[], "n-1", now);
    let adult_p = present(&link, &w.guardian_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &before, &child_p, &adult_p).verdict,
        Verdict::Valid
    );
    let r = check(&w, &proven(&w, &[card_idx, link_idx]), &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::Revoked, "{:?}", r.reasons);
    assert!(
        r.reasons[0].contains("court order") && r.reasons[0].contains("log leaf"),
        "{:?}",
        r.reasons
    );

    // Child flagged missing: the child's record is proven with either credential.
    let (new_link, new_idx) = w.link_guardian(now + year);
    let body = json!({"child": w.child, "missing": true, "reason": "reported missing by guardian", "at_ms": at(&w.chain)});
    let tx = w.police.tx("identity.missing", body);
    w.chain.ok(&tx);
    let now = now_s(&w.chain);
    let child_p = present(&card, &w.child_key, &[], "n-1", now);
    let adult_p = present(&new_link, &w.guardian_key, &[], "n-1", now);
    let flagged = proven(&w, &[card_idx, new_idx]);
    let r = check(&w, &flagged, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::ChildMissing, "{:?}", r.reasons);
    assert!(r.reasons[0].contains("th-police"), "{:?}", r.reasons);
    // A forged card for the missing child still stops the crossing.
    let forger = SigningKey::from_seed([66; 32]);
    let forged = sign_off_ledger(
        &w.issuer,
        &forger,
        CHILD,
        0,
        &w.child_key,
        &w.child,
        now,
        now + year,
    );
    let forged_p = present(&forged.sd_jwt, &w.child_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &flagged, &forged_p, &adult_p).verdict,
        Verdict::ChildMissing
    );
    // A forged card naming a child the standing does not cover: NOT PROVEN, not valid.
    let elsewhere = sign_off_ledger(
        &w.issuer,
        &forger,
        CHILD,
        0,
        &w.child_key,
        "c-99999999999999999999",
        now,
        now + year,
    );
    let r = check(
        &w,
        &flagged,
        &present(&elsewhere.sd_jwt, &w.child_key, &[], "n-1", now),
        &adult_p,
    );
    assert_eq!(r.verdict, Verdict::NotProven, "{:?}", r.reasons);
    assert!(
        r.reasons[0].contains("c-99999999999999999999"),
        "{:?}",
        r.reasons
    );
}

#[test]
fn a_standing_stays_small_while_the_trust_bundle_grows() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (_, card_idx) = w.child_card(now_s(&w.chain) + year);
    let small = serde_json::to_vec(&standing_of(&w, &[card_idx]))
        .expect("json")
        .len();
    for _ in 0..40 {
        let (_, idx) = w.link_guardian(now_s(&w.chain) + year);
        w.set_status(idx, "revoked", "bulk");
    }
    let standing = standing_of(&w, &[card_idx]);
    assert_eq!(standing.state.proofs.len(), 3, "DID, issuance, child");
    let after = serde_json::to_vec(&standing).expect("json").len();
    let bundle = serde_json::to_vec(&w.bundle()).expect("json").len();
    // The trust bundle carries all 40 revocations; the standing, three proofs whose
    // paths grew by a few siblings.
    assert!(
        after < small * 2 && bundle > after * 4,
        "standing {small} -> {after} bytes, trust bundle {bundle} bytes"
    );
}

#[test]
fn a_tampered_or_partial_standing_fails_naming_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let (_, idx) = w.link_guardian(now_s(&w.chain) + 1000);
    w.set_status(idx, "revoked", "link ended");
    let good = standing_of(&w, &[idx]);
    verify_standing(&good).expect("verifies");
    let position = |b: &StandingBundle, prefix: &str| {
        b.state
            .proofs
            .iter()
            .position(|p| p.key.starts_with(prefix))
            .expect("a proof of that kind")
    };

    // The revocation edited into a suspension no longer matches the state root.
    let mut b = good.clone();
    let i = position(&b, "identity/issued/");
    let Some(StateValue::Utf8(text)) = &b.state.proofs[i].value else {
        panic!("issuance is JSON text");
    };
    b.state.proofs[i].value = Some(StateValue::Utf8(
        text.replace("\"revoked\"", "\"suspended\""),
    ));
    let err = verify_standing(&b).expect_err("edited").to_string();
    assert!(err.contains("identity/issued/"), "{err}");

    // Turned into an absence: "never issued".
    let mut b = good.clone();
    let i = position(&b, "identity/issued/");
    b.state.proofs[i].value = None;
    assert!(verify_standing(&b).is_err());

    // The child's proof dropped: the check would pass without the missing flag.
    let mut b = good.clone();
    let i = position(&b, "identity/child/");
    b.state.proofs.remove(i);
    let err = verify_standing(&b).expect_err("partial").to_string();
    assert!(
        err.contains("identity/child/") && err.contains("missing"),
        "{err}"
    );

    // The issuer's DID dropped: its keys would be unknown.
    let mut b = good.clone();
    let i = position(&b, "identity/did/");
    b.state.proofs.remove(i);
    let err = verify_standing(&b).expect_err("partial").to_string();
    assert!(err.contains("identity/did/"), "{err}");

    // A key of another module, validly proven, is not a standing's.
    let (_, size) = w.chain.checkpoint();
    let height = w.chain.ledger.head().expect("head").height;
    let mut b = good.clone();
    b.state.proofs.extend(
        w.chain
            .ledger
            .state_proofs_at(height, &["vault/record/x".to_owned()])
            .expect("proof"),
    );
    assert_eq!(b.state.envelope.tree_size, size);
    let err = verify_standing(&b).expect_err("foreign key").to_string();
    assert!(err.contains("vault/record/x"), "{err}");

    // No credential at all.
    let mut b = good.clone();
    b.state
        .proofs
        .retain(|p| !p.key.starts_with("identity/issued/"));
    assert!(verify_standing(&b).is_err());

    // A checkpoint signed by a key the border post does not trust; and an edited one.
    let stranger = unchain_log::NoteVerifier {
        name: "th-registry".into(),
        key: SigningKey::from_seed([99; 32]).public_key(),
    };
    assert!(standing::verify(&good, &[stranger], 1).is_err());
    let mut b = good.clone();
    b.state.state_height += 1;
    let err = verify_standing(&b).expect_err("edited").to_string();
    assert!(err.contains("state_height"), "{err}");
}
