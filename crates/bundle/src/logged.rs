//! A transaction carried in an offline proof bundle (a custody bundle, a trust bundle): its
//! leaf exactly as logged, its index and its inclusion proof against a verified checkpoint.
//! [`check_logged`] is the one sequence of checks every such bundle runs on every entry.

use unchain_log::{Checkpoint, hash_leaf, verify_inclusion};
use unchain_types::{Hash32, Transaction};

/// Why a carried transaction does not stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedProblem {
    /// The leaf is not a well-formed transaction.
    Malformed(String),
    /// It parses, but its bytes are not the canonical (JCS) form the log hashed.
    NotCanonical,
    /// Its signature does not verify.
    Signature(String),
    /// It is for another chain.
    OtherChain(String),
    /// The proof does not put it at its leaf under the checkpoint's root.
    NotIncluded {
        /// The leaf index the bundle claims.
        leaf_index: u64,
        /// Why the proof fails.
        reason: String,
    },
}

impl std::fmt::Display for LoggedProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoggedProblem::Malformed(m) => write!(f, "not a well-formed transaction ({m})"),
            LoggedProblem::NotCanonical => f.write_str("not in canonical (JCS) form"),
            LoggedProblem::Signature(m) => write!(f, "signature does not verify ({m})"),
            LoggedProblem::OtherChain(c) => write!(f, "is for chain {c}"),
            LoggedProblem::NotIncluded { leaf_index, reason } => write!(
                f,
                "not in the log at leaf {leaf_index} of the signed checkpoint ({reason})"
            ),
        }
    }
}

impl LoggedProblem {
    /// Whether the transaction's own bytes were changed (rather than placed wrongly).
    pub fn altered(&self) -> bool {
        matches!(
            self,
            LoggedProblem::Malformed(_) | LoggedProblem::NotCanonical | LoggedProblem::Signature(_)
        )
    }

    /// The problem in words, ending with `: {altered}` when the bytes were changed.
    pub fn explain(&self, altered: &str) -> String {
        if self.altered() {
            format!("{self}: {altered}")
        } else {
            self.to_string()
        }
    }
}

/// A carried transaction that failed, with what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedError {
    /// ` (kind, tx id)` once the leaf parsed; empty before.
    pub what: String,
    /// What is wrong.
    pub problem: LoggedProblem,
}

/// Checks a carried transaction, in this order: it parses; its bytes are canonical; (when
/// `check_signature`) its signature verifies; it is for `chain_id`; and `proof` includes it
/// at `leaf_index` under `cp`.
pub fn check_logged(
    leaf: &str,
    leaf_index: u64,
    proof: &[Hash32],
    cp: &Checkpoint,
    chain_id: &str,
    check_signature: bool,
) -> Result<Transaction, LoggedError> {
    let bytes = leaf.as_bytes();
    let tx = Transaction::parse(bytes).map_err(|err| LoggedError {
        what: String::new(),
        problem: LoggedProblem::Malformed(err.to_string()),
    })?;
    let fail = |problem| LoggedError {
        what: format!(" ({}, tx {})", tx.kind(), tx.id()),
        problem,
    };
    if tx.leaf_bytes() != bytes {
        return Err(fail(LoggedProblem::NotCanonical));
    }
    if check_signature {
        tx.verify_signature()
            .map_err(|err| fail(LoggedProblem::Signature(err.to_string())))?;
    }
    if tx.chain_id() != chain_id {
        return Err(fail(LoggedProblem::OtherChain(tx.chain_id().to_owned())));
    }
    verify_inclusion(&hash_leaf(bytes), leaf_index, cp.size, proof, &cp.root).map_err(|err| {
        fail(LoggedProblem::NotIncluded {
            leaf_index,
            reason: err.to_string(),
        })
    })?;
    Ok(tx)
}
