//! Submitting a transaction and following it to its block, for organisations whose users act
//! at the same time: they share the organisation's nonce sequence, so one may take the nonce
//! another's transaction was built with. The loop here builds it again with the next one,
//! on the refusal's code — never on its wording.

use crate::views::TxStatusView;
use crate::{Client, ClientError};
use std::time::Duration;
use unchain_types::{Code, SigningKey, Transaction, TxId};

/// How many times a transaction is built again after a nonce clash.
pub const MAX_ATTEMPTS: u64 = 20;

/// Why a submission did not commit.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The node could not be reached, or refused the transaction at admission.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The ledger executed the transaction and refused it.
    #[error("{kind} rejected: {reason}")]
    Rejected {
        /// The transaction's kind.
        kind: String,
        /// Its id.
        id: TxId,
        /// The refusal's code (absent only for records written before codes existed).
        code: Option<Code>,
        /// Why, for people.
        reason: String,
    },
    /// Neither committed nor rejected in time.
    #[error(
        "{kind} {id} is still {status} after {waited_secs} s; check it later with `unchain tx status {id}`"
    )]
    NotYet {
        /// The transaction's kind.
        kind: String,
        /// Its id.
        id: TxId,
        /// Where it stood.
        status: String,
        /// How long it was followed.
        waited_secs: u64,
    },
}

impl SubmitError {
    /// The refusal's code: the node's at admission, or the ledger's at execution.
    pub fn code(&self) -> Option<Code> {
        match self {
            SubmitError::Client(e) => e.code(),
            SubmitError::Rejected { code, .. } => *code,
            SubmitError::NotYet { .. } => None,
        }
    }
}

/// Whether a refusal means only that another transaction took this one's nonce.
fn nonce_clash(code: Option<Code>) -> bool {
    matches!(code, Some(Code::NonceUsed | Code::NonceAhead))
}

impl Client {
    /// Builds `kind` with `key`'s next nonce, submits it and follows it for up to `wait` to
    /// its block. When another transaction of the same sender took the nonce — refused at
    /// admission or at execution as `nonce-used`/`nonce-ahead` — it is built again with the
    /// next one, up to [`MAX_ATTEMPTS`] times; `on_clash` hears of each. (A refused
    /// transaction spends its nonce too, so a clash leaves no gap.)
    pub async fn submit_and_wait(
        &self,
        key: &SigningKey,
        kind: &str,
        body: serde_json::Value,
        wait: Duration,
        on_clash: &(dyn Fn(&Transaction) + Sync),
    ) -> Result<TxStatusView, SubmitError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let retry = attempt < MAX_ATTEMPTS;
            let tx = self.build(key, kind, body.clone()).await?;
            if let Err(e) = self.submit(&tx).await {
                if retry && nonce_clash(e.code()) {
                    on_clash(&tx);
                    backoff(attempt, &tx).await;
                    continue;
                }
                return Err(e.into());
            }
            let status = self.wait_for(&tx.id(), wait).await?;
            match status.status.as_str() {
                "committed" => return Ok(status),
                "rejected" if retry && nonce_clash(status.code) => {
                    on_clash(&tx);
                    backoff(attempt, &tx).await;
                }
                "rejected" => {
                    return Err(SubmitError::Rejected {
                        kind: kind.to_owned(),
                        id: tx.id(),
                        code: status.code,
                        reason: status.reason.unwrap_or_default(),
                    });
                }
                other => {
                    return Err(SubmitError::NotYet {
                        kind: kind.to_owned(),
                        id: tx.id(),
                        status: other.to_owned(),
                        waited_secs: wait.as_secs(),
                    });
                }
            }
        }
    }
}

/// Waits longer after each clash, with a jitter from the transaction's id so that colleagues
/// who clashed do not clash again in step.
async fn backoff(attempt: u64, tx: &Transaction) {
    let jitter = u64::from(tx.id().0.0[0]) % 50;
    tokio::time::sleep(Duration::from_millis(20 * attempt.min(10) + jitter)).await;
}
