//! Transactions a node submits for its own organisation, with no person asking: erasures
//! when retention ends, an agreement's due evaluations and attestations. Signed with the
//! organisation's key at its next nonce (after any it has pending) and handed to the
//! node's own mempool.

use unchain_consensus::mempool::Mempool;
use unchain_ledger::Ledger;
use unchain_types::{SigningKey, TxId, UnsignedTransaction};

/// Signs `kind` with `body` as the organisation of `key` and submits it to `mempool`.
pub fn submit(
    ledger: &Ledger,
    mempool: &Mempool,
    key: &SigningKey,
    kind: &str,
    body: serde_json::Value,
) -> Result<TxId, Box<dyn std::error::Error>> {
    let nonce = match mempool.pending_next_nonce(&key.public_key()) {
        Some(n) => n,
        None => match ledger.sender_and_next_nonce(&key.public_key())? {
            Some((_, n)) => n,
            None => return Err("this node's organisation is not a member".into()),
        },
    };
    let tx = UnsignedTransaction {
        chain_id: ledger.genesis().chain_id.clone(),
        sender: key.public_key(),
        nonce,
        kind: kind.into(),
        body,
    }
    .sign(key)?;
    let id = tx.id();
    mempool.submit(ledger, tx)?;
    Ok(id)
}

/// A transaction a duty owes: its kind, its body, and what it is (for the log, and to tell
/// one job from another).
pub type Job = (&'static str, serde_json::Value, String);

/// What a duty (a task that submits for its organisation, unasked) has submitted lately:
/// each job, told apart by its description, is submitted at most once every
/// `retry_blocks` blocks, and each submission or refusal is logged under the duty's name.
pub struct Duty {
    name: &'static str,
    retry_blocks: u64,
    recent: std::collections::BTreeMap<String, u64>,
}

impl Duty {
    /// A duty named `name` (for the log) that retries a job after `retry_blocks` blocks.
    pub fn new(name: &'static str, retry_blocks: u64) -> Self {
        Duty {
            name,
            retry_blocks,
            recent: Default::default(),
        }
    }

    /// Wakes at each new head, works out what is owed with `owed(ledger, height)` and
    /// submits it; a failure to work it out is logged and tried again at the next head.
    pub async fn run(
        mut self,
        ledger: std::sync::Arc<Ledger>,
        mempool: std::sync::Arc<Mempool>,
        key: SigningKey,
        mut heads: tokio::sync::watch::Receiver<u64>,
        owed: impl Fn(&Ledger, u64) -> Result<Vec<Job>, Box<dyn std::error::Error>>,
    ) {
        while heads.changed().await.is_ok() {
            let height = *heads.borrow_and_update();
            match owed(&ledger, height) {
                Ok(jobs) => self.submit(&ledger, &mempool, &key, height, jobs),
                Err(e) => {
                    tracing::warn!(duty = self.name, error = %e, "cannot work out what is owed")
                }
            }
        }
    }

    /// Submits, at `height`, every owed `(kind, body, what)` not submitted lately.
    pub fn submit(
        &mut self,
        ledger: &Ledger,
        mempool: &Mempool,
        key: &SigningKey,
        height: u64,
        owed: impl IntoIterator<Item = Job>,
    ) {
        let retry = self.retry_blocks;
        self.recent
            .retain(|_, at| at.saturating_add(retry) > height);
        for (kind, body, what) in owed {
            if self.recent.contains_key(&what) {
                continue;
            }
            match submit(ledger, mempool, key, kind, body) {
                Ok(tx) => tracing::info!(duty = self.name, what = %what, %tx, "submitted"),
                Err(e) => {
                    tracing::warn!(duty = self.name, what = %what, error = %e, "not admitted")
                }
            }
            self.recent.insert(what, height);
        }
    }
}
