//! The mempool: signed, checked transactions waiting for a block.
//!
//! Deduplicated by id, bounded in count and bytes (a full pool refuses with
//! [`SubmitError::Full`], which the API turns into 429 + Retry-After), and nonce-ordered per
//! sender: a transaction is admitted only if its nonce follows the sender's last committed or
//! pending one. A transaction handed to a proposal stays in the pool until a block that
//! contains it is applied. A proposal leaves out what its own unexecuted ancestors carry
//! and nothing else: remembering what earlier proposals took would let an abandoned
//! proposal hold back a sender's first nonces while a later one took the next (a nonce gap
//! the lossy-link soak found).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use unchain_ledger::{BlockRecord, CheckedTx, Ledger, TxRejection};
use unchain_types::{PublicKey, Transaction, TxId};

/// Mempool limits.
#[derive(Debug, Clone, Copy)]
pub struct MempoolConfig {
    /// Most transactions waiting. Default 50 000.
    pub max_txs: usize,
    /// Most bytes waiting. Default 256 MiB.
    pub max_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            max_txs: 50_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Why a transaction was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The pool is full; try again shortly.
    #[error(
        "the mempool is full ({pending} transactions, {bytes} bytes waiting); retry after {retry_after_secs} s"
    )]
    Full {
        /// Transactions waiting.
        pending: usize,
        /// Bytes waiting.
        bytes: usize,
        /// Suggested wait.
        retry_after_secs: u64,
    },
    /// Refused against ledger state.
    #[error(transparent)]
    Rejected(#[from] TxRejection),
}

/// What submitting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Newly admitted.
    Admitted,
    /// Already waiting (same id); nothing changed.
    AlreadyPending,
}

#[derive(Default)]
struct Inner {
    /// Arrival order → transaction. Arrival order respects per-sender nonce order.
    queue: BTreeMap<u64, CheckedTx>,
    by_id: HashMap<TxId, u64>,
    /// Leaf bytes → arrival order, so blocks built from this pool need not be parsed again.
    by_leaf: HashMap<Vec<u8>, u64>,
    /// Next nonce each sender may use after its pending transactions.
    next_nonce: HashMap<PublicKey, u64>,
    seq: u64,
    bytes: usize,
    /// Transactions admitted through this node's API, waiting to be gossiped to peers.
    outbox: std::collections::VecDeque<Arc<Transaction>>,
    /// Arrival orders of the waiting transactions admitted through this node's API, which
    /// gossip sends again while they wait (a peer may have been unreachable).
    own: std::collections::BTreeSet<u64>,
}

/// The pool. Cheap to share behind an `Arc`.
pub struct Mempool {
    config: MempoolConfig,
    inner: Mutex<Inner>,
    /// Where admitted transactions' sidecars are kept (`None`: in the pool only).
    sidecars: Option<Arc<crate::sidecars::SidecarStore>>,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: MempoolConfig) -> Self {
        Mempool {
            config,
            inner: Mutex::new(Inner::default()),
            sidecars: None,
        }
    }

    /// Keeps the sidecars of admitted transactions in `store`, where execution, peers and
    /// erasure find them.
    pub fn with_sidecars(mut self, store: Arc<crate::sidecars::SidecarStore>) -> Self {
        self.sidecars = Some(store);
        self
    }

    /// The sidecar store, if this pool has one.
    pub fn sidecars(&self) -> Option<&Arc<crate::sidecars::SidecarStore>> {
        self.sidecars.as_ref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("mempool lock poisoned")
    }

    /// Transactions and bytes waiting.
    pub fn depth(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.queue.len(), inner.bytes)
    }

    /// The nonce `sender` must use next given its waiting transactions, if it has any.
    pub fn pending_next_nonce(&self, sender: &PublicKey) -> Option<u64> {
        self.lock().next_nonce.get(sender).copied()
    }

    /// The waiting transaction whose leaf bytes are `leaf`: parsed, its signature verified
    /// and its body parsed at admission.
    pub fn lookup(&self, leaf: &[u8]) -> Option<CheckedTx> {
        let inner = self.lock();
        let seq = inner.by_leaf.get(leaf)?;
        inner.queue.get(seq).cloned()
    }

    /// Whether transaction `id` is waiting.
    pub fn contains(&self, id: &TxId) -> bool {
        self.lock().by_id.contains_key(id)
    }

    /// Admits a transaction a client submitted to this node, whose signature the caller has
    /// verified; once admitted it also waits in the outbox for gossip to the other validators.
    pub fn submit(&self, ledger: &Ledger, tx: Transaction) -> Result<Admission, SubmitError> {
        self.admit(ledger, tx, true)
    }

    /// Admits a transaction another validator gossiped, whose signature the caller has
    /// verified. It is not gossiped again: the originating node sends to every validator.
    pub fn admit_from_peer(
        &self,
        ledger: &Ledger,
        tx: Transaction,
    ) -> Result<Admission, SubmitError> {
        self.admit(ledger, tx, false)
    }

    /// Takes the transactions waiting to be gossiped, oldest first.
    pub fn take_outbox(&self) -> Vec<Arc<Transaction>> {
        std::mem::take(&mut self.lock().outbox).into()
    }

    /// The arrival counter: transactions admitted from now on get this order or later.
    pub fn arrivals(&self) -> u64 {
        self.lock().seq
    }

    /// Up to `max` of the oldest transactions admitted through this node's API before
    /// arrival `before` that are still waiting: gossip sends them again, because a message
    /// to a peer that was not connected yet is lost, and a follower's transaction reaches a
    /// block only through a validator's pool.
    pub fn own_waiting_before(&self, before: u64, max: usize) -> Vec<Arc<Transaction>> {
        let inner = self.lock();
        inner
            .own
            .range(..before)
            .take(max)
            .filter_map(|seq| inner.queue.get(seq).map(|c| c.tx.clone()))
            .collect()
    }

    fn admit(
        &self,
        ledger: &Ledger,
        tx: Transaction,
        forward: bool,
    ) -> Result<Admission, SubmitError> {
        let mut inner = self.lock();
        if inner.by_id.contains_key(&tx.id()) {
            return Ok(Admission::AlreadyPending);
        }
        let size = tx.leaf_bytes().len();
        if inner.queue.len() >= self.config.max_txs || inner.bytes + size > self.config.max_bytes {
            return Err(SubmitError::Full {
                pending: inner.queue.len(),
                bytes: inner.bytes,
                retry_after_secs: 1,
            });
        }
        let pending_next = inner.next_nonce.get(tx.sender()).copied();
        let admitted = ledger.check_tx(&tx, pending_next)?;
        if let (Some(store), Some(sidecar)) = (&self.sidecars, tx.sidecar()) {
            // Kept before the transaction can reach a block: peers that missed it fetch it
            // from here. Without the file it still executes here, from the pool.
            if let Err(e) = store.put(sidecar) {
                tracing::warn!(tx = %tx.id(), error = %e, "cannot keep a transaction's sidecar");
            }
        }
        let seq = inner.seq;
        inner.seq += 1;
        inner.next_nonce.insert(*tx.sender(), tx.nonce() + 1);
        inner.by_id.insert(tx.id(), seq);
        inner.by_leaf.insert(tx.leaf_bytes().to_vec(), seq);
        inner.bytes += size;
        let tx = Arc::new(tx);
        // Bounded like the pool: without a gossip actor draining it (a lone validator in a
        // test), the oldest are dropped; the transactions stay in the pool either way.
        if forward {
            if inner.outbox.len() >= self.config.max_txs {
                inner.outbox.pop_front();
            }
            inner.outbox.push_back(tx.clone());
            inner.own.insert(seq);
        }
        inner.queue.insert(
            seq,
            CheckedTx {
                tx,
                body: admitted.body,
            },
        );
        Ok(Admission::Admitted)
    }

    /// Up to `max_txs` / `max_bytes` of the oldest transactions, leaving out those `skip`
    /// names (the ones the proposal's unexecuted ancestors already carry).
    pub fn take_for_proposal(
        &self,
        max_txs: usize,
        max_bytes: usize,
        skip: &dyn Fn(&Transaction) -> bool,
    ) -> Vec<Arc<Transaction>> {
        let inner = self.lock();
        let mut out = Vec::new();
        let mut bytes = 0;
        for CheckedTx { tx, .. } in inner.queue.values() {
            if out.len() >= max_txs {
                break;
            }
            if skip(tx) {
                continue;
            }
            let size = tx.leaf_bytes().len();
            if bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(tx.clone());
        }
        out
    }

    /// Drops every transaction the applied block contained.
    pub fn on_block_applied(&self, record: &BlockRecord) {
        let mut inner = self.lock();
        let ids = record
            .committed
            .iter()
            .chain(record.rejected.iter().map(|(id, _)| id));
        for id in ids {
            if let Some(seq) = inner.by_id.remove(id)
                && let Some(CheckedTx { tx, .. }) = inner.queue.remove(&seq)
            {
                inner.own.remove(&seq);
                inner.bytes -= tx.leaf_bytes().len();
                inner.by_leaf.remove(tx.leaf_bytes());
            }
        }
        // Forget nonce expectations of senders with nothing pending: the ledger is the
        // authority again. (A transaction refused in its turn spent its nonce there; one
        // refused out of turn, or for another chain, did not.)
        let pending: std::collections::HashSet<PublicKey> =
            inner.queue.values().map(|c| *c.tx.sender()).collect();
        inner.next_nonce.retain(|k, _| pending.contains(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeSet;
    use unchain_ledger::{Genesis, Member, Role};
    use unchain_types::{EncryptionSecretKey, SigningKey, UnsignedTransaction};

    fn ledger(dir: &std::path::Path, key: &SigningKey) -> Ledger {
        let genesis = Genesis {
            chain_id: "pool".into(),
            log_origin: "unchain/pool".into(),
            matching_key: None,
            epoch_length: None,
            genesis_time_ms: 0,
            members: vec![Member {
                name: "gov".into(),
                display_name: "Governance".into(),
                jurisdiction: "GB".into(),
                sector: None,
                roles: BTreeSet::from([Role::Governance]),
                signing_key: key.public_key(),
                encryption_key: EncryptionSecretKey::generate(&mut rand::thread_rng()).public_key(),
                validator: true,
            }],
        };
        Ledger::open(&dir.join("l.redb"), genesis, vec![], None).expect("ledger")
    }

    fn tx(key: &SigningKey, nonce: u64) -> Transaction {
        UnsignedTransaction {
            chain_id: "pool".into(),
            sender: key.public_key(),
            nonce,
            kind: "membership.approve".into(),
            body: json!({"proposal": "ab".repeat(32)}),
        }
        .sign(key)
        .expect("sign")
    }

    #[test]
    fn duplicates_are_idempotent_gaps_are_refused_and_a_full_pool_pushes_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = SigningKey::from_seed([5; 32]);
        let ledger = ledger(dir.path(), &key);
        let pool = Mempool::new(MempoolConfig {
            max_txs: 2,
            max_bytes: 1 << 20,
        });
        assert_eq!(
            pool.submit(&ledger, tx(&key, 1)).expect("first"),
            Admission::Admitted
        );
        assert_eq!(
            pool.submit(&ledger, tx(&key, 1)).expect("again"),
            Admission::AlreadyPending
        );
        // Nonces must follow the pending ones, not only the committed ones.
        assert!(matches!(
            pool.submit(&ledger, tx(&key, 3)),
            Err(SubmitError::Rejected(TxRejection::NonceAhead {
                next: 2,
                ..
            }))
        ));
        assert_eq!(
            pool.submit(&ledger, tx(&key, 2)).expect("second"),
            Admission::Admitted
        );
        match pool.submit(&ledger, tx(&key, 3)) {
            Err(SubmitError::Full {
                pending: 2,
                retry_after_secs,
                ..
            }) => assert!(retry_after_secs >= 1),
            other => panic!("expected a full pool, got {other:?}"),
        }
        assert_eq!(pool.depth().0, 2);
        assert_eq!(pool.pending_next_nonce(&key.public_key()), Some(3));
    }

    #[test]
    fn proposals_skip_what_ancestors_carry_and_applied_blocks_remove() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = SigningKey::from_seed([6; 32]);
        let ledger = ledger(dir.path(), &key);
        let pool = Mempool::new(MempoolConfig::default());
        for n in 1..=3 {
            pool.submit(&ledger, tx(&key, n)).expect("submit");
        }
        let nonces = |txs: &[Arc<Transaction>]| txs.iter().map(|t| t.nonce()).collect::<Vec<_>>();
        let first = pool.take_for_proposal(2, 1 << 20, &|_| false);
        assert_eq!(nonces(&first), vec![1, 2]);
        // A proposal on top of one carrying 1 and 2 takes 3 only.
        let carried: Vec<Vec<u8>> = first.iter().map(|t| t.leaf_bytes().to_vec()).collect();
        let on_top = pool.take_for_proposal(10, 1 << 20, &|t| {
            carried.iter().any(|c| c.as_slice() == t.leaf_bytes())
        });
        assert_eq!(nonces(&on_top), vec![3]);
        // The first proposal abandoned: the next one starts again from nonce 1, never from 3.
        assert_eq!(
            nonces(&pool.take_for_proposal(10, 1 << 20, &|_| false)),
            vec![1, 2, 3]
        );
        assert!(pool.lookup(first[0].leaf_bytes()).is_some());
        // A block committing 1 removes it.
        let head = ledger.head().expect("head");
        let record = unchain_ledger::BlockRecord {
            block: unchain_types::Block {
                height: 1,
                parent: head.digest,
                timestamp_ms: 1,
                proposer: key.public_key(),
                attested_height: 0,
                attested_state_root: head.state_root,
                attested_log_size: 0,
                attested_log_root: head.log_root,
                transactions: vec![first[0].leaf_bytes().to_vec()],
            },
            digest: head.digest,
            state_root: head.state_root,
            log_size: 1,
            log_root: head.log_root,
            committed: vec![first[0].id()],
            rejected: vec![],
            erased_sidecars: vec![],
            purged_keys: 0,
        };
        let mark = pool.arrivals();
        assert_eq!(nonces(&pool.own_waiting_before(mark, 10)), vec![1, 2, 3]);
        pool.on_block_applied(&record);
        assert!(pool.lookup(first[0].leaf_bytes()).is_none());
        assert_eq!(
            nonces(&pool.take_for_proposal(10, 1 << 20, &|_| false)),
            vec![2, 3]
        );
        // Gossip sends again only what this node's API admitted, still waits, and arrived
        // before the mark; a peer's transaction is never re-sent from here.
        assert_eq!(nonces(&pool.own_waiting_before(mark, 10)), vec![2, 3]);
        assert_eq!(nonces(&pool.own_waiting_before(mark, 1)), vec![2]);
        let other = SigningKey::from_seed([7; 32]);
        let _ = pool.admit_from_peer(&ledger, tx(&other, 1));
        assert_eq!(
            nonces(&pool.own_waiting_before(pool.arrivals(), 10)),
            vec![2, 3]
        );
    }
}
