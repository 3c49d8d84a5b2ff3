//! `unchain status`: the whole consortium's health at a glance.

use crate::bench::{chain_configs, running_node_as_member};
use clap::Args;
use std::time::Duration;
use unchain_client::Client;
use unchain_client::views::StatusView;

/// Arguments of `unchain status`.
#[derive(Args)]
pub struct StatusArgs {
    /// A chain directory made by `unchain init`: every node it configured is asked.
    #[arg(long, required_unless_present = "node")]
    pub chain: Option<std::path::PathBuf>,
    /// A node's API URL, e.g. http://127.0.0.1:7700. Repeat for each node.
    #[arg(long, conflicts_with = "chain")]
    pub node: Vec<String>,
    /// With --node: a member's key file, to compare the nodes' blocks (blocks are for
    /// members only). With --chain, each node's own key is used.
    #[arg(long, conflicts_with = "chain")]
    pub key: Option<std::path::PathBuf>,
    /// Seconds to wait for each node.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

/// One node's answer.
struct Row {
    url: String,
    status: Result<StatusView, String>,
}

/// `unchain status`. Succeeds only when every node answers and all agree on the block at
/// the lowest height among them.
pub async fn status(a: StatusArgs) -> anyhow::Result<()> {
    let clients: Vec<Client> = match &a.chain {
        Some(dir) => chain_configs(dir, true)?
            .iter()
            .map(|c| running_node_as_member(c))
            .collect::<anyhow::Result<_>>()?,
        None => {
            let reader = a
                .key
                .as_deref()
                .map(crate::session::member_reader)
                .transpose()?;
            a.node
                .iter()
                .map(|u| match &reader {
                    Some(r) => Client::new(u).with_signer(r.clone()),
                    None => Client::new(u),
                })
                .collect()
        }
    };
    let can_read_blocks = a.chain.is_some() || a.key.is_some();
    let timeout = Duration::from_secs(a.timeout);
    let mut rows = Vec::new();
    for c in &clients {
        let status = match tokio::time::timeout(timeout, c.status()).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} s", a.timeout)),
        };
        rows.push(Row {
            url: c.base().to_owned(),
            status,
        });
    }
    let up: Vec<&StatusView> = rows.iter().filter_map(|r| r.status.as_ref().ok()).collect();
    // The node furthest ahead knows the newest epoch and the freshest votes.
    if let Some(first) = up.iter().max_by_key(|s| s.height) {
        let validators = first.validators.len();
        println!(
            "chain {}   genesis {}…   epoch {}: {} validators, blocks and checkpoints need {} \
             signatures",
            first.chain_id,
            &first.genesis_hash[..16],
            first.epoch,
            validators,
            unchain_bundle::quorum(validators)
        );
        if !first.votes.is_empty() {
            println!();
            println!(
                "{:<16} {:<18} LAST SIGNED (as {} sees it)",
                "VALIDATOR", "KEY", first.node
            );
            for v in &first.votes {
                println!(
                    "{:<16} {:<18} {}",
                    v.name,
                    format!("{}…", &v.key[..16]),
                    match v.last_signed {
                        Some(h) => format!("block {h} ({} behind)", first.height.saturating_sub(h)),
                        None => "none of the last 64 blocks".into(),
                    }
                );
            }
        }
    }
    println!();
    println!(
        "{:<12} {:<24} {:>8} {:>8} {:>9} {:>8} {:>8} {:>6} {:>9} {:>10} {:>10}",
        "NODE",
        "URL",
        "HEIGHT",
        "LOG",
        "COSIGNED",
        "MEMPOOL",
        "VIEW",
        "PEERS",
        "TIMEOUTS",
        "NULLIFIED",
        "FINALITY"
    );
    for r in &rows {
        match &r.status {
            Ok(s) => println!(
                "{:<12} {:<24} {:>8} {:>8} {:>9} {:>8} {:>8} {:>6} {:>9} {:>10} {:>8.0}ms",
                s.node,
                r.url.trim_start_matches("http://"),
                s.height,
                s.log_size,
                s.cosigned_log_size
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                s.mempool_txs,
                s.consensus.view,
                s.consensus.peers,
                s.consensus.timeouts,
                s.consensus.nullifications,
                s.consensus.finalization_latency_ms
            ),
            Err(e) => println!(
                "{:<12} {:<24} DOWN: {e}",
                "?",
                r.url.trim_start_matches("http://")
            ),
        }
    }
    for r in &rows {
        if let Ok(StatusView {
            node,
            snapshot_base: Some(base),
            ..
        }) = &r.status
        {
            println!(
                "{node} started from a snapshot at block {} (log size {}): it holds no earlier \
                 block or leaf",
                base.height, base.log_size
            );
        }
    }
    println!();
    let down = rows.iter().filter(|r| r.status.is_err()).count();
    let Some(common) = up.iter().map(|s| s.height).min() else {
        anyhow::bail!("no node answered");
    };
    if !can_read_blocks {
        println!(
            "agreement not checked: blocks are served to members only; pass --key with your \
             organisation's key file (or --chain)"
        );
        anyhow::ensure!(down == 0, "{down} of {} nodes did not answer", rows.len());
        return Ok(());
    }
    let mut digests = Vec::new();
    for (c, r) in clients.iter().zip(&rows) {
        if r.status.is_ok() {
            let b = c.block(common).await?;
            digests.push((r.url.clone(), b.digest, b.state_root));
        }
    }
    let agree = digests
        .windows(2)
        .all(|w| w[0].1 == w[1].1 && w[0].2 == w[1].2);
    if agree {
        println!(
            "agreement: {} of {} nodes hold block {common} {}… with state root {}…",
            digests.len(),
            rows.len(),
            &digests[0].1[..16],
            &digests[0].2[..16]
        );
    } else {
        println!("DISAGREEMENT at height {common}:");
        for (url, d, s) in &digests {
            println!("  {url}: block {d}, state root {s}");
        }
    }
    let spread = up.iter().map(|s| s.height).max().unwrap_or(0) - common;
    if spread > 0 {
        println!("height spread: {spread} blocks between the highest and lowest node");
    }
    anyhow::ensure!(agree, "nodes disagree at height {common}");
    anyhow::ensure!(down == 0, "{down} of {} nodes did not answer", rows.len());
    Ok(())
}
