//! The ledger: deterministic execution of ordered blocks over redb state, the transparency
//! log they feed, and the queries that read them.
//!
//! One block is applied in one redb write transaction — state, log, outcomes, block record
//! and checkpoint together — so a crash leaves the node at the previous block or the new
//! one, never between. Execution reads nothing but the block and prior state: time comes from
//! [`unchain_types::Block::timestamp_ms`], iteration is over ordered tables, and no module
//! sees the clock, randomness or the environment.
#![forbid(unsafe_code)]

pub mod authenticated;
pub mod cosign;
pub mod epochs;
mod error;
mod execute;
pub mod holdings;
pub mod kept;
pub mod membership;
pub mod module;
mod query;
pub mod snapshot;
pub mod state;
mod storage;

pub use error::{LedgerError, TxRejection};
pub use execute::{Admitted, BlockOutcome, CheckedTx, CheckpointSigner, sidecars_of};
pub use module::{
    AnyModule, BodyError, ExecContext, ExecError, KindSpec, Module, ParsedBody, refuse,
};
pub use query::{BlockRecord, BlockRoots, Head, TxRecord};
pub use state::{Keyspace, StateRead, StateReader, StateWriter};
pub use unchain_genesis::{self as genesis, Genesis, Member, Role};

use redb::Database;
use std::path::Path;
use std::sync::Arc;
use unchain_types::Hash32;

/// A write transaction with the writers' turn ([`Ledger::begin_write`]).
pub(crate) struct Writing<'a> {
    txn: redb::WriteTransaction,
    _turn: std::sync::MutexGuard<'a, ()>,
}

impl std::ops::Deref for Writing<'_> {
    type Target = redb::WriteTransaction;
    fn deref(&self) -> &redb::WriteTransaction {
        &self.txn
    }
}

impl Writing<'_> {
    /// Commits, then gives up the turn.
    pub(crate) fn commit(self) -> Result<(), redb::CommitError> {
        self.txn.commit()
    }

    /// Aborts, then gives up the turn.
    pub(crate) fn abort(self) -> Result<(), redb::StorageError> {
        self.txn.abort()
    }
}

/// The ledger of one node.
pub struct Ledger {
    /// Behind a lock only so that [`Ledger::compact`] can have it alone: transactions do
    /// not borrow it, so every other use holds the lock for an instant.
    db: std::sync::RwLock<Database>,
    /// Held for the life of each write transaction ([`Ledger::begin_write`]), and by a
    /// compaction before it takes the database: so a compaction never waits, holding the
    /// database, for a write whose thread waits for the database.
    writing: std::sync::Mutex<()>,
    genesis: Genesis,
    modules: Vec<Arc<dyn AnyModule>>,
    signer: std::sync::RwLock<Option<CheckpointSigner>>,
    /// The storage file, for [`Ledger::compact`]'s rewrite (`None`: in memory).
    path: Option<std::path::PathBuf>,
    /// An epoch through which this ledger is known to hold every epoch link, so that
    /// finding the first it lacks starts there (links are only ever added).
    links_proven: std::sync::atomic::AtomicU64,
}

impl Ledger {
    /// Opens (or creates) the ledger at `path` for `genesis`, with the given domain modules
    /// (membership is built in). `signer` signs a checkpoint after every block.
    pub fn open(
        path: &Path,
        genesis: Genesis,
        modules: Vec<Arc<dyn AnyModule>>,
        signer: Option<CheckpointSigner>,
    ) -> Result<Self, LedgerError> {
        genesis.check().map_err(LedgerError::Genesis)?;
        let db = Database::create(path).map_err(|e| LedgerError::Storage(e.into()))?;
        let mut all: Vec<Arc<dyn AnyModule>> = vec![Arc::new(membership::MembershipModule)];
        all.extend(modules);
        let mut kinds = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for m in &all {
            // A module's name is its keyspace: two modules never share one.
            assert!(names.insert(m.name()), "two modules named {}", m.name());
            assert!(
                !m.name().is_empty() && !m.name().contains('/'),
                "module name {:?} cannot prefix keys",
                m.name()
            );
            for k in m.kinds() {
                assert!(kinds.insert(k.kind), "two modules claim kind {}", k.kind);
                assert!(
                    k.kind
                        .strip_prefix(m.name())
                        .is_some_and(|rest| rest.starts_with('.')),
                    "kind {} outside module {}",
                    k.kind,
                    m.name()
                );
            }
        }
        let ledger = Ledger {
            db: std::sync::RwLock::new(db),
            writing: std::sync::Mutex::new(()),
            genesis,
            modules: all,
            signer: std::sync::RwLock::new(signer),
            links_proven: std::sync::atomic::AtomicU64::new(0),
            path: Some(path.to_path_buf()),
        };
        ledger.init_or_check_genesis()?;
        epochs::create_tables(&ledger.db())?;
        Ok(ledger)
    }

    fn db(&self) -> std::sync::RwLockReadGuard<'_, Database> {
        self.db.read().expect("ledger database lock")
    }

    /// A write transaction, holding the writers' turn until it commits or drops. A thread
    /// must not begin a second one while it holds one.
    pub(crate) fn begin_write(&self) -> Result<Writing<'_>, redb::TransactionError> {
        let turn = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let txn = self.db().begin_write()?;
        Ok(Writing { txn, _turn: turn })
    }

    /// Rewrites the storage file so that what an erasure deleted is in no byte of it: every
    /// table's live entries are copied into a fresh file (fresh B-tree pages: a deleted key
    /// survives in none as a separator, a deleted value in no free page), the old file is
    /// overwritten with zeros and the fresh one takes its name. Needs the ledger alone:
    /// returns `Ok(false)` when a read was in progress (nothing was done; try again). A
    /// ledger in memory is compacted in place.
    pub fn compact(&self) -> Result<bool, LedgerError> {
        let _turn = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let mut db = self.db.write().expect("ledger database lock");
        // redb's compaction refuses while a read is in progress: the same condition a
        // rewrite needs, since the old file goes away under any reader.
        match db.compact() {
            Ok(_) => {}
            Err(redb::CompactionError::TransactionInProgress) => return Ok(false),
            Err(e) => return Err(LedgerError::Storage(e.into())),
        }
        if let Some(path) = &self.path {
            storage::rewrite(&mut db, path)?;
        }
        Ok(true)
    }

    /// Replaces the key this node signs its checkpoint with after every block (a member's
    /// rotated key; `None` stops signing). Blocks applied from now on are signed with it.
    pub fn set_checkpoint_signer(&self, signer: Option<CheckpointSigner>) {
        *self.signer.write().expect("signer lock") = signer;
    }

    /// The genesis this ledger was opened with.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The identity of the genesis document: SHA-256 of its canonical JSON.
    pub fn genesis_hash(&self) -> Hash32 {
        genesis_hash(&self.genesis)
    }

    /// Every kind this ledger executes, with its role and summary.
    pub fn kinds(&self) -> Vec<KindSpec> {
        self.modules
            .iter()
            .flat_map(|m| m.kinds().iter().copied())
            .collect()
    }

    fn module_for(&self, kind: &str) -> Option<(&Arc<dyn AnyModule>, KindSpec)> {
        self.modules
            .iter()
            .find_map(|m| m.kinds().iter().find(|k| k.kind == kind).map(|k| (m, *k)))
    }
}

/// SHA-256 of the genesis document's canonical JSON.
pub fn genesis_hash(genesis: &Genesis) -> Hash32 {
    let value = serde_json::to_value(genesis).expect("genesis serialises");
    Hash32::digest(
        &unchain_types::canonical::to_canonical_bytes(&value)
            .expect("genesis holds only safe integers"),
    )
}
