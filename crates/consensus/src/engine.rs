//! Wiring of the commonware actors every node runs: buffered broadcast of blocks and marshal
//! (ordered delivery of finalized blocks, backfill), around the [`Application`]; the
//! simplex engines of each epoch are [`crate::epochs`]'s.
//!
//! The shape follows commonware's own example chain (alto): finalized blocks and their
//! finalization certificates are kept in immutable archives; consensus journals its votes.

use crate::application::Application;
use crate::block::{BlockLimits, ChainBlock};
use crate::epochs::EpochSchemes;
use crate::{Finalization, Scheme};
use commonware_broadcast::buffered;
use commonware_consensus::marshal::{
    self,
    core::{Actor as MarshalActor, Mailbox as MarshalMailbox},
    standard::{Deferred, Standard},
};
use commonware_consensus::types::{Epoch, FixedEpocher, ViewDelta};
use commonware_cryptography::certificate::Scheme as _;
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::sha256::Digest;
use commonware_p2p::Provider;
use commonware_parallel::Strategy;
use commonware_runtime::{BufferPooler, Clock, Metrics, Spawner, Storage, buffer::paged::CacheRef};
use commonware_storage::archive::immutable;
use commonware_utils::{NZU16, NZU64, NZUsize};
use governor::clock::Clock as GClock;
use rand::{CryptoRng, Rng};
use std::num::NonZero;
use std::time::Duration;

/// The epoch of the genesis block.
pub const GENESIS_EPOCH: Epoch = Epoch::zero();

const PRUNABLE_ITEMS_PER_SECTION: NonZero<u64> = NZU64!(4_096);
const IMMUTABLE_ITEMS_PER_SECTION: NonZero<u64> = NZU64!(262_144);
const FREEZER_TABLE_RESIZE_FREQUENCY: u8 = 4;
const FREEZER_TABLE_RESIZE_CHUNK_SIZE: u32 = 2u32.pow(16);
const FREEZER_JOURNAL_TARGET_SIZE: u64 = 1024 * 1024 * 1024;
/// No compression: blocks are mostly hashes and signatures, which do not compress, and
/// compressing megabyte blocks sits on the path to finality.
const FREEZER_JOURNAL_COMPRESSION: Option<u8> = None;
pub(crate) const REPLAY_BUFFER: NonZero<usize> = NZUsize!(8 * 1024 * 1024);
pub(crate) const WRITE_BUFFER: NonZero<usize> = NZUsize!(1024 * 1024);
const PAGE_CACHE_PAGE_SIZE: NonZero<u16> = NZU16!(4_096);
const PAGE_CACHE_CAPACITY: NonZero<usize> = NZUsize!(4_096);
const MAX_REPAIR: NonZero<usize> = NZUsize!(20);
const MAX_PENDING_ACKS: NonZero<usize> = NZUsize!(16);
const FREEZER_TABLE_INITIAL_SIZE: u32 = 2u32.pow(14);

/// Timeouts and sizes of the consensus engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Prefix of every storage partition this engine creates.
    pub partition_prefix: String,
    /// Messages a mailbox holds before senders wait. Default 1 024.
    pub mailbox_size: usize,
    /// Blocks the broadcast buffer keeps per peer. Default 10.
    pub deque_size: usize,
    /// How long to wait for a leader's proposal. Default 1 s.
    pub leader_timeout: Duration,
    /// How long to wait for a notarized block to be certified. Default 2 s.
    pub certification_timeout: Duration,
    /// How often to retry a nullify vote. Default 10 s.
    pub nullify_retry: Duration,
    /// Views of activity kept before pruning. Default 256.
    pub activity_timeout: ViewDelta,
    /// Views of inactivity before a leader is skipped. Default 32.
    pub skip_timeout: ViewDelta,
    /// How long to wait for a fetched certificate. Default 2 s.
    pub fetch_timeout: Duration,
    /// Concurrent certificate fetches. Default 4.
    pub fetch_concurrent: usize,
    /// Decoding limits for blocks from the network.
    pub block_limits: BlockLimits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            partition_prefix: "unchain".into(),
            mailbox_size: 1024,
            deque_size: 10,
            leader_timeout: Duration::from_secs(1),
            certification_timeout: Duration::from_secs(2),
            nullify_retry: Duration::from_secs(10),
            activity_timeout: ViewDelta::new(256),
            skip_timeout: ViewDelta::new(32),
            fetch_timeout: Duration::from_secs(2),
            fetch_concurrent: 4,
            block_limits: BlockLimits::default(),
        }
    }
}

/// The application as consensus drives it: marshal's wrapper that handles epoch boundaries
/// (the last block of an epoch is the next epoch's genesis).
pub(crate) type Marshaled<E> = Deferred<E, Scheme, Application, ChainBlock, FixedEpocher>;

/// The actors a validator and a follower share: the block broadcast buffer and marshal
/// (finalized blocks and certificates in archives, backfill, ordered delivery).
pub(crate) struct MarshalParts<E, P, S>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    P: Provider<PublicKey = PublicKey>,
    S: Strategy,
{
    pub(crate) buffer: buffered::Engine<E, PublicKey, ChainBlock, P>,
    pub(crate) buffer_mailbox: buffered::Mailbox<PublicKey, ChainBlock>,
    #[allow(clippy::type_complexity)]
    pub(crate) marshal: MarshalActor<
        E,
        Standard<ChainBlock>,
        EpochSchemes,
        immutable::Archive<E, Digest, Finalization>,
        immutable::Archive<E, Digest, ChainBlock>,
        FixedEpocher,
        S,
    >,
    pub(crate) mailbox: MarshalMailbox<Scheme, Standard<ChainBlock>>,
    pub(crate) page_cache: CacheRef,
}

impl<E, P, S> MarshalParts<E, P, S>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    P: Provider<PublicKey = PublicKey>,
    S: Strategy,
{
    /// Restores the archives and builds the buffer and marshal; `schemes` verify each
    /// epoch's certificates, `epocher` says which epoch a height is in.
    pub(crate) async fn new(
        context: &E,
        cfg: &EngineConfig,
        me: PublicKey,
        provider: P,
        schemes: EpochSchemes,
        epocher: FixedEpocher,
        strategy: S,
    ) -> Self {
        let (buffer, buffer_mailbox) = buffered::Engine::new(
            context.with_label("buffer"),
            buffered::Config {
                public_key: me,
                mailbox_size: cfg.mailbox_size,
                deque_size: cfg.deque_size,
                priority: true,
                codec_config: cfg.block_limits,
                peer_provider: provider,
            },
        );
        let page_cache = CacheRef::from_pooler(context, PAGE_CACHE_PAGE_SIZE, PAGE_CACHE_CAPACITY);
        let prefix = &cfg.partition_prefix;
        let finalizations = immutable::Archive::init(
            context.with_label("finalizations_by_height"),
            archive_config(
                prefix,
                "finalizations",
                &page_cache,
                Scheme::certificate_codec_config_unbounded(),
            ),
        )
        .await
        .expect("failed to open the finalizations archive");
        let blocks = immutable::Archive::init(
            context.with_label("finalized_blocks"),
            archive_config(prefix, "blocks", &page_cache, cfg.block_limits),
        )
        .await
        .expect("failed to open the finalized blocks archive");
        let (marshal, mailbox, _) = MarshalActor::init(
            context.with_label("marshal"),
            finalizations,
            blocks,
            marshal::Config {
                provider: schemes,
                epocher,
                partition_prefix: prefix.clone(),
                mailbox_size: cfg.mailbox_size,
                view_retention_timeout: ViewDelta::new(
                    cfg.activity_timeout.get().saturating_mul(10),
                ),
                prunable_items_per_section: PRUNABLE_ITEMS_PER_SECTION,
                replay_buffer: REPLAY_BUFFER,
                key_write_buffer: WRITE_BUFFER,
                value_write_buffer: WRITE_BUFFER,
                block_codec_config: cfg.block_limits,
                max_repair: MAX_REPAIR,
                max_pending_acks: MAX_PENDING_ACKS,
                page_cache: page_cache.clone(),
                strategy,
            },
        )
        .await;
        MarshalParts {
            buffer,
            buffer_mailbox,
            marshal,
            mailbox,
            page_cache,
        }
    }
}

fn archive_config<C>(
    prefix: &str,
    name: &str,
    page_cache: &CacheRef,
    codec_config: C,
) -> immutable::Config<C> {
    immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: FREEZER_TABLE_INITIAL_SIZE,
        freezer_table_resize_frequency: FREEZER_TABLE_RESIZE_FREQUENCY,
        freezer_table_resize_chunk_size: FREEZER_TABLE_RESIZE_CHUNK_SIZE,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_key_write_buffer: WRITE_BUFFER,
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_write_buffer: WRITE_BUFFER,
        freezer_value_target_size: FREEZER_JOURNAL_TARGET_SIZE,
        freezer_value_compression: FREEZER_JOURNAL_COMPRESSION,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        ordinal_write_buffer: WRITE_BUFFER,
        items_per_section: IMMUTABLE_ITEMS_PER_SECTION,
        codec_config,
        replay_buffer: REPLAY_BUFFER,
    }
}
