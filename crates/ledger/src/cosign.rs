//! Cosigned checkpoints: a log checkpoint signed by more than two thirds of the validators,
//! so that one note proves to an outsider that the consortium agreed on the log.
//!
//! Each validator signs its own checkpoint when it applies a block (see
//! [`crate::CheckpointSigner`]); the consensus layer exchanges those signatures and hands a
//! note with a quorum of them to [`Ledger::store_cosigned_checkpoint`], which checks every
//! signature and the root against this node's own log before keeping it.

use crate::error::LedgerError;
use crate::{Ledger, state};
use redb::ReadableTable;
use unchain_log::{Checkpoint, NoteVerifier, SignedNote};

pub use unchain_bundle::quorum;

impl Ledger {
    /// The validators as checkpoint note verifiers, in genesis order.
    pub fn checkpoint_verifiers(&self) -> Vec<NoteVerifier> {
        self.genesis().checkpoint_verifiers()
    }

    /// The validators whose cosignatures make the checkpoint with state line `state_height`
    /// the chain's: the set of that block's epoch, the validators who finalized it (the
    /// genesis validators while this node has not reached that epoch).
    pub fn checkpoint_verifiers_at(
        &self,
        state_height: u64,
    ) -> Result<Vec<NoteVerifier>, LedgerError> {
        Ok(match self.validator_set(self.epoch_of(state_height))? {
            Some(set) => set.iter().map(unchain_log::NamedKey::verifier).collect(),
            None => self.checkpoint_verifiers(),
        })
    }

    /// The envelope of an offline bundle of format `version` against the cosigned
    /// `checkpoint` (note text) of size `tree_size`: this chain, its log and its validators.
    pub fn bundle_envelope(
        &self,
        version: u32,
        checkpoint: String,
        tree_size: u64,
    ) -> Result<unchain_bundle::Envelope, LedgerError> {
        let genesis = self.genesis();
        Ok(unchain_bundle::Envelope {
            version,
            chain_id: genesis.chain_id.clone(),
            log_origin: genesis.log_origin.clone(),
            tree_size,
            epochs: self.epoch_links_for(&checkpoint)?,
            checkpoint,
            validators: self
                .members()?
                .iter()
                .filter(|m| m.validator)
                .map(|m| unchain_log::NamedKey {
                    name: m.name.clone(),
                    key: m.signing_key,
                })
                .collect(),
        })
    }

    /// The checkpoint body this node's log has at `size`, if the log has reached it.
    pub fn checkpoint_body_at(&self, size: u64) -> Result<Option<Checkpoint>, LedgerError> {
        if size > self.head()?.log_size {
            return Ok(None);
        }
        Ok(Some(Checkpoint {
            origin: self.genesis().log_origin.clone(),
            size,
            root: self.log_root_at(size)?,
            state: self.state_at_size(size)?,
        }))
    }

    /// `note` with only the signatures that verify against the validators of the epoch of
    /// the block at `state_height`, one per validator, so that the note this node serves
    /// passes strict verifiers (a failing line rejects a C2SP note); an error unless they
    /// are a quorum.
    pub(crate) fn quorum_signed(
        &self,
        note: &SignedNote,
        state_height: u64,
    ) -> Result<SignedNote, String> {
        let verifiers = self
            .checkpoint_verifiers_at(state_height)
            .map_err(|e| e.to_string())?;
        let verified = note.verified_signatures(&verifiers);
        let required = quorum(verifiers.len());
        if verified.len() < required {
            return Err(format!(
                "{} valid validator signatures, {required} required",
                verified.len()
            ));
        }
        Ok(SignedNote {
            body: note.body.clone(),
            signatures: verified,
        })
    }

    /// Keeps `note` as the cosigned checkpoint at its size, after checking that its body is
    /// exactly this node's checkpoint at that size and that a quorum of validators signed it.
    /// Signatures from keys that are not validators are dropped. Storing a size twice keeps
    /// the first note.
    pub fn store_cosigned_checkpoint(&self, note: &SignedNote) -> Result<(), LedgerError> {
        let invalid = |reason: String| LedgerError::Log(format!("cosigned checkpoint: {reason}"));
        let claimed = Checkpoint::parse_body(&note.body).map_err(|e| invalid(e.to_string()))?;
        let ours = self
            .checkpoint_body_at(claimed.size)?
            .ok_or_else(|| invalid(format!("size {} is beyond this node's log", claimed.size)))?;
        if ours.body() != note.body {
            return Err(invalid(format!(
                "body differs from this node's checkpoint at size {}",
                claimed.size
            )));
        }
        let kept = self
            .quorum_signed(note, claimed.state.map_or(0, |s| s.height))
            .map_err(invalid)?;
        let newest = self.head()?.height;
        let txn = self.begin_write()?;
        {
            let mut t = txn.open_table(state::COSIGNED)?;
            if t.get(claimed.size)?.is_none() {
                t.insert(claimed.size, kept.to_text().as_str())?;
                if let Some(state) = &claimed.state {
                    crate::kept::capture(&txn, state, claimed.size, newest)?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::quorum;

    #[test]
    fn quorum_is_more_than_two_thirds() {
        for (n, q) in [
            (1, 1),
            (2, 2),
            (3, 3),
            (4, 3),
            (5, 4),
            (6, 5),
            (7, 5),
            (10, 7),
            (16, 11),
        ] {
            assert_eq!(quorum(n), q, "n = {n}");
            assert!(3 * q > 2 * n, "n = {n}");
        }
    }
}
