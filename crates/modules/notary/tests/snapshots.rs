//! State snapshots end to end: a ledger restored from another's snapshot reaches the state
//! root of one that replayed every block from genesis, and keeps reaching the same roots
//! block after block; a snapshot with anything changed is refused and leaves nothing behind.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unchain_ledger::snapshot::{SnapshotError, SnapshotManifest, parse_chunk};
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Role};
use unchain_log::SignedNote;
use unchain_notary::NotaryModule;
use unchain_testkit::Org;
use unchain_types::{Hash32, SigningKey, Transaction};

/// Two validators, epochs of four blocks.
fn genesis(orgs: &[Org]) -> Genesis {
    Genesis {
        chain_id: "test-chain".into(),
        log_origin: "unchain/test-chain".into(),
        matching_key: None,
        epoch_length: Some(4),
        genesis_time_ms: 1_700_000_000_000,
        members: orgs.iter().map(|o| o.member(true)).collect(),
    }
}

fn orgs() -> Vec<Org> {
    ["th-police", "ng-naptip"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Org::new(
                "test-chain",
                i as u8 + 1,
                name,
                &[Role::Governance, Role::Notary],
            )
        })
        .collect()
}

fn signer(org: &Org) -> CheckpointSigner {
    CheckpointSigner {
        name: org.name.clone(),
        key: org.key.clone(),
    }
}

fn open(path: &Path, orgs: &[Org]) -> Ledger {
    Ledger::open(
        path,
        genesis(orgs),
        vec![Arc::new(NotaryModule)],
        Some(signer(&orgs[0])),
    )
    .expect("open")
}

fn apply(ledger: &Ledger, txs: &[Transaction]) {
    let head = ledger.head().expect("head");
    let refs: Vec<&Transaction> = txs.iter().collect();
    let block = head.next_block(
        head.timestamp_ms + 1000,
        SigningKey::from_seed([1; 32]).public_key(),
        &refs,
    );
    let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    ledger.apply_block(&block, digest).expect("apply");
}

/// Both validators sign the head's checkpoint, and the ledger keeps it as cosigned.
fn cosign(ledger: &Ledger, orgs: &[Org]) {
    let size = ledger.head().expect("head").log_size;
    let body = ledger
        .checkpoint_body_at(size)
        .expect("read")
        .expect("reached");
    let mut note = SignedNote::new(body.body());
    for o in orgs {
        note.sign(&o.name, &o.key).expect("sign");
    }
    ledger.store_cosigned_checkpoint(&note).expect("cosigned");
}

/// Both validators sign the checkpoint of every block that ended an epoch so far, and the
/// ledger keeps each as the proof of the next epoch's validators.
fn cosign_epochs(ledger: &Ledger, orgs: &[Org]) {
    let head = ledger.head().expect("head").height;
    let mut epoch = 1;
    while ledger.last_height_of(epoch - 1) <= head {
        let body = ledger
            .epoch_end_body(epoch)
            .expect("read")
            .expect("applied");
        let mut note = SignedNote::new(body.body());
        for o in orgs {
            note.sign(&o.name, &o.key).expect("sign");
        }
        assert_eq!(ledger.store_epoch_note(&note).expect("cosigned"), epoch);
        epoch += 1;
    }
}

/// Blocks of notary anchors: `n` blocks, two anchors each, one block in four empty (the
/// third, seventh, ...).
fn blocks(orgs: &mut [Org], first: u8, n: u8) -> Vec<Vec<Transaction>> {
    (first..first + n)
        .map(|i| {
            if i % 4 == 2 {
                return Vec::new();
            }
            (0..2u8)
                .map(|j| {
                    orgs[j as usize].tx(
                        "notary.anchor",
                        json!({"hash": Hash32::digest(&[i, j]).to_hex(), "doc_type": "report"}),
                    )
                })
                .collect()
        })
        .collect()
}

struct Exported {
    manifest: SnapshotManifest,
    chunks: Vec<Vec<u8>>,
}

fn export(ledger: &Ledger, chunk_bytes: usize) -> Exported {
    let mut chunks = Vec::new();
    let manifest = ledger
        .export_snapshot(chunk_bytes, &mut |index, bytes| {
            assert_eq!(index, chunks.len());
            chunks.push(bytes.to_vec());
            Ok(())
        })
        .expect("export");
    Exported { manifest, chunks }
}

fn restore(
    path: &Path,
    orgs: &[Org],
    genesis: Genesis,
    snapshot: &Exported,
) -> Result<(Ledger, unchain_ledger::snapshot::Restored), SnapshotError> {
    let mut seen = Vec::new();
    let result = Ledger::restore_snapshot(
        path,
        genesis,
        vec![Arc::new(NotaryModule)],
        Some(signer(&orgs[0])),
        &snapshot.manifest,
        &mut |i| {
            snapshot
                .chunks
                .get(i)
                .cloned()
                .ok_or_else(|| "no such chunk".into())
        },
        &mut |i, _| seen.push(i),
    );
    if result.is_ok() {
        assert_eq!(seen, (0..snapshot.chunks.len()).collect::<Vec<_>>());
    }
    result
}

struct Chains {
    _dir: tempfile::TempDir,
    orgs: Vec<Org>,
    /// The node the snapshot is taken from: it went on past the snapshot.
    source: Ledger,
    /// A node that replayed the same blocks from genesis up to the snapshot's height.
    replay: Ledger,
    /// The blocks after the snapshot.
    later: Vec<Vec<Transaction>>,
    target: PathBuf,
}

/// Twelve blocks, a cosigned checkpoint at the twelfth, then three more blocks the source
/// applies (so the export must read the state as it was, not as it is).
fn chains() -> Chains {
    let dir = tempfile::tempdir().expect("tmp");
    let mut orgs = orgs();
    let source = open(&dir.path().join("source.redb"), &orgs);
    let replay = open(&dir.path().join("replay.redb"), &orgs);
    for txs in blocks(&mut orgs, 0, 12) {
        apply(&source, &txs);
        apply(&replay, &txs);
    }
    cosign(&source, &orgs);
    cosign_epochs(&source, &orgs);
    let later = blocks(&mut orgs, 12, 3);
    for txs in &later {
        apply(&source, txs);
    }
    let target = dir.path().join("restored.redb");
    Chains {
        _dir: dir,
        orgs,
        source,
        replay,
        later,
        target,
    }
}

#[test]
fn a_restored_ledger_reaches_the_replayed_root_and_follows_the_same_blocks() {
    let c = chains();
    // Chunks of ~300 bytes: many chunks, each checked on its own.
    let snap = export(&c.source, 300);
    assert_eq!(snap.manifest.height, 12);
    assert!(snap.chunks.len() > 3, "{} chunks", snap.chunks.len());
    assert_eq!(c.source.head().expect("head").height, 15);

    let (restored, report) =
        restore(&c.target, &c.orgs, genesis(&c.orgs), &snap).expect("restores");
    let replayed = c.replay.head().expect("head");
    assert_eq!(restored.head().expect("head"), replayed);
    assert_eq!(report.state_root, replayed.state_root);
    assert_eq!(report.signers.len(), 2);
    // Epochs of four blocks: the source proves the sets of epochs 1 to 3 (the checkpoints
    // that ended epochs 0 to 2 are cosigned), none of which changed, so no link travels;
    // the restored node proves them too.
    assert_eq!(snap.manifest.epochs_proven_through, 3);
    assert!(snap.manifest.epoch_links.is_empty());
    assert!(
        report.sets_as_stated.is_empty(),
        "{:?}",
        report.sets_as_stated
    );
    assert_eq!(restored.epochs_proven_through(0).expect("read"), 3);
    assert_eq!(
        restored.snapshot_base().expect("read").map(|b| b.height),
        Some(12)
    );
    assert_eq!(
        restored.genesis_head().expect("read"),
        c.replay.genesis_head().expect("read")
    );
    for epoch in 0..=3 {
        assert_eq!(
            restored.validator_set(epoch).expect("read"),
            c.replay.validator_set(epoch).expect("read"),
            "epoch {epoch}"
        );
    }
    let keys: Vec<String> = c
        .replay
        .state_reader()
        .expect("read")
        .scan_prefix(b"notary/")
        .expect("scan")
        .into_iter()
        .map(|(k, _)| String::from_utf8(k).expect("utf-8"))
        .collect();
    assert_eq!(keys.len(), 18);
    let entries: u64 = snap.manifest.chunks.iter().map(|ch| ch.entries).sum();
    assert_eq!(entries, snap.manifest.entries);

    // The same blocks after the snapshot give the same roots, checkpoints and proofs.
    for txs in &c.later {
        apply(&restored, txs);
        apply(&c.replay, txs);
        assert_eq!(
            restored.head().expect("head"),
            c.replay.head().expect("head")
        );
    }
    assert_eq!(
        restored.head().expect("head"),
        c.source.head().expect("head")
    );
    let size = restored.head().expect("head").log_size;
    assert_eq!(
        restored.own_checkpoint_at(size).expect("read"),
        c.replay.own_checkpoint_at(size).expect("read")
    );
    assert_eq!(
        restored.state_proofs_at(15, &keys).expect("proofs"),
        c.replay.state_proofs_at(15, &keys).expect("proofs")
    );
    // New leaves are provable; leaves before the snapshot were never held, and asking for
    // them is an error, not a made-up proof.
    let base = snap.manifest.log_size;
    assert_eq!(
        restored
            .inclusion_proof(base, size)
            .expect("a new leaf's proof"),
        c.replay.inclusion_proof(base, size).expect("proof")
    );
    let err = restored.inclusion_proof(0, size).expect_err("refused");
    assert!(
        err.to_string()
            .contains("where this node started from a state snapshot"),
        "{err}"
    );
    assert!(restored.consistency_proof(1, size).is_err());
    assert!(restored.consistency_proof(base, size).is_ok());
    assert_eq!(restored.leaf(0).expect("read"), None);
}

/// Applies `change` to a copy of the snapshot and checks that the restore is refused with
/// an error containing `expected`, leaving nothing at the target.
fn refused(c: &Chains, snap: &Exported, expected: &str, change: impl FnOnce(&mut Exported)) {
    let mut bad = Exported {
        manifest: snap.manifest.clone(),
        chunks: snap.chunks.clone(),
    };
    change(&mut bad);
    let err = restore(&c.target, &c.orgs, genesis(&c.orgs), &bad)
        .err()
        .unwrap_or_else(|| panic!("a snapshot changed for {expected:?} was restored"))
        .to_string();
    assert!(err.contains(expected), "{expected:?} not in: {err}");
    assert!(
        !c.target.exists(),
        "a refused restore left {}",
        c.target.display()
    );
}

fn rehash(snap: &mut Exported, index: usize) {
    let chunk = &snap.chunks[index];
    let info = &mut snap.manifest.chunks[index];
    info.bytes = chunk.len() as u64;
    info.sha256 = Hash32::digest(chunk);
    info.entries = parse_chunk(chunk).expect("parse").len() as u64;
    snap.manifest.entries = snap.manifest.chunks.iter().map(|ch| ch.entries).sum();
}

#[test]
fn a_changed_snapshot_is_refused_and_leaves_nothing() {
    let c = chains();
    let snap = export(&c.source, 300);

    refused(&c, &snap, "chunk 1: SHA-256", |s| s.chunks[1][7] ^= 1);
    refused(&c, &snap, "chunk 0:", |s| s.chunks[0].truncate(10));
    // A chunk rewritten with its hash fixed up in the manifest: a value changed, an entry
    // left out, two chunks swapped. The checkpoint's state root catches the first two,
    // the order the third.
    refused(&c, &snap, "rebuild state root", |s| {
        let last = s.chunks[2].len() - 1;
        s.chunks[2][last] ^= 1;
        rehash(s, 2);
    });
    refused(&c, &snap, "rebuild state root", |s| {
        let entries = parse_chunk(&s.chunks[0]).expect("parse");
        let mut chunk = Vec::new();
        for (k, v) in &entries[1..] {
            chunk.extend_from_slice(&(k.len() as u32).to_be_bytes());
            chunk.extend_from_slice(k);
            chunk.extend_from_slice(&(v.len() as u32).to_be_bytes());
            chunk.extend_from_slice(v);
        }
        s.chunks[0] = chunk;
        rehash(s, 0);
    });
    refused(&c, &snap, "out of order", |s| {
        s.chunks.swap(0, 1);
        s.manifest.chunks.swap(0, 1);
    });
    refused(&c, &snap, "field `entries`", |s| s.manifest.entries += 1);
    // The manifest's claims against the checkpoint.
    refused(&c, &snap, "field `state_root`", |s| {
        s.manifest.state_root = Hash32::digest(b"another state");
    });
    refused(&c, &snap, "field `log_frontier`", |s| {
        s.manifest.log_frontier[0] = Hash32::digest(b"another log");
    });
    refused(&c, &snap, "field `checkpoint`", |s| {
        // One validator of two is not a quorum.
        let mut note = SignedNote::parse(&s.manifest.checkpoint).expect("note");
        note.signatures.truncate(1);
        s.manifest.checkpoint = note.to_text();
    });
    refused(&c, &snap, "field `checkpoint`", |s| {
        // Signed by keys that are not the validators.
        let mut note = SignedNote::parse(&s.manifest.checkpoint).expect("note");
        note.signatures.clear();
        for seed in [7u8, 8] {
            note.sign(
                &c.orgs[(seed % 2) as usize].name,
                &SigningKey::from_seed([seed; 32]),
            )
            .expect("sign");
        }
        s.manifest.checkpoint = note.to_text();
    });
    refused(&c, &snap, "field `epochs`", |s| {
        s.manifest.epochs[0].validators.pop();
    });
    refused(&c, &snap, "field `epochs`", |s| {
        s.manifest.epochs.pop();
    });
    refused(&c, &snap, "field `blocks`", |s| {
        s.manifest.blocks.last_mut().expect("a record").digest = Hash32::digest(b"x");
        let n = s.manifest.blocks.len();
        if n > 1 {
            s.manifest.blocks[n - 2].digest = Hash32::digest(b"y");
        }
    });
    refused(&c, &snap, "field `format`", |s| s.manifest.format = 2);
    // A later epoch's set other than the one the links prove (none changed); a claim to
    // prove past the snapshot.
    refused(&c, &snap, "field `epochs`", |s| {
        s.manifest.epochs[2].validators[0].key = SigningKey::from_seed([9; 32]).public_key();
    });
    refused(&c, &snap, "field `epochs_proven_through`", |s| {
        s.manifest.epochs_proven_through = 4;
    });
    // Another chain's node refuses it.
    let mut other = genesis(&c.orgs);
    other.chain_id = "another-chain".into();
    let err = restore(&c.target, &c.orgs, other, &snap)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("field `chain_id`"), "{err}");
    // A directory that holds a ledger is never overwritten.
    let err = restore(
        &c._dir.path().join("replay.redb"),
        &c.orgs,
        genesis(&c.orgs),
        &snap,
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("already holds a ledger"), "{err}");
    // And the snapshot as exported still restores; without its links too (a node that
    // holds none, from before epoch-end checkpoints), saying which sets it took as stated.
    let mut unlinked = Exported {
        manifest: snap.manifest.clone(),
        chunks: snap.chunks.clone(),
    };
    unlinked.manifest.epochs_proven_through = 0;
    let (_, report) = restore(&c.target, &c.orgs, genesis(&c.orgs), &unlinked).expect("restores");
    assert_eq!(report.sets_as_stated, vec![1, 2, 3]);
    std::fs::remove_file(&c.target).expect("remove");
    restore(&c.target, &c.orgs, genesis(&c.orgs), &snap).expect("restores");
}

#[test]
fn nothing_can_be_exported_before_a_checkpoint_is_cosigned() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut orgs = orgs();
    let ledger = open(&dir.path().join("l.redb"), &orgs);
    for txs in blocks(&mut orgs, 0, 2) {
        apply(&ledger, &txs);
    }
    let err = ledger
        .export_snapshot(300, &mut |_, _| Ok(()))
        .expect_err("refused");
    assert!(
        err.to_string().contains("no snapshot can be taken yet"),
        "{err}"
    );
}

/// An idle chain writes an empty block every quarter second, and its newest cosigned
/// checkpoint keeps naming the last block that logged anything. Once more than the tree's
/// window of empty blocks has passed, that version's root is pruned, but its state is the
/// state of every block since: proofs and snapshots of it must still be served.
#[test]
fn an_idle_chain_still_proves_and_exports_the_state_its_checkpoint_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut orgs = orgs();
    let ledger = open(&dir.path().join("l.redb"), &orgs);
    for txs in blocks(&mut orgs, 0, 2) {
        apply(&ledger, &txs);
    }
    cosign(&ledger, &orgs);
    let named = ledger.head().expect("head").height;
    for _ in 0..unchain_ledger::authenticated::RETAINED_VERSIONS + 10 {
        apply(&ledger, &[]);
    }
    assert_eq!(
        ledger.state_root_at(named).expect("read"),
        None,
        "the tree pruned the version the checkpoint names"
    );
    let key = format!("nonce/{}", orgs[0].key.public_key().to_hex());
    let bundle = ledger
        .state_bundle(&[key])
        .expect("a proof of the named state");
    assert_eq!(bundle.state_height, named);
    let verifiers = ledger.checkpoint_verifiers();
    let proven = unchain_bundle::state::verify_state_bundle(&bundle, &verifiers, 2)
        .expect("the proof verifies against the checkpoint's root");
    assert!(proven.values[0].1.is_some(), "the nonce is proven present");
    let snap = export(&ledger, 300);
    assert_eq!(snap.manifest.height, named);
    let target = dir.path().join("restored.redb");
    restore(&target, &orgs, genesis(&orgs), &snap).expect("the snapshot restores");

    // The chain moves on before a new checkpoint is cosigned: the newest state differs,
    // and the oldest version still kept holds the named state.
    for txs in blocks(&mut orgs, 5, 1) {
        apply(&ledger, &txs);
    }
    let key = format!("nonce/{}", orgs[0].key.public_key().to_hex());
    let bundle = ledger
        .state_bundle(std::slice::from_ref(&key))
        .expect("still proven");
    unchain_bundle::state::verify_state_bundle(&bundle, &verifiers, 2).expect("verifies");
    // Once the window has passed the change too, the named state is held nowhere.
    for _ in 0..unchain_ledger::authenticated::RETAINED_VERSIONS {
        apply(&ledger, &[]);
    }
    let err = ledger.state_bundle(&[key]).expect_err("no longer kept");
    assert!(err.to_string().contains("no longer kept"), "{err}");
}
