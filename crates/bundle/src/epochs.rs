//! The chain of validator sets from genesis, checked with no network: each change of the
//! set proven by the set before it.
//!
//! Governance changes the validators at epoch boundaries; the set epoch `e + 1` runs with is
//! the ledger's `validators` state key after the last block of epoch `e`. An [`EpochLink`]
//! proves it: the checkpoint whose state line is exactly that block, cosigned by a quorum of
//! epoch `e`'s validators (an "epoch-end checkpoint"), and the state proof of `validators`
//! against its state root. Nodes keep a link for every epoch; what they hand out (bundles,
//! snapshots, `GET /v1/epochs`) holds only the links of epochs whose set **changed**, so it
//! grows with the changes, not with time. Starting from the genesis validators,
//! [`verify_epoch_links`] walks them and returns the set of every epoch ([`EpochSets`]).
//!
//! Leaving out the unchanged epochs costs no security: a link for an unchanged epoch is
//! signed by the very set it proves, so it adds nothing a verifier could check. A link left
//! out where the set did change makes a later checkpoint, cosigned by the new set, fail
//! against the old one. And a quorum of an old set's keys, compromised after it was
//! replaced, could sign a false history whether the chain is dense or sparse: links prove
//! who the validators were to a verifier that trusts genesis, not against a stolen quorum.

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

/// A node's proof of the validator sets, as `GET /v1/epochs` serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochChain {
    /// Chain id.
    pub chain_id: String,
    /// The log's origin line.
    pub log_origin: String,
    /// Blocks per epoch (from genesis).
    pub epoch_length: u64,
    /// The epoch through which the node proves every set: the links below are those of
    /// the epochs up to it whose set changed.
    pub proven_through: u64,
    /// The links of the epochs whose set changed, oldest first.
    pub links: Vec<EpochLink>,
}

/// Every epoch's validators, as a chain of links proves them: the genesis set from epoch 0,
/// then each change from its epoch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochSets {
    /// `(first epoch, set)`, ascending; the first is `(0, genesis' set)`.
    pub changes: Vec<(u64, Vec<NamedKey>)>,
}

impl EpochSets {
    /// The set epoch `epoch` runs with, as far as the links show: that of the last change
    /// at or before it.
    pub fn set_of(&self, epoch: u64) -> &[NamedKey] {
        self.changes
            .iter()
            .rev()
            .find(|(from, _)| *from <= epoch)
            .map(|(_, set)| set.as_slice())
            .expect("the genesis set covers epoch 0 on")
    }
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

/// Checks `links` (epochs ascending, each 1 or later; an epoch left out keeps the set before
/// it) from the `genesis` validators of a chain with `epoch_length` blocks per epoch and log
/// origin `origin`. Each link's checkpoint must carry a quorum of the signatures of the set
/// in force in the epoch before it.
pub fn verify_epoch_links(
    genesis: &[NamedKey],
    epoch_length: u64,
    origin: &str,
    links: &[EpochLink],
) -> Result<EpochSets, EpochLinkError> {
    let mut sets = EpochSets {
        changes: vec![(0, genesis.to_vec())],
    };
    for link in links {
        let epoch = link.epoch;
        let fail = |reason: String| EpochLinkError { epoch, reason };
        let after = sets.changes.last().map_or(0, |(e, _)| *e);
        if epoch <= after {
            return Err(fail(format!(
                "links must name epochs 1 and later in ascending order; this one follows epoch {after}"
            )));
        }
        let verifiers: Vec<NoteVerifier> = sets
            .set_of(epoch - 1)
            .iter()
            .map(NamedKey::verifier)
            .collect();
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
        sets.changes.push((epoch, set));
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
    if let Some(late) = links.iter().find(|l| l.epoch > epoch) {
        return Err(EpochLinkError {
            epoch: late.epoch,
            reason: format!("a link past the checkpoint's epoch {epoch}"),
        });
    }
    let sets = verify_epoch_links(genesis, epoch_length, origin, links)?;
    Ok((sets.set_of(epoch).to_vec(), epoch))
}
