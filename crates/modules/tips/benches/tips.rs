//! What a tip costs the node that receives it: deriving a receipt code's keys (one
//! Argon2id, the step abuse limits ration), sealing a report to the intake and the
//! reporter, and stripping a photo's metadata.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use unchain_tips::intake;
use unchain_tips::receipt::{ReceiptCode, ReceiptKeys};
use unchain_types::EncryptionSecretKey;

fn report() -> serde_json::Value {
    json!({
        "type": "report", "form": "report", "lang": "en", "seen": ["forced_work"],
        "location": "Pier 9", "when": "last week", "danger": "yes",
        "description": "x".repeat(2_000), "contacts": "+66 81 234 5678", "attachments": [],
    })
}

fn bench(c: &mut Criterion) {
    let code = ReceiptCode::generate();
    c.bench_function("receipt code → keys (Argon2id m=19 MiB t=2)", |b| {
        b.iter(|| ReceiptKeys::derive(&code, "bench-chain", "ngo"))
    });
    let org = EncryptionSecretKey::generate(&mut rand::rngs::OsRng);
    c.bench_function("new tip: code, keys, seal a 2 KB report", |b| {
        b.iter(|| {
            intake::new_tip(
                "bench-chain",
                ("ngo", &org.public_key()),
                "report",
                &report(),
                &[],
                0,
            )
        })
    });
    let photo = {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x12];
        j.extend_from_slice(b"Exif\0\0GPS-----");
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0]);
        j.extend(std::iter::repeat_n(0x55u8, 4 * 1024 * 1024));
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    };
    c.bench_function("strip a 4 MiB JPEG's metadata", |b| {
        b.iter(|| unchain_tips::strip::clean(&photo).expect("jpeg"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
