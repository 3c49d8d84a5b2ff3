//! The chain of validator sets from genesis, checked with no network: each epoch's set
//! proven by the one before it.
//!
//! Governance changes the validators at epoch boundaries; the set epoch `e + 1` runs with is
//! the ledger's `validators` state key after the last block of epoch `e`. An [`EpochLink`]
//! proves it: the checkpoint whose state line is exactly that block, cosigned by a quorum of
//! epoch `e`'s validators (an "epoch-end checkpoint"), and the state proof of `validators`
//! against its state root. Starting from the genesis validators, [`verify_epoch_links`]
//! walks the links and returns every epoch's set — what a light client, an outsider
//! checking a block's finality, or a node restoring a snapshot needs to know which keys
//! count in a later epoch without taking a node's word for it.

use crate::quorum;
use crate::state::StateProof;
use serde::{Deserialize, Serialize};
use unchain_log::{Checkpoint, NamedKey, NoteVerifier, SignedNote};

/// The state key holding the validators (JSON array of `{name, key}`, sorted by name).
pub const VALIDATORS_KEY: &str = "validators";

/// Most validators a set may hold, as a verifier reads one.
pub const MAX_VALIDATORS: usize = 1024;

/// The proof of one epoch's validator set from the set before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochLink {
    /// The epoch whose set this proves (1 or later).
    pub epoch: u64,
    /// The checkpoint (C2SP note text) whose state line is the last block of `epoch - 1`,
    /// signed by a quorum of `epoch - 1`'s validators.
    pub checkpoint: String,
    /// The `validators` key's value in that state, with its proof.
    pub validators: StateProof,
}

/// A node's proof of every epoch's validators it can prove, as `GET /v1/epochs` serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochChain {
    /// Chain id.
    pub chain_id: String,
    /// The log's origin line.
    pub log_origin: String,
    /// Blocks per epoch (from genesis).
    pub epoch_length: u64,
    /// Epochs 1, 2, … each proven by the one before, up to the first this node cannot
    /// prove yet.
    pub links: Vec<EpochLink>,
}

/// Why a chain of epoch links does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("epoch {epoch}: {reason}")]
pub struct EpochLinkError {
    /// The epoch whose link fails.
    pub epoch: u64,
    /// What is wrong.
    pub reason: String,
}

/// The last block height of `epoch` with `epoch_length` blocks per epoch.
pub fn last_height(epoch: u64, epoch_length: u64) -> u64 {
    (epoch + 1).saturating_mul(epoch_length).saturating_sub(1)
}

/// Checks `links` (epochs 1, 2, … in order, no gap) from the `genesis` validators of a
/// chain with `epoch_length` blocks per epoch and log origin `origin`. Returns each
/// epoch's set, epoch 0's (genesis') first.
pub fn verify_epoch_links(
    genesis: &[NamedKey],
    epoch_length: u64,
    origin: &str,
    links: &[EpochLink],
) -> Result<Vec<Vec<NamedKey>>, EpochLinkError> {
    let mut sets = vec![genesis.to_vec()];
    for (i, link) in links.iter().enumerate() {
        let epoch = i as u64 + 1;
        let fail = |reason: String| EpochLinkError { epoch, reason };
        if link.epoch != epoch {
            return Err(fail(format!(
                "the link says epoch {}; links must run 1, 2, … with no gap",
                link.epoch
            )));
        }
        let before = sets.last().expect("genesis is first");
        let verifiers: Vec<NoteVerifier> = before.iter().map(NamedKey::verifier).collect();
        let note = SignedNote::parse(&link.checkpoint)
            .map_err(|e| fail(format!("the checkpoint is not a signed note: {e}")))?;
        let signed = note.verified_signatures(&verifiers);
        let needed = quorum(verifiers.len());
        if signed.len() < needed {
            return Err(fail(format!(
                "the checkpoint carries {} valid signatures of epoch {}'s {} validators; {needed} needed",
                signed.len(),
                epoch - 1,
                verifiers.len()
            )));
        }
        let checkpoint = Checkpoint::parse_body(&note.body)
            .map_err(|e| fail(format!("the checkpoint's body: {e}")))?;
        if checkpoint.origin != origin {
            return Err(fail(format!(
                "the checkpoint is of log {:?}, not {origin:?}",
                checkpoint.origin
            )));
        }
        let end = last_height(epoch - 1, epoch_length);
        let state = checkpoint
            .state
            .ok_or_else(|| fail("the checkpoint has no state line".into()))?;
        if state.height != end {
            return Err(fail(format!(
                "the checkpoint's state is after block {}, not after block {end}, the last of epoch {}",
                state.height,
                epoch - 1
            )));
        }
        if link.validators.key != VALIDATORS_KEY {
            return Err(fail(format!(
                "the proof is of key {:?}, not {VALIDATORS_KEY:?}",
                link.validators.key
            )));
        }
        let value = link
            .validators
            .verify(&state.root)
            .map_err(|e| fail(e.to_string()))?
            .ok_or_else(|| fail("the state holds no validators".into()))?;
        let set: Vec<NamedKey> = serde_json::from_slice(&value).map_err(|e| {
            fail(format!(
                "the validators value is not a list of {{name, key}}: {e}"
            ))
        })?;
        if set.is_empty() || set.len() > MAX_VALIDATORS {
            return Err(fail(format!(
                "{} validators; a set holds 1 to {MAX_VALIDATORS}",
                set.len()
            )));
        }
        if !set.windows(2).all(|w| w[0].name < w[1].name) {
            return Err(fail(
                "the validators are not sorted by name without repeats".into(),
            ));
        }
        sets.push(set);
    }
    Ok(sets)
}

/// The validators whose signatures count on `checkpoint` (note text, not yet verified):
/// genesis' when its state line is in epoch 0 or it has none, else the set `links` prove
/// for its epoch from `genesis`. Returns the set and the epoch.
pub fn validators_for_checkpoint(
    genesis: &[NamedKey],
    epoch_length: u64,
    origin: &str,
    checkpoint: &str,
    links: &[EpochLink],
) -> Result<(Vec<NamedKey>, u64), EpochLinkError> {
    let epoch = SignedNote::parse(checkpoint)
        .ok()
        .and_then(|n| Checkpoint::parse_body(&n.body).ok())
        .and_then(|c| c.state)
        .map_or(0, |s| s.height / epoch_length.max(1));
    if epoch == 0 {
        return Ok((genesis.to_vec(), 0));
    }
    let sets = verify_epoch_links(genesis, epoch_length, origin, links)?;
    let proven = sets.len() as u64 - 1;
    sets.into_iter()
        .nth(epoch as usize)
        .map(|set| (set, epoch))
        .ok_or_else(|| EpochLinkError {
            epoch,
            reason: format!(
                "the checkpoint is from epoch {epoch}, but the bundle proves the validators of \
                 epochs up to {proven} only: ask the node for a bundle once it holds the later \
                 epoch-end checkpoints"
            ),
        })
}
