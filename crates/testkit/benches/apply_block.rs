//! Applying one block of 5 000 transactions: half `notary.anchor`, half `vault.seal` (a
//! larger body, with recipients and blind-index tokens), from five organisations.
//!
//! Two paths: a block whose transactions this node's mempool admitted already (`mempool`:
//! the transactions come parsed and checked), and a block from a peer (`peer`: every
//! transaction is parsed from its bytes). Each iteration applies the block to a fresh ledger.
//!
//! `cargo bench -p unchain-testkit --bench apply_block`
#![allow(missing_docs)] // criterion macros generate undocumented items

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::sync::Arc;
use unchain_ledger::{CheckedTx, Ledger, Role};
use unchain_seal::{
    ContentKey, IdentifierKind, WrappedKey, commitment, record_key_info, seal_payload,
};
use unchain_testkit::{Chain, Org};
use unchain_types::{Hash32, Transaction};

const TXS: usize = 5_000;
const ORGS: u8 = 5;

fn transactions(orgs: &mut [Org], chain_id: &str) -> Vec<Transaction> {
    let mut txs = Vec::with_capacity(TXS);
    let key = ContentKey::generate();
    for i in 0..TXS {
        let n = orgs.len();
        let org = &mut orgs[i % n];
        if i % 2 == 0 {
            let hash = Hash32::digest(format!("document {i}").as_bytes());
            txs.push(org.tx(
                "notary.anchor",
                json!({"hash": hash.to_hex(), "doc_type": "report",
                       "description": "labour inspection report", "document_date": "2026-03-14"}),
            ));
        } else {
            let id = Hash32::digest(format!("record {i}").as_bytes());
            let ct = seal_payload(&key, &id, 1, b"a survivor's record, sealed");
            let wrapped = WrappedKey::wrap_content_key(
                &key,
                &org.enc.public_key(),
                &record_key_info(chain_id, &id, 1, &org.name),
            );
            let token = Hash32::digest(format!("phone {i}").as_bytes());
            txs.push(org.tx(
                "vault.seal",
                json!({
                    "record": id.to_hex(), "version": 1, "schema": "htcds.person",
                    "commitment": commitment(&ct).to_hex(), "size": ct.len(),
                    "recipients": {org.name.clone(): wrapped.to_hex()},
                    "policy": {"retention_days": 3650, "consent_required": false},
                    "tokens": [{"kind": IdentifierKind::Phone, "token": token.to_hex(), "epoch": 1}],
                }),
            ));
        }
    }
    txs
}

fn bench(c: &mut Criterion) {
    let chain_id = "bench-chain";
    let mut orgs: Vec<Org> = (1..=ORGS)
        .map(|i| {
            Org::new(
                chain_id,
                i,
                &format!("org-{i}"),
                &[Role::Records, Role::Notary, Role::Governance],
            )
        })
        .collect();
    let modules = |g: &unchain_ledger::Genesis| -> Vec<Arc<dyn unchain_ledger::AnyModule>> {
        vec![
            Arc::new(unchain_notary::NotaryModule),
            Arc::new(unchain_vault::VaultModule::new(g)),
        ]
    };
    let setup_dir = tempfile::tempdir().expect("tmp");
    let chain = Chain::new(setup_dir.path(), &orgs.iter().collect::<Vec<_>>(), modules);
    let genesis = chain.genesis.clone();
    let txs = transactions(&mut orgs, chain_id);
    let refs: Vec<&Transaction> = txs.iter().collect();
    let head = chain.ledger.head().expect("head");
    let block = head.next_block(
        head.timestamp_ms + 1000,
        genesis.members[0].signing_key,
        &refs,
    );
    let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
    // What the mempool keeps for each transaction it admitted.
    let checked: std::collections::HashMap<Vec<u8>, CheckedTx> = txs
        .iter()
        .map(|t| {
            let admitted = chain
                .ledger
                .check_tx(t, Some(t.nonce()))
                .expect("admissible");
            (
                t.leaf_bytes().to_vec(),
                CheckedTx {
                    tx: Arc::new(t.clone()),
                    body: admitted.body,
                },
            )
        })
        .collect();
    drop(chain);
    // What a node's sidecar store holds: the erasable members of the `vault.seal`s.
    let sidecars: std::collections::HashMap<Hash32, unchain_types::sidecar::Sidecar> = txs
        .iter()
        .filter_map(|t| t.sidecar())
        .map(|s| (s.digest(), s.clone()))
        .collect();
    let stored = |d: &Hash32| sidecars.get(d).cloned();

    let fresh = || {
        let dir = tempfile::tempdir().expect("tmp");
        let ledger = Ledger::open(
            &dir.path().join("ledger.redb"),
            genesis.clone(),
            modules(&genesis),
            None,
        )
        .expect("open");
        (dir, ledger)
    };
    let check = |out: unchain_ledger::BlockOutcome| {
        assert_eq!(
            out.record.committed.len(),
            TXS,
            "{:?}",
            out.record.rejected.first()
        );
    };

    let mut group = c.benchmark_group("apply_block");
    group.sample_size(10);
    group.bench_function("5000_txs_from_peer", |b| {
        b.iter_batched(
            fresh,
            |(dir, ledger)| {
                let out = ledger
                    .apply_block_with(&block, digest, &|_| None, &stored)
                    .expect("apply");
                check(out);
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("5000_txs_from_mempool", |b| {
        b.iter_batched(
            fresh,
            |(dir, ledger)| {
                let out = ledger
                    .apply_block_with(
                        &block,
                        digest,
                        &|bytes| checked.get(bytes).cloned(),
                        &stored,
                    )
                    .expect("apply");
                check(out);
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
