//! `/v1/identity/standing`: credentials' standing — issuer DID, status and the child's
//! missing flag — proven against the state root of the latest cosigned checkpoint, in a
//! bundle `unchain border check --bundle` and `unchain verify state` check with no network.
//! Members only, like the trust bundle: it says whether a child is being looked for.

use super::state_proofs::not_cosigned_yet;
use super::users::now_ms;
use super::vault::authenticate;
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Deserialize;
use unchain_identity::standing::{self, StandingBundle, parse_credentials};
use unchain_ledger::LedgerError;
use unchain_types::Code;

/// Query of the standing endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StandingQuery {
    /// The credentials, comma-separated, each its issuer's `did:unchain` and its status
    /// index joined by a colon: `did:unchain:…:5,did:unchain:…:7`.
    pub credentials: String,
}

fn bad(detail: String) -> Problem {
    let mut p = Problem::bad_request(Code::BadRequest, detail);
    p.field = Some("credentials".into());
    p
}

/// The standing of one or more credentials: the issuer's DID record, the issuance with its
/// status history, and the child it is about, each proven (or proven absent) against the
/// state root in the latest checkpoint the validators cosigned. Logarithmic in the state,
/// where the trust bundle grows with every status change.
#[utoipa::path(get, path = "/v1/identity/standing", params(StandingQuery),
    responses((status = 200, description = "the credential standing: a state bundle over identity keys, with its export time"),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn standing(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<StandingQuery>,
) -> Result<Json<StandingBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let credentials = parse_credentials(&q.credentials).map_err(bad)?;
    let note = state
        .ledger
        .latest_checkpoint()?
        .ok_or_else(|| not_cosigned_yet("no checkpoint has been cosigned by a quorum yet"))?;
    let size = unchain_log::SignedNote::parse(&note)
        .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body))
        .map_err(|e| Problem::internal(format!("the stored cosigned checkpoint: {e}")))?
        .size;
    match standing::build(&state.ledger, note, size, &credentials, now_ms()) {
        Ok(bundle) => Ok(Json(bundle)),
        Err(LedgerError::StateTree(why)) => Err(not_cosigned_yet(&why)),
        Err(e) => Err(e.into()),
    }
}
