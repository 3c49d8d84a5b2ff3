//! An agreement party's node does what its agreements say, with no person asking. When a
//! clause falls due it submits the evaluation (`agree.evaluate`). Every outcome it then
//! copies into the log (`agree.attest`), so that anyone can re-check it offline.
//!
//! The proposer's node acts at once. Another party's node steps in when a clause or an
//! outcome has waited [`LATE_BLOCKS`] blocks, in case the proposer's node is down. The
//! duty wakes at each new block.

use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;
use tracing::{info, warn};
use unchain_agree::state::{self, Standing};
use unchain_consensus::mempool::Mempool;
use unchain_ledger::Ledger;
use unchain_types::SigningKey;

/// Blocks a clause or outcome waits before a party other than the proposer acts.
pub const LATE_BLOCKS: u64 = 5;
/// The same wait for a clause due by block time.
const LATE_MS: u64 = 30_000;
/// Blocks after submitting a job before the same job is tried again.
const RETRY_BLOCKS: u64 = 3;

/// A transaction the duty owes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// `agree.evaluate` or `agree.attest`.
    pub kind: &'static str,
    /// Its body.
    pub body: serde_json::Value,
    /// What it is, for the log and to tell one job from another.
    pub what: String,
}

/// What `member` owes at the head (`height`, block time `now_ms`): evaluations due in its
/// agreements in force, and attestations of their outcomes.
pub fn jobs(
    reader: &unchain_ledger::StateReader,
    member: &str,
    height: u64,
    now_ms: u64,
) -> Result<Vec<Job>, redb::StorageError> {
    let next = height + 1;
    let mut out = Vec::new();
    for a in state::agreements(reader)? {
        let p = &a.proposal;
        if !p.parties.iter().any(|x| x == member) {
            continue;
        }
        let first = p.parties.first().is_some_and(|x| x == member);
        if a.standing == Standing::InForce {
            for terms in &p.clauses {
                let last = a.evaluated.get(&terms.id).copied();
                let due = unchain_agree::rules::is_due(terms, last, next, now_ms);
                let late = unchain_agree::rules::is_due(
                    terms,
                    last,
                    next.saturating_sub(LATE_BLOCKS),
                    now_ms.saturating_sub(LATE_MS),
                );
                if due && (first || late) {
                    out.push(Job {
                        kind: "agree.evaluate",
                        body: unchain_agree::client::evaluate(&p.agreement, &terms.id),
                        what: format!("evaluate {} clause {}", p.agreement, terms.id),
                    });
                }
            }
        }
        for (seq, o) in state::outcomes(reader, &p.agreement)?
            .into_iter()
            .enumerate()
        {
            let late = o.height.saturating_add(LATE_BLOCKS) <= height;
            if o.attested.is_some() || !(first || late) {
                continue;
            }
            let seq = seq as u64;
            let view = serde_json::to_value(&o).expect("an outcome serialises");
            match unchain_agree::client::attest(&p.agreement, seq, &view) {
                Ok(body) => out.push(Job {
                    kind: "agree.attest",
                    body,
                    what: format!("attest {} outcome {seq}", p.agreement),
                }),
                Err(e) => warn!(agreement = %p.agreement, seq, error = %e, "cannot attest"),
            }
        }
    }
    Ok(out)
}

/// Wakes at each new head and submits what `member` owes.
pub async fn run(
    ledger: Arc<Ledger>,
    mempool: Arc<Mempool>,
    member: String,
    key: SigningKey,
    mut heads: watch::Receiver<u64>,
) {
    let mut recent: BTreeMap<String, u64> = BTreeMap::new();
    while heads.changed().await.is_ok() {
        let height = *heads.borrow_and_update();
        recent.retain(|_, at| at.saturating_add(RETRY_BLOCKS) > height);
        let owed = (|| -> Result<Vec<Job>, Box<dyn std::error::Error>> {
            let head = ledger.head()?;
            let reader = ledger.state_reader()?;
            Ok(jobs(&reader, &member, head.height, head.timestamp_ms)?)
        })();
        let owed = match owed {
            Ok(j) => j,
            Err(e) => {
                warn!(error = %e, "agreements: cannot read what is owed");
                continue;
            }
        };
        for job in owed {
            if recent.contains_key(&job.what) {
                continue;
            }
            match crate::own_tx::submit(&ledger, &mempool, &key, job.kind, job.body) {
                Ok(tx) => info!(what = %job.what, %tx, "agreements: submitted"),
                Err(e) => warn!(what = %job.what, error = %e, "agreements: not admitted"),
            }
            recent.insert(job.what, height);
        }
    }
}
