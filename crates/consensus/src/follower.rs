//! A follower: a node of a member organisation that runs no validator. It takes part in
//! p2p like a validator, but votes on nothing: it verifies the finalization certificates the
//! validators broadcast, lets marshal fetch the finalized blocks they name (with backfill of
//! anything missed), executes them on its own ledger, gathers the validators' checkpoint
//! signatures against its own log, and serves reads and proofs. Transactions submitted to
//! it are gossiped to the validators.

use crate::application::Application;
use crate::cosign::{self, CosignConfig};
use crate::engine::{EngineConfig, MarshalParts};
use crate::gossip::{self, GossipConfig};
use crate::validator::Channels;
use crate::{NAMESPACE, Scheme};
use commonware_codec::Read as _;
use commonware_consensus::Reporter as _;
use commonware_consensus::marshal;
use commonware_consensus::simplex::types::{Activity, Certificate};
use commonware_cryptography::certificate::Scheme as _;
use commonware_cryptography::ed25519;
use commonware_cryptography::sha256::Digest;
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Strategy;
use commonware_runtime::{BufferPooler, Clock, Handle, Metrics, Spawner, Storage};
use commonware_utils::ordered::Set;
use governor::clock::Clock as GClock;
use rand::{CryptoRng, Rng};
use std::time::Duration;
use tracing::{debug, warn};

/// Everything a follower runs besides its network.
pub struct FollowerParts<B, P, St> {
    /// This node's p2p key.
    pub me: ed25519::PublicKey,
    /// The validators, whose certificates it verifies.
    pub validators: Set<ed25519::PublicKey>,
    /// Blocks misbehaving peers.
    pub blocker: B,
    /// Knows the peer set.
    pub provider: P,
    /// Signature verification parallelism.
    pub strategy: St,
    /// Storage and sizes (the consensus timeouts are unused).
    pub engine: EngineConfig,
    /// Transaction gossip batching.
    pub gossip: GossipConfig,
    /// Checkpoint collection.
    pub cosign: CosignConfig,
}

/// Starts a follower on `channels`. Generic like [`crate::validator::run`].
pub async fn run<E, S, R, B, P, St>(
    context: E,
    parts: FollowerParts<B, P, St>,
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
    let ledger = application.ledger().clone();
    let mut handles = gossip::start(
        context.with_label("gossip"),
        parts.gossip,
        ledger.clone(),
        application.mempool().clone(),
        channels.txs.0,
        channels.txs.1,
    );
    handles.extend(cosign::start(
        context.with_label("cosign"),
        parts.cosign,
        ledger,
        None,
        channels.cosign.0,
        channels.cosign.1,
    ));
    let scheme = Scheme::verifier(NAMESPACE, parts.validators);
    let MarshalParts {
        buffer,
        buffer_mailbox,
        marshal,
        mailbox,
        ..
    } = MarshalParts::new(
        &context,
        &parts.engine,
        parts.me.clone(),
        parts.provider.clone(),
        scheme.clone(),
        parts.strategy.clone(),
    )
    .await;
    let resolver = marshal::resolver::p2p::init(
        &context.with_label("backfill"),
        marshal::resolver::p2p::Config {
            public_key: parts.me,
            peer_provider: parts.provider,
            blocker: parts.blocker,
            mailbox_size: parts.engine.mailbox_size,
            initial: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            fetch_retry_timeout: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channels.marshal,
    );
    handles.push(buffer.start(channels.broadcast));
    handles.push(marshal.start(application, buffer_mailbox, resolver));

    // Finalization certificates from the validators: verified here, then marshal fetches
    // and delivers the blocks they finalize.
    let (_, mut certificates) = channels.certificates;
    let strategy = parts.strategy;
    let mut reporter = mailbox;
    handles.push(
        context
            .with_label("certificates")
            .spawn(move |mut ctx| async move {
                let cfg = scheme.certificate_codec_config();
                while let Ok((peer, msg)) = certificates.recv().await {
                    let mut buf = msg.as_ref();
                    let certificate = match Certificate::<Scheme, Digest>::read_cfg(&mut buf, &cfg)
                    {
                        Ok(c) => c,
                        Err(e) => {
                            warn!(%peer, error = %e, "malformed certificate");
                            continue;
                        }
                    };
                    if let Certificate::Finalization(f) = certificate {
                        if f.verify(&mut ctx, &scheme, &strategy) {
                            reporter.report(Activity::Finalization(f)).await;
                        } else {
                            warn!(%peer, "finalization certificate does not verify");
                        }
                    }
                }
                debug!("certificate channel closed");
            }),
    );
    // Votes and certificate fetches are for validators; a follower reads and drops them.
    for (name, (_, mut receiver)) in [("votes", channels.votes), ("fetches", channels.resolver)] {
        handles.push(
            context
                .with_label(&format!("drain_{name}"))
                .spawn(move |_| async move { while receiver.recv().await.is_ok() {} }),
        );
    }
    handles
}
