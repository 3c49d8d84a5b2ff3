//! A member's node takes part in the threshold token key's rounds with no person asking
//! (`unchain_vault::token_key`): when a round opens it deals, acknowledges every dealing to
//! it that checks out, publishes its log once every player has acknowledged its dealing
//! (or after [`LOG_WAIT_BLOCKS`], revealing the evaluations of players that stayed
//! silent), and — the opener's node at once, another governance member's after
//! [`FINISH_WAIT_BLOCKS`] — finishes the round when the logs are in. Its share is never
//! stored: it is recomputed from the ledger and the organisation's keys when needed.

use std::sync::Arc;
use tokio::sync::watch;
use unchain_consensus::mempool::Mempool;
use unchain_ledger::{Ledger, Role};
use unchain_types::{EncryptionSecretKey, SigningKey};
use unchain_vault::client::Me;
use unchain_vault::token_client::KeyHolder;
use unchain_vault::token_key;

/// Blocks after a round opens before a dealer publishes its log without every
/// acknowledgement.
pub const LOG_WAIT_BLOCKS: u64 = 10;
/// Blocks after a round opens before a governance member other than the opener finishes
/// it.
pub const FINISH_WAIT_BLOCKS: u64 = 20;
/// Blocks after submitting a job before the same job is tried again.
const RETRY_BLOCKS: u64 = 3;

pub use crate::own_tx::Job;

/// What `holder` owes in the latest key round at `height`.
pub fn jobs(
    reader: &unchain_ledger::StateReader,
    holder: &KeyHolder<'_>,
    height: u64,
) -> Result<Vec<Job>, Box<dyn std::error::Error>> {
    let Some(r) = token_key::latest_round(reader)? else {
        return Ok(Vec::new());
    };
    if r.finished.is_some() {
        return reshare_if_holders_changed(reader, holder.me.name, r.round + 1);
    }
    let late = |blocks: u64| r.opened_height.saturating_add(blocks) <= height;
    let mut out: Vec<Job> = holder
        .next_steps(reader, late(LOG_WAIT_BLOCKS))?
        .into_iter()
        .map(|(kind, body)| {
            let what = match kind {
                "vault.token_key_ack" => format!("key round {} ack {}", r.round, body["dealer"]),
                _ => format!("key round {} {kind}", r.round),
            };
            (kind, body, what)
        })
        .collect();
    let me = holder.me.name;
    let governs = unchain_ledger::membership::member_named(reader, me)?
        .is_some_and(|m| m.roles.contains(&Role::Governance));
    let messages = token_key::messages(reader, r.round)?;
    let all_logged = messages.logs.len() == r.dealers.len();
    let ready = all_logged || (late(FINISH_WAIT_BLOCKS) && !messages.logs.is_empty());
    if governs && ready && (r.opened_by == me || late(FINISH_WAIT_BLOCKS)) {
        out.push((
            "vault.token_key_finish",
            serde_json::json!({"round": r.round}),
            format!("key round {} finish", r.round),
        ));
    }
    Ok(out)
}

/// The members that run validators now and may hold a share (the records role), by name.
fn validators(reader: &unchain_ledger::StateReader) -> Result<Vec<String>, redb::StorageError> {
    Ok(reader
        .scan_prefix(b"member/")?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<unchain_ledger::Member>(&v).ok())
        .filter(|m| m.validator && m.roles.contains(&Role::Records))
        .map(|m| m.name)
        .collect())
}

/// When the current key's holders are no longer the validators (one was removed, one was
/// added, or a holder left the consortium), the resharing round that gives the key to the
/// validators as they are now — opened by the governance validator first by name, so that
/// one node opens it. A removed holder's share then stops working. Nothing when a
/// resharing cannot keep the key (fewer of the old holders remain than its threshold):
/// that needs a fresh key, which governance decides (`unchain vault token-key open`).
fn reshare_if_holders_changed(
    reader: &unchain_ledger::StateReader,
    me: &str,
    round: u64,
) -> Result<Vec<Job>, Box<dyn std::error::Error>> {
    let Some((_, holders)) = unchain_vault::token_client::current_threshold_holders(reader)? else {
        return Ok(Vec::new());
    };
    let mut now = validators(reader)?;
    now.sort();
    let mut before = holders.clone();
    before.sort();
    if now.is_empty() || now == before {
        return Ok(Vec::new());
    }
    let opener = now.iter().find(|n| {
        unchain_ledger::membership::member_named(reader, n)
            .ok()
            .flatten()
            .is_some_and(|m| m.roles.contains(&Role::Governance))
    });
    if opener.map(String::as_str) != Some(me) {
        return Ok(Vec::new());
    }
    let staying = holders.iter().filter(|h| now.contains(h)).count() as u32;
    let needed = <commonware_utils::N3f1 as commonware_utils::Faults>::quorum(holders.len());
    if staying < needed {
        tracing::warn!(
            staying,
            needed,
            "token key: the validators changed, but too few of the key's holders remain to reshare it; governance must make a fresh key"
        );
        return Ok(Vec::new());
    }
    Ok(vec![(
        "vault.token_key_round",
        serde_json::json!({"round": round, "players": now, "reshare": true}),
        format!("key round {round} reshare to the validators"),
    )])
}

/// Wakes at each new head and submits what this member owes in key rounds.
pub async fn run(
    ledger: Arc<Ledger>,
    mempool: Arc<Mempool>,
    member: String,
    key: SigningKey,
    encryption: EncryptionSecretKey,
    heads: watch::Receiver<u64>,
) {
    let chain_id = ledger.genesis().chain_id.clone();
    let holder = KeyHolder {
        me: Me {
            chain_id: &chain_id,
            name: &member,
            secret: &encryption,
        },
        signing_seed: key.seed(),
    };
    crate::own_tx::Duty::new("token key", RETRY_BLOCKS)
        .run(ledger, mempool, key, heads, |ledger, height| {
            jobs(&ledger.state_reader()?, &holder, height)
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use unchain_ledger::{AnyModule, Genesis};
    use unchain_testkit::{Chain, Org};

    fn modules(g: &Genesis) -> Vec<std::sync::Arc<dyn AnyModule>> {
        vec![std::sync::Arc::new(unchain_vault::VaultModule::new(g))]
    }

    fn holder(o: &Org) -> KeyHolder<'_> {
        KeyHolder {
            me: Me {
                chain_id: "duty",
                name: &o.name,
                secret: &o.enc,
            },
            signing_seed: o.key.seed(),
        }
    }

    /// What each of `orgs` owes now.
    fn owed(chain: &Chain, orgs: &[&Org]) -> Vec<Vec<Job>> {
        let height = chain.ledger.head().expect("head").height;
        let reader = chain.ledger.state_reader().expect("reader");
        orgs.iter()
            .map(|o| jobs(&reader, &holder(o), height).expect("jobs"))
            .collect()
    }

    /// Submits what every node's duty would, until nothing is owed.
    fn run_duties(chain: &mut Chain, orgs: &mut [&mut Org]) {
        loop {
            let jobs = {
                let view: Vec<&Org> = orgs.iter().map(|o| &**o).collect();
                owed(chain, &view)
            };
            if jobs.iter().all(Vec::is_empty) {
                return;
            }
            let txs: Vec<_> = orgs
                .iter_mut()
                .zip(jobs)
                .flat_map(|(o, js)| {
                    js.into_iter()
                        .map(|(k, b, _)| o.tx(k, b))
                        .collect::<Vec<_>>()
                })
                .collect();
            // One block with everything the nodes submitted at this head: a second
            // governance member's finish in the same block as the opener's is refused
            // (the round already finished), as it would be on a real chain.
            let refs: Vec<&unchain_types::Transaction> = txs.iter().collect();
            for why in chain.apply(&refs).into_iter().flatten() {
                assert!(why.contains("already finished"), "{why}");
            }
        }
    }

    fn holders(chain: &Chain) -> Vec<String> {
        let reader = chain.ledger.state_reader().expect("reader");
        let (_, _, mut h) = unchain_vault::token_client::current_threshold_key(&reader)
            .expect("read")
            .expect("a key");
        h.sort();
        h
    }

    #[test]
    fn the_nodes_run_a_round_and_reshare_when_the_validators_change() {
        let dir = tempfile::tempdir().expect("tmp");
        let roles = [Role::Governance, Role::Records];
        let mut orgs: Vec<Org> = ["org-a", "org-b", "org-c", "org-d"]
            .iter()
            .enumerate()
            .map(|(i, n)| Org::new("duty", i as u8 + 1, n, &roles))
            .collect();
        let refs: Vec<&Org> = orgs.iter().collect();
        let mut chain = Chain::with_validators(dir.path(), &refs, 4, modules);
        chain.ok(&orgs[1].tx(
            "vault.token_key_round",
            json!({"round": 0, "players": ["org-a", "org-b", "org-c", "org-d"]}),
        ));
        {
            let mut all: Vec<&mut Org> = orgs.iter_mut().collect();
            run_duties(&mut chain, &mut all);
        }
        assert_eq!(holders(&chain), ["org-a", "org-b", "org-c", "org-d"]);
        let key_before = {
            let reader = chain.ledger.state_reader().expect("reader");
            unchain_vault::token_client::current_threshold_key(&reader)
                .expect("read")
                .expect("key")
                .1
        };

        // A fifth validator joins (3 of 4 governance approvals): the first governance
        // validator by name, and only it, opens the resharing to the five.
        let newcomer = Org::new("duty", 5, "org-e", &roles);
        let change = json!({"action": "add", "member": serde_json::to_value(newcomer.member(true)).expect("json")});
        let propose = orgs[0].tx(
            "membership.propose",
            json!({"change": change, "reason": "a new validator"}),
        );
        chain.ok(&propose);
        for o in orgs.iter_mut().skip(1).take(2) {
            let approve = o.tx(
                "membership.approve",
                json!({"proposal": propose.id().to_string()}),
            );
            chain.ok(&approve);
        }
        orgs.push(newcomer);
        let view: Vec<&Org> = orgs.iter().collect();
        let now = owed(&chain, &view);
        assert_eq!(now[0].len(), 1, "{:?}", now[0]);
        assert_eq!(now[0][0].0, "vault.token_key_round");
        assert_eq!(now[0][0].1["reshare"], true);
        assert_eq!(
            now[0][0].1["players"],
            json!(["org-a", "org-b", "org-c", "org-d", "org-e"])
        );
        assert!(now[1..].iter().all(Vec::is_empty), "only org-a opens it");
        {
            let mut all: Vec<&mut Org> = orgs.iter_mut().collect();
            run_duties(&mut chain, &mut all);
        }
        assert_eq!(
            holders(&chain),
            ["org-a", "org-b", "org-c", "org-d", "org-e"]
        );
        let reader = chain.ledger.state_reader().expect("reader");
        let (_, key_after, _) = unchain_vault::token_client::current_threshold_key(&reader)
            .expect("read")
            .expect("key");
        assert_eq!(
            key_after.public(),
            key_before.public(),
            "the same key, new shares"
        );
        let e = holder(&orgs[4]);
        assert!(
            e.share(&reader, 2).expect("read").is_some(),
            "the newcomer holds a share"
        );
        drop(reader);
        let view: Vec<&Org> = orgs.iter().collect();
        assert!(
            owed(&chain, &view).iter().all(Vec::is_empty),
            "nothing more to do"
        );
    }
}
