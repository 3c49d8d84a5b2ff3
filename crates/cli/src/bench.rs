//! `unchain bench`: the load generator.

use crate::demo::start_node;
use crate::setup::{InitArgs, init};
use clap::Args;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unchain_client::{Client, ClientError};
use unchain_types::{Hash32, SigningKey, Transaction, UnsignedTransaction};

/// Arguments of `unchain bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Transactions to commit in total.
    #[arg(long, default_value_t = 20_000)]
    pub txs: usize,
    /// Concurrent clients, each its own member (sender).
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Transactions per HTTP request (1 = one request per transaction).
    #[arg(long, default_value_t = 250)]
    pub batch: usize,
    /// Seconds to measure the Ed25519 verification bound.
    #[arg(long, default_value_t = 2.0)]
    pub bound_secs: f64,
    /// Offered load in transactions per second, spread over the clients (open loop). Without
    /// it, every client submits as fast as the nodes accept: that measures the most the
    /// chain commits, and latency then mostly measures the queue.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Validators of the throwaway chain the benchmark starts (in this process).
    #[arg(long, default_value_t = 1)]
    pub validators: usize,
    /// Instead of starting a chain, load the running one `unchain init` made in this
    /// directory: its nodes' API addresses (from their data directories) and its key files.
    #[arg(long, conflicts_with = "validators")]
    pub chain: Option<std::path::PathBuf>,
    /// What each transaction is: `notary` (an anchored document hash) or `supply` (a
    /// `supply.capture` of --events-per-tx new EPCIS events).
    #[arg(long, default_value = "notary", value_parser = ["notary", "supply"])]
    pub workload: String,
    /// EPCIS events per `supply.capture` (the supply workload).
    #[arg(long, default_value_t = 100)]
    pub events_per_tx: usize,
}

/// The kind and body of transaction `nonce` of `key`'s client.
fn workload(a: &BenchArgs, key: &SigningKey, nonce: u64) -> (&'static str, serde_json::Value) {
    let salt = rand::random::<u64>();
    if a.workload == "supply" {
        // New lots commissioned at one of 100 sites: every event is new, so every one is
        // hashed, stored and indexed.
        let events: Vec<serde_json::Value> = (0..a.events_per_tx)
            .map(|j| {
                json!({"type": "ObjectEvent", "eventTime": "2026-09-01T09:00:00Z", "eventTimeZoneOffset": "+07:00",
                    "action": "ADD", "epcList": [], "bizStep": "commissioning",
                    "quantityList": [{"epcClass": format!("urn:epc:class:lgtin:4012345.010001.{:08x}{nonce}x{j}", salt as u32), "quantity": 120.5, "uom": "KGM"}],
                    "bizLocation": {"id": format!("urn:epc:id:sgln:4012345.{:05}.0", j % 100)}})
            })
            .collect();
        return (
            "supply.capture",
            unchain_supply::client::capture_body(&events, &serde_json::Value::Null),
        );
    }
    (
        "notary.anchor",
        json!({"hash": Hash32::digest(format!("{}:{nonce}:{salt}", key.public_key()).as_bytes()).to_hex(), "doc_type": "bench", "description": "load generator document"}),
    )
}

/// The nodes and signing keys a benchmark uses.
struct Target {
    chain_id: String,
    nodes: Vec<Client>,
    keys: Vec<SigningKey>,
    _running: Vec<std::thread::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// The node configs `unchain init` wrote in `dir`, in genesis order: `node.toml` for the
/// first, `node-NAME.toml` for the others; the validators' only, unless `followers`.
pub fn chain_configs(
    dir: &std::path::Path,
    followers: bool,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let first = dir.join("node.toml");
    anyhow::ensure!(
        first.exists(),
        "{} has no node.toml: not a chain directory made by `unchain init`",
        dir.display()
    );
    let genesis = unchain_node::run::load_genesis(&dir.join("genesis.json"))?;
    let mut configs = vec![first];
    for m in genesis
        .members
        .iter()
        .filter(|m| followers || m.validator)
        .skip(1)
    {
        let path = dir.join(format!("node-{}.toml", m.name));
        if path.exists() {
            configs.push(path);
        }
    }
    Ok(configs)
}

/// A client for the running node of `config` (its API address is in its data directory).
pub fn running_node(config: &std::path::Path) -> anyhow::Result<Client> {
    let cfg = unchain_node::NodeConfig::load(config)?;
    let file = cfg.data_dir.join("api.addr");
    let addr = std::fs::read_to_string(&file).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e} (is the node of {} running?)",
            file.display(),
            config.display()
        )
    })?;
    Ok(Client::new(&format!("http://{}", addr.trim())))
}

/// A client for the running node of `config` that reads as the node's organisation (its
/// key file is in the config), for the members-only endpoints such as blocks.
pub fn running_node_as_member(config: &std::path::Path) -> anyhow::Result<Client> {
    let cfg = unchain_node::NodeConfig::load(config)?;
    Ok(running_node(config)?.with_signer(crate::session::member_reader(&cfg.key_file)?))
}

fn target(a: &BenchArgs, rt: &tokio::runtime::Runtime) -> anyhow::Result<Target> {
    if let Some(dir) = &a.chain {
        let configs = chain_configs(dir, false)?;
        let nodes = configs
            .iter()
            .map(|c| running_node(c))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let chain_id = rt.block_on(nodes[0].status())?.chain_id;
        let mut key_files: Vec<_> = std::fs::read_dir(dir.join("keys"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        key_files.sort();
        let keys = key_files
            .iter()
            .take(a.clients)
            .map(|p| Ok(unchain_node::run::load_keys(p)?.signing_key()?))
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(
            keys.len() == a.clients,
            "{} holds {} key files; --clients {} needs one each",
            dir.display(),
            keys.len(),
            a.clients
        );
        return Ok(Target {
            chain_id,
            nodes,
            keys,
            _running: Vec::new(),
            _dir: None,
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix("unchain-bench-")
        .tempdir()?;
    let orgs: Vec<String> = (0..a.clients.max(a.validators))
        .map(|i| format!("bench-{i}:GB"))
        .collect();
    let out = init(InitArgs {
        dir: tmp.path().to_path_buf(),
        chain_id: "unchain-bench".into(),
        orgs,
        validators: a.validators,
        // Port 0: each node binds any free port and writes it to its data directory.
        api: "127.0.0.1:0".parse().expect("literal address"),
        p2p: free_ports(a.validators)?,
        epoch_length: None,
    })?;
    let mut running = Vec::new();
    let mut nodes = Vec::new();
    for config in &out.configs[..a.validators] {
        let (handle, client) = start_node(config, rt)?;
        running.push(handle);
        nodes.push(client);
    }
    let keys = out
        .key_files
        .iter()
        .take(a.clients)
        .map(|(_, p)| Ok(unchain_node::run::load_keys(p)?.signing_key()?))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Target {
        chain_id: out.genesis.chain_id.clone(),
        nodes,
        keys,
        _running: running,
        _dir: Some(tmp),
    })
}

/// The first of `n` consecutive loopback ports that are all free now (validators' p2p
/// ports are consecutive; a single free port's neighbours may be some connection's).
pub(crate) fn free_ports(n: usize) -> anyhow::Result<std::net::SocketAddr> {
    for _ in 0..100 {
        let first = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let free = (1..n as u16).all(|i| {
            first
                .port()
                .checked_add(i)
                .is_some_and(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok())
        });
        if free {
            return Ok(first);
        }
    }
    anyhow::bail!("found no {n} consecutive free loopback ports")
}

/// Single-core Ed25519 verification rates: (one at a time, in batches of 1 024), per second.
fn ed25519_bound(secs: f64) -> (f64, f64) {
    let key = SigningKey::generate(&mut rand::thread_rng());
    let pk = key.public_key();
    let msgs: Vec<Vec<u8>> = (0..1024u32)
        .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(150)).into_bytes())
        .collect();
    let sigs: Vec<_> = msgs.iter().map(|m| key.sign(m)).collect();
    let start = Instant::now();
    let mut single = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        for (m, s) in msgs.iter().zip(&sigs).take(64) {
            assert!(pk.verify(s, m));
            single += 1;
        }
    }
    let single_rate = single as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut batched = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        assert!(unchain_types::keys::verify_batch(
            msgs.iter().zip(&sigs).map(|(m, s)| (&pk, s, m.as_slice()))
        ));
        batched += msgs.len() as u64;
    }
    (single_rate, batched as f64 / start.elapsed().as_secs_f64())
}

/// Ends a benchmark whose nodes ran in this process on a throwaway chain. Those nodes have
/// no shutdown and would fail loudly once their directory is gone, so after the results are
/// printed their panics are silenced, the directory is removed and the process exits.
pub(crate) fn finish_throwaway(dir: Option<tempfile::TempDir>) {
    if let Some(dir) = dir {
        std::panic::set_hook(Box::new(|_| {}));
        drop(dir);
        std::process::exit(0);
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `unchain bench`.
pub fn bench(a: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.clients >= 1 && a.batch >= 1 && a.txs >= a.clients,
        "need --clients ≥ 1, --batch ≥ 1 and --txs ≥ --clients"
    );
    println!(
        "measuring this machine's single-core Ed25519 verification bound ({} s each)...",
        a.bound_secs
    );
    let (single, batched) = ed25519_bound(a.bound_secs);
    println!("  single: {single:.0} verifications/s   batch of 1024: {batched:.0} verifications/s");

    let rt = crate::runtime()?;
    let target = target(&a, &rt)?;
    println!(
        "chain {}: {} node(s), {} client(s), each submitting to node (client mod nodes)",
        target.chain_id,
        target.nodes.len(),
        target.keys.len()
    );
    let per_client = a.txs / a.clients;
    // Sign everything first: the benchmark measures the nodes, not the client's signing.
    let mut workloads = Vec::new();
    for (i, key) in target.keys.iter().enumerate() {
        let node = target.nodes[i % target.nodes.len()].clone();
        let first = rt.block_on(node.account(&key.public_key()))?.next_nonce;
        let txs: Vec<Transaction> = (first..first + per_client as u64)
            .map(|nonce| {
                let (kind, body) = workload(&a, key, nonce);
                UnsignedTransaction {
                    chain_id: target.chain_id.clone(),
                    sender: key.public_key(),
                    nonce,
                    kind: kind.into(),
                    body,
                }
                .sign(key)
                .expect("valid transaction")
            })
            .collect();
        workloads.push((node, txs));
    }
    let total = per_client * a.clients;
    println!(
        "submitting {total} signed transactions from {} clients in batches of {}...",
        a.clients, a.batch
    );
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} committed  {per_sec}  eta {eta}",
        )
        .expect("template"),
    );
    let bar = Arc::new(bar);
    let start = Instant::now();
    let results = rt.block_on(async {
        let mut tasks = Vec::new();
        for (client, txs) in workloads {
            let bar = bar.clone();
            let batch = a.batch;
            let rate = a.rate.map(|r| r / a.clients as f64);
            tasks.push(tokio::spawn(async move {
                run_client(client, txs, batch, rate, bar).await
            }));
        }
        let mut latencies = Vec::new();
        let mut last_commit = start;
        for t in tasks {
            let (lat, last) = t.await??;
            latencies.extend(lat);
            last_commit = last_commit.max(last);
        }
        Ok::<_, anyhow::Error>((latencies, last_commit))
    })?;
    bar.finish();
    let (mut latencies, last_commit) = results;
    let elapsed = (last_commit - start).as_secs_f64();
    latencies.sort_by(|x, y| x.partial_cmp(y).expect("finite"));
    let tps = total as f64 / elapsed;
    println!();
    println!("committed {total} transactions in {elapsed:.2} s: {tps:.0} tx/s");
    if a.workload == "supply" {
        println!(
            "  {} EPCIS events captured: {:.0} events/s",
            total * a.events_per_tx,
            tps * a.events_per_tx as f64
        );
    }
    println!(
        "submit-to-commit latency: p50 {:.0} ms, p99 {:.0} ms",
        percentile(&latencies, 0.5) * 1e3,
        percentile(&latencies, 0.99) * 1e3
    );
    println!(
        "Ed25519 bound on this machine (one core): single {single:.0}/s, batch {batched:.0}/s"
    );
    println!(
        "ratio to the single-core batch bound: {:.1}%  (to the single-verification bound: {:.1}%)",
        100.0 * tps / batched,
        100.0 * tps / single
    );
    finish_throwaway(target._dir);
    Ok(())
}

/// Submits `txs` in batches, pipelined; returns each transaction's submit-to-commit latency
/// (seconds) and when the last one committed.
async fn run_client(
    client: Client,
    txs: Vec<Transaction>,
    batch: usize,
    rate: Option<f64>,
    bar: Arc<indicatif::ProgressBar>,
) -> anyhow::Result<(Vec<f64>, Instant)> {
    let start = Instant::now();
    let mut waiters = Vec::new();
    for (i, chunk) in txs.chunks(batch).enumerate() {
        if let Some(rate) = rate {
            // Open loop: this client's share of the offered rate, whatever the latency.
            let due = start + Duration::from_secs_f64((i * batch) as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let submitted = Instant::now();
        let mut rest = chunk;
        loop {
            match client.submit_batch(rest).await {
                Ok(items) => {
                    let Some(bad) = items.iter().find(|i| i.status != "pending") else {
                        break;
                    };
                    let error = bad.error.clone().unwrap_or_default();
                    // Admitted up to a full pool: the rest waits and goes again.
                    if bad.code == Some(unchain_types::Code::MempoolFull) {
                        rest = &rest[bad.index..];
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    anyhow::bail!("transaction {} refused: {error}", bad.index);
                }
                Err(ClientError::Problem {
                    status: 429,
                    retry_after,
                    ..
                }) => {
                    tokio::time::sleep(Duration::from_millis(retry_after.unwrap_or(1) * 100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let last = chunk.last().expect("non-empty chunk").id();
        let n = chunk.len();
        let client = client.clone();
        let bar = bar.clone();
        waiters.push(tokio::spawn(async move {
            let s = client.wait_for(&last, Duration::from_secs(300)).await?;
            anyhow::ensure!(
                s.status == "committed",
                "transaction {last} ended {}: {:?}",
                s.status,
                s.reason
            );
            bar.inc(n as u64);
            Ok::<_, anyhow::Error>((n, submitted.elapsed().as_secs_f64(), Instant::now()))
        }));
    }
    let mut latencies = Vec::new();
    let mut last: Option<Instant> = None;
    for w in waiters {
        let (n, lat, at) = w.await??;
        latencies.extend(std::iter::repeat_n(lat, n));
        last = Some(last.map_or(at, |l| l.max(at)));
    }
    Ok((latencies, last.unwrap_or_else(Instant::now)))
}
