//! The application consensus drives: it builds blocks from the mempool, checks blocks
//! proposed by others, and executes finalized blocks on the ledger.

use crate::block::{ChainBlock, Context, from_digest};
use crate::mempool::Mempool;
use commonware_consensus::marshal::Update;
use commonware_consensus::marshal::ancestry::{AncestorStream, BlockProvider};
use commonware_consensus::{Heightable, Reporter};
use commonware_cryptography::Digestible;
use commonware_runtime::{Clock, Metrics, Spawner};
use commonware_utils::{Acknowledgement, SystemTimeExt};
use futures::StreamExt;
use futures::channel::mpsc;
use rand::Rng;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;
use tracing::{debug, error, info, warn};
use unchain_ledger::{BlockRecord, BlockRoots, Ledger, LedgerError};
use unchain_types::{Block, PublicKey, Transaction};

/// Called after each block is applied (mempool cleanup, waiters, metrics).
pub type OnApplied = Arc<dyn Fn(&BlockRecord) + Send + Sync>;

/// Block-building limits and clock tolerance.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationConfig {
    /// Most transactions a proposal takes from the mempool. Default 5 000.
    pub max_block_txs: usize,
    /// Most bytes of transactions in a proposal. Default 8 MiB.
    pub max_block_bytes: usize,
    /// How far in the future a block's timestamp may be. Default 2 s.
    pub max_clock_skew: Duration,
    /// How often a proposer or verifier re-checks whether the parent has been executed.
    /// Default 2 ms.
    pub parent_poll: Duration,
    /// With an empty mempool, a proposer waits up to this long after its parent's time for
    /// transactions before proposing an empty block. Keeps an idle chain from writing
    /// hundreds of empty blocks a second; must stay well below the leader timeout.
    /// Default 250 ms.
    pub idle_block_interval: Duration,
    /// How long a verifier waits to have executed the height a block attests before it
    /// votes without comparing those roots (they are compared again at execution). Waiting
    /// longer could wait forever: the attested block may be finalized only by this very
    /// block's descendants. Default 500 ms.
    pub attestation_wait: Duration,
}

impl Default for ApplicationConfig {
    fn default() -> Self {
        ApplicationConfig {
            max_block_txs: 5_000,
            max_block_bytes: 8 * 1024 * 1024,
            max_clock_skew: Duration::from_secs(2),
            parent_poll: Duration::from_millis(2),
            idle_block_interval: Duration::from_millis(250),
            attestation_wait: Duration::from_millis(500),
        }
    }
}

/// The Unchain application.
#[derive(Clone)]
pub struct Application {
    ledger: Arc<Ledger>,
    mempool: Arc<Mempool>,
    genesis: Arc<ChainBlock>,
    proposer: PublicKey,
    config: ApplicationConfig,
    on_applied: OnApplied,
    /// Who is told of each block applied: the actors that act on new blocks (cosigning,
    /// ciphertext sync) are told, not polling.
    applied: Arc<std::sync::Mutex<Vec<mpsc::Sender<u64>>>>,
    /// Finalization certificates from marshal's archive, once consensus starts.
    finalizations: crate::certificates::Finalizations,
}

impl Application {
    /// Creates the application around a ledger and its mempool.
    pub fn new(
        ledger: Arc<Ledger>,
        mempool: Arc<Mempool>,
        genesis: ChainBlock,
        proposer: PublicKey,
        config: ApplicationConfig,
        on_applied: OnApplied,
    ) -> Self {
        Application {
            ledger,
            mempool,
            genesis: Arc::new(genesis),
            proposer,
            config,
            on_applied,
            applied: Arc::default(),
            finalizations: Default::default(),
        }
    }

    /// Where the API reads finalization certificates (empty until consensus starts).
    pub fn finalizations(&self) -> crate::certificates::Finalizations {
        self.finalizations.clone()
    }

    /// A new subscription to the blocks applied: it yields a block's height after it is
    /// applied (heights may coalesce when the subscriber is busy; it reads the ledger for
    /// the rest).
    pub fn applied(&self) -> Applied {
        // Capacity 1: one waiting notification is enough to wake the subscriber.
        let (tx, rx) = mpsc::channel(0);
        self.applied.lock().expect("applied lock").push(tx);
        rx
    }

    /// The ledger blocks are executed on.
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// The mempool proposals are built from.
    pub fn mempool(&self) -> &Arc<Mempool> {
        &self.mempool
    }

    /// The key this node proposes (and cosigns) with.
    pub fn proposer(&self) -> PublicKey {
        self.proposer
    }

    /// The roots after block `height`, once this node has executed it, polling until then
    /// or until `deadline` (if any) passes: `Ok(None)` when the deadline came first, `Err`
    /// when the ledger cannot be read. Consensus cancels the wait if the view moves on.
    /// Without a deadline, only call it for heights this node will execute whatever
    /// happens (finalized ones, which marshal delivers sooner or later).
    async fn executed<E: Clock>(
        &self,
        clock: &E,
        height: u64,
        deadline: Option<SystemTime>,
    ) -> Result<Option<BlockRoots>, LedgerError> {
        loop {
            if self.ledger.head()?.height >= height {
                return self.ledger.roots_after(height);
            }
            if deadline.is_some_and(|d| clock.current() >= d) {
                return Ok(None);
            }
            clock.sleep(self.config.parent_poll).await;
        }
    }
}

impl<E> commonware_consensus::Application<E> for Application
where
    E: Rng + Spawner + Metrics + Clock,
{
    type SigningScheme = crate::Scheme;
    type Context = Context;
    type Block = ChainBlock;

    async fn genesis(&mut self) -> ChainBlock {
        self.genesis.as_ref().clone()
    }

    async fn propose<A: BlockProvider<Block = ChainBlock>>(
        &mut self,
        (runtime, context): (E, Context),
        mut ancestry: AncestorStream<A, ChainBlock>,
    ) -> Option<ChainBlock> {
        let parent = ancestry.next().await?;
        let height = parent.block.height + 1;
        // Attest the newest block executed here, up to the parent: never wait for the parent
        // itself, which may be notarized but not (yet, or ever) finalized.
        self.executed(&runtime, parent.block.attested_height, None)
            .await
            .ok()??;
        let executed = self.ledger.head().ok()?.height;
        let attested_height = executed.min(parent.block.height);
        let attested = self.ledger.roots_after(attested_height).ok()??;
        if attested_height == parent.block.height && height > 1 && attested.digest != parent.hash()
        {
            warn!(
                height,
                "the parent is not the block this node finalized at its height"
            );
            return None;
        }
        // Transactions in ancestors not yet executed here are on their way: leave them out.
        let mut pending_ancestors = Vec::new();
        if parent.block.height > executed {
            pending_ancestors.push(parent.clone());
            while let Some(a) = ancestry.next().await {
                if a.block.height <= executed {
                    break;
                }
                pending_ancestors.push(a);
            }
        }
        let in_ancestors: HashSet<&[u8]> = pending_ancestors
            .iter()
            .flat_map(|a| a.block.transactions.iter().map(Vec::as_slice))
            .collect();
        let idle_until =
            parent.block.timestamp_ms + self.config.idle_block_interval.as_millis() as u64;
        while self.mempool.depth().0 == 0 && runtime.current().epoch_millis() < idle_until {
            runtime.sleep(self.config.parent_poll).await;
        }
        let txs = self.mempool.take_for_proposal(
            self.config.max_block_txs,
            self.config.max_block_bytes,
            &|tx| in_ancestors.contains(tx.leaf_bytes()),
        );
        let now = runtime.current().epoch_millis();
        let timestamp_ms = now.max(parent.block.timestamp_ms + 1);
        debug!(
            height,
            txs = txs.len(),
            build_ms = (runtime.current().epoch_millis() - now),
            "proposing"
        );
        Some(ChainBlock::new(
            context,
            Block {
                height,
                parent: parent.hash(),
                timestamp_ms,
                proposer: self.proposer,
                attested_height,
                attested_state_root: attested.state_root,
                attested_log_size: attested.log_size,
                attested_log_root: attested.log_root,
                transactions: txs.iter().map(|t| t.leaf_bytes().to_vec()).collect(),
            },
        ))
    }
}

impl<E> commonware_consensus::VerifyingApplication<E> for Application
where
    E: Rng + Spawner + Metrics + Clock,
{
    async fn verify<A: BlockProvider<Block = ChainBlock>>(
        &mut self,
        (runtime, context): (E, Context),
        mut ancestry: AncestorStream<A, ChainBlock>,
    ) -> bool {
        let Some(block) = ancestry.next().await else {
            return false;
        };
        let Some(parent) = ancestry.next().await else {
            return false;
        };
        let b = &block.block;
        if b.timestamp_ms <= parent.block.timestamp_ms {
            warn!(height = b.height, "block time does not advance");
            return false;
        }
        let limit =
            runtime.current().epoch_millis() + self.config.max_clock_skew.as_millis() as u64;
        if b.timestamp_ms > limit {
            warn!(height = b.height, "block time is too far in the future");
            return false;
        }
        if b.proposer.to_bytes().as_slice() != context.leader.as_ref() {
            warn!(height = b.height, "block proposer is not the view's leader");
            return false;
        }
        if b.transactions.len() > self.config.max_block_txs {
            return false;
        }
        // Transactions this node admitted were parsed and their signatures verified then;
        // only the others are parsed and batch-verified here.
        let mut parsed = Vec::with_capacity(b.transactions.len());
        for bytes in &b.transactions {
            if self.mempool.lookup(bytes).is_some() {
                continue;
            }
            match Transaction::parse(bytes) {
                Ok(tx) if tx.chain_id() == self.ledger.genesis().chain_id => parsed.push(tx),
                _ => {
                    warn!(
                        height = b.height,
                        "block carries a malformed or foreign transaction"
                    );
                    return false;
                }
            }
        }
        let all_valid = unchain_types::keys::verify_batch(
            parsed
                .iter()
                .map(|t| (t.sender(), t.signature(), t.signing_bytes())),
        );
        if !all_valid {
            warn!(
                height = b.height,
                "block carries a transaction with a bad signature"
            );
            return false;
        }
        // Data availability: a block executes only with every sidecar its transactions
        // commit to, so a validator votes only for a block whose sidecars it holds (gossip
        // brings them with the transactions; one that lags is asked for here).
        if let Some(store) = self.mempool.sidecars() {
            let deadline = runtime.current() + self.config.attestation_wait;
            for digest in parsed.iter().filter_map(|t| t.erasable()) {
                if !store.has(&digest) {
                    drop(store.want(digest));
                }
                while !store.has(&digest) {
                    if runtime.current() >= deadline {
                        warn!(
                            height = b.height,
                            %digest,
                            "block commits to a sidecar this node does not hold; not voting"
                        );
                        return false;
                    }
                    runtime.sleep(self.config.parent_poll * 10).await;
                }
            }
        } else if parsed.iter().any(|t| t.lacks_sidecar()) {
            warn!(
                height = b.height,
                "block commits to sidecars and this node keeps none; not voting"
            );
            return false;
        }
        if b.attested_height < parent.block.attested_height
            || b.attested_height > parent.block.height
        {
            warn!(
                height = b.height,
                attested = b.attested_height,
                "block attests a height outside what its parent allows"
            );
            return false;
        }
        let deadline = runtime.current() + self.config.attestation_wait;
        let Ok(attested) = self
            .executed(&runtime, b.attested_height, Some(deadline))
            .await
        else {
            return false;
        };
        let Some(attested) = attested else {
            debug!(
                height = b.height,
                attested = b.attested_height,
                "attested height not executed here yet; its roots are compared at execution"
            );
            return true;
        };
        if b.attested_height == parent.block.height
            && b.attested_height > 0
            && attested.digest != parent.hash()
        {
            return false;
        }
        let agrees = (
            b.attested_state_root,
            b.attested_log_size,
            b.attested_log_root,
        ) == (attested.state_root, attested.log_size, attested.log_root);
        if !agrees {
            warn!(
                height = b.height,
                attested = b.attested_height,
                "block attests roots this node does not have"
            );
        }
        agrees
    }
}

impl Reporter for Application {
    type Activity = Update<ChainBlock>;

    async fn report(&mut self, activity: Self::Activity) {
        let Update::Block(block, ack) = activity else {
            return;
        };
        if block.height().get() == 0 {
            ack.acknowledge();
            return;
        }
        let started = std::time::Instant::now();
        let sidecars = self.mempool.sidecars().cloned();
        let applied = loop {
            let outcome = self.ledger.apply_block_with(
                &block.block,
                from_digest(&block.digest()),
                &|leaf| self.mempool.lookup(leaf),
                &|digest| sidecars.as_ref().and_then(|s| s.get(digest)),
            );
            // A finalized block whose sidecar this node lacks (gossip missed it): ask the
            // peers and apply once it arrives. Nothing was applied meanwhile.
            match (&outcome, &sidecars) {
                (Err(LedgerError::MissingSidecar { digest, .. }), Some(store)) => {
                    warn!(error = %outcome.as_ref().expect_err("matched"), "waiting for a sidecar");
                    let _ = store.want(*digest).await;
                }
                _ => break outcome,
            }
        };
        match applied {
            Ok(outcome) => {
                if !outcome.attestation_matches {
                    error!(
                        height = block.block.height,
                        attested = block.block.attested_height,
                        proposer = %block.block.proposer,
                        "the block attests roots that are not this node's: its proposer lied or this node's state diverged"
                    );
                }
                if outcome.newly_applied {
                    let r = &outcome.record;
                    let apply_ms = started.elapsed().as_millis() as u64;
                    if r.committed.is_empty() && r.rejected.is_empty() {
                        debug!(height = r.block.height, apply_ms, "empty block applied");
                    } else {
                        info!(
                            height = r.block.height,
                            committed = r.committed.len(),
                            rejected = r.rejected.len(),
                            log_size = r.log_size,
                            apply_ms,
                            "block applied"
                        );
                    }
                    self.mempool.on_block_applied(r);
                    (self.on_applied)(r);
                    self.applied.lock().expect("applied lock").retain_mut(|tx| {
                        match tx.try_send(r.block.height) {
                            Ok(()) => true,
                            Err(e) => e.is_full(),
                        }
                    });
                }
                ack.acknowledge();
            }
            Err(e) => {
                // Never acknowledge a block we could not execute: marshal stops, and the node
                // halts rather than continue on a state it cannot vouch for.
                error!(height = block.block.height, error = %e, "cannot apply finalized block; halting");
            }
        }
    }
}

/// A subscription to the blocks applied ([`Application::applied`]).
pub type Applied = mpsc::Receiver<u64>;

/// Waits until the next block is applied or `tick` passes, whichever comes first: for the
/// actors that act on new blocks and retry on a timer. A closed subscription waits the tick.
pub async fn block_or_tick<E: Clock>(ctx: &E, applied: &mut Applied, tick: std::time::Duration) {
    let closed = commonware_macros::select! {
        r = applied.next() => r.is_none(),
        _ = ctx.sleep(tick) => false,
    };
    if closed {
        ctx.sleep(tick).await;
    }
}
