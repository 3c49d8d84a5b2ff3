//! Retention: when a record's retention period ends, its owner's node submits the
//! `vault.erase` (reason `retention_expired`) that makes every node delete it; when a
//! tip's ends, its intake's node submits the `tips.erase`. If that node is gone, any
//! member's node (with the tips role, for a tip) submits it once a day has passed.
//!
//! Expiry is judged by block time, the clock the ledger checks the erasure against.

use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};
use unchain_consensus::mempool::Mempool;
use unchain_ledger::Ledger;
use unchain_types::SigningKey;

/// How long after expiry a node that is not the owner steps in.
const GRACE_MS: u64 = 86_400_000;
/// Most erasures one round submits.
const PER_ROUND: usize = 100;

/// One erasure whose time has come.
struct Due {
    kind: &'static str,
    body: serde_json::Value,
    what: String,
    owner: String,
    expires_ms: u64,
}

/// The vault records and tips whose retention ended by `now_ms`, earliest first.
fn due(reader: &unchain_ledger::StateReader, now_ms: u64) -> Result<Vec<Due>, redb::StorageError> {
    let records = unchain_vault::state::due_for_erasure(reader, now_ms)?
        .into_iter()
        .map(|d| Due {
            kind: "vault.erase",
            body: serde_json::json!({"record": d.record, "reason": "retention_expired"}),
            what: format!("record {}", d.record),
            owner: d.owner,
            expires_ms: d.expires_ms,
        });
    let tips = unchain_tips::holdings::due_for_erasure(reader, now_ms)?
        .into_iter()
        .map(|d| Due {
            kind: "tips.erase",
            body: serde_json::json!({"tip": d.tip, "reason": "retention_expired"}),
            what: format!("tip {}", d.tip),
            owner: d.intake,
            expires_ms: d.expires_ms,
        });
    let mut all: Vec<Due> = records.chain(tips).collect();
    all.sort_by_key(|d| d.expires_ms);
    Ok(all)
}

/// Submits the erasures due now — vault records and tips — and returns how many were
/// admitted.
pub fn submit_due(ledger: &Ledger, mempool: &Mempool, member: &str, key: &SigningKey) -> usize {
    let result = (|| -> Result<usize, Box<dyn std::error::Error>> {
        let head = ledger.head()?;
        let reader = ledger.state_reader()?;
        let Some((me, _)) = ledger.sender_and_next_nonce(&key.public_key())? else {
            return Ok(0);
        };
        let mut admitted = 0;
        for d in due(&reader, head.timestamp_ms)?.into_iter().filter(|d| {
            d.owner == member || d.expires_ms.saturating_add(GRACE_MS) <= head.timestamp_ms
        }) {
            if admitted >= PER_ROUND {
                break;
            }
            // Another member steps in only with the role the kind needs.
            if d.kind == "tips.erase" && !me.roles.contains(&unchain_ledger::Role::Tips) {
                continue;
            }
            match crate::own_tx::submit(ledger, mempool, key, d.kind, d.body) {
                Ok(_) => {
                    admitted += 1;
                    info!(what = %d.what, owner = %d.owner, "retention ended: erasure submitted");
                }
                Err(e) => {
                    warn!(what = %d.what, error = %e, "retention ended but the erasure was not admitted")
                }
            }
        }
        Ok(admitted)
    })();
    result.unwrap_or_else(|e| {
        warn!(error = %e, "retention check failed");
        0
    })
}

/// Checks every `every` for records whose retention ended.
pub async fn run(
    ledger: Arc<Ledger>,
    mempool: Arc<Mempool>,
    member: String,
    key: SigningKey,
    every: Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        submit_due(&ledger, &mempool, &member, &key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unchain_consensus::mempool::MempoolConfig;
    use unchain_ledger::{Genesis, Member, Role};
    use unchain_types::{EncryptionSecretKey, Hash32, UnsignedTransaction};

    fn apply(
        ledger: &Ledger,
        time_ms: u64,
        txs: &[&unchain_types::Transaction],
    ) -> unchain_ledger::BlockRecord {
        let block = ledger.head().expect("head").next_block(
            time_ms,
            SigningKey::from_seed([1; 32]).public_key(),
            txs,
        );
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        ledger
            .apply_block_with(&block, digest, &|_| None, &unchain_ledger::sidecars_of(txs))
            .expect("apply")
            .record
    }

    #[test]
    fn the_owner_node_submits_the_erasure_when_retention_ends() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = SigningKey::from_seed([1; 32]);
        let genesis = Genesis {
            chain_id: "r".into(),
            log_origin: "r".into(),
            genesis_time_ms: 0,
            matching_key: None,
            epoch_length: None,
            members: vec![Member {
                name: "owner".into(),
                display_name: "Owner".into(),
                jurisdiction: "TH".into(),
                sector: None,
                roles: [Role::Governance, Role::Records].into_iter().collect(),
                signing_key: key.public_key(),
                encryption_key: EncryptionSecretKey::generate(&mut rand::thread_rng()).public_key(),
                validator: true,
            }],
        };
        let vault: Arc<dyn unchain_ledger::AnyModule> =
            Arc::new(unchain_vault::VaultModule::new(&genesis));
        let ledger =
            Ledger::open(&dir.path().join("l.redb"), genesis, vec![vault], None).expect("ledger");
        let seal = UnsignedTransaction {
            chain_id: "r".into(),
            sender: key.public_key(),
            nonce: 1,
            kind: "vault.seal".into(),
            body: serde_json::json!({
                "record": Hash32([3; 32]), "version": 1, "schema": "case.note",
                "commitment": Hash32([4; 32]), "size": 100,
                "recipients": {"owner": "ab".repeat(80)},
                "policy": {"retention_days": 1, "consent_required": false},
            }),
        }
        .sign(&key)
        .expect("sign");
        assert!(apply(&ledger, 1_000, &[&seal]).rejected.is_empty());
        let pool = Mempool::new(MempoolConfig::default());
        assert_eq!(submit_due(&ledger, &pool, "owner", &key), 0, "not yet due");
        apply(&ledger, 1_000 + 86_400_000, &[]);
        assert_eq!(
            submit_due(&ledger, &pool, "someone-else", &key),
            0,
            "others wait a day"
        );
        assert_eq!(submit_due(&ledger, &pool, "owner", &key), 1);
        let erase = pool.take_for_proposal(10, 1 << 20, &|_| false);
        let record = apply(&ledger, 2_000 + 86_400_000, &[&erase[0]]);
        assert!(record.rejected.is_empty(), "{:?}", record.rejected);
        let reader = ledger.state_reader().expect("reader");
        assert!(
            unchain_vault::state::due_for_erasure(&reader, u64::MAX)
                .expect("due")
                .is_empty()
        );
    }

    #[test]
    fn the_intake_erases_a_tip_when_its_retention_ends_and_others_step_in_a_day_later() {
        use unchain_testkit::{Chain, Org};
        let dir = tempfile::tempdir().expect("tmp");
        let chain_id = "r-tips";
        let mut ngo = Org::new(chain_id, 1, "ngo", &[Role::Governance, Role::Tips]);
        let police = Org::new(chain_id, 2, "police", &[Role::Tips]);
        let customs = Org::new(chain_id, 3, "customs", &[Role::Records]);
        let mut chain = Chain::new(dir.path(), &[&ngo, &police, &customs], |_| {
            vec![Arc::new(unchain_tips::TipsModule)]
        });
        let new = unchain_tips::client::new_tip(
            chain_id,
            ("ngo", &ngo.enc.public_key()),
            "report",
            &serde_json::json!({"type": "report"}),
            &[],
            chain.time_ms + 1000,
        );
        let mut body = new.body.clone();
        body["retention_days"] = 1.into();
        chain.ok(&ngo.tx("tips.receive", body));
        let pool = |chain: &Chain, org: &Org, name: &str| {
            let pool = Mempool::new(MempoolConfig::default());
            let n = submit_due(&chain.ledger, &pool, name, &org.key);
            (n, pool.take_for_proposal(10, 1 << 20, &|_| false))
        };
        assert_eq!(pool(&chain, &ngo, "ngo").0, 0, "not yet due");
        chain.time_ms += 86_400_000;
        chain.apply(&[]);
        assert_eq!(pool(&chain, &police, "police").0, 0, "others wait a day");
        let (n, txs) = pool(&chain, &ngo, "ngo");
        assert_eq!(n, 1);
        assert_eq!(txs[0].kind(), "tips.erase");
        assert_eq!(txs[0].body()["tip"], new.tip);
        chain.time_ms += 86_400_000;
        chain.apply(&[]);
        assert_eq!(
            pool(&chain, &customs, "customs").0,
            0,
            "a member without the tips role cannot"
        );
        let (n, txs) = pool(&chain, &police, "police");
        assert_eq!(n, 1, "a day after expiry another member steps in");
        assert_eq!(chain.apply(&[&txs[0]]), [None]);
        let reader = chain.ledger.state_reader().expect("reader");
        let tip = unchain_tips::tip(&reader, &new.tip)
            .expect("read")
            .expect("tip");
        assert_eq!(tip.tip.status, "erased");
        assert_eq!(pool(&chain, &ngo, "ngo").0, 0, "nothing left to erase");
    }
}
