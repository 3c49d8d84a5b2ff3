//! What a tip costs the node that receives it: deriving a receipt code's keys (one
//! Argon2id, the step abuse limits ration), sealing a report to the intake and the
//! reporter, and stripping a photo's metadata.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use unchain_tips::client;
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
            client::new_tip(
                "bench-chain",
                ("ngo", &org.public_key()),
                "report",
                &report(),
                &[],
                0,
            )
        })
    });
    // A 12-megapixel photo with texture (a deterministic noise), as a phone takes it.
    let photo = {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let picture = image::RgbImage::from_fn(4000, 3000, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed & 0x3F) as u32;
            image::Rgb([
                ((x / 16 + n) % 256) as u8,
                ((y / 12 + n) % 256) as u8,
                ((x + y) / 28 % 256) as u8,
            ])
        });
        unchain_tips::strip::image::encode_jpeg(&image::DynamicImage::ImageRgb8(picture))
            .expect("encode")
    };
    c.bench_function("rebuild a 12-megapixel JPEG from its pixels", |b| {
        b.iter(|| unchain_tips::strip::clean(&photo).expect("jpeg"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
