//! Transaction benchmarks: parse + canonicalise, single signature verification, and batch
//! verification of 1 024 signatures (the bound `unchain bench` compares against).
#![allow(missing_docs)] // criterion macros generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use unchain_types::{SigningKey, Transaction, UnsignedTransaction, keys::verify_batch};

fn sample(key: &SigningKey, nonce: u64) -> Transaction {
    UnsignedTransaction {
        chain_id: "bench".into(),
        sender: key.public_key(),
        nonce,
        kind: "notary.anchor".into(),
        body: json!({"hash": "ab".repeat(32), "doc_type": "report", "description": "load generator document"}),
    }
    .sign(key)
    .expect("sign")
}

fn benches(c: &mut Criterion) {
    let key = SigningKey::from_seed([3; 32]);
    let tx = sample(&key, 1);
    let bytes = tx.leaf_bytes().to_vec();
    c.bench_function("tx/parse_and_canonicalise", |b| {
        b.iter(|| Transaction::parse(black_box(&bytes)).expect("parse"))
    });
    c.bench_function("tx/verify_signature", |b| {
        b.iter(|| black_box(&tx).verify_signature().expect("valid"))
    });
    let txs: Vec<_> = (1..=1024).map(|n| sample(&key, n)).collect();
    let mut g = c.benchmark_group("tx/verify_batch");
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.bench_function("1024", |b| {
        b.iter(|| {
            assert!(verify_batch(txs.iter().map(|t| (
                t.sender(),
                t.signature(),
                t.signing_bytes()
            ))))
        })
    });
    g.finish();
}

criterion_group!(tx, benches);
criterion_main!(tx);
