//! Finality an outsider can check: the finalization certificate of a block, served from
//! marshal's archive ([`Finalizations`]), and checked against the validators' keys alone
//! ([`verify_finalization`]), so a block's finality does not rest on the word of the node
//! that served it.
//!
//! A certificate is commonware's simplex `Finalization` (the proposal — round, parent view
//! and the block's digest — and the Ed25519 signatures of more than two thirds of the
//! validators over it, under [`crate::NAMESPACE`]) in commonware's codec.

use crate::block::ChainBlock;
use crate::{NAMESPACE, Scheme};
use commonware_codec::{Encode as _, Read as _};
use commonware_consensus::marshal::core::Mailbox;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::simplex::types::Finalization;
use commonware_consensus::types::Height;
use commonware_cryptography::sha256::Digest;
use commonware_parallel::Sequential;
use commonware_utils::ordered::Set;
use std::sync::{Arc, Mutex};
use unchain_types::{Hash32, PublicKey};

type MarshalMailbox = Mailbox<Scheme, Standard<ChainBlock>>;

/// Reads finalization certificates from this node's marshal, once consensus has started.
#[derive(Clone, Default)]
pub struct Finalizations(Arc<Mutex<Option<MarshalMailbox>>>);

/// A block's finalization certificate as a node serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFinalization {
    /// The digest of the block it finalizes (the proposal's payload).
    pub digest: Hash32,
    /// The certificate in commonware's codec.
    pub bytes: Vec<u8>,
}

impl Finalizations {
    /// Connects marshal's mailbox (called where marshal starts).
    pub(crate) fn attach(&self, mailbox: MarshalMailbox) {
        *self.0.lock().expect("finalizations lock") = Some(mailbox);
    }

    /// The certificate that finalized the block at `height`, if this node's archive holds
    /// it (`None` before consensus started, for a height not finalized yet, or one whose
    /// certificate this node never received).
    pub async fn get(&self, height: u64) -> Option<EncodedFinalization> {
        let mailbox = self.0.lock().expect("finalizations lock").clone()?;
        let f = mailbox.get_finalization(Height::new(height)).await?;
        Some(EncodedFinalization {
            digest: Hash32(
                f.proposal
                    .payload
                    .as_ref()
                    .try_into()
                    .expect("a SHA-256 digest"),
            ),
            bytes: f.encode().to_vec(),
        })
    }
}

/// What a verified certificate proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedFinalization {
    /// The block digest it finalizes.
    pub digest: Hash32,
    /// The consensus view it was finalized in.
    pub view: u64,
    /// The validators whose signatures it carries (indices into the validator keys
    /// sorted as consensus orders them, mapped back to the keys).
    pub signers: Vec<PublicKey>,
}

/// The validators among `validators` whose signatures `certificate` carries, decoded
/// without checking them: for a node reading certificates its own marshal verified before
/// storing them (who voted recently). An outsider calls [`verify_finalization`].
pub fn certificate_signers(
    certificate: &[u8],
    validators: &[PublicKey],
) -> Result<Vec<PublicKey>, String> {
    let set: Set<commonware_cryptography::ed25519::PublicKey> =
        Set::from_iter_dedup(validators.iter().map(crate::validator::to_ed25519));
    let mut buf = certificate;
    let f = Finalization::<Scheme, Digest>::read_cfg(&mut buf, &set.len())
        .map_err(|e| format!("the certificate does not decode: {e}"))?;
    Ok(signers_of(&f, &set, validators))
}

fn signers_of(
    f: &Finalization<Scheme, Digest>,
    set: &Set<commonware_cryptography::ed25519::PublicKey>,
    validators: &[PublicKey],
) -> Vec<PublicKey> {
    let keys: Vec<_> = set.iter().cloned().collect();
    f.certificate
        .signers
        .iter()
        .filter_map(|p| keys.get(usize::from(p)))
        .filter_map(|k| {
            validators
                .iter()
                .find(|v| v.to_bytes().as_slice() == k.as_ref())
                .copied()
        })
        .collect()
}

/// Checks `certificate` (commonware's codec) against the validator keys `validators`: it
/// decodes, more than two thirds of those validators signed the finalization of its
/// proposal, and the proposal finalizes the block with `digest`.
pub fn verify_finalization(
    certificate: &[u8],
    validators: &[PublicKey],
    digest: &Hash32,
) -> Result<VerifiedFinalization, String> {
    let set: Set<commonware_cryptography::ed25519::PublicKey> =
        Set::from_iter_dedup(validators.iter().map(crate::validator::to_ed25519));
    let scheme = Scheme::verifier(NAMESPACE, set.clone());
    let mut buf = certificate;
    let f = Finalization::<Scheme, Digest>::read_cfg(&mut buf, &set.len())
        .map_err(|e| format!("the certificate does not decode: {e}"))?;
    if !buf.is_empty() {
        return Err(format!(
            "the certificate has {} bytes after its end",
            buf.len()
        ));
    }
    let finalized = Hash32(
        f.proposal
            .payload
            .as_ref()
            .try_into()
            .map_err(|_| "the proposal's payload is not a SHA-256 digest".to_owned())?,
    );
    if finalized != *digest {
        return Err(format!(
            "the certificate finalizes block {finalized}, not {digest}"
        ));
    }
    if !f.verify(&mut rand::rngs::OsRng, &scheme, &Sequential) {
        return Err(
            "the certificate's signatures do not verify against these validators, or fewer \
             than a quorum signed"
                .into(),
        );
    }
    let signers = signers_of(&f, &set, validators);
    Ok(VerifiedFinalization {
        digest: finalized,
        view: f.proposal.round.view().get(),
        signers,
    })
}
