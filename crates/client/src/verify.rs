//! Offline verification of a proof bundle: everything is checked from the bundle and a set
//! of trusted validator keys, with no network.

use crate::views::ProofBundle;
use unchain_log::{NoteVerifier, hash_leaf, verify_checkpoint_for, verify_inclusion};
use unchain_types::{Hash32, PublicKey, Transaction};

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
    Inclusion(#[from] unchain_log::ProofError),
}

/// Verifies `bundle` against `trusted` validator keys, requiring `quorum` valid signatures.
pub fn verify_bundle(
    bundle: &ProofBundle,
    trusted: &[NoteVerifier],
    quorum: usize,
) -> Result<VerifiedBundle, BundleError> {
    let (cp, signers) = verify_checkpoint_for(
        &bundle.checkpoint,
        trusted,
        quorum,
        &bundle.log_origin,
        bundle.tree_size,
    )?;
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
    let tx = Transaction::parse(leaf).map_err(|e| BundleError::Transaction(e.to_string()))?;
    if tx.leaf_bytes() != leaf {
        return Err(BundleError::Transaction(
            "leaf is not in canonical (JCS) form".into(),
        ));
    }
    tx.verify_signature()
        .map_err(|e| BundleError::Transaction(e.to_string()))?;
    if tx.chain_id() != bundle.chain_id {
        return Err(BundleError::Transaction(format!(
            "transaction is for chain {}, bundle for {}",
            tx.chain_id(),
            bundle.chain_id
        )));
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
    verify_inclusion(
        &hash_leaf(leaf),
        bundle.leaf_index,
        cp.size,
        &proof,
        &cp.root,
    )?;
    Ok(VerifiedBundle {
        tx,
        leaf_index: bundle.leaf_index,
        tree_size: cp.size,
        root: cp.root,
        signers,
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
