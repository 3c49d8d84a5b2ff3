//! Starting a node: open the ledger, start consensus and the API, run until Ctrl-C.

use crate::api::ApiState;
use crate::config::NodeConfig;
use crate::metrics::NodeMetrics;
use crate::service::Service;
use anyhow::{Context as _, bail};
use commonware_runtime::{Metrics as _, Runner as _, tokio as cw_tokio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::{error, info};
use unchain_consensus::application::{Application, ApplicationConfig};
use unchain_consensus::blob_store::BlobStore;
use unchain_consensus::blob_sync::SyncConfig;
use unchain_consensus::mempool::{Mempool, MempoolConfig};
use unchain_consensus::validator::{self, ValidatorConfig};
use unchain_ledger::{CheckpointSigner, Genesis, Ledger};
use unchain_types::KeyFile;

/// Reads and checks a genesis file.
pub fn load_genesis(path: &std::path::Path) -> anyhow::Result<Genesis> {
    Ok(unchain_genesis::read(path)?)
}

/// Reads a key file, refusing one that others on the machine may read
/// ([`crate::private::check_key_file`]).
pub fn load_keys(path: &std::path::Path) -> anyhow::Result<KeyFile> {
    crate::private::check_key_file(path)?;
    let text =
        std::fs::read(path).with_context(|| format!("reading key file {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("parsing key file {}", path.display()))
}

/// Runs the node until Ctrl-C (or SIGTERM). Blocks the calling thread.
pub fn run(cfg: NodeConfig) -> anyhow::Result<()> {
    let genesis = load_genesis(&cfg.genesis)?;
    let keys = load_keys(&cfg.key_file)?;
    let signing = keys.signing_key().context("key file: signing_seed")?;
    let encryption = keys
        .encryption_key()
        .context("key file: encryption_secret")?;
    crate::private::private_by_default();
    crate::private::data_dir(&cfg.data_dir)?;
    let genesis_member = genesis
        .members
        .iter()
        .find(|m| m.signing_key == signing.public_key());
    let ledger = Arc::new(
        Ledger::open(
            &cfg.data_dir.join("ledger.redb"),
            genesis.clone(),
            crate::modules(&genesis),
            // The genesis member with this key signs from the genesis checkpoint on (its
            // name is checked against the members in state below).
            genesis_member.map(|m| CheckpointSigner {
                name: m.name.clone(),
                key: signing.clone(),
            }),
        )
        .context("opening the ledger")?,
    );
    // Who this node is, and who its peers are, come from the members in state, not from
    // genesis: governance adds members, removes them and rotates their keys.
    let members = ledger.members().context("reading the members")?;
    let me = match members
        .iter()
        .find(|m| m.signing_key == signing.public_key())
    {
        Some(m) => m.clone(),
        None => match genesis_member {
            Some(m) if members.iter().any(|now| now.name == m.name) => bail!(
                "the key in {} was {}'s, but governance has rotated that member's key: start \
                 the node with the new key",
                cfg.key_file.display(),
                m.name
            ),
            _ => bail!(
                "the key in {} belongs to no member of chain {}",
                cfg.key_file.display(),
                genesis.chain_id
            ),
        },
    };
    // Every node signs its own checkpoint after each block; it sends the signature where it
    // validates the block's epoch, and otherwise keeps the validators' cosigned ones.
    ledger.set_checkpoint_signer(Some(CheckpointSigner {
        name: me.name.clone(),
        key: signing.clone(),
    }));
    // Every validator needs an address; followers are the other `[[peers]]` entries.
    let (epoch, validators) = ledger.latest_epoch().context("reading the current epoch")?;
    let mut peers = vec![(me.name.clone(), cfg.p2p_listen)];
    for m in members.iter().filter(|m| m.name != me.name) {
        match cfg.peers.iter().find(|p| p.name == m.name) {
            Some(p) => peers.push((m.name.clone(), p.p2p)),
            None if validators.iter().any(|v| v.name == m.name) => bail!(
                "config has no p2p address for {}, a validator of epoch {epoch} (add a \
                 [[peers]] entry)",
                m.name
            ),
            None => {}
        }
    }
    for p in &cfg.peers {
        if !members.iter().any(|m| m.name == p.name) {
            bail!(
                "config [[peers]] names {}, who is not a member of chain {}",
                p.name,
                genesis.chain_id
            );
        }
    }
    let first_validator = genesis
        .members
        .iter()
        .find(|m| m.validator)
        .expect("genesis checks it has a validator")
        .signing_key;
    let vault_dir = cfg.data_dir.join("vault");
    let vault = BlobStore::open(&vault_dir)
        .with_context(|| format!("opening the vault store {}", vault_dir.display()))?;
    let tips_dir = cfg.data_dir.join("tips");
    let tips_store = BlobStore::open(&tips_dir)
        .with_context(|| format!("opening the tip store {}", tips_dir.display()))?;
    let audit = Arc::new(crate::audit::AuditLog::open(&cfg.data_dir.join("audit"))?);
    let snapshots = Arc::new(crate::snapshots::SnapshotStore::open(
        &cfg.data_dir.join("snapshots"),
        ledger.clone(),
    )?);
    if let Some(base) = ledger.snapshot_base()? {
        info!(
            height = base.height,
            log_size = base.log_size,
            "this ledger started from a snapshot: it holds no block or log leaf before it"
        );
    }
    let sidecars_dir = cfg.data_dir.join("sidecars");
    let sidecars = unchain_consensus::sidecars::SidecarStore::open(&sidecars_dir)
        .with_context(|| format!("opening the sidecar store {}", sidecars_dir.display()))?;
    let mempool = Arc::new(
        Mempool::new(MempoolConfig {
            max_txs: cfg.mempool_max_txs,
            ..Default::default()
        })
        .with_sidecars(Arc::new(sidecars)),
    );
    let genesis_head = ledger.genesis_head()?;
    let genesis_block =
        validator::genesis_block(&genesis_head, ledger.genesis_hash(), &first_validator);
    let runtime_cfg = cw_tokio::Config::default()
        .with_worker_threads(cfg.worker_threads)
        .with_storage_directory(cfg.data_dir.join("consensus"))
        .with_catch_panics(false);
    let head = ledger.head()?;
    info!(chain = %genesis.chain_id, member = %me.name, epoch, role = if validators.iter().any(|v| v.key == me.signing_key) { "validator" } else { "follower" }, height = head.height, log_size = head.log_size, "node starting");

    cw_tokio::Runner::new(runtime_cfg).start(|context| async move {
        // Bind the listeners first: a port that is taken stops the node before anything
        // else starts, with a message naming the address.
        let listener = tokio::net::TcpListener::bind(cfg.api_listen)
            .await
            .with_context(|| format!("cannot listen for the API on {}", cfg.api_listen))?;
        let public_listener = match cfg.tips.listen {
            Some(public) => Some(
                std::net::TcpListener::bind(public)
                    .with_context(|| format!("cannot listen for the tip form on {public}"))?,
            ),
            None => None,
        };
        let metrics = NodeMetrics::new(&context.with_label("unchain"));
        metrics.height.set(head.height as i64);
        metrics.log_size.set(head.log_size as i64);
        let (heads_tx, heads_rx) = tokio::sync::watch::channel(head.height);
        let last_block = Arc::new(std::sync::Mutex::new(Instant::now()));
        let (erasures_tx, erasures_rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(crate::erasure::run(
            ledger.clone(),
            snapshots.clone(),
            erasures_rx,
        ));
        let on_applied = {
            let metrics = metrics.clone();
            Arc::new(move |r: &unchain_ledger::BlockRecord| {
                if crate::erasure::erased_something(r) {
                    let _ = erasures_tx.send(r.block.height);
                }
                metrics.height.set(r.block.height as i64);
                metrics.log_size.set(r.log_size as i64);
                metrics.tx_committed.inc_by(r.committed.len() as u64);
                metrics.tx_rejected.inc_by(r.rejected.len() as u64);
                let now_ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                metrics
                    .finality
                    .observe(now_ms.saturating_sub(r.block.timestamp_ms) as f64 / 1e3);
                let mut last = last_block.lock().expect("lock");
                metrics.block_interval.observe(last.elapsed().as_secs_f64());
                *last = Instant::now();
                heads_tx.send_replace(r.block.height);
            })
        };
        let application = Application::new(
            ledger.clone(),
            mempool.clone(),
            genesis_block,
            signing.public_key(),
            ApplicationConfig {
                max_block_txs: cfg.max_block_txs,
                ..Default::default()
            },
            on_applied,
        );
        tokio::spawn(crate::retention::run(
            ledger.clone(),
            mempool.clone(),
            me.name.clone(),
            signing.clone(),
            Duration::from_secs(60),
        ));
        tokio::spawn(crate::agree_duty::run(
            ledger.clone(),
            mempool.clone(),
            me.name.clone(),
            signing.clone(),
            heads_rx.clone(),
        ));
        tokio::spawn(crate::token_duty::run(
            ledger.clone(),
            mempool.clone(),
            me.name.clone(),
            signing.clone(),
            encryption.clone(),
            heads_rx.clone(),
        ));
        let vcfg = ValidatorConfig {
            seed: signing.seed(),
            p2p_listen: cfg.p2p_listen,
            peers,
            max_message_size: 32 * 1024 * 1024,
            message_backlog: 1024,
            engine: Default::default(),
            vault: Some(SyncConfig::new(
                me.name.clone(),
                vault.clone(),
                Arc::new(unchain_vault::holdings::VaultHoldings),
                unchain_vault::body::MAX_CIPHERTEXT as usize,
            )),
            tips: Some(SyncConfig::new(
                me.name.clone(),
                tips_store.clone(),
                Arc::new(crate::tip_copies::TipHoldings),
                unchain_tips::body::MAX_SEALED as usize,
            )),
        };
        let finalizations = application.finalizations();
        let handles = validator::start(context.with_label("validator"), vcfg, application).await;

        let render = {
            let ctx = context.clone();
            Arc::new(move || ctx.encode()) as Arc<dyn Fn() -> String + Send + Sync>
        };
        let tips_desk = Arc::new(
            crate::tipform::TipDesk::open(&cfg.tips, &cfg.data_dir)
                .context("cannot open the tip store")?,
        );
        let service = Service {
            ledger: ledger.clone(),
            mempool,
            metrics,
            heads: heads_rx,
            max_wait: Duration::from_millis(cfg.max_wait_ms),
            render_metrics: render,
            validators: ledger.checkpoint_verifiers(),
            node_name: me.name.clone(),
            vault,
            tip_store: tips_store,
            audit,
            users: Arc::new(crate::users::UserStore::open(&cfg.data_dir)),
            signing: signing.clone(),
            act_lock: Arc::new(tokio::sync::Mutex::new(())),
            encryption: encryption.clone(),
            voice_min_group: cfg.tips.voice_min_group,
            finalizations,
            evaluator: Arc::new(crate::service::tokens::Evaluator::open(&cfg.data_dir)),
            token_holders: Arc::new(cfg.token_holders.clone()),
        };
        let queries = Arc::new(
            crate::named_queries::QueryStore::open(&cfg.data_dir)
                .context("cannot open the named EPCIS queries")?,
        );
        tokio::spawn(crate::named_queries::deliver::run(
            queries.clone(),
            ledger.clone(),
            service.heads.clone(),
        ));
        let api_state = ApiState {
            svc: service.clone(),
            sessions: Arc::new(crate::api::users::Sessions::default()),
            trust: Arc::default(),
            captures: Arc::default(),
            queries: queries.clone(),
            provenance: Arc::default(),
            snapshots: snapshots.clone(),
            data_dir: cfg.data_dir.clone(),
            seen_signatures: Arc::default(),
        };
        // Snapshots older than the retained state versions go, like those versions.
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let store = snapshots.clone();
                if let Ok(Err(e)) = tokio::task::spawn_blocking(move || store.prune()).await {
                    error!("pruning state snapshots: {e:#}");
                }
            }
        });
        let console_state = crate::console::ConsoleState {
            svc: service.clone(),
            console: Arc::new(crate::console::Console {
                sealed: cfg.console.sealed,
                ..Default::default()
            }),
        };
        let tip_state = crate::tipform::TipState {
            svc: service,
            tips: tips_desk,
        };
        let addr = listener.local_addr().expect("bound socket has an address");
        // Tests and scripts find the port here when the config asked for port 0.
        // Written whole, then renamed: whoever waits for the file never reads it empty.
        let addr_file = cfg.data_dir.join("api.addr");
        let tmp = addr_file.with_extension("addr.tmp");
        if std::fs::write(&tmp, addr.to_string()).is_ok() {
            let _ = std::fs::rename(&tmp, &addr_file);
        }
        info!(url = %format!("http://{addr}"), "API listening");
        if let Some(std_listener) = public_listener {
            let addr = std_listener
                .local_addr()
                .expect("bound socket has an address");
            let _ = std::fs::write(cfg.data_dir.join("tips.addr"), addr.to_string());
            info!(url = %format!("http://{addr}/tips"), "public tip form listening");
            // Its own thread and runtime: a flood on the public form queues there, never
            // in front of the agencies' requests on the API's worker threads.
            let router = crate::tipform::public_router(tip_state.clone());
            let limits = cfg.http.limits();
            let spawned = std::thread::Builder::new()
                .name("tip-form".into())
                .spawn(move || serve_public(std_listener, router, limits));
            spawned.context("cannot start the tip form's thread")?;
        }
        let server = crate::serve::serve(
            listener,
            crate::serve::router(api_state, console_state, tip_state),
            cfg.http.limits(),
            shutdown_signal(),
        );
        tokio::select! {
            r = server => r.context("the API server failed")?,
            r = futures::future::select_all(handles) => {
                anyhow::bail!("consensus stopped: {:?}", r.0)
            }
        }
        info!("node stopped");
        Ok(())
    })
}

/// Serves the public tip form on a one-thread runtime of its own.
fn serve_public(
    listener: std::net::TcpListener,
    router: axum::Router,
    limits: crate::serve::HttpLimits,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            error!(error = %e, "cannot start the tip form's runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let served = async {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            crate::serve::serve(listener, router, limits, std::future::pending()).await
        };
        if let Err(e) = served.await {
            error!(error = %e, "tip form server failed");
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
