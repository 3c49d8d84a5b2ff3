//! Starting a node: authenticated p2p among the consortium's nodes, then the validator's
//! engine — or, on a member that runs no validator, the [`crate::follower`].

use crate::NAMESPACE;
use crate::application::Application;
use crate::blob_sync::{self, SyncConfig};
use crate::block::{ChainBlock, Context};
use crate::cosign::{self, CosignConfig};
use crate::engine::{EngineConfig, GENESIS_EPOCH, MarshalParts, Marshaled};
use crate::epochs::{EpochResolver, EpochSchemes, Orchestrator};
use crate::gossip::{self, GossipConfig};
use commonware_codec::DecodeExt;
use commonware_consensus::marshal;
use commonware_consensus::types::{FixedEpocher, Round, View};
use commonware_cryptography::{Signer as _, ed25519, sha256};
use commonware_p2p::{
    Address, AddressableManager, Blocker, Provider, Receiver, Sender, authenticated::lookup,
};
use commonware_parallel::Strategy;
use commonware_runtime::{
    BufferPooler, Clock, Handle, Metrics, Quota, Spawner, Storage, ThreadPooler, tokio,
};
use commonware_utils::ordered::Map;
use commonware_utils::{NZUsize, union_unique};
use governor::clock::Clock as GClock;
use rand::{CryptoRng, Rng};
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroU64};
use std::time::Duration;
use unchain_ledger::Head;
use unchain_types::{Block, Hash32, PublicKey};

const VOTES: u64 = 0;
const CERTIFICATES: u64 = 1;
const RESOLVER: u64 = 2;
const BROADCAST: u64 = 3;
const MARSHAL: u64 = 4;
const TXS: u64 = 5;
const COSIGN: u64 = 6;
const VAULT: u64 = 7;
const TIPS: u64 = 8;
const SIDECARS: u64 = 9;

/// How often the p2p dialer looks again for peers it is not connected to (and so how soon
/// a dropped connection is re-dialed).
pub const PEER_REDIAL: Duration = Duration::from_secs(5);

/// How a validator joins the network.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// The validator's Ed25519 seed (its member signing key).
    pub seed: [u8; 32],
    /// Where to listen for peers.
    pub p2p_listen: SocketAddr,
    /// Every node's member name and p2p address, this one included: the validators and
    /// the followers. Their keys are read from the members in state, at start and again at
    /// each epoch boundary (a rotated key, a member removed).
    pub peers: Vec<(String, SocketAddr)>,
    /// Largest p2p message. Default 32 MiB (a full block).
    pub max_message_size: u32,
    /// Messages buffered per channel. Default 1 024.
    pub message_backlog: usize,
    /// Engine timeouts and sizes.
    pub engine: EngineConfig,
    /// The vault: this node's ciphertext store and member name (`None`: no vault sync).
    pub vault: Option<SyncConfig>,
    /// Tip messages: this node's copy of every tip's ciphertexts (`None`: no tip sync).
    pub tips: Option<SyncConfig>,
}

/// Converts an Unchain key to commonware's type.
pub fn to_ed25519(key: &PublicKey) -> ed25519::PublicKey {
    ed25519::PublicKey::decode(key.to_bytes().as_slice()).expect("valid keys convert")
}

/// The consensus genesis block for a ledger's genesis head: height 0, the genesis hash as
/// its parent, the genesis roots.
pub fn genesis_block(
    genesis_head: &Head,
    genesis_hash: Hash32,
    first_validator: &PublicKey,
) -> ChainBlock {
    let context = Context {
        round: Round::new(GENESIS_EPOCH, View::zero()),
        leader: to_ed25519(first_validator),
        parent: (View::zero(), sha256::Digest::from([0u8; 32])),
    };
    ChainBlock::new(
        context,
        Block {
            height: 0,
            parent: genesis_hash,
            timestamp_ms: genesis_head.timestamp_ms,
            proposer: *first_validator,
            attested_height: 0,
            attested_state_root: genesis_head.state_root,
            attested_log_size: genesis_head.log_size,
            attested_log_root: genesis_head.log_root,
            transactions: Vec::new(),
        },
    )
}

/// The p2p channels a validator speaks on, each a (sender, receiver) pair.
pub struct Channels<S, R> {
    /// Consensus votes.
    pub votes: (S, R),
    /// Consensus certificates.
    pub certificates: (S, R),
    /// Consensus certificate fetches.
    pub resolver: (S, R),
    /// Block broadcast.
    pub broadcast: (S, R),
    /// Marshal's block backfill (catch-up).
    pub marshal: (S, R),
    /// Transaction gossip.
    pub txs: (S, R),
    /// Checkpoint cosignatures.
    pub cosign: (S, R),
    /// Ciphertexts between vaults.
    pub vault: (S, R),
    /// Tip ciphertexts between every member's node.
    pub tips: (S, R),
    /// Sidecars a node lacks, fetched from its peers ([`crate::sidecars`]).
    pub sidecars: (S, R),
}

/// The channels consensus itself speaks on (votes and certificate fetches are drained by a
/// follower).
pub(crate) struct ConsensusChannels<S, R> {
    pub votes: (S, R),
    pub certificates: (S, R),
    pub resolver: (S, R),
    pub broadcast: (S, R),
    pub marshal: (S, R),
}

impl<S, R> Channels<S, R> {
    /// The consensus channels and the side actors' channels.
    fn split(self) -> (ConsensusChannels<S, R>, SideChannels<S, R>) {
        (
            ConsensusChannels {
                votes: self.votes,
                certificates: self.certificates,
                resolver: self.resolver,
                broadcast: self.broadcast,
                marshal: self.marshal,
            },
            SideChannels {
                txs: self.txs,
                cosign: self.cosign,
                vault: self.vault,
                tips: self.tips,
                sidecars: self.sidecars,
            },
        )
    }
}

/// Everything a node runs besides its network, validator or follower alike.
pub struct NodeParts<B, P, St> {
    /// This node's key: its p2p identity, and a validator's vote key.
    pub signer: ed25519::PrivateKey,
    /// Blocks misbehaving peers.
    pub blocker: B,
    /// Knows the peer set.
    pub provider: P,
    /// Signature verification parallelism.
    pub strategy: St,
    /// Engine timeouts and sizes (a follower uses only the storage settings).
    pub engine: EngineConfig,
    /// Transaction gossip batching.
    pub gossip: GossipConfig,
    /// Checkpoint cosigning.
    pub cosign: CosignConfig,
    /// Vault sync (`None`: this node keeps no ciphertexts).
    pub vault: Option<SyncConfig>,
    /// Tip sync (`None`: this node keeps no tip ciphertexts).
    pub tips: Option<SyncConfig>,
}

/// Runs a node: consensus (a validator's engine in each epoch whose set holds this node's
/// key, a follower's listener in the others; [`crate::epochs`]) with what every node runs
/// beside it: transaction gossip, checkpoint cosigning (signed where this node validates)
/// and vault and tip sync. Returns the handles of every task it started.
pub async fn run_node<E, S, R, B, P, St>(
    context: E,
    mut parts: NodeParts<B, P, St>,
    channels: Channels<S, R>,
    application: Application,
) -> Vec<Handle<()>>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    B: Blocker<PublicKey = ed25519::PublicKey> + Clone,
    P: Provider<PublicKey = ed25519::PublicKey> + Clone,
    St: Strategy,
{
    let (consensus, side) = channels.split();
    let mut handles = start_side_actors(
        &context,
        parts.gossip,
        parts.cosign,
        [parts.vault.take(), parts.tips.take()],
        &application,
        Some(application.proposer()),
        side,
    );
    handles.extend(run(context, parts, consensus, application).await);
    handles
}

/// The channels the side actors speak on.
struct SideChannels<S, R> {
    pub txs: (S, R),
    pub cosign: (S, R),
    pub vault: (S, R),
    pub tips: (S, R),
    pub sidecars: (S, R),
}

/// Starts what every node runs beside consensus: transaction gossip, checkpoint
/// cosigning (`signer`: the key it cosigns with, if a validator), vault and tip sync.
fn start_side_actors<E, S, R>(
    context: &E,
    gossip_cfg: GossipConfig,
    cosign_cfg: CosignConfig,
    [vault_cfg, tips_cfg]: [Option<SyncConfig>; 2],
    application: &Application,
    signer: Option<PublicKey>,
    channels: SideChannels<S, R>,
) -> Vec<Handle<()>>
where
    E: Clock + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let ledger = application.ledger().clone();
    let mut handles = gossip::start(
        context.with_label("gossip"),
        gossip_cfg,
        ledger.clone(),
        application.mempool().clone(),
        channels.txs.0,
        channels.txs.1,
    );
    handles.extend(cosign::start(
        context.with_label("cosign"),
        cosign_cfg,
        ledger.clone(),
        application.applied(),
        signer,
        channels.cosign.0,
        channels.cosign.1,
    ));
    if let Some(vault_cfg) = vault_cfg {
        handles.extend(blob_sync::start(
            context.with_label("vault"),
            vault_cfg,
            ledger.clone(),
            application.applied(),
            channels.vault.0,
            channels.vault.1,
        ));
    }
    if let Some(tips_cfg) = tips_cfg {
        handles.extend(blob_sync::start(
            context.with_label("tips"),
            tips_cfg,
            ledger.clone(),
            application.applied(),
            channels.tips.0,
            channels.tips.1,
        ));
    }
    if let Some(store) = application.mempool().sidecars() {
        handles.extend(crate::sidecars::start(
            context.with_label("sidecars"),
            store.clone(),
            ledger,
            application.applied(),
            channels.sidecars.0,
            channels.sidecars.1,
        ));
    }
    handles
}

/// Marshal's backfill resolver on the marshal channel: fetches finalized blocks and
/// certificates this node is missing from its peers, and serves theirs.
#[allow(clippy::type_complexity)]
pub(crate) fn backfill<E, S, R, B, P>(
    context: &E,
    me: ed25519::PublicKey,
    provider: P,
    blocker: B,
    mailbox_size: usize,
    channel: (S, R),
) -> (
    commonware_utils::channel::mpsc::Receiver<marshal::resolver::handler::Message<sha256::Digest>>,
    commonware_resolver::p2p::Mailbox<
        marshal::resolver::handler::Request<sha256::Digest>,
        ed25519::PublicKey,
    >,
)
where
    E: BufferPooler + Clock + Rng + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    P: Provider<PublicKey = ed25519::PublicKey>,
{
    marshal::resolver::p2p::init(
        &context.with_label("backfill"),
        marshal::resolver::p2p::Config {
            public_key: me,
            peer_provider: provider,
            blocker,
            mailbox_size,
            initial: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            fetch_retry_timeout: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channel,
    )
}

/// Starts consensus on `channels` (through [`run_node`], which starts the side actors):
/// block broadcast, marshal with its backfill, and the epoch orchestrator
/// ([`crate::epochs`]), which runs a validator's engine in each epoch whose set holds this
/// node's key and follows the others. Generic over the runtime and network, so that the
/// deterministic simulation runs exactly the code a real node runs.
pub(crate) async fn run<E, S, R, B, P, St>(
    context: E,
    parts: NodeParts<B, P, St>,
    channels: ConsensusChannels<S, R>,
    application: Application,
) -> Vec<Handle<()>>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    B: Blocker<PublicKey = ed25519::PublicKey> + Clone,
    P: Provider<PublicKey = ed25519::PublicKey> + Clone,
    St: Strategy,
{
    let me = parts.signer.public_key();
    let ledger = application.ledger().clone();
    let epocher = FixedEpocher::new(
        NonZeroU64::new(ledger.epoch_length()).expect("genesis checks the epoch length"),
    );
    let schemes = EpochSchemes::new(ledger);
    let MarshalParts {
        buffer,
        buffer_mailbox,
        marshal,
        mailbox,
        page_cache,
    } = MarshalParts::new(
        &context,
        &parts.engine,
        me.clone(),
        parts.provider.clone(),
        schemes.clone(),
        epocher.clone(),
        parts.strategy.clone(),
    )
    .await;
    let (resolver_rx, resolver) = backfill(
        &context,
        me,
        parts.provider,
        parts.blocker.clone(),
        parts.engine.mailbox_size,
        channels.marshal,
    );
    let resolver = EpochResolver::new(resolver, schemes.clone(), epocher.clone());
    application.finalizations().attach(mailbox.clone());
    let marshaled = Marshaled::new(
        context.with_label("marshaled"),
        application.clone(),
        mailbox.clone(),
        epocher.clone(),
    );
    let buffer = buffer.start(channels.broadcast);
    // Marshal starts before consensus so that replayed events find it ready.
    let marshal_handle = marshal.start(marshaled.clone(), buffer_mailbox, (resolver_rx, resolver));
    // A ledger restored from a snapshot holds no block before it: marshal starts there,
    // neither fetching nor delivering the blocks below.
    if let Ok(Some(base)) = application.ledger().snapshot_base()
        && application
            .ledger()
            .head()
            .is_ok_and(|h| h.height == base.height)
    {
        mailbox
            .set_floor(commonware_consensus::types::Height::new(base.height))
            .await;
    }
    let orchestrator = Orchestrator {
        context: context.clone(),
        cfg: parts.engine,
        signer: parts.signer,
        schemes,
        epocher,
        application,
        marshaled,
        marshal: mailbox,
        blocker: parts.blocker,
        strategy: parts.strategy,
        page_cache,
    }
    .start(channels.votes, channels.certificates, channels.resolver);
    vec![buffer, marshal_handle, orchestrator]
}

/// Starts authenticated p2p among the consortium's nodes, then [`run_node`], inside a
/// commonware tokio runtime context.
pub async fn start(
    context: tokio::Context,
    cfg: ValidatorConfig,
    application: Application,
) -> Vec<Handle<()>> {
    let signer = ed25519::PrivateKey::decode(cfg.seed.as_slice()).expect("32-byte seed");
    let p2p_namespace = union_unique(NAMESPACE, b"_P2P");
    let mut p2p_cfg = lookup::Config::local(
        signer.clone(),
        &p2p_namespace,
        cfg.p2p_listen,
        cfg.max_message_size,
    );
    // The dialer re-reads which peers are unconnected only this often, and re-dials none
    // in between: one connection dropped at start-up (two nodes dialing each other at
    // once, one side closes) left a node cut off from the validators for the local
    // default's 30 s — a follower that applied no block for 40 s, a restarted validator
    // that could not catch up in time. Five seconds keeps reconnection prompt and costs one
    // dial attempt per missing peer per interval.
    p2p_cfg.query_frequency = PEER_REDIAL;
    let (mut network, mut oracle) = lookup::Network::new(context.with_label("network"), p2p_cfg);
    let ledger = application.ledger().clone();
    let (epoch, _) = ledger.latest_epoch().expect("the ledger reads its epoch");
    let mut tracked = peer_set(&ledger, &cfg.peers);
    oracle.track(epoch, tracked.clone()).await;
    // The peer set follows the members in state: at each epoch boundary, a member removed
    // leaves it and a rotated key replaces the old one.
    let retrack = {
        let mut oracle = oracle.clone();
        let mut applied = application.applied();
        let addresses = cfg.peers.clone();
        context
            .with_label("peer_sets")
            .spawn(move |ctx| async move {
                let mut last_epoch = epoch;
                loop {
                    crate::application::block_or_tick(&ctx, &mut applied, PEER_REDIAL).await;
                    let Ok((epoch, _)) = ledger.latest_epoch() else {
                        continue;
                    };
                    if epoch == last_epoch {
                        continue;
                    }
                    last_epoch = epoch;
                    let peers = peer_set(&ledger, &addresses);
                    if peers != tracked {
                        tracing::info!(epoch, peers = peers.len(), "peer set re-tracked");
                        oracle.track(epoch, peers.clone()).await;
                        tracked = peers;
                    }
                }
            })
    };
    let quota = |n: u32| Quota::per_second(NonZeroU32::new(n).expect("non-zero quota"));
    let backlog = cfg.message_backlog;
    let channels = Channels {
        votes: network.register(VOTES, quota(1024), backlog),
        certificates: network.register(CERTIFICATES, quota(1024), backlog),
        resolver: network.register(RESOLVER, quota(256), backlog),
        broadcast: network.register(BROADCAST, quota(256), backlog),
        marshal: network.register(MARSHAL, quota(256), backlog),
        txs: network.register(TXS, quota(1024), backlog),
        cosign: network.register(COSIGN, quota(1024), backlog),
        vault: network.register(VAULT, quota(256), backlog),
        tips: network.register(TIPS, quota(256), backlog),
        sidecars: network.register(SIDECARS, quota(256), backlog),
    };
    let p2p = network.start();

    let strategy = context
        .create_strategy(NZUsize!(1))
        .expect("signature verification pool");
    let parts = NodeParts {
        signer,
        blocker: oracle.clone(),
        provider: oracle,
        strategy,
        engine: cfg.engine,
        gossip: GossipConfig::default(),
        cosign: CosignConfig::default(),
        vault: cfg.vault,
        tips: cfg.tips,
    };
    let mut handles = run_node(context, parts, channels, application).await;
    handles.push(p2p);
    handles.push(retrack);
    handles
}

/// The p2p peer set: each member in state that `addresses` names, under its current key.
fn peer_set(
    ledger: &unchain_ledger::Ledger,
    addresses: &[(String, SocketAddr)],
) -> Map<ed25519::PublicKey, Address> {
    let members = ledger.members().unwrap_or_default();
    Map::from_iter_dedup(addresses.iter().filter_map(|(name, addr)| {
        let m = members.iter().find(|m| &m.name == name)?;
        Some((to_ed25519(&m.signing_key), Address::Symmetric(*addr)))
    }))
}
