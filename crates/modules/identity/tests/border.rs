//! Identity on a real ledger, and the border check from a trust bundle alone: every verdict
//! (valid, invalid signature, revoked, expired, not a guardian, child flagged missing), a
//! revocation that takes effect at the next bundle refresh with the log proving when, key
//! rotation and deactivation, the ledger's refusals, bundle tampering, and a scan of
//! everything written for the child's personal data.
//!
//! Nothing here opens a socket: the border check reads the bundle and nothing else.
#![allow(clippy::disallowed_methods)] // test keys come from randomness; the rule binds execution

mod common;

use common::*;

#[test]
fn every_verdict_from_the_bundle_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (child_cred, _) = w.child_card(now_s(&w.chain) + 5 * year);
    let (link, link_idx) = w.issue(
        GUARDIAN_LINK,
        &w.guardian_key.clone(),
        &w.child.clone(),
        Some(now_s(&w.chain) - 10),
        now_s(&w.chain) + year,
    );
    let now = now_s(&w.chain);
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let adult_p = present(&link, &w.guardian_key, &["relationship"], "n-1", now);
    let before = w.trust();

    // Valid: and the officer sees the relationship, not the child's name.
    let r = check(&w, &before, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
    assert_eq!(r.relationship.as_deref(), Some("mother"));
    assert_eq!(r.child_id.as_deref(), Some(w.child.as_str()));
    assert!(
        !child_p.contains("Mali") && !serde_json::to_string(&r).expect("json").contains("Mali")
    );

    // Invalid signature: a credential from a key the bundle does not know, claiming the
    // registry's DID; a presentation for another nonce; the child's card shown by the adult.
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
    let r = check(
        &w,
        &before,
        &present(&forged.sd_jwt, &w.child_key, &[], "n-1", now),
        &adult_p,
    );
    assert_eq!(r.verdict, Verdict::InvalidSignature, "{:?}", r.reasons);
    assert!(r.reasons[0].contains("signature"), "{:?}", r.reasons);
    let replayed = present(&child_cred, &w.child_key, &[], "n-0", now);
    let r = check(&w, &before, &replayed, &adult_p);
    assert_eq!(r.verdict, Verdict::InvalidSignature);
    assert!(r.reasons[0].contains("nonce"), "{:?}", r.reasons);
    let stolen = present(&child_cred, &w.guardian_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &before, &stolen, &adult_p).verdict,
        Verdict::InvalidSignature
    );

    // Expired: a guardian link that ended yesterday.
    let (old_link, _) = w.issue(
        GUARDIAN_LINK,
        &w.guardian_key.clone(),
        &w.child.clone(),
        Some(now - 2 * year),
        now - 24 * 3600,
    );
    let now = now_s(&w.chain);
    let r = check(
        &w,
        &w.trust(),
        &present(&child_cred, &w.child_key, &[], "n-1", now),
        &present(&old_link, &w.guardian_key, &[], "n-1", now),
    );
    assert_eq!(r.verdict, Verdict::Expired, "{:?}", r.reasons);
    assert!(r.reasons[0].contains("expired at"), "{:?}", r.reasons);

    // Not a guardian: a valid link, but to another registered child; and a child card
    // presented where the guardian link should be.
    let plaintext = json!({"given_name": "Niran"}).to_string();
    let (record2, _) = w.chain.seal(
        &mut w.registry,
        "child-2",
        "identity.child",
        plaintext.as_bytes(),
    );
    let other_child = "c-00000000000000000002".to_owned();
    let body = json!({"child": other_child, "record": record2.to_hex(), "at_ms": at(&w.chain)});
    let tx = w.registry.tx("identity.child_register", body);
    w.chain.ok(&tx);
    let (other_link, _) = w.issue(
        GUARDIAN_LINK,
        &w.guardian_key.clone(),
        &other_child,
        None,
        now + year,
    );
    let now = now_s(&w.chain);
    let trust_now = w.trust();
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let r = check(
        &w,
        &trust_now,
        &child_p,
        &present(&other_link, &w.guardian_key, &[], "n-1", now),
    );
    assert_eq!(r.verdict, Verdict::NotAGuardian, "{:?}", r.reasons);
    assert!(r.reasons[0].contains(&other_child), "{:?}", r.reasons);
    let r = check(
        &w,
        &trust_now,
        &child_p,
        &present(&child_cred, &w.child_key, &[], "n-1", now),
    );
    assert_eq!(r.verdict, Verdict::NotAGuardian, "{:?}", r.reasons);

    // Revoked: the guardian link is revoked on the ledger. A border post still holding the
    // old bundle does not know; the next refresh does, and says when.
    w.set_status(link_idx, "revoked", "court order: guardianship transferred");
    let now = now_s(&w.chain);
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let adult_p = present(&link, &w.guardian_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &trust_now, &child_p, &adult_p).verdict,
        Verdict::Valid
    );
    let refreshed = w.trust();
    let r = check(&w, &refreshed, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::Revoked, "{:?}", r.reasons);
    assert!(
        r.reasons[0].contains("court order") && r.reasons[0].contains("log leaf"),
        "{:?}",
        r.reasons
    );

    // The ledger proves when: the revocation is a transaction in the log, at a leaf the
    // validators' checkpoint covers, carrying the time the registry signed.
    let rec = issued(
        &w.chain.ledger.state_reader().expect("reader"),
        &w.issuer.did,
        link_idx,
    )
    .expect("read")
    .expect("issued");
    let change = rec.changes.last().expect("a change");
    assert_eq!(change.status, Status::Revoked);
    let (_, size) = w.chain.checkpoint();
    let leaf = w
        .chain
        .ledger
        .leaf(change.log_index)
        .expect("read")
        .expect("leaf");
    let proof = w
        .chain
        .ledger
        .inclusion_proof(change.log_index, size)
        .expect("proof");
    let root = w.chain.ledger.head().expect("head").log_root;
    verify_inclusion(&hash_leaf(&leaf), change.log_index, size, &proof, &root).expect("included");
    let tx: Value = serde_json::from_slice(&leaf).expect("json");
    assert_eq!(tx["kind"], "identity.status");
    assert_eq!(tx["body"]["at_ms"], change.at_ms);

    // Child flagged missing: with a fresh, valid link, the crossing still stops.
    let (new_link, _) = w.link_guardian(now + year);
    let body = json!({"child": w.child, "missing": true, "reason": "reported missing by guardian", "at_ms": at(&w.chain)});
    let tx = w.police.tx("identity.missing", body);
    w.chain.ok(&tx);
    let now = now_s(&w.chain);
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let adult_p = present(&new_link, &w.guardian_key, &[], "n-1", now);
    let flagged = w.trust();
    let r = check(&w, &flagged, &child_p, &adult_p);
    assert_eq!(r.verdict, Verdict::ChildMissing, "{:?}", r.reasons);
    assert!(r.reasons[0].contains("th-police"), "{:?}", r.reasons);
    // Even with a forged child card, the presented child id is checked against the flags.
    let forged_p = present(&forged.sd_jwt, &w.child_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &flagged, &forged_p, &adult_p).verdict,
        Verdict::ChildMissing
    );

    // Found again: only the flagging agency or the registrar may say so.
    let found =
        json!({"child": w.child, "missing": false, "reason": "found", "at_ms": at(&w.chain)});
    let why = w
        .chain
        .refused(&mut w.other, "identity.missing", found.clone());
    assert!(why.contains("only it or the registrar"), "{why}");
    let tx = w.registry.tx("identity.missing", found);
    w.chain.ok(&tx);
    let now = now_s(&w.chain);
    let r = check(
        &w,
        &w.trust(),
        &present(&child_cred, &w.child_key, &[], "n-1", now),
        &present(&new_link, &w.guardian_key, &[], "n-1", now),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);

    // A stale bundle says so.
    let r = border::check(
        &refreshed,
        &child_p,
        &adult_p,
        &Challenge {
            aud: BORDER,
            nonce: "n-1",
            now_ms: w.chain.time_ms,
            max_presentation_age_s: 300,
        },
        0,
    );
    assert!(
        r.bundle.stale && r.reasons.iter().any(|x| x.contains("refresh")),
        "{:?}",
        r.reasons
    );
}

#[test]
fn key_rotation_and_deactivation() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (child_cred, _) = w.child_card(now_s(&w.chain) + year);
    let (link, _) = w.link_guardian(now_s(&w.chain) + year);

    // Rotate: what key-1 signed before stays valid; key-1 signs nothing after.
    let new_key = SigningKey::from_seed([12; 32]);
    let body =
        json!({"did": w.issuer.did, "key": multikey(&new_key.public_key()), "at_ms": at(&w.chain)});
    let why = w
        .chain
        .refused(&mut w.police, "identity.did_rotate", body.clone());
    assert!(why.contains("controlled by th-registry"), "{why}");
    let tx = w.registry.tx("identity.did_rotate", body);
    w.chain.ok(&tx);
    let old_issuer = w.issuer.clone();
    w.issuer = unchain_identity::did(&w.chain.ledger.state_reader().expect("r"), &old_issuer.did)
        .expect("read")
        .expect("did");
    assert_eq!(w.issuer.keys.len(), 2);
    let doc = unchain_identity::did_document(&w.issuer);
    assert_eq!(
        doc["didDocument"]["assertionMethod"][0],
        format!("{}#key-2", w.issuer.did)
    );
    // DID Core: created and updated are XML datetimes in UTC, whole seconds.
    let created = doc["didDocumentMetadata"]["created"]
        .as_str()
        .expect("created");
    assert!(
        created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "{created}"
    );
    assert_eq!(
        doc["didDocumentMetadata"]["keyHistory"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    w.chain.apply(&[]);
    let now = now_s(&w.chain);
    let trust = w.trust();
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let adult_p = present(&link, &w.guardian_key, &[], "n-1", now);
    assert_eq!(
        check(&w, &trust, &child_p, &adult_p).verdict,
        Verdict::Valid
    );
    // A credential dated after the rotation under the old key (a stolen key) fails.
    let late = sign_off_ledger(
        &old_issuer,
        &w.issuer_key,
        GUARDIAN_LINK,
        99,
        &w.guardian_key,
        &w.child,
        now,
        now + year,
    );
    let r = check(
        &w,
        &trust,
        &child_p,
        &present(&late.sd_jwt, &w.guardian_key, &[], "n-1", now),
    );
    assert_eq!(r.verdict, Verdict::InvalidSignature, "{:?}", r.reasons);
    assert!(
        r.reasons.iter().any(|x| x.contains("was replaced")),
        "{:?}",
        r.reasons
    );
    // The new key issues.
    w.issuer_key = new_key;
    let (link2, _) = w.link_guardian(now + year);
    let r = w.cross(&child_cred, &link2);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);

    // A compromised key: rotated away with `compromised`, and what it signed — even
    // before the rotation, as a thief could backdate — fails; what the new key signs holds.
    let link2_before = present(&link2, &w.guardian_key, &[], "n-1", now_s(&w.chain));
    let newer = SigningKey::from_seed([13; 32]);
    let body = json!({"did": w.issuer.did, "key": multikey(&newer.public_key()), "compromised": true, "at_ms": at(&w.chain)});
    let tx = w.registry.tx("identity.did_rotate", body);
    w.chain.ok(&tx);
    w.issuer = unchain_identity::did(&w.chain.ledger.state_reader().expect("r"), &w.issuer.did)
        .expect("read")
        .expect("did");
    w.issuer_key = newer;
    let now = now_s(&w.chain);
    let child_p = present(&child_cred, &w.child_key, &[], "n-1", now);
    let r = check(&w, &w.trust(), &child_p, &link2_before);
    assert_eq!(r.verdict, Verdict::InvalidSignature, "{:?}", r.reasons);
    assert!(
        r.reasons.iter().any(|x| x.contains("reported compromised")),
        "{:?}",
        r.reasons
    );
    let (link3, _) = w.link_guardian(now + year);
    let r = w.cross(&child_cred, &link3);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
    let link2 = link3;

    // Deactivate: nothing the DID signed verifies any more, and it issues nothing.
    let body = json!({"did": w.issuer.did, "reason": "office closed", "at_ms": at(&w.chain)});
    let tx = w.registry.tx("identity.did_deactivate", body);
    w.chain.ok(&tx);
    let r = w.cross(&child_cred, &link2);
    assert_eq!(r.verdict, Verdict::InvalidSignature, "{:?}", r.reasons);
    assert!(r.reasons[0].contains("deactivated"), "{:?}", r.reasons);
    let body = json!({"issuer": w.issuer.did, "idx": 50, "vct": GUARDIAN_LINK, "digest": "00".repeat(32), "at_ms": at(&w.chain)});
    let why = w.chain.refused(&mut w.registry, "identity.issue", body);
    assert!(why.contains("deactivated"), "{why}");
}

#[test]
fn the_ledger_refuses_what_breaks_the_rules_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (_, idx) = w.child_card(now_s(&w.chain) + year);
    let snapshot = |c: &Chain| {
        c.ledger
            .state_reader()
            .expect("r")
            .scan_prefix(b"identity/")
            .expect("scan")
    };
    let before = snapshot(&w.chain);
    let did = w.issuer.did.clone();
    let child = w.child.clone();
    let t = at(&w.chain);
    let cases: Vec<(&str, Value, &str, bool)> = vec![
        (
            "identity.issue",
            json!({"issuer": did, "idx": idx, "vct": CHILD, "digest": "11".repeat(32), "at_ms": t}),
            "was taken",
            false,
        ),
        (
            "identity.issue",
            json!({"issuer": did, "idx": 7, "vct": CHILD, "digest": "11".repeat(32), "child": "c-99999999999999999999", "at_ms": t}),
            "not registered",
            false,
        ),
        (
            "identity.issue",
            json!({"issuer": did, "idx": 7, "vct": CHILD, "digest": "11".repeat(32), "at_ms": t}),
            "controlled by th-registry",
            true,
        ),
        (
            "identity.issue",
            json!({"issuer": did, "idx": 7, "vct": CHILD, "digest": "11".repeat(32), "at_ms": t + 3_600_000}),
            "more than 5 minutes after",
            false,
        ),
        (
            "identity.issue",
            json!({"issuer": did, "idx": 7, "vct": CHILD, "digest": "11".repeat(32), "at_ms": t - 3_600_000}),
            "more than 15 minutes before",
            false,
        ),
        (
            "identity.status",
            json!({"issuer": did, "idx": 8, "status": "revoked", "reason": "x", "at_ms": t}),
            "never issued",
            false,
        ),
        (
            "identity.status",
            json!({"issuer": did, "idx": idx, "status": "valid", "reason": "x", "at_ms": t}),
            "already Valid",
            false,
        ),
        (
            "identity.status",
            json!({"issuer": did, "idx": idx, "status": "revoked", "reason": "x", "at_ms": t}),
            "controlled by th-registry",
            true,
        ),
        (
            "identity.child_register",
            json!({"child": child, "record": "22".repeat(32), "at_ms": t}),
            "was registered by th-registry",
            false,
        ),
        (
            "identity.child_register",
            json!({"child": "c-00000000000000000009", "record": "22".repeat(32), "at_ms": t}),
            "not a sealed record",
            false,
        ),
        (
            "identity.missing",
            json!({"child": child, "missing": false, "reason": "found", "at_ms": t}),
            "not flagged missing",
            false,
        ),
        (
            "identity.missing",
            json!({"child": "c-00000000000000000009", "missing": true, "reason": "x", "at_ms": t}),
            "not registered",
            false,
        ),
        (
            "identity.did_rotate",
            json!({"did": did, "key": multikey(&w.issuer_key.public_key()), "at_ms": t}),
            "already used",
            false,
        ),
    ];
    for (kind, body, want, by_police) in cases {
        let org = if by_police {
            &mut w.police
        } else {
            &mut w.registry
        };
        let why = w.chain.refused(org, kind, body.clone());
        assert!(why.contains(want), "{kind} {body}: {why}");
    }
    assert_eq!(
        snapshot(&w.chain),
        before,
        "refused transactions wrote nothing"
    );

    // Another organisation's record cannot carry a child registration.
    let (record, _) = w
        .chain
        .seal(&mut w.other, "ngo-record", "identity.child", b"{}");
    let body = json!({"child": "c-00000000000000000009", "record": record.to_hex(), "at_ms": at(&w.chain)});
    let why = w
        .chain
        .refused(&mut w.registry, "identity.child_register", body);
    assert!(why.contains("belongs to my-ngo"), "{why}");

    // Revocation is final.
    w.set_status(idx, "suspended", "card reported lost");
    w.set_status(idx, "valid", "card found");
    w.set_status(idx, "revoked", "duplicate registration");
    let body =
        json!({"issuer": did, "idx": idx, "status": "valid", "reason": "x", "at_ms": at(&w.chain)});
    let why = w.chain.refused(&mut w.registry, "identity.status", body);
    assert!(why.contains("revocation is final"), "{why}");
    let trust = w.trust();
    assert_eq!(
        trust
            .status(&did, idx)
            .expect("replayed states cover all")
            .0,
        Status::Revoked
    );

    // Bad bodies name the field.
    let why = unchain_ledger::Module::parse_body(
        &IdentityModule,
        "identity.missing",
        &json!({"child": "Mali", "missing": true, "reason": "x", "at_ms": 1}),
    )
    .expect_err("not a child id");
    assert!(why.to_string().starts_with("body.child:"), "{why}");
    let why = unchain_ledger::Module::parse_body(
        &IdentityModule,
        "identity.did_create",
        &json!({"key": did_key(&w.issuer_key.public_key()), "label": "x", "at_ms": 1}),
    )
    .expect_err("a did, not a multikey");
    assert!(why.to_string().starts_with("body.key:"), "{why}");
}

#[test]
fn a_tampered_bundle_fails_naming_the_entry() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let (_, idx) = w.link_guardian(now_s(&w.chain) + 1000);
    w.set_status(idx, "revoked", "link ended");
    let good = w.bundle();
    verify_bundle(&good).expect("verifies");
    assert_eq!(good.entries.len(), 2, "the DID and the revocation");

    // An edited revocation (turned into a suspension) no longer matches its leaf.
    let mut b = good.clone();
    b.entries[1].leaf = b.entries[1].leaf.replace("\"revoked\"", "\"suspended\"");
    let err = verify_bundle(&b).expect_err("edited").to_string();
    assert!(err.starts_with("entry 2 (identity.status"), "{err}");
    // Reordered entries.
    let mut b = good.clone();
    b.entries.swap(0, 1);
    assert!(verify_bundle(&b).is_err());
    // A checkpoint signed by a key the border post does not trust.
    let stranger = unchain_log::NoteVerifier {
        name: "th-registry".into(),
        key: SigningKey::from_seed([99; 32]).public_key(),
    };
    assert!(trust::verify(&good, &[stranger], 1).is_err());
    // An edited checkpoint.
    let mut b = good.clone();
    b.envelope.tree_size += 1;
    assert!(verify_bundle(&b).is_err());
}

#[test]
fn no_personal_data_of_the_child_is_written_in_plaintext() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = world(dir.path());
    let year = 365 * 24 * 3600;
    let (cred, _) = w.child_card(now_s(&w.chain) + year);
    w.link_guardian(now_s(&w.chain) + year);
    let body = json!({"child": w.child, "missing": true, "reason": "reported missing by guardian", "at_ms": at(&w.chain)});
    let tx = w.police.tx("identity.missing", body);
    w.chain.ok(&tx);
    assert!(
        cred.contains('~'),
        "the holder's credential carries the disclosures, off chain"
    );
    let size = w.chain.ledger.head().expect("head").log_size;
    let mut leaves = String::new();
    for i in 0..size {
        let leaf = w.chain.ledger.leaf(i).expect("read").expect("leaf");
        leaves.push_str(&String::from_utf8(leaf).expect("utf8"));
    }
    let state: String = w
        .chain
        .ledger
        .state_reader()
        .expect("r")
        .scan_prefix(b"")
        .expect("scan")
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}\n",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            )
        })
        .collect();
    drop(w);
    let disk: Vec<u8> = std::fs::read(dir.path().join("ledger.redb")).expect("ledger file");
    // The scan can see: the pseudonymous child id is on chain, in the leaves and on disk.
    let child_id = "c-5f2a9e00112233445566";
    assert!(leaves.contains(child_id) && state.contains(child_id));
    assert!(
        disk.windows(child_id.len())
            .any(|win| win == child_id.as_bytes())
    );
    for needle in [
        CHILD_NAME,
        "Mali",
        "Sukprasert",
        "2023-04-02",
        "Somsri",
        "mother",
    ] {
        assert!(!leaves.contains(needle), "{needle:?} in a log leaf");
        assert!(!state.contains(needle), "{needle:?} in ledger state");
        assert!(
            !disk
                .windows(needle.len())
                .any(|win| win == needle.as_bytes()),
            "{needle:?} on disk in the ledger file"
        );
    }
}
