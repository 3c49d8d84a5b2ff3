//! `/v1/state/proof`: what the ledger's state holds under a key — or that it holds nothing —
//! as of the latest cosigned checkpoint's state line, in a bundle that `unchain verify
//! state` checks with no network. Members only, like leaves and blocks.

use super::vault::authenticate;
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde::Deserialize;
use unchain_bundle::state::StateBundle;
use unchain_ledger::LedgerError;
use unchain_types::Code;

/// Longest state key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Query of the state-proof endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StateProofQuery {
    /// The state key, e.g. `custody/item/<id>` (the module's name, a slash, the rest).
    pub key: String,
}

/// A proof of one state key's value, or of its absence, against the state root in the
/// latest checkpoint cosigned by the validators (members only).
#[utoipa::path(get, path = "/v1/state/proof", params(StateProofQuery),
    responses((status = 200, description = "the state bundle: the cosigned checkpoint, its state line, and the key's value (or null) with its proof"),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn proof(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<StateProofQuery>,
) -> Result<Json<StateBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    if q.key.is_empty() || q.key.len() > MAX_KEY_BYTES {
        let mut p = Problem::bad_request(
            Code::BadRequest,
            format!(
                "`key` must be 1 to {MAX_KEY_BYTES} bytes; got {}",
                q.key.len()
            ),
        );
        p.field = Some("key".into());
        return Err(p);
    }
    match state.ledger.state_bundle(std::slice::from_ref(&q.key)) {
        Ok(bundle) => Ok(Json(bundle)),
        Err(LedgerError::StateTree(why)) => Err(not_cosigned_yet(&why)),
        Err(e) => Err(e.into()),
    }
}

/// 503 with a retry: no checkpoint with a state line this node can prove against yet.
pub(crate) fn not_cosigned_yet(why: &str) -> Problem {
    let mut p = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        Code::NotCosignedYet,
        "No cosigned state yet",
        format!("{why}; retry shortly"),
    );
    p.retry_after = Some(1);
    p
}
