//! Jurisdiction-aware sharing on a real ledger: a jurisdiction's governance member
//! publishes its sharing policy (the example template), and every share of a record its
//! members own — at a seal and at a grant — is held to the policy's rules and residency
//! list; a refusal names the policy, its version and the rule. A policy tightened after a
//! grant keeps the ciphertext from the member it now excludes (what the blob sync asks on
//! both ends), and two validators executing the same blocks reach the same state.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use unchain_ledger::Role;
use unchain_ledger::genesis::Sector;
use unchain_seal::{ContentKey, WrappedKey, commitment, record_key_info, seal_payload};
use unchain_testkit::{Chain, Org};
use unchain_types::{Code, Hash32, SigningKey};
use unchain_vault::VaultModule;
use unchain_vault::state::{self, Denied};

const CHAIN: &str = "sharing-test";

fn org(seed: u8, name: &str, country: &str, sector: Sector) -> Org {
    Org::new(CHAIN, seed, name, &[Role::Governance, Role::Records])
        .in_country(country)
        .of_sector(sector)
}

fn new_chain(dir: &std::path::Path, orgs: &[&Org]) -> Chain {
    Chain::new(dir, orgs, |g| vec![Arc::new(VaultModule::new(g))])
}

fn template() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../templates/sharing/example-th.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("the template")).expect("JSON")
}

struct Sealed {
    key: ContentKey,
    ciphertext: Vec<u8>,
    body: Value,
}

fn seal(id: Hash32, to: &[&Org], policy: Value) -> Sealed {
    let key = ContentKey::generate();
    let ciphertext = seal_payload(&key, &id, 1, b"FICTIONAL: a record about a person");
    let recipients: BTreeMap<String, String> = to
        .iter()
        .map(|o| {
            let info = record_key_info(CHAIN, &id, 1, &o.name);
            let wrapped = WrappedKey::wrap_content_key(&key, &o.enc.public_key(), &info);
            (o.name.clone(), wrapped.to_hex())
        })
        .collect();
    let body = json!({
        "record": id.to_hex(), "version": 1, "schema": "htcds.person",
        "commitment": commitment(&ciphertext).to_hex(), "size": ciphertext.len(),
        "recipients": recipients, "policy": policy,
        "subject": SigningKey::from_seed([77; 32]).public_key().to_hex(),
    });
    Sealed {
        key,
        ciphertext,
        body,
    }
}

fn grant(id: Hash32, s: &Sealed, to: &Org, basis: &str, reshare: bool) -> Value {
    let info = record_key_info(CHAIN, &id, 1, &to.name);
    let wrapped = WrappedKey::wrap_content_key(&s.key, &to.enc.public_key(), &info);
    json!({"record": id.to_hex(), "version": 1, "recipient": to.name, "wrapped_key": wrapped.to_hex(),
           "purpose": "referral", "legal_basis": basis, "reshare": reshare})
}

#[test]
fn a_jurisdictions_policy_governs_every_share_and_where_records_are_held() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police", "TH", Sector::LawEnforcement);
    let ngo = org(2, "th-ngo", "TH", Sector::Ngo);
    let dcy = org(3, "th-dcy", "TH", Sector::ChildProtection);
    let mut polis = org(4, "my-polis", "MY", Sector::LawEnforcement);
    let nca = org(5, "gb-nca", "GB", Sector::LawEnforcement);
    let brand = org(6, "th-brand", "TH", Sector::Company);
    let orgs = [&police, &ngo, &dcy, &polis, &nca, &brand];
    let mut chain = new_chain(dir.path(), &orgs);
    // Another validator executes every block beside it and must reach the same roots.
    let replica_dir = tempfile::tempdir().expect("tmp");
    chain.add_replica(replica_dir.path(), |g| vec![Arc::new(VaultModule::new(g))]);

    // Only a governance member of the jurisdiction publishes its policy.
    let why = chain.refused(&mut polis, "vault.sharing_policy", template());
    assert!(
        why.contains("my-polis is in MY; only a governance member in TH publishes"),
        "{why}"
    );
    // A rule with a typo is refused when the body is read, pointing into the rule.
    let mut typo = template();
    typo["rules"][2]["cel"] = json!("recipient.jurisdicton == owner.jurisdiction");
    let why = chain.refused(&mut police, "vault.sharing_policy", typo);
    assert!(
        why.contains("body.rules[2].cel") && why.contains("jurisdicton") && why.contains('^'),
        "{why}"
    );
    let published = police.tx("vault.sharing_policy", template());
    chain.ok(&published);

    // A record about a child: not to an NGO, neither sealed to it nor granted.
    let child = Hash32([0x21; 32]);
    let minor = json!({"retention_days": 365, "consent_required": false, "subject_minor": true});
    let to_ngo = seal(child, &[&police, &ngo], minor.clone()).body;
    let why = chain.refused(&mut police, "vault.seal", to_ngo);
    assert!(
        why.contains(
            "recipient th-ngo: the sharing policy of TH (version 1) refuses it: rule `children`"
        ),
        "{why}"
    );
    let child_rec = seal(child, &[&police], minor);
    chain.ok(&police.tx("vault.seal", child_rec.body.clone()));
    let why = chain.refused(
        &mut police,
        "vault.grant",
        grant(child, &child_rec, &ngo, "vital_interests", false),
    );
    assert!(why.contains("rule `children`"), "{why}");
    // Child protection may receive it.
    chain.ok(&police.tx(
        "vault.grant",
        grant(child, &child_rec, &dcy, "public_task", false),
    ));

    // An adult's record abroad: not on consent, not to be re-shared, never outside ASEAN.
    let adult = Hash32([0x22; 32]);
    let plain = json!({"retention_days": 365, "consent_required": false});
    let to_polis = seal(adult, &[&police, &polis], plain.clone()).body;
    let why = chain.refused(&mut police, "vault.seal", to_polis);
    assert!(why.contains("rule `legal-basis-abroad`"), "{why}");
    let rec = seal(adult, &[&police], plain);
    chain.ok(&police.tx("vault.seal", rec.body.clone()));
    for (to, basis, reshare, rule) in [
        (&polis, "consent", false, "legal-basis-abroad"),
        (&polis, "public_task", true, "no-reshare-abroad"),
        (&nca, "court_order", false, "residency"),
        (&brand, "legal_obligation", false, "people-not-to-companies"),
    ] {
        let body = grant(adult, &rec, to, basis, reshare);
        let (why, code) = refused_with_code(&mut chain, &mut police, "vault.grant", body);
        assert!(why.contains(&format!("rule `{rule}`")), "{rule}: {why}");
        assert_eq!(code, Some(Code::PolicyRefused), "{rule}");
    }
    let why = chain.refused(
        &mut police,
        "vault.grant",
        grant(adult, &rec, &nca, "court_order", false),
    );
    assert!(
        why.contains(
            "its records are held only in BN, ID, KH, LA, MM, MY, PH, SG, TH, VN; gb-nca is in GB"
        ),
        "{why}"
    );
    chain.ok(&police.tx(
        "vault.grant",
        grant(adult, &rec, &polis, "public_task", false),
    ));
    let c = commitment(&rec.ciphertext);
    let reader = chain.ledger.state_reader().expect("reader");
    assert!(
        state::may_hold(&reader, &c, "my-polis")
            .expect("read")
            .is_ok()
    );
    drop(reader);

    // The policy is tightened: records stay in Thailand. The granted ciphertext may no
    // longer be sent to, or stored by, the Malaysian member's node.
    let mut tighter = template();
    tighter["residency"] = json!(["TH"]);
    let v2 = police.tx("vault.sharing_policy", tighter);
    chain.ok(&v2);
    let reader = chain.ledger.state_reader().expect("reader");
    assert_eq!(
        state::may_hold(&reader, &c, "my-polis")
            .expect("read")
            .err(),
        Some(Denied::Residency {
            member: "my-polis".into(),
            jurisdiction: "MY".into(),
            policy: "TH".into(),
            version: 2,
        })
    );
    assert!(
        state::may_hold(&reader, &c, "th-police")
            .expect("read")
            .is_ok()
    );
    let history = state::policy_history(&reader, "TH").expect("read");
    assert_eq!(
        history.iter().map(|p| p.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(history[1].by, "th-police");
}

/// Submits a transaction that must be refused: why, and the code recorded with it.
fn refused_with_code(
    chain: &mut Chain,
    org: &mut Org,
    kind: &str,
    body: Value,
) -> (String, Option<Code>) {
    // Signing is deterministic: the transaction `refused` submits is this one.
    let id = org.tx(kind, body.clone()).id();
    org.nonce -= 1;
    let why = chain.refused(org, kind, body);
    let code = match chain.ledger.tx(&id).expect("read") {
        Some(unchain_ledger::TxRecord::Rejected { code, .. }) => code,
        other => panic!("{kind}: {other:?}"),
    };
    (why, code)
}

#[test]
fn without_a_policy_a_record_goes_wherever_its_owner_seals_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police", "TH", Sector::LawEnforcement);
    let nca = org(5, "gb-nca", "GB", Sector::LawEnforcement);
    let mut chain = new_chain(dir.path(), &[&police, &nca]);
    let id = Hash32([0x31; 32]);
    let minor = json!({"retention_days": 30, "consent_required": false, "subject_minor": true});
    let sealed = seal(id, &[&police, &nca], minor);
    chain.ok(&police.tx("vault.seal", sealed.body));
    let reader = chain.ledger.state_reader().expect("reader");
    assert!(state::sharing_policies(&reader).expect("read").is_empty());
    let c = commitment(&sealed.ciphertext);
    assert!(
        state::may_hold(&reader, &c, "gb-nca")
            .expect("read")
            .is_ok()
    );
}
