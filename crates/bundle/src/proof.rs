//! A single transaction's proof bundle: the transaction exactly as logged, its inclusion
//! proof and a cosigned checkpoint. [`verify_bundle`] checks it against a set of trusted
//! validator keys, with no network.

use crate::{Envelope, EnvelopeError, LoggedProblem, check_logged};
use serde::{Deserialize, Serialize};
use unchain_log::{NoteVerifier, hash_leaf};
use unchain_types::{Hash32, PublicKey, Transaction};

/// A validator key that signs checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidatorKey {
    /// Member name (the note key name).
    pub name: String,
    /// Ed25519 public key, hex.
    pub key: String,
}

/// Everything needed to check, offline, that a transaction is in the log: the transaction,
/// its inclusion proof, and a checkpoint signed by the validators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofBundle {
    /// Bundle format version (1).
    pub version: u32,
    /// Chain id.
    pub chain_id: String,
    /// The log's origin line.
    pub log_origin: String,
    /// Leaf index of the transaction.
    pub leaf_index: u64,
    /// Tree size the proof is for (the checkpoint's size).
    pub tree_size: u64,
    /// The transaction exactly as logged (its JCS bytes as a string).
    pub leaf: String,
    /// RFC 9162 leaf hash, hex.
    pub leaf_hash: String,
    /// Inclusion proof hashes, hex, leaf to root.
    pub proof: Vec<String>,
    /// The C2SP signed checkpoint (note text).
    pub checkpoint: String,
    /// Keys that sign checkpoints, as this node knows them. An offline verifier should use
    /// keys from a genesis file it trusts instead.
    pub validators: Vec<ValidatorKey>,
    /// When the checkpoint is from an epoch after genesis: the proofs of the validator sets
    /// from genesis' to that epoch's (see [`crate::epochs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub epochs: Vec<crate::epochs::EpochLink>,
}

impl ProofBundle {
    /// The bundle's checkpoint and chain as an [`Envelope`] (its validator keys are stated
    /// as hex and read by [`bundle_validators`]).
    pub fn envelope(&self) -> Envelope {
        Envelope {
            version: self.version,
            chain_id: self.chain_id.clone(),
            log_origin: self.log_origin.clone(),
            tree_size: self.tree_size,
            checkpoint: self.checkpoint.clone(),
            validators: Vec::new(),
            epochs: self.epochs.clone(),
        }
    }
}

/// What a verified bundle proves.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The transaction, with a valid signature.
    pub tx: Transaction,
    /// Its leaf index.
    pub leaf_index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root.
    pub root: Hash32,
    /// Validators whose checkpoint signatures verified.
    pub signers: Vec<String>,
}

/// Why a bundle does not verify. Each names the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The checkpoint note is malformed, not signed by enough trusted validators, or not
    /// for the bundle's log and size.
    #[error(transparent)]
    Checkpoint(#[from] unchain_log::CheckpointError),
    /// The leaf is not a valid signed transaction of this chain.
    #[error("transaction: {0}")]
    Transaction(String),
    /// A hash in the bundle is malformed.
    #[error("field `{field}`: {reason}")]
    Field {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    Inclusion(String),
}

/// The format version of a transaction's proof bundle.
pub const PROOF_VERSION: u32 = 1;

/// Verifies `bundle` against `trusted` validator keys, requiring `quorum` valid signatures:
/// the envelope and the entry by the checks every bundle shares (`unchain-bundle`), and the
/// leaf hash the bundle states.
pub fn verify_bundle(
    bundle: &ProofBundle,
    trusted: &[NoteVerifier],
    quorum: usize,
) -> Result<VerifiedBundle, BundleError> {
    let opened = bundle
        .envelope()
        .open(PROOF_VERSION, trusted, quorum)
        .map_err(|e| match e {
            EnvelopeError::Checkpoint(c) => BundleError::Checkpoint(c),
            other => BundleError::Field {
                field: "version",
                reason: other.to_string(),
            },
        })?;
    let leaf = bundle.leaf.as_bytes();
    // The bundle states the leaf's hash: a stated hash that is not the leaf's means the
    // bundle was assembled or edited wrongly, whatever the proof says.
    let stated = Hash32::from_hex(&bundle.leaf_hash).map_err(|e| BundleError::Field {
        field: "leaf_hash",
        reason: e.to_string(),
    })?;
    if stated != hash_leaf(leaf) {
        return Err(BundleError::Field {
            field: "leaf_hash",
            reason: format!(
                "states {stated} but the leaf hashes to {} (RFC 9162 §2.1.1)",
                hash_leaf(leaf)
            ),
        });
    }
    let proof = bundle
        .proof
        .iter()
        .map(|h| Hash32::from_hex(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BundleError::Field {
            field: "proof",
            reason: e.to_string(),
        })?;
    let tx = check_logged(
        &bundle.leaf,
        bundle.leaf_index,
        &proof,
        &opened.checkpoint,
        &bundle.chain_id,
        true,
    )
    .map_err(|err| match err.problem {
        LoggedProblem::NotIncluded { leaf_index, reason } => {
            BundleError::Inclusion(format!("leaf {leaf_index}: {reason}"))
        }
        LoggedProblem::OtherChain(c) => BundleError::Transaction(format!(
            "transaction is for chain {c}, bundle for {}",
            bundle.chain_id
        )),
        p => BundleError::Transaction(p.to_string()),
    })?;
    Ok(VerifiedBundle {
        tx,
        leaf_index: bundle.leaf_index,
        tree_size: opened.checkpoint.size,
        root: opened.checkpoint.root,
        signers: opened.signers,
    })
}

/// The validator keys a bundle carries (to use only when no trusted genesis is at hand).
pub fn bundle_validators(bundle: &ProofBundle) -> Result<Vec<NoteVerifier>, BundleError> {
    bundle
        .validators
        .iter()
        .map(|v| {
            Ok(NoteVerifier {
                name: v.name.clone(),
                key: PublicKey::from_hex(&v.key).map_err(|e| BundleError::Field {
                    field: "validators",
                    reason: e.to_string(),
                })?,
            })
        })
        .collect()
}
