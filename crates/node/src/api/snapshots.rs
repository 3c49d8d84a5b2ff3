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
        Offer::Writing(failed) => {
            let detail = match failed {
                None => "this node is writing a snapshot of its newest cosigned state; retry \
                         shortly"
                    .to_owned(),
                Some(why) => format!(
                    "this node is writing a snapshot of its newest cosigned state; its last \
                     attempt failed ({why}); retry shortly"
                ),
            };
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::Unavailable,
                "Snapshot being written",
                detail,
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

/// A backup just written.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct BackupWritten {
    /// Its directory on the node's machine (`DATA/backups/HEIGHT-N`).
    pub path: String,
    /// The chain state it restores to.
    pub height: u64,
    /// Files of the node's own data in it.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Writes a backup of this node (its organisation only; an empty body): a snapshot of the
/// newest cosigned state and a copy of the node's own data, each file with its SHA-256.
/// `unchain restore --from DIR` puts it back into an empty data directory.
#[utoipa::path(post, path = "/v1/backups",
    request_body(content = serde_json::Value, description = "an empty JSON object, `{}` (signed like every member request)", content_type = "application/json"),
    responses((status = 201, body = BackupWritten),
              (status = 401, body = Problem), (status = 403, body = Problem, description = "only the node's own organisation backs it up"),
              (status = 503, body = Problem, description = "no checkpoint is cosigned yet")))]
pub async fn backup(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|e| Problem::bad_request(Code::UnreadableBody, e.body_text()))?;
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    if member.name != state.node_name {
        return Err(super::vault::forbidden(format!(
            "only {} backs up this node; {} backs up its own",
            state.node_name, member.name
        )));
    }
    let (data_dir, ledger, name) = (
        state.data_dir.clone(),
        state.ledger.clone(),
        state.node_name.clone(),
    );
    let written =
        tokio::task::spawn_blocking(move || crate::backup::write_backup(&data_dir, &ledger, &name))
            .await
            .map_err(internal)?;
    match written {
        Ok((path, manifest)) => Ok((
            StatusCode::CREATED,
            Json(BackupWritten {
                path: path.display().to_string(),
                height: manifest.height,
                files: manifest.files.len(),
                bytes: manifest.files.iter().map(|f| f.bytes).sum(),
            }),
        )
            .into_response()),
        Err(e)
            if e.downcast_ref::<unchain_ledger::snapshot::SnapshotError>()
                .is_some_and(|s| {
                    matches!(s, unchain_ledger::snapshot::SnapshotError::Unavailable(_))
                }) =>
        {
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::NotCosignedYet,
                "Nothing to back up yet",
                format!("{e:#}; retry shortly"),
            );
            p.retry_after = Some(2);
            Err(p)
        }
        Err(e) => Err(internal(format!("{e:#}"))),
    }
}
