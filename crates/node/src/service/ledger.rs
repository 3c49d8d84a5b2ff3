//! Reading the ledger for the front ends: where a transaction stands, blocks, the chain's
//! status, checkpoints and proof bundles.

use super::{Problem, Service};
use axum::http::StatusCode;
use std::time::Duration;
use unchain_client::views::*;
use unchain_ledger::BlockRecord;
use unchain_ledger::TxRecord;
use unchain_log::{NoteVerifier, SignedNote};
use unchain_types::{Code, Hash32, TxId};

/// The status of transaction `id`, waiting up to `wait` for it to leave the mempool:
/// `pending` if it is still waiting then, 404 if it is neither waiting nor in a block.
pub async fn wait_tx(state: &Service, id: &TxId, wait: Duration) -> Result<TxStatusView, Problem> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut heads = state.heads.clone();
    loop {
        heads.borrow_and_update();
        if let Some(record) = state.ledger.tx(id)? {
            return Ok(record_status(id, &record));
        }
        let pending = state.mempool.contains(id);
        if tokio::time::Instant::now() >= deadline
            || tokio::time::timeout_at(deadline, heads.changed())
                .await
                .is_err()
        {
            return if pending {
                Ok(TxStatusView {
                    id: id.to_string(),
                    status: "pending".into(),
                    height: None,
                    log_index: None,
                    reason: None,
                    code: None,
                })
            } else {
                Err(Problem::not_found(format!(
                    "transaction {id} is neither waiting nor in any block"
                )))
            };
        }
    }
}

/// A transaction's outcome as the API shows it.
pub fn record_status(id: &TxId, record: &TxRecord) -> TxStatusView {
    match record {
        TxRecord::Committed {
            height, log_index, ..
        } => TxStatusView {
            id: id.to_string(),
            status: "committed".into(),
            height: Some(*height),
            log_index: Some(*log_index),
            reason: None,
            code: None,
        },
        TxRecord::Rejected {
            height,
            reason,
            code,
            ..
        } => TxStatusView {
            id: id.to_string(),
            status: "rejected".into(),
            height: Some(*height),
            log_index: None,
            reason: Some(reason.clone()),
            code: *code,
        },
    }
}

/// The block at `height` (as typed), for a caller already known to be a member (the API
/// after authentication, the console for a signed-in user).
pub fn block_at(state: &Service, height: &str) -> Result<BlockView, Problem> {
    let height: u64 = height.parse().map_err(|_| {
        let mut p = Problem::bad_request(
            Code::BadRequest,
            format!("height {height:?} is not a non-negative integer"),
        );
        p.field = Some("height".into());
        p
    })?;
    let head = state.ledger.head()?;
    state.ledger.block(height)?.map(block_view).ok_or_else(|| {
        Problem::not_found(format!(
            "no block at height {height}; the latest is {}",
            head.height
        ))
    })
}

/// The latest cosigned checkpoint, once one covers leaf `index`: a leaf this node has just
/// committed waits (up to the API's longest wait) for the validators' cosignatures.
pub async fn checkpoint_covering(
    state: &Service,
    index: u64,
) -> Result<(String, unchain_log::Checkpoint), Problem> {
    let deadline = tokio::time::Instant::now() + state.max_wait;
    loop {
        if let Some(text) = state.ledger.latest_checkpoint()? {
            let note = SignedNote::parse(&text).map_err(|e| Problem::internal(e.to_string()))?;
            let cp = unchain_log::Checkpoint::parse_body(&note.body)
                .map_err(|e| Problem::internal(e.to_string()))?;
            if index < cp.size {
                return Ok((text, cp));
            }
        }
        let log_size = state.ledger.head()?.log_size;
        if index >= log_size {
            return Err(Problem::not_found(format!(
                "leaf {index} is not in the log yet (size {log_size})"
            )));
        }
        if tokio::time::Instant::now() >= deadline {
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::NotCosignedYet,
                "Not cosigned yet",
                format!(
                    "leaf {index} is committed but no checkpoint covering it has been cosigned \
                     by a quorum of validators yet; retry shortly"
                ),
            );
            p.retry_after = Some(1);
            return Err(p);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Builds the proof bundle of leaf `index` against the latest cosigned checkpoint.
pub async fn bundle(state: &Service, index: u64) -> Result<ProofBundle, Problem> {
    let (note_text, cp) = checkpoint_covering(state, index).await?;
    let leaf = state
        .ledger
        .leaf(index)?
        .ok_or_else(|| Problem::internal(format!("leaf {index} missing from storage")))?;
    let proof = state.ledger.inclusion_proof(index, cp.size)?;
    let genesis = state.ledger.genesis();
    Ok(ProofBundle {
        version: 1,
        chain_id: genesis.chain_id.clone(),
        log_origin: genesis.log_origin.clone(),
        leaf_index: index,
        tree_size: cp.size,
        leaf_hash: unchain_log::hash_leaf(&leaf).to_hex(),
        leaf: String::from_utf8(leaf).map_err(|_| Problem::internal("leaf is not UTF-8"))?,
        proof: proof.iter().map(Hash32::to_hex).collect(),
        epochs: state.ledger.epoch_links_for(&note_text)?,
        checkpoint: note_text,
        validators: validator_views(state),
    })
}

/// The chain at a glance, as this node sees it.
pub fn status_view(state: &Service) -> Result<StatusView, Problem> {
    let head = state.ledger.head()?;
    let (txs, bytes) = state.mempool.depth();
    let cosigned_log_size = cosigned_size(state);
    Ok(StatusView {
        chain_id: state.ledger.genesis().chain_id.clone(),
        genesis_hash: state.ledger.genesis_hash().to_hex(),
        height: head.height,
        timestamp_ms: head.timestamp_ms,
        log_size: head.log_size,
        log_root: head.log_root.to_hex(),
        state_root: head.state_root.to_hex(),
        mempool_txs: txs,
        mempool_bytes: bytes,
        validators: validator_views(state),
        node: state.node_name.clone(),
        cosigned_log_size,
        consensus: consensus_view(&(state.render_metrics)()),
        epoch: state.ledger.latest_epoch()?.0,
        votes: Vec::new(),
        snapshot_base: state.ledger.snapshot_base()?.map(|b| {
            unchain_client::views::SnapshotBaseView {
                height: b.height,
                log_size: b.log_size,
            }
        }),
    })
}

/// The validators whose cosignatures make the checkpoint note `note` the chain's: the set
/// of the epoch of its state line's block (genesis' for a note that does not parse, which
/// then fails verification anyway). What a node checks its own bundles against.
pub fn cosigners_of(state: &Service, note: &str) -> Result<Vec<NoteVerifier>, Problem> {
    let height = SignedNote::parse(note)
        .ok()
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body).ok())
        .and_then(|c| c.state)
        .map_or(0, |s| s.height);
    Ok(state.ledger.checkpoint_verifiers_at(height)?)
}

/// How many recent heights [`last_votes`] looks through.
const VOTE_WINDOW: u64 = 64;

/// Each validator of the current epoch with the newest of the last [`VOTE_WINDOW`] heights
/// whose finalization certificate (as this node's marshal verified and stored it) carries
/// its signature.
pub async fn last_votes(state: &Service) -> Result<Vec<ValidatorVote>, Problem> {
    let (epoch, validators) = state.ledger.latest_epoch()?;
    let keys: Vec<_> = validators.iter().map(|v| v.key).collect();
    let mut last: std::collections::BTreeMap<_, u64> = Default::default();
    let head = state.ledger.head()?.height;
    let first_of_epoch = epoch * state.ledger.epoch_length();
    // Only heights of this epoch: a certificate of another names another set's indices.
    let from = head.saturating_sub(VOTE_WINDOW).max(first_of_epoch).max(1);
    for h in (from..=head).rev() {
        if last.len() == keys.len() {
            break;
        }
        let Some(cert) = state.finalizations.get(h).await else {
            continue;
        };
        if let Ok(signers) =
            unchain_consensus::certificates::certificate_signers(&cert.bytes, &keys)
        {
            for s in signers {
                last.entry(s).or_insert(h);
            }
        }
    }
    Ok(validators
        .iter()
        .map(|v| ValidatorVote {
            name: v.name.clone(),
            key: v.key.to_hex(),
            last_signed: last.get(&v.key).copied(),
        })
        .collect())
}

/// Tree size of the latest quorum-cosigned checkpoint.
pub(crate) fn cosigned_size(state: &Service) -> Option<u64> {
    state
        .ledger
        .latest_checkpoint()
        .ok()
        .flatten()
        .and_then(|t| SignedNote::parse(&t).ok())
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body).ok())
        .map(|c| c.size)
}

/// Sum of the samples of metric `name` (any labels) in Prometheus text `text`.
fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let base = series.split('{').next()?;
            (base == name).then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

/// Consensus health from commonware's metrics of this node.
fn consensus_view(metrics: &str) -> ConsensusView {
    let voter = "validator_epochs_consensus_voter";
    let latency_sum = metric_sum(metrics, &format!("{voter}_finalization_latency_sum"));
    let latency_count = metric_sum(metrics, &format!("{voter}_finalization_latency_count"));
    let peers = metrics
        .lines()
        .filter(|l| l.starts_with("runtime_tasks_running{name=\"validator_network_spawner_peer\""))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>();
    ConsensusView {
        view: metric_sum(metrics, &format!("{voter}_state_current_view")) as u64,
        peers: peers as u64,
        timeouts: metric_sum(metrics, &format!("{voter}_state_timeouts_total")) as u64,
        nullifications: metric_sum(metrics, &format!("{voter}_state_nullifications_total")) as u64,
        finalization_latency_ms: if latency_count > 0.0 {
            1e3 * latency_sum / latency_count
        } else {
            0.0
        },
    }
}

/// The validators of the current epoch (those of genesis if the ledger cannot be read).
pub(crate) fn validator_views(state: &Service) -> Vec<ValidatorKey> {
    match state.ledger.latest_epoch() {
        Ok((_, set)) => set
            .iter()
            .map(|v| ValidatorKey {
                name: v.name.clone(),
                key: v.key.to_hex(),
            })
            .collect(),
        Err(_) => state
            .validators
            .iter()
            .map(|v| ValidatorKey {
                name: v.name.clone(),
                key: v.key.to_hex(),
            })
            .collect(),
    }
}

/// A block's record as the API shows it.
pub fn block_view(r: BlockRecord) -> BlockView {
    BlockView {
        height: r.block.height,
        digest: r.digest.to_hex(),
        parent: r.block.parent.to_hex(),
        timestamp_ms: r.block.timestamp_ms,
        proposer: r.block.proposer.to_hex(),
        attested_state_root: r.block.attested_state_root.to_hex(),
        attested_log_size: r.block.attested_log_size,
        attested_log_root: r.block.attested_log_root.to_hex(),
        state_root: r.state_root.to_hex(),
        log_size: r.log_size,
        log_root: r.log_root.to_hex(),
        committed: r.committed.iter().map(|i| i.to_string()).collect(),
        rejected: r
            .rejected
            .iter()
            .map(|(i, reason)| RejectedView {
                id: i.to_string(),
                reason: reason.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consensus_health_is_read_from_the_engine_metrics() {
        let text = "\
# HELP validator_epochs_consensus_voter_state_current_view view
validator_epochs_consensus_voter_state_current_view{epoch=\"3\"} 812
validator_epochs_consensus_voter_state_timeouts_total{epoch=\"3\"} 3
validator_epochs_consensus_voter_state_nullifications_total{epoch=\"3\",kind=\"a\"} 2
validator_epochs_consensus_voter_state_nullifications_total{epoch=\"3\",kind=\"b\"} 5
validator_epochs_consensus_voter_finalization_latency_sum{epoch=\"3\"} 1.5
validator_epochs_consensus_voter_finalization_latency_count{epoch=\"3\"} 10
runtime_tasks_running{name=\"validator_network_spawner_peer\",kind=\"Task\",execution=\"Shared\"} 3
runtime_tasks_running{name=\"validator_network_spawner_peer_sender\",kind=\"Task\",execution=\"Shared\"} 3
";
        let v = consensus_view(text);
        assert_eq!(
            (v.view, v.peers, v.timeouts, v.nullifications),
            (812, 3, 3, 7)
        );
        assert!((v.finalization_latency_ms - 150.0).abs() < 1e-9);
        assert_eq!(consensus_view("").view, 0);
    }
}
