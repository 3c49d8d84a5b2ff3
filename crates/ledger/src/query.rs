//! Reading the ledger: head, blocks, transaction outcomes, proofs, checkpoints, members.

use crate::Ledger;
use crate::error::LedgerError;
use crate::execute::nonce_key;
use crate::genesis::Member;
use crate::membership::{member_by_key, member_key};
use crate::state::{self, RedbNodesRead, StateReader};
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};
use unchain_types::{Block, Hash32, PublicKey, TxId};

/// The latest applied block and the roots after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Height of the latest block (0 = genesis only).
    pub height: u64,
    /// Its consensus digest (the genesis hash at height 0).
    pub digest: Hash32,
    /// Its timestamp.
    pub timestamp_ms: u64,
    /// State root after it.
    pub state_root: Hash32,
    /// Log size after it.
    pub log_size: u64,
    /// Log root after it.
    pub log_root: Hash32,
}

impl Head {
    /// The block that follows this head, attesting it: for tools and tests that apply
    /// blocks without consensus (consensus builds its own, attesting an executed ancestor).
    pub fn next_block(
        &self,
        timestamp_ms: u64,
        proposer: unchain_types::PublicKey,
        transactions: &[&unchain_types::Transaction],
    ) -> Block {
        Block {
            height: self.height + 1,
            parent: self.digest,
            timestamp_ms,
            proposer,
            attested_height: self.height,
            attested_state_root: self.state_root,
            attested_log_size: self.log_size,
            attested_log_root: self.log_root,
            transactions: transactions
                .iter()
                .map(|t| t.leaf_bytes().to_vec())
                .collect(),
        }
    }
}

/// A block as stored, with what executing it produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    /// The block's header as ordered by consensus. `transactions` is always empty here: the
    /// committed ones are log leaves `log_size - committed.len() .. log_size`, in order, and
    /// the rejected ones are listed in `rejected`.
    pub block: Block,
    /// Its consensus digest.
    pub digest: Hash32,
    /// State root after it.
    pub state_root: Hash32,
    /// Log size after it.
    pub log_size: u64,
    /// Log root after it.
    pub log_root: Hash32,
    /// Transactions that committed, in order.
    pub committed: Vec<TxId>,
    /// Transactions refused at execution, with the reason.
    pub rejected: Vec<(TxId, String)>,
    /// Sidecars the block erased: every node deletes its copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased_sidecars: Vec<Hash32>,
    /// How many state keys lost their history in the block (an erasure's rows): every
    /// node then deletes the snapshots written before it and compacts its storage.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub purged_keys: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The digest of a block and the roots after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRoots {
    /// Consensus digest.
    pub digest: Hash32,
    /// State root after the block.
    pub state_root: Hash32,
    /// Log size after the block.
    pub log_size: u64,
    /// Log root after the block.
    pub log_root: Hash32,
    /// The height the block attested roots for.
    #[serde(default)]
    pub attested_height: u64,
}

/// What happened to a transaction that reached a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxRecord {
    /// Executed and appended to the log.
    Committed {
        /// Block height.
        height: u64,
        /// Position within the block.
        position: u32,
        /// Leaf index in the transparency log.
        log_index: u64,
    },
    /// Refused at execution; nothing changed.
    Rejected {
        /// Block height.
        height: u64,
        /// Position within the block.
        position: u32,
        /// Why, for people.
        reason: String,
        /// Why, for machines (absent from records written before codes existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<unchain_types::Code>,
    },
}

impl Ledger {
    pub(crate) fn read(&self) -> Result<redb::ReadTransaction, LedgerError> {
        Ok(self.db().begin_read()?)
    }

    /// The latest applied block's head.
    pub fn head(&self) -> Result<Head, LedgerError> {
        let txn = self.read()?;
        let meta = txn.open_table(state::META)?;
        let v = meta.get("head")?.expect("head is written at genesis");
        Ok(serde_json::from_slice(v.value()).expect("head JSON"))
    }

    /// The head as it was at genesis (height 0).
    pub fn genesis_head(&self) -> Result<Head, LedgerError> {
        let txn = self.read()?;
        let meta = txn.open_table(state::META)?;
        let v = meta
            .get("genesis_head")?
            .expect("genesis head is written at genesis");
        Ok(serde_json::from_slice(v.value()).expect("head JSON"))
    }

    /// The block at `height`, if applied.
    pub fn block(&self, height: u64) -> Result<Option<BlockRecord>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::BLOCKS)?;
        Ok(t.get(height)?
            .map(|v| serde_json::from_slice(v.value()).expect("block JSON")))
    }

    /// The digest and roots recorded after the block at `height`, without reading its
    /// transactions.
    pub fn block_roots(&self, height: u64) -> Result<Option<BlockRoots>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::BLOCK_ROOTS)?;
        Ok(t.get(height)?
            .map(|v| serde_json::from_slice(v.value()).expect("block roots JSON")))
    }

    /// The roots after block `height` (the genesis roots for 0), if it has been applied, with
    /// the height that block itself attested.
    pub fn roots_after(&self, height: u64) -> Result<Option<BlockRoots>, LedgerError> {
        if height == 0 {
            let g = self.genesis_head()?;
            return Ok(Some(BlockRoots {
                digest: g.digest,
                state_root: g.state_root,
                log_size: g.log_size,
                log_root: g.log_root,
                attested_height: 0,
            }));
        }
        self.block_roots(height)
    }

    /// What happened to transaction `id`, if it reached a block.
    pub fn tx(&self, id: &TxId) -> Result<Option<TxRecord>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::TXS)?;
        Ok(t.get(&id.0.0)?
            .map(|v| serde_json::from_slice(v.value()).expect("tx record JSON")))
    }

    /// The leaf bytes at log index `index`.
    pub fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::LEAVES)?;
        Ok(t.get(index)?.map(|v| v.value().to_vec()))
    }

    /// Refuses a log position before the snapshot this ledger started from (`what` names
    /// it): for a leaf index, before the snapshot's size; for a tree size, below it.
    fn held_from(&self, position: u64, what: impl Fn() -> String) -> Result<(), LedgerError> {
        match self.snapshot_base()? {
            Some(base) if position < base.log_size => Err(LedgerError::BeforeSnapshot {
                what: what(),
                log_size: base.log_size,
                height: base.height,
            }),
            _ => Ok(()),
        }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash32>, LedgerError> {
        let head = self.head()?;
        if size > head.log_size {
            return Err(LedgerError::Log(format!(
                "tree size {size} is beyond the log's size {}",
                head.log_size
            )));
        }
        self.held_from(index, || format!("log leaf {index}"))?;
        let txn = self.read()?;
        let nodes = RedbNodesRead(txn.open_table(state::LOG_NODES)?);
        unchain_log::inclusion_proof(&nodes, index, size)
            .map_err(|e| LedgerError::Log(e.to_string()))
    }

    /// The consistency proof between two tree sizes.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash32>, LedgerError> {
        let head = self.head()?;
        if new > head.log_size {
            return Err(LedgerError::Log(format!(
                "tree size {new} is beyond the log's size {}",
                head.log_size
            )));
        }
        if old != 0 {
            self.held_from(old, || format!("tree size {old}"))?;
        }
        let txn = self.read()?;
        let nodes = RedbNodesRead(txn.open_table(state::LOG_NODES)?);
        unchain_log::consistency_proof(&nodes, old, new)
            .map_err(|e| LedgerError::Log(e.to_string()))
    }

    /// The log root at `size` (any size up to the current one).
    pub fn log_root_at(&self, size: u64) -> Result<Hash32, LedgerError> {
        if size != 0 {
            self.held_from(size, || format!("tree size {size}"))?;
        }
        let txn = self.read()?;
        let nodes = RedbNodesRead(txn.open_table(state::LOG_NODES)?);
        unchain_log::root(&nodes, size).map_err(|e| LedgerError::Log(e.to_string()))
    }

    /// The state line of the checkpoint at `size`: the height and state root of the block
    /// that brought the log to that size (none for a size inside a block).
    pub fn state_at_size(&self, size: u64) -> Result<Option<unchain_log::StateAt>, LedgerError> {
        let txn = self.read()?;
        Ok(state::state_at_size(
            &txn.open_table(state::SIZE_STATE)?,
            size,
        )?)
    }

    /// The latest checkpoint cosigned by a quorum of validators (note text), if any.
    pub fn latest_checkpoint(&self) -> Result<Option<String>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::COSIGNED)?;
        Ok(t.last()?.map(|(_, v)| v.value().to_owned()))
    }

    /// The quorum-cosigned checkpoint for tree size `size`, if one was gathered at that size.
    pub fn checkpoint_at(&self, size: u64) -> Result<Option<String>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::COSIGNED)?;
        Ok(t.get(size)?.map(|v| v.value().to_owned()))
    }

    /// This node's own signed checkpoint at tree size `size` (signed when it applied the
    /// block that reached that size), if it signs checkpoints.
    pub fn own_checkpoint_at(&self, size: u64) -> Result<Option<String>, LedgerError> {
        let txn = self.read()?;
        let t = txn.open_table(state::CHECKPOINTS)?;
        Ok(t.get(size)?.map(|v| v.value().to_owned()))
    }

    /// Current members, by name.
    pub fn members(&self) -> Result<Vec<Member>, LedgerError> {
        let reader = self.state_reader()?;
        Ok(reader
            .scan_prefix(b"member/")?
            .into_iter()
            .map(|(_, v)| serde_json::from_slice(&v).expect("member JSON"))
            .collect())
    }

    /// The member owning `key` and the next nonce it must use.
    pub fn sender_and_next_nonce(
        &self,
        key: &PublicKey,
    ) -> Result<Option<(Member, u64)>, LedgerError> {
        let reader = self.state_reader()?;
        let Some(name) = reader.get(&member_by_key(key))? else {
            return Ok(None);
        };
        let member: Member = serde_json::from_slice(
            &reader
                .get(&member_key(std::str::from_utf8(&name).expect("ASCII name")))?
                .expect("member index points at a member"),
        )
        .expect("member JSON");
        let used = reader
            .get(&nonce_key(key))?
            .map(|v| u64::from_be_bytes(v.try_into().expect("8-byte nonce")))
            .unwrap_or(0);
        Ok(Some((member, used + 1)))
    }

    /// Whether the sidecar with `digest` was erased ([`crate::StateWriter::erase_sidecar`]):
    /// a node deletes it and serves it to no one.
    pub fn sidecar_erased(&self, digest: &Hash32) -> Result<bool, LedgerError> {
        let txn = self.read()?;
        let table = txn.open_table(state::STATE)?;
        Ok(table
            .get(state::erased_sidecar_key(digest).as_slice())?
            .is_some())
    }

    /// Whether a transaction with the sidecar `digest` committed (and the sidecar was not
    /// erased since): a node keeps it; one held for a transaction that never committed may
    /// be swept.
    pub fn sidecar_committed(&self, digest: &Hash32) -> Result<bool, LedgerError> {
        let txn = self.read()?;
        let table = txn.open_table(state::STATE)?;
        Ok(table
            .get(state::committed_sidecar_key(digest).as_slice())?
            .is_some())
    }

    /// Read access to module state, for module queries.
    pub fn state_reader(&self) -> Result<StateReader, LedgerError> {
        let txn = self.read()?;
        Ok(StateReader::new(txn.open_table(state::STATE)?))
    }
}
