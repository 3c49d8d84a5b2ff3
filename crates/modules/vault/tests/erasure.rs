//! Erasure that erases: a record's tokens, wrapped keys and survivor key travel in sidecars,
//! never in the log, and after `vault.erase` no leaf, no state row at any retained version
//! and no byte of the node's files (once the node has rewritten its storage file) still
//! carries them, nor the hash the state tree keeps of the match index's key.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use unchain_ledger::{LedgerError, Role};
use unchain_seal::{ContentKey, IdentifierKind, WrappedKey, commitment, record_key_info};
use unchain_testkit::{Chain, Org};
use unchain_types::{Hash32, SigningKey, Transaction};
use unchain_vault::VaultModule;

const CHAIN: &str = "vault-test";

fn org(seed: u8, name: &str) -> Org {
    Org::new(CHAIN, seed, name, &[Role::Governance, Role::Records])
}

fn new_chain(dir: &std::path::Path, orgs: &[&Org]) -> Chain {
    Chain::new(dir, orgs, |g| vec![Arc::new(VaultModule::new(g))])
}

/// What an attacker looks for: the identifier's token, the wrapped keys and the survivor's
/// key, as hex (how JSON holds them) and as raw bytes.
struct Secrets {
    needles: Vec<(String, Vec<u8>)>,
}

impl Secrets {
    fn add_hex(&mut self, what: &str, hex: &str) {
        self.needles
            .push((format!("{what} (hex)"), hex.as_bytes().to_vec()));
        self.needles
            .push((format!("{what} (raw)"), hex::decode(hex).expect("hex")));
    }

    fn found_in(&self, bytes: &[u8]) -> Vec<String> {
        self.needles
            .iter()
            .filter(|(_, n)| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            .map(|(what, _)| what.clone())
            .collect()
    }
}

fn every_file(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(every_file(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).expect("read")));
        }
    }
    out
}

/// A `vault.seal` body of version 1 for `id`, readable by `to`, with one phone token and a
/// survivor's key.
fn seal_body(id: Hash32, to: &[&Org], token: Hash32, subject: &SigningKey) -> Value {
    let key = ContentKey::generate();
    let ciphertext = unchain_seal::seal_payload(&key, &id, 1, b"{\"name\":\"A. Survivor\"}");
    let recipients: BTreeMap<String, String> = to
        .iter()
        .map(|o| {
            let info = record_key_info(CHAIN, &id, 1, &o.name);
            (
                o.name.clone(),
                WrappedKey::wrap_content_key(&key, &o.enc.public_key(), &info).to_hex(),
            )
        })
        .collect();
    json!({
        "record": id.to_hex(),
        "version": 1,
        "schema": "htcds.person",
        "commitment": commitment(&ciphertext).to_hex(),
        "size": ciphertext.len(),
        "recipients": recipients,
        "policy": {"retention_days": 365, "consent_required": false},
        "subject": subject.public_key().to_hex(),
        "tokens": [{"kind": IdentifierKind::Phone, "epoch": 1, "token": token.to_hex()}],
    })
}

fn leaves(chain: &Chain) -> Vec<Vec<u8>> {
    let size = chain.ledger.head().expect("head").log_size;
    (0..size)
        .map(|i| chain.ledger.leaf(i).expect("read").expect("leaf"))
        .collect()
}

#[test]
fn an_erased_records_tokens_keys_and_survivor_key_are_nowhere_a_member_can_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let ngo = org(2, "th-ngo");
    let mut chain = new_chain(dir.path(), &[&police, &ngo]);
    let token = Hash32::digest(b"the token of +66 81 234 5678");
    let survivor = SigningKey::from_seed([42; 32]);
    let id = Hash32([7; 32]);
    let body = seal_body(id, &[&police], token, &survivor);
    // Records before and after it, so that the erased rows sit among live pages of the
    // storage file rather than at its end.
    let others = |chain: &mut Chain, police: &mut Org, from: u8| {
        let txs: Vec<Transaction> = (from..from + 60)
            .map(|i| {
                police.tx(
                    "vault.seal",
                    seal_body(
                        Hash32([i; 32]),
                        &[&*police],
                        Hash32::digest(&[i]),
                        &SigningKey::from_seed([i; 32]),
                    ),
                )
            })
            .collect();
        for chunk in txs.chunks(20) {
            assert!(
                chain
                    .apply(&chunk.iter().collect::<Vec<_>>())
                    .iter()
                    .all(Option::is_none)
            );
        }
    };
    others(&mut chain, &mut police, 100);
    let seal = police.tx("vault.seal", body.clone());
    chain.ok(&seal);
    chain.grant(&mut police, &ngo, &id);
    others(&mut chain, &mut police, 180);

    let mut secrets = Secrets {
        needles: Vec::new(),
    };
    secrets.add_hex("token", &token.to_hex());
    secrets.add_hex("survivor key", &survivor.public_key().to_hex());
    // What the state tree keeps of a key: SHA-256 of it, which whoever knows the token and
    // the (public) record id can recompute for the match index's key.
    let index_key = format!("vault/token/{:010}/{}/{}", 1, token, id);
    secrets.add_hex(
        "SHA-256 of the token's index key",
        &Hash32::digest(index_key.as_bytes()).to_hex(),
    );
    let view = chain.record(&id);
    let keys = &view.versions[0].keys;
    assert_eq!(keys.len(), 2, "the owner's key and the grant's");
    for (name, wrapped) in keys {
        secrets.add_hex(&format!("key wrapped for {name}"), &wrapped.to_hex());
    }

    // Before erasure: the log never held them; the node's state does (matching needs it).
    for leaf in leaves(&chain) {
        assert_eq!(secrets.found_in(&leaf), Vec::<String>::new(), "a leaf");
    }
    let seal_leaf = String::from_utf8(seal.leaf_bytes().to_vec()).expect("utf-8");
    assert!(seal_leaf.contains("\"erasable\":"), "{seal_leaf}");
    let digests: Vec<Hash32> = [Some(seal.erasable().expect("a digest"))]
        .into_iter()
        .flatten()
        .collect();
    assert!(!chain.ledger.sidecar_erased(&digests[0]).expect("read"));

    chain.ok(&police.tx(
        "vault.erase",
        json!({"record": id.to_hex(), "reason": "owner_request"}),
    ));
    let head = chain.ledger.head().expect("head");
    let record = chain
        .ledger
        .block(head.height)
        .expect("read")
        .expect("block");
    assert_eq!(
        record.erased_sidecars.len(),
        2,
        "the seal's sidecar and the grant's"
    );
    assert!(record.erased_sidecars.contains(&digests[0]));
    for d in &record.erased_sidecars {
        assert!(chain.ledger.sidecar_erased(d).expect("read"));
    }

    // After erasure: no leaf, no state row, no byte of any file the node holds carries
    // the token, a wrapped key or the survivor's key.
    for leaf in leaves(&chain) {
        assert_eq!(secrets.found_in(&leaf), Vec::<String>::new(), "a leaf");
    }
    let reader = chain.ledger.state_reader().expect("reader");
    for (key, value) in reader.scan_prefix(b"").expect("scan") {
        let found = secrets.found_in(&[key.as_slice(), value.as_slice()].concat());
        assert_eq!(
            found,
            Vec::<String>::new(),
            "state row {}",
            String::from_utf8_lossy(&key)
        );
    }
    drop(reader);
    assert!(
        chain.ledger.compact().expect("compacts"),
        "no read in progress"
    );
    for (path, bytes) in every_file(dir.path()) {
        assert_eq!(
            secrets.found_in(&bytes),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_block_without_its_sidecar_applies_nothing_until_the_sidecar_comes() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let chain = new_chain(dir.path(), &[&police]);
    let survivor = SigningKey::from_seed([42; 32]);
    let seal = police.tx(
        "vault.seal",
        seal_body(Hash32([7; 32]), &[&police], Hash32([9; 32]), &survivor),
    );
    let digest = seal.erasable().expect("a digest");

    // Admission wants the wire form: the leaf alone is refused, naming the sidecar.
    let leaf_only = Transaction::parse(seal.leaf_bytes()).expect("parses");
    let why = chain
        .ledger
        .check_tx(&leaf_only, None)
        .expect_err("no sidecar")
        .to_string();
    assert!(why.starts_with("field `sidecar`: is missing"), "{why}");
    chain
        .ledger
        .check_tx(&seal, None)
        .expect("the wire form is admitted");

    // A block from a peer holds leaf bytes: without the sidecar, nothing is applied.
    let before = chain.ledger.head().expect("head");
    let block = before.next_block(
        before.timestamp_ms + 1000,
        police.key.public_key(),
        &[&seal],
    );
    let block_digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    match chain
        .ledger
        .apply_block_with(&block, block_digest, &|_| None, &|_| None)
    {
        Err(LedgerError::MissingSidecar {
            height,
            tx,
            digest: d,
        }) => {
            assert_eq!((height, tx, d), (before.height + 1, seal.id(), digest));
        }
        other => panic!(
            "expected a missing sidecar, got {:?}",
            other.map(|o| o.record)
        ),
    }
    assert_eq!(
        chain.ledger.head().expect("head"),
        before,
        "nothing applied"
    );
    // Another transaction's sidecar under this digest is not accepted as this one's.
    let other = police.tx(
        "vault.seal",
        seal_body(Hash32([8; 32]), &[&police], Hash32([9; 32]), &survivor),
    );
    let wrong = other.sidecar().expect("sidecar").clone();
    assert!(matches!(
        chain
            .ledger
            .apply_block_with(&block, block_digest, &|_| None, &|_| Some(wrong.clone())),
        Err(LedgerError::MissingSidecar { .. })
    ));
    // With it, the seal commits, and the record reads its members from the sidecar.
    let out = chain
        .ledger
        .apply_block_with(&block, block_digest, &|_| None, &|d| {
            (*d == digest).then(|| seal.sidecar().expect("sidecar").clone())
        })
        .expect("applies");
    assert_eq!(out.record.committed, vec![seal.id()]);
    let reader = chain.ledger.state_reader().expect("reader");
    let view = unchain_vault::state::record(&reader, &Hash32([7; 32]))
        .expect("read")
        .expect("record");
    assert_eq!(view.record.subject, Some(survivor.public_key()));
    assert_eq!(view.record.tokens.len(), 1);
}

/// A node that joins after an erasure cannot replay the erased seal (its sidecar is gone
/// everywhere): it waits at that block. It starts from a snapshot taken after the erasure
/// instead, reaches the same state root, and holds nothing of the erased record.
#[test]
fn a_node_that_joins_after_an_erasure_syncs_to_the_same_root_and_cannot_replay_the_seal() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut police = org(1, "th-police");
    let mut chain = new_chain(dir.path(), &[&police]);
    let survivor = SigningKey::from_seed([42; 32]);
    let token = Hash32::digest(b"the token of +66 81 234 5678");
    let id = Hash32([7; 32]);
    let keep = police.tx(
        "vault.seal",
        seal_body(Hash32([8; 32]), &[&police], Hash32([5; 32]), &survivor),
    );
    let seal = police.tx("vault.seal", seal_body(id, &[&police], token, &survivor));
    let erase = police.tx(
        "vault.erase",
        json!({"record": id.to_hex(), "reason": "owner_request"}),
    );
    let blocks: Vec<Vec<&Transaction>> = vec![vec![&keep], vec![&seal], vec![&erase]];
    for txs in &blocks {
        assert!(chain.apply(txs).iter().all(Option::is_none));
    }
    let head = chain.ledger.head().expect("head");

    // Replaying from genesis: what every node still holds is the kept record's sidecar.
    let replay_dir = tempfile::tempdir().expect("tmp");
    let replay = unchain_ledger::Ledger::open(
        &replay_dir.path().join("replay.redb"),
        chain.genesis.clone(),
        vec![Arc::new(VaultModule::new(&chain.genesis))],
        None,
    )
    .expect("open");
    let held = keep.sidecar().expect("sidecar").clone();
    let proposer = chain.genesis.members[0].signing_key;
    let mut time_ms = unchain_testkit::GENESIS_TIME_MS;
    for (i, txs) in blocks.iter().enumerate() {
        time_ms += 1000;
        let block = replay
            .head()
            .expect("head")
            .next_block(time_ms, proposer, txs);
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        let out = replay.apply_block_with(&block, digest, &|_| None, &|d| {
            (*d == held.digest()).then(|| held.clone())
        });
        if i == 0 {
            out.expect("the kept record replays");
        } else {
            let err = out.expect_err("the erased seal cannot replay");
            assert!(
                matches!(err, LedgerError::MissingSidecar { tx, .. } if tx == seal.id()),
                "{err}"
            );
            assert!(err.to_string().contains("--sync-from"), "{err}");
            break;
        }
    }

    // From a snapshot after the erasure: the same root, and none of the erased record.
    let mut chunks = Vec::new();
    let manifest = chain
        .ledger
        .export_snapshot(1 << 20, &mut |_, bytes| {
            chunks.push(bytes.to_vec());
            Ok(())
        })
        .expect("export after the erasure");
    assert_eq!(manifest.height, head.height);
    let synced_dir = tempfile::tempdir().expect("tmp");
    let (synced, _) = unchain_ledger::Ledger::restore_snapshot(
        &synced_dir.path().join("synced.redb"),
        chain.genesis.clone(),
        vec![Arc::new(VaultModule::new(&chain.genesis))],
        None,
        &manifest,
        &mut |i| chunks.get(i).cloned().ok_or_else(|| "no such chunk".into()),
        &mut |_, _| {},
    )
    .expect("restores");
    assert_eq!(synced.head().expect("head").state_root, head.state_root);
    let mut secrets = Secrets {
        needles: Vec::new(),
    };
    secrets.add_hex("token", &token.to_hex());
    for chunk in &chunks {
        assert_eq!(
            secrets.found_in(chunk),
            Vec::<String>::new(),
            "a snapshot chunk"
        );
    }
    drop(synced);
    for (path, bytes) in every_file(synced_dir.path()) {
        assert_eq!(
            secrets.found_in(&bytes),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}
