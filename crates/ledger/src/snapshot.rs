//! State snapshots: the state at the height of a cosigned checkpoint, exported by one node
//! and restored by another, so a new member (or a node that lost its disk) starts from a
//! recent state instead of replaying every block since genesis.
//!
//! A snapshot is a [`SnapshotManifest`] and chunks of state entries. The manifest names the
//! height, the state root, the log's size, root and frontier, the cosigned checkpoint that
//! vouches for all of them, the last few block records (the next block may attest any of
//! them) and the validator set of each epoch. Each chunk holds entries
//! `key length (u32) ‖ key ‖ value length (u32) ‖ value` in ascending order of
//! `SHA-256(key)` (the order of the authenticated map), and the manifest lists each chunk's
//! SHA-256, so a chunk is checked as it arrives, from whichever peer served it.
//!
//! [`Ledger::restore_snapshot`] trusts nothing it is given: the checkpoint must carry a
//! quorum of the signatures of the validators of the snapshot's epoch, its log root must be
//! the frontier's, its state line must be the manifest's height and root, and the entries
//! must rebuild exactly that state root. Anything else is refused before a byte is kept.
//! The validator sets of epochs after genesis are proven from the genesis set by the
//! manifest's epoch links (`unchain_bundle::epochs`), and the restored node keeps the links
//! to serve them in turn; a set the exporting node could not prove (the newest boundary's,
//! while its cosignatures are gathered, or one from before epoch-end checkpoints existed)
//! is taken as stated, and the restore says which ([`Restored::sets_as_stated`]).
//!
//! A restored node holds no block, transaction or log leaf before the snapshot: it serves
//! proofs from the snapshot's height on, and says so for older ones.

use crate::authenticated::{self, VALUES, decode_entry, encode_entry, key_hash, value_key};
use crate::query::{BlockRecord, BlockRoots, Head};
use crate::state::{self, RedbNodes, RedbNodesRead};
use crate::{AnyModule, CheckpointSigner, Genesis, Ledger, LedgerError, epochs, genesis_hash};
use jmt::storage::{HasPreimage, LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Sha256Jmt, Version};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use unchain_bundle::epochs::EpochLink;
use unchain_log::{Checkpoint, NamedKey, StateAt};
use unchain_types::Hash32;

/// The snapshot format this version writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A chunk is closed once its entries reach this many bytes (4 MiB).
pub const CHUNK_TARGET_BYTES: usize = 4 << 20;

/// What a snapshot holds besides its chunks, and what vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotManifest {
    /// [`SNAPSHOT_FORMAT`].
    pub format: u32,
    /// The chain.
    pub chain_id: String,
    /// SHA-256 of the genesis document's canonical JSON.
    pub genesis_hash: Hash32,
    /// The block after which the state was taken: the state line of `checkpoint`.
    pub height: u64,
    /// The state root at `height`.
    pub state_root: Hash32,
    /// State entries in all chunks.
    pub entries: u64,
    /// The chunks, in order.
    pub chunks: Vec<ChunkInfo>,
    /// The log's size after `height`.
    pub log_size: u64,
    /// The log's root at `log_size`.
    pub log_root: Hash32,
    /// The log's frontier at `log_size`: the perfect subtrees that make it up, left to right.
    pub log_frontier: Vec<Hash32>,
    /// The checkpoint at `log_size`, cosigned by a quorum of the validators of the epoch of
    /// `height` (note text).
    pub checkpoint: String,
    /// The block records from the height the block at `height` attests to `height`.
    pub blocks: Vec<BlockRecord>,
    /// The validators of every epoch from genesis to the one the next block runs in.
    pub epochs: Vec<EpochSet>,
    /// The epoch through which the exporting node proves every set (0: none after genesis').
    #[serde(default)]
    pub epochs_proven_through: u64,
    /// The proofs of the sets that changed up to `epochs_proven_through`: for each, the
    /// checkpoint of the block that ended the epoch before, cosigned by its validators, and
    /// the validators in that block's state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub epoch_links: Vec<EpochLink>,
}

/// One chunk of state entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkInfo {
    /// Entries in the chunk.
    pub entries: u64,
    /// The chunk's length in bytes.
    pub bytes: u64,
    /// SHA-256 of the chunk.
    pub sha256: Hash32,
}

/// The validators an epoch runs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochSet {
    /// The epoch.
    pub epoch: u64,
    /// Its validators, sorted by name.
    pub validators: Vec<NamedKey>,
}

/// Why a snapshot was not exported or not restored. Nothing is written either way.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// A manifest field is wrong: named, with the reason.
    #[error("snapshot field `{field}`: {reason}")]
    Manifest {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A chunk is wrong or could not be fetched.
    #[error("snapshot chunk {index}: {reason}")]
    Chunk {
        /// The chunk's index.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The entries do not rebuild the state root the checkpoint vouches for.
    #[error(
        "the snapshot's {entries} entries rebuild state root {rebuilt}, but the checkpoint vouches for {expected}: the snapshot is not the state it claims"
    )]
    Root {
        /// Entries read.
        entries: u64,
        /// The root they rebuild.
        rebuilt: Hash32,
        /// The root of the manifest and checkpoint.
        expected: Hash32,
    },
    /// The target already holds a ledger.
    #[error("{0} already holds a ledger: a snapshot is restored only into a new data directory")]
    NotEmpty(String),
    /// Nothing can be exported yet.
    #[error("no snapshot can be taken yet: {0}")]
    Unavailable(String),
    /// Writing a chunk failed.
    #[error("writing snapshot chunk {index}: {source}")]
    Write {
        /// The chunk's index.
        index: usize,
        /// The failure.
        source: std::io::Error,
    },
    /// The ledger's storage failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl SnapshotError {
    fn field(field: &'static str, reason: impl Into<String>) -> Self {
        SnapshotError::Manifest {
            field,
            reason: reason.into(),
        }
    }
}

macro_rules! storage_into_snapshot {
    ($($t:ty),*) => {$(
        impl From<$t> for SnapshotError {
            fn from(e: $t) -> Self {
                SnapshotError::Ledger(e.into())
            }
        }
    )*};
}
storage_into_snapshot!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError
);

/// What a restore established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The height the ledger starts from.
    pub height: u64,
    /// Its state root, rebuilt from the entries and vouched for by the checkpoint.
    pub state_root: Hash32,
    /// State entries restored.
    pub entries: u64,
    /// Validators whose signatures on the checkpoint verified.
    pub signers: Vec<String>,
    /// The epochs after genesis whose validator sets were taken as the manifest states them.
    pub sets_as_stated: Vec<u64>,
}

/// The base a restored ledger started from (in `meta`, key `snapshot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotBase {
    /// The snapshot's height: no block before it is held.
    pub height: u64,
    /// The log's size there: no leaf before it is held.
    pub log_size: u64,
}

/// Appends one entry to a chunk.
fn push_entry(chunk: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    chunk.extend_from_slice(&(key.len() as u32).to_be_bytes());
    chunk.extend_from_slice(key);
    chunk.extend_from_slice(&(value.len() as u32).to_be_bytes());
    chunk.extend_from_slice(value);
}

/// Cuts the exported entries into chunks and hands each to the writer.
struct ChunkWriter<'w> {
    write: &'w mut dyn FnMut(usize, &[u8]) -> std::io::Result<()>,
    target: usize,
    chunks: Vec<ChunkInfo>,
    chunk: Vec<u8>,
    chunk_entries: u64,
    entries: u64,
}

impl ChunkWriter<'_> {
    /// Adds a stored value entry (skipping a deletion), closing the chunk once it is full.
    fn push(&mut self, stored: Option<Vec<u8>>) -> Result<(), SnapshotError> {
        let Some((key, value)) = stored.as_deref().and_then(decode_entry) else {
            return Ok(());
        };
        push_entry(&mut self.chunk, key, value);
        self.chunk_entries += 1;
        self.entries += 1;
        if self.chunk.len() >= self.target {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SnapshotError> {
        let index = self.chunks.len();
        (self.write)(index, &self.chunk)
            .map_err(|source| SnapshotError::Write { index, source })?;
        self.chunks.push(ChunkInfo {
            entries: self.chunk_entries,
            bytes: self.chunk.len() as u64,
            sha256: Hash32::digest(&self.chunk),
        });
        self.chunk.clear();
        self.chunk_entries = 0;
        Ok(())
    }

    /// The chunks and the number of entries.
    fn finish(mut self) -> Result<(Vec<ChunkInfo>, u64), SnapshotError> {
        if !self.chunk.is_empty() {
            self.flush()?;
        }
        Ok((self.chunks, self.entries))
    }
}

/// A state entry: key and value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// An entry read from a chunk, with its key's place in the tree.
type HashedEntry = (KeyHash, Vec<u8>, Vec<u8>);

/// The entries of one chunk, or why they cannot be read.
pub fn parse_chunk(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    fn take<'a>(rest: &mut &'a [u8], entry: usize, what: &str) -> Result<&'a [u8], String> {
        let len = rest
            .get(..4)
            .ok_or_else(|| format!("entry {entry}: the {what} length is cut off"))?;
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        let field = rest.get(4..4 + len).ok_or_else(|| {
            format!("entry {entry}: the {what} is cut off ({len} bytes announced)")
        })?;
        *rest = &rest[4 + len..];
        Ok(field)
    }
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let key = take(&mut rest, entries.len(), "key")?.to_vec();
        let value = take(&mut rest, entries.len(), "value")?.to_vec();
        entries.push((key, value));
    }
    Ok(entries)
}

impl Ledger {
    /// Exports the state at the height of the newest cosigned checkpoint: hands each chunk
    /// (closed once it holds `chunk_bytes` bytes; [`CHUNK_TARGET_BYTES`] unless testing) to
    /// `write_chunk` (index, bytes) and returns the manifest. Reads one consistent version of
    /// the ledger, so blocks may keep being applied meanwhile.
    pub fn export_snapshot(
        &self,
        chunk_bytes: usize,
        write_chunk: &mut dyn FnMut(usize, &[u8]) -> std::io::Result<()>,
    ) -> Result<SnapshotManifest, SnapshotError> {
        let txn = self.read()?;
        let (log_size, checkpoint) = {
            let cosigned = txn.open_table(state::COSIGNED)?;
            let Some((size, note)) = cosigned.last()? else {
                return Err(SnapshotError::Unavailable(
                    "no checkpoint has been cosigned by a quorum of validators".into(),
                ));
            };
            (size.value(), note.value().to_owned())
        };
        let cp = unchain_log::SignedNote::parse(&checkpoint)
            .and_then(|n| Checkpoint::parse_body(&n.body))
            .map_err(|e| LedgerError::Log(format!("the stored cosigned checkpoint: {e}")))?;
        let Some(StateAt {
            height,
            root: state_root,
        }) = cp.state
        else {
            return Err(SnapshotError::Unavailable(
                "the newest cosigned checkpoint carries no state line".into(),
            ));
        };
        if height == 0 {
            return Err(SnapshotError::Unavailable(
                "no transaction has been committed since genesis".into(),
            ));
        }
        // The tree may hold this state under a later version only: an idle chain's
        // checkpoint keeps naming the last block that logged anything.
        let newest = self.head()?.height;
        let Some(holding) = authenticated::version_holding(
            &txn.open_table(authenticated::NODES)?,
            &txn.open_table(VALUES)?,
            height,
            &state_root,
            newest,
        )?
        else {
            return Err(SnapshotError::Unavailable(format!(
                "the state at height {height} is no longer kept here"
            )));
        };
        let log_frontier =
            unchain_log::frontier(&RedbNodesRead(txn.open_table(state::LOG_NODES)?), log_size)
                .map_err(|e| LedgerError::Log(e.to_string()))?;

        // Each key's newest entry at or before the version holding that state, in key-hash
        // order.
        let values = txn.open_table(VALUES)?;
        let mut out = ChunkWriter {
            write: write_chunk,
            target: chunk_bytes,
            chunks: Vec::new(),
            chunk: Vec::new(),
            chunk_entries: 0,
            entries: 0,
        };
        let mut current: Option<[u8; 32]> = None;
        let mut best: Option<Vec<u8>> = None;
        for entry in values.iter()? {
            let (k, v) = entry?;
            let k = k.value();
            let kh: [u8; 32] = k[..32].try_into().expect("40-byte key");
            let version = Version::from_be_bytes(k[32..].try_into().expect("40-byte key"));
            if current != Some(kh) {
                out.push(best.take())?;
                current = Some(kh);
            }
            if version <= holding {
                best = Some(v.value().to_vec());
            }
        }
        out.push(best.take())?;
        let (chunks, entries) = out.finish()?;

        let blocks_table = txn.open_table(state::BLOCKS)?;
        let record = |h: u64| -> Result<BlockRecord, SnapshotError> {
            let v = blocks_table.get(h)?.ok_or_else(|| {
                SnapshotError::Unavailable(format!("the block at height {h} is not held here"))
            })?;
            Ok(serde_json::from_slice(v.value()).expect("block JSON"))
        };
        let last = record(height)?;
        let mut blocks = Vec::new();
        for h in last.block.attested_height.max(1)..height {
            blocks.push(record(h)?);
        }
        blocks.push(last);

        let next_epoch = self.epoch_of(height + 1);
        let proven = next_epoch.min(self.epochs_proven_through(0)?);
        let epochs = txn
            .open_table(epochs::EPOCHS)?
            .range(0..=next_epoch)?
            .map(|e| {
                let (epoch, set) = e?;
                Ok(EpochSet {
                    epoch: epoch.value(),
                    validators: serde_json::from_slice(set.value())
                        .expect("epochs hold validator JSON"),
                })
            })
            .collect::<Result<Vec<_>, redb::StorageError>>()?;
        Ok(SnapshotManifest {
            format: SNAPSHOT_FORMAT,
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.genesis_hash(),
            height,
            state_root,
            entries,
            chunks,
            log_size,
            log_root: cp.root,
            log_frontier,
            checkpoint,
            blocks,
            epochs,
            epochs_proven_through: proven,
            epoch_links: self.change_links(proven)?,
        })
    }

    /// The snapshot this ledger was restored from, if it did not replay from genesis.
    pub fn snapshot_base(&self) -> Result<Option<SnapshotBase>, LedgerError> {
        let txn = self.read()?;
        let meta = txn.open_table(state::META)?;
        Ok(meta
            .get("snapshot")?
            .map(|v| serde_json::from_slice(v.value()).expect("snapshot base JSON")))
    }

    /// Creates the ledger at `path` (which must not exist) from a snapshot: checks the
    /// manifest against `genesis` and the checkpoint's signatures, reads every chunk from
    /// `chunk` (by index) checking it against the manifest, rebuilds the state and checks its
    /// root, then writes everything in one transaction. `progress` hears of each chunk read
    /// (index, entries so far). On any failure nothing is left at `path`.
    pub fn restore_snapshot(
        path: &Path,
        genesis: Genesis,
        modules: Vec<Arc<dyn AnyModule>>,
        signer: Option<CheckpointSigner>,
        manifest: &SnapshotManifest,
        chunk: &mut dyn FnMut(usize) -> Result<Vec<u8>, String>,
        progress: &mut dyn FnMut(usize, u64),
    ) -> Result<(Ledger, Restored), SnapshotError> {
        if path.exists() {
            return Err(SnapshotError::NotEmpty(path.display().to_string()));
        }
        genesis.check().map_err(LedgerError::Genesis)?;
        let checked = check_manifest(&genesis, manifest)?;
        let entries = read_chunks(manifest, chunk, progress)?;
        let result = write_restored(path, genesis, modules, signer, manifest, entries);
        match result {
            Ok((ledger, entries)) => Ok((
                ledger,
                Restored {
                    height: manifest.height,
                    state_root: manifest.state_root,
                    entries,
                    signers: checked.signers,
                    sets_as_stated: checked.sets_as_stated,
                },
            )),
            Err(e) => {
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }
}

/// What a manifest's checks established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vouched {
    /// Validators whose signatures on the checkpoint verified.
    pub signers: Vec<String>,
    /// The epochs after genesis whose validator sets were taken as the manifest states them.
    pub sets_as_stated: Vec<u64>,
}

fn sorted(set: &[NamedKey]) -> Vec<(String, String)> {
    let mut v: Vec<_> = set
        .iter()
        .map(|k| (k.name.clone(), k.key.to_hex()))
        .collect();
    v.sort();
    v
}

/// Checks everything about a manifest that needs no chunk: its chain, the checkpoint's
/// quorum of signatures by the validators of the snapshot's epoch, that the checkpoint
/// vouches for its height, state root and log root, the log frontier and the block
/// records. [`Ledger::restore_snapshot`] runs it first; a node runs it before downloading.
pub fn check_manifest(genesis: &Genesis, m: &SnapshotManifest) -> Result<Vouched, SnapshotError> {
    if m.format != SNAPSHOT_FORMAT {
        return Err(SnapshotError::field(
            "format",
            format!(
                "format {} is not the one this version reads ({SNAPSHOT_FORMAT})",
                m.format
            ),
        ));
    }
    if m.chain_id != genesis.chain_id {
        return Err(SnapshotError::field(
            "chain_id",
            format!(
                "the snapshot is of chain {:?}, this node's genesis is chain {:?}",
                m.chain_id, genesis.chain_id
            ),
        ));
    }
    if m.genesis_hash != genesis_hash(genesis) {
        return Err(SnapshotError::field(
            "genesis_hash",
            format!(
                "the snapshot's genesis is {}, this node's is {}",
                m.genesis_hash,
                genesis_hash(genesis)
            ),
        ));
    }
    if m.height == 0 {
        return Err(SnapshotError::field(
            "height",
            "a snapshot at genesis holds nothing to restore",
        ));
    }
    // The validator sets: epoch 0's is genesis's; the others are as stated.
    let next_epoch = genesis.epoch_of(m.height + 1);
    let numbered: Vec<u64> = m.epochs.iter().map(|e| e.epoch).collect();
    if numbered != (0..=next_epoch).collect::<Vec<_>>() {
        return Err(SnapshotError::field(
            "epochs",
            format!("the sets of epochs 0 to {next_epoch} are needed, in order; got {numbered:?}"),
        ));
    }
    let genesis_set: Vec<NamedKey> = genesis.validator_keys();
    if sorted(&m.epochs[0].validators) != sorted(&genesis_set) {
        return Err(SnapshotError::field(
            "epochs",
            "epoch 0's validators are not the genesis validators",
        ));
    }
    if let Some(empty) = m.epochs.iter().find(|e| e.validators.is_empty()) {
        return Err(SnapshotError::field(
            "epochs",
            format!("epoch {} has no validator", empty.epoch),
        ));
    }
    // The later sets, proven from genesis' through the epoch the exporter vouches for.
    if m.epochs_proven_through > next_epoch {
        return Err(SnapshotError::field(
            "epochs_proven_through",
            format!(
                "{} is past the snapshot's last epoch {next_epoch}",
                m.epochs_proven_through
            ),
        ));
    }
    if let Some(late) = m
        .epoch_links
        .iter()
        .find(|l| l.epoch > m.epochs_proven_through)
    {
        return Err(SnapshotError::field(
            "epoch_links",
            format!(
                "a link for epoch {}, past `epochs_proven_through` {}",
                late.epoch, m.epochs_proven_through
            ),
        ));
    }
    let proven = unchain_bundle::epochs::verify_epoch_links(
        &genesis_set,
        genesis.epoch_length(),
        &genesis.log_origin,
        &m.epoch_links,
    )
    .map_err(|e| SnapshotError::field("epoch_links", e.to_string()))?;
    for e in 1..=m.epochs_proven_through {
        if sorted(&m.epochs[e as usize].validators) != sorted(proven.set_of(e)) {
            return Err(SnapshotError::field(
                "epochs",
                format!("epoch {e}'s validators are not those the epoch links prove"),
            ));
        }
    }
    let set = &m.epochs[genesis.epoch_of(m.height) as usize].validators;
    let verifiers: Vec<_> = set.iter().map(NamedKey::verifier).collect();
    let (cp, signers) = unchain_log::verify_checkpoint_for(
        &m.checkpoint,
        &verifiers,
        unchain_bundle::quorum(verifiers.len()),
        &genesis.log_origin,
        m.log_size,
    )
    .map_err(|e| SnapshotError::field("checkpoint", e.to_string()))?;
    if cp.root != m.log_root {
        return Err(SnapshotError::field(
            "log_root",
            format!("the checkpoint's log root is {}", cp.root),
        ));
    }
    let expected = StateAt {
        height: m.height,
        root: m.state_root,
    };
    if cp.state != Some(expected) {
        return Err(SnapshotError::field(
            "state_root",
            format!(
                "the checkpoint's state line is {}, not height {} with root {}",
                cp.state
                    .map(|s| format!("height {} with root {}", s.height, s.root))
                    .unwrap_or_else(|| "absent".into()),
                m.height,
                m.state_root
            ),
        ));
    }
    if unchain_log::root_from_frontier(m.log_size, &m.log_frontier) != Some(m.log_root) {
        return Err(SnapshotError::field(
            "log_frontier",
            format!(
                "it does not fold to the log root {} at size {}",
                m.log_root, m.log_size
            ),
        ));
    }
    check_blocks(m)?;
    Ok(Vouched {
        signers,
        sets_as_stated: m
            .epochs
            .iter()
            .skip(m.epochs_proven_through as usize + 1)
            .map(|e| e.epoch)
            .collect(),
    })
}

/// The block records: consecutive, chained by parent digest, ending at the snapshot's
/// height with its roots, and reaching back to the height the last one attests.
fn check_blocks(m: &SnapshotManifest) -> Result<(), SnapshotError> {
    let Some(last) = m.blocks.last() else {
        return Err(SnapshotError::field("blocks", "no block record"));
    };
    if last.block.height != m.height
        || last.state_root != m.state_root
        || last.log_size != m.log_size
        || last.log_root != m.log_root
    {
        return Err(SnapshotError::field(
            "blocks",
            "the last record is not the block of the snapshot's height and roots",
        ));
    }
    let first = last.block.attested_height.max(1);
    if m.blocks[0].block.height != first {
        return Err(SnapshotError::field(
            "blocks",
            format!(
                "the records must start at height {first}, which the last one attests; they start at {}",
                m.blocks[0].block.height
            ),
        ));
    }
    for pair in m.blocks.windows(2) {
        if pair[1].block.height != pair[0].block.height + 1
            || pair[1].block.parent != pair[0].digest
        {
            return Err(SnapshotError::field(
                "blocks",
                format!(
                    "the record at height {} does not follow the one before",
                    pair[1].block.height
                ),
            ));
        }
    }
    if let Some(b) = m.blocks.iter().find(|b| !b.block.transactions.is_empty()) {
        return Err(SnapshotError::field(
            "blocks",
            format!(
                "the record at height {} carries transactions; records are headers",
                b.block.height
            ),
        ));
    }
    Ok(())
}

/// Reads and checks every chunk: length, SHA-256, entry count and key-hash order.
fn read_chunks(
    m: &SnapshotManifest,
    chunk: &mut dyn FnMut(usize) -> Result<Vec<u8>, String>,
    progress: &mut dyn FnMut(usize, u64),
) -> Result<Vec<HashedEntry>, SnapshotError> {
    let total: u64 = m.chunks.iter().map(|c| c.entries).sum();
    if total != m.entries {
        return Err(SnapshotError::field(
            "entries",
            format!("{} entries, but the chunks list {total}", m.entries),
        ));
    }
    let mut entries = Vec::with_capacity(usize::try_from(total).unwrap_or(0).min(1 << 24));
    let mut previous: Option<KeyHash> = None;
    for (index, info) in m.chunks.iter().enumerate() {
        let bad = |reason: String| SnapshotError::Chunk { index, reason };
        let bytes = chunk(index).map_err(bad)?;
        if bytes.len() as u64 != info.bytes {
            return Err(bad(format!(
                "{} bytes, the manifest lists {}",
                bytes.len(),
                info.bytes
            )));
        }
        let digest = Hash32::digest(&bytes);
        if digest != info.sha256 {
            return Err(bad(format!(
                "SHA-256 {digest}, the manifest lists {}",
                info.sha256
            )));
        }
        let parsed = parse_chunk(&bytes).map_err(bad)?;
        if parsed.len() as u64 != info.entries {
            return Err(bad(format!(
                "{} entries, the manifest lists {}",
                parsed.len(),
                info.entries
            )));
        }
        for (key, value) in parsed {
            let kh = key_hash(&key);
            if previous.is_some_and(|p| p.0 >= kh.0) {
                return Err(bad(format!(
                    "key {:?} is out of order (entries ascend by SHA-256 of the key, once each)",
                    String::from_utf8_lossy(&key)
                )));
            }
            previous = Some(kh);
            entries.push((kh, key, value));
        }
        progress(index, entries.len() as u64);
    }
    Ok(entries)
}

/// The tree's tables at a restore: nothing exists before the snapshot's version, so the
/// root jmt builds on is the empty tree.
struct EmptyBefore<'a, N> {
    nodes: &'a N,
    version: Version,
}

impl<N> TreeReader for EmptyBefore<'_, N>
where
    N: ReadableTable<&'static [u8], &'static [u8]>,
{
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        if node_key.version() + 1 == self.version && node_key.nibble_path().num_nibbles() == 0 {
            return Ok(Some(Node::Null));
        }
        match self.nodes.get(borsh::to_vec(node_key)?.as_slice())? {
            None => Ok(None),
            Some(bytes) => Ok(Some(borsh::from_slice(bytes.value())?)),
        }
    }

    fn get_value_option(&self, _: Version, _: KeyHash) -> anyhow::Result<Option<OwnedValue>> {
        Ok(None)
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        anyhow::bail!("a restore builds the tree in one batch")
    }
}

impl<N> HasPreimage for EmptyBefore<'_, N> {
    fn preimage(&self, _: KeyHash) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

/// The head at genesis, as a ledger that starts from genesis records it (the consensus
/// genesis block is built from it): computed in memory.
fn genesis_head_of(genesis: &Genesis) -> Result<Head, LedgerError> {
    let db = redb::Database::builder()
        .create_with_backend(redb::backends::InMemoryBackend::new())
        .map_err(|e| LedgerError::Storage(e.into()))?;
    let ledger = Ledger {
        db: std::sync::RwLock::new(db),
        writing: std::sync::Mutex::new(()),
        genesis: genesis.clone(),
        modules: vec![Arc::new(crate::membership::MembershipModule)],
        signer: std::sync::RwLock::new(None),
        links_proven: std::sync::atomic::AtomicU64::new(0),
        path: None,
    };
    ledger.init_or_check_genesis()?;
    ledger.genesis_head()
}

fn write_restored(
    path: &Path,
    genesis: Genesis,
    modules: Vec<Arc<dyn AnyModule>>,
    signer: Option<CheckpointSigner>,
    m: &SnapshotManifest,
    entries: Vec<HashedEntry>,
) -> Result<(Ledger, u64), SnapshotError> {
    let genesis_head = genesis_head_of(&genesis)?;
    let count = entries.len() as u64;
    let version = m.height;
    let db = redb::Database::create(path).map_err(|e| LedgerError::Storage(e.into()))?;
    let txn = db.begin_write()?;
    {
        let mut plain = txn.open_table(state::STATE)?;
        let mut values = txn.open_table(VALUES)?;
        let mut nodes = txn.open_table(authenticated::NODES)?;
        txn.open_table(authenticated::STALE)?;
        // The tree first: a snapshot whose entries do not rebuild the vouched-for root is
        // refused before anything is written.
        let set: Vec<(KeyHash, OwnedValue)> =
            entries.iter().map(|(kh, _, v)| (*kh, v.clone())).collect();
        let (root, batch) = {
            let reader = EmptyBefore {
                nodes: &nodes,
                version,
            };
            let (roots, batch) = Sha256Jmt::new(&reader)
                .batch_put_value_sets(vec![set], None, version)
                .map_err(|e| LedgerError::StateTree(format!("{e:#}")))?;
            (Hash32(roots[0].0), batch)
        };
        if root != m.state_root {
            return Err(SnapshotError::Root {
                entries: count,
                rebuilt: root,
                expected: m.state_root,
            });
        }
        // Each table is written in its own key order: B-tree inserts in order are several
        // times faster than in hash order.
        let mut tree_nodes: Vec<(Vec<u8>, Vec<u8>)> = batch
            .node_batch
            .nodes()
            .iter()
            .map(|(key, node)| {
                (
                    borsh::to_vec(key).expect("a key serialises"),
                    borsh::to_vec(node).expect("a node serialises"),
                )
            })
            .collect();
        drop(batch);
        tree_nodes.sort_unstable();
        for (key, node) in &tree_nodes {
            nodes.insert(key.as_slice(), node.as_slice())?;
        }
        drop(tree_nodes);
        for (kh, key, value) in &entries {
            values.insert(
                value_key(kh, version).as_slice(),
                encode_entry(key, Some(value)).as_slice(),
            )?;
        }
        let mut by_key: Vec<&HashedEntry> = entries.iter().collect();
        by_key.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        for (_, key, value) in by_key {
            plain.insert(key.as_slice(), value.as_slice())?;
        }
    }
    {
        let mut log_nodes = RedbNodes(txn.open_table(state::LOG_NODES)?);
        unchain_log::plant_frontier(&mut log_nodes, m.log_size, &m.log_frontier)
            .map_err(|e| LedgerError::Log(e.to_string()))?
            .expect("the frontier's length was checked");
        let mut size_state = [0u8; 40];
        size_state[..8].copy_from_slice(&m.height.to_be_bytes());
        size_state[8..].copy_from_slice(&m.state_root.0);
        txn.open_table(state::SIZE_STATE)?
            .insert(m.log_size, &size_state)?;
        txn.open_table(state::COSIGNED)?
            .insert(m.log_size, m.checkpoint.as_str())?;
        let mut blocks = txn.open_table(state::BLOCKS)?;
        let mut roots = txn.open_table(state::BLOCK_ROOTS)?;
        for record in &m.blocks {
            let r = BlockRoots {
                digest: record.digest,
                state_root: record.state_root,
                log_size: record.log_size,
                log_root: record.log_root,
                attested_height: record.block.attested_height,
            };
            roots.insert(
                record.block.height,
                serde_json::to_vec(&r).expect("roots").as_slice(),
            )?;
            blocks.insert(
                record.block.height,
                serde_json::to_vec(record).expect("record").as_slice(),
            )?;
        }
        {
            let mut notes = txn.open_table(epochs::EPOCH_NOTES)?;
            let mut proofs = txn.open_table(epochs::EPOCH_PROOFS)?;
            for link in &m.epoch_links {
                notes.insert(link.epoch, link.checkpoint.as_str())?;
                proofs.insert(
                    link.epoch,
                    serde_json::to_vec(&link.validators)
                        .expect("proof JSON")
                        .as_slice(),
                )?;
            }
        }
        let mut epochs = txn.open_table(epochs::EPOCHS)?;
        for e in &m.epochs {
            epochs.insert(
                e.epoch,
                serde_json::to_vec(&e.validators)
                    .expect("validators serialise")
                    .as_slice(),
            )?;
        }
        txn.open_table(state::TXS)?;
        txn.open_table(state::LEAVES)?;
        txn.open_table(state::CHECKPOINTS)?;
    }
    let last = m.blocks.last().expect("checked: at least one record");
    let head = Head {
        height: m.height,
        digest: last.digest,
        timestamp_ms: last.block.timestamp_ms,
        state_root: m.state_root,
        log_size: m.log_size,
        log_root: m.log_root,
    };
    {
        fn json<T: Serialize>(value: &T) -> Vec<u8> {
            serde_json::to_vec(value).expect("serialises")
        }
        let mut meta = txn.open_table(state::META)?;
        meta.insert("genesis", json(&genesis).as_slice())?;
        meta.insert("format", crate::execute::STORAGE_FORMAT.as_bytes())?;
        meta.insert("head", json(&head).as_slice())?;
        meta.insert("genesis_head", json(&genesis_head).as_slice())?;
        let base = SnapshotBase {
            height: m.height,
            log_size: m.log_size,
        };
        meta.insert("snapshot", json(&base).as_slice())?;
        meta.insert(
            epochs::LINKS_BASE,
            json(&m.epochs_proven_through).as_slice(),
        )?;
    }
    let ledger = Ledger {
        db: std::sync::RwLock::new(db),
        writing: std::sync::Mutex::new(()),
        genesis: genesis.clone(),
        modules: Vec::new(),
        signer: std::sync::RwLock::new(signer),
        links_proven: std::sync::atomic::AtomicU64::new(0),
        path: None,
    };
    ledger.sign_checkpoint(&txn, &head)?;
    txn.commit()?;
    // Reopen through the one checked path, with the modules.
    let Ledger { db, signer, .. } = ledger;
    drop(db);
    let signer = signer.into_inner().expect("signer lock");
    Ok((Ledger::open(path, genesis, modules, signer)?, count))
}
