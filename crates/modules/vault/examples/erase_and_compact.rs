//! What an erasure costs a node's storage: a ledger of N sealed records (each with five
//! tokens, a wrapped key and a survivor's key, in blocks of 100), one record erased, then
//! `Ledger::compact` — the pass a node makes after every block that erased state, holding
//! the ledger for its duration. Prints the file size before and after and the time taken.
//!
//!   cargo run --release -p unchain-vault --example erase_and_compact [N]
// A benchmark reads the clock; ledger execution, which the modules' rule is for, does not.
#![allow(clippy::disallowed_methods)]

use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use unchain_ledger::Role;
use unchain_seal::{ContentKey, WrappedKey, record_key_info};
use unchain_testkit::{Chain, Org};
use unchain_types::{Hash32, SigningKey, Transaction};

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("tmp");
    let mut org = Org::new("bench", 1, "th-police", &[Role::Governance, Role::Records]);
    let mut chain = Chain::new(dir.path(), &[&org], |g| {
        vec![Arc::new(unchain_vault::VaultModule::new(g))]
    });
    let key = ContentKey::generate();
    let started = Instant::now();
    for block in 0..n.div_ceil(100) {
        let txs: Vec<Transaction> = (block * 100..((block + 1) * 100).min(n))
            .map(|i| {
                let id = Hash32::digest(&i.to_be_bytes());
                let info = record_key_info("bench", &id, 1, "th-police");
                let wrapped = WrappedKey::wrap_content_key(&key, &org.enc.public_key(), &info);
                let tokens: Vec<_> = (0..5u8)
                    .map(|t| {
                        json!({"kind": "phone", "epoch": 1,
                        "token": Hash32::digest(&[&i.to_be_bytes()[..], &[t]].concat())})
                    })
                    .collect();
                let subject = SigningKey::from_seed(Hash32::digest(&id.0).0).public_key();
                org.tx(
                    "vault.seal",
                    json!({"record": id, "version": 1, "schema": "htcds.person",
                        "commitment": Hash32::digest(&id.0), "size": 100,
                        "recipients": {"th-police": wrapped.to_hex()},
                        "policy": {"retention_days": 3650, "consent_required": false},
                        "subject": subject, "tokens": tokens}),
                )
            })
            .collect();
        // The daily token quota (1 000 per organisation) is two blocks' seals: every
        // other block starts a day later.
        if block % 2 == 0 {
            chain.time_ms += 86_400_000;
        }
        let out = chain.apply(&txs.iter().collect::<Vec<_>>());
        assert!(
            out.iter().all(Option::is_none),
            "{:?}",
            out.iter().flatten().next()
        );
    }
    let size = || {
        std::fs::metadata(dir.path().join("ledger.redb"))
            .expect("meta")
            .len()
    };
    println!(
        "{n} seals applied in {:.1} s; ledger file {:.1} MiB",
        started.elapsed().as_secs_f64(),
        size() as f64 / 1048576.0
    );
    let id = Hash32::digest(&(n / 2).to_be_bytes());
    let erase = org.tx(
        "vault.erase",
        json!({"record": id, "reason": "owner_request"}),
    );
    let t = Instant::now();
    chain.ok(&erase);
    println!(
        "erasure applied in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    assert!(chain.ledger.compact().expect("compacts"));
    println!(
        "compacted in {:.2} s; ledger file {:.1} MiB",
        t.elapsed().as_secs_f64(),
        size() as f64 / 1048576.0
    );
}
