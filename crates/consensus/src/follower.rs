//! A follower: a node of a member organisation that runs no validator. It takes part in
//! p2p like a validator, but votes on nothing: it verifies the finalization certificates the
//! validators broadcast, lets marshal fetch the finalized blocks they name (with backfill of
//! anything missed), executes them on its own ledger, gathers the validators' checkpoint
//! signatures against its own log, and serves reads and proofs. Transactions submitted to
//! it are gossiped to the validators.

use crate::application::Application;
use crate::engine::MarshalParts;
use crate::validator::{ConsensusChannels, NodeParts, backfill};
use crate::{NAMESPACE, Scheme};
use commonware_codec::Read as _;
use commonware_consensus::Reporter as _;
use commonware_consensus::simplex::types::{Activity, Certificate};
use commonware_cryptography::certificate::Scheme as _;
use commonware_cryptography::sha256::Digest;
use commonware_cryptography::{Signer as _, ed25519};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Strategy;
use commonware_runtime::{BufferPooler, Clock, Handle, Metrics, Spawner, Storage};
use governor::clock::Clock as GClock;
use rand::{CryptoRng, Rng};
use tracing::{debug, warn};

/// Starts a follower on `channels` (through [`crate::validator::run_node`], which starts
/// the side actors). Generic like the validator.
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
    let mut handles = Vec::new();
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
        me.clone(),
        parts.provider.clone(),
        scheme.clone(),
        parts.strategy.clone(),
    )
    .await;
    let resolver = backfill(
        &context,
        me,
        parts.provider,
        parts.blocker,
        parts.engine.mailbox_size,
        channels.marshal,
    );
    handles.push(buffer.start(channels.broadcast));
    application.finalizations().attach(mailbox.clone());
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
