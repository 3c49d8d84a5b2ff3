//! Seal and open throughput: payload encryption plus HPKE key wrapping, as a sealer and a
//! recipient pay them per record.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unchain_seal::{ContentKey, WrappedKey, open_payload, record_key_info, seal_payload};
use unchain_types::{EncryptionSecretKey, Hash32};

fn bench(c: &mut Criterion) {
    let mut rng = rand::thread_rng();
    let recipients: Vec<EncryptionSecretKey> = (0..3)
        .map(|_| EncryptionSecretKey::generate(&mut rng))
        .collect();
    let record = Hash32([9; 32]);
    let mut group = c.benchmark_group("vault");
    for size in [1024usize, 64 * 1024] {
        let payload = vec![0x5au8; size];
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(
            BenchmarkId::new("seal_3_recipients", size),
            &payload,
            |b, p| {
                b.iter(|| {
                    let key = ContentKey::generate();
                    let sealed = seal_payload(&key, &record, 1, p);
                    let wrapped: Vec<WrappedKey> = recipients
                        .iter()
                        .map(|r| {
                            WrappedKey::wrap_content_key(
                                &key,
                                &r.public_key(),
                                &record_key_info("bench", &record, 1, "m"),
                            )
                        })
                        .collect();
                    (sealed, wrapped)
                })
            },
        );
        let key = ContentKey::generate();
        let sealed = seal_payload(&key, &record, 1, &payload);
        let info = record_key_info("bench", &record, 1, "m");
        let wrapped = WrappedKey::wrap_content_key(&key, &recipients[0].public_key(), &info);
        group.bench_with_input(BenchmarkId::new("open", size), &sealed, |b, s| {
            b.iter(|| {
                let key = wrapped
                    .unwrap_content_key(&recipients[0], &info)
                    .expect("opens");
                open_payload(&key, &record, 1, s).expect("opens")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
