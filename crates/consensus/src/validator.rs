//! Starting a validator: authenticated p2p among the genesis validators, then the engine.

use crate::NAMESPACE;
use crate::application::Application;
use crate::block::{ChainBlock, Context};
use crate::engine::{EPOCH, Engine, EngineConfig};
use commonware_codec::DecodeExt;
use commonware_consensus::marshal;
use commonware_consensus::types::{Round, View};
use commonware_cryptography::{Signer as _, ed25519, sha256};
use commonware_p2p::{Address, AddressableManager, authenticated::lookup};
use commonware_runtime::{Handle, Metrics, Quota, ThreadPooler, tokio};
use commonware_utils::ordered::{Map, Set};
use commonware_utils::{NZUsize, union_unique};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;
use unchain_ledger::Head;
use unchain_types::{Block, Hash32, PublicKey};

const VOTES: u64 = 0;
const CERTIFICATES: u64 = 1;
const RESOLVER: u64 = 2;
const BROADCAST: u64 = 3;
const MARSHAL: u64 = 4;

/// How a validator joins the network.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// The validator's Ed25519 seed (its member signing key).
    pub seed: [u8; 32],
    /// Where to listen for peers.
    pub p2p_listen: SocketAddr,
    /// Every validator's key and p2p address, this one included.
    pub validators: Vec<(PublicKey, SocketAddr)>,
    /// Largest p2p message. Default 32 MiB (a full block).
    pub max_message_size: u32,
    /// Messages buffered per channel. Default 1 024.
    pub message_backlog: usize,
    /// Engine timeouts and sizes.
    pub engine: EngineConfig,
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
        round: Round::new(EPOCH, View::zero()),
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
            parent_state_root: genesis_head.state_root,
            parent_log_size: genesis_head.log_size,
            parent_log_root: genesis_head.log_root,
            transactions: Vec::new(),
        },
    )
}

/// Starts p2p and the consensus engine inside a commonware tokio runtime context.
pub async fn start(
    context: tokio::Context,
    cfg: ValidatorConfig,
    application: Application,
) -> Vec<Handle<()>> {
    let signer = ed25519::PrivateKey::decode(cfg.seed.as_slice()).expect("32-byte seed");
    let me = signer.public_key();
    let p2p_namespace = union_unique(NAMESPACE, b"_P2P");
    let p2p_cfg = lookup::Config::local(
        signer.clone(),
        &p2p_namespace,
        cfg.p2p_listen,
        cfg.max_message_size,
    );
    let (mut network, mut oracle) = lookup::Network::new(context.with_label("network"), p2p_cfg);
    let peers: Map<ed25519::PublicKey, Address> = Map::from_iter_dedup(
        cfg.validators
            .iter()
            .map(|(k, addr)| (to_ed25519(k), Address::Symmetric(*addr))),
    );
    let participants: Set<ed25519::PublicKey> = Set::from_iter_dedup(peers.keys().iter().cloned());
    oracle.track(EPOCH.get(), peers).await;

    let quota = |n: u32| Quota::per_second(NonZeroU32::new(n).expect("non-zero quota"));
    let votes = network.register(VOTES, quota(1024), cfg.message_backlog);
    let certificates = network.register(CERTIFICATES, quota(1024), cfg.message_backlog);
    let resolver = network.register(RESOLVER, quota(256), cfg.message_backlog);
    let broadcast = network.register(BROADCAST, quota(256), cfg.message_backlog);
    let marshal_channel = network.register(MARSHAL, quota(256), cfg.message_backlog);
    let p2p = network.start();

    let strategy = context
        .create_strategy(NZUsize!(1))
        .expect("signature verification pool");
    let engine = Engine::new(
        context.with_label("engine"),
        cfg.engine.clone(),
        signer,
        participants,
        NAMESPACE,
        oracle.clone(),
        oracle.clone(),
        strategy,
        application,
    )
    .await;
    let marshal_resolver = marshal::resolver::p2p::init(
        &context,
        marshal::resolver::p2p::Config {
            public_key: me,
            peer_provider: oracle.clone(),
            blocker: oracle,
            mailbox_size: cfg.engine.mailbox_size,
            initial: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            fetch_retry_timeout: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        marshal_channel,
    );
    let engine = engine.start(votes, certificates, resolver, broadcast, marshal_resolver);
    vec![p2p, engine]
}
