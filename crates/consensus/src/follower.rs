//! Following an epoch without voting in it: what a member's node that runs no validator
//! does in every epoch, and what a validator does in an epoch whose set it is not in. It
//! verifies the finalization certificates the epoch's validators broadcast against that
//! epoch's set and hands them to marshal, which fetches the finalized blocks they name
//! (with backfill of anything missed) and delivers them to be executed; the node gathers
//! the validators' checkpoint signatures against its own log and serves reads and proofs.
//! Transactions submitted to it are gossiped to the validators.

use crate::Scheme;
use crate::block::ChainBlock;
use commonware_codec::Read as _;
use commonware_consensus::Reporter as _;
use commonware_consensus::marshal::core::Mailbox as MarshalMailbox;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::simplex::types::{Activity, Certificate};
use commonware_cryptography::certificate::Scheme as _;
use commonware_cryptography::ed25519;
use commonware_cryptography::sha256::Digest;
use commonware_p2p::Receiver;
use commonware_parallel::Strategy;
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use rand::{CryptoRng, Rng};
use std::sync::Arc;
use tracing::{debug, warn};

/// Listens to one epoch's certificate subchannel: each finalization that verifies against
/// `scheme` (the epoch's validators) goes to marshal.
pub(crate) fn follow_epoch<E, R, St>(
    context: E,
    scheme: Arc<Scheme>,
    strategy: St,
    mut marshal: MarshalMailbox<Scheme, Standard<ChainBlock>>,
    mut certificates: R,
) -> Handle<()>
where
    E: Clock + Rng + CryptoRng + Spawner + Metrics,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    St: Strategy,
{
    context.spawn(move |mut ctx| async move {
        let cfg = scheme.certificate_codec_config();
        while let Ok((peer, msg)) = certificates.recv().await {
            let mut buf = msg.as_ref();
            let certificate = match Certificate::<Scheme, Digest>::read_cfg(&mut buf, &cfg) {
                Ok(c) => c,
                Err(e) => {
                    warn!(%peer, error = %e, "malformed certificate");
                    continue;
                }
            };
            if let Certificate::Finalization(f) = certificate {
                if f.verify(&mut ctx, scheme.as_ref(), &strategy) {
                    marshal.report(Activity::Finalization(f)).await;
                } else {
                    warn!(%peer, "finalization certificate does not verify");
                }
            }
        }
        debug!("certificate channel closed");
    })
}
