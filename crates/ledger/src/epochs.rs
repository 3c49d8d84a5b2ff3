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
use unchain_log::NamedKey;

/// The state key holding the current validators (JSON array of `{name, key}`, sorted by
/// name). Outside every module's keyspace, like `member/…`.
pub const VALIDATORS_KEY: &[u8] = b"validators";

/// Epoch → the validators it runs with (the JSON of [`VALIDATORS_KEY`] at its start).
pub(crate) const EPOCHS: TableDefinition<u64, &[u8]> = TableDefinition::new("epochs");

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

/// Whether applying the block at `height` ends an epoch of `length` blocks.
pub(crate) fn ends_epoch(height: u64, length: u64) -> bool {
    (height + 1).is_multiple_of(length)
}
