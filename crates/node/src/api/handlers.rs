//! Route handlers.

use super::problem::Problem;
use super::views::*;
use super::{ApiState, MAX_BATCH};
use crate::service::ledger::{
    block_at, block_view, bundle, cosigned_size, record_status, status_view, wait_tx,
};
use crate::service::submit_problem;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Duration;
use unchain_consensus::mempool::{Admission, SubmitError};
use unchain_ledger::TxRecord;
use unchain_types::Code;
use unchain_types::{Hash32, MAX_TX_BYTES, Transaction, TxError, TxId};

/// The body, or a problem: 413 naming this endpoint's `limit`, or why it could not be read.
fn body_or_problem(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, Problem> {
    body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                status,
                Code::TooLarge,
                "request body too large",
                format!("the request body is too large: the limit is {limit} bytes here"),
            )
        } else {
            Problem::new(
                status,
                Code::UnreadableBody,
                "request body not read",
                format!("could not read the request body: {e}"),
            )
        }
    })
}

fn parse_checked(bytes: &[u8]) -> Result<Transaction, Problem> {
    if bytes.len() > MAX_TX_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::TooLarge,
            "transaction too large",
            TxError::TooLarge {
                size: bytes.len(),
                limit: MAX_TX_BYTES,
            }
            .to_string(),
        ));
    }
    Transaction::parse(bytes)
        .map_err(|e| Problem::bad_request(Code::MalformedTransaction, e.to_string()))
}

/// Leaf contents, blocks and inclusion proofs are for members; checkpoints and
/// consistency proofs are public (DESIGN decision 3, "who reads what"). An outsider — a
/// court, a reporter, a border post — receives the bundles a member hands over.
fn members_only(
    state: &ApiState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), Problem> {
    super::vault::authenticate(state, method, uri, headers, b"").map(|_| ())
}

/// Submit one signed transaction.
#[utoipa::path(post, path = "/v1/transactions", request_body(content = Object, description = "a signed transaction (see the transaction format in ARCHITECTURE.md)"),
    responses((status = 202, body = SubmitResponse, description = "accepted; poll its status"),
              (status = 200, body = SubmitResponse, description = "already in a block"),
              (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 429, body = Problem, description = "mempool full; see Retry-After")))]
pub async fn submit(
    State(state): State<ApiState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let bytes = body_or_problem(body, MAX_TX_BYTES)?;
    let tx = parse_checked(&bytes).inspect_err(|_| {
        state.metrics.tx_refused.inc();
    })?;
    tx.verify_signature().map_err(|e| {
        state.metrics.tx_refused.inc();
        Problem::bad_request(Code::BadSignature, e.to_string())
    })?;
    if let Some(record) = state.ledger.tx(&tx.id())? {
        let view = record_status(&tx.id(), &record);
        return Ok((
            StatusCode::OK,
            Json(SubmitResponse {
                id: view.id,
                status: view.status,
            }),
        )
            .into_response());
    }
    let id = tx.id();
    match state.mempool.submit(&state.ledger, tx) {
        Ok(admission) => {
            if admission == Admission::Admitted {
                state.metrics.tx_admitted.inc();
            }
            Ok((
                StatusCode::ACCEPTED,
                Json(SubmitResponse {
                    id: id.to_string(),
                    status: "pending".into(),
                }),
            )
                .into_response())
        }
        Err(e) => Err(submit_problem(&state, e)),
    }
}

/// Submit up to 5 000 signed transactions at once; signatures are verified as a batch.
#[utoipa::path(post, path = "/v1/transactions/batch", request_body(content = Vec<Object>, description = "an array of signed transactions"),
    responses((status = 200, body = Vec<BatchItem>, description = "one result per transaction, in order"),
              (status = 400, body = Problem), (status = 413, body = Problem), (status = 429, body = Problem)))]
pub async fn submit_batch(
    State(state): State<ApiState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<BatchItem>>, Problem> {
    let bytes = body_or_problem(body, super::MAX_BATCH_BYTES)?;
    // Each item becomes a transaction as soon as it is read (never the whole array as JSON
    // values at once), and the count is checked while reading.
    let mut results: Vec<BatchItem> = Vec::new();
    let mut parsed: Vec<(usize, Transaction)> = Vec::new();
    unchain_types::ijson::each_array_item(&bytes, MAX_BATCH, |index, value| {
        match Transaction::from_value(value) {
            Ok(tx) if tx.wire_bytes().len() <= MAX_TX_BYTES => parsed.push((index, tx)),
            Ok(tx) => results.push(refused(
                index,
                Some(tx.id()),
                Code::TooLarge,
                TxError::TooLarge {
                    size: tx.wire_bytes().len(),
                    limit: MAX_TX_BYTES,
                }
                .to_string(),
            )),
            Err(e) => results.push(refused(index, None, e.code(), e.to_string())),
        }
    })
    .map_err(|e| {
        let slug = match e {
            unchain_types::ijson::ArrayError::TooMany { .. } => Code::BatchTooLarge,
            unchain_types::ijson::ArrayError::Json(_) => Code::UnreadableBody,
        };
        Problem::bad_request(
            slug,
            format!("body must be a JSON array of at most {MAX_BATCH} transactions: {e}"),
        )
    })?;
    // One batch verification; on failure, find the culprits one by one (ZIP-215 makes the
    // answers agree).
    let batch_ok = unchain_types::keys::verify_batch(
        parsed
            .iter()
            .map(|(_, t)| (t.sender(), t.signature(), t.signing_bytes())),
    );
    let mut full: Option<SubmitError> = None;
    let mut admitted_any = false;
    for (index, tx) in parsed {
        if !batch_ok && let Err(e) = tx.verify_signature() {
            results.push(refused(index, Some(tx.id()), e.code(), e.to_string()));
            continue;
        }
        let id = tx.id();
        // A transaction already in a block gets the answer the single endpoint gives:
        // where it stands, with its id (a replay of the same bytes is not a new attempt).
        if let Some(record) = state.ledger.tx(&id)? {
            let view = record_status(&id, &record);
            results.push(BatchItem {
                index,
                id: Some(view.id),
                status: view.status,
                error: view.reason,
                code: view.code,
            });
            continue;
        }
        if full.is_some() {
            results.push(refused(
                index,
                Some(id),
                Code::MempoolFull,
                "mempool full; resubmit after a short wait".into(),
            ));
            continue;
        }
        match state.mempool.submit(&state.ledger, tx) {
            Ok(admission) => {
                admitted_any = true;
                if admission == Admission::Admitted {
                    state.metrics.tx_admitted.inc();
                }
                results.push(BatchItem {
                    index,
                    id: Some(id.to_string()),
                    status: "pending".into(),
                    error: None,
                    code: None,
                });
            }
            Err(e @ SubmitError::Full { .. }) => {
                results.push(refused(index, Some(id), Code::MempoolFull, e.to_string()));
                full = Some(e);
            }
            Err(e) => {
                let p = submit_problem(&state, e);
                results.push(refused(index, Some(id), p.code, p.detail));
            }
        }
    }
    // Nothing taken because the pool is full: the whole request is backpressure.
    if let Some(e) = full
        && !admitted_any
    {
        return Err(submit_problem(&state, e));
    }
    results.sort_by_key(|r| r.index);
    Ok(Json(results))
}

fn refused(index: usize, id: Option<TxId>, code: Code, error: String) -> BatchItem {
    BatchItem {
        index,
        id: id.map(|i| i.to_string()),
        status: "refused".into(),
        error: Some(error),
        code: Some(code),
    }
}

/// Query of the status endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WaitQuery {
    /// Wait up to this many milliseconds for the transaction to reach a block.
    pub wait_ms: Option<u64>,
}

fn parse_id(s: &str) -> Result<TxId, Problem> {
    TxId::from_hex(s).map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("transaction id {s:?}: {e}"));
        p.field = Some("id".into());
        p
    })
}

/// Where a transaction stands; with `wait_ms`, waits until it reaches a block.
#[utoipa::path(get, path = "/v1/transactions/{id}", params(("id" = String, Path, description = "transaction id, hex"), WaitQuery),
    responses((status = 200, body = TxStatusView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn tx_status(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(q): Query<WaitQuery>,
) -> Result<Json<TxStatusView>, Problem> {
    let id = parse_id(&id)?;
    let wait = Duration::from_millis(q.wait_ms.unwrap_or(0)).min(state.max_wait);
    wait_tx(&state, &id, wait).await.map(Json)
}

/// The certificate that finalized the block at `height`: public, like checkpoints (it
/// carries a block digest and the validators' signatures, nothing of the block), so that
/// anyone holding the genesis can check a block's finality without trusting this node
/// (`unchain verify block`). 404 for a height not finalized yet, or one this node holds no
/// certificate of (an ancestor finalized through a later block's certificate).
#[utoipa::path(get, path = "/v1/blocks/{height}/certificate", params(("height" = u64, Path)),
    responses((status = 200, body = CertificateView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn certificate(
    State(state): State<ApiState>,
    Path(height): Path<u64>,
) -> Result<Json<CertificateView>, Problem> {
    let head = state.ledger.head()?.height;
    if height == 0 || height > head {
        return Err(Problem::not_found(format!(
            "no finalized block at height {height} (this node is at {head}; genesis has no \
             certificate)"
        )));
    }
    let found = state.finalizations.get(height).await.ok_or_else(|| {
        Problem::not_found(format!(
            "this node holds no certificate for height {height}: it was finalized through a \
             later block's certificate; ask for a later height, or another node"
        ))
    })?;
    let epoch = state.ledger.epoch_of(height);
    let validators = state
        .ledger
        .validator_set(epoch)?
        .ok_or_else(|| Problem::internal(format!("epoch {epoch}'s validators are not recorded")))?
        .into_iter()
        .map(|v| ValidatorKey {
            name: v.name,
            key: v.key.to_hex(),
        })
        .collect();
    Ok(Json(CertificateView {
        height,
        digest: found.digest.to_hex(),
        certificate: hex::encode(found.bytes),
        epoch,
        validators,
    }))
}

/// A block by height (members only).
#[utoipa::path(get, path = "/v1/blocks/{height}", params(("height" = u64, Path)),
    responses((status = 200, body = BlockView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn block(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(height): Path<String>,
) -> Result<Json<BlockView>, Problem> {
    members_only(&state, &method, &uri, &headers)?;
    block_at(&state, &height).map(Json)
}

/// The latest applied block (members only).
#[utoipa::path(get, path = "/v1/blocks/latest", responses((status = 200, body = BlockView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn latest_block(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<BlockView>, Problem> {
    members_only(&state, &method, &uri, &headers)?;
    let head = state.ledger.head()?;
    state
        .ledger
        .block(head.height)?
        .map(|r| Json(block_view(r)))
        .ok_or_else(|| Problem::not_found("no block has been applied yet"))
}

/// The latest checkpoint cosigned by more than two thirds of the validators, as a C2SP
/// signed note (text/plain).
#[utoipa::path(get, path = "/v1/checkpoint", responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = Problem)))]
pub async fn checkpoint(State(state): State<ApiState>) -> Result<Response, Problem> {
    let note = state.ledger.latest_checkpoint()?.ok_or_else(|| {
        Problem::not_found("no checkpoint has been cosigned by a quorum of validators yet")
    })?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

/// Query of the inclusion-proof endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InclusionQuery {
    /// Transaction id (hex).
    pub tx: Option<String>,
    /// Or a leaf index.
    pub index: Option<u64>,
}

/// Inclusion proof of a transaction (by id or leaf index) against the latest checkpoint,
/// with the leaf (members only).
#[utoipa::path(get, path = "/v1/proofs/inclusion", params(InclusionQuery),
    responses((status = 200, body = ProofBundle), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn inclusion(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<ProofBundle>, Problem> {
    members_only(&state, &method, &uri, &headers)?;
    let index = match (q.tx, q.index) {
        (Some(id), None) => {
            let id = parse_id(&id)?;
            match state.ledger.tx(&id)? {
                Some(TxRecord::Committed { log_index, .. }) => log_index,
                Some(TxRecord::Rejected { reason, .. }) => {
                    return Err(Problem::not_found(format!(
                        "transaction {id} was rejected ({reason}); it is not in the log"
                    )));
                }
                None => {
                    return Err(Problem::not_found(format!(
                        "transaction {id} is not committed"
                    )));
                }
            }
        }
        (None, Some(i)) => i,
        _ => {
            return Err(Problem::bad_request(
                Code::BadRequest,
                "give exactly one of `tx` (a transaction id) or `index` (a leaf index)",
            ));
        }
    };
    Ok(Json(bundle(&state, index).await?))
}

/// Query of the consistency-proof endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConsistencyQuery {
    /// Older tree size.
    pub old: u64,
    /// Newer tree size (default: current).
    pub new: Option<u64>,
}

/// Consistency proof between two tree sizes.
#[utoipa::path(get, path = "/v1/proofs/consistency", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyView), (status = 400, body = Problem)))]
pub async fn consistency(
    State(state): State<ApiState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyView>, Problem> {
    let head = state.ledger.head()?;
    let new = q.new.unwrap_or(head.log_size);
    if q.old > new || new > head.log_size {
        return Err(Problem::bad_request(
            Code::BadRequest,
            format!(
                "need old ≤ new ≤ {} (the log's size); got old={} new={new}",
                head.log_size, q.old
            ),
        ));
    }
    let proof = state.ledger.consistency_proof(q.old, new)?;
    Ok(Json(ConsistencyView {
        old_size: q.old,
        new_size: new,
        old_root: state.ledger.log_root_at(q.old)?.to_hex(),
        new_root: state.ledger.log_root_at(new)?.to_hex(),
        proof: proof.iter().map(Hash32::to_hex).collect(),
    }))
}

/// Current members of the consortium.
#[utoipa::path(get, path = "/v1/members", responses((status = 200, body = Vec<Object>)))]
pub async fn members(State(state): State<ApiState>) -> Result<Json<serde_json::Value>, Problem> {
    Ok(Json(
        serde_json::to_value(state.ledger.members()?)
            .map_err(|e| Problem::internal(e.to_string()))?,
    ))
}

/// The current validators' checkpoint keys, one per line, in the C2SP signed-note
/// verifier-key form (`name+hash+base64`) that note tools (Go's
/// `golang.org/x/mod/sumdb/note`, witnesses, monitors) take as they are.
#[utoipa::path(get, path = "/v1/vkeys", responses((status = 200, description = "one verifier key per line", content_type = "text/plain")))]
pub async fn vkeys(State(state): State<ApiState>) -> Result<Response, Problem> {
    let lines: String = state
        .ledger
        .members()?
        .into_iter()
        .filter(|m| m.validator)
        .map(|m| {
            let key = unchain_log::NamedKey {
                name: m.name,
                key: m.signing_key,
            };
            format!("{}\n", key.verifier().to_vkey())
        })
        .collect();
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lines).into_response())
}

/// A member's account by signing key: the nonce to use next.
#[utoipa::path(get, path = "/v1/accounts/{key}", params(("key" = String, Path, description = "Ed25519 public key, hex")),
    responses((status = 200, body = AccountView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn account(
    State(state): State<ApiState>,
    Path(key): Path<String>,
) -> Result<Json<AccountView>, Problem> {
    let pk = unchain_types::PublicKey::from_hex(&key).map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("key {key:?}: {e}"));
        p.field = Some("key".into());
        p
    })?;
    let (member, next) = state.ledger.sender_and_next_nonce(&pk)?.ok_or_else(|| {
        Problem::not_found(format!("key {pk} is not a member of this consortium"))
    })?;
    let pending = state
        .mempool
        .pending_next_nonce(&pk)
        .unwrap_or(next)
        .max(next);
    Ok(Json(AccountView {
        name: member.name,
        key: pk.to_hex(),
        committed_next_nonce: next,
        next_nonce: pending,
    }))
}

/// Every anchoring of a document hash, each with its inclusion proof (members only).
#[utoipa::path(get, path = "/v1/notary/{hash}", params(("hash" = String, Path, description = "SHA-256 of the document, hex")),
    responses((status = 200, body = NotaryView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn notary_lookup(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(hash): Path<String>,
) -> Result<Json<NotaryView>, Problem> {
    members_only(&state, &method, &uri, &headers)?;
    let h = Hash32::from_hex(&hash).map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("hash {hash:?}: {e}"));
        p.field = Some("hash".into());
        p
    })?;
    let reader = state.ledger.state_reader()?;
    let anchors =
        unchain_notary::anchors(&reader, &h).map_err(|e| Problem::internal(e.to_string()))?;
    if anchors.is_empty() {
        return Err(Problem::not_found(format!(
            "no document with hash {h} has been anchored"
        )));
    }
    let mut out = Vec::with_capacity(anchors.len());
    for a in anchors {
        let proof = bundle(&state, a.log_index).await?;
        out.push(AnchorView {
            anchor: serde_json::to_value(&a).map_err(|e| Problem::internal(e.to_string()))?,
            proof,
        });
    }
    Ok(Json(NotaryView {
        hash: h.to_hex(),
        anchors: out,
    }))
}

/// The node's view of the chain.
#[utoipa::path(get, path = "/v1/status", responses((status = 200, body = StatusView)))]
pub async fn status(State(state): State<ApiState>) -> Result<Json<StatusView>, Problem> {
    let mut view = status_view(&state)?;
    view.votes = crate::service::ledger::last_votes(&state).await?;
    Ok(Json(view))
}

/// Liveness: the node is up and its ledger readable.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = String), (status = 500, body = Problem)))]
pub async fn healthz(State(state): State<ApiState>) -> Result<&'static str, Problem> {
    state.ledger.head()?;
    Ok("ok")
}

/// The node's metrics: OpenMetrics 1.0 to a scraper whose `Accept` asks for it (as
/// Prometheus does), else the Prometheus text format 0.0.4 ([`super::exposition`]).
pub async fn metrics(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let (txs, _) = state.mempool.depth();
    state.metrics.mempool_depth.set(txs as i64);
    if let Some(size) = cosigned_size(&state) {
        state.metrics.cosigned_log_size.set(size as i64);
    }
    let rendered = (state.render_metrics)();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, body) = if super::exposition::wants_openmetrics(accept) {
        (super::exposition::OPENMETRICS, rendered)
    } else {
        (
            super::exposition::PROMETHEUS_TEXT,
            super::exposition::to_prometheus_text(&rendered),
        )
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::VARY, "Accept"),
        ],
        body,
    )
        .into_response()
}
