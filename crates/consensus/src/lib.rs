//! Consensus for Unchain: commonware's simplex BFT with marshal's ordered delivery of
//! finalized blocks over commonware's authenticated p2p (DESIGN.md decision 1).
//!
//! - [`block`]: the consensus block and its canonical encoding.
//! - [`mempool`]: checked transactions waiting for a block.
//! - [`application`]: builds, verifies and executes blocks on the ledger.
//! - [`engine`]: wires broadcast and marshal together.
//! - [`epochs`]: one simplex engine per epoch, with the validator set the ledger fixed for it.
//! - [`gossip`]: sends transactions submitted to one node to every validator.
//! - [`sidecars`]: transactions' erasable members, kept beside the ledger, fetched from
//!   peers, deleted when erased.
//! - [`cosign`]: gathers a quorum of validator signatures on each log checkpoint.
//! - [`validator`]: starts a validator, on a real network or a simulated one.
//! - [`follower`]: following an epoch without voting: verifies certificates, executes, serves.
#![forbid(unsafe_code)]

pub mod application;
pub mod blob_store;
pub mod blob_sync;
pub mod block;
pub mod certificates;
pub mod cosign;
pub mod engine;
pub mod epochs;
pub mod follower;
pub mod gossip;
pub mod mempool;
pub mod sidecars;
pub mod validator;

use commonware_consensus::simplex::types::Finalization as SimplexFinalization;
use commonware_cryptography::sha256::Digest;

/// Validator signatures: each organisation signs votes with its own Ed25519 key, and a
/// certificate is the set of signatures from a quorum (no trusted dealer).
pub type Scheme = commonware_consensus::simplex::scheme::ed25519::Scheme;
/// A finalization certificate.
pub type Finalization = SimplexFinalization<Scheme, Digest>;

/// Namespace that separates Unchain's consensus signatures from every other use of a key.
pub const NAMESPACE: &[u8] = b"unchain/consensus/v1";
