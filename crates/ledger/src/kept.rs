//! Kept state proofs: proofs of keys that execution asked this node to keep beyond the
//! tree's retained window ([`crate::authenticated::RETAINED_VERSIONS`] blocks), at the
//! first state a quorum of validators cosigned after they were asked for.
//!
//! A module asks with [`crate::StateWriter::keep_proof`] while it executes a transaction
//! (the agree module, for the rows an evaluation read). Nothing of this is state: the
//! requests and proofs are this node's own tables, like its cosigned checkpoints, and
//! change no root. Each time a cosigned checkpoint is stored (or a lone validator signs
//! its own), every request from a block at or before its state line is answered with a
//! proof at that state's version — a value, or an absence — and the checkpoint's size is
//! noted, so that the proof can be carried with the note that vouches for its root.
//!
//! Tables: `state_proof_requests` (`(key, height asked)` → nothing), `kept_state_proofs`
//! (`(key, state height)` → [`unchain_bundle::state::StateProof`] JSON),
//! `kept_proof_checkpoints` (state height → the cosigned checkpoint's tree size).

use crate::authenticated::{NODES, VALUES, prove_in, version_holding};
use crate::error::LedgerError;
use crate::{Ledger, state};
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use std::collections::BTreeSet;
use unchain_bundle::state::StateProof;

/// Keys to prove once a cosigned checkpoint covers the block that asked: `(key, height)`.
pub(crate) const REQUESTS: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("state_proof_requests");
/// Kept proofs: `(key, state height)` → the proof, JSON.
pub(crate) const PROOFS: TableDefinition<(&str, u64), &str> =
    TableDefinition::new("kept_state_proofs");
/// The state heights proofs were kept at → the tree size of the cosigned checkpoint whose
/// state line names that height.
pub(crate) const CHECKPOINTS: TableDefinition<u64, u64> =
    TableDefinition::new("kept_proof_checkpoints");

/// Records that the block at `height` asked for proofs of `keys` (keys that are not UTF-8
/// cannot be carried in a bundle and are not kept).
pub(crate) fn request(
    txn: &WriteTransaction,
    height: u64,
    keys: &BTreeSet<Vec<u8>>,
) -> Result<(), LedgerError> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut t = txn.open_table(REQUESTS)?;
    for key in keys {
        if let Ok(key) = std::str::from_utf8(key) {
            t.insert((key, height), ())?;
        }
    }
    Ok(())
}

/// Answers every request from a block at or before `state.height` with a proof at that
/// version, noting the cosigned checkpoint of tree size `size`. Requests stay for a later
/// checkpoint when that version is no longer kept (a note stored long after its block).
pub(crate) fn capture(
    txn: &WriteTransaction,
    state: &unchain_log::StateAt,
    size: u64,
    newest: u64,
) -> Result<(), LedgerError> {
    let due: Vec<(String, u64)> = {
        let t = txn.open_table(REQUESTS)?;
        let mut due = Vec::new();
        for item in t.iter()? {
            let (k, _) = item?;
            let (key, height) = k.value();
            if height <= state.height {
                due.push((key.to_owned(), height));
            }
        }
        due
    };
    if due.is_empty() {
        return Ok(());
    }
    let nodes = txn.open_table(NODES)?;
    let values = txn.open_table(VALUES)?;
    let Some(version) = version_holding(&nodes, &values, state.height, &state.root, newest)? else {
        return Ok(());
    };
    let mut proofs = txn.open_table(PROOFS)?;
    let mut requests = txn.open_table(REQUESTS)?;
    let keys: BTreeSet<&str> = due.iter().map(|(k, _)| k.as_str()).collect();
    for key in keys {
        let (value, proof) = prove_in(&nodes, &values, version, key.as_bytes())?;
        let proof = StateProof::new(key, value.as_deref(), &proof);
        let json = serde_json::to_string(&proof).expect("a state proof serialises");
        proofs.insert((key, state.height), json.as_str())?;
    }
    for (key, height) in &due {
        requests.remove((key.as_str(), *height))?;
    }
    txn.open_table(CHECKPOINTS)?.insert(state.height, size)?;
    Ok(())
}

/// Proofs kept at one state, with the cosigned checkpoint that vouches for its root.
#[derive(Debug, Clone)]
pub struct KeptProofs {
    /// The cosigned checkpoint (note text) whose state line names `height`.
    pub checkpoint: String,
    /// Its tree size.
    pub tree_size: u64,
    /// The state height.
    pub height: u64,
    /// One proof per key asked for, in the order asked.
    pub proofs: Vec<StateProof>,
}

impl Ledger {
    /// The first state at or after `height` at which this node kept a proof of `key`, with
    /// the proofs of `keys` there (each kept, or proven afresh while that version is still
    /// in the tree) and the cosigned checkpoint of that state. `None` when no proof of
    /// `key` was kept at or after `height`, or a key of `keys` is proven neither way.
    pub fn kept_proofs(
        &self,
        key: &str,
        height: u64,
        keys: &[String],
    ) -> Result<Option<KeptProofs>, LedgerError> {
        let txn = self.read()?;
        // Directories made before proofs were kept lack the tables until a block asks.
        let Some(kept) = opened(txn.open_table(PROOFS))? else {
            return Ok(None);
        };
        let Some(at) = kept
            .range((key, height)..=(key, u64::MAX))?
            .next()
            .transpose()?
            .map(|(k, _)| k.value().1)
        else {
            return Ok(None);
        };
        let Some(size) = txn.open_table(CHECKPOINTS)?.get(at)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let Some(checkpoint) = txn
            .open_table(state::COSIGNED)?
            .get(size)?
            .map(|v| v.value().to_owned())
        else {
            return Ok(None);
        };
        let nodes = txn.open_table(NODES)?;
        let values = txn.open_table(VALUES)?;
        let root = unchain_log::SignedNote::parse(&checkpoint)
            .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
            .map_err(|e| LedgerError::Log(format!("a cosigned checkpoint: {e}")))?
            .state
            .map(|s| s.root);
        let live = match root {
            Some(root) => version_holding(&nodes, &values, at, &root, self.head()?.height)?,
            None => None,
        };
        let mut proofs = Vec::with_capacity(keys.len());
        for k in keys {
            let proof = match (kept.get((k.as_str(), at))?, live) {
                (Some(json), _) => serde_json::from_str(json.value())
                    .map_err(|e| LedgerError::StateTree(format!("a kept proof of {k}: {e}")))?,
                (None, Some(version)) => {
                    let (value, proof) = prove_in(&nodes, &values, version, k.as_bytes())?;
                    StateProof::new(k, value.as_deref(), &proof)
                }
                (None, None) => return Ok(None),
            };
            proofs.push(proof);
        }
        Ok(Some(KeptProofs {
            checkpoint,
            tree_size: size,
            height: at,
            proofs,
        }))
    }

    /// How many proof requests wait for a cosigned checkpoint.
    pub fn waiting_proof_requests(&self) -> Result<u64, LedgerError> {
        use redb::ReadableTableMetadata as _;
        Ok(match opened(self.read()?.open_table(REQUESTS))? {
            Some(t) => t.len()?,
            None => 0,
        })
    }
}

/// A table opened for reading, or `None` where it does not exist yet.
fn opened<T>(table: Result<T, redb::TableError>) -> Result<Option<T>, LedgerError> {
    match table {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
