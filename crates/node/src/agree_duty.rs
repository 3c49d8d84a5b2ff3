//! An agreement party's node does what its agreements say, with no person asking. When a
//! clause falls due — its blocks passed, its deadline came, or a fact list it watches
//! changed — it submits the evaluation (`agree.evaluate`). Every outcome it then
//! copies into the log (`agree.attest`), so that anyone can re-check it offline.
//!
//! The proposer's node acts at once. Another party's node steps in when a clause or an
//! outcome has waited [`LATE_BLOCKS`] blocks, in case the proposer's node is down. The
//! duty wakes at each new block.

use std::sync::Arc;
use tokio::sync::watch;
use tracing::warn;
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
            // When it (last) came into force: a clause never evaluated is due from then.
            let in_force = a
                .history
                .iter()
                .rev()
                .find(|(s, _, _)| *s == Standing::InForce)
                .map_or(0, |(_, h, _)| *h);
            // The facts, gathered once, if a clause watches some for changes.
            let facts = if p.clauses.iter().any(|c| !c.on_change.is_empty()) {
                unchain_agree::facts::gather(reader, &p.parties, next, now_ms, p.schema).ok()
            } else {
                None
            };
            for terms in &p.clauses {
                let last = a.evaluated.get(&terms.id).copied();
                let changed = facts.as_ref().is_some_and(|f| {
                    let now = unchain_agree::rules::watched_digests(&terms.on_change, f);
                    unchain_agree::rules::changed(terms, a.watched.get(&terms.id), &now)
                });
                let due = changed || unchain_agree::rules::is_due(terms, last, next, now_ms);
                // Due for a while: since LATE_BLOCKS blocks, or LATE_MS past its deadline.
                let late = match (terms.every_blocks, terms.due_ms, last) {
                    (Some(n), _, Some((h, _))) => {
                        h.saturating_add(n).saturating_add(LATE_BLOCKS) <= next
                    }
                    (_, Some(d), None) => now_ms >= d.saturating_add(LATE_MS),
                    (Some(_), None, None) => in_force.saturating_add(LATE_BLOCKS) <= next,
                    // A change is acted on by the proposer's node; others wait a while.
                    _ => {
                        changed && last.is_some_and(|(h, _)| h.saturating_add(LATE_BLOCKS) <= next)
                    }
                };
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
    heads: watch::Receiver<u64>,
) {
    crate::own_tx::Duty::new("agreements", RETRY_BLOCKS)
        .run(ledger, mempool, key, heads, |ledger, _| {
            let head = ledger.head()?;
            let reader = ledger.state_reader()?;
            Ok(jobs(&reader, &member, head.height, head.timestamp_ms)?
                .into_iter()
                .map(|j| (j.kind, j.body, j.what))
                .collect())
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use unchain_ledger::{AnyModule, Genesis, Role};
    use unchain_testkit::{Chain, Org};

    fn modules(_: &Genesis) -> Vec<Arc<dyn AnyModule>> {
        vec![
            Arc::new(unchain_supply::SupplyModule),
            Arc::new(unchain_recruit::RecruitModule),
            Arc::new(unchain_agree::AgreeModule),
        ]
    }

    fn owed(chain: &Chain, member: &str) -> Vec<String> {
        let head = chain.ledger.head().expect("head");
        let reader = chain.ledger.state_reader().expect("reader");
        jobs(&reader, member, head.height, head.timestamp_ms)
            .expect("read")
            .into_iter()
            .map(|j| j.what)
            .collect()
    }

    #[test]
    fn the_proposer_acts_at_once_another_party_when_it_is_late_an_outsider_never() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut brand = Org::new(
            "duty",
            1,
            "gb-brand",
            &[Role::Recruitment, Role::Agreements],
        );
        let mut agency = Org::new(
            "duty",
            2,
            "np-agency",
            &[Role::Recruitment, Role::Agreements],
        );
        let regulator = Org::new(
            "duty",
            3,
            "qa-mol",
            &[Role::Governance, Role::Recruitment, Role::Agreements],
        );
        let mut chain = Chain::new(dir.path(), &[&brand, &agency, &regulator], modules);
        let id = "a-00000000000000000d01";
        chain.ok(&brand.tx("agree.propose", json!({
            "agreement": id, "title": "Employer pays", "parties": ["gb-brand", "np-agency"],
            "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "employer-pays", "text": "no fee", "cel": "recruit.fees.all(f, f.owed == 0)",
                "every_blocks": 100, "consequence": {"kind": "suspend"}}]})));
        // Not in force yet: nothing is owed.
        assert!(owed(&chain, "gb-brand").is_empty());
        chain.ok(&agency.tx("agree.sign", json!({"agreement": id})));
        let evaluate = format!("evaluate {id} clause employer-pays");
        assert_eq!(owed(&chain, "gb-brand"), std::slice::from_ref(&evaluate));
        assert!(owed(&chain, "np-agency").is_empty(), "the agency waits");
        assert!(owed(&chain, "qa-mol").is_empty(), "the arbiter is no party");
        for _ in 0..LATE_BLOCKS {
            chain.apply(&[]);
        }
        assert_eq!(owed(&chain, "np-agency"), [evaluate]);
        chain.ok(&agency.tx(
            "agree.evaluate",
            unchain_agree::client::evaluate(id, "employer-pays"),
        ));
        let attest = format!("attest {id} outcome 0");
        assert_eq!(owed(&chain, "gb-brand"), [attest]);
        assert!(owed(&chain, "np-agency").is_empty());
        // What the duty submits, the ledger accepts.
        let reader = chain.ledger.state_reader().expect("reader");
        let head = chain.ledger.head().expect("head");
        let job = jobs(&reader, "gb-brand", head.height, head.timestamp_ms)
            .expect("read")
            .remove(0);
        drop(reader);
        chain.ok(&brand.tx(job.kind, job.body));
        assert!(owed(&chain, "gb-brand").is_empty());

        // A clause that watches the fees: owed once, then only when they change.
        let watch = "a-00000000000000000d02";
        chain.ok(&brand.tx(
            "agree.propose",
            json!({
            "agreement": watch, "title": "On every fee", "parties": ["gb-brand", "np-agency"],
            "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "fees", "text": "no fee", "cel": "recruit.fees.all(f, f.owed == 0)",
                "on_change": ["recruit.fees"], "consequence": {"kind": "suspend"}}]}),
        ));
        chain.ok(&agency.tx("agree.sign", json!({"agreement": watch})));
        let evaluate = format!("evaluate {watch} clause fees");
        assert_eq!(owed(&chain, "gb-brand"), std::slice::from_ref(&evaluate));
        chain.ok(&brand.tx(
            "agree.evaluate",
            unchain_agree::client::evaluate(watch, "fees"),
        ));
        assert!(
            !owed(&chain, "gb-brand").contains(&evaluate),
            "nothing changed: {:?}",
            owed(&chain, "gb-brand")
        );
    }
}
