//! The transparency log: one RFC 6962 / RFC 9162 Merkle tree over every committed transaction.
//!
//! - [`tree`] appends leaves and builds inclusion and consistency proofs over a [`NodeStore`]:
//!   only complete (perfect) subtree hashes are stored, so an append writes O(1) nodes
//!   amortised and a proof reads O(log n) nodes.
//! - [`proof`] verifies proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe, with no
//!   access to the tree: this is what an offline verifier runs.
//! - [`checkpoint`] writes and checks C2SP `tlog-checkpoint` signed notes, so outside witnesses
//!   and standard transparency-log tools can verify Unchain's log.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod proof;
pub mod store;
pub mod tree;

pub use checkpoint::{
    Checkpoint, CheckpointError, NamedKey, NoteError, NoteSignature, NoteVerifier, SignedNote,
    StateAt, verify_checkpoint_for,
};
pub use proof::{ProofError, hash_children, hash_leaf, verify_consistency, verify_inclusion};
pub use store::{MemoryStore, NodeStore};
pub use tree::{
    TreeError, append, consistency_proof, frontier, inclusion_proof, plant_frontier, root,
    root_from_frontier,
};
