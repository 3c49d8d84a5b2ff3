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
        return Ok(Vec::new());
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
