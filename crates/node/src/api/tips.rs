//! The intake agency's side of anonymous tips: its inbox, each tip with its messages, the
//! sealed messages themselves (every fetch recorded in the read log), and the upload of a
//! sealed reply. Signed member requests or an `intake_officer`'s token; only the
//! organisation a tip was handed to sees it. Opening happens in the client.

use super::ApiState;
use super::problem::Problem;
use super::vault::{authenticate, authenticate_caller, forbidden};
use crate::service::bundles::own_view;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use unchain_tips::{Tip, TipView};
use unchain_types::Code;
use unchain_types::Hash32;

/// The tips handed to the caller's organisation, oldest first.
#[utoipa::path(get, path = "/v1/tips",
    responses((status = 200, description = "the organisation's tips"), (status = 401, body = Problem)))]
pub async fn inbox(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<Tip>>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let tips = unchain_tips::inbox(&state.ledger.state_reader()?, &member.name)
        .map_err(|e| Problem::internal(e.to_string()))?;
    Ok(Json(tips))
}

/// A tip and its messages' metadata (commitments, wrapped keys, who and when).
#[utoipa::path(get, path = "/v1/tips/{id}", params(("id" = String, Path, description = "tip id")),
    responses((status = 200, description = "the tip"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn view(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<TipView>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    own_view(&state, &member.name, &id).map(Json)
}

/// Message `seq` of a tip, sealed (the client opens it with the organisation's key).
/// Every fetch, served or refused, goes to the node's read log.
#[utoipa::path(get, path = "/v1/tips/{id}/messages/{seq}", params(("id" = String, Path, description = "tip id"), ("seq" = u32, Path, description = "message number, from 1")),
    responses((status = 200, description = "the ciphertext"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 410, description = "the tip was erased", body = Problem)))]
pub async fn message(
    State(state): State<ApiState>,
    Path((id, seq)): Path<(String, u32)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (member, actor) = authenticate_caller(&state, &method, &uri, &headers, b"")?;
    let view = own_view(&state, &member.name, &id);
    let found = view.as_ref().ok().and_then(|v| {
        v.messages
            .iter()
            .find(|m| m.seq == seq)
            .map(|m| m.commitment)
    });
    // A refused fetch names no ciphertext: the all-zero commitment.
    state
        .audit
        .record_read(
            super::users::now_ms(),
            &member.name,
            actor.as_deref(),
            None,
            found.unwrap_or(Hash32([0; 32])),
            found.is_some(),
        )
        .map_err(|e| Problem::internal(e.to_string()))?;
    if let Some(e) = view?.tip.erased {
        return Err(Problem::new(
            axum::http::StatusCode::GONE,
            Code::Erased,
            "Tip erased",
            format!(
                "tip {id} was erased at {} ms by {}: its messages are gone from every node",
                e.time_ms, e.by
            ),
        ));
    }
    let c = found.ok_or_else(|| Problem::not_found(format!("tip {id} has no message {seq}")))?;
    let bytes = state
        .tip_store
        .get(&c)
        .map_err(|e| Problem::internal(e.to_string()))?
        .ok_or_else(|| {
            Problem::not_found(format!(
                "message {seq} of tip {id} is not in this node's store"
            ))
        })?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// Stores a sealed reply before its `tips.message` is submitted. The body must hash to
/// the commitment; only this node's own organisation uploads here.
#[utoipa::path(put, path = "/v1/tips/ciphertexts/{commitment}", operation_id = "upload_tip_ciphertext", params(("commitment" = String, Path, description = "SHA-256 of the ciphertext, hex")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "stored"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn upload(
    State(state): State<ApiState>,
    Path(commitment): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), Problem> {
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    if member.name != state.node_name {
        return Err(forbidden(
            "only this node's organisation stores tip messages here",
        ));
    }
    let c = Hash32::from_hex(&commitment)
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("commitment: {e}")))?;
    if body.len() as u64 > unchain_tips::body::MAX_SEALED {
        return Err(Problem::bad_request(
            Code::TooLarge,
            format!(
                "a sealed message is at most {} bytes",
                unchain_tips::body::MAX_SEALED
            ),
        ));
    }
    if unchain_seal::envelope::commitment(&body) != c {
        return Err(Problem::bad_request(
            Code::CommitmentMismatch,
            "body does not hash (SHA-256) to the commitment in the path",
        ));
    }
    state
        .tip_store
        .put(&c, &body)
        .map_err(|e| Problem::internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"commitment": c, "size": body.len()})),
    ))
}
