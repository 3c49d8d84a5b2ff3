//! `/v1/custody/…`: an evidence item's custody state and events, its self-contained proof
//! bundle for a court, and the hand-overs waiting for the caller's signature. Every request
//! is signed by a member ([`unchain_client::auth`]).

use super::vault::{authenticate, internal, parse_hash};
use super::{ApiState, Problem};
use crate::service::bundles::build_bundle;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_custody::bundle::CustodyBundle;
use unchain_custody::rules::Item;
use unchain_custody::{EventRecord, events, item, waiting};

/// An item and its events.
#[derive(Debug, Serialize)]
pub struct ItemView {
    /// Its state after the latest event.
    pub item: Item,
    /// Every event, oldest first.
    pub events: Vec<EventRecord>,
}

use crate::service::bundles::item_not_found as not_found;

/// An evidence item's custody state and every event, oldest first.
#[utoipa::path(get, path = "/v1/custody/items/{id}", params(("id" = String, Path, description = "the item id, hex")),
    responses((status = 200, description = "the item and its events"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn item_view(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ItemView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let hash = parse_hash("id", &id)?;
    let reader = state.ledger.state_reader()?;
    let item = item(&reader, &hash)
        .map_err(internal)?
        .ok_or_else(|| not_found(&id))?;
    let events = events(&reader, &hash).map_err(internal)?;
    Ok(Json(ItemView { item, events }))
}

/// The item's chain-of-custody proof bundle: every event's transaction with its inclusion
/// proof against one checkpoint cosigned by the validators, and the keys to check them.
/// `unchain verify custody` checks it with no network.
#[utoipa::path(get, path = "/v1/custody/items/{id}/bundle", params(("id" = String, Path, description = "the item id, hex")),
    responses((status = 200, description = "the custody bundle"), (status = 401, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn bundle(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<CustodyBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let hash = parse_hash("id", &id)?;
    Ok(Json(build_bundle(&state, &hash).await?))
}

/// Items handed over to the caller's organisation and waiting for its `custody.receive`.
#[utoipa::path(get, path = "/v1/custody/waiting", responses((status = 200, description = "items in transit to the caller"), (status = 401, body = Problem)))]
pub async fn waiting_for_me(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<Item>>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(waiting(&reader, &member.name).map_err(internal)?))
}
