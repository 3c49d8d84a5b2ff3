//! Epochs: the validator set consensus runs with, which changes only at an epoch boundary.
//!
//! Governance changes who validates (a member added as a validator, a validator's flag
//! cleared, a member removed, a signing key rotated) like any membership change: it applies
//! at once to membership, and the state key [`VALIDATORS_KEY`] always holds the validators it
//! leaves, sorted by name. Consensus reads that key only at epoch boundaries: applying the
//! last block of epoch `e` records, in this node's `epochs` table, the set epoch `e + 1`
//! runs with. Every node executes the same blocks, so every node records the same sets, and
//! the set is also in the authenticated state at the boundary height, provable to anyone.

use crate::state::StateWriter;
use crate::{Ledger, LedgerError, Member};
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use unchain_log::{Checkpoint, NamedKey, SignedNote, StateAt};

/// The state key holding the current validators (JSON array of `{name, key}`, sorted by
/// name). Outside every module's keyspace, like `member/…`.
pub const VALIDATORS_KEY: &[u8] = b"validators";

/// Epoch → the validators it runs with (the JSON of [`VALIDATORS_KEY`] at its start).
pub(crate) const EPOCHS: TableDefinition<u64, &[u8]> = TableDefinition::new("epochs");

/// Epoch `e + 1` → this node's own signature on the checkpoint whose state line is the last
/// block of epoch `e` (note text), if it validated epoch `e`.
pub(crate) const EPOCH_NOTES_OWN: TableDefinition<u64, &str> =
    TableDefinition::new("epoch_notes_own");

/// Epoch `e + 1` → that checkpoint cosigned by a quorum of epoch `e`'s validators.
pub(crate) const EPOCH_NOTES: TableDefinition<u64, &str> = TableDefinition::new("epoch_notes");

/// Epoch `e + 1` → the proof of [`VALIDATORS_KEY`] in the state after the last block of
/// epoch `e` (JSON of a [`unchain_bundle::state::StateProof`]), taken when that block was
/// applied: the state tree keeps old versions only so long.
pub(crate) const EPOCH_PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("epoch_proofs");

/// Rewrites [`VALIDATORS_KEY`] from the members in state, if it changed. The scan runs in
/// key order (`member/NAME`), so the set comes out sorted by name.
pub(crate) fn refresh_validators(st: &mut StateWriter<'_>) -> Result<(), redb::StorageError> {
    let mut validators = Vec::new();
    for (_, v) in st.scan_prefix(b"member/")? {
        let m: Member = serde_json::from_slice(&v).expect("member JSON");
        if m.validator {
            validators.push(NamedKey {
                name: m.name,
                key: m.signing_key,
            });
        }
    }
    let json = serde_json::to_vec(&validators).expect("validators serialise");
    if st.get(VALIDATORS_KEY)?.as_deref() != Some(json.as_slice()) {
        st.put(VALIDATORS_KEY, &json)?;
    }
    Ok(())
}

/// Records the set epoch `epoch` runs with: the validators in state now.
pub(crate) fn record_epoch(
    txn: &WriteTransaction,
    st: &StateWriter<'_>,
    epoch: u64,
) -> Result<(), LedgerError> {
    let json = st
        .get(VALIDATORS_KEY)?
        .expect("the validators key is written at genesis");
    txn.open_table(EPOCHS)?.insert(epoch, json.as_slice())?;
    Ok(())
}

impl Ledger {
    /// Blocks per consensus epoch (from genesis).
    pub fn epoch_length(&self) -> u64 {
        self.genesis.epoch_length()
    }

    /// The epoch height `height` belongs to.
    pub fn epoch_of(&self, height: u64) -> u64 {
        self.genesis.epoch_of(height)
    }

    /// The validators epoch `epoch` runs with, once this node has executed the block that
    /// fixed them (the last of the epoch before); `None` before.
    pub fn validator_set(&self, epoch: u64) -> Result<Option<Vec<NamedKey>>, LedgerError> {
        let read = self.read()?;
        let table = read.open_table(EPOCHS)?;
        Ok(table
            .get(epoch)?
            .map(|v| serde_json::from_slice(v.value()).expect("epochs hold validator JSON")))
    }

    /// The latest epoch whose validators this node knows, and them: the epoch of the next
    /// block this node will execute.
    pub fn latest_epoch(&self) -> Result<(u64, Vec<NamedKey>), LedgerError> {
        let read = self.read()?;
        let table = read.open_table(EPOCHS)?;
        let (epoch, set) = table.last()?.expect("epoch 0 is recorded at genesis");
        Ok((
            epoch.value(),
            serde_json::from_slice(set.value()).expect("epochs hold validator JSON"),
        ))
    }

    /// The validators in state now: those the next epoch will run with unless governance
    /// changes them again before its boundary.
    pub fn current_validators(&self) -> Result<Vec<NamedKey>, LedgerError> {
        Ok(self
            .state_reader()?
            .get(VALIDATORS_KEY)?
            .map(|v| serde_json::from_slice(&v).expect("validators JSON"))
            .unwrap_or_default())
    }
}

/// Creates the epoch-end tables where a ledger written before them lacks them, so readers
/// never meet a missing one.
pub(crate) fn create_tables(db: &redb::Database) -> Result<(), LedgerError> {
    let txn = db.begin_write()?;
    txn.open_table(EPOCH_NOTES_OWN)?;
    txn.open_table(EPOCH_NOTES)?;
    txn.open_table(EPOCH_PROOFS)?;
    txn.commit()?;
    Ok(())
}

/// Whether applying the block at `height` ends an epoch of `length` blocks.
pub(crate) fn ends_epoch(height: u64, length: u64) -> bool {
    (height + 1).is_multiple_of(length)
}

/// Signs, as this node's own, the checkpoint of the block at `head` that ends an epoch (its
/// state line is that block, whatever the log did), keyed by the epoch it starts. A lone
/// validator's signature is its quorum.
pub(crate) fn sign_epoch_end(
    txn: &WriteTransaction,
    origin: &str,
    head: &crate::Head,
    epoch: u64,
    signer: &crate::CheckpointSigner,
    lone: bool,
) -> Result<(), LedgerError> {
    let body = Checkpoint {
        origin: origin.to_owned(),
        size: head.log_size,
        root: head.log_root,
        state: Some(StateAt {
            height: head.height,
            root: head.state_root,
        }),
    }
    .body();
    let mut note = SignedNote::new(body);
    note.sign(&signer.name, &signer.key)
        .map_err(|e| LedgerError::Log(e.to_string()))?;
    let text = note.to_text();
    txn.open_table(EPOCH_NOTES_OWN)?
        .insert(epoch + 1, text.as_str())?;
    if lone {
        txn.open_table(EPOCH_NOTES)?
            .insert(epoch + 1, text.as_str())?;
    }
    Ok(())
}

impl Ledger {
    /// Whether the block at `height` is the last of its epoch.
    pub fn ends_epoch(&self, height: u64) -> bool {
        ends_epoch(height, self.epoch_length())
    }

    /// The height of the last block of `epoch`.
    pub fn last_height_of(&self, epoch: u64) -> u64 {
        last_height(epoch, self.epoch_length())
    }

    /// The body of the checkpoint of the last block of epoch `epoch - 1`, whose state proves
    /// `epoch`'s validators, once this node has applied that block.
    pub fn epoch_end_body(&self, epoch: u64) -> Result<Option<Checkpoint>, LedgerError> {
        let Some(ended) = epoch.checked_sub(1) else {
            return Ok(None);
        };
        let height = last_height(ended, self.epoch_length());
        Ok(self.block_roots(height)?.map(|roots| Checkpoint {
            origin: self.genesis().log_origin.clone(),
            size: roots.log_size,
            root: roots.log_root,
            state: Some(StateAt {
                height,
                root: roots.state_root,
            }),
        }))
    }

    /// This node's own signature on the epoch-end checkpoint proving `epoch`'s validators.
    pub fn own_epoch_note(&self, epoch: u64) -> Result<Option<String>, LedgerError> {
        let read = self.read()?;
        Ok(read
            .open_table(EPOCH_NOTES_OWN)?
            .get(epoch)?
            .map(|v| v.value().to_owned()))
    }

    /// The cosigned epoch-end checkpoint proving `epoch`'s validators, if this node holds it.
    pub fn epoch_note(&self, epoch: u64) -> Result<Option<String>, LedgerError> {
        let read = self.read()?;
        Ok(read
            .open_table(EPOCH_NOTES)?
            .get(epoch)?
            .map(|v| v.value().to_owned()))
    }

    /// Keeps `note` as the cosigned checkpoint of the block that ended an epoch, after
    /// checking that its body is exactly this node's checkpoint of that block and that a
    /// quorum of the ending epoch's validators signed it (other signatures are dropped).
    /// Returns the epoch whose validators it proves. Storing one twice keeps the first.
    pub fn store_epoch_note(&self, note: &SignedNote) -> Result<u64, LedgerError> {
        let invalid = |reason: String| LedgerError::Log(format!("epoch-end checkpoint: {reason}"));
        let claimed = Checkpoint::parse_body(&note.body).map_err(|e| invalid(e.to_string()))?;
        let height = claimed
            .state
            .ok_or_else(|| invalid("no state line".into()))?
            .height;
        if !ends_epoch(height, self.epoch_length()) {
            return Err(invalid(format!("block {height} does not end an epoch")));
        }
        let epoch = self.epoch_of(height) + 1;
        let ours = self
            .epoch_end_body(epoch)?
            .ok_or_else(|| invalid(format!("block {height} is beyond this node's chain")))?;
        if ours.body() != note.body {
            return Err(invalid(format!(
                "body differs from this node's checkpoint of block {height}"
            )));
        }
        let kept = self.quorum_signed(note, height).map_err(invalid)?;
        let txn = self.begin_write()?;
        {
            let mut t = txn.open_table(EPOCH_NOTES)?;
            if t.get(epoch)?.is_none() {
                t.insert(epoch, kept.to_text().as_str())?;
            }
        }
        txn.commit()?;
        Ok(epoch)
    }

    /// Takes the proof of the validators in the state after `height`, which just ended an
    /// epoch, while the state tree still holds that version.
    pub(crate) fn record_epoch_proof(&self, height: u64) -> Result<(), LedgerError> {
        let epoch = self.epoch_of(height) + 1;
        if self.read()?.open_table(EPOCH_PROOFS)?.get(epoch)?.is_some() {
            return Ok(());
        }
        let proof = self
            .state_proofs_at(height, &[unchain_bundle::epochs::VALIDATORS_KEY.to_owned()])?
            .remove(0);
        let txn = self.begin_write()?;
        txn.open_table(EPOCH_PROOFS)?.insert(
            epoch,
            serde_json::to_vec(&proof).expect("proof JSON").as_slice(),
        )?;
        txn.commit()?;
        Ok(())
    }

    /// Every epoch link this node holds, for epochs 1, 2, … in order, up to the first it
    /// lacks (a cosignature still being gathered, or a history this node never held): the
    /// cosigned epoch-end checkpoint and the proof of the validators in its state.
    pub fn epoch_links(&self) -> Result<Vec<unchain_bundle::epochs::EpochLink>, LedgerError> {
        let read = self.read()?;
        let notes = read.open_table(EPOCH_NOTES)?;
        let proofs = read.open_table(EPOCH_PROOFS)?;
        let mut out = Vec::new();
        for epoch in 1.. {
            let (Some(note), Some(proof)) = (notes.get(epoch)?, proofs.get(epoch)?) else {
                break;
            };
            out.push(unchain_bundle::epochs::EpochLink {
                epoch,
                checkpoint: note.value().to_owned(),
                validators: serde_json::from_slice(proof.value()).expect("proof JSON"),
            });
        }
        Ok(out)
    }
}

/// Meta key: the epoch through which a ledger restored from a snapshot was given every set
/// (the manifest's `epochs_proven_through`); its links before are those of changes only.
pub(crate) const LINKS_BASE: &str = "epoch_links_base";

impl Ledger {
    /// The epoch through which this node proves every validator set: the links it holds run
    /// without a gap from `from` (an epoch already known proven; 0 for none) — or from the
    /// snapshot it started from — to it.
    pub fn epochs_proven_through(&self, from: u64) -> Result<u64, LedgerError> {
        let read = self.read()?;
        let base = read
            .open_table(crate::state::META)?
            .get(LINKS_BASE)?
            .map(|v| serde_json::from_slice::<u64>(v.value()).expect("links base JSON"))
            .unwrap_or(0);
        let notes = read.open_table(EPOCH_NOTES)?;
        let proofs = read.open_table(EPOCH_PROOFS)?;
        let known = &self.links_proven;
        let mut through = from
            .max(base)
            .max(known.load(std::sync::atomic::Ordering::Relaxed));
        while notes.get(through + 1)?.is_some() && proofs.get(through + 1)?.is_some() {
            through += 1;
        }
        known.fetch_max(through, std::sync::atomic::Ordering::Relaxed);
        Ok(through)
    }

    /// The links of the epochs up to `through` whose validator set changed, oldest first:
    /// what proves every set through `through` from genesis' (epochs left out kept the
    /// set before them). `through` must be proven ([`Ledger::epochs_proven_through`]).
    pub fn change_links(
        &self,
        through: u64,
    ) -> Result<Vec<unchain_bundle::epochs::EpochLink>, LedgerError> {
        let read = self.read()?;
        let sets = read.open_table(EPOCHS)?;
        let notes = read.open_table(EPOCH_NOTES)?;
        let proofs = read.open_table(EPOCH_PROOFS)?;
        let mut out = Vec::new();
        let mut before: Option<Vec<u8>> = None;
        for entry in sets.range(0..=through)? {
            let (epoch, set) = entry?;
            let (epoch, set) = (epoch.value(), set.value().to_vec());
            if before.as_ref().is_some_and(|b| *b != set) {
                let (Some(note), Some(proof)) = (notes.get(epoch)?, proofs.get(epoch)?) else {
                    return Err(LedgerError::StateTree(format!(
                        "the link proving epoch {epoch}'s validators is not held here"
                    )));
                };
                out.push(unchain_bundle::epochs::EpochLink {
                    epoch,
                    checkpoint: note.value().to_owned(),
                    validators: serde_json::from_slice(proof.value()).expect("proof JSON"),
                });
            }
            before = Some(set);
        }
        Ok(out)
    }

    /// The epoch links a bundle against `checkpoint` (note text) carries: those of the
    /// changes of the validator set up to the epoch of its state line, as far as this node
    /// proves them.
    pub fn epoch_links_for(
        &self,
        checkpoint: &str,
    ) -> Result<Vec<unchain_bundle::epochs::EpochLink>, LedgerError> {
        let epoch = SignedNote::parse(checkpoint)
            .ok()
            .and_then(|n| Checkpoint::parse_body(&n.body).ok())
            .and_then(|c| c.state)
            .map_or(0, |s| self.epoch_of(s.height));
        if epoch == 0 {
            return Ok(Vec::new());
        }
        self.change_links(epoch.min(self.epochs_proven_through(0)?))
    }
}

/// The last height of `epoch` with `length` blocks per epoch.
pub(crate) fn last_height(epoch: u64, length: u64) -> u64 {
    unchain_bundle::epochs::last_height(epoch, length)
}
