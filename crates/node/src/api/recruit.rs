//! `/v1/recruit/…`: licensed parties, offers and the contracts registered for them, with
//! every substitution the ledger found — for members (regulators, recruiters, employers,
//! brands) only, and an employer's reconciled pay by month. A worker's own page, opened
//! with their credential, is not here yet.

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_recruit::state::{self, Alert, ContractRecord, OfferRecord, PartyRecord, WageRecord};
use unchain_types::{Code, TxId};

/// An offer and, once registered, its contract with every substitution found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    /// The offer's id (its transaction).
    pub id: String,
    /// The offer, who registered it and any fee charged to the worker.
    #[schema(value_type = Object)]
    pub offer: OfferRecord,
    /// The contract, once the employer registered it.
    #[schema(value_type = Option<Object>)]
    pub contract: Option<ContractRecord>,
}

fn offer_view(
    reader: &impl unchain_ledger::state::StateRead,
    id: &TxId,
) -> Result<Option<OfferView>, Problem> {
    let Some(offer) = state::offer(reader, id).map_err(internal)? else {
        return Ok(None);
    };
    Ok(Some(OfferView {
        id: id.to_string(),
        contract: state::contract(reader, id).map_err(internal)?,
        offer,
    }))
}

/// A licensed party and the history of its standing.
#[utoipa::path(get, path = "/v1/recruit/parties/{party}", params(("party" = String, Path)),
    responses((status = 200, description = "the party's licence and its history"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn party(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(party): Path<String>,
) -> Result<Json<PartyRecord>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    state::party(&reader, &party)
        .map_err(internal)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("party: {party} holds no licence")))
}

/// An offer with its contract and substitutions.
#[utoipa::path(get, path = "/v1/recruit/offers/{id}", params(("id" = String, Path, description = "the offer's transaction id, hex")),
    responses((status = 200, body = OfferView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn offer(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<OfferView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let id = TxId::from_hex(&id)
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("id: {e}")))?;
    let reader = state.ledger.state_reader()?;
    offer_view(&reader, &id)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("id: no offer {id}")))
}

/// Every offer naming an employer, with its contract and substitutions.
#[utoipa::path(get, path = "/v1/recruit/employers/{party}/offers", params(("party" = String, Path)),
    responses((status = 200, body = [OfferView]), (status = 401, body = Problem)))]
pub async fn employer_offers(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(party): Path<String>,
) -> Result<Json<Vec<OfferView>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let mut out = Vec::new();
    for id in state::offers_naming(&reader, &party).map_err(internal)? {
        out.extend(offer_view(&reader, &id)?);
    }
    Ok(Json(out))
}

/// An employer's reported pay for a month, each record with what reconciliation found.
#[utoipa::path(get, path = "/v1/recruit/employers/{party}/wages/{month}", params(("party" = String, Path), ("month" = String, Path, description = "YYYY-MM")),
    responses((status = 200, description = "the month's wage records"), (status = 401, body = Problem)))]
pub async fn employer_wages(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((party, month)): Path<(String, String)>,
) -> Result<Json<Vec<WageRecord>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let mut out = Vec::new();
    for worker in state::payroll_workers(&reader, &party, &month).map_err(internal)? {
        out.extend(state::wage(&reader, &worker, &month).map_err(internal)?);
    }
    Ok(Json(out))
}

/// Every open alert about the parties licensed in a country, for its regulator: contracts
/// worse than their offers, fees in offers, workers' disputes, wage findings, fees owed,
/// passports held.
#[utoipa::path(get, path = "/v1/recruit/alerts/{country}", params(("country" = String, Path, description = "ISO 3166-1 alpha-2")),
    responses((status = 200, description = "the alerts"), (status = 401, body = Problem)))]
pub async fn alerts(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(country): Path<String>,
) -> Result<Json<Vec<Alert>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(state::alerts(&reader, &country).map_err(internal)?))
}

/// Every open alert about the employers a brand linked itself to (`recruit.link`).
#[utoipa::path(get, path = "/v1/recruit/brands/{brand}/alerts", params(("brand" = String, Path)),
    responses((status = 200, description = "the alerts"), (status = 401, body = Problem)))]
pub async fn brand_alerts(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(brand): Path<String>,
) -> Result<Json<Vec<Alert>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(
        state::brand_alerts(&reader, &brand).map_err(internal)?,
    ))
}
