//! Epochs: consensus runs one simplex engine per epoch, with the validator set the ledger
//! fixed for it ([`unchain_ledger::epochs`]), the way commonware's reconfiguration examples
//! do.
//!
//! - [`EpochSchemes`] gives marshal (and anyone verifying a certificate) the validator set
//!   of any epoch this node has reached, read from its ledger.
//! - [`EpochResolver`] keeps marshal from asking peers for certificates of an epoch this
//!   node cannot check yet (it would take honest answers for invalid ones and stop asking
//!   those peers); the block-by-digest walk back from a finalized tip still runs.
//! - [`start`] is the orchestrator: after each block it reads the latest epoch the ledger
//!   knows; on a new one it stops the old epoch's engine and starts the new epoch's —
//!   a validator's engine if this node's key is in the set, a follower's certificate
//!   listener ([`crate::follower`]) if not — on that epoch's subchannel of the vote,
//!   certificate and fetch channels. A message on an epoch this node has not reached tells
//!   it that it is behind: it asks marshal for the finalization of its epoch's last block
//!   from that peer, and catches up one epoch at a time.
//!
//! A removed validator's votes are ignored from the boundary on because no engine of the
//! new epoch counts its key, and its certificates do not verify against the new set.

use crate::application::Application;
use crate::block::ChainBlock;
use crate::engine::{EngineConfig, Marshaled, REPLAY_BUFFER, WRITE_BUFFER};
use crate::validator::to_ed25519;
use crate::{NAMESPACE, Scheme};
use commonware_consensus::marshal::core::Mailbox as MarshalMailbox;
use commonware_consensus::marshal::resolver::handler::Request;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::simplex::{self, elector::RoundRobin};
use commonware_consensus::types::{Epoch, Epocher as _, FixedEpocher, Height};
use commonware_cryptography::certificate;
use commonware_cryptography::ed25519;
use commonware_cryptography::sha256::Digest;
use commonware_p2p::utils::mux::{Builder as _, Muxer};
use commonware_p2p::{Blocker, Receiver, Sender};
use commonware_parallel::Strategy;
use commonware_resolver::Resolver;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{BufferPooler, Clock, Handle, Metrics, Spawner, Storage};
use commonware_utils::ordered::Set;
use commonware_utils::vec::NonEmptyVec;
use futures::StreamExt;
use governor::clock::Clock as GClock;
use rand::{CryptoRng, Rng};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing::{debug, info, warn};
use unchain_ledger::Ledger;
use unchain_log::NamedKey;

/// Verifier schemes kept in memory; older epochs are read from the ledger again.
const CACHED_EPOCHS: usize = 16;

/// How often a node behind asks for the finalization that ends its epoch.
const HINT_INTERVAL: Duration = Duration::from_millis(500);

/// How often the orchestrator looks at the ledger's epoch without a block applied.
const EPOCH_POLL: Duration = Duration::from_secs(1);

/// The validator set of an epoch as commonware orders it.
pub fn participants(validators: &[NamedKey]) -> Set<ed25519::PublicKey> {
    Set::from_iter_dedup(validators.iter().map(|v| to_ed25519(&v.key)))
}

/// The verifying scheme of every epoch this node has reached, read from its ledger (the
/// `epochs` table) and cached.
#[derive(Clone)]
pub struct EpochSchemes {
    ledger: Arc<Ledger>,
    cache: Arc<Mutex<BTreeMap<u64, Arc<Scheme>>>>,
}

impl EpochSchemes {
    /// Schemes from `ledger`'s epochs.
    pub fn new(ledger: Arc<Ledger>) -> Self {
        EpochSchemes {
            ledger,
            cache: Arc::default(),
        }
    }

    /// The verifier of `epoch`, if this node knows its validators.
    pub fn verifier(&self, epoch: u64) -> Option<Arc<Scheme>> {
        if let Some(s) = self.cache.lock().expect("schemes lock").get(&epoch) {
            return Some(s.clone());
        }
        let set = match self.ledger.validator_set(epoch) {
            Ok(set) => set?,
            Err(e) => {
                warn!(epoch, error = %e, "cannot read an epoch's validators");
                return None;
            }
        };
        let scheme = Arc::new(Scheme::verifier(NAMESPACE, participants(&set)));
        let mut cache = self.cache.lock().expect("schemes lock");
        cache.insert(epoch, scheme.clone());
        while cache.len() > CACHED_EPOCHS {
            cache.pop_first();
        }
        Some(scheme)
    }
}

impl certificate::Provider for EpochSchemes {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, epoch: Epoch) -> Option<Arc<Scheme>> {
        self.verifier(epoch.get())
    }
}

/// Marshal's backfill resolver, less the certificate requests of epochs this node cannot
/// verify yet (they are asked again once it reaches them).
#[derive(Clone)]
pub struct EpochResolver<R> {
    inner: R,
    schemes: EpochSchemes,
    epocher: FixedEpocher,
}

impl<R> EpochResolver<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, schemes: EpochSchemes, epocher: FixedEpocher) -> Self {
        EpochResolver {
            inner,
            schemes,
            epocher,
        }
    }

    fn verifiable(&self, key: &Request<Digest>) -> bool {
        let epoch = match key {
            Request::Block(_) => return true,
            Request::Finalized { height } => match self.epocher.containing(*height) {
                Some(info) => info.epoch(),
                None => return false,
            },
            Request::Notarized { round } => round.epoch(),
        };
        self.schemes.verifier(epoch.get()).is_some()
    }
}

impl<R> Resolver for EpochResolver<R>
where
    R: Resolver<Key = Request<Digest>, PublicKey = ed25519::PublicKey>,
{
    type Key = Request<Digest>;
    type PublicKey = ed25519::PublicKey;

    async fn fetch(&mut self, key: Self::Key) {
        if self.verifiable(&key) {
            self.inner.fetch(key).await;
        }
    }

    async fn fetch_all(&mut self, keys: Vec<Self::Key>) {
        let keys: Vec<_> = keys.into_iter().filter(|k| self.verifiable(k)).collect();
        if !keys.is_empty() {
            self.inner.fetch_all(keys).await;
        }
    }

    async fn fetch_targeted(&mut self, key: Self::Key, targets: NonEmptyVec<Self::PublicKey>) {
        if self.verifiable(&key) {
            self.inner.fetch_targeted(key, targets).await;
        }
    }

    async fn fetch_all_targeted(
        &mut self,
        requests: Vec<(Self::Key, NonEmptyVec<Self::PublicKey>)>,
    ) {
        let requests: Vec<_> = requests
            .into_iter()
            .filter(|(k, _)| self.verifiable(k))
            .collect();
        if !requests.is_empty() {
            self.inner.fetch_all_targeted(requests).await;
        }
    }

    async fn cancel(&mut self, key: Self::Key) {
        self.inner.cancel(key).await;
    }

    async fn clear(&mut self) {
        self.inner.clear().await;
    }

    async fn retain(&mut self, predicate: impl Fn(&Self::Key) -> bool + Send + 'static) {
        self.inner.retain(predicate).await;
    }
}

/// What the orchestrator runs with.
pub(crate) struct Orchestrator<E, B, St>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    St: Strategy,
{
    pub context: E,
    pub cfg: EngineConfig,
    pub signer: ed25519::PrivateKey,
    pub schemes: EpochSchemes,
    pub epocher: FixedEpocher,
    pub application: Application,
    pub marshaled: Marshaled<E>,
    pub marshal: MarshalMailbox<Scheme, Standard<ChainBlock>>,
    pub blocker: B,
    pub strategy: St,
    pub page_cache: CacheRef,
}

impl<E, B, St> Orchestrator<E, B, St>
where
    E: BufferPooler + Clock + GClock + Rng + CryptoRng + Spawner + Storage + Metrics,
    B: Blocker<PublicKey = ed25519::PublicKey> + Clone,
    St: Strategy,
{
    /// Runs the epochs on the vote, certificate and fetch channels.
    pub fn start<S, R>(self, votes: (S, R), certificates: (S, R), fetches: (S, R)) -> Handle<()>
    where
        S: Sender<PublicKey = ed25519::PublicKey>,
        R: Receiver<PublicKey = ed25519::PublicKey>,
    {
        let context = self.context.with_label("epochs");
        context.spawn(move |ctx| self.run(ctx, votes, certificates, fetches))
    }

    async fn run<S, R>(self, ctx: E, votes: (S, R), certificates: (S, R), fetches: (S, R))
    where
        S: Sender<PublicKey = ed25519::PublicKey>,
        R: Receiver<PublicKey = ed25519::PublicKey>,
    {
        let size = self.cfg.mailbox_size;
        let (mux, mut vote_mux, mut vote_backup) =
            Muxer::builder(ctx.with_label("vote_mux"), votes.0, votes.1, size)
                .with_backup()
                .build();
        mux.start();
        let (mux, mut certificate_mux, mut certificate_backup) = Muxer::builder(
            ctx.with_label("certificate_mux"),
            certificates.0,
            certificates.1,
            size,
        )
        .with_backup()
        .build();
        mux.start();
        let (mux, mut fetch_mux) =
            Muxer::new(ctx.with_label("fetch_mux"), fetches.0, fetches.1, size);
        mux.start();

        let ledger = self.application.ledger().clone();
        let me = commonware_cryptography::Signer::public_key(&self.signer);
        let mut applied = self.application.applied();
        let mut current: Option<(u64, Handle<()>, E)> = None;
        // The oldest epoch whose journal may still be on disk.
        let mut journals_kept_from = 0u64;
        let mut last_hint: Option<SystemTime> = None;
        loop {
            let (epoch, set) = match ledger.latest_epoch() {
                Ok(latest) => latest,
                Err(e) => {
                    warn!(error = %e, "cannot read the current epoch");
                    ctx.sleep(EPOCH_POLL).await;
                    continue;
                }
            };
            if current.as_ref().map(|(e, _, _)| *e) != Some(epoch) {
                if let Some((old, handle, _scope)) = current.take() {
                    handle.abort();
                    info!(epoch = old, "left epoch");
                }
                // Only the journals of this epoch and the one before are read again: remove
                // every older one — those left behind by an earlier run of this process, and
                // those of epochs a fast catch-up crossed between two of these turns. (An
                // absent partition answers an error, which is ignored.)
                for stale in journals_kept_from..epoch.saturating_sub(1) {
                    let _ = ctx.remove(&self.partition(stale), None).await;
                }
                journals_kept_from = journals_kept_from.max(epoch.saturating_sub(1));
                let participants = participants(&set);
                let validates = participants.position(&me).is_some();
                // The epoch's metrics carry it as an attribute and go with the scope.
                let scope = ctx
                    .with_label(if validates { "consensus" } else { "follow" })
                    .with_attribute("epoch", epoch)
                    .with_scope();
                let handle = if validates {
                    let scheme = Scheme::signer(NAMESPACE, participants, self.signer.clone())
                        .expect("this node's key is in the set");
                    let engine: simplex::Engine<_, _, RoundRobin, _, Digest, _, _, _, _> =
                        simplex::Engine::new(
                            scope.clone(),
                            simplex::Config {
                                epoch: Epoch::new(epoch),
                                scheme,
                                automaton: self.marshaled.clone(),
                                relay: self.marshaled.clone(),
                                reporter: self.marshal.clone(),
                                partition: self.partition(epoch),
                                mailbox_size: self.cfg.mailbox_size,
                                leader_timeout: self.cfg.leader_timeout,
                                certification_timeout: self.cfg.certification_timeout,
                                timeout_retry: self.cfg.nullify_retry,
                                fetch_timeout: self.cfg.fetch_timeout,
                                activity_timeout: self.cfg.activity_timeout,
                                skip_timeout: self.cfg.skip_timeout,
                                fetch_concurrent: self.cfg.fetch_concurrent,
                                replay_buffer: REPLAY_BUFFER,
                                write_buffer: WRITE_BUFFER,
                                blocker: self.blocker.clone(),
                                page_cache: self.page_cache.clone(),
                                elector: RoundRobin::default(),
                                strategy: self.strategy.clone(),
                            },
                        );
                    let votes = vote_mux
                        .register(epoch)
                        .await
                        .expect("new epoch subchannel");
                    let certificates = certificate_mux
                        .register(epoch)
                        .await
                        .expect("new epoch subchannel");
                    let fetches = fetch_mux
                        .register(epoch)
                        .await
                        .expect("new epoch subchannel");
                    engine.start(votes, certificates, fetches)
                } else {
                    let (_, certificates) = certificate_mux
                        .register(epoch)
                        .await
                        .expect("new epoch subchannel");
                    crate::follower::follow_epoch(
                        scope.clone(),
                        self.schemes
                            .verifier(epoch)
                            .expect("the ledger knows the epoch it reports"),
                        self.strategy.clone(),
                        self.marshal.clone(),
                        certificates,
                    )
                };
                info!(
                    epoch,
                    validators = set.len(),
                    role = if validates { "validator" } else { "follower" },
                    "entered epoch"
                );
                current = Some((epoch, handle, scope));
            }
            // Wait for a block, a message from an epoch ahead, or the poll interval.
            let ahead = commonware_macros::select! {
                _ = applied.next() => None,
                m = vote_backup.recv() => m.map(|(e, (peer, _))| (e, peer)),
                m = certificate_backup.recv() => m.map(|(e, (peer, _))| (e, peer)),
                _ = ctx.sleep(EPOCH_POLL) => None,
            };
            let Some((theirs, peer)) = ahead else {
                continue;
            };
            if theirs <= epoch {
                continue;
            }
            let now = ctx.current();
            if last_hint.is_some_and(|t| now.duration_since(t).unwrap_or_default() < HINT_INTERVAL)
            {
                continue;
            }
            last_hint = Some(now);
            let Some(last) = self.epocher.last(Epoch::new(epoch)) else {
                continue;
            };
            debug!(
                epoch,
                theirs,
                %peer,
                height = last.get(),
                "a peer is in a later epoch: fetching the finalization that ends this one"
            );
            self.marshal
                .hint_finalized(Height::new(last.get()), NonEmptyVec::new(peer))
                .await;
        }
    }

    fn partition(&self, epoch: u64) -> String {
        format!("{}-consensus-{epoch}", self.cfg.partition_prefix)
    }
}
