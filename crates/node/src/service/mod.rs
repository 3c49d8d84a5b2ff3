//! The node's service layer: its application state and the operations the HTTP API, the
//! console and the tip form all call — submitting an organisation's signed action and
//! following a transaction, building proofs and bundles, reading the clock. The three
//! front ends are siblings: each holds a [`Service`] with state of its own, and none
//! imports another.

pub mod bundles;
pub mod epcis;
pub mod ledger;
pub mod problem;
pub mod tokens;

pub use problem::Problem;

use crate::metrics::NodeMetrics;
use axum::http::StatusCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use unchain_consensus::mempool::{Mempool, SubmitError};
use unchain_ledger::{Ledger, TxRejection};
use unchain_log::NoteVerifier;
use unchain_types::{Code, UnsignedTransaction};

/// What every front end of the node shares.
#[derive(Clone)]
pub struct Service {
    /// The ledger (read-only here).
    pub ledger: Arc<Ledger>,
    /// Where accepted transactions wait.
    pub mempool: Arc<Mempool>,
    /// Node metrics.
    pub metrics: NodeMetrics,
    /// Height of the latest applied block, for long-polling.
    pub heads: watch::Receiver<u64>,
    /// Longest a status request may wait.
    pub max_wait: Duration,
    /// Renders every registered metric in Prometheus text format.
    pub render_metrics: Arc<dyn Fn() -> String + Send + Sync>,
    /// Keys that sign checkpoints.
    pub validators: Vec<NoteVerifier>,
    /// The member this node belongs to.
    pub node_name: String,
    /// This node's store of sealed records' ciphertexts (`DATA/vault/`).
    pub vault: unchain_consensus::blob_store::BlobStore,
    /// This node's store of sealed tip messages (`DATA/tips/`).
    pub tip_store: unchain_consensus::blob_store::BlobStore,
    /// This node's log of sealed-content reads.
    pub audit: Arc<crate::audit::AuditLog>,
    /// The organisation's user accounts.
    pub users: Arc<crate::users::UserStore>,
    /// The organisation's signing key, for users' actions.
    pub signing: unchain_types::SigningKey,
    /// Serialises users' actions, so that their nonces follow each other.
    pub act_lock: Arc<tokio::sync::Mutex<()>>,
    /// The organisation's X25519 key, with which the console opens and seals records.
    pub encryption: unchain_types::EncryptionSecretKey,
    /// This member's blind token evaluations: its share and today's answers.
    pub evaluator: Arc<tokens::Evaluator>,
    /// The token key holders' node API URLs, by member name (config `[token_holders]`).
    pub token_holders: Arc<std::collections::BTreeMap<String, String>>,
    /// The least group of workers of one employer in one month published as an aggregate.
    pub voice_min_group: u32,
    /// Finalization certificates from this node's consensus archive.
    pub finalizations: unchain_consensus::certificates::Finalizations,
}

/// This machine's clock, ms since the Unix epoch: the only clock the front ends read.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Signs `body` as a `kind` transaction with the organisation's key, with the nonce after
/// any this node's mempool holds, and admits it. One signing at a time, so that nonces
/// follow each other.
pub async fn sign_and_submit(
    state: &Service,
    kind: &str,
    body: serde_json::Value,
) -> Result<unchain_types::TxId, Problem> {
    let _guard = state.act_lock.lock().await;
    let me = state.signing.public_key();
    let nonce = match state.mempool.pending_next_nonce(&me) {
        Some(n) => n,
        None => state
            .ledger
            .sender_and_next_nonce(&me)?
            .map(|(_, n)| n)
            .ok_or_else(|| Problem::internal("this node's key is not a member's"))?,
    };
    let tx = UnsignedTransaction {
        chain_id: state.ledger.genesis().chain_id.clone(),
        sender: me,
        nonce,
        kind: kind.to_owned(),
        body,
    }
    .sign(&state.signing)
    .map_err(|e| Problem::bad_request(Code::MalformedTransaction, e.to_string()))?;
    let id = tx.id();
    state
        .mempool
        .submit(&state.ledger, tx)
        .map_err(|e| submit_problem(state, e))?;
    Ok(id)
}

/// The problem a mempool refusal becomes: 429 with Retry-After when full, else the
/// ledger's refusal with its code (409 for a used nonce, 403 for a non-member or a
/// missing role).
pub fn submit_problem(state: &Service, e: SubmitError) -> Problem {
    match e {
        SubmitError::Full {
            retry_after_secs, ..
        } => {
            state.metrics.tx_backpressure.inc();
            let mut p = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::MempoolFull,
                "node busy",
                e.to_string(),
            );
            p.retry_after = Some(retry_after_secs);
            p
        }
        SubmitError::Rejected(r) => {
            state.metrics.tx_refused.inc();
            let status = match r {
                TxRejection::NonceUsed { .. } => StatusCode::CONFLICT,
                TxRejection::NotMember(_) | TxRejection::MissingRole { .. } => {
                    StatusCode::FORBIDDEN
                }
                _ => StatusCode::BAD_REQUEST,
            };
            let mut p = Problem::bad_request(r.code(), r.to_string());
            p.status = status.as_u16();
            p.title = "transaction refused".into();
            p
        }
    }
}
