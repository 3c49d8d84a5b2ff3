//! `/v1/cases/…`: cases and their history, the cases of the caller's organisation, and a
//! case's audit trail. Every request is signed by a member ([`unchain_client::auth`]).

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use crate::audit::ReadEntry;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_cases::{Case, CaseEvent, CaseView, Referral};
use unchain_types::Code;
use unchain_vault::state::Access;

/// The caller's cases: those it opened and those referred to it.
#[derive(Debug, Serialize)]
pub struct MyCases {
    /// Opened by the caller.
    pub owned: Vec<Case>,
    /// Referred to the caller, oldest first.
    pub referred: Vec<Referral>,
}

/// A case's audit trail: every change, every grant of its record, every read of its
/// sealed content at this node.
#[derive(Debug, Serialize)]
pub struct AuditView {
    /// The case.
    pub case: Case,
    /// Its events (on chain), oldest first.
    pub events: Vec<CaseEvent>,
    /// Who holds access to its record and who gave it, when and why (on chain).
    pub grants: Vec<Access>,
    /// Reads of the record's ciphertexts served by this node (this node's audit log).
    pub reads: Vec<ReadEntry>,
    /// Which node's reads these are.
    pub reads_at: String,
}

fn load(state: &ApiState, id: &str) -> Result<CaseView, Problem> {
    let reader = state.ledger.state_reader()?;
    unchain_cases::case(&reader, id)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("case {id} does not exist on this chain")))
}

/// A case and its history (no content: that is the sealed record it points to).
#[utoipa::path(get, path = "/v1/cases/{id}", params(("id" = String, Path, description = "case id ('/' written as %2F)")),
    responses((status = 200, description = "the case and its events"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn case_view(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    Ok(Json(load(&state, &id)?))
}

/// The caller's cases: opened by it, and referred to it.
#[utoipa::path(get, path = "/v1/cases", responses((status = 200, description = "the caller's cases"), (status = 401, body = Problem)))]
pub async fn mine(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<MyCases>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(MyCases {
        owned: unchain_cases::owned_by(&reader, &member.name).map_err(internal)?,
        referred: unchain_cases::referrals(&reader, &member.name, b"")
            .map_err(internal)?
            .into_iter()
            .map(|(_, r)| r)
            .collect(),
    }))
}

/// A case's audit trail, for its owner and the agencies holding a grant of its record.
#[utoipa::path(get, path = "/v1/cases/{id}/audit", params(("id" = String, Path, description = "case id ('/' written as %2F)")),
    responses((status = 200, description = "events, grants and reads"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn audit(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<AuditView>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let view = load(&state, &id)?;
    let reader = state.ledger.state_reader()?;
    let record = unchain_vault::state::record(&reader, &view.case.record)
        .map_err(internal)?
        .ok_or_else(|| Problem::internal("a case's record is missing"))?;
    let entitled = record
        .access
        .iter()
        .any(|a| a.member == member.name && a.revoked.is_none());
    if !entitled {
        return Err(Problem::new(
            axum::http::StatusCode::FORBIDDEN,
            Code::Forbidden,
            "not entitled",
            format!(
                "{} holds no grant of case {id}'s record; only its owner and agencies it was shared with see its audit trail",
                member.name
            ),
        ));
    }
    Ok(Json(AuditView {
        reads: state.audit.reads_of(&view.case.record).map_err(internal)?,
        reads_at: state.node_name.clone(),
        grants: record.access,
        case: view.case,
        events: view.events,
    }))
}
