//! The vault module executing on a real ledger: sealing, opening, consent, overrides,
//! revocation, matching, rate limits and erasure, attacked from the wrong side each time.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use unchain_ledger::Role;
use unchain_seal::{
    ContentKey, IdentifierKind, MatchingKey, WrappedKey, commitment, matching_key_info,
    open_payload, record_key_info, seal_payload,
};
use unchain_testkit::{Chain, Org};
use unchain_types::{Hash32, SigningKey, Transaction};
use unchain_vault::body::{Decision, consent_statement, erase_statement};
use unchain_vault::state::{self, Denied};
use unchain_vault::{TOKENS_PER_DAY, VaultModule};

const CHAIN: &str = "vault-test";

/// An organisation with the governance and records roles.
fn org(seed: u8, name: &str) -> Org {
    Org::new(CHAIN, seed, name, &[Role::Governance, Role::Records])
}

/// A chain of `orgs` executing the vault.
fn new_chain(dir: &std::path::Path, orgs: &[&Org]) -> Chain {
    Chain::new(dir, orgs, |g| vec![Arc::new(VaultModule::new(g))])
}

fn record_view(chain: &Chain, id: &Hash32) -> state::RecordView {
    state::record(&chain.ledger.state_reader().expect("reader"), id)
        .expect("read")
        .expect("record exists")
}

/// What the sealing client produces: the ciphertext and the seal body.
struct Sealed {
    id: Hash32,
    ciphertext: Vec<u8>,
    key: ContentKey,
    body: Value,
}

fn seal(version: u32, id: Hash32, plaintext: &[u8], to: &[&Org], extra: Value) -> Sealed {
    let key = ContentKey::generate();
    let ciphertext = seal_payload(&key, &id, version, plaintext);
    let recipients: BTreeMap<String, String> = to
        .iter()
        .map(|o| {
            let info = record_key_info(CHAIN, &id, version, &o.name);
            (
                o.name.clone(),
                WrappedKey::wrap_content_key(&key, &o.enc.public_key(), &info).to_hex(),
            )
        })
        .collect();
    let mut body = json!({
        "record": id.to_hex(),
        "version": version,
        "schema": "htcds.person",
        "commitment": commitment(&ciphertext).to_hex(),
        "size": ciphertext.len(),
        "recipients": recipients,
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    Sealed {
        id,
        ciphertext,
        key,
        body,
    }
}

/// Opens `ciphertext` as `org` using only what the chain holds and its own secret key.
fn open_as(
    chain: &Chain,
    org: &Org,
    id: &Hash32,
    version: u32,
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    let view = record_view(chain, id);
    let v = view.versions.iter().find(|v| v.version == version)?;
    let wrapped = v.keys.get(&org.name)?;
    let key = wrapped
        .unwrap_content_key(&org.enc, &record_key_info(CHAIN, id, version, &org.name))
        .ok()?;
    open_payload(&key, id, version, ciphertext).ok()
}

fn token(key: &MatchingKey, raw: &str, country: Option<&str>) -> Value {
    json!({"kind": "phone", "epoch": 1, "token": key.blind(IdentifierKind::Phone, raw, country).expect("valid phone").to_hex()})
}

const PERSON: &[u8] = br#"{"name":"Somchai Jaidee","phone":"+66 81 234 5678"}"#;

#[test]
fn consent_grant_override_revoke_and_erase() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let mut ngo = org(2, "th-ngo");
    let naptip = org(3, "ng-naptip");
    let survivor = SigningKey::from_seed([9; 32]);
    let mut chain = new_chain(dir.path(), &[&police, &ngo, &naptip]);

    let id = Hash32([0x11; 32]);
    let policy = json!({"policy": {"retention_days": 30, "consent_required": true}, "subject": survivor.public_key().to_hex()});
    // Consent is required: sealing straight to another organisation is refused.
    let direct = seal(1, id, PERSON, &[&police, &ngo], policy.clone());
    let why = chain.refused(&mut police, "vault.seal", direct.body);
    assert!(why.contains("needs the survivor's consent"), "{why}");

    let s = seal(1, id, PERSON, &[&police], policy);
    chain.ok(&police.tx("vault.seal", s.body.clone()));
    assert_eq!(
        open_as(&chain, &police, &id, 1, &s.ciphertext).as_deref(),
        Some(PERSON)
    );
    // No other organisation can open it: no wrapped key for them, and police's does not open.
    assert_eq!(open_as(&chain, &ngo, &id, 1, &s.ciphertext), None);
    let police_wrapped = record_view(&chain, &id).versions[0].keys["th-police"].clone();
    assert!(
        police_wrapped
            .unwrap(&ngo.enc, &record_key_info(CHAIN, &id, 1, "th-police"))
            .is_err()
    );
    let reader = chain.ledger.state_reader().expect("reader");
    let c = commitment(&s.ciphertext);
    assert_eq!(
        state::may_hold(&reader, &c, "th-ngo").expect("read").err(),
        Some(Denied::NotRecipient("th-ngo".into()))
    );
    assert!(
        state::may_hold(&reader, &c, "th-police")
            .expect("read")
            .is_ok()
    );
    drop(reader);

    // A grant without the survivor's consent is refused.
    let wrap_for = |org: &Org| {
        WrappedKey::wrap_content_key(
            &s.key,
            &org.enc.public_key(),
            &record_key_info(CHAIN, &id, 1, &org.name),
        )
        .to_hex()
    };
    let grant = json!({"record": id.to_hex(), "version": 1, "recipient": "th-ngo", "wrapped_key": wrap_for(&ngo), "purpose": "shelter placement", "legal_basis": "consent"});
    let why = chain.refused(&mut police, "vault.grant", grant.clone());
    assert!(
        why.contains("needs the survivor's consent to be shared with th-ngo"),
        "{why}"
    );

    // A consent signed by someone else is refused; the survivor's is recorded.
    let statement = consent_statement(CHAIN, &id, "th-ngo", "shelter placement", Decision::Allow);
    let forged = json!({"record": id.to_hex(), "recipient": "th-ngo", "purpose": "shelter placement", "decision": "allow", "signature": police.key.sign(&statement).to_hex()});
    assert!(
        chain
            .refused(&mut ngo, "vault.consent", forged)
            .contains("not the survivor's signature")
    );
    let consent = json!({"record": id.to_hex(), "recipient": "th-ngo", "purpose": "shelter placement", "decision": "allow", "signature": survivor.sign(&statement).to_hex()});
    chain.ok(&ngo.tx("vault.consent", consent));
    chain.ok(&police.tx("vault.grant", grant));
    assert_eq!(
        open_as(&chain, &ngo, &id, 1, &s.ciphertext).as_deref(),
        Some(PERSON)
    );
    // A tampered ciphertext is detected even with the right key.
    let mut tampered = s.ciphertext.clone();
    tampered[40] ^= 1;
    assert_eq!(open_as(&chain, &ngo, &id, 1, &tampered), None);
    // The NGO cannot re-share (no reshare right).
    let reshare = json!({"record": id.to_hex(), "version": 1, "recipient": "ng-naptip", "wrapped_key": wrap_for(&naptip), "purpose": "x", "legal_basis": "public_task"});
    assert!(
        chain
            .refused(&mut ngo, "vault.grant", reshare)
            .contains("may not share")
    );

    // A court override shares without consent, flagged and noticed to the survivor's key.
    let over = json!({"record": id.to_hex(), "version": 1, "recipient": "ng-naptip", "wrapped_key": wrap_for(&naptip), "purpose": "prosecution of the recruiter", "legal_basis": "court_order", "override": {"court_order": "CR-2026-0419", "authority": "Bangkok Criminal Court"}});
    chain.ok(&police.tx("vault.grant", over));
    let view = record_view(&chain, &id);
    let flagged: Vec<_> = view
        .access
        .iter()
        .filter(|a| a.override_.is_some())
        .map(|a| a.member.as_str())
        .collect();
    assert_eq!(flagged, ["ng-naptip"]);
    let notices = state::notices(
        &chain.ledger.state_reader().expect("reader"),
        &survivor.public_key(),
    )
    .expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (
            notices[0].recipient.as_str(),
            notices[0].override_.court_order.as_str()
        ),
        ("ng-naptip", "CR-2026-0419")
    );

    // Revoking the NGO: the next version must leave it out, and the ledger says what it
    // already holds.
    chain.ok(&police.tx(
        "vault.revoke",
        json!({"record": id.to_hex(), "member": "th-ngo", "reason": "case transferred"}),
    ));
    let view = record_view(&chain, &id);
    let revoked = view
        .access
        .iter()
        .find(|a| a.member == "th-ngo")
        .and_then(|a| a.revoked.clone())
        .expect("revoked");
    assert_eq!(revoked.already_shared_versions, vec![1]);
    let v2_with_ngo = seal(2, id, b"updated", &[&police, &ngo, &naptip], json!({}));
    let why = chain.refused(&mut police, "vault.seal", v2_with_ngo.body);
    assert!(
        why.contains("without access, revoked or never granted: [th-ngo]"),
        "{why}"
    );
    let v2 = seal(2, id, b"updated", &[&police, &naptip], json!({}));
    chain.ok(&police.tx("vault.seal", v2.body.clone()));
    assert_eq!(open_as(&chain, &ngo, &id, 2, &v2.ciphertext), None);
    assert_eq!(
        open_as(&chain, &naptip, &id, 2, &v2.ciphertext).as_deref(),
        Some(&b"updated"[..])
    );

    // Retention has not ended; only the survivor's signature makes a subject request.
    let early = json!({"record": id.to_hex(), "reason": "retention_expired"});
    assert!(
        chain
            .refused(&mut ngo, "vault.erase", early)
            .contains("retention period ends")
    );
    let bad = json!({"record": id.to_hex(), "reason": "subject_request", "subject_signature": police.key.sign(&erase_statement(CHAIN, &id)).to_hex()});
    assert!(
        chain
            .refused(&mut ngo, "vault.erase", bad)
            .contains("not the survivor's signature")
    );
    assert!(
        chain
            .refused(
                &mut ngo,
                "vault.erase",
                json!({"record": id.to_hex(), "reason": "owner_request"})
            )
            .contains("only the owner")
    );
    let erase = json!({"record": id.to_hex(), "reason": "subject_request", "subject_signature": survivor.sign(&erase_statement(CHAIN, &id)).to_hex()});
    chain.ok(&ngo.tx("vault.erase", erase));
    let view = record_view(&chain, &id);
    assert!(view.record.erased.is_some());
    assert!(
        view.versions.iter().all(|v| v.keys.is_empty()),
        "wrapped keys leave state"
    );
    assert_eq!(open_as(&chain, &police, &id, 1, &s.ciphertext), None);
    let reader = chain.ledger.state_reader().expect("reader");
    assert_eq!(
        state::may_hold(&reader, &c, "th-police")
            .expect("read")
            .err(),
        Some(Denied::Erased)
    );
    let erased = state::erased(&reader, b"").expect("erased");
    assert_eq!(erased.len(), 1);
    // A reader that has handled this erasure sees nothing more.
    assert!(
        state::erased(&reader, &erased[0].0)
            .expect("erased")
            .is_empty()
    );
    assert_eq!(erased[0].1.commitments, vec![c, commitment(&v2.ciphertext)]);
    // Nothing more can happen to an erased record.
    drop(reader);
    assert!(
        chain
            .refused(
                &mut police,
                "vault.revoke",
                json!({"record": id.to_hex(), "member": "ng-naptip", "reason": "x"})
            )
            .contains("was erased")
    );
}

#[test]
fn the_same_phone_written_differently_alerts_both_organisations() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let mut ngo = org(2, "th-ngo");
    let mut chain = new_chain(dir.path(), &[&police, &ngo]);
    let (pk, nk) = (
        police.matching_key(&chain.genesis),
        ngo.matching_key(&chain.genesis),
    );

    let keep = json!({"policy": {"retention_days": 365, "consent_required": false}});
    let mut a = seal(1, Hash32([1; 32]), PERSON, &[&police], keep.clone());
    a.body["tokens"] = json!([token(&pk, "+66 81 234 5678", None)]);
    chain.ok(&police.tx("vault.seal", a.body.clone()));
    let mut b = seal(1, Hash32([2; 32]), b"{}", &[&ngo], keep.clone());
    b.body["tokens"] = json!([token(&nk, "0812345678", Some("TH"))]);
    chain.ok(&ngo.tx("vault.seal", b.body.clone()));

    let reader = chain.ledger.state_reader().expect("reader");
    let pa = state::alerts(&reader, "th-police").expect("alerts");
    let na = state::alerts(&reader, "th-ngo").expect("alerts");
    assert_eq!(pa.len(), 1);
    assert_eq!(na.len(), 1);
    assert_eq!(
        (
            pa[0].record,
            pa[0].other_record,
            pa[0].other_member.as_str()
        ),
        (a.id, b.id, "th-ngo")
    );
    assert_eq!(
        (
            na[0].record,
            na[0].other_record,
            na[0].other_member.as_str()
        ),
        (b.id, a.id, "th-police")
    );
    assert_eq!(pa[0].kind, IdentifierKind::Phone);
    // The alert names records and a kind, never the number.
    let json = serde_json::to_string(&pa[0]).expect("json");
    assert!(!json.contains("812345678"), "{json}");
    drop(reader);

    // A different number raises nothing; the owner's own second record raises nothing.
    let mut c = seal(1, Hash32([3; 32]), b"{}", &[&ngo], keep.clone());
    c.body["tokens"] = json!([
        token(&nk, "0812345679", Some("TH")),
        token(&nk, "0812345678", Some("TH"))
    ]);
    chain.ok(&ngo.tx("vault.seal", c.body));
    let reader = chain.ledger.state_reader().expect("reader");
    assert_eq!(
        state::alerts(&reader, "th-ngo").expect("alerts").len(),
        2,
        "c matches a only"
    );
    drop(reader);

    // A token from a wrong epoch is refused with the reason.
    let mut d = seal(1, Hash32([4; 32]), b"{}", &[&ngo], keep.clone());
    d.body["tokens"] = json!([{"kind": "phone", "epoch": 7, "token": Hash32([5; 32]).to_hex()}]);
    assert!(
        chain
            .refused(&mut ngo, "vault.seal", d.body)
            .contains("current matching-key epoch is 1")
    );

    // Per-organisation daily quota: 32 tokens per transaction until the day's limit.
    let per_tx = unchain_vault::body::MAX_TOKENS;
    let used_so_far = 3;
    let full = (TOKENS_PER_DAY as usize - used_so_far) / per_tx;
    let txs: Vec<Transaction> = (0..=full)
        .map(|i| {
            let mut s = seal(1, Hash32([100 + i as u8; 32]), b"{}", &[&ngo], keep.clone());
            s.body["tokens"] = json!((0..per_tx).map(|j| json!({"kind": "url", "epoch": 1, "token": Hash32([i as u8, j as u8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]).to_hex()})).collect::<Vec<_>>());
            ngo.tx("vault.seal", s.body)
        })
        .collect();
    let out = chain.apply(&txs.iter().collect::<Vec<_>>());
    assert!(out[..full].iter().all(Option::is_none));
    let last = out[full].clone().expect("over the quota");
    assert!(
        last.contains("the limit is 1000 per organisation per UTC day"),
        "{last}"
    );

    // After erasure the record's tokens no longer match: a new record with the same number
    // alerts only against the NGO's records, never the erased one.
    chain.ok(&police.tx(
        "vault.erase",
        json!({"record": a.id.to_hex(), "reason": "owner_request"}),
    ));
    let mut e = seal(1, Hash32([5; 32]), b"{}", &[&police], keep);
    e.body["tokens"] = json!([token(&pk, "+66812345678", None)]);
    chain.ok(&police.tx("vault.seal", e.body));
    let reader = chain.ledger.state_reader().expect("reader");
    let new: Vec<_> = state::alerts(&reader, "th-police")
        .expect("alerts")
        .into_iter()
        .filter(|x| x.record == e.id)
        .map(|x| x.other_record)
        .collect();
    assert_eq!(new, vec![b.id, Hash32([3; 32])]);
}

#[test]
fn body_errors_name_the_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let police = org(1, "th-police");
    let chain = new_chain(dir.path(), &[&police]);
    let good = seal(
        1,
        Hash32([1; 32]),
        b"x",
        &[&police],
        json!({"policy": {"retention_days": 10, "consent_required": false}}),
    )
    .body;
    let module = VaultModule::new(&chain.genesis);
    use unchain_ledger::Module;
    assert!(module.parse_body("vault.seal", &good).is_ok());
    let cases = [
        (
            "recipients",
            json!({"th-police": "abcd"}),
            "body.recipients.th-police: must be 80 bytes",
        ),
        (
            "policy",
            json!({"retention_days": 0, "consent_required": false}),
            "body.policy.retention_days: must be 1 to 36500",
        ),
        (
            "policy",
            json!({"retention_days": 5, "consent_required": true}),
            "body.policy.consent_required: needs a subject",
        ),
        (
            "schema",
            json!("Person Record"),
            "body.schema: must be 1 to 60",
        ),
        ("commitment", json!("zz"), "body.commitment:"),
        (
            "victim_name",
            json!("Somchai"),
            "body.victim_name: unknown field `victim_name`",
        ),
    ];
    for (field, value, want) in cases {
        let mut b = good.clone();
        b[field] = value;
        let err = module
            .parse_body("vault.seal", &b)
            .expect_err(want)
            .to_string();
        assert!(err.starts_with(want), "want {want:?}, got {err:?}");
    }
    let grant = json!({"record": Hash32([1; 32]).to_hex(), "version": 1, "recipient": "x", "wrapped_key": "00".repeat(80), "purpose": "p", "legal_basis": "consent", "override": {"court_order": "c", "authority": "a"}});
    let err = module
        .parse_body("vault.grant", &grant)
        .expect_err("override needs court_order")
        .to_string();
    assert!(
        err.starts_with("body.legal_basis: must be court_order"),
        "{err}"
    );
}

#[test]
fn retention_ends_in_erasure_and_the_matching_key_rotates() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let mut ngo = org(2, "th-ngo");
    let mut chain = new_chain(dir.path(), &[&police, &ngo]);
    let pk = police.matching_key(&chain.genesis);

    let id = Hash32([0x21; 32]);
    let s = seal(
        1,
        id,
        b"{}",
        &[&police, &ngo],
        json!({"policy": {"retention_days": 1, "consent_required": false}}),
    );
    chain.ok(&police.tx("vault.seal", s.body));
    let due = |chain: &Chain| {
        let head = chain.ledger.head().expect("head");
        state::due_for_erasure(
            &chain.ledger.state_reader().expect("reader"),
            head.timestamp_ms,
        )
        .expect("due")
    };
    assert!(due(&chain).is_empty());
    let erase = json!({"record": id.to_hex(), "reason": "retention_expired"});
    assert!(
        chain
            .refused(&mut ngo, "vault.erase", erase.clone())
            .contains("retention period ends")
    );
    // A day later the record is due, and any member may erase it.
    chain.time_ms += 86_400_000;
    chain.apply(&[]);
    let due_now = due(&chain);
    assert_eq!(due_now.len(), 1);
    assert_eq!(
        (due_now[0].record, due_now[0].owner.as_str()),
        (id, "th-police")
    );
    chain.ok(&ngo.tx("vault.erase", erase));
    assert!(due(&chain).is_empty());
    assert_eq!(
        record_view(&chain, &id)
            .record
            .erased
            .expect("erased")
            .reason,
        unchain_vault::body::EraseReason::RetentionExpired
    );

    // Rotation: the new epoch must be wrapped for exactly the current members.
    let new_key = MatchingKey::generate();
    let wrap_all = |orgs: &[&Org]| -> BTreeMap<String, String> {
        orgs.iter()
            .map(|o| {
                (
                    o.name.clone(),
                    WrappedKey::wrap(
                        new_key.as_bytes(),
                        &o.enc.public_key(),
                        &matching_key_info(CHAIN, 2, &o.name),
                    )
                    .to_hex(),
                )
            })
            .collect()
    };
    let partial = json!({"epoch": 2, "wrapped": wrap_all(&[&police])});
    assert!(
        chain
            .refused(&mut police, "vault.rotate_matching_key", partial)
            .contains("exactly the current members")
    );
    let skip = json!({"epoch": 3, "wrapped": wrap_all(&[&police, &ngo])});
    assert!(
        chain
            .refused(&mut police, "vault.rotate_matching_key", skip)
            .contains("epoch must be 2")
    );
    chain.ok(&police.tx(
        "vault.rotate_matching_key",
        json!({"epoch": 2, "wrapped": wrap_all(&[&police, &ngo])}),
    ));
    let epochs =
        state::matching_epochs(&chain.ledger.state_reader().expect("reader")).expect("epochs");
    assert_eq!(epochs.iter().map(|e| e.epoch).collect::<Vec<_>>(), vec![2]);
    let opened = epochs[0].wrapped["th-ngo"]
        .unwrap(&ngo.enc, &matching_key_info(CHAIN, 2, "th-ngo"))
        .expect("the NGO opens the new key");
    assert_eq!(&opened, new_key.as_bytes());
    // Old-epoch tokens are refused; new-epoch ones are accepted.
    let mut old = seal(
        1,
        Hash32([0x22; 32]),
        b"{}",
        &[&police],
        json!({"policy": {"retention_days": 9, "consent_required": false}}),
    );
    old.body["tokens"] = json!([token(&pk, "+66812345678", None)]);
    assert!(
        chain
            .refused(&mut police, "vault.seal", old.body.clone())
            .contains("current matching-key epoch is 2")
    );
    old.body["tokens"] = json!([{"kind": "phone", "epoch": 2, "token": new_key.blind(IdentifierKind::Phone, "+66812345678", None).expect("valid").to_hex()}]);
    chain.ok(&police.tx("vault.seal", old.body));
}

#[test]
fn a_subject_proof_from_outside_is_checked_field_by_field() {
    use unchain_vault::body::{
        SUBJECT_PROOF_TYPE, SubjectProof, SubjectProofEntry, subject_proof_statement,
    };
    let key = SigningKey::from_seed([5; 32]);
    let record = Hash32([0x44; 32]);
    let proof = SubjectProof {
        kind: SUBJECT_PROOF_TYPE.into(),
        chain_id: CHAIN.into(),
        challenge: "c-1".into(),
        records: vec![SubjectProofEntry {
            record,
            key: key.public_key(),
            signature: key.sign(&subject_proof_statement(CHAIN, &record, "c-1")),
        }],
    };
    let text = serde_json::to_vec(&proof).expect("json");
    let read = SubjectProof::parse(&text).expect("a proof the wallet writes");
    assert_eq!(read, proof);
    assert!(read.signed(CHAIN, &read.records[0]));
    assert!(!read.signed("another-chain", &read.records[0]));
    let mut other = read.clone();
    other.challenge = "c-2".into();
    assert!(!other.signed(CHAIN, &other.records[0]), "another challenge");

    let mut v: Value = serde_json::from_slice(&text).expect("json");
    for (change, field) in [
        (json!({"type": "x"}), "type"),
        (json!({"records": []}), "records"),
        (
            json!({"records": [{"record": "zz", "key": key.public_key().to_hex(), "signature": "00"}]}),
            "records",
        ),
        (json!({"extra": 1}), ""),
    ] {
        let mut bad = v.clone();
        for (k, x) in change.as_object().expect("object") {
            bad[k] = x.clone();
        }
        let err = SubjectProof::parse(&serde_json::to_vec(&bad).expect("json")).expect_err(field);
        assert!(
            err.field.starts_with(field),
            "{field}: {} {}",
            err.field,
            err.reason
        );
    }
    v["challenge"] = json!("x".repeat(100_000));
    assert_eq!(
        SubjectProof::parse(&serde_json::to_vec(&v).expect("json"))
            .expect_err("long")
            .field,
        "challenge"
    );
    assert!(SubjectProof::parse(b"not json").is_err());
}
