//! The JSON shapes the API returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use unchain_bundle::proof::{ProofBundle, ValidatorKey};

/// Answer to a submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    /// Transaction id (SHA-256 of the signing bytes), hex.
    pub id: String,
    /// `pending` when newly accepted or already waiting; `committed` or `rejected` when it
    /// had already reached a block.
    pub status: String,
}

/// One result of a batch submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchItem {
    /// Position in the submitted array.
    pub index: usize,
    /// Transaction id, when the transaction parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `pending`; `committed`, or `rejected` with `error`, when it is already in a block
    /// (a resubmission gets the same answer as from `POST /v1/transactions`); or `refused`
    /// with `error`.
    pub status: String,
    /// Why it was refused or rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The refusal's stable code, with `error` (see the problem codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "nonce-used")]
    pub code: Option<unchain_types::Code>,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TxStatusView {
    /// Transaction id, hex.
    pub id: String,
    /// `pending`, `committed`, `rejected`, or `unknown`.
    pub status: String,
    /// Block height, once in a block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Leaf index in the transparency log, once committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The rejection's stable code (absent for transactions rejected before codes existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "nonce-used")]
    pub code: Option<unchain_types::Code>,
}

/// A refused transaction inside a block.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RejectedView {
    /// Transaction id.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// A block's finalization certificate (`GET /v1/blocks/{height}/certificate`, public).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    /// Height.
    pub height: u64,
    /// The digest of the block it finalizes, hex.
    pub digest: String,
    /// commonware simplex's `Finalization` (the proposal and more than two thirds of the
    /// validators' Ed25519 signatures over it) in commonware's codec, hex.
    pub certificate: String,
    /// The consensus epoch the block is in.
    #[serde(default)]
    pub epoch: u64,
    /// That epoch's validators as this node holds them (in epoch 0, genesis' validators,
    /// which a verifier takes from its own genesis file instead).
    #[serde(default)]
    pub validators: Vec<ValidatorKey>,
}

/// A block and what executing it produced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    /// Height.
    pub height: u64,
    /// Consensus digest, hex.
    pub digest: String,
    /// Parent digest, hex.
    pub parent: String,
    /// Block time, ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// Proposing validator's key, hex.
    pub proposer: String,
    /// State root before the block (after its parent).
    pub attested_state_root: String,
    /// Log size before the block.
    pub attested_log_size: u64,
    /// Log root before the block.
    pub attested_log_root: String,
    /// State root after the block.
    pub state_root: String,
    /// Log size after the block.
    pub log_size: u64,
    /// Log root after the block.
    pub log_root: String,
    /// Ids of the committed transactions, in order.
    pub committed: Vec<String>,
    /// Transactions refused at execution.
    pub rejected: Vec<RejectedView>,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyView {
    /// Older size.
    pub old_size: u64,
    /// Newer size.
    pub new_size: u64,
    /// Root at the older size.
    pub old_root: String,
    /// Root at the newer size.
    pub new_root: String,
    /// Proof hashes, hex.
    pub proof: Vec<String>,
}

/// One anchoring of a document hash, with its proof.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnchorView {
    /// The anchor as recorded.
    #[schema(value_type = Object)]
    pub anchor: serde_json::Value,
    /// Proof that the anchoring transaction is in the log.
    pub proof: ProofBundle,
}

/// Lookup of a document hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotaryView {
    /// SHA-256 looked up.
    pub hash: String,
    /// Every anchoring, oldest first.
    pub anchors: Vec<AnchorView>,
}

/// The node's view of the chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusView {
    /// Chain id.
    pub chain_id: String,
    /// Genesis hash.
    pub genesis_hash: String,
    /// Latest applied height.
    pub height: u64,
    /// Latest block time.
    pub timestamp_ms: u64,
    /// Log size.
    pub log_size: u64,
    /// Log root.
    pub log_root: String,
    /// State root.
    pub state_root: String,
    /// Transactions waiting.
    pub mempool_txs: usize,
    /// Bytes waiting.
    pub mempool_bytes: usize,
    /// Validators.
    pub validators: Vec<ValidatorKey>,
    /// The member this node belongs to.
    #[serde(default)]
    pub node: String,
    /// Tree size of the latest checkpoint cosigned by a quorum of validators.
    #[serde(default)]
    pub cosigned_log_size: Option<u64>,
    /// Consensus health, from the engine's own metrics.
    #[serde(default)]
    pub consensus: ConsensusView,
    /// The consensus epoch of the next block: `validators` are its validators.
    #[serde(default)]
    pub epoch: u64,
    /// Each validator of the epoch, with the newest recent block whose finalization it
    /// signed.
    #[serde(default)]
    pub votes: Vec<ValidatorVote>,
    /// Where this node's history begins, if it started from a state snapshot (`--sync-from`
    /// or a restored backup) instead of replaying from genesis: it holds no block or log
    /// leaf before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_base: Option<SnapshotBaseView>,
}

/// The snapshot a node started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotBaseView {
    /// The snapshot's height: the first block this node holds is the next.
    pub height: u64,
    /// The log's size there: the first leaf this node holds is at this index.
    pub log_size: u64,
}

/// A validator's latest vote, as this node's finalization certificates show it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ValidatorVote {
    /// Member name.
    pub name: String,
    /// Its consensus (and signing) key, hex.
    pub key: String,
    /// The newest height, among the last 64 this node executed, whose finalization
    /// certificate carries its signature; `None` if none does (it is down, cut off, or its
    /// votes arrive after a quorum's).
    pub last_signed: Option<u64>,
}

/// Consensus health as one node sees it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ConsensusView {
    /// Current consensus view (round).
    pub view: u64,
    /// Validators this node is connected to.
    pub peers: u64,
    /// Views that timed out waiting for their leader.
    pub timeouts: u64,
    /// Views nullified (skipped without a block).
    pub nullifications: u64,
    /// Mean time from a view's start to its finalization, in milliseconds.
    pub finalization_latency_ms: f64,
}

/// A member's account: what nonce to use next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    /// Member name.
    pub name: String,
    /// Ed25519 key, hex.
    pub key: String,
    /// Next nonce after everything committed.
    pub committed_next_nonce: u64,
    /// Next nonce after everything committed or waiting in this node's mempool: use this one.
    pub next_nonce: u64,
}
