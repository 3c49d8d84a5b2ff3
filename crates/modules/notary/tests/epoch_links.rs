//! The chain of validator sets, proven from genesis: each validator signs the checkpoint of
//! the block that ends an epoch; a quorum of that epoch's validators makes it the proof of
//! the next epoch's set (the `validators` state key in that block's state). Three nodes —
//! one ledger per validator, the same blocks applied to each — cross three boundaries
//! while governance adds two validators and removes one; the links verify from the genesis
//! validators alone and give exactly the sets consensus ran with, and every forgery of a
//! link is refused, naming its epoch.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_bundle::epochs::{EpochLink, verify_epoch_links};
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Role};
use unchain_log::{NamedKey, SignedNote};
use unchain_notary::NotaryModule;
use unchain_testkit::Org;
use unchain_types::{Hash32, SigningKey, Transaction};

const EPOCH: u64 = 4;
const ORIGIN: &str = "unchain/links";

fn genesis(orgs: &[Org]) -> Genesis {
    Genesis {
        chain_id: "links".into(),
        log_origin: ORIGIN.into(),
        matching_key: None,
        epoch_length: Some(EPOCH),
        genesis_time_ms: 1_700_000_000_000,
        members: orgs
            .iter()
            .enumerate()
            .map(|(i, o)| o.member(i == 0))
            .collect(),
    }
}

/// Applies the same block to every node.
fn apply(nodes: &[Ledger], txs: &[&Transaction]) {
    let head = nodes[0].head().expect("head");
    let block = head.next_block(
        head.timestamp_ms + 1000,
        SigningKey::from_seed([1; 32]).public_key(),
        txs,
    );
    let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    for n in nodes {
        let rec = n.apply_block(&block, digest).expect("apply").record;
        assert!(rec.rejected.is_empty(), "{:?}", rec.rejected);
    }
}

fn govern(nodes: &[Ledger], orgs: &mut [Org], change: Value) {
    let propose = orgs[0].tx(
        "membership.propose",
        json!({"change": change, "reason": "consortium decision"}),
    );
    let id = propose.id().to_string();
    let a1 = orgs[1].tx("membership.approve", json!({ "proposal": id }));
    let a2 = orgs[2].tx("membership.approve", json!({ "proposal": id }));
    apply(nodes, &[&propose, &a1, &a2]);
}

fn advance_to(nodes: &[Ledger], height: u64) {
    while nodes[0].head().expect("head").height < height {
        apply(nodes, &[]);
    }
}

/// The cosigned note from the own signatures of `signers` on the epoch-end checkpoint.
fn cosign(nodes: &[Ledger], signers: &[usize], epoch: u64) -> SignedNote {
    let mut note: Option<SignedNote> = None;
    for &i in signers {
        let own = SignedNote::parse(
            &nodes[i]
                .own_epoch_note(epoch)
                .expect("read")
                .expect("this validator signed the epoch's end"),
        )
        .expect("note");
        match note.as_mut() {
            None => note = Some(own),
            Some(n) => {
                assert_eq!(n.body, own.body, "every validator signs the same body");
                n.signatures.extend(own.signatures);
            }
        }
    }
    note.expect("at least one signer")
}

fn names(set: &[NamedKey]) -> Vec<&str> {
    set.iter().map(|v| v.name.as_str()).collect()
}

#[test]
fn validator_sets_are_proven_epoch_by_epoch_from_genesis() {
    let dir = tempfile::tempdir().expect("tmp");
    let roles = [Role::Governance, Role::Notary];
    let mut orgs = vec![
        Org::new("links", 1, "th-police", &roles),
        Org::new("links", 2, "ng-naptip", &roles),
        Org::new("links", 3, "gb-ngo", &roles),
    ];
    let g = genesis(&orgs);
    let nodes: Vec<Ledger> = orgs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            Ledger::open(
                &dir.path().join(format!("node-{i}.redb")),
                g.clone(),
                vec![Arc::new(NotaryModule)],
                Some(CheckpointSigner {
                    name: o.name.clone(),
                    key: o.key.clone(),
                }),
            )
            .expect("open")
        })
        .collect();

    // Epoch 0: th-police alone validates; governance adds the other two.
    for name in ["ng-naptip", "gb-ngo"] {
        govern(
            &nodes,
            &mut orgs,
            json!({"action": "set_validator", "name": name, "validator": true}),
        );
    }
    advance_to(&nodes, EPOCH - 1);
    // A lone validator's signature is its quorum: its own node holds the link at once.
    assert!(nodes[0].epoch_note(1).expect("read").is_some());
    assert!(
        nodes[1].own_epoch_note(1).expect("read").is_none(),
        "ng-naptip did not validate epoch 0, so it signed nothing"
    );
    for n in &nodes[1..] {
        n.store_epoch_note(&cosign(&nodes, &[0], 1))
            .expect("the others keep it");
    }

    // Epoch 1: three validators; gb-ngo is removed.
    govern(
        &nodes,
        &mut orgs,
        json!({"action": "set_validator", "name": "gb-ngo", "validator": false}),
    );
    advance_to(&nodes, 2 * EPOCH - 1);
    // Three validators need all three signatures (quorum 3 of 3).
    let short = cosign(&nodes, &[0, 1], 2);
    let err = nodes[0].store_epoch_note(&short).expect_err("2 of 3");
    assert!(err.to_string().contains("3 required"), "{err}");
    let full = cosign(&nodes, &[0, 1, 2], 2);
    for n in &nodes {
        assert_eq!(n.store_epoch_note(&full).expect("3 of 3"), 2);
    }
    // A regular checkpoint (not of the epoch's last block) is no epoch-end note.
    let regular = SignedNote::parse(
        &nodes[0]
            .own_checkpoint_at(nodes[0].head().expect("head").log_size)
            .expect("read")
            .expect("signed"),
    )
    .expect("note");
    assert!(nodes[0].store_epoch_note(&regular).is_err());

    // Epoch 2: two validators; nothing changes; epoch 3 starts.
    advance_to(&nodes, 3 * EPOCH - 1);
    let note = cosign(&nodes, &[0, 1], 3);
    assert!(
        nodes[2].own_epoch_note(3).expect("read").is_none(),
        "gb-ngo no longer validates"
    );
    for n in &nodes {
        n.store_epoch_note(&note).expect("2 of 2");
    }

    // Every node proves the same chain, and it gives the sets consensus ran with.
    let links = nodes[2].epoch_links().expect("links");
    assert_eq!(links.len(), 3);
    assert_eq!(links, nodes[0].epoch_links().expect("links"));
    let genesis_set: Vec<NamedKey> = g.validator_keys();
    let sets = verify_epoch_links(&genesis_set, EPOCH, ORIGIN, &links).expect("verifies");
    for epoch in 0..=3 {
        assert_eq!(
            sets.set_of(epoch),
            nodes[0]
                .validator_set(epoch)
                .expect("read")
                .expect("known")
                .as_slice(),
            "epoch {epoch}"
        );
    }
    assert_eq!(names(sets.set_of(3)), ["ng-naptip", "th-police"]);

    // What a node hands out holds only the changes (epochs 1 and 2; epoch 3 kept epoch 2's
    // set), and proves the same sets.
    assert_eq!(nodes[0].epochs_proven_through(0).expect("read"), 3);
    let changes = nodes[0].change_links(3).expect("changes");
    assert_eq!(changes.iter().map(|l| l.epoch).collect::<Vec<_>>(), [1, 2]);
    let sparse = verify_epoch_links(&genesis_set, EPOCH, ORIGIN, &changes).expect("verifies");
    for epoch in 0..=3 {
        assert_eq!(sparse.set_of(epoch), sets.set_of(epoch), "epoch {epoch}");
    }
    // A change left out is not silently accepted: a checkpoint of epoch 3, cosigned by its
    // two validators, verifies against the sets the changes prove, and not against the
    // three of epoch 1 that the chain without epoch 2's change would claim.
    advance_to(&nodes, 4 * EPOCH - 1);
    let cosigned_in_3 = cosign(&nodes, &[0, 1], 4).to_text();
    let count = |links: &[EpochLink]| {
        let (set, epoch) = unchain_bundle::epochs::validators_for_checkpoint(
            &genesis_set,
            EPOCH,
            ORIGIN,
            &cosigned_in_3,
            links,
        )
        .expect("a set");
        assert_eq!(epoch, 3);
        let verifiers: Vec<_> = set.iter().map(NamedKey::verifier).collect();
        let signed = SignedNote::parse(&cosigned_in_3)
            .expect("note")
            .verified_signatures(&verifiers)
            .len();
        (signed, unchain_bundle::quorum(verifiers.len()))
    };
    let (signed, needed) = count(&changes);
    assert!(signed >= needed, "{signed} of {needed}");
    let (signed, needed) = count(&changes[..1]);
    assert!(
        signed < needed,
        "{signed} of {needed} with a change left out"
    );
    // The links travel as JSON.
    let back: Vec<EpochLink> =
        serde_json::from_str(&serde_json::to_string(&links).expect("json")).expect("parse");
    assert_eq!(back, links);

    // Forgeries, each refused naming its epoch.
    let refused = |links: &[EpochLink], epoch: u64, why: &str| {
        let err = verify_epoch_links(&genesis_set, EPOCH, ORIGIN, links).expect_err(why);
        assert_eq!(err.epoch, epoch, "{err}");
        assert!(err.to_string().contains(why), "expected `{why}`: {err}");
    };
    // Out of order.
    refused(&[links[1].clone(), links[0].clone()], 1, "ascending order");
    // Epoch 2's set "proven" by epoch 3's note: signed by too few of epoch 1's validators.
    let mut forged = links.clone();
    forged[1].checkpoint = links[2].checkpoint.clone();
    refused(&forged, 2, "valid signatures");
    // Another key's value put in the proof.
    let mut forged = links.clone();
    forged[2].validators.key = "member/gb-ngo".into();
    refused(&forged, 3, "not \"validators\"");
    // An attacker's set in place of the proven one.
    let mut forged = links.clone();
    let stranger = SigningKey::from_seed([66; 32]).public_key();
    forged[2].validators.value = Some(unchain_bundle::state::StateValue::Utf8(
        serde_json::to_string(&[NamedKey {
            name: "attacker".into(),
            key: stranger,
        }])
        .expect("json"),
    ));
    refused(&forged, 3, "does not commit");
    // Another chain's genesis: epoch 1's note is not signed by its validators.
    let other = vec![NamedKey {
        name: "th-police".into(),
        key: stranger,
    }];
    let err = verify_epoch_links(&other, EPOCH, ORIGIN, &links).expect_err("other genesis");
    assert_eq!(err.epoch, 1, "{err}");
    // Another epoch length: the notes are not of the epochs' last blocks.
    let err = verify_epoch_links(&genesis_set, EPOCH + 1, ORIGIN, &links).expect_err("length");
    assert!(err.to_string().contains("not after block"), "{err}");
}
