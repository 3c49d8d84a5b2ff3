//! A consortium in commonware's deterministic runtime over its simulated network: the same
//! validator code a real node runs ([`unchain_consensus::validator::run_node`]), real redb
//! ledgers in a temporary directory, simulated time and links. Everything that happens is a
//! function of the seed.

use commonware_codec::DecodeExt;
use commonware_cryptography::{Signer as _, ed25519};
use commonware_p2p::Manager as _;
use commonware_p2p::simulated::{self, Link, Oracle};
use commonware_parallel::Sequential;
use commonware_runtime::{Clock, Handle, Metrics, Quota, Spawner, deterministic};
use commonware_utils::ordered::Set;
use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use unchain_consensus::application::{Application, ApplicationConfig};
use unchain_consensus::blob_store::BlobStore;
use unchain_consensus::blob_sync::SyncConfig;
use unchain_consensus::engine::EngineConfig;
use unchain_consensus::mempool::{Mempool, MempoolConfig};
use unchain_consensus::validator::{self, Channels, NodeParts};
use unchain_ledger::cosign::quorum;
use unchain_ledger::{CheckpointSigner, Genesis, Ledger, Member, Role, TxRecord};
use unchain_log::SignedNote;
use unchain_notary::NotaryModule;
use unchain_types::{EncryptionPublicKey, Hash32, SigningKey, TxId, UnsignedTransaction};
use unchain_vault::VaultModule;

/// Genesis time; the simulated clock starts one second later.
pub const GENESIS_MS: u64 = 1_750_000_000_000;
/// Simulated channels, as the real node numbers them.
pub const CHANNELS: u64 = 10;

/// A validator's network endpoints in the simulation.
pub type SimChannels = Channels<
    simulated::Sender<ed25519::PublicKey, deterministic::Context>,
    simulated::Receiver<ed25519::PublicKey>,
>;

/// Good links: 10 ms ± 1 ms, nothing lost.
pub fn good_link() -> Link {
    Link {
        latency: Duration::from_millis(10),
        jitter: Duration::from_millis(1),
        success_rate: 1.0,
    }
}

/// Bad links: 200 ms ± 150 ms, a quarter of messages lost.
pub fn lossy_link() -> Link {
    Link {
        latency: Duration::from_millis(200),
        jitter: Duration::from_millis(150),
        success_rate: 0.75,
    }
}

/// The deterministic runtime for `seed`, with a simulated-time limit so that a stuck
/// scenario fails instead of hanging.
pub fn runner(seed: u64) -> deterministic::Runner {
    eprintln!("simulating seed {seed}");
    // `RUST_LOG=info` shows what the validators did.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let start = SystemTime::UNIX_EPOCH + Duration::from_millis(GENESIS_MS + 1_000);
    deterministic::Runner::new(
        deterministic::Config::default()
            .with_seed(seed)
            .with_start_time(start)
            .with_timeout(Some(Duration::from_secs(900))),
    )
}

/// One validator's ledger, pool and running task.
pub struct NodeSlot {
    /// Its ledger (kept across a simulated crash: redb is durable).
    pub ledger: Arc<Ledger>,
    /// Its mempool (lost in a crash).
    pub mempool: Arc<Mempool>,
    /// Its root task; aborting it stops every actor the validator runs.
    pub root: Option<Handle<()>>,
    /// How many times it has been started (metric labels must be new each time).
    pub starts: u32,
    /// Its vault's ciphertext store.
    pub vault: BlobStore,
    /// Its sidecar store (kept across crashes, like the ledger).
    pub sidecars: Arc<unchain_consensus::sidecars::SidecarStore>,
    /// Its marshal's finalization certificates (replaced at each start).
    pub finalizations: unchain_consensus::certificates::Finalizations,
}

/// A simulated consortium of `n` validators, each with a client organisation that submits
/// transactions through it.
pub struct Sim {
    /// The runtime context.
    pub context: deterministic::Context,
    /// Controls links.
    pub oracle: Oracle<ed25519::PublicKey, deterministic::Context>,
    /// Validator keys, in genesis order.
    pub validators: Vec<SigningKey>,
    /// Every node's key: the validators', then the followers'.
    pub node_keys: Vec<SigningKey>,
    /// One client key per node.
    pub clients: Vec<SigningKey>,
    /// Validator keys as commonware sees them.
    pub participants: Set<ed25519::PublicKey>,
    /// The validators.
    pub nodes: Vec<NodeSlot>,
    /// Transactions a client saw committed on the node it submitted to.
    pub acked: Arc<Mutex<Vec<TxId>>>,
    /// Anything a client saw that should never happen.
    pub errors: Arc<Mutex<Vec<String>>>,
    links: HashSet<(usize, usize)>,
    /// The link new keys are connected with ([`Sim::rekey`]).
    link: Link,
    /// The id of the latest peer set tracked.
    peer_set: u64,
    /// The next nonce of each governance key.
    nonces: std::collections::BTreeMap<unchain_types::PublicKey, u64>,
    _dir: tempfile::TempDir,
}

fn member(name: &str, key: &SigningKey, validator: bool, roles: &[Role]) -> Member {
    Member {
        name: name.into(),
        display_name: name.to_uppercase(),
        jurisdiction: ["TH", "GB", "NG", "PH", "BR", "DE", "KE", "IN"][name.len() % 8].into(),
        sector: None,
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        signing_key: key.public_key(),
        encryption_key: EncryptionPublicKey([9; 32]),
        validator,
    }
}

/// Converts a key to commonware's type.
pub fn cw_key(key: &SigningKey) -> ed25519::PrivateKey {
    ed25519::PrivateKey::decode(key.seed().as_slice()).expect("seed")
}

impl Sim {
    /// Builds `n` validators' ledgers and the simulated network, every pair linked by `link`.
    /// Nothing runs until [`Sim::start`].
    pub async fn new(context: deterministic::Context, n: usize, link: Link) -> Sim {
        Sim::with_followers(context, n, 0, link).await
    }

    /// [`Sim::new`] with `followers` more nodes, numbered after the validators, that run no
    /// validator ([`Sim::start`] runs them as followers).
    pub async fn with_followers(
        context: deterministic::Context,
        n: usize,
        followers: usize,
        link: Link,
    ) -> Sim {
        Sim::with_epochs(context, n, followers, link, None).await
    }

    /// [`Sim::with_followers`] with `epoch_length` blocks per epoch (`None`: the default).
    pub async fn with_epochs(
        context: deterministic::Context,
        n: usize,
        followers: usize,
        link: Link,
        epoch_length: Option<u64>,
    ) -> Sim {
        let (network, oracle) = simulated::Network::new(
            context.with_label("network"),
            simulated::Config {
                max_size: 32 * 1024 * 1024,
                disconnect_on_block: true,
                tracked_peer_sets: Some(1),
            },
        );
        network.start();
        let validators: Vec<SigningKey> = (0..n)
            .map(|i| SigningKey::from_seed([i as u8 + 1; 32]))
            .collect();
        let follower_keys: Vec<SigningKey> = (0..followers)
            .map(|i| SigningKey::from_seed([i as u8 + 51; 32]))
            .collect();
        let clients: Vec<SigningKey> = (0..n + followers)
            .map(|i| SigningKey::from_seed([i as u8 + 101; 32]))
            .collect();
        let mut members: Vec<Member> = validators
            .iter()
            .enumerate()
            .map(|(i, k)| {
                member(
                    &format!("v{i}"),
                    k,
                    true,
                    &[Role::Governance, Role::Notary, Role::Records],
                )
            })
            .collect();
        members.extend(
            follower_keys
                .iter()
                .enumerate()
                .map(|(i, k)| member(&format!("f{i}"), k, false, &[Role::Notary])),
        );
        members.extend(
            clients
                .iter()
                .enumerate()
                .map(|(i, k)| member(&format!("client{i}"), k, false, &[Role::Notary])),
        );
        let genesis = Genesis {
            chain_id: "sim".into(),
            log_origin: "unchain.example/sim".into(),
            matching_key: None,
            epoch_length,
            genesis_time_ms: GENESIS_MS,
            members,
        };
        let participants = Set::from_iter_dedup(validators.iter().map(|k| cw_key(k).public_key()));
        let node_keys: Vec<SigningKey> = validators.iter().chain(&follower_keys).cloned().collect();
        oracle
            .manager()
            .track(
                0,
                Set::from_iter_dedup(node_keys.iter().map(|k| cw_key(k).public_key())),
            )
            .await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let nodes = node_keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let ledger = Ledger::open(
                    &dir.path().join(format!("node{i}.redb")),
                    genesis.clone(),
                    vec![Arc::new(NotaryModule), Arc::new(VaultModule::new(&genesis))],
                    // Every node signs its own checkpoints, as a real one does; it sends
                    // the signature where it validates.
                    Some(CheckpointSigner {
                        name: node_name(i, n),
                        key: key.clone(),
                    }),
                )
                .expect("ledger opens");
                NodeSlot {
                    ledger: Arc::new(ledger),
                    mempool: Arc::new(Mempool::new(MempoolConfig::default())),
                    root: None,
                    starts: 0,
                    vault: BlobStore::open(&dir.path().join(format!("vault{i}")))
                        .expect("vault store opens"),
                    sidecars: Arc::new(
                        unchain_consensus::sidecars::SidecarStore::open(
                            &dir.path().join(format!("sidecars{i}")),
                        )
                        .expect("sidecar store opens"),
                    ),
                    finalizations: Default::default(),
                }
            })
            .collect();
        let mut sim = Sim {
            context,
            oracle,
            validators,
            node_keys,
            clients,
            participants,
            nodes,
            acked: Arc::default(),
            errors: Arc::default(),
            links: HashSet::new(),
            link: link.clone(),
            peer_set: 0,
            nonces: Default::default(),
            _dir: dir,
        };
        let all: Vec<usize> = (0..n + followers).collect();
        sim.link(&all, &all, link).await;
        sim
    }

    fn key(&self, i: usize) -> ed25519::PublicKey {
        cw_key(&self.node_keys[i]).public_key()
    }

    /// Links every node of `from` to every node of `to` (both directions).
    pub async fn link(&mut self, from: &[usize], to: &[usize], link: Link) {
        for &a in from {
            for &b in to {
                for (x, y) in [(a, b), (b, a)] {
                    if x != y && self.links.insert((x, y)) {
                        self.oracle
                            .add_link(self.key(x), self.key(y), link.clone())
                            .await
                            .expect("add link");
                    }
                }
            }
        }
    }

    /// Cuts every link between `a` and `b` (both directions).
    pub async fn cut(&mut self, a: &[usize], b: &[usize]) {
        for &x in a {
            for &y in b {
                for (p, q) in [(x, y), (y, x)] {
                    if self.links.remove(&(p, q)) {
                        self.oracle
                            .remove_link(self.key(p), self.key(q))
                            .await
                            .expect("remove link");
                    }
                }
            }
        }
    }

    /// Registers validator `i`'s channels (re-registering replaces the old ones).
    pub async fn channels(&self, i: usize) -> SimChannels {
        let control = self.oracle.control(self.key(i));
        let quota = Quota::per_second(NonZeroU32::MAX);
        let mut regs = Vec::new();
        for ch in 0..CHANNELS {
            regs.push(control.register(ch, quota).await.expect("register"));
        }
        let mut regs = regs.into_iter();
        let mut next = || regs.next().expect("ten channels");
        Channels {
            votes: next(),
            certificates: next(),
            resolver: next(),
            broadcast: next(),
            marshal: next(),
            txs: next(),
            cosign: next(),
            vault: next(),
            tips: next(),
            sidecars: next(),
        }
    }

    /// Starts (or restarts) node `i` with a fresh mempool: an honest validator if `i` is
    /// below the validator count, a follower otherwise — whichever the real node would run.
    pub async fn start(&mut self, i: usize) {
        let channels = self.channels(i).await;
        let key = self.key(i);
        let role = if i < self.validators.len() { "v" } else { "f" };
        let member_name = node_name(i, self.validators.len());
        let slot = &mut self.nodes[i];
        slot.mempool =
            Arc::new(Mempool::new(MempoolConfig::default()).with_sidecars(slot.sidecars.clone()));
        let ledger = slot.ledger.clone();
        let genesis_head = ledger.genesis_head().expect("genesis head");
        let genesis_block = validator::genesis_block(
            &genesis_head,
            ledger.genesis_hash(),
            &self.validators[0].public_key(),
        );
        let application = Application::new(
            ledger,
            slot.mempool.clone(),
            genesis_block,
            self.node_keys[i].public_key(),
            ApplicationConfig::default(),
            Arc::new(|_| {}),
        );
        slot.finalizations = application.finalizations();
        let parts = NodeParts {
            signer: cw_key(&self.node_keys[i]),
            blocker: self.oracle.control(key),
            provider: self.oracle.manager(),
            strategy: Sequential,
            engine: EngineConfig {
                partition_prefix: format!("{role}{i}"),
                nullify_retry: Duration::from_secs(5),
                ..Default::default()
            },
            gossip: Default::default(),
            cosign: Default::default(),
            vault: Some(SyncConfig::new(
                member_name,
                slot.vault.clone(),
                Arc::new(unchain_vault::holdings::VaultHoldings),
                unchain_vault::body::MAX_CIPHERTEXT as usize,
            )),
            tips: None,
        };
        slot.starts += 1;
        let root = self
            .context
            .with_label(&format!("{role}{i}_run{}", slot.starts))
            .spawn(move |ctx| async move {
                let handles = validator::run_node(ctx, parts, channels, application).await;
                let _ = futures::future::join_all(handles).await;
            });
        slot.root = Some(root);
    }

    /// Restarts node `i` under a new key, as an operator does after governance rotated its
    /// member's key: the node crashes, the network learns the new key (a new peer set, links
    /// to every node), its ledger signs checkpoints with it, and it starts again on the same
    /// storage. A validator's governance transactions are signed with the new key from now.
    pub async fn rekey(&mut self, i: usize, key: SigningKey) {
        self.crash(i);
        if i < self.validators.len() {
            self.validators[i] = key.clone();
        }
        self.node_keys[i] = key.clone();
        self.peer_set += 1;
        self.oracle
            .manager()
            .track(
                self.peer_set,
                Set::from_iter_dedup(self.node_keys.iter().map(|k| cw_key(k).public_key())),
            )
            .await;
        let new = self.key(i);
        for j in 0..self.node_keys.len() {
            if j == i {
                continue;
            }
            let other = self.key(j);
            for (x, y) in [(new.clone(), other.clone()), (other, new.clone())] {
                self.oracle
                    .add_link(x, y, self.link.clone())
                    .await
                    .expect("add link");
            }
        }
        self.nodes[i]
            .ledger
            .set_checkpoint_signer(Some(CheckpointSigner {
                name: node_name(i, self.validators.len()),
                key,
            }));
        self.start(i).await;
    }

    /// Submits a membership change: proposed by validator `proposer`'s member through its
    /// node, then (once the proposal is committed) approved by each of `approvers` through
    /// theirs (with the validators' genesis governance role: three of four is more than two
    /// thirds). Returns when every transaction is committed; panics on a rejection.
    pub async fn govern(
        &mut self,
        change: serde_json::Value,
        proposer: usize,
        approvers: &[usize],
    ) {
        let propose = self.governance_tx(
            proposer,
            "membership.propose",
            serde_json::json!({"change": change, "reason": "simulated governance"}),
        );
        let id = propose.id().to_string();
        self.submit_and_wait(proposer, propose).await;
        for &a in approvers {
            let tx = self.governance_tx(
                a,
                "membership.approve",
                serde_json::json!({ "proposal": id }),
            );
            self.submit_and_wait(a, tx).await;
        }
    }

    fn governance_tx(
        &mut self,
        validator: usize,
        kind: &str,
        body: serde_json::Value,
    ) -> unchain_types::Transaction {
        let key = self.validators[validator].clone();
        let nonce = self.nonces.entry(key.public_key()).or_insert(0);
        *nonce += 1;
        signed(&key, *nonce, kind, body)
    }

    async fn submit_and_wait(&self, node: usize, tx: unchain_types::Transaction) {
        let id = tx.id();
        let ledger = &self.nodes[node].ledger;
        self.nodes[node]
            .mempool
            .submit(ledger, tx)
            .expect("governance transaction admitted");
        loop {
            match ledger.tx(&id).expect("read") {
                Some(TxRecord::Committed { .. }) => return,
                Some(TxRecord::Rejected { reason, .. }) => {
                    panic!("governance transaction {id} rejected: {reason}")
                }
                None => self.context.sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Waits until every node in `nodes` runs (or follows) an epoch with exactly the
    /// validators named `names`; returns that epoch.
    pub async fn wait_validators(&self, nodes: &[usize], names: &[&str]) -> u64 {
        self.wait_set(nodes, |set| {
            set.iter().map(|v| v.name.as_str()).collect::<Vec<_>>() == names
        })
        .await
    }

    /// Waits until every node in `nodes` runs (or follows) an epoch whose validators
    /// satisfy `wanted`; returns the epoch of the first of them.
    pub async fn wait_set(
        &self,
        nodes: &[usize],
        wanted: impl Fn(&[unchain_log::NamedKey]) -> bool,
    ) -> u64 {
        loop {
            let epochs: Vec<Option<u64>> = nodes
                .iter()
                .map(|&i| {
                    let (epoch, set) = self.nodes[i].ledger.latest_epoch().expect("epoch");
                    wanted(&set).then_some(epoch)
                })
                .collect();
            if let Some(Some(first)) = epochs.first()
                && epochs.iter().all(|e| e.is_some())
            {
                return *first;
            }
            self.context.sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops validator `i` at once, as a crash would: its tasks are dropped mid-flight.
    pub fn crash(&mut self, i: usize) {
        if let Some(root) = self.nodes[i].root.take() {
            root.abort();
        }
    }

    /// Starts a client that submits `count` notary anchors through validator `node`, one
    /// every `every`, and records each as acknowledged once that node has committed it.
    pub fn client(&self, node: usize, count: u64, every: Duration) {
        let mempool = self.nodes[node].mempool.clone();
        let ledger = self.nodes[node].ledger.clone();
        let key = self.clients[node].clone();
        let acked = self.acked.clone();
        let errors = self.errors.clone();
        self.context
            .with_label(&format!("client{node}"))
            .spawn(move |ctx| async move {
                let mut nonce = 1;
                let mut pending: Vec<TxId> = Vec::new();
                while nonce <= count || !pending.is_empty() {
                    if nonce <= count {
                        let tx = anchor(&key, nonce);
                        let id = tx.id();
                        match mempool.submit(&ledger, tx) {
                            Ok(_) => {
                                pending.push(id);
                                nonce += 1;
                            }
                            Err(unchain_consensus::mempool::SubmitError::Full { .. }) => {}
                            Err(e) => {
                                errors
                                    .lock()
                                    .expect("lock")
                                    .push(format!("client{node}: {e}"));
                                return;
                            }
                        }
                    }
                    ctx.sleep(every).await;
                    pending.retain(|id| match ledger.tx(id) {
                        Ok(Some(TxRecord::Committed { .. })) => {
                            acked.lock().expect("lock").push(*id);
                            false
                        }
                        Ok(Some(TxRecord::Rejected { reason, .. })) => {
                            errors
                                .lock()
                                .expect("lock")
                                .push(format!("client{node}: {id} rejected: {reason}"));
                            false
                        }
                        _ => true,
                    });
                }
            });
    }

    /// Heights of the given nodes.
    pub fn heights(&self, nodes: &[usize]) -> Vec<u64> {
        nodes
            .iter()
            .map(|&i| self.nodes[i].ledger.head().expect("head").height)
            .collect()
    }

    /// Waits (in simulated time) until every node in `nodes` has reached `height`.
    pub async fn wait_height(&self, nodes: &[usize], height: u64) {
        while self.heights(nodes).iter().any(|&h| h < height) {
            self.context.sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until every client has finished (all its transactions acknowledged).
    pub async fn wait_acked(&self, total: usize) {
        while self.acked.lock().expect("lock").len() < total
            && self.errors.lock().expect("lock").is_empty()
        {
            self.context.sleep(Duration::from_millis(100)).await;
        }
    }

    /// The checker: the same block hash, state root and log root at every height on every
    /// node in `honest` (up to the lowest of their heights, which the caller lets converge
    /// first), every acknowledged transaction committed at the same log index on each, no
    /// client error, and a checkpoint cosigned by a quorum that matches each node's log.
    pub fn check(&self, honest: &[usize]) -> Hash32 {
        let errors = self.errors.lock().expect("lock");
        assert!(errors.is_empty(), "client errors: {errors:?}");
        let heights = self.heights(honest);
        let common = *heights.iter().min().expect("nodes");
        assert!(common > 0, "no progress: heights {heights:?}");
        let first = &self.nodes[honest[0]].ledger;
        for h in 1..=common {
            let want = first.block_roots(h).expect("read").expect("block");
            for &i in &honest[1..] {
                let got = self.nodes[i].ledger.block_roots(h).expect("read");
                assert_eq!(
                    got.as_ref(),
                    Some(&want),
                    "validator {i} disagrees with validator {} at height {h}",
                    honest[0]
                );
            }
        }
        for id in self.acked.lock().expect("lock").iter() {
            let want = first.tx(id).expect("read");
            assert!(
                matches!(want, Some(TxRecord::Committed { .. })),
                "acknowledged {id} is not committed on validator {}",
                honest[0]
            );
            for &i in &honest[1..] {
                assert_eq!(
                    self.nodes[i].ledger.tx(id).expect("read"),
                    want,
                    "acknowledged {id} differs on validator {i}"
                );
            }
        }
        let mut cosigned = Vec::new();
        for &i in honest {
            let ledger = &self.nodes[i].ledger;
            let text = ledger
                .latest_checkpoint()
                .expect("read")
                .unwrap_or_else(|| panic!("validator {i} has no cosigned checkpoint"));
            let note = SignedNote::parse(&text).expect("note parses");
            // Signed by the validators of the epoch of the checkpoint's state line.
            let state_height = unchain_log::Checkpoint::parse_body(&note.body)
                .expect("body parses")
                .state
                .expect("state line")
                .height;
            let verifiers = first.checkpoint_verifiers_at(state_height).expect("read");
            let cp = note
                .verify_checkpoint(&verifiers, quorum(verifiers.len()))
                .unwrap_or_else(|e| panic!("validator {i}'s checkpoint: {e}"));
            assert_eq!(
                ledger.log_root_at(cp.size).expect("root"),
                cp.root,
                "validator {i}'s cosigned checkpoint is not its log"
            );
            cosigned.push((cp.size, note.signatures.len()));
        }
        eprintln!(
            "checked: heights {heights:?}, {} acknowledged transactions, cosigned (size, signatures) {cosigned:?}, simulated time {:?}",
            self.acked.lock().expect("lock").len(),
            self.context
                .current()
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970")
                .saturating_sub(Duration::from_millis(GENESIS_MS))
        );
        want_digest(first, common)
    }
}

impl Sim {
    /// Every finalization certificate the `honest` nodes serve for heights 1 to the common
    /// height verifies against the keys of its epoch's validators alone (the genesis
    /// validators' in epoch 0) and finalizes the block the node executed at that height; a
    /// certificate checked against another digest, or with a byte flipped, does not.
    /// Returns how many were checked.
    pub async fn check_finality(&self, honest: &[usize]) -> usize {
        use unchain_consensus::certificates::verify_finalization;
        let common = *self.heights(honest).iter().min().expect("nodes");
        let mut checked = 0;
        for &i in honest {
            let mut served = 0;
            for h in 1..=common {
                let keys = self.epoch_keys(i, h);
                let Some(cert) = self.nodes[i].finalizations.get(h).await else {
                    continue;
                };
                let digest = want_digest(&self.nodes[i].ledger, h);
                let v = verify_finalization(&cert.bytes, &keys, &digest)
                    .unwrap_or_else(|e| panic!("node {i}, height {h}: {e}"));
                assert_eq!(v.digest, digest);
                assert!(
                    v.signers.len() >= quorum(keys.len()),
                    "node {i}, height {h}"
                );
                assert!(
                    verify_finalization(&cert.bytes, &keys, &Hash32::digest(b"another")).is_err()
                );
                let mut flipped = cert.bytes.clone();
                let last = flipped.len() - 1;
                flipped[last] ^= 1;
                assert!(verify_finalization(&flipped, &keys, &digest).is_err());
                served += 1;
            }
            assert!(served > 0, "node {i} serves no finalization certificate");
            checked += served;
        }
        checked
    }
}

/// The member name of node `i` among `n` validators: `v{i}`, then `f{i - n}`.
pub fn node_name(i: usize, n: usize) -> String {
    if i < n {
        format!("v{i}")
    } else {
        format!("f{}", i - n)
    }
}

impl Sim {
    /// The validator keys of the epoch of height `h`, as node `node` recorded them.
    pub fn epoch_keys(&self, node: usize, h: u64) -> Vec<unchain_types::PublicKey> {
        let ledger = &self.nodes[node].ledger;
        ledger
            .validator_set(ledger.epoch_of(h))
            .expect("read")
            .expect("an executed height's epoch is known")
            .iter()
            .map(|v| v.key)
            .collect()
    }
}

fn want_digest(ledger: &Ledger, height: u64) -> Hash32 {
    ledger
        .block_roots(height)
        .expect("read")
        .expect("block")
        .digest
}

/// A transaction of `kind` from `key` with `nonce`.
pub fn signed(
    key: &SigningKey,
    nonce: u64,
    kind: &str,
    body: serde_json::Value,
) -> unchain_types::Transaction {
    UnsignedTransaction {
        chain_id: "sim".into(),
        sender: key.public_key(),
        nonce,
        kind: kind.into(),
        body,
    }
    .sign(key)
    .expect("sign")
}

/// A notary anchor from `key` with `nonce`, distinct for every (key, nonce).
pub fn anchor(key: &SigningKey, nonce: u64) -> unchain_types::Transaction {
    let mut doc = key.public_key().to_bytes().to_vec();
    doc.extend_from_slice(&nonce.to_be_bytes());
    UnsignedTransaction {
        chain_id: "sim".into(),
        sender: key.public_key(),
        nonce,
        kind: "notary.anchor".into(),
        body: serde_json::json!({
            "hash": Hash32::digest(&doc).to_hex(),
            "doc_type": "report",
            "description": format!("simulated document {nonce}"),
        }),
    }
    .sign(key)
    .expect("sign")
}
