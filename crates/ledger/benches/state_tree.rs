//! The authenticated state on its own: committing a block's writes into a tree of many
//! keys, proving a key's value or absence, and verifying a proof — with the proof's size.
//!
//! `UNCHAIN_BENCH_STATE_KEYS=1000000 cargo bench -p unchain-ledger --bench state_tree`
//! (default 100 000 keys, loaded in blocks of 10 000 before measuring).
// Criterion's macros generate undocumented items. And this is a benchmark, not execution:
// it reads its size from the environment and times its own loading (the ledger's ban on
// clocks and the environment guards block execution).
#![allow(missing_docs, clippy::disallowed_methods)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use redb::ReadableDatabase as _;
use unchain_bundle::state::StateProof;
use unchain_ledger::authenticated::{commit, prove, root_at};
use unchain_ledger::state::Writes;

const LOAD_BLOCK: u64 = 10_000;

fn key(i: u64) -> Vec<u8> {
    format!("custody/item/{:064x}", i).into_bytes()
}

fn value(i: u64, version: u64) -> Vec<u8> {
    format!(
        "{{\"events\":{version},\"holder\":\"org-{}\",\"description\":\"evidence item {i}\"}}",
        i % 7
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let keys: u64 = std::env::var("UNCHAIN_BENCH_STATE_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tmp");
    let db = redb::Database::create(dir.path().join("state.redb")).expect("db");
    let started = std::time::Instant::now();
    let mut version = 0;
    for start in (0..keys).step_by(LOAD_BLOCK as usize) {
        let writes: Writes = (start..(start + LOAD_BLOCK).min(keys))
            .map(|i| (key(i), Some(value(i, 0))))
            .collect();
        let txn = db.begin_write().expect("write");
        commit(&txn, version, writes).expect("commit");
        txn.commit().expect("commit");
        version += 1;
    }
    let size = std::fs::metadata(dir.path().join("state.redb"))
        .expect("size")
        .len();
    eprintln!(
        "loaded {keys} keys in {:.1} s; database {:.1} MB",
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );

    // One block of 1 000 writes (overwrites of existing keys) on top of the tree: what a
    // block of 1 000 transactions that each write one key adds to block application.
    let mut g = c.benchmark_group("state_tree");
    g.sample_size(10);
    let next = std::cell::Cell::new(version);
    g.bench_function(format!("commit 1000 writes into {keys} keys"), |b| {
        b.iter_batched(
            || {
                let v = next.get();
                next.set(v + 1);
                let writes = (0..1000u64)
                    .map(|j| {
                        let i = (v * 7919 + j * 104_729) % keys;
                        (key(i), Some(value(i, v)))
                    })
                    .collect::<Writes>();
                (v, writes)
            },
            |(v, writes)| {
                let txn = db.begin_write().expect("write");
                commit(&txn, v, writes).expect("commit");
                txn.commit().expect("commit");
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
    let version = next.get() - 1;

    let txn = db.begin_read().expect("read");
    let root = root_at(&txn, version).expect("root").expect("kept");
    let present = key(keys / 2);
    let absent = b"custody/item/not-there".to_vec();
    let (v, p) = prove(&txn, version, &present).expect("prove");
    let proof = StateProof::new("custody/item/x", v.as_deref(), &p);
    let (_, pa) = prove(&txn, version, &absent).expect("prove");
    let proof_absent = StateProof::new("custody/item/not-there", None, &pa);
    eprintln!(
        "proof of a value: {} bytes (base64 {} characters); of an absence: {} characters",
        proof.proof.len() * 3 / 4,
        proof.proof.len(),
        proof_absent.proof.len()
    );
    let mut g = c.benchmark_group("state_proof");
    g.bench_function(format!("prove a key among {keys}"), |b| {
        b.iter(|| prove(&txn, version, &present).expect("prove"))
    });
    let proof = StateProof::new(
        std::str::from_utf8(&present).expect("utf-8"),
        v.as_deref(),
        &p,
    );
    g.bench_function("verify a proof of a value", |b| {
        b.iter(|| proof.verify(&root).expect("verifies"))
    });
    g.bench_function("verify a proof of an absence", |b| {
        b.iter(|| proof_absent.verify(&root).expect("verifies"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
