//! Public provenance by GS1 Digital Link: `/01/{gtin}/10/{lot}` and `/01/{gtin}/21/{serial}`
//! answer anyone — a consumer's phone that scanned a label, a customs officer — with a page
//! showing the tiers back to the raw material and the findings that reach the goods,
//! rendered from a provenance bundle this node built and verified with its own validator
//! keys (so the page says nothing the bundle does not prove). `?format=bundle` gives the
//! bundle itself, for `unchain verify provenance`; `?format=json`, what the page shows.
//! No login: the page holds no personal data and no finding's free text. What was built
//! is kept until the log grows ([`ProvenanceCache`]).

use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use unchain_epcis::gs1::Gs1Id;
use unchain_supply::bundle::{ProvenanceBundle, VerifiedProvenance};
use unchain_types::Code;

/// How to answer.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Format {
    /// `html` (default), `json` (what the page shows), `dossier` (the due-diligence
    /// dossier, printable), `dossier-json` (the same dossier as JSON) or `bundle` (the
    /// provenance bundle).
    pub format: Option<String>,
}

/// The goods a Digital Link path (`01/{gtin}/10/{lot}`, `00/{sscc}`, …) names, canonical.
fn goods(path: &str) -> Result<String, Problem> {
    let uri = format!("https://id.gs1.org/{path}");
    Gs1Id::from_digital_link(&uri)
        .map(|g| g.canonical())
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("{uri}: {e}")))
}

/// Bundles most kept per log size.
pub const MAX_CACHED: usize = 1_000;

/// What this node built since the log last grew, by goods: a page asked for again costs a
/// lookup, not a bundle's proofs and its verification.
#[derive(Default)]
pub struct ProvenanceCache {
    inner: std::sync::Mutex<(u64, BTreeMap<String, Arc<Built>>)>,
}

/// A bundle and what it verified to.
pub type Built = (ProvenanceBundle, VerifiedProvenance);

/// The bundle of `id` and what it shows, from the cache while the log has not grown.
pub async fn cached(state: &ApiState, id: &str) -> Result<Arc<Built>, Problem> {
    let size = state.ledger.head()?.log_size;
    if let Ok(c) = state.provenance.inner.lock()
        && c.0 == size
        && let Some(b) = c.1.get(id)
    {
        return Ok(b.clone());
    }
    let built = Arc::new(crate::service::bundles::provenance(&state.svc, id).await?);
    if let Ok(mut c) = state.provenance.inner.lock() {
        if c.0 != size || c.1.len() >= MAX_CACHED {
            *c = (size, BTreeMap::new());
        }
        c.1.insert(id.to_owned(), built.clone());
    }
    Ok(built)
}

async fn answer(state: ApiState, id: String, format: Format) -> Result<Response, Problem> {
    let built = cached(&state, &id).await?;
    let (b, v) = (&built.0, &built.1);
    Ok(match format.format.as_deref().unwrap_or("html") {
        "bundle" => {
            let mut r = Json(b.clone()).into_response();
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"provenance-bundle.json\""),
            );
            r
        }
        "json" => Json(v.clone()).into_response(),
        "dossier" => {
            let bytes = serde_json::to_vec(b).map_err(|e| Problem::internal(e.to_string()))?;
            let sha = unchain_types::Hash32::digest(&bytes).to_hex();
            Html(unchain_supply::dossier::html(v, &sha)).into_response()
        }
        "dossier-json" => {
            let bytes = serde_json::to_vec(b).map_err(|e| Problem::internal(e.to_string()))?;
            let sha = unchain_types::Hash32::digest(&bytes).to_hex();
            Json(unchain_supply::dossier::json(v, &sha)).into_response()
        }
        "html" => Html(unchain_supply::report::html(v)).into_response(),
        other => {
            return Err(Problem::bad_request(
                Code::BadRequest,
                format!("format: {other:?}; html, json, dossier, dossier-json or bundle"),
            ));
        }
    })
}

/// A lot's provenance page (GS1 Digital Link `/01/{gtin}/10/{lot}`).
#[utoipa::path(get, path = "/01/{gtin}/10/{lot}", params(("gtin" = String, Path), ("lot" = String, Path), Format),
    responses((status = 200, description = "the page, the view or the bundle"), (status = 400, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn lot(
    State(state): State<ApiState>,
    Path((gtin, lot)): Path<(String, String)>,
    Query(format): Query<Format>,
) -> Result<Response, Problem> {
    answer(state, goods(&format!("01/{gtin}/10/{lot}"))?, format).await
}

/// A shipment's provenance page (GS1 Digital Link `/00/{sscc}`: a logistic unit and what
/// it holds); `?format=dossier` is the due-diligence dossier to hand to customs.
#[utoipa::path(get, path = "/00/{sscc}", params(("sscc" = String, Path), Format),
    responses((status = 200, description = "the page, the dossier, the view or the bundle"), (status = 400, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn shipment(
    State(state): State<ApiState>,
    Path(sscc): Path<String>,
    Query(format): Query<Format>,
) -> Result<Response, Problem> {
    answer(state, goods(&format!("00/{sscc}"))?, format).await
}

/// An item's provenance page (GS1 Digital Link `/01/{gtin}/21/{serial}`).
#[utoipa::path(get, path = "/01/{gtin}/21/{serial}", params(("gtin" = String, Path), ("serial" = String, Path), Format),
    responses((status = 200, description = "the page, the view or the bundle"), (status = 400, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
pub async fn item(
    State(state): State<ApiState>,
    Path((gtin, serial)): Path<(String, String)>,
    Query(format): Query<Format>,
) -> Result<Response, Problem> {
    answer(state, goods(&format!("01/{gtin}/21/{serial}"))?, format).await
}
