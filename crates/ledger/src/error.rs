//! Errors a user can act on.

use crate::module::BodyError;
use unchain_types::{Code, Hash32, PublicKey, Refusal, TxError};

/// Why a transaction is refused against the current ledger state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxRejection {
    /// Malformed, or its signature does not verify.
    #[error(transparent)]
    Format(#[from] TxError),
    /// Names another chain.
    #[error("field `chain_id`: transaction is for chain {got:?}, this is chain {expected:?}")]
    WrongChain {
        /// The chain named.
        got: String,
        /// This chain.
        expected: String,
    },
    /// No module handles the kind.
    #[error("field `kind`: unknown kind {kind:?}; known kinds: {known}")]
    UnknownKind {
        /// The kind named.
        kind: String,
        /// The known kinds, comma-separated.
        known: String,
    },
    /// The sender's key belongs to no member.
    #[error("field `sender`: key {0} is not a member of this consortium")]
    NotMember(PublicKey),
    /// The sender lacks the role the kind needs.
    #[error("field `sender`: member {member} lacks the role {role:?} that {kind} requires")]
    MissingRole {
        /// The member.
        member: String,
        /// The required role.
        role: &'static str,
        /// The kind.
        kind: String,
    },
    /// The nonce was already used.
    #[error("field `nonce`: nonce {nonce} already used by sender {member}; next is {next}")]
    NonceUsed {
        /// The nonce given.
        nonce: u64,
        /// The member.
        member: String,
        /// The next acceptable nonce.
        next: u64,
    },
    /// The nonce skips ahead.
    #[error(
        "field `nonce`: nonce {nonce} from sender {member} is ahead; next is {next} (submit transactions in nonce order)"
    )]
    NonceAhead {
        /// The nonce given.
        nonce: u64,
        /// The member.
        member: String,
        /// The next acceptable nonce.
        next: u64,
    },
    /// The body does not match the kind's schema.
    #[error("field `body`: {0}")]
    Body(#[from] BodyError),
    /// A module rule refused it at execution, or the ledger could not read what it needed.
    #[error("{0}")]
    Refused(Refusal),
}

impl TxRejection {
    /// Its stable refusal code.
    pub fn code(&self) -> Code {
        match self {
            TxRejection::Format(e) => e.code(),
            TxRejection::WrongChain { .. } => Code::WrongChain,
            TxRejection::UnknownKind { .. } => Code::UnknownKind,
            TxRejection::NotMember(_) => Code::NotMember,
            TxRejection::MissingRole { .. } => Code::MissingRole,
            TxRejection::NonceUsed { .. } => Code::NonceUsed,
            TxRejection::NonceAhead { .. } => Code::NonceAhead,
            TxRejection::Body(_) => Code::InvalidBody,
            TxRejection::Refused(r) => r.code,
        }
    }
}

/// Why the ledger itself failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// redb failed.
    #[error("ledger storage: {0}")]
    Storage(#[from] redb::Error),
    /// A block's transaction commits to erasable members ([`unchain_types::sidecar`])
    /// that this node does not hold: nothing was applied. It holds once gossip or a peer
    /// brings the sidecar; a sidecar erased everywhere never comes back, and a node that
    /// must execute past that point starts from a snapshot instead (`--sync-from`).
    #[error(
        "block {height}: transaction {tx} commits to a sidecar ({digest}) this node does not hold; it waits for a peer to send it (if the record was erased everywhere, start the node from a snapshot with --sync-from)"
    )]
    MissingSidecar {
        /// The block's height.
        height: u64,
        /// The transaction.
        tx: unchain_types::TxId,
        /// The sidecar's digest.
        digest: Hash32,
    },
    /// The genesis file is invalid.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The data directory belongs to another chain.
    #[error(
        "this data directory holds chain {stored} (genesis {stored_hash}); the genesis given is {given} ({given_hash}). Use the genesis the directory was created with, or a new directory"
    )]
    GenesisMismatch {
        /// Stored chain id.
        stored: String,
        /// Stored genesis hash.
        stored_hash: String,
        /// Given chain id.
        given: String,
        /// Given genesis hash.
        given_hash: String,
    },
    /// A block that does not extend the head.
    #[error("block {height} does not extend the head at height {head}: {reason}")]
    NotNext {
        /// Height of the block.
        height: u64,
        /// Height of the head.
        head: u64,
        /// What is wrong.
        reason: String,
    },
    /// The transparency log's storage is inconsistent.
    #[error("transparency log: {0}")]
    Log(String),
    /// What was asked for lies before the snapshot this node started from: it never held it.
    #[error(
        "{what} is before log size {log_size} (height {height}), where this node started from a state snapshot: it holds no log leaf or block before it; ask a node that replayed the chain from genesis"
    )]
    BeforeSnapshot {
        /// What was asked for.
        what: String,
        /// The snapshot's log size.
        log_size: u64,
        /// The snapshot's height.
        height: u64,
    },
    /// The authenticated state map's storage is inconsistent, or a version asked for is
    /// no longer kept.
    #[error("state tree: {0}")]
    StateTree(String),
    /// The data directory was written by a version of Unchain whose storage this one
    /// cannot read.
    #[error(
        "this data directory was written with storage format {found}; this version of unchain reads format {reads}. {how}"
    )]
    Format {
        /// The directory's format ("1" when it records none).
        found: String,
        /// The format this version reads.
        reads: String,
        /// How to migrate.
        how: &'static str,
    },
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LedgerError {
            fn from(e: $t) -> Self {
                LedgerError::Storage(e.into())
            }
        }
    )*};
}
storage_from!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError
);
