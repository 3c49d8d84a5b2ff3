//! `/v1/snapshot`: the state at a cosigned checkpoint, for a member's new node to start
//! from instead of replaying every block (`unchain node --sync-from URL`). Members only,
//! like blocks and leaves: the manifest, then each chunk by index. The node that fetches it
//! trusts none of it: it checks the checkpoint's signatures, each chunk's hash and the state
//! root the chunks rebuild ([`unchain_ledger::snapshot`]).

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use crate::snapshots::Offer;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use unchain_types::Code;

/// The newest state snapshot's manifest (members only). While none is ready the node
/// writes one and answers 503 with `Retry-After`.
#[utoipa::path(get, path = "/v1/snapshot",
    responses((status = 200, description = "the manifest: height, state root, chunk hashes, the log's frontier, the cosigned checkpoint vouching for them, recent block records and the validator sets"),
              (status = 401, body = Problem), (status = 503, body = Problem, description = "a snapshot is being written; retry after the Retry-After seconds")))]
pub async fn manifest(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let store = state.snapshots.clone();
    match tokio::task::spawn_blocking(move || store.offer())
        .await
        .map_err(internal)?
        .map_err(internal)?
    {
        Offer::Ready(m) => Ok(Json(m).into_response()),
        Offer::Writing => {
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::Unavailable,
                "Snapshot being written",
                "this node is writing a snapshot of its newest cosigned state; retry shortly",
            );
            p.retry_after = Some(2);
            Err(p)
        }
    }
}

/// One chunk of the snapshot at `height` (members only): state entries in the order of
/// their keys' SHA-256, each `u32 key length ‖ key ‖ u32 value length ‖ value`.
#[utoipa::path(get, path = "/v1/snapshot/{height}/chunks/{index}",
    params(("height" = u64, Path, description = "the snapshot's height"), ("index" = u32, Path, description = "the chunk's index, from 0")),
    responses((status = 200, description = "the chunk", content_type = "application/octet-stream"),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem, description = "no such snapshot or chunk here (snapshots are replaced as the chain grows: fetch the manifest again)")))]
pub async fn chunk(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((height, index)): Path<(String, String)>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let number = |field: &str, text: &str| {
        text.parse::<u64>().map_err(|_| {
            let mut p = Problem::bad_request(
                Code::BadRequest,
                format!("`{field}` must be a non-negative integer; got {text:?}"),
            );
            p.field = Some(field.into());
            p
        })
    };
    let height = number("height", &height)?;
    let index = number("index", &index)? as usize;
    let store = state.snapshots.clone();
    match tokio::task::spawn_blocking(move || store.chunk(height, index))
        .await
        .map_err(internal)?
        .map_err(internal)?
    {
        Some(bytes) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        None => Err(Problem::not_found(format!(
            "no chunk {index} of a snapshot at height {height} here; fetch /v1/snapshot again"
        ))),
    }
}
