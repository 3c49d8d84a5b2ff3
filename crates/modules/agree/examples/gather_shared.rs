//! What fact schema version 2 costs: gathering an agreement's facts when the vault holds
//! `N` records (`UNCHAIN_RECORDS`, default 10 000), every one owned by a party and
//! shared with the other, against version 1's facts over the same state.
//!
//! `cargo run --release -p unchain-agree --example gather_shared`

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_seal::{ContentKey, WrappedKey, commitment, record_key_info, seal_payload};
use unchain_testkit::{Chain, Org};
use unchain_types::Hash32;

const CHAIN: &str = "gather-bench";

fn modules(g: &Genesis) -> Vec<Arc<dyn AnyModule>> {
    vec![
        Arc::new(unchain_vault::VaultModule::new(g)),
        Arc::new(unchain_cases::CasesModule),
        Arc::new(unchain_supply::SupplyModule),
        Arc::new(unchain_recruit::RecruitModule),
        Arc::new(unchain_agree::AgreeModule),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[allow(clippy::disallowed_methods)] // a benchmark reads the clock
fn main() {
    let n: usize = std::env::var("UNCHAIN_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tmp");
    let roles = [
        Role::Governance,
        Role::Records,
        Role::Cases,
        Role::Agreements,
    ];
    let mut owner = Org::new(CHAIN, 1, "th-police", &roles);
    let other = Org::new(CHAIN, 2, "th-ngo", &roles);
    let mut chain = Chain::new(dir.path(), &[&owner, &other], modules);
    let start = Instant::now();
    let mut batch = Vec::new();
    for i in 0..n {
        let id = Hash32::digest(format!("record {i}").as_bytes());
        let key = ContentKey::generate();
        let ciphertext = seal_payload(&key, &id, 1, b"FICTIONAL");
        let recipients: BTreeMap<String, String> = [&owner, &other]
            .iter()
            .map(|o| {
                let info = record_key_info(CHAIN, &id, 1, &o.name);
                let w = WrappedKey::wrap_content_key(&key, &o.enc.public_key(), &info);
                (o.name.clone(), w.to_hex())
            })
            .collect();
        batch.push(owner.tx(
            "vault.seal",
            json!({"record": id.to_hex(), "version": 1, "schema": "case.note",
                "commitment": commitment(&ciphertext).to_hex(), "size": ciphertext.len(),
                "recipients": recipients,
                "policy": {"retention_days": 365, "consent_required": false}}),
        ));
        if batch.len() == 500 || i + 1 == n {
            let refs: Vec<_> = batch.iter().collect();
            let out = chain.apply(&refs);
            assert!(
                out.iter().all(Option::is_none),
                "{:?}",
                out.iter().find(|o| o.is_some())
            );
            batch.clear();
        }
    }
    println!(
        "sealed {n} records shared between two parties in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let reader = chain.ledger.state_reader().expect("reader");
    let parties = vec!["th-police".to_owned(), "th-ngo".to_owned()];
    let head = chain.ledger.head().expect("head");
    for version in [1, 2] {
        let mut times = Vec::new();
        let mut recorded_times = Vec::new();
        let mut rows = (0, 0);
        let mut shared = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let facts = unchain_agree::facts::gather(
                &reader,
                &parties,
                head.height,
                head.timestamp_ms,
                version,
            );
            times.push(t.elapsed().as_secs_f64() * 1e3);
            // As an evaluation gathers them: every row read recorded.
            let t = Instant::now();
            let (recorded, reads) = unchain_agree::facts::gather_reads(
                &reader,
                &parties,
                head.height,
                head.timestamp_ms,
                version,
            );
            recorded_times.push(t.elapsed().as_secs_f64() * 1e3);
            rows = (reads.rows.len(), reads.withheld.rows);
            assert_eq!(recorded.ok(), facts.as_ref().ok().cloned());
            shared = match facts {
                Ok(f) => f["vault"]["shared"].as_array().map_or(0, Vec::len),
                Err(_) => usize::MAX,
            };
        }
        println!(
            "schema version {version}: gathering the facts took {:.1} ms (median of 5); vault.shared holds {}",
            median(times),
            if shared == usize::MAX {
                "too many (an error outcome)".to_owned()
            } else {
                shared.to_string()
            }
        );
        println!(
            "  recording the rows read, as an evaluation does: {:.1} ms; {} rows disclosed, {} withheld",
            median(recorded_times),
            rows.0,
            rows.1
        );
    }
}
