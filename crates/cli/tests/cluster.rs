//! Four real validator processes and a follower on 127.0.0.1 under load from `unchain
//! bench`: one validator is killed with SIGKILL mid-load and the other three keep committing;
//! restarted, it catches up from its peers, and all five nodes end with the same blocks and
//! state roots, the follower serving a proof checked against the validators' quorum. Also:
//! four validators become five and then four by governance under load, and a new member's
//! node starts from the validators' state snapshots instead of replaying the chain.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

const ORGS: [&str; 5] = [
    "th-dsi:TH",
    "ng-naptip:NG",
    "ph-iacat:PH",
    "gb-unseen:GB",
    "ke-dci:KE",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_validator_does_not_stop_the_cluster_and_catches_up() {
    let chain = Chain::init_validators(&ORGS, 4);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["ng-naptip", "ph-iacat", "gb-unseen", "ke-dci"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let follower = nodes[4].client().clone();
    let clients: Vec<_> = nodes.iter().map(|n| n.client().clone()).collect();

    // Load: three clients, each on one of the first three validators (the fourth is the
    // one that will die, so no client loses its node).
    // Open loop at 300 tx/s: the load lasts 20 s whatever the machine, so the kill below
    // lands mid-load even when a status poll is slow. Closed loop, a busy machine once let
    // all 6 000 commit between two polls (two of twelve runs with two clusters at once on
    // two cores), and the kill tested nothing.
    let bench = start_bench(
        &chain,
        &clients[0],
        &[
            "--clients",
            "3",
            "--txs",
            "6000",
            "--batch",
            "100",
            "--rate",
            "300",
        ],
        500,
    )
    .await;
    nodes[3].kill_9();
    let at_kill = clients[0].status().await.expect("status").log_size;

    // Three of four are a quorum: the cluster keeps committing without the fourth — 1 000
    // more, or what is left of the load if it was nearly done when the node died (a slow
    // status poll once let the load reach 5 000+ before the kill, and the test waited for
    // transactions that were never sent).
    assert!(
        at_kill < 6_000,
        "the whole load committed before the kill ({at_kill}); nothing was tested"
    );
    let target = (at_kill + 1_000).min(6_000);
    wait_until(
        "the cluster commits 1 000 more transactions (or the rest of the load)",
        120,
        async || {
            clients[0]
                .status()
                .await
                .is_ok_and(|s| s.log_size >= target)
        },
    )
    .await;

    finish_bench(bench, 6000).await;

    // Each bench client saw its own transactions committed on its own node; the first node
    // may still be a block behind the others' last ones.
    wait_until(
        "the first node holds all 6 000 transactions",
        60,
        async || clients[0].status().await.is_ok_and(|s| s.log_size >= 6_000),
    )
    .await;

    // The killed validator restarts from its data directory and fetches what it missed.
    nodes[3] = chain.start_validator(Some("gb-unseen")).await;
    let restarted = nodes[3].client().clone();
    let target = clients[0].status().await.expect("status").height;
    reaches(&chain, &clients, &restarted, "gb-unseen", target).await;

    // Same block, state root and log root at the target height on all four, and every
    // transaction committed on the first is found, at the same index, on the restarted one.
    let mut blocks = Vec::new();
    reaches(&chain, &clients, &follower, "ke-dci", target).await;
    for c in clients.iter().take(3).chain([&restarted, &follower]) {
        blocks.push(c.block(target).await.expect("block"));
    }
    for b in &blocks[1..] {
        assert_eq!(
            (&b.digest, &b.state_root, &b.log_root),
            (
                &blocks[0].digest,
                &blocks[0].state_root,
                &blocks[0].log_root
            )
        );
    }
    assert!(blocks[0].log_size >= 6_000);
    // The newest block at or below the target that committed something.
    let mut h = target;
    let last = loop {
        let b = clients[0].block(h).await.expect("block");
        if !b.committed.is_empty() {
            break b;
        }
        h -= 1;
    };
    for id in last.committed.iter().take(5) {
        let id = unchain_types::TxId::from_hex(id).expect("id");
        let a = clients[0].tx_status(&id, Duration::ZERO).await.expect("tx");
        let b = restarted.tx_status(&id, Duration::ZERO).await.expect("tx");
        assert_eq!((a.status, a.log_index), (b.status, b.log_index));
    }

    // `unchain status` sees four healthy nodes that agree.
    let status = Command::new(bin())
        .args(["status", "--chain"])
        .arg(chain.dir.path())
        .output()
        .expect("run unchain status");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(text.contains("5 of 5 nodes hold block"), "{text}");

    // The follower serves a proof that verifies offline against the validators' quorum.
    let id = &last.committed[0];
    let out = Command::new(bin())
        .args(["proof", id, "--node", follower.base(), "--genesis"])
        .arg(chain.genesis())
        .arg("--key")
        .arg(
            chain
                .dir
                .path()
                .join(format!("keys/{}.json", chain.orgs[4])),
        )
        .output()
        .expect("run unchain proof");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("quorum 3 of 4"), "{text}");

    // A block's finality, checked against the genesis validators without trusting the node:
    // the follower serves the certificates it verified (a block finalized only through a
    // later block's certificate has none of its own, so look back from the newest).
    let mut verified = None;
    for h in (1..=last.height).rev().take(30) {
        let out = Command::new(bin())
            .args(["verify", "block", &h.to_string(), "--node", follower.base()])
            .arg("--genesis")
            .arg(chain.genesis())
            .arg("--key")
            .arg(
                chain
                    .dir
                    .path()
                    .join(format!("keys/{}.json", chain.orgs[4])),
            )
            .output()
            .expect("run unchain verify block");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            verified = Some(text);
            break;
        }
        assert!(err.contains("no certificate"), "height {h}: {text}{err}");
    }
    let text = verified.expect("the follower serves a certificate among the last 30 blocks");
    assert!(text.contains("is final"), "{text}");
    assert!(text.contains("quorum 3 of 4"), "{text}");
    assert!(text.contains("is the one finalized"), "{text}");

    // The follower proves a state key's value and another's absence; both bundles verify
    // offline against the genesis' validators and name the state the quorum cosigned.
    let reader_key = chain
        .dir
        .path()
        .join(format!("keys/{}.json", chain.orgs[4]));
    for (state_key, expect) in [
        (format!("member/{}", chain.orgs[1]), "\"validator\":true"),
        ("member/no-such-organisation".to_owned(), "proved absent"),
    ] {
        let saved = chain.dir.path().join("state-bundle.json");
        let out = Command::new(bin())
            .args([
                "state",
                "prove",
                &state_key,
                "--node",
                follower.base(),
                "--out",
            ])
            .arg(&saved)
            .arg("--key")
            .arg(&reader_key)
            .output()
            .expect("run unchain state prove");
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new(bin())
            .args(["verify", "state"])
            .arg(&saved)
            .arg("--genesis")
            .arg(chain.genesis())
            .output()
            .expect("run unchain verify state");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains(expect), "{text}");
        assert!(text.contains("quorum 3 of 4"), "{text}");
    }
}

/// Starts `unchain bench ARGS` on the chain's nodes and waits until `client`'s node has
/// committed `committed` transactions.
async fn start_bench(
    chain: &Chain,
    client: &unchain_client::Client,
    args: &[&str],
    committed: u64,
) -> std::process::Child {
    let bench = Command::new(bin())
        .args(["--log", "warn", "bench"])
        .args(args)
        .args(["--bound-secs", "0.1", "--chain"])
        .arg(chain.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start unchain bench");
    wait_until(
        &format!("the load commits {committed} transactions"),
        120,
        async || client.status().await.is_ok_and(|s| s.log_size >= committed),
    )
    .await;
    bench
}

/// Waits for `unchain bench` to end and checks that it saw all `txs` committed.
async fn finish_bench(bench: std::process::Child, txs: u64) {
    let out = tokio::task::spawn_blocking(move || bench.wait_with_output())
        .await
        .expect("join")
        .expect("bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("committed {txs} transactions")),
        "{stdout}"
    );
}

/// Waits up to 120 s for `node` (organisation `name`) to reach height `target`; if it does
/// not, fails saying where every node is and what `name`'s node and a peer logged.
async fn reaches(
    chain: &Chain,
    clients: &[unchain_client::Client],
    node: &unchain_client::Client,
    name: &str,
    target: u64,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let seen = node.status().await;
        if seen.as_ref().is_ok_and(|s| s.height >= target) {
            return;
        }
        if std::time::Instant::now() > deadline {
            let mut heights = Vec::new();
            for c in clients {
                heights.push(c.status().await.map(|s| (s.height, s.consensus.peers)).ok());
            }
            panic!(
                "{name}'s node did not reach height {target} in 120 s: it is at {:?}; \
                 (height, peers) of every node: {heights:?}\n{}\n{}",
                seen.map(|s| (s.height, s.consensus.peers, s.consensus.view)),
                log_tails(chain, name, 60),
                log_tails(chain, "ng-naptip", 30),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Blocks per epoch in the reconfiguration test: short, so that changes take effect within
/// seconds.
const EPOCH_LENGTH: u64 = 20;

/// Runs `unchain governance ARGS` as organisation `org` against its own node; returns the
/// transaction id it printed.
fn governance(chain: &Chain, client: &unchain_client::Client, org: &str, args: &[&str]) -> String {
    let out = Command::new(bin())
        .arg("governance")
        .args(args)
        .arg("--key")
        .arg(chain.dir.path().join(format!("keys/{org}.json")))
        .args(["--node", client.base()])
        .output()
        .expect("run unchain governance");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "unchain governance {args:?} as {org}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .nth(1)
        .expect("the command prints the transaction id")
        .to_owned()
}

/// A change proposed by the first organisation with `change` (the `governance propose`
/// flags) and approved by `approvers` (four of five governance members is more than two
/// thirds; never gb-unseen, whose key the load signs with).
fn govern(
    chain: &Chain,
    clients: &[unchain_client::Client],
    change: &[&str],
    approvers: [usize; 3],
) {
    let mut args = vec!["propose", "--reason", "reconfiguration test"];
    args.extend_from_slice(change);
    let id = governance(chain, &clients[0], &chain.orgs[0], &args);
    for i in approvers {
        governance(chain, &clients[i], &chain.orgs[i], &["approve", &id]);
    }
}

/// Waits until every node's current epoch has exactly `names` as validators and `voter`'s
/// signature shows on recent certificates.
async fn wait_for_set(clients: &[unchain_client::Client], names: &[&str], voter: &str) -> u64 {
    let mut epoch = 0;
    wait_until(
        &format!("every node runs an epoch with validators {names:?}, {voter} voting"),
        180,
        async || {
            for c in clients {
                let Ok(s) = c.status().await else {
                    return false;
                };
                let mut got: Vec<&str> = s.validators.iter().map(|v| v.name.as_str()).collect();
                got.sort();
                if got != names {
                    return false;
                }
                epoch = s.epoch;
            }
            clients[0].status().await.is_ok_and(|s| {
                s.votes
                    .iter()
                    .any(|v| v.name == voter && v.last_signed.is_some())
            })
        },
    )
    .await;
    epoch
}

/// Four validator processes become five by governance, then one is removed, under load,
/// then one's key is rotated: each change takes effect at an epoch boundary, the new
/// validator votes, the removed one goes on as a follower, the rotated one votes again
/// after restarting with its new key (no other node restarted), and every transaction the
/// load saw committed is committed on every node.
#[tokio::test(flavor = "multi_thread")]
async fn four_validators_become_five_then_four_under_load() {
    let chain = Chain::init_with_epochs(&ORGS, 4, EPOCH_LENGTH);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["ng-naptip", "ph-iacat", "gb-unseen", "ke-dci"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let clients: Vec<_> = nodes.iter().map(|n| n.client().clone()).collect();
    // One client: the bench signs with the first key file's organisation (gb-unseen),
    // whose nonces governance below therefore leaves alone.
    let bench = start_bench(
        &chain,
        &clients[0],
        &[
            "--clients",
            "1",
            "--txs",
            "4000",
            "--batch",
            "50",
            "--rate",
            "100",
        ],
        200,
    )
    .await;

    // Four become five: ke-dci's node, a follower until now, validates from a boundary on.
    govern(&chain, &clients, &["--add-validator", "ke-dci"], [1, 2, 4]);
    let five = wait_for_set(
        &clients,
        &["gb-unseen", "ke-dci", "ng-naptip", "ph-iacat", "th-dsi"],
        "ke-dci",
    )
    .await;
    assert!(five >= 1);

    // Five become four: gb-unseen stops validating; its node follows.
    govern(
        &chain,
        &clients,
        &["--remove-validator", "gb-unseen"],
        [1, 2, 4],
    );
    let four = wait_for_set(
        &clients,
        &["ke-dci", "ng-naptip", "ph-iacat", "th-dsi"],
        "ke-dci",
    )
    .await;
    assert!(four > five);
    let at_change = clients[0].status().await.expect("status").log_size;
    // A node checks the bundles it builds against the cosigners of their checkpoint's
    // epoch, not genesis': the border posts' trust bundle still builds.
    wait_until(
        "a trust bundle over a checkpoint of the new set",
        60,
        async || {
            let cosigned = clients[0]
                .status()
                .await
                .ok()
                .and_then(|s| s.cosigned_log_size);
            cosigned.is_some_and(|c| c > at_change)
        },
    )
    .await;
    let bundle: serde_json::Value = clients[0]
        .get_json("/v1/identity/trust-bundle")
        .await
        .expect("the trust bundle builds after the validator set changed");
    assert!(bundle["checkpoint"].as_str().is_some(), "{bundle}");

    finish_bench(bench, 4000).await;
    assert!(
        at_change < 4_000,
        "the load was over before the second change: nothing was tested under load"
    );

    // A compromised key: ph-iacat's is rotated by governance; after the boundary its
    // node restarts with the new key, and the other nodes, not restarted, let it in (their
    // peer set follows the members in state) and count its votes.
    let keys = chain.dir.path().join("keys");
    let out = Command::new(bin())
        .args(["keygen", "--name", "ph-iacat", "--rotate-signing-of"])
        .arg(keys.join("ph-iacat.json"))
        .arg("--out")
        .arg(keys.join("ph-iacat-new.json"))
        .output()
        .expect("run unchain keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_key = unchain_node::run::load_keys(&keys.join("ph-iacat-new.json"))
        .expect("new key file")
        .signing_key()
        .expect("key")
        .public_key()
        .to_hex();
    let new_key_file = keys.join("ph-iacat-new.json");
    govern(
        &chain,
        &clients,
        &[
            "--rotate-key",
            "ph-iacat",
            "--new-key",
            new_key_file.to_str().expect("utf-8"),
        ],
        [1, 2, 4],
    );
    wait_until(
        "every node runs an epoch with ph-iacat's new key",
        180,
        async || {
            for c in &clients {
                let Ok(s) = c.status().await else {
                    return false;
                };
                if !s
                    .validators
                    .iter()
                    .any(|v| v.name == "ph-iacat" && v.key == new_key)
                {
                    return false;
                }
            }
            true
        },
    )
    .await;
    nodes[2].kill_9();
    std::fs::rename(keys.join("ph-iacat-new.json"), keys.join("ph-iacat.json"))
        .expect("install the new key");
    nodes[2] = chain.start_validator(Some("ph-iacat")).await;
    let clients: Vec<_> = nodes.iter().map(|n| n.client().clone()).collect();
    let restarted_at = clients[0].status().await.expect("status").height;
    wait_until("the rotated key signs finalizations", 120, async || {
        clients[0].status().await.is_ok_and(|s| {
            s.votes.iter().any(|v| {
                v.name == "ph-iacat"
                    && v.key == new_key
                    && v.last_signed.is_some_and(|h| h > restarted_at)
            })
        })
    })
    .await;

    // Every node, the removed validator's included, ends on the same chain.
    let target = clients[0].status().await.expect("status").height;
    for (c, name) in clients.iter().zip(&chain.orgs) {
        reaches(&chain, &clients, c, name, target).await;
    }
    let status = Command::new(bin())
        .args(["status", "--chain"])
        .arg(chain.dir.path())
        .output()
        .expect("run unchain status");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "{text}");
    assert!(text.contains("5 of 5 nodes hold block"), "{text}");
    // The epoch's four validators are listed, a quorum of them with a recent vote (a
    // certificate carries any three of the four signatures, so the slowest validator can be
    // left out of every recent one while the chain is idle: the rotated validator's own
    // votes were checked above).
    assert!(text.contains(": 4 validators"), "{text}");
    let mut voting = 0;
    for name in ["ke-dci", "ng-naptip", "ph-iacat", "th-dsi"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} is not listed: {text}"));
        voting += usize::from(line.contains("behind)"));
    }
    assert!(voting >= 3, "fewer than a quorum voted recently: {text}");

    // A block of the last epoch verifies against that epoch's four validators.
    let height = target;
    let mut verified = None;
    for h in (four * EPOCH_LENGTH..=height).rev().take(30) {
        let out = Command::new(bin())
            .args([
                "verify",
                "block",
                &h.to_string(),
                "--node",
                clients[4].base(),
            ])
            .arg("--genesis")
            .arg(chain.genesis())
            .output()
            .expect("run unchain verify block");
        if out.status.success() {
            verified = Some(String::from_utf8_lossy(&out.stdout).into_owned());
            break;
        }
    }
    let text = verified.expect("a certificate among the last 30 blocks of the last epoch");
    assert!(text.contains("quorum 3 of 4"), "{text}");
    assert!(!text.contains("gb-unseen"), "{text}");
    // ... a set proven from the genesis file alone, not taken from the node.
    assert!(
        text.contains(
            "epoch-end checkpoint(s) of the set's changes, each signed by the set before it"
        ),
        "{text}"
    );
    let epochs: unchain_bundle::epochs::EpochChain =
        clients[4].get_json("/v1/epochs").await.expect("epochs");
    // Only the changes travel: ke-dci added, gb-unseen removed, ph-iacat's key rotated.
    assert!(epochs.proven_through >= four, "{}", epochs.proven_through);
    assert_eq!(
        epochs.links.len(),
        3,
        "{:?}",
        epochs.links.iter().map(|l| l.epoch).collect::<Vec<_>>()
    );

    // A bundle over a checkpoint of the last epoch — signed by ke-dci, ph-iacat's new key,
    // ng-naptip and th-dsi, of whom genesis knows two keys — verifies against the genesis
    // file, through the epoch links it carries; without them it cannot. (More load first,
    // so that the latest cosigned checkpoint is one of this epoch, not of an earlier one
    // whose set genesis may still hold a quorum of.)
    let before = clients[0].status().await.expect("status").log_size;
    let bench = start_bench(
        &chain,
        &clients[0],
        &["--clients", "1", "--txs", "50", "--batch", "50"],
        before + 50,
    )
    .await;
    finish_bench(bench, 50).await;
    wait_until("a checkpoint of the last epoch, cosigned", 60, async || {
        clients[0]
            .status()
            .await
            .ok()
            .and_then(|s| s.cosigned_log_size)
            .is_some_and(|c| c >= before + 50)
    })
    .await;
    let bundle: serde_json::Value = clients[0]
        .get_json("/v1/state/proof?key=validators")
        .await
        .expect("a state bundle");
    let verify_state = |bundle: &serde_json::Value| {
        let path = chain.dir.path().join("validators-state.json");
        std::fs::write(&path, serde_json::to_vec(bundle).expect("json")).expect("write");
        let out = Command::new(bin())
            .args(["verify", "state"])
            .arg(&path)
            .arg("--genesis")
            .arg(chain.genesis())
            .output()
            .expect("run unchain verify state");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = verify_state(&bundle);
    assert!(ok, "{text}");
    assert!(
        text.contains("VERIFIED") && text.contains("epoch-end checkpoint(s)"),
        "{text}"
    );
    let mut unlinked = bundle.clone();
    unlinked
        .as_object_mut()
        .expect("an object")
        .remove("epochs")
        .expect("the bundle carries its epoch links");
    let (ok, text) = verify_state(&unlinked);
    assert!(!ok && text.contains("VERIFICATION FAILED"), "{text}");
}

/// A member's node that starts from the validators' state snapshots (`--sync-from`, one
/// peer of three down) instead of replaying the chain reaches the same block, state root
/// and log root as the nodes that replayed it, then follows new blocks under load; it
/// holds nothing before the snapshot.
#[tokio::test(flavor = "multi_thread")]
async fn a_node_started_from_a_snapshot_reaches_the_replayed_state_and_follows() {
    let chain = Chain::init_validators(&ORGS, 4);
    let mut nodes = vec![chain.start_validator(None).await];
    for name in ["ng-naptip", "ph-iacat", "gb-unseen"] {
        nodes.push(chain.start_validator(Some(name)).await);
    }
    let clients: Vec<_> = nodes.iter().map(|n| n.client().clone()).collect();
    let bench = start_bench(
        &chain,
        &clients[0],
        &["--clients", "2", "--txs", "2000", "--batch", "100"],
        1_000,
    )
    .await;
    finish_bench(bench, 2000).await;
    wait_until("a checkpoint is cosigned at 2 000", 60, async || {
        clients[0]
            .checkpoint()
            .await
            .is_ok_and(|note| note.lines().nth(1) == Some("2000"))
    })
    .await;

    // ke-dci, a member that has never run a node, starts from the validators' snapshots
    // (which they write when first asked: the new node waits for them). The first peer it
    // is given is down: the others serve.
    let synced = chain
        .start_node(
            Some("ke-dci"),
            &[
                "--sync-from",
                "http://127.0.0.1:9",
                "--sync-from",
                clients[0].base(),
                "--sync-from",
                clients[1].base(),
            ],
        )
        .await;
    let base = synced.client().status().await.expect("status");
    assert!(
        base.log_size >= 2000,
        "synced at log size {}",
        base.log_size
    );
    let log = log_tails(&chain, "ke-dci", 200);
    assert!(
        log.contains("this ledger started from a snapshot"),
        "the node did not start from the snapshot:\n{log}"
    );
    // Its status says where its history begins; a replayed node's says nothing.
    let from = base
        .snapshot_base
        .expect("the synced node's status names its snapshot");
    assert!(
        from.height > 0 && from.log_size <= base.log_size,
        "{from:?}"
    );
    assert_eq!(
        clients[1].status().await.expect("status").snapshot_base,
        None
    );
    // The log before the snapshot is not held there: a transaction of the first block is
    // proved by a node that replayed the chain, and refused (not made up) by this one.
    // The first block that committed anything: the validators may have written empty
    // blocks before the load began.
    let mut early = clients[1].block(1).await.expect("block 1");
    while early.committed.is_empty() {
        let next = early.height + 1;
        early = clients[1].block(next).await.expect("a later block");
    }
    let id =
        unchain_types::TxId(unchain_types::Hash32::from_hex(&early.committed[0]).expect("hex"));
    clients[1]
        .proof(&id)
        .await
        .expect("a replayed node proves it");
    let refused = synced.client().proof(&id).await;
    assert!(
        refused.is_err(),
        "a node synced at log size {} proved leaf {}: {:?}",
        base.log_size,
        early.log_size - early.committed.len() as u64,
        refused.map(|p| p.leaf_index)
    );

    // More load after the snapshot: the synced node follows it block by block.
    let bench = start_bench(
        &chain,
        &clients[0],
        &["--clients", "2", "--txs", "600", "--batch", "50"],
        2_100,
    )
    .await;
    finish_bench(bench, 600).await;
    let target = clients[0].status().await.expect("status").height;
    reaches(&chain, &clients, synced.client(), "ke-dci", target).await;
    let replayed = clients[1].block(target).await.expect("block");
    let from_snapshot = synced.client().block(target).await.expect("block");
    assert_eq!(
        (
            &from_snapshot.digest,
            &from_snapshot.state_root,
            &from_snapshot.log_size,
            &from_snapshot.log_root
        ),
        (
            &replayed.digest,
            &replayed.state_root,
            &replayed.log_size,
            &replayed.log_root
        )
    );
    assert_eq!(replayed.log_size, 2600);
}
