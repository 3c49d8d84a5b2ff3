//! The ledger executing notary and membership transactions end to end, in process.

use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Role, TxRecord};
use unchain_log::{NoteVerifier, SignedNote, hash_leaf, verify_inclusion};
use unchain_notary::{NotaryModule, anchors};
use unchain_testkit::Org;
use unchain_types::{Block, Hash32, SigningKey, Transaction, TxId, UnsignedTransaction};

fn setup(dir: &std::path::Path) -> (Ledger, Vec<Org>, Genesis) {
    let notary = [Role::Governance, Role::Notary];
    let orgs = vec![
        Org::new("test-chain", 1, "th-police", &notary),
        Org::new("test-chain", 2, "ng-naptip", &notary),
        Org::new("test-chain", 3, "gb-ngo", &[Role::Governance]),
        Org::new("test-chain", 4, "ph-dole", &[Role::Governance]),
    ];
    let genesis = Genesis {
        chain_id: "test-chain".into(),
        log_origin: "unchain/test-chain".into(),
        matching_key: None,
        epoch_length: None,
        genesis_time_ms: 1_700_000_000_000,
        members: orgs
            .iter()
            .enumerate()
            .map(|(i, o)| o.member(i == 0))
            .collect(),
    };
    let signer = CheckpointSigner {
        name: "th-police".into(),
        key: orgs[0].key.clone(),
    };
    let ledger = Ledger::open(
        &dir.join("ledger.redb"),
        genesis.clone(),
        vec![Arc::new(NotaryModule)],
        Some(signer),
    )
    .expect("open");
    (ledger, orgs, genesis)
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

fn doc_hash(n: u8) -> String {
    Hash32::digest(&[n]).to_hex()
}

#[test]
fn anchors_commit_and_are_provable_by_hash() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, _) = setup(dir.path());
    let a = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(1), "doc_type": "report", "description": "raid report"}),
    );
    let b = orgs[1].tx(
        "notary.anchor",
        json!({"hash": doc_hash(1), "doc_type": "report"}),
    );
    let rec = apply(&ledger, &[&a, &b]);
    assert_eq!(rec.committed, vec![a.id(), b.id()]);
    assert_eq!(rec.log_size, 2);

    let found = anchors(
        &ledger.state_reader().expect("reader"),
        &Hash32::from_hex(&doc_hash(1)).expect("hash"),
    )
    .expect("anchors");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].anchored_by, "th-police");
    assert_eq!(found[0].timestamp_ms, 1_700_000_001_000);

    // The checkpoint verifies under the validator's key and proves the anchor's inclusion.
    let note =
        SignedNote::parse(&ledger.latest_checkpoint().expect("cp").expect("signed")).expect("note");
    let cp = note
        .verify_checkpoint(
            &[NoteVerifier {
                name: "th-police".into(),
                key: orgs[0].key.public_key(),
            }],
            1,
        )
        .expect("valid checkpoint");
    assert_eq!((cp.size, cp.root), (rec.log_size, rec.log_root));
    let proof = ledger
        .inclusion_proof(found[0].log_index, cp.size)
        .expect("proof");
    let leaf = ledger
        .leaf(found[0].log_index)
        .expect("leaf")
        .expect("present");
    assert_eq!(leaf, a.leaf_bytes());
    verify_inclusion(
        &hash_leaf(&leaf),
        found[0].log_index,
        cp.size,
        &proof,
        &cp.root,
    )
    .expect("included");

    // Changing any single byte of the committed transaction breaks its proof.
    for i in 0..leaf.len() {
        let mut tampered = leaf.clone();
        tampered[i] ^= 0x01;
        assert!(
            verify_inclusion(
                &hash_leaf(&tampered),
                found[0].log_index,
                cp.size,
                &proof,
                &cp.root
            )
            .is_err(),
            "byte {i} changed but the proof still verified"
        );
    }
}

#[test]
fn replay_wrong_role_and_wrong_chain_are_rejected_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, _) = setup(dir.path());
    let a = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(1), "doc_type": "report"}),
    );
    apply(&ledger, &[&a]);
    let before = ledger.head().expect("head");

    let no_role = orgs[2].tx(
        "notary.anchor",
        json!({"hash": doc_hash(2), "doc_type": "report"}),
    );
    let mut other = UnsignedTransaction {
        chain_id: "other-chain".into(),
        sender: orgs[0].key.public_key(),
        nonce: 2,
        kind: "notary.anchor".into(),
        body: json!({"hash": doc_hash(3), "doc_type": "report"}),
    };
    let wrong_chain = other.clone().sign(&orgs[0].key).expect("sign");
    other.chain_id = "test-chain".into();
    other.kind = "notary.erase".into();
    let unknown_kind = other.sign(&orgs[0].key).expect("sign");

    assert!(
        ledger
            .check_tx(&a, None)
            .expect_err("replay")
            .to_string()
            .contains("nonce 1 already used by sender th-police; next is 2")
    );
    assert!(
        ledger
            .check_tx(&no_role, None)
            .expect_err("role")
            .to_string()
            .contains("lacks the role \"notary\"")
    );
    assert!(
        ledger
            .check_tx(&wrong_chain, None)
            .expect_err("chain")
            .to_string()
            .contains("other-chain")
    );
    assert!(
        ledger
            .check_tx(&unknown_kind, None)
            .expect_err("kind")
            .to_string()
            .contains("unknown kind \"notary.erase\"")
    );

    let rec = apply(&ledger, &[&a, &no_role, &wrong_chain, &unknown_kind]);
    assert!(rec.committed.is_empty());
    assert_eq!(rec.rejected.len(), 4);
    let after = ledger.head().expect("head");
    assert_eq!(
        (after.log_size, after.log_root),
        (before.log_size, before.log_root)
    );
    // The replayed transaction keeps its original commit record.
    assert!(matches!(
        ledger.tx(&a.id()).expect("tx"),
        Some(TxRecord::Committed { log_index: 0, .. })
    ));
    assert!(matches!(
        ledger.tx(&no_role.id()).expect("tx"),
        Some(TxRecord::Rejected { .. })
    ));
}

#[test]
fn membership_changes_need_more_than_two_thirds_of_governance() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, _) = setup(dir.path());
    let newcomer = Org::new("test-chain", 9, "ke-dci", &[Role::Notary]);
    let change = json!({"action": "add", "member": serde_json::to_value(newcomer.member(false)).expect("json")});
    let propose = orgs[0].tx(
        "membership.propose",
        json!({"change": change, "reason": "joins the consortium"}),
    );
    apply(&ledger, &[&propose]);
    let approve = |org: &mut Org| {
        org.tx(
            "membership.approve",
            json!({"proposal": propose.id().to_string()}),
        )
    };
    let a1 = approve(&mut orgs[1]);
    apply(&ledger, &[&a1]);
    // 2 of 4 governance members: not yet.
    assert!(
        ledger
            .sender_and_next_nonce(&newcomer.key.public_key())
            .expect("q")
            .is_none()
    );
    let a2 = approve(&mut orgs[2]);
    apply(&ledger, &[&a2]);
    // 3 of 4 > 2/3: in effect.
    let (m, next) = ledger
        .sender_and_next_nonce(&newcomer.key.public_key())
        .expect("q")
        .expect("member");
    assert_eq!((m.name.as_str(), next), ("ke-dci", 1));
    assert_eq!(m.roles, BTreeSet::from([Role::Notary]));
    // A late approval of an applied proposal is refused.
    let a3 = approve(&mut orgs[3]);
    let rec = apply(&ledger, &[&a3]);
    assert!(
        rec.rejected[0].1.contains("already taken effect"),
        "{:?}",
        rec.rejected
    );
}

#[test]
fn state_survives_reopen_and_redelivery_is_idempotent() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, genesis) = setup(dir.path());
    let a = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(1), "doc_type": "photo"}),
    );
    let rec = apply(&ledger, &[&a]);
    let head = ledger.head().expect("head");
    drop(ledger);
    let reopened = Ledger::open(
        &dir.path().join("ledger.redb"),
        genesis.clone(),
        vec![Arc::new(NotaryModule)],
        None,
    )
    .expect("reopen");
    assert_eq!(reopened.head().expect("head"), head);
    let again = reopened
        .apply_block(&rec.block, rec.digest)
        .expect("redeliver");
    assert!(!again.newly_applied);
    assert_eq!(reopened.head().expect("head"), head);
    drop(reopened);
    // A different genesis is refused with both identities named.
    let mut other = genesis;
    other.chain_id = "another".into();
    let err = Ledger::open(&dir.path().join("ledger.redb"), other, vec![], None)
        .err()
        .expect("mismatch")
        .to_string();
    assert!(err.contains("holds chain test-chain"), "{err}");
}

#[test]
fn a_member_removed_mid_block_cannot_transact_later_in_that_block() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, _) = setup(dir.path());
    let before = orgs[1].tx(
        "notary.anchor",
        json!({"hash": doc_hash(1), "doc_type": "report"}),
    );
    let propose = orgs[0].tx("membership.propose", json!({"change": {"action": "remove", "name": "ng-naptip"}, "reason": "left the consortium"}));
    let approve = |org: &mut Org| {
        org.tx(
            "membership.approve",
            json!({"proposal": propose.id().to_string()}),
        )
    };
    let a2 = approve(&mut orgs[2]);
    let a3 = approve(&mut orgs[3]);
    let after = orgs[1].tx(
        "notary.anchor",
        json!({"hash": doc_hash(2), "doc_type": "report"}),
    );
    let rec = apply(&ledger, &[&before, &propose, &a2, &a3, &after]);
    assert_eq!(
        rec.committed,
        vec![before.id(), propose.id(), a2.id(), a3.id()]
    );
    assert_eq!(rec.rejected.len(), 1);
    assert_eq!(rec.rejected[0].0, after.id());
    assert!(
        rec.rejected[0].1.contains("is not a member"),
        "{:?}",
        rec.rejected
    );
}

#[test]
fn blocks_attest_an_executed_ancestor_within_bounds() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, _orgs, _genesis) = setup(dir.path());
    apply(&ledger, &[]);
    apply(&ledger, &[]);
    let head = ledger.head().expect("head");
    let after_one = ledger.roots_after(1).expect("read").expect("height 1");
    let next = |attested_height, state_root, log_size, log_root| Block {
        height: head.height + 1,
        parent: head.digest,
        timestamp_ms: head.timestamp_ms + 1000,
        proposer: SigningKey::from_seed([1; 32]).public_key(),
        attested_height,
        attested_state_root: state_root,
        attested_log_size: log_size,
        attested_log_root: log_root,
        transactions: vec![],
    };
    // Above the parent, or below what the parent attested (height 1): refused, nothing changes.
    for h in [head.height + 1, 0] {
        let b = next(h, head.state_root, head.log_size, head.log_root);
        let err = ledger
            .apply_block(&b, Hash32::digest(b"x"))
            .expect_err("out of bounds")
            .to_string();
        assert!(err.contains("attests height"), "{err}");
        assert_eq!(ledger.head().expect("head"), head);
    }
    // A false attestation of an ancestor is applied but reported.
    let lie = next(1, Hash32([7; 32]), after_one.log_size, after_one.log_root);
    let out = ledger
        .apply_block(&lie, Hash32::digest(b"lie"))
        .expect("applied");
    assert!(out.newly_applied && !out.attestation_matches);
    // A true attestation of an ancestor (not the parent) matches.
    let head = ledger.head().expect("head");
    let after_two = ledger.roots_after(2).expect("read").expect("height 2");
    let b = Block {
        height: head.height + 1,
        parent: head.digest,
        timestamp_ms: head.timestamp_ms + 1000,
        proposer: SigningKey::from_seed([1; 32]).public_key(),
        attested_height: 2,
        attested_state_root: after_two.state_root,
        attested_log_size: after_two.log_size,
        attested_log_root: after_two.log_root,
        transactions: vec![],
    };
    let out = ledger
        .apply_block(&b, Hash32::digest(b"true"))
        .expect("applied");
    assert!(out.attestation_matches);
}

/// Users of one organisation share its nonces, so a refused action must not leave a gap
/// that stalls the ones signed after it: refused in its turn, a transaction spends its
/// nonce (recorded as failed); out of turn or for another chain, it spends nothing.
#[test]
fn a_refused_transaction_spends_its_nonce_and_stalls_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ledger, mut orgs, _) = setup(dir.path());
    let next = |ledger: &Ledger, org: &Org| {
        ledger
            .sender_and_next_nonce(&org.key.public_key())
            .expect("read")
            .expect("a member")
            .1
    };
    // Refused by the body's rules, by the sender's roles; then a good one, all in one block.
    let bad_date = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(7), "doc_type": "r", "document_date": "2026-02-31"}),
    );
    let good = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(8), "doc_type": "r"}),
    );
    let no_role = orgs[2].tx(
        "notary.anchor",
        json!({"hash": doc_hash(9), "doc_type": "r"}),
    );
    let rec = apply(&ledger, &[&bad_date, &good, &no_role]);
    assert_eq!(rec.committed, vec![good.id()]);
    let rejected: Vec<TxId> = rec.rejected.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        rejected,
        vec![bad_date.id(), no_role.id()],
        "{:?}",
        rec.rejected
    );
    assert_eq!(
        next(&ledger, &orgs[0]),
        3,
        "both th-police nonces are spent"
    );
    assert_eq!(
        next(&ledger, &orgs[2]),
        2,
        "gb-ngo's refused anchor spent its nonce"
    );
    assert!(matches!(
        ledger.tx(&bad_date.id()).expect("read"),
        Some(TxRecord::Rejected { .. })
    ));

    // Out of turn (a replay, a nonce ahead) or for another chain: nothing is spent, so a
    // proposer replaying a member's transactions cannot burn its nonces.
    let ahead = UnsignedTransaction {
        chain_id: "test-chain".into(),
        sender: orgs[0].key.public_key(),
        nonce: 8,
        kind: "notary.anchor".into(),
        body: json!({"hash": doc_hash(10), "doc_type": "r"}),
    }
    .sign(&orgs[0].key)
    .expect("sign");
    let foreign = UnsignedTransaction {
        chain_id: "another-chain".into(),
        sender: orgs[0].key.public_key(),
        nonce: 3,
        kind: "notary.anchor".into(),
        body: json!({"hash": doc_hash(11), "doc_type": "r"}),
    }
    .sign(&orgs[0].key)
    .expect("sign");
    let rec = apply(&ledger, &[&bad_date, &good, &ahead, &foreign]);
    assert!(rec.committed.is_empty(), "{rec:?}");
    assert_eq!(rec.rejected.len(), 4);
    assert_eq!(next(&ledger, &orgs[0]), 3, "nothing spent out of turn");
    // The replayed commit is still a commit.
    assert!(matches!(
        ledger.tx(&good.id()).expect("read"),
        Some(TxRecord::Committed { .. })
    ));

    // The next in turn commits.
    let then = orgs[0].tx(
        "notary.anchor",
        json!({"hash": doc_hash(12), "doc_type": "r"}),
    );
    assert_eq!(then.nonce(), 3);
    assert_eq!(apply(&ledger, &[&then]).committed, vec![then.id()]);
}
