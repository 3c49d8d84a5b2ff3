//! The authenticated state end to end: a key's value and a key's absence, proved against
//! the state line of the checkpoint the validators signed, checked offline, and refused
//! when anything in the bundle is changed.

use serde_json::json;
use std::sync::Arc;
use unchain_bundle::state::{StateBundle, StateValue, verify_state_bundle};
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Role};
use unchain_log::{Checkpoint, NoteVerifier, SignedNote};
use unchain_notary::NotaryModule;
use unchain_testkit::Org;
use unchain_types::{Hash32, SigningKey, Transaction};

/// The test chain's genesis: the first organisation validates.
fn genesis(orgs: &[Org]) -> Genesis {
    Genesis {
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
    }
}

fn setup(dir: &std::path::Path, orgs: &[Org]) -> (Ledger, Genesis) {
    let genesis = genesis(orgs);
    let signer = CheckpointSigner {
        name: orgs[0].name.clone(),
        key: orgs[0].key.clone(),
    };
    let ledger = Ledger::open(
        &dir.join("ledger.redb"),
        genesis.clone(),
        vec![Arc::new(NotaryModule)],
        Some(signer),
    )
    .expect("open");
    (ledger, genesis)
}

fn apply(ledger: &Ledger, txs: &[&Transaction]) {
    let head = ledger.head().expect("head");
    let block = head.next_block(
        head.timestamp_ms + 1000,
        SigningKey::from_seed([1; 32]).public_key(),
        txs,
    );
    let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    ledger.apply_block(&block, digest).expect("apply");
}

fn orgs() -> Vec<Org> {
    vec![
        Org::new(
            "test-chain",
            1,
            "th-police",
            &[Role::Governance, Role::Notary],
        ),
        Org::new(
            "test-chain",
            2,
            "ng-naptip",
            &[Role::Governance, Role::Notary],
        ),
    ]
}

fn trusted(orgs: &[Org]) -> Vec<NoteVerifier> {
    vec![NoteVerifier {
        name: orgs[0].name.clone(),
        key: orgs[0].key.public_key(),
    }]
}

fn anchor_key(n: u8, log_index: u64) -> String {
    format!("notary/{}/{log_index:020}", Hash32::digest(&[n]).to_hex())
}

#[test]
fn a_value_and_an_absence_verify_offline_and_tampering_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut orgs = orgs();
    let (ledger, _) = setup(dir.path(), &orgs);
    let a = orgs[0].tx(
        "notary.anchor",
        json!({"hash": Hash32::digest(&[1]).to_hex(), "doc_type": "report"}),
    );
    apply(&ledger, &[&a]);
    let present = anchor_key(1, 0);
    let absent = anchor_key(2, 0);
    let bundle = ledger
        .state_bundle(&[present.clone(), absent.clone()])
        .expect("bundle");

    // The checkpoint's state line is the head's state root, and the bundle repeats it.
    let note = SignedNote::parse(&bundle.envelope.checkpoint).expect("note");
    let cp = Checkpoint::parse_body(&note.body).expect("body");
    let head = ledger.head().expect("head");
    let state = cp.state.expect("a state line");
    assert_eq!((state.height, state.root), (head.height, head.state_root));

    let verified = verify_state_bundle(&bundle, &trusted(&orgs), 1).expect("verifies");
    assert_eq!(verified.state.height, 1);
    let value = verified.values[0].1.as_ref().expect("the anchor is there");
    let anchor: serde_json::Value = serde_json::from_slice(value).expect("json");
    assert_eq!(anchor["anchored_by"], "th-police");
    assert_eq!(verified.values[1], (absent.clone(), None));

    // The bundle travels as JSON and verifies after a round trip. (The offline verifier's
    // fixture `state-v1/state.json` is this bundle, saved on 2026-12-06.)
    let text = serde_json::to_string_pretty(&bundle).expect("json");
    let back: StateBundle = serde_json::from_str(&text).expect("parse");
    verify_state_bundle(&back, &trusted(&orgs), 1).expect("verifies after a round trip");

    let refused = |edit: &dyn Fn(&mut StateBundle), why: &str| {
        let mut b = bundle.clone();
        edit(&mut b);
        let err = verify_state_bundle(&b, &trusted(&orgs), 1)
            .expect_err(why)
            .to_string();
        assert!(err.contains(why), "expected `{why}`, got: {err}");
    };
    // A changed value, a present key claimed absent, an absent key claimed present.
    refused(
        &|b| {
            let StateValue::Utf8(text) = b.proofs[0].value.as_mut().expect("value") else {
                panic!("JSON is UTF-8")
            };
            *text = text.replace("th-police", "ng-naptip");
        },
        "does not commit to this value",
    );
    refused(
        &|b| b.proofs[0].value = None,
        "does not show this key absent",
    );
    refused(
        &|b| b.proofs[1].value = Some(StateValue::Utf8("{}".into())),
        "does not commit to this value",
    );
    // The proof of another key, relabelled.
    refused(
        &|b| b.proofs[0].key = anchor_key(3, 0),
        "does not commit to this value",
    );
    // A flipped byte of the proof, a root or height that is not the checkpoint's.
    refused(
        &|b| {
            let mut p = b.proofs[0].proof.clone().into_bytes();
            let i = p.len() / 2;
            p[i] = if p[i] == b'A' { b'B' } else { b'A' };
            b.proofs[0].proof = String::from_utf8(p).expect("ascii");
        },
        "state proof of",
    );
    refused(
        &|b| b.state_root = Hash32::digest(b"another").to_hex(),
        "state_root",
    );
    refused(&|b| b.state_height += 1, "state_height");
    refused(&|b| b.proofs.clear(), "proves no key");
    // The state line itself is signed: editing it breaks the validator's signature.
    refused(
        &|b| {
            let other = Hash32::digest(b"forged state");
            b.envelope.checkpoint = b.envelope.checkpoint.replacen(
                &format!("state 1 {}", b64(&state.root)),
                &format!("state 1 {}", b64(&other)),
                1,
            );
            b.state_root = other.to_hex();
        },
        "signature",
    );
    // Signed by a key that is not a trusted validator.
    let stranger = vec![NoteVerifier {
        name: orgs[1].name.clone(),
        key: orgs[1].key.public_key(),
    }];
    assert!(verify_state_bundle(&bundle, &stranger, 1).is_err());
}

fn b64(h: &Hash32) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(h.0)
}

#[test]
fn the_state_line_stays_with_the_block_that_grew_the_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut orgs = orgs();
    let (ledger, _) = setup(dir.path(), &orgs);
    let a = orgs[0].tx(
        "notary.anchor",
        json!({"hash": Hash32::digest(&[1]).to_hex(), "doc_type": "report"}),
    );
    apply(&ledger, &[&a]);
    let at_one = ledger.head().expect("head");
    // A block that commits nothing leaves the log at its size: the checkpoint at that size
    // still names the block that brought the log there.
    apply(&ledger, &[]);
    let after = ledger.head().expect("head");
    assert_eq!(after.log_size, at_one.log_size);
    let cp = ledger
        .checkpoint_body_at(at_one.log_size)
        .expect("read")
        .expect("reached");
    let state = cp.state.expect("state line");
    assert_eq!(
        (state.height, state.root),
        (at_one.height, at_one.state_root)
    );
    // An empty block changes no state, so its root is the same.
    assert_eq!(after.state_root, at_one.state_root);
    assert_eq!(
        ledger.state_root_at(at_one.height).expect("root"),
        Some(at_one.state_root)
    );
}

#[test]
fn a_directory_of_an_older_storage_format_is_refused_saying_how_to_migrate() {
    // Format 1 had no mark; format 2 had no validator sets (epochs); format 3 kept no keys
    // beside the versioned values (no snapshots).
    for (mark, named) in [(None, "1"), (Some("2"), "2"), (Some("3"), "3")] {
        let dir = tempfile::tempdir().expect("tmp");
        let orgs = orgs();
        drop(setup(dir.path(), &orgs));
        {
            let db = redb::Database::open(dir.path().join("ledger.redb")).expect("db");
            let txn = db.begin_write().expect("write");
            {
                let meta: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
                let mut meta = txn.open_table(meta).expect("meta");
                match mark {
                    None => assert!(meta.remove("format").expect("remove").is_some()),
                    Some(m) => {
                        meta.insert("format", m.as_bytes()).expect("insert");
                    }
                }
            }
            txn.commit().expect("commit");
        }
        let err = Ledger::open(
            &dir.path().join("ledger.redb"),
            genesis(&orgs),
            vec![Arc::new(NotaryModule)],
            None,
        )
        .err()
        .expect("refused")
        .to_string();
        assert!(err.contains(&format!("storage format {named}")), "{err}");
        assert!(err.contains("reads format 4"), "{err}");
        assert!(err.contains("empty one with the same genesis"), "{err}");
    }
}
