//! HTCDS at migration scale: checking case documents against the standard, and turning
//! 10 000 victims into k-anonymous CTDC rows.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use unchain_htcds::{ctdc, sample, validate};

fn bench(c: &mut Criterion) {
    let docs = sample::documents(1, 1000);
    let checked: Vec<_> = docs.iter().map(|d| validate(d).expect("valid")).collect();
    let rows: Vec<ctdc::Row> = checked
        .iter()
        .cycle()
        .take(10_000)
        .enumerate()
        .flat_map(|(i, d)| ctdc::rows(d, 2020 + (i % 5) as i32))
        .collect();
    let mut group = c.benchmark_group("htcds");
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("validate_1000_documents", |b| {
        b.iter(|| {
            for d in &docs {
                validate(d).expect("valid");
            }
        })
    });
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("k_anonymise_10000_rows", |b| {
        // The rows are cloned outside the measurement: only the anonymising is timed.
        b.iter_batched(
            || rows.clone(),
            |r| ctdc::k_anonymise(r, 11),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
