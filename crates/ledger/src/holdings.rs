//! What the ledger says about ciphertexts that travel between nodes: which a member should
//! hold, who may hold which, and what was erased. Each module whose ciphertexts travel
//! implements [`Holdings`] over its own state; the node hands those to consensus's blob
//! sync, which knows no module.

use crate::StateReader;
use unchain_types::Hash32;

/// Whether a member may hold a ciphertext, as the ledger says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entitled {
    /// Yes; `source` is the organisation it came from (asked first), `what` names it in
    /// logs (a record or tip id: never anything about people).
    Yes {
        /// Its origin's member name.
        source: String,
        /// What it belongs to.
        what: String,
    },
    /// The ledger does not know this commitment yet: ask again after the next blocks.
    Unknown,
    /// No, and why (for logs).
    No(String),
}

/// One erasure the ledger recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// What was erased (a record or tip id), for logs.
    pub what: String,
    /// The ciphertexts to delete.
    pub commitments: Vec<Hash32>,
}

/// Errors reading state.
pub type ReadResult<T> = Result<T, redb::StorageError>;

/// The ledger's rules for one kind of ciphertext: what a member should hold, who may hold
/// what, and what was erased.
pub trait Holdings: Send + Sync + 'static {
    /// The commitments `member` should hold whose feed keys sort after `after` (empty:
    /// from the start), in log order, each with its key as the next cursor.
    fn feed(
        &self,
        r: &StateReader,
        member: &str,
        after: &[u8],
    ) -> ReadResult<Vec<(Vec<u8>, Hash32)>>;
    /// The erasures whose keys sort after `after`, in log order, each with its key.
    fn erased(&self, r: &StateReader, after: &[u8]) -> ReadResult<Vec<(Vec<u8>, Erasure)>>;
    /// Whether `member` may hold the ciphertext `c`.
    fn may_hold(&self, r: &StateReader, c: &Hash32, member: &str) -> ReadResult<Entitled>;
    /// Whether the ledger ever recorded `c` (erased or not): an upload it never did is
    /// deleted after a while.
    fn is_committed(&self, r: &StateReader, c: &Hash32) -> ReadResult<bool>;
}
