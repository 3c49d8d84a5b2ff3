//! The redb tables and the state writer that modules use.
//!
//! Module state is one ordered key-value table (what modules read and scan), mirrored in
//! the authenticated map of [`crate::authenticated`]: every key a block wrote is folded into
//! a Jellyfish Merkle tree at the block's height, whose root is the block's state root. Two
//! nodes that executed anything differently get different roots at that very block (DESIGN
//! decision 6), and any key's value — or its absence — is provable against a root the
//! validators cosign.

use redb::{ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use unchain_types::Hash32;

/// A state entry: `(key, value)`.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Chain metadata: `head` → JSON [`crate::Head`], `genesis` → genesis JSON.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Blocks by height → JSON [`crate::BlockRecord`].
pub(crate) const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Block digest and roots by height → JSON [`crate::query::BlockRoots`] (small, for
/// proposers and verifiers that poll).
pub(crate) const BLOCK_ROOTS: TableDefinition<u64, &[u8]> = TableDefinition::new("block_roots");
/// Transaction outcomes by id → JSON [`crate::TxRecord`].
pub(crate) const TXS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("txs");
/// Log leaves by index → the leaf bytes (a transaction's JCS form).
pub(crate) const LEAVES: TableDefinition<u64, &[u8]> = TableDefinition::new("log_leaves");
/// Log nodes by `(level << 64) | index` → hash.
pub(crate) const LOG_NODES: TableDefinition<u128, &[u8; 32]> = TableDefinition::new("log_nodes");
/// This node's own signed checkpoints by tree size → note text.
pub(crate) const CHECKPOINTS: TableDefinition<u64, &str> = TableDefinition::new("checkpoints");
/// Checkpoints cosigned by a quorum of validators, by tree size → note text.
pub(crate) const COSIGNED: TableDefinition<u64, &str> =
    TableDefinition::new("cosigned_checkpoints");
/// Module and membership state.
pub(crate) const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");

/// The transparency log's nodes inside an open write transaction.
pub(crate) struct RedbNodes<'t>(pub redb::Table<'t, u128, &'static [u8; 32]>);

/// A read-only view of the log's nodes.
pub(crate) struct RedbNodesRead(pub redb::ReadOnlyTable<u128, &'static [u8; 32]>);

fn node_key(level: u8, index: u64) -> u128 {
    ((level as u128) << 64) | index as u128
}

impl unchain_log::NodeStore for RedbNodes<'_> {
    type Error = redb::StorageError;
    fn node(&self, level: u8, index: u64) -> Result<Option<Hash32>, Self::Error> {
        Ok(self
            .0
            .get(node_key(level, index))?
            .map(|v| Hash32(*v.value())))
    }
    fn put_node(&mut self, level: u8, index: u64, hash: Hash32) -> Result<(), Self::Error> {
        self.0.insert(node_key(level, index), &hash.0)?;
        Ok(())
    }
}

impl unchain_log::NodeStore for RedbNodesRead {
    type Error = redb::StorageError;
    fn node(&self, level: u8, index: u64) -> Result<Option<Hash32>, Self::Error> {
        Ok(self
            .0
            .get(node_key(level, index))?
            .map(|v| Hash32(*v.value())))
    }
    fn put_node(&mut self, _: u8, _: u64, _: Hash32) -> Result<(), Self::Error> {
        Err(redb::StorageError::Io(std::io::Error::other(
            "the log is read-only outside block execution",
        )))
    }
}

/// Reading module state: the same calls during execution ([`StateWriter`]) and in queries
/// ([`StateReader`]).
pub trait StateRead {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError>;

    /// Every `(key, value)` whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, redb::StorageError>;

    /// At most `limit` `(key, value)`s whose key starts with `prefix` and sorts after
    /// `after`, in key order: a cursor over a long key range, a page at a time.
    fn scan_page(
        &self,
        prefix: &[u8],
        after: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, redb::StorageError>;
}

/// Serialises a state value. Values are JSON: readable with any tool, and stable across
/// versions of the code.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("state values serialise")
}

/// Deserialises a state value this code wrote. State is only ever written by execution, so
/// a value that does not parse means the storage was corrupted: the node stops rather than
/// execute on it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).expect("state values are JSON written by execution")
}

/// The part of state one module owns: every key under `{name}/`. A module builds its keys
/// here and reads and writes typed values through it; during execution the ledger refuses a
/// module's write outside its own keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyspace(&'static str);

impl Keyspace {
    /// The keyspace of the module named `module`.
    pub const fn new(module: &'static str) -> Self {
        Keyspace(module)
    }

    /// The module's name.
    pub fn module(&self) -> &'static str {
        self.0
    }

    /// The key `{name}/{rest}`.
    pub fn key(&self, rest: impl std::fmt::Display) -> Vec<u8> {
        format!("{}/{rest}", self.0).into_bytes()
    }

    /// The typed value at `key` (built with [`Keyspace::key`]).
    pub fn get<T: DeserializeOwned>(
        &self,
        state: &impl StateRead,
        key: &[u8],
    ) -> Result<Option<T>, redb::StorageError> {
        Ok(state.get(key)?.map(|v| decode(&v)))
    }

    /// Sets `key` to `value`.
    pub fn put<T: Serialize>(
        &self,
        state: &mut StateWriter<'_>,
        key: &[u8],
        value: &T,
    ) -> Result<(), redb::StorageError> {
        state.put(key, &encode(value))
    }

    /// Every typed value whose key starts with `{name}/{rest}`, in key order.
    pub fn values<T: DeserializeOwned>(
        &self,
        state: &impl StateRead,
        rest: impl std::fmt::Display,
    ) -> Result<Vec<T>, redb::StorageError> {
        Ok(state
            .scan_prefix(&self.key(rest))?
            .into_iter()
            .map(|(_, v)| decode(&v))
            .collect())
    }
}

/// One block's writes, key → the value it ends the block with (`None`: deleted).
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Checkpoint state lines by tree size: `size` → the height (big-endian) and state root
/// of the block that brought the log to that size.
pub(crate) const SIZE_STATE: TableDefinition<u64, &[u8; 40]> = TableDefinition::new("size_state");

/// The state line of the checkpoint at `size`, if a block ended with the log at that size.
pub(crate) fn state_at_size(
    table: &impl ReadableTable<u64, &'static [u8; 40]>,
    size: u64,
) -> Result<Option<unchain_log::StateAt>, redb::StorageError> {
    Ok(table.get(size)?.map(|v| {
        let v = v.value();
        unchain_log::StateAt {
            height: u64::from_be_bytes(v[..8].try_into().expect("8 bytes")),
            root: Hash32(v[8..].try_into().expect("32 bytes")),
        }
    }))
}

/// Read and write access to module state during one block, recording every write for the
/// authenticated map.
pub struct StateWriter<'t> {
    table: redb::Table<'t, &'static [u8], &'static [u8]>,
    writes: Writes,
    /// While a domain module executes: the prefix its writes must carry.
    scope: Option<Vec<u8>>,
    /// Keys whose proofs execution asked this node to keep ([`crate::kept`]).
    keep: std::collections::BTreeSet<Vec<u8>>,
    /// Sidecars this block erased, in order.
    erased_sidecars: Vec<Hash32>,
    /// While set, every key written or deleted loses its history ([`Self::forgetting`]).
    forgetting: bool,
    /// Keys whose earlier versions are purged when the block commits.
    forgotten: std::collections::BTreeSet<Vec<u8>>,
}

/// The ledger's own state key recording that a sidecar was erased.
pub(crate) fn erased_sidecar_key(digest: &Hash32) -> Vec<u8> {
    format!("sidecar/erased/{digest}").into_bytes()
}

/// The ledger's own state key recording that a transaction with this sidecar committed:
/// a node keeps the sidecar (until it is erased); one whose transaction never committed
/// may be swept.
pub(crate) fn committed_sidecar_key(digest: &Hash32) -> Vec<u8> {
    format!("sidecar/committed/{digest}").into_bytes()
}

impl<'t> StateWriter<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<Self, redb::Error> {
        Ok(StateWriter {
            table: txn.open_table(STATE)?,
            writes: Writes::new(),
            scope: None,
            keep: Default::default(),
            erased_sidecars: Vec::new(),
            forgetting: false,
            forgotten: Default::default(),
        })
    }

    /// Confines writes to `module`'s keyspace until [`StateWriter::unscope`] (which also
    /// ends [`StateWriter::forgetting`]).
    pub(crate) fn scope_to(&mut self, module: &str) {
        self.scope = Some(format!("{module}/").into_bytes());
    }

    /// Lifts the confinement (the ledger's own writes: nonces, membership).
    pub(crate) fn unscope(&mut self) {
        self.scope = None;
        self.forgetting = false;
    }

    fn check_scope(&self, key: &[u8]) -> Result<(), redb::StorageError> {
        match &self.scope {
            Some(prefix) if !key.starts_with(prefix) => {
                Err(redb::StorageError::Io(std::io::Error::other(format!(
                    "module {} wrote the key {:?} outside its keyspace: a bug in the module",
                    String::from_utf8_lossy(&prefix[..prefix.len() - 1]),
                    String::from_utf8_lossy(key)
                ))))
            }
            _ => Ok(()),
        }
    }

    /// The value at `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError> {
        Ok(self.table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// While `on`, every key this transaction writes or deletes loses its earlier versions
    /// when the block commits: what an erasure rewrites is no longer readable at any
    /// retained version of the state, through a proof or a snapshot. The flag is the
    /// executing transaction's: it is cleared before the next one executes.
    pub fn forgetting(&mut self, on: bool) {
        self.forgetting = on;
    }

    fn note_forgotten(&mut self, key: &[u8]) {
        if self.forgetting {
            self.forgotten.insert(key.to_vec());
        }
    }

    /// The keys whose history this block purges.
    pub(crate) fn take_forgotten(&mut self) -> std::collections::BTreeSet<Vec<u8>> {
        std::mem::take(&mut self.forgotten)
    }

    /// Sets `key` to `value`.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), redb::StorageError> {
        self.check_scope(key)?;
        self.note_forgotten(key);
        self.writes.insert(key.to_vec(), Some(value.to_vec()));
        self.table.insert(key, value)?;
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&mut self, key: &[u8]) -> Result<(), redb::StorageError> {
        self.check_scope(key)?;
        self.note_forgotten(key);
        self.writes.insert(key.to_vec(), None);
        self.table.remove(key)?;
        Ok(())
    }

    /// Every `(key, value)` whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, redb::StorageError> {
        scan(&self.table, prefix)
    }

    /// Asks this node to keep a proof of `key` as it stands after this block, at the first
    /// state a quorum of validators cosigns ([`crate::kept`]), so that an offline bundle
    /// can carry it after the tree has pruned that version. It changes no state. Like a
    /// write, a transaction asks only once every check has passed.
    pub fn keep_proof(&mut self, key: &[u8]) {
        self.keep.insert(key.to_vec());
    }

    /// Erases a sidecar everywhere: records it in the ledger's own keyspace
    /// (`sidecar/erased/{digest}`, whatever module is executing), and every node deletes its
    /// copy once the block is applied and never serves it again. Like a write, a
    /// transaction erases only once every check has passed.
    pub fn erase_sidecar(&mut self, digest: Hash32) -> Result<(), redb::StorageError> {
        let key = erased_sidecar_key(&digest);
        self.writes.insert(key.clone(), Some(b"erased".to_vec()));
        self.table.insert(key.as_slice(), b"erased".as_slice())?;
        let committed = committed_sidecar_key(&digest);
        self.writes.insert(committed.clone(), None);
        self.table.remove(committed.as_slice())?;
        self.erased_sidecars.push(digest);
        Ok(())
    }

    /// The sidecars this block erased.
    pub(crate) fn take_erased_sidecars(&mut self) -> Vec<Hash32> {
        std::mem::take(&mut self.erased_sidecars)
    }

    /// The keys this block asked to keep proofs of.
    pub(crate) fn take_kept(&mut self) -> std::collections::BTreeSet<Vec<u8>> {
        std::mem::take(&mut self.keep)
    }

    /// The block's writes, for the authenticated map.
    pub(crate) fn finish(self) -> Writes {
        self.writes
    }
}

pub(crate) fn scan(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    prefix: &[u8],
) -> Result<Vec<Entry>, redb::StorageError> {
    scan_after(table, prefix, &[], usize::MAX)
}

/// Entries under `prefix` whose keys sort after `after` (all of them when `after` sorts
/// before the prefix, e.g. is empty).
fn scan_after(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    prefix: &[u8],
    after: &[u8],
    limit: usize,
) -> Result<Vec<Entry>, redb::StorageError> {
    use std::ops::Bound;
    let range = if after < prefix {
        table.range::<&[u8]>(prefix..)?
    } else {
        table.range::<&[u8]>((Bound::Excluded(after), Bound::Unbounded))?
    };
    let mut out = Vec::new();
    for item in range.take(limit) {
        let (k, v) = item?;
        if !k.value().starts_with(prefix) {
            break;
        }
        out.push((k.value().to_vec(), v.value().to_vec()));
    }
    Ok(out)
}

impl StateRead for StateWriter<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError> {
        StateWriter::get(self, key)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, redb::StorageError> {
        StateWriter::scan_prefix(self, prefix)
    }

    fn scan_page(
        &self,
        prefix: &[u8],
        after: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, redb::StorageError> {
        scan_after(&self.table, prefix, after, limit)
    }
}

impl StateRead for StateReader {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError> {
        StateReader::get(self, key)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, redb::StorageError> {
        StateReader::scan_prefix(self, prefix)
    }

    fn scan_page(
        &self,
        prefix: &[u8],
        after: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, redb::StorageError> {
        scan_after(&self.table, prefix, after, limit)
    }
}

/// Read-only access to module state, for queries.
pub struct StateReader {
    table: redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl StateReader {
    pub(crate) fn new(table: redb::ReadOnlyTable<&'static [u8], &'static [u8]>) -> Self {
        StateReader { table }
    }

    /// The value at `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::StorageError> {
        Ok(self.table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Every `(key, value)` whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, redb::StorageError> {
        scan(&self.table, prefix)
    }

    /// Every `(key, value)` whose key starts with `prefix` and sorts after `after`, in key
    /// order: for readers that follow an append-only key range with a cursor.
    pub fn scan_prefix_after(
        &self,
        prefix: &[u8],
        after: &[u8],
    ) -> Result<Vec<Entry>, redb::StorageError> {
        scan_after(&self.table, prefix, after, usize::MAX)
    }
}
