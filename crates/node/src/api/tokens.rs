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
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing::info;
use unchain_tokens::{Request, Share, evaluate};
use unchain_types::Code;
use unchain_vault::client::Me;
use unchain_vault::token_client::{KeyHolder, current_threshold_key};
use unchain_vault::token_key;

/// Most blinded requests in one call.
pub const MAX_REQUESTS: usize = 32;

/// This node's evaluation state: its share (recomputed from the ledger when the key
/// changes) and what it answered today, per requester (kept on disk so a restart does not
/// hand out a day's evaluations twice).
pub struct Evaluator {
    path: PathBuf,
    inner: Mutex<EvaluatorState>,
}

#[derive(Default)]
struct EvaluatorState {
    /// (epoch, key round) → this member's share.
    share: Option<((u32, u64), Share)>,
    served: Served,
}

/// Evaluations answered on one UTC day, per requester.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Served {
    day: u64,
    by: BTreeMap<String, u64>,
}

impl Evaluator {
    /// The evaluator of the node whose data directory is `data_dir`.
    pub fn open(data_dir: &std::path::Path) -> Self {
        let path = data_dir.join("token-evaluations.json");
        let served = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Evaluator {
            path,
            inner: Mutex::new(EvaluatorState {
                share: None,
                served,
            }),
        }
    }

    fn save(&self, served: &Served) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(served).expect("counts serialise"))?;
        std::fs::rename(&tmp, &self.path)
    }
}

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

/// A blind evaluation request: the epoch and the blinded points.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    /// The current matching epoch.
    pub epoch: u32,
    /// Blinded G1 points, 48 bytes each as hex (1 to 32).
    pub requests: Vec<String>,
}

/// This member's partial evaluations of the requests, in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvaluationAnswer {
    /// The epoch.
    pub epoch: u32,
    /// The answering member.
    pub member: String,
    /// Its share index in the key.
    pub index: u32,
    /// One partial evaluation per request, hex.
    pub partials: Vec<String>,
    /// What the requester announced today, and what this member has now answered it today.
    pub announced: u64,
    /// Answered today, these included.
    pub answered: u64,
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
    let body = body.map_err(|e| Problem::bad_request(Code::UnreadableBody, e.body_text()))?;
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    let req: EvaluationRequest = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(Code::UnreadableBody, format!("body: {e}")))?;
    if req.requests.is_empty() || req.requests.len() > MAX_REQUESTS {
        return Err(request_problem(
            "requests".into(),
            format!("must hold 1 to {MAX_REQUESTS} blinded points"),
        ));
    }
    let mut points = Vec::with_capacity(req.requests.len());
    for (i, text) in req.requests.iter().enumerate() {
        points.push(Request::from_hex(text).map_err(|e| request_problem(format!("requests[{i}]"), e.to_string()))?);
    }
    let reader = state.ledger.state_reader()?;
    let (epoch, _, holders) = current_threshold_key(&reader)
        .map_err(|e| Problem::internal(e.to_string()))?
        .ok_or_else(|| Problem::not_found("this chain has no threshold token key yet"))?;
    if req.epoch != epoch {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            Code::EpochMismatch,
            "another matching epoch",
            format!("epoch is {}; the current matching epoch is {epoch}", req.epoch),
        ));
    }
    if !holders.iter().any(|h| *h == state.node_name) {
        return Err(Problem::not_found(format!(
            "{} holds no share of epoch {epoch}'s token key; ask its holders ({})",
            state.node_name,
            holders.join(", ")
        )));
    }
    let head = state.ledger.head()?;
    let day = head.timestamp_ms / 86_400_000;
    let announced = token_key::evaluations_announced(&reader, &member.name, day).map_err(|e| Problem::internal(e.to_string()))?;
    let round = token_key::threshold_key(&reader, epoch)
        .map_err(|e| Problem::internal(e.to_string()))?
        .map_or(0, |k| k.round);

    let evaluator = &state.evaluator;
    let mut inner = evaluator.inner.lock().expect("evaluator lock");
    if inner.served.day != day {
        inner.served = Served { day, by: BTreeMap::new() };
    }
    let answered = inner.served.by.get(&member.name).copied().unwrap_or(0);
    let n = points.len() as u64;
    if answered + n > announced {
        info!(member = %member.name, asked = n, answered, announced, "token evaluations refused: over the announced count");
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            Code::LimitReached,
            "more evaluations than announced",
            format!(
                "{} announced {announced} blind evaluations today (vault.token_evaluations) and {} has answered {answered}; {n} more need a new announcement on the ledger",
                member.name, state.node_name
            ),
        ));
    }
    let share = match &inner.share {
        Some((at, share)) if *at == (epoch, round) => share.clone(),
        _ => {
            let holder = KeyHolder {
                me: Me {
                    chain_id: &state.ledger.genesis().chain_id,
                    name: &state.node_name,
                    secret: &state.encryption,
                },
                signing_seed: state.signing.seed(),
            };
            let share = holder
                .share(&reader, epoch)
                .map_err(|e| Problem::internal(format!("this member's share: {e}")))?
                .ok_or_else(|| Problem::internal("this member's share is not derivable from the ledger"))?;
            inner.share = Some(((epoch, round), share.clone()));
            share
        }
    };
    let partials: Vec<String> = points.iter().map(|p| evaluate(&share, p).value_hex()).collect();
    let answered = answered + n;
    inner.served.by.insert(member.name.clone(), answered);
    evaluator
        .save(&inner.served)
        .map_err(|e| Problem::internal(format!("cannot record the evaluations answered: {e}")))?;
    drop(inner);
    state.metrics.token_evaluations.inc_by(n);
    info!(member = %member.name, answered = n, "token evaluations answered");
    Ok(Json(EvaluationAnswer {
        epoch,
        member: state.node_name.clone(),
        index: share.index.get(),
        partials,
        announced,
        answered,
    }))
}
