//! `/v1/vault/token-key` and `/v1/vault/token-evaluations`: the threshold token key as
//! members see it, and this node's member answering blind evaluations with its share.
//!
//! A member answers only signed requests from members, and only as many per UTC day as
//! the requester announced on the ledger that day (`vault.token_evaluations`): so every
//! evaluation anyone obtains is counted on the ledger, per requester and day, for every
//! member to see. The node never sees what is evaluated — each request is a blinded
//! group element — and logs only who asked and how many.

use super::vault::authenticate;
use super::{ApiState, Problem};
use crate::service::tokens::{EvaluationAnswer, MAX_REQUESTS, Relayed};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, Uri};
use serde::Deserialize;
use unchain_tokens::Request;
use unchain_types::Code;
use unchain_vault::token_client::current_threshold_key;
use unchain_vault::token_key;

fn request_problem(field: String, detail: String) -> Problem {
    let mut p = Problem::bad_request(Code::BadRequest, format!("{field}: {detail}"));
    p.field = Some(field);
    p
}

/// The current threshold token key, for a sealing organisation to check answers: the
/// epoch, the group key (hex), how many answers it takes, and each key holder with its
/// share index.
#[utoipa::path(get, path = "/v1/vault/token-key",
    responses((status = 200, description = "{epoch, group_key, threshold, holders: [{member, index}]}"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn token_key(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let current = current_threshold_key(&reader).map_err(|e| Problem::internal(e.to_string()))?;
    let Some((epoch, key, holders)) = current else {
        return Err(Problem::not_found(
            "this chain has no threshold token key yet: tokens use the shared matching key (GET /v1/vault/matching-key) until a key round finishes",
        ));
    };
    let holders: Vec<serde_json::Value> = holders
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({"member": m, "index": i}))
        .collect();
    Ok(Json(serde_json::json!({
        "epoch": epoch,
        "group_key": unchain_tokens::group_key_to_hex(&key),
        "threshold": key.required::<commonware_utils::N3f1>(),
        "holders": holders,
    })))
}

/// The latest token-key round and how far it got: its players and dealers, who has dealt,
/// acknowledged and logged, and the epoch it installed once finished.
#[utoipa::path(get, path = "/v1/vault/token-key/round",
    responses((status = 200, description = "{round, players, dealers, opened_by, opened_height, finished, dealt, acknowledged: {dealer: [player]}, logged}"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn round(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let internal = |e: redb::StorageError| Problem::internal(e.to_string());
    let r = token_key::latest_round(&reader)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found("no token-key round was ever opened on this chain"))?;
    let m = token_key::messages(&reader, r.round).map_err(internal)?;
    let names = |list: &[(String, String)]| -> Vec<String> {
        list.iter().map(|(n, _)| n.clone()).collect()
    };
    let acknowledged: std::collections::BTreeMap<&String, Vec<&String>> = m
        .acks
        .iter()
        .map(|(d, a)| (d, a.keys().collect()))
        .collect();
    Ok(Json(serde_json::json!({
        "round": r.round,
        "reshare": r.reshare,
        "players": names(&r.players),
        "dealers": names(&r.dealers),
        "opened_by": r.opened_by,
        "opened_height": r.opened_height,
        "finished": r.finished,
        "dealt": m.deals.keys().collect::<Vec<_>>(),
        "acknowledged": acknowledged,
        "logged": m.logs.keys().collect::<Vec<_>>(),
    })))
}

/// Every organisation's announced blind evaluations per UTC day, oldest first: who asks
/// the token key's holders how much, for every member to see.
#[utoipa::path(get, path = "/v1/vault/token-evaluations",
    responses((status = 200, description = "[{member, day, date, count}], day = days since 1970-01-01 (UTC)"), (status = 401, body = Problem)))]
pub async fn counts(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<serde_json::Value>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let counts =
        token_key::evaluation_counts(&reader).map_err(|e| Problem::internal(e.to_string()))?;
    Ok(Json(
        counts
            .into_iter()
            .map(|(member, day, count)| {
                let date = unchain_types::date::date_of_ms(day.saturating_mul(86_400_000));
                serde_json::json!({"member": member, "day": day, "date": date, "count": count})
            })
            .collect(),
    ))
}

/// A blind evaluation request: the epoch and the blinded points.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    /// The current matching epoch.
    pub epoch: u32,
    /// Blinded G1 points, 48 bytes each as hex (1 to 32).
    pub requests: Vec<String>,
}

/// Answers blind evaluation requests with this member's share of the token key, up to what
/// the requester announced on the ledger today.
#[utoipa::path(post, path = "/v1/vault/token-evaluations", request_body = EvaluationRequest,
    responses((status = 200, body = EvaluationAnswer), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 429, body = Problem)))]
pub async fn evaluations(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EvaluationAnswer>, Problem> {
    let (member, req): (_, EvaluationRequest) = signed_json(&state, &method, &uri, &headers, body)?;
    let points = parse_points(&req.requests)?;
    // The requester's node waited for its announcement to commit; this node may apply
    // that block a moment later, so an answer over the count waits a few blocks first.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut heads = state.heads.clone();
    loop {
        heads.borrow_and_update();
        match state
            .evaluator
            .answer(&state.svc, &member.name, req.epoch, &points)
        {
            Err(p) if p.code == Code::LimitReached && tokio::time::Instant::now() < deadline => {
                if tokio::time::timeout_at(deadline, heads.changed())
                    .await
                    .is_err()
                {
                    return Err(p);
                }
            }
            other => return other.map(Json),
        }
    }
}

/// This node's own organisation's blinded requests, carried to the token key's holders:
/// announced on the ledger first (`vault.token_evaluations`), then answered by this node
/// (if it holds a share) and by every holder whose node URL the config names. The caller
/// checks each answer against the group key and combines them (`unchain_tokens::finish`).
#[utoipa::path(post, path = "/v1/vault/tokens", request_body = RelayRequest,
    responses((status = 200, body = Relayed), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn relay(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Relayed>, Problem> {
    let (member, req): (_, RelayRequest) = signed_json(&state, &method, &uri, &headers, body)?;
    if member.name != state.node_name {
        return Err(super::vault::forbidden(format!(
            "only {} relays through this node; {} relays through its own node",
            state.node_name, member.name
        )));
    }
    let points = parse_points(&req.requests)?;
    Ok(Json(
        crate::service::tokens::relay(&state.svc, &points).await?,
    ))
}

/// Blinded requests to carry to the key holders.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayRequest {
    /// Blinded G1 points, 48 bytes each as hex (1 to 32).
    pub requests: Vec<String>,
}

/// The member that signed a request, and its JSON body.
fn signed_json<T: serde::de::DeserializeOwned>(
    state: &ApiState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(unchain_ledger::Member, T), Problem> {
    let body = body.map_err(|e| Problem::bad_request(Code::UnreadableBody, e.body_text()))?;
    let member = authenticate(state, method, uri, headers, &body)?;
    let parsed = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(Code::UnreadableBody, format!("body: {e}")))?;
    Ok((member, parsed))
}

fn parse_points(requests: &[String]) -> Result<Vec<Request>, Problem> {
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return Err(request_problem(
            "requests".into(),
            format!("must hold 1 to {MAX_REQUESTS} blinded points"),
        ));
    }
    requests
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Request::from_hex(text)
                .map_err(|e| request_problem(format!("requests[{i}]"), e.to_string()))
        })
        .collect()
}
