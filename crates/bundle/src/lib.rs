//! Offline proof bundles. A court, a reporter or a border post verifies what the consortium
//! recorded from one file, with no network: every bundle (a transaction's proof, a custody
//! chain, a proof of receipt, a trust bundle) is an [`Envelope`] — chain, log origin, a
//! checkpoint cosigned by the validators at `tree_size`, their keys — around [`Entry`]s,
//! transactions exactly as logged with their inclusion proofs. This crate owns what all of
//! them check: the envelope ([`Envelope::open`], with the [`quorum`] rule) and each entry
//! ([`logged::check_logged`], [`entries`]). Modules add only their own metadata and replay
//! their rules over the entries.
//!
//! [`state`] proves what the ledger's state held under a key (or that it held nothing) as of
//! a cosigned checkpoint's state line; [`epochs`] proves each epoch's validator set from
//! the genesis validators.
//!
//! No storage and no network: an offline verifier needs this crate, `unchain-log` and
//! `unchain-types`.
#![forbid(unsafe_code)]

pub mod epochs;
pub mod logged;
pub mod proof;
pub mod state;

use serde::{Deserialize, Serialize};
use unchain_log::{Checkpoint, CheckpointError, NoteVerifier, verify_checkpoint_for};
use unchain_types::{Hash32, Transaction};

pub use logged::{LoggedError, LoggedProblem, check_logged};
pub use unchain_log::NamedKey;

/// Signatures needed out of `validators`: more than two thirds, `n - ⌊(n-1)/3⌋`, the same
/// quorum simplex consensus uses. One validator is its own quorum.
pub fn quorum(validators: usize) -> usize {
    validators - validators.saturating_sub(1) / 3
}

/// What every bundle carries around its entries. Bundles embed it flattened, so its
/// members sit at the top level of the bundle's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The bundle's format version (each kind of bundle has its own).
    pub version: u32,
    /// Chain id.
    pub chain_id: String,
    /// The log's origin line.
    pub log_origin: String,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The C2SP signed checkpoint (note text), cosigned by the validators.
    pub checkpoint: String,
    /// Keys that sign checkpoints, as the issuing node knows them. A verifier should trust
    /// the keys of a genesis file it holds instead.
    pub validators: Vec<NamedKey>,
    /// When the checkpoint is from an epoch after genesis: the proofs of the validator sets
    /// from genesis' to that epoch's ([`epochs`]), so a verifier holding only the genesis
    /// file knows whose signatures count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub epochs: Vec<epochs::EpochLink>,
}

/// Why an envelope does not open.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Another format version.
    #[error("bundle version {got} is not supported (this verifier reads version {reads})")]
    Version {
        /// The bundle's.
        got: u32,
        /// This verifier's.
        reads: u32,
    },
    /// The checkpoint is malformed, not signed by enough trusted validators, or not for
    /// the bundle's log and size.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// An envelope whose checkpoint verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The validators whose signatures verified.
    pub signers: Vec<String>,
}

impl Envelope {
    /// Checks that the bundle is format `version` and that its checkpoint is for its log at
    /// its size, signed by at least `quorum` of the `trusted` validators.
    pub fn open(
        &self,
        version: u32,
        trusted: &[NoteVerifier],
        quorum: usize,
    ) -> Result<Opened, EnvelopeError> {
        if self.version != version {
            return Err(EnvelopeError::Version {
                got: self.version,
                reads: version,
            });
        }
        let (checkpoint, signers) = verify_checkpoint_for(
            &self.checkpoint,
            trusted,
            quorum,
            &self.log_origin,
            self.tree_size,
        )?;
        Ok(Opened {
            checkpoint,
            signers,
        })
    }

    /// The validator keys the bundle carries, to trust only when no genesis is at hand
    /// (this proves integrity, not who signed).
    pub fn carried_validators(&self) -> Vec<NoteVerifier> {
        self.validators.iter().map(NamedKey::verifier).collect()
    }

    /// The validators whose signatures count on this envelope's checkpoint, from a genesis'
    /// `genesis` validators and `epoch_length`: genesis' when the checkpoint's state line is
    /// in epoch 0 (or it has none), else the set its [`Envelope::epochs`] links prove for
    /// that epoch. Returns the set and the epoch.
    pub fn validators_from_genesis(
        &self,
        genesis: &[NamedKey],
        epoch_length: u64,
    ) -> Result<(Vec<NamedKey>, u64), epochs::EpochLinkError> {
        epochs::validators_for_checkpoint(
            genesis,
            epoch_length,
            &self.log_origin,
            &self.checkpoint,
            &self.epochs,
        )
    }
}

/// A transaction carried in a bundle: its leaf exactly as logged, with its inclusion proof
/// against the bundle's checkpoint. Bundles embed it flattened beside their own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its leaf index in the log.
    pub leaf_index: u64,
    /// The transaction exactly as logged (its JCS bytes as a string).
    pub leaf: String,
    /// RFC 9162 inclusion proof, leaf to root, against the bundle's checkpoint.
    pub proof: Vec<Hash32>,
}

/// One entry that failed, with its position (from 1) and, once its leaf parsed, its kind
/// and id: "entry 3 (identity.status, tx …): why".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {number}{what}: {reason}")]
pub struct EntryError {
    /// Its position in the bundle, from 1.
    pub number: usize,
    /// ` (kind, tx id)` once known; empty before.
    pub what: String,
    /// What is wrong.
    pub reason: String,
}

/// How entries are checked.
#[derive(Debug, Clone, Copy)]
pub struct EntryRules {
    /// Whether each transaction's signature is verified (a trust bundle's replay checks
    /// signers by its own rules instead).
    pub check_signature: bool,
    /// Whether entries must come in strictly increasing log order.
    pub in_log_order: bool,
    /// How to say a transaction's bytes were altered.
    pub altered: &'static str,
}

/// Checks every entry against the opened checkpoint — parsed, canonical, (signed,) for
/// `chain_id`, included, (in log order) — and hands each, with its number from 1 and its
/// transaction, to `replay`, the module's own rules. The first failure stops the walk.
pub fn entries<'e, E: 'e>(
    items: impl IntoIterator<Item = &'e E>,
    entry: impl Fn(&E) -> &Entry,
    opened: &Opened,
    chain_id: &str,
    rules: EntryRules,
    mut replay: impl FnMut(usize, &E, Transaction) -> Result<(), String>,
) -> Result<(), EntryError> {
    let mut last: Option<u64> = None;
    for (i, item) in items.into_iter().enumerate() {
        let number = i + 1;
        let e = entry(item);
        let tx = check_logged(
            &e.leaf,
            e.leaf_index,
            &e.proof,
            &opened.checkpoint,
            chain_id,
            rules.check_signature,
        )
        .map_err(|err| EntryError {
            number,
            reason: match &err.problem {
                LoggedProblem::OtherChain(_) => {
                    format!("{}, the bundle for {chain_id}", err.problem)
                }
                p => p.explain(rules.altered),
            },
            what: err.what,
        })?;
        let what = format!(" ({}, tx {})", tx.kind(), tx.id());
        if rules.in_log_order && last.is_some_and(|l| e.leaf_index <= l) {
            return Err(EntryError {
                number,
                what,
                reason: "entries are out of log order".into(),
            });
        }
        last = Some(e.leaf_index);
        replay(number, item, tx).map_err(|reason| EntryError {
            number,
            what,
            reason,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_is_more_than_two_thirds() {
        let got: Vec<usize> = (1..=10).map(quorum).collect();
        assert_eq!(got, [1, 2, 3, 3, 4, 5, 5, 6, 7, 7]);
        for n in 1..=100 {
            assert!(3 * quorum(n) > 2 * n, "{n}");
            assert!(3 * (quorum(n) - 1) <= 2 * n, "{n}: not the least");
        }
    }

    #[test]
    fn an_envelope_of_another_version_is_refused() {
        let env = Envelope {
            version: 2,
            chain_id: "c".into(),
            log_origin: "o".into(),
            tree_size: 1,
            checkpoint: String::new(),
            validators: Vec::new(),
            epochs: Vec::new(),
        };
        let err = env.open(1, &[], 1).expect_err("version 2");
        assert_eq!(
            err.to_string(),
            "bundle version 2 is not supported (this verifier reads version 1)"
        );
    }
}
