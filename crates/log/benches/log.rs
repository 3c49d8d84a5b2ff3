//! Transparency-log benchmarks: append, inclusion and consistency proofs on a tree of 10
//! million leaves (UNCHAIN_BENCH_LEAVES to change), and proof verification.
#![allow(missing_docs)] // criterion macros generate undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use unchain_log::{
    MemoryStore, append, consistency_proof, hash_leaf, inclusion_proof, root, verify_consistency,
    verify_inclusion,
};

fn leaves() -> u64 {
    std::env::var("UNCHAIN_BENCH_LEAVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

fn build(n: u64) -> MemoryStore {
    let mut store = MemoryStore::new();
    for i in 0..n {
        append(&mut store, i, hash_leaf(&i.to_le_bytes())).expect("append");
    }
    store
}

fn benches(c: &mut Criterion) {
    let n = leaves();
    let started = std::time::Instant::now();
    let store = build(n);
    eprintln!(
        "built a tree of {n} leaves in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Appends continue on one growing copy of the tree: amortised cost at ~n leaves.
    let mut grow = store.clone();
    let mut size = n;
    c.bench_function(&format!("log/append (tree of {n})"), |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            for _ in 0..iters {
                size = append(&mut grow, size, hash_leaf(&size.to_le_bytes())).expect("append");
            }
            start.elapsed()
        })
    });
    drop(grow);
    let mut idx = 0u64;
    c.bench_function(&format!("log/inclusion_proof (tree of {n})"), |b| {
        b.iter(|| {
            idx = (idx + 7_919) % n;
            black_box(inclusion_proof(&store, idx, n).expect("proof"))
        })
    });
    let r = root(&store, n).expect("root");
    let index = n / 3;
    let proof = inclusion_proof(&store, index, n).expect("proof");
    let leaf = hash_leaf(&index.to_le_bytes());
    c.bench_function(&format!("log/verify_inclusion (tree of {n})"), |b| {
        b.iter(|| verify_inclusion(black_box(&leaf), index, n, &proof, &r).expect("valid"))
    });
    let old = n / 2 + 12_345;
    c.bench_function(&format!("log/consistency_proof ({old} -> {n})"), |b| {
        b.iter(|| black_box(consistency_proof(&store, old, n).expect("proof")))
    });
    let cproof = consistency_proof(&store, old, n).expect("proof");
    let old_root = root(&store, old).expect("root");
    c.bench_function(&format!("log/verify_consistency ({old} -> {n})"), |b| {
        b.iter(|| verify_consistency(old, n, &old_root, &r, black_box(&cproof)).expect("valid"))
    });
}

criterion_group! {
    name = log;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(log);
