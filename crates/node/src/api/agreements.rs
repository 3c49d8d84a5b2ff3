//! `/v1/agreements/…`: compliance agreements for members — one agreement with its
//! signatures, standing and every outcome, and the fact schema clauses are written
//! against.

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_agree::state::{self, AgreementRecord, Outcome};

/// An agreement and its outcomes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    /// As proposed, signed and standing.
    #[schema(value_type = Object)]
    pub agreement: AgreementRecord,
    /// Every evaluation, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub outcomes: Vec<Outcome>,
}

/// One agreement with its outcomes.
#[utoipa::path(get, path = "/v1/agreements/{id}", params(("id" = String, Path, description = "a-… (20 hex digits)")),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn agreement(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<AgreementView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let agreement = state::agreement(&reader, &id)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("id: no agreement {id}")))?;
    Ok(Json(AgreementView {
        outcomes: state::outcomes(&reader, &id).map_err(internal)?,
        agreement,
    }))
}

/// An attested outcome's bundle: the proposal, the signatures, the evaluation and the
/// attestation with their inclusion proofs against one cosigned checkpoint, the facts the
/// clause read, and the rows of state they came from, each proven against a cosigned state
/// root (rows read only to search or aggregate are withheld). `unchain verify agreement`
/// re-checks it with no network.
#[utoipa::path(get, path = "/v1/agreements/{id}/outcomes/{seq}/bundle",
    params(("id" = String, Path, description = "a-… (20 hex digits)"), ("seq" = u64, Path, description = "the outcome's number, from 0")),
    responses((status = 200, description = "the outcome's bundle"), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn outcome_bundle(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((id, seq)): Path<(String, u64)>,
) -> Result<Json<unchain_agree::bundle::OutcomeBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    Ok(Json(
        crate::service::bundles::outcome_bundle(&state, &id, seq).await?,
    ))
}

/// The fact schema a clause is written against.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SchemaView {
    /// Its version.
    pub version: u32,
    /// Every path a clause may name, with its type: `[path, type]` pairs.
    #[schema(value_type = Vec<Vec<String>>)]
    pub facts: Vec<(String, String)>,
}

/// The current fact schema: every fact a clause may read, with its type.
#[utoipa::path(get, path = "/v1/agreements/schema",
    responses((status = 200, body = SchemaView), (status = 401, body = Problem)))]
pub async fn schema(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<SchemaView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let s = unchain_agree::schema::current();
    Ok(Json(SchemaView {
        version: s.version,
        facts: s.paths(),
    }))
}
