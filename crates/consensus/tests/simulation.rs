//! Deterministic simulation of a four-validator consortium under faults (see `sim/mod.rs`).
//!
//! Every scenario is a function of its seed. CI runs the seeds below; a soak runs many:
//!
//! ```text
//! UNCHAIN_SIM_SEEDS=0..2000 cargo test --release -p unchain-consensus --test simulation
//! ```
//!
//! After every scenario the checker asserts that the honest validators hold the same block
//! hash, state root and log root at every height, that every transaction a client saw
//! committed is committed at the same log index on all of them, and that each has a log
//! checkpoint cosigned by more than two thirds of the validators.

mod sim;

use commonware_codec::{Decode as _, Encode as _};
use commonware_consensus::simplex::mocks::conflicter;
use commonware_cryptography::Sha256;
use commonware_p2p::utils::mux::Muxer;
use commonware_p2p::{Receiver as _, Recipients, Sender as _};
use commonware_runtime::{Clock, Metrics, Runner as _, Spawner, Storage as _};
use rand::{Rng, RngCore};
use sim::{Sim, anchor, cw_key, good_link, lossy_link, runner};
use std::time::Duration;
use unchain_consensus::{NAMESPACE, Scheme};
use unchain_types::Hash32;

const N: usize = 4;
const ALL: [usize; N] = [0, 1, 2, 3];
/// Seeds CI runs for the all-online scenario; the others run the first.
const CI_SEEDS: [u64; 3] = [1, 2, 3];

fn soak_seeds() -> Option<Vec<u64>> {
    let range = std::env::var("UNCHAIN_SIM_SEEDS").ok()?;
    let (a, b) = range
        .split_once("..")
        .expect("UNCHAIN_SIM_SEEDS is a range like 0..1000");
    Some((a.parse().expect("range start")..b.parse().expect("range end")).collect())
}

/// The all-online scenario's seeds: CI's three, or the soak range.
fn seeds() -> Vec<u64> {
    soak_seeds().unwrap_or_else(|| CI_SEEDS.to_vec())
}

/// The fault scenarios' seeds: CI's first, or the soak range.
fn fault_seeds() -> Vec<u64> {
    soak_seeds().unwrap_or_else(|| vec![CI_SEEDS[0]])
}

/// All validators online on good links, each taking load from its own client.
fn all_online(seed: u64) -> Hash32 {
    runner(seed).start(|context| async move {
        let mut sim = Sim::new(context, N, good_link()).await;
        for i in ALL {
            sim.start(i).await;
        }
        sim.wait_height(&ALL, 2).await;
        for i in ALL {
            sim.client(i, 100, Duration::from_millis(10));
        }
        sim.wait_acked(4 * 100).await;
        let top = *sim.heights(&ALL).iter().max().expect("nodes");
        sim.wait_height(&ALL, top + 2).await;
        let digest = sim.check(&ALL);
        assert!(sim.check_finality(&ALL).await > 0);
        digest
    })
}

#[test]
fn all_online_agree_and_lose_nothing() {
    for seed in seeds() {
        all_online(seed);
    }
}

#[test]
fn the_same_seed_gives_the_same_chain() {
    assert_eq!(all_online(7), all_online(7));
}

#[test]
fn slow_lossy_links_still_agree() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::new(context, N, lossy_link()).await;
            for i in ALL {
                sim.start(i).await;
            }
            sim.wait_height(&ALL, 2).await;
            for i in ALL {
                sim.client(i, 10, Duration::from_millis(100));
            }
            sim.wait_acked(4 * 10).await;
            let top = *sim.heights(&ALL).iter().max().expect("nodes");
            sim.wait_height(&ALL, top + 2).await;
            sim.check(&ALL);
        });
    }
}

#[test]
fn a_partition_without_quorum_stalls_then_heals() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::new(context, N, good_link()).await;
            for i in ALL {
                sim.start(i).await;
            }
            sim.wait_height(&ALL, 5).await;
            // Two against two: neither side has the three votes a block needs.
            sim.cut(&[0, 1], &[2, 3]).await;
            for i in ALL {
                sim.client(i, 20, Duration::from_millis(50));
            }
            sim.context.sleep(Duration::from_secs(3)).await;
            let stalled = sim.heights(&ALL);
            sim.context.sleep(Duration::from_secs(20)).await;
            assert_eq!(
                sim.heights(&ALL),
                stalled,
                "a minority partition finalized blocks"
            );
            sim.link(&ALL, &ALL, good_link()).await;
            sim.wait_acked(4 * 20).await;
            let top = *sim.heights(&ALL).iter().max().expect("nodes");
            assert!(
                top > *stalled.iter().max().expect("nodes"),
                "no progress after healing"
            );
            sim.wait_height(&ALL, top + 2).await;
            sim.check(&ALL);
        });
    }
}

#[test]
fn a_crashed_validator_restarts_and_catches_up() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::new(context, N, good_link()).await;
            for i in ALL {
                sim.start(i).await;
            }
            for i in [0, 1, 2] {
                sim.client(i, 60, Duration::from_millis(25));
            }
            sim.wait_height(&ALL, 4).await;
            sim.crash(3);
            let at_crash = sim.heights(&[3])[0];
            // The other three are a quorum and keep finalizing.
            sim.wait_height(&[0, 1, 2], at_crash + 20).await;
            assert_eq!(sim.heights(&[3])[0], at_crash, "a crashed node moved");
            sim.start(3).await;
            sim.wait_acked(3 * 60).await;
            let top = *sim.heights(&[0, 1, 2]).iter().max().expect("nodes");
            sim.wait_height(&ALL, top + 2).await;
            sim.check(&ALL);
        });
    }
}

#[test]
fn a_validator_proposing_invalid_blocks_is_outvoted() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::new(context, N, good_link()).await;
            for i in ALL {
                sim.start(i).await;
            }
            // Validator 0 admits a transaction with a forged signature without checking it
            // and puts it in every block it proposes; the others must refuse those blocks.
            let mut forged: serde_json::Value =
                serde_json::from_slice(anchor(&sim.clients[0], 1).leaf_bytes()).expect("json");
            let sig = forged["signature"].as_str().expect("signature").to_string();
            let flipped = if sig.starts_with('0') { "1" } else { "0" };
            forged["signature"] = format!("{flipped}{}", &sig[1..]).into();
            let forged = unchain_types::Transaction::parse(forged.to_string().as_bytes())
                .expect("well-formed");
            let forged_id = forged.id();
            sim.nodes[0]
                .mempool
                .submit(&sim.nodes[0].ledger, forged)
                .expect("validator 0 takes anything");
            sim.wait_height(&ALL, 2).await;
            for i in [1, 2, 3] {
                sim.client(i, 60, Duration::from_millis(25));
            }
            sim.wait_acked(3 * 60).await;
            let top = *sim.heights(&ALL).iter().max().expect("nodes");
            sim.wait_height(&ALL, top + 2).await;
            sim.check(&ALL);
            for i in ALL {
                assert_eq!(
                    sim.nodes[i].ledger.tx(&forged_id).expect("read"),
                    None,
                    "the forged transaction reached a block on validator {i}"
                );
            }
        });
    }
}

#[test]
fn an_equivocating_validator_sending_garbage_cannot_split_the_rest() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::new(context, N, good_link()).await;
            let honest = [1, 2, 3];
            for i in honest {
                sim.start(i).await;
            }
            // Validator 0 signs conflicting votes for every proposal it sees, and sends
            // random bytes on every other channel.
            let channels = sim.channels(0).await;
            let scheme = Scheme::signer(
                NAMESPACE,
                sim.participants.clone(),
                cw_key(&sim.validators[0]),
            )
            .expect("validator 0 is a participant");
            // Votes travel on each epoch's subchannel of the vote channel.
            let (mux, mut votes) = Muxer::new(
                sim.context.with_label("conflicter_mux"),
                channels.votes.0,
                channels.votes.1,
                1024,
            );
            mux.start();
            let votes = votes.register(0).await.expect("epoch 0 subchannel");
            conflicter::Conflicter::<_, Scheme, Sha256>::new(
                sim.context.with_label("conflicter"),
                conflicter::Config { scheme },
            )
            .start(votes);
            for (name, (mut sender, mut receiver)) in [
                ("certificates", channels.certificates),
                ("resolver", channels.resolver),
                ("broadcast", channels.broadcast),
                ("marshal", channels.marshal),
                ("txs", channels.txs),
                ("cosign", channels.cosign),
            ] {
                sim.context.with_label(&format!("garbage_{name}")).spawn(
                    move |mut ctx| async move {
                        loop {
                            let len = ctx.gen_range(0..2048);
                            let mut junk = vec![0u8; len];
                            ctx.fill_bytes(&mut junk);
                            let _ = sender.send(Recipients::All, junk, false).await;
                            ctx.sleep(Duration::from_millis(50)).await;
                        }
                    },
                );
                sim.context
                    .with_label(&format!("drain_{name}"))
                    .spawn(move |_| async move { while receiver.recv().await.is_ok() {} });
            }
            sim.wait_height(&honest, 2).await;
            for i in honest {
                sim.client(i, 60, Duration::from_millis(25));
            }
            sim.wait_acked(3 * 60).await;
            let top = *sim.heights(&honest).iter().max().expect("nodes");
            sim.wait_height(&honest, top + 2).await;
            sim.check(&honest);
        });
    }
}

#[test]
fn a_follower_that_joins_late_executes_and_serves_what_the_validators_agreed() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::with_followers(context, N, 1, good_link()).await;
            let follower = N;
            for i in ALL {
                sim.start(i).await;
            }
            for i in ALL {
                sim.client(i, 30, Duration::from_millis(25));
            }
            // It starts after the chain has moved on: everything before comes from backfill.
            sim.wait_height(&ALL, 8).await;
            sim.start(follower).await;
            // A transaction submitted to the follower reaches the validators by gossip.
            sim.client(follower, 10, Duration::from_millis(50));
            sim.wait_acked(4 * 30 + 10).await;
            let top = *sim.heights(&ALL).iter().max().expect("nodes");
            let everyone = [0, 1, 2, 3, follower];
            sim.wait_height(&everyone, top + 2).await;
            sim.check(&everyone);
        });
    }
}

/// A follower started after the chain crossed several epoch boundaries executes them from
/// backfill, then asks the validators for their signatures on each epoch end it holds no
/// note for, and ends up proving every epoch's validator set from genesis, as they do.
#[test]
fn a_follower_that_joins_epochs_late_proves_every_validator_set() {
    for seed in fault_seeds() {
        runner(seed).start(|context| async move {
            let mut sim = Sim::with_epochs(context, N, 1, good_link(), Some(EPOCH_LENGTH)).await;
            let follower = N;
            for i in ALL {
                sim.start(i).await;
            }
            for i in ALL {
                sim.client(i, 30, Duration::from_millis(25));
            }
            sim.wait_height(&ALL, 3 * EPOCH_LENGTH + 2).await;
            sim.start(follower).await;
            let top = *sim.heights(&ALL).iter().max().expect("nodes");
            let everyone = [0, 1, 2, 3, follower];
            sim.wait_height(&everyone, top + 2).await;
            let ledger = sim.nodes[follower].ledger.clone();
            let mut waited = 0;
            loop {
                let (epoch, _) = ledger.latest_epoch().expect("epoch");
                let held = ledger.epoch_links().expect("links").len() as u64;
                if held == epoch {
                    break;
                }
                assert!(
                    waited < 30,
                    "the late follower proves epochs up to {held} of {epoch} after {waited} s"
                );
                sim.context.sleep(Duration::from_secs(1)).await;
                waited += 1;
            }
            let genesis = ledger.genesis().clone();
            let genesis_set: Vec<unchain_log::NamedKey> = genesis.validator_keys();
            let links = ledger.epoch_links().expect("links");
            assert!(links.len() >= 3, "{} links", links.len());
            // The same epoch ends (each node keeps the quorum of signatures it gathered).
            let body = |l: &unchain_bundle::epochs::EpochLink| {
                unchain_log::SignedNote::parse(&l.checkpoint)
                    .expect("note")
                    .body
            };
            let theirs = sim.nodes[0].ledger.epoch_links().expect("links");
            for (a, b) in links.iter().zip(&theirs) {
                assert_eq!(body(a), body(b), "epoch {}", a.epoch);
            }
            let sets = unchain_bundle::epochs::verify_epoch_links(
                &genesis_set,
                genesis.epoch_length(),
                &genesis.log_origin,
                &links,
            )
            .expect("the follower's links verify from genesis");
            for e in 0..=links.len() as u64 {
                assert_eq!(
                    Some(sets.set_of(e)),
                    sim.nodes[0]
                        .ledger
                        .validator_set(e)
                        .expect("read")
                        .as_deref()
                );
            }
            sim.check(&everyone);
        });
    }
}

/// The vault channel hands a ciphertext only to organisations the ledger names: a sealed
/// record reaches its recipient's node and no other; a node that asks without a grant —
/// speaking the vault protocol directly with its own authenticated key — gets nothing
/// until it is granted access, and then gets it; erasure deletes it on every node.
fn vault_delivery(seed: u64) {
    use commonware_cryptography::Signer as _;
    use sim::signed;
    use unchain_consensus::blob_sync::BlobMessage;
    runner(seed).start(|context| async move {
        let mut sim = Sim::new(context.clone(), N, good_link()).await;
        // Node 2 runs no node: the test speaks for its key on the vault channel (three of
        // four validators are a quorum).
        for i in [0, 1, 3] {
            sim.start(i).await;
        }
        sim.wait_height(&[0, 1, 3], 2).await;
        let ciphertext: Vec<u8> = (0..2048u32).map(|i| (i * 7 + seed as u32) as u8).collect();
        let c = unchain_seal::commitment(&ciphertext);
        let record = Hash32([seed as u8; 32]);
        // Any 80 bytes: the vault channel never opens wrapped keys.
        let wrapped = "ab".repeat(80);
        sim.nodes[0]
            .vault
            .put(&c, &ciphertext)
            .expect("owner uploads");
        let owner = sim.validators[0].clone();
        let seal = signed(
            &owner,
            1,
            "vault.seal",
            serde_json::json!({
                "record": record, "version": 1, "schema": "case.note", "commitment": c,
                "size": ciphertext.len(), "recipients": {"v0": wrapped, "v1": wrapped},
                "policy": {"retention_days": 30, "consent_required": false},
            }),
        );
        sim.nodes[0]
            .mempool
            .submit(&sim.nodes[0].ledger, seal)
            .expect("seal admitted");
        while !sim.nodes[1].vault.has(&c) {
            context.sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            sim.nodes[1].vault.get(&c).expect("read"),
            Some(ciphertext.clone())
        );

        // v2 asks the owner's node and the recipient's node directly: nothing comes back.
        let (mut tx2, mut rx2) = sim.channels(2).await.vault;
        let want = BlobMessage::Want(c).encode();
        let peers = vec![
            cw_key(&sim.node_keys[0]).public_key(),
            cw_key(&sim.node_keys[1]).public_key(),
        ];
        tx2.send(Recipients::Some(peers.clone()), want.clone(), false)
            .await
            .expect("send");
        let reply = commonware_macros::select! {
            m = rx2.recv() => Some(m.expect("channel open")),
            _ = context.sleep(Duration::from_secs(5)) => None,
        };
        assert!(
            reply.is_none(),
            "a node without a grant received a vault reply"
        );
        context.sleep(Duration::from_secs(5)).await;
        assert!(
            !sim.nodes[3].vault.has(&c),
            "a node that is no recipient holds the ciphertext"
        );

        // Granted, v2 gets it on asking.
        let grant = signed(
            &owner,
            2,
            "vault.grant",
            serde_json::json!({
                "record": record, "version": 1, "recipient": "v2", "wrapped_key": wrapped,
                "purpose": "joint investigation", "legal_basis": "public_task",
            }),
        );
        sim.nodes[0]
            .mempool
            .submit(&sim.nodes[0].ledger, grant)
            .expect("grant admitted");
        while unchain_vault::state::may_hold(
            &sim.nodes[0].ledger.state_reader().expect("reader"),
            &c,
            "v2",
        )
        .expect("read")
        .is_err()
        {
            context.sleep(Duration::from_millis(50)).await;
        }
        tx2.send(Recipients::Some(peers), want, false)
            .await
            .expect("send");
        let (_, msg) = rx2.recv().await.expect("a reply");
        assert_eq!(
            BlobMessage::decode_cfg(msg.as_ref(), &(1 << 20)).expect("decodes"),
            BlobMessage::Blob(c, ciphertext.clone())
        );

        // Erasure: every node that held it deletes it.
        let erase = signed(
            &owner,
            3,
            "vault.erase",
            serde_json::json!({"record": record, "reason": "owner_request"}),
        );
        sim.nodes[0]
            .mempool
            .submit(&sim.nodes[0].ledger, erase)
            .expect("erase admitted");
        while sim.nodes[0].vault.has(&c) || sim.nodes[1].vault.has(&c) {
            context.sleep(Duration::from_millis(50)).await;
        }
        let top = *sim.heights(&[0, 1, 3]).iter().max().expect("nodes");
        sim.wait_height(&[0, 1, 3], top + 1).await;
        sim.check(&[0, 1, 3]);
    })
}

#[test]
fn ciphertexts_reach_only_recipients_over_the_vault_channel() {
    for seed in fault_seeds() {
        vault_delivery(seed);
    }
}

/// A seal's erasable members travel beside it, never in a block: a validator that was
/// down when it was gossiped fetches its sidecar from the others to execute the block, and
/// the record's erasure deletes the sidecar on every node.
fn sidecar_fetch_and_erasure(seed: u64) {
    runner(seed).start(|context| async move {
        let mut sim = Sim::new(context.clone(), N, good_link()).await;
        for i in [0, 1, 2] {
            sim.start(i).await;
        }
        sim.wait_height(&[0, 1, 2], 2).await;
        let owner = sim.validators[0].clone();
        let record = Hash32([seed as u8 ^ 0x5a; 32]);
        // The survivor's key: erasable, so in the sidecar (this chain has no matching key
        // for tokens).
        let token = unchain_types::SigningKey::from_seed([seed as u8; 32]).public_key();
        let seal = sim::signed(
            &owner,
            1,
            "vault.seal",
            serde_json::json!({
                "record": record, "version": 1, "schema": "case.note",
                "commitment": Hash32::digest(&record.0), "size": 10,
                "recipients": {"v0": "ab".repeat(80)},
                "policy": {"retention_days": 30, "consent_required": false},
                "subject": token,
            }),
        );
        let digest = seal.erasable().expect("a seal commits to its sidecar");
        sim.nodes[0]
            .mempool
            .submit(&sim.nodes[0].ledger, seal.clone())
            .expect("seal admitted");
        let committed_at = loop {
            match sim.nodes[0].ledger.tx(&seal.id()).expect("read") {
                Some(unchain_ledger::TxRecord::Committed { height, .. }) => break height,
                Some(other) => panic!("the seal did not commit: {other:?}"),
                None => {}
            }
            context.sleep(Duration::from_millis(50)).await;
        };
        sim.wait_height(&[0, 1, 2], committed_at).await;
        for i in [0, 1, 2] {
            assert!(
                sim.nodes[i].sidecars.has(&digest),
                "node {i} keeps the sidecar"
            );
            assert!(!sim.nodes[3].sidecars.has(&digest));
        }
        // Node 3 was down: its block archive brings leaf bytes only, so it asks its peers.
        sim.start(3).await;
        sim.wait_height(&[3], committed_at).await;
        assert!(
            sim.nodes[3].sidecars.has(&digest),
            "node 3 fetched the sidecar"
        );
        let top = *sim.heights(&[0, 1, 2]).iter().max().expect("nodes");
        sim.wait_height(&ALL, top + 1).await;
        sim.check(&ALL);

        let erase = sim::signed(
            &owner,
            2,
            "vault.erase",
            serde_json::json!({"record": record, "reason": "owner_request"}),
        );
        sim.nodes[0]
            .mempool
            .submit(&sim.nodes[0].ledger, erase)
            .expect("erase admitted");
        while ALL.iter().any(|&i| sim.nodes[i].sidecars.has(&digest)) {
            context.sleep(Duration::from_millis(50)).await;
        }
        for i in ALL {
            assert!(sim.nodes[i].ledger.sidecar_erased(&digest).expect("read"));
        }
        let top = *sim.heights(&ALL).iter().max().expect("nodes");
        sim.wait_height(&ALL, top + 1).await;
        sim.check(&ALL);
    })
}

#[test]
fn a_validator_that_missed_a_seal_fetches_its_sidecar_and_erasure_deletes_it_everywhere() {
    for seed in fault_seeds() {
        sidecar_fetch_and_erasure(seed);
    }
}

/// Blocks per epoch in the epoch scenario: short, so that it crosses several boundaries.
const EPOCH_LENGTH: u64 = 16;

/// How many of the certificates node `node` serves for heights `from..to` carry a signature
/// of `key`.
async fn signed_by(
    sim: &Sim,
    node: usize,
    heights: std::ops::Range<u64>,
    key: &unchain_types::PublicKey,
) -> usize {
    let ledger = &sim.nodes[node].ledger;
    let mut n = 0;
    for h in heights {
        let Some(cert) = sim.nodes[node].finalizations.get(h).await else {
            continue;
        };
        let keys = sim.epoch_keys(node, h);
        let digest = ledger.block_roots(h).expect("read").expect("block").digest;
        let v = unchain_consensus::certificates::verify_finalization(&cert.bytes, &keys, &digest)
            .unwrap_or_else(|e| panic!("height {h}: {e}"));
        n += usize::from(v.signers.contains(key));
    }
    n
}

/// Governance changes the validators while the chain runs on lossy links: a follower
/// becomes a validator, a validator is removed, another's key is rotated and its node
/// restarted under the new key, a validator crashes. Each change takes effect at an epoch
/// boundary; the chain never forks, no acknowledged transaction is lost, every certificate
/// verifies against its own epoch's set, and a removed validator does not count towards a
/// quorum (with two of the four current validators down, the chain stalls although the
/// removed one still runs).
fn validators_change_at_epoch_boundaries(seed: u64) {
    use serde_json::json;
    use unchain_types::SigningKey;
    runner(seed).start(|context| async move {
        let link = commonware_p2p::simulated::Link {
            latency: Duration::from_millis(50),
            jitter: Duration::from_millis(20),
            success_rate: 0.9,
        };
        let mut sim = Sim::with_epochs(context, N, 2, link, Some(EPOCH_LENGTH)).await;
        let everyone = [0, 1, 2, 3, 4, 5];
        let (f0, f1) = (4, 5);
        for i in everyone {
            sim.start(i).await;
        }
        // Load through nodes that never crash: v0, v3 (removed later, it keeps following
        // and gossiping) and the follower f1.
        let loaded = [0, 3, f1];
        for i in loaded {
            sim.client(i, 120, Duration::from_millis(60));
        }
        sim.wait_height(&everyone, 2).await;

        // 1. The follower f0 becomes a validator at the next boundary.
        sim.govern(
            json!({"action": "set_validator", "name": "f0", "validator": true}),
            0,
            &[1, 2],
        )
        .await;
        let joined = sim
            .wait_validators(&everyone, &["f0", "v0", "v1", "v2", "v3"])
            .await;
        eprintln!(
            "f0 validates from epoch {joined}: heights {:?}",
            sim.heights(&everyone)
        );
        assert!(joined >= 1, "the change waited for a boundary");
        let first = joined * EPOCH_LENGTH;
        sim.wait_height(&everyone, first + 8).await;
        let f0_key = sim.node_keys[f0].public_key();
        assert!(
            signed_by(&sim, 0, first..first + 8, &f0_key).await > 0,
            "f0 signs no finalization of its first epoch"
        );

        // 2. v3 stops validating; v1's key is rotated (a compromised key).
        sim.govern(
            json!({"action": "set_validator", "name": "v3", "validator": false}),
            0,
            &[1, 2],
        )
        .await;
        let rotated = SigningKey::from_seed([201; 32]);
        sim.govern(
            json!({"action": "rotate_key", "name": "v1", "signing_key": rotated.public_key()}),
            0,
            &[2, 3],
        )
        .await;
        let changed = sim
            .wait_set(&everyone, |set| {
                set.iter().map(|v| v.name.as_str()).collect::<Vec<_>>() == ["f0", "v0", "v1", "v2"]
                    && set[2].key == rotated.public_key()
            })
            .await;
        eprintln!(
            "v3 out, v1 rotated from epoch {changed}: heights {:?}",
            sim.heights(&everyone)
        );
        let set = sim.nodes[0]
            .ledger
            .validator_set(changed)
            .expect("read")
            .expect("set");
        assert_eq!(
            set[2].key,
            rotated.public_key(),
            "v1 validates with its new key"
        );
        // Its node, still on the old key, only follows now; the operator restarts it with
        // the new one, and it validates again.
        sim.rekey(1, rotated.clone()).await;
        let second = changed * EPOCH_LENGTH;
        eprintln!("v1 restarted: heights {:?}", sim.heights(&everyone));
        sim.wait_height(&[0, 1, 4], second + 2 * EPOCH_LENGTH).await;
        let late = second + EPOCH_LENGTH..second + 2 * EPOCH_LENGTH;
        assert!(
            signed_by(&sim, 0, late.clone(), &rotated.public_key()).await > 0,
            "the rotated key signs no finalization"
        );
        let v3_key = sim.node_keys[3].public_key();
        assert_eq!(signed_by(&sim, 0, late, &v3_key).await, 0);

        eprintln!("v1 signs again: heights {:?}", sim.heights(&everyone));
        // 3. A crash: v2 down, f0, v0 and v1 are three of four and cross a boundary.
        sim.crash(2);
        let at = *sim.heights(&[0, 1, 4]).iter().max().expect("nodes");
        sim.wait_height(&[0, 1, 4], at + EPOCH_LENGTH + 2).await;

        // 4. With f0 down too, v0 and v1 are two of four: no quorum, although the removed
        // v3 still runs.
        sim.crash(f0);
        let stalled = *sim.heights(&[0, 1, 3, f1]).iter().max().expect("nodes");
        sim.context.sleep(Duration::from_secs(15)).await;
        let after = *sim.heights(&[0, 1, 3, f1]).iter().max().expect("nodes");
        assert!(
            after <= stalled + 2,
            "finalized {stalled} → {after} without a quorum of the current validators"
        );
        sim.start(2).await;
        sim.start(f0).await;
        sim.wait_acked(loaded.len() * 120).await;
        let top = *sim.heights(&[0, 1, 2, f0]).iter().max().expect("nodes");
        sim.wait_height(&everyone, top + 2).await;
        sim.check(&everyone);
        assert!(sim.check_finality(&everyone).await > 0);
        // Every node can prove each epoch's validators from genesis: the checkpoint of the
        // block that ended the epoch before, cosigned by that epoch's validators, and the
        // validators in its state. (A node gathers the last one shortly after its boundary.)
        for i in everyone {
            let ledger = sim.nodes[i].ledger.clone();
            let genesis = ledger.genesis().clone();
            let genesis_set: Vec<unchain_log::NamedKey> = genesis.validator_keys();
            let mut waited = 0;
            let links = loop {
                let (epoch, _) = ledger.latest_epoch().expect("epoch");
                let links = ledger.epoch_links().expect("links");
                if links.len() as u64 == epoch || waited >= 30 {
                    break links;
                }
                sim.context.sleep(Duration::from_secs(1)).await;
                waited += 1;
            };
            let (epoch, _) = ledger.latest_epoch().expect("epoch");
            assert_eq!(
                links.len() as u64,
                epoch,
                "node {i} proves epochs 1..={} of {epoch}",
                links.len()
            );
            let sets = unchain_bundle::epochs::verify_epoch_links(
                &genesis_set,
                genesis.epoch_length(),
                &genesis.log_origin,
                &links,
            )
            .unwrap_or_else(|e| panic!("node {i}: {e}"));
            for e in 0..=epoch {
                assert_eq!(
                    Some(sets.set_of(e)),
                    ledger.validator_set(e).expect("read").as_deref(),
                    "node {i}, epoch {e}"
                );
            }
            // What the node hands out: only the changes, proving the same sets.
            let through = ledger.epochs_proven_through(0).expect("read");
            assert_eq!(through, epoch, "node {i}");
            let changes = ledger.change_links(through).expect("changes");
            assert!(
                changes.len() < links.len(),
                "node {i}: {} changes",
                changes.len()
            );
            let sparse = unchain_bundle::epochs::verify_epoch_links(
                &genesis_set,
                genesis.epoch_length(),
                &genesis.log_origin,
                &changes,
            )
            .unwrap_or_else(|e| panic!("node {i}: {e}"));
            for e in 0..=epoch {
                assert_eq!(sparse.set_of(e), sets.set_of(e), "node {i}, epoch {e}");
            }
        }
        // v2 crashed and restarted, then caught up across boundaries: only the journals of
        // its current epoch and the one before are on its disk.
        let (epoch, _) = sim.nodes[2].ledger.latest_epoch().expect("epoch");
        assert!(epoch >= 2, "v2 is in epoch {epoch}");
        for stale in 0..epoch - 1 {
            let partition = format!("v2-consensus-{stale}");
            assert!(
                matches!(
                    sim.context.scan(&partition).await,
                    Err(commonware_runtime::Error::PartitionMissing(_))
                ),
                "{partition} is still on v2's disk in epoch {epoch}"
            );
        }
    });
}

#[test]
fn validators_added_removed_and_rotated_at_epoch_boundaries() {
    for seed in fault_seeds() {
        validators_change_at_epoch_boundaries(seed);
    }
}
