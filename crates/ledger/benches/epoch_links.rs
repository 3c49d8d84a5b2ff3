//! What a light client pays to learn a later epoch's validators from genesis alone: the
//! size of an epoch link (an epoch-end checkpoint cosigned by four validators, and the
//! proof of the `validators` key in its state) and the time to verify a chain of 100.
//!
//! `cargo bench -p unchain-ledger --bench epoch_links`
// Criterion's macros generate undocumented items; a benchmark times its own setup (the
// ledger's ban on clocks guards block execution, not this).
#![allow(missing_docs, clippy::disallowed_methods)]

use criterion::{Criterion, criterion_group, criterion_main};
use unchain_bundle::epochs::verify_epoch_links;
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Member, Role};
use unchain_log::{NamedKey, SignedNote};
use unchain_types::{EncryptionSecretKey, Hash32, SigningKey};

const EPOCH: u64 = 4;
const EPOCHS: u64 = 100;
const VALIDATORS: u8 = 4;

fn bench(c: &mut Criterion) {
    let keys: Vec<SigningKey> = (0..VALIDATORS)
        .map(|i| SigningKey::from_seed([i + 1; 32]))
        .collect();
    let encryption = EncryptionSecretKey::from_hex(&"11".repeat(32)).expect("hex");
    let genesis = Genesis {
        chain_id: "bench-chain".into(),
        log_origin: "unchain/bench-chain".into(),
        matching_key: None,
        epoch_length: Some(EPOCH),
        genesis_time_ms: 1_700_000_000_000,
        members: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Member {
                name: format!("org-{i}"),
                display_name: format!("Org {i}"),
                jurisdiction: "TH".into(),
                sector: None,
                roles: [Role::Governance].into_iter().collect(),
                signing_key: k.public_key(),
                encryption_key: encryption.public_key(),
                validator: true,
            })
            .collect(),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Ledger::open(
        &dir.path().join("l.redb"),
        genesis.clone(),
        Vec::new(),
        Some(CheckpointSigner {
            name: "org-0".into(),
            key: keys[0].clone(),
        }),
    )
    .expect("ledger");
    for epoch in 1..=EPOCHS {
        while ledger.head().expect("head").height < ledger.last_height_of(epoch - 1) {
            let head = ledger.head().expect("head");
            let block = head.next_block(head.timestamp_ms + 1000, keys[0].public_key(), &[]);
            let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
            ledger.apply_block(&block, digest).expect("apply");
        }
        let body = ledger
            .epoch_end_body(epoch)
            .expect("read")
            .expect("applied");
        let mut note = SignedNote::new(body.body());
        for (i, k) in keys.iter().enumerate() {
            note.sign(&format!("org-{i}"), k).expect("sign");
        }
        ledger.store_epoch_note(&note).expect("cosigned");
    }
    let links = ledger.epoch_links().expect("links");
    assert_eq!(links.len() as u64, EPOCHS);
    let bytes = serde_json::to_vec(&links).expect("json").len();
    eprintln!(
        "{EPOCHS} epoch links of {VALIDATORS} validators: {bytes} bytes of JSON, {} per link",
        bytes / EPOCHS as usize
    );
    let genesis_set: Vec<NamedKey> = genesis
        .members
        .iter()
        .map(|m| NamedKey {
            name: m.name.clone(),
            key: m.signing_key,
        })
        .collect();
    let mut g = c.benchmark_group("epoch_links");
    g.bench_function("verify_100_epochs_of_4_validators", |b| {
        b.iter(|| {
            verify_epoch_links(&genesis_set, EPOCH, &genesis.log_origin, &links).expect("verifies")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
