//! State sync: exporting a snapshot of a ledger's state and restoring it into a new ledger
//! (every check included: the checkpoint, each chunk's hash, the rebuilt state root), with
//! the snapshot's size.
//!
//! `UNCHAIN_BENCH_SNAPSHOT_KEYS=1000000 cargo bench -p unchain-ledger --bench snapshot`
//! (default 100 000 keys; the state is loaded through blocks of a bench module that writes
//! 10 000 keys per transaction, like custody items: 64-hex-digit ids, ≈ 90-byte values).
// Criterion's macros generate undocumented items. And this is a benchmark, not execution:
// it reads its size from the environment and times its own loading.
#![allow(missing_docs, clippy::disallowed_methods)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::module::{ExecContext, ExecError, KindSpec, Module};
use unchain_ledger::{BodyError, CheckpointSigner, Genesis, Ledger, Member, Role};
use unchain_types::{EncryptionSecretKey, Hash32, SigningKey, UnsignedTransaction};

const PER_TX: u64 = 10_000;

/// Writes `count` keys from `from`: what a bench needs to fill a state fast.
struct Bulk;

struct Fill {
    from: u64,
    count: u64,
}

impl Module for Bulk {
    type Body = Fill;

    fn name(&self) -> &'static str {
        "bulk"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        &[KindSpec {
            kind: "bulk.fill",
            role: Role::Notary,
            summary: "writes many keys (benchmarks only)",
        }]
    }

    fn parse_body(&self, _: &str, body: &Value) -> Result<Fill, BodyError> {
        let n = |f: &str| {
            body[f]
                .as_u64()
                .ok_or_else(|| BodyError::new(f, "a number"))
        };
        Ok(Fill {
            from: n("from")?,
            count: n("count")?,
        })
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &Fill) -> Result<(), ExecError> {
        for i in body.from..body.from + body.count {
            let key = format!("bulk/item/{i:064x}");
            let value = format!(
                "{{\"events\":{},\"holder\":\"org-{}\",\"description\":\"evidence item {i}\"}}",
                i % 13,
                i % 7
            );
            ctx.state.put(key.as_bytes(), value.as_bytes())?;
        }
        Ok(())
    }
}

fn genesis(key: &SigningKey) -> Genesis {
    let encryption = EncryptionSecretKey::from_hex(&"11".repeat(32)).expect("hex");
    Genesis {
        chain_id: "bench-chain".into(),
        log_origin: "unchain/bench-chain".into(),
        matching_key: None,
        epoch_length: None,
        genesis_time_ms: 1_700_000_000_000,
        members: vec![Member {
            name: "bench-org".into(),
            display_name: "Bench".into(),
            jurisdiction: "TH".into(),
            sector: None,
            roles: [Role::Governance, Role::Notary].into_iter().collect(),
            signing_key: key.public_key(),
            encryption_key: encryption.public_key(),
            validator: true,
        }],
    }
}

fn bench(c: &mut Criterion) {
    let keys: u64 = std::env::var("UNCHAIN_BENCH_SNAPSHOT_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tmp");
    let key = SigningKey::from_seed([3; 32]);
    let genesis = genesis(&key);
    let signer = CheckpointSigner {
        name: "bench-org".into(),
        key: key.clone(),
    };
    // A lone validator cosigns its own checkpoints: the newest is final as signed.
    let source = Ledger::open(
        &dir.path().join("source.redb"),
        genesis.clone(),
        vec![Arc::new(Bulk)],
        Some(signer.clone()),
    )
    .expect("ledger");
    let started = std::time::Instant::now();
    for (n, from) in (0..keys).step_by(PER_TX as usize).enumerate() {
        let tx = UnsignedTransaction {
            chain_id: genesis.chain_id.clone(),
            sender: key.public_key(),
            nonce: n as u64 + 1,
            kind: "bulk.fill".into(),
            body: json!({"from": from, "count": PER_TX.min(keys - from)}),
        }
        .sign(&key)
        .expect("sign");
        let head = source.head().expect("head");
        let block = head.next_block(head.timestamp_ms + 1000, key.public_key(), &[&tx]);
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        let outcome = source.apply_block(&block, digest).expect("apply");
        assert_eq!(outcome.record.committed.len(), 1, "the fill committed");
    }
    eprintln!(
        "loaded {keys} keys in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let manifest = source
        .export_snapshot(unchain_ledger::snapshot::CHUNK_TARGET_BYTES, &mut |_, b| {
            chunks.push(b.to_vec());
            Ok(())
        })
        .expect("export");
    let chunk_bytes: usize = chunks.iter().map(Vec::len).sum();
    let manifest_bytes = serde_json::to_vec(&manifest).expect("json").len();
    eprintln!(
        "snapshot of {} entries: {} chunks, {:.1} MB of chunks, manifest {} bytes",
        manifest.entries,
        chunks.len(),
        chunk_bytes as f64 / 1e6,
        manifest_bytes
    );

    let mut g = c.benchmark_group("snapshot");
    g.sample_size(10);
    g.bench_function(format!("export {keys} keys"), |b| {
        b.iter(|| {
            source
                .export_snapshot(unchain_ledger::snapshot::CHUNK_TARGET_BYTES, &mut |_, _| {
                    Ok(())
                })
                .expect("export")
        })
    });
    let run = std::cell::Cell::new(0u32);
    g.bench_function(format!("restore {keys} keys, checked"), |b| {
        b.iter(|| {
            let path = dir.path().join(format!("restored-{}.redb", run.get()));
            run.set(run.get() + 1);
            let (ledger, report) = Ledger::restore_snapshot(
                &path,
                genesis.clone(),
                vec![Arc::new(Bulk)],
                Some(signer.clone()),
                &manifest,
                &mut |i| Ok(chunks[i].clone()),
                &mut |_, _| {},
            )
            .expect("restore");
            assert_eq!(report.entries, manifest.entries);
            drop(ledger);
            std::fs::remove_file(&path).expect("remove");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
