//! Validator-set changes decided by governance: who validates changes in state at once,
//! and the set consensus runs with changes only at the next epoch boundary.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::epochs::VALIDATORS_KEY;
use unchain_ledger::{Genesis, Ledger, Role};
use unchain_notary::NotaryModule;
use unchain_testkit::Org;
use unchain_types::{Hash32, SigningKey, Transaction};

const EPOCH: u64 = 4;

fn setup(dir: &std::path::Path) -> (Ledger, Vec<Org>) {
    let roles = [Role::Governance, Role::Notary];
    let orgs = vec![
        Org::new("epochs", 1, "th-police", &roles),
        Org::new("epochs", 2, "ng-naptip", &roles),
        Org::new("epochs", 3, "gb-ngo", &roles),
    ];
    let genesis = Genesis {
        chain_id: "epochs".into(),
        log_origin: "unchain/epochs".into(),
        matching_key: None,
        epoch_length: Some(EPOCH),
        genesis_time_ms: 1_700_000_000_000,
        members: orgs
            .iter()
            .enumerate()
            .map(|(i, o)| o.member(i == 0))
            .collect(),
    };
    let ledger = Ledger::open(
        &dir.join("ledger.redb"),
        genesis,
        vec![Arc::new(NotaryModule)],
        None,
    )
    .expect("open");
    (ledger, orgs)
}

fn apply(ledger: &Ledger, txs: &[&Transaction]) -> unchain_ledger::BlockRecord {
    let head = ledger.head().expect("head");
    let block = head.next_block(
        head.timestamp_ms + 1000,
        SigningKey::from_seed([1; 32]).public_key(),
        txs,
    );
    let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    ledger.apply_block(&block, digest).expect("apply").record
}

/// Proposes `change` from orgs[0] and approves it by orgs[1] (2 of 3 governance members
/// is not more than two thirds; orgs[2] makes it 3 of 3), all in one block.
fn govern(ledger: &Ledger, orgs: &mut [Org], change: Value) -> unchain_ledger::BlockRecord {
    let propose = orgs[0].tx(
        "membership.propose",
        json!({"change": change, "reason": "consortium decision"}),
    );
    let id = propose.id().to_string();
    let a1 = orgs[1].tx("membership.approve", json!({ "proposal": id }));
    let a2 = orgs[2].tx("membership.approve", json!({ "proposal": id }));
    apply(ledger, &[&propose, &a1, &a2])
}

fn names(set: &[unchain_log::NamedKey]) -> Vec<&str> {
    set.iter().map(|v| v.name.as_str()).collect()
}

fn advance_to(ledger: &Ledger, height: u64) {
    while ledger.head().expect("head").height < height {
        apply(ledger, &[]);
    }
}

#[test]
fn a_new_validator_joins_consensus_at_the_next_epoch_boundary() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs) = setup(dir.path());
    let (epoch, set) = ledger.latest_epoch().expect("epoch");
    assert_eq!((epoch, names(&set)), (0, vec!["th-police"]));

    let rec = govern(
        &ledger,
        &mut orgs,
        json!({"action": "set_validator", "name": "ng-naptip", "validator": true}),
    );
    assert!(rec.rejected.is_empty(), "{:?}", rec.rejected);
    // In state at once, and provable there.
    assert_eq!(
        names(&ledger.current_validators().expect("read")),
        ["ng-naptip", "th-police"]
    );
    let height = ledger.head().expect("head").height;
    let proofs = ledger
        .state_proofs_at(
            height,
            &[String::from_utf8(VALIDATORS_KEY.to_vec()).expect("utf-8")],
        )
        .expect("prove");
    let root = ledger.state_root_at(height).expect("read").expect("kept");
    let value = proofs[0].verify(&root).expect("verifies").expect("present");
    let proven: Vec<unchain_log::NamedKey> = serde_json::from_slice(&value).expect("json");
    assert_eq!(names(&proven), ["ng-naptip", "th-police"]);
    // ... but consensus keeps epoch 0's set until the boundary.
    assert_eq!(ledger.latest_epoch().expect("epoch").0, 0);
    assert!(ledger.validator_set(1).expect("read").is_none());
    advance_to(&ledger, EPOCH - 2);
    assert!(ledger.validator_set(1).expect("read").is_none());
    advance_to(&ledger, EPOCH - 1);
    let (epoch, set) = ledger.latest_epoch().expect("epoch");
    assert_eq!((epoch, names(&set)), (1, vec!["ng-naptip", "th-police"]));
    assert_eq!(
        names(&ledger.validator_set(0).expect("read").expect("kept")),
        ["th-police"]
    );
}

#[test]
fn a_rotated_key_signs_at_once_and_validates_from_the_next_epoch() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs) = setup(dir.path());
    let new_key = SigningKey::from_seed([77; 32]);
    let rec = govern(
        &ledger,
        &mut orgs,
        json!({"action": "rotate_key", "name": "th-police", "signing_key": new_key.public_key()}),
    );
    assert!(rec.rejected.is_empty(), "{:?}", rec.rejected);
    // The old key is no member any more; the new one signs from nonce 1.
    let old = orgs[0].tx(
        "notary.anchor",
        json!({"hash": Hash32::digest(b"a").to_hex(), "doc_type": "report"}),
    );
    orgs[0].key = new_key.clone();
    orgs[0].nonce = 0;
    let new = orgs[0].tx(
        "notary.anchor",
        json!({"hash": Hash32::digest(b"b").to_hex(), "doc_type": "report"}),
    );
    let rec = apply(&ledger, &[&old, &new]);
    assert_eq!(rec.committed, vec![new.id()]);
    assert!(
        rec.rejected[0].1.contains("not a member"),
        "{:?}",
        rec.rejected
    );
    assert_eq!(
        ledger.current_validators().expect("read")[0].key,
        new_key.public_key()
    );
    assert_ne!(
        ledger.latest_epoch().expect("epoch").1[0].key,
        new_key.public_key()
    );
    advance_to(&ledger, EPOCH - 1);
    assert_eq!(
        ledger.latest_epoch().expect("epoch").1[0].key,
        new_key.public_key()
    );
}

#[test]
fn changes_that_would_leave_no_validator_or_reuse_a_key_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs) = setup(dir.path());
    for change in [
        json!({"action": "set_validator", "name": "th-police", "validator": false}),
        json!({"action": "remove", "name": "th-police"}),
    ] {
        // The proposal is refused (and so are the approvals of a proposal that never was).
        let rec = govern(&ledger, &mut orgs, change.clone());
        assert!(rec.committed.is_empty(), "{change}: {:?}", rec.committed);
        assert!(
            rec.rejected[0].1.contains("last validator"),
            "{change}: {:?}",
            rec.rejected
        );
    }
    let taken = orgs[1].key.public_key();
    let rec = govern(
        &ledger,
        &mut orgs,
        json!({"action": "rotate_key", "name": "th-police", "signing_key": taken}),
    );
    assert!(
        rec.rejected[0].1.contains("already belongs to a member"),
        "{:?}",
        rec.rejected
    );
    let rec = govern(
        &ledger,
        &mut orgs,
        json!({"action": "set_validator", "name": "nobody", "validator": true}),
    );
    assert!(
        rec.rejected[0].1.contains("no member named nobody"),
        "{:?}",
        rec.rejected
    );
    // Nothing changed.
    assert_eq!(
        names(&ledger.current_validators().expect("read")),
        ["th-police"]
    );
    // Handing over is fine: add the second validator, then the first may leave.
    govern(
        &ledger,
        &mut orgs,
        json!({"action": "set_validator", "name": "gb-ngo", "validator": true}),
    );
    let rec = govern(
        &ledger,
        &mut orgs,
        json!({"action": "set_validator", "name": "th-police", "validator": false}),
    );
    assert!(rec.rejected.is_empty(), "{:?}", rec.rejected);
    assert_eq!(
        names(&ledger.current_validators().expect("read")),
        ["gb-ngo"]
    );
}

#[test]
fn genesis_refuses_an_epoch_length_out_of_range() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, _) = setup(dir.path());
    let mut genesis = ledger.genesis().clone();
    for bad in [0, 3, 1_000_001] {
        genesis.epoch_length = Some(bad);
        let e = genesis.check().expect_err("refused");
        assert!(e.contains("epoch_length"), "{e}");
    }
    genesis.epoch_length = None;
    assert_eq!(
        genesis.epoch_length(),
        unchain_ledger::genesis::DEFAULT_EPOCH_LENGTH
    );
}
