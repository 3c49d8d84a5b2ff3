//! What a court's verifier pays: checking a chain-of-custody bundle offline (checkpoint
//! signatures, every event's canonical form, signature and inclusion proof, and the rules
//! replayed), for items with 10 and 100 events.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use std::sync::Arc;
use unchain_custody::CustodyModule;
use unchain_custody::bundle::{CustodyBundle, build, carried_validators, verify};
use unchain_ledger::Role;
use unchain_testkit::{Chain, GENESIS_TIME_MS, Org};
use unchain_types::Hash32;

/// An item collected, then `n - 1` analyses, each in its own block; its bundle.
fn bundle(dir: &std::path::Path, n: usize) -> CustodyBundle {
    let mut org = Org::new("bench", 1, "th-police", &[Role::Governance, Role::Custody]);
    let mut chain = Chain::new(dir, &[&org], |_| vec![Arc::new(CustodyModule)]);
    let item = Hash32::digest(b"item");
    let base = json!({"item": item.to_hex(), "actor": "u-1", "at_ms": GENESIS_TIME_MS - 86_400_000,
                      "location": "Evidence room", "reason": "case 42"});
    let mut body = base.clone();
    body["evidence"] = json!("digital");
    body["content_hash"] = json!(item.to_hex());
    body["description"] = json!("disk image");
    let mut head = chain.ok(&org.tx("custody.collect", body));
    for _ in 1..n {
        let mut body = base.clone();
        body["prev"] = json!(head.to_string());
        body["method"] = json!("hash check");
        head = chain.ok(&org.tx("custody.analyse", body));
    }
    let (note, size) = chain.checkpoint();
    build(&chain.ledger, &item, note, size)
        .expect("build")
        .expect("item")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("custody");
    for n in [10usize, 100] {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = bundle(dir.path(), n);
        let validators = carried_validators(&b);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("verify_bundle_events", n),
            &b,
            |bench, b| bench.iter(|| verify(b, &validators, 1, &b.members).expect("verifies")),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
