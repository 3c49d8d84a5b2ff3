//! `/v1/supply/…`: what the ledger knows about goods, facilities and findings — for
//! compliance officers and inspectors, members only. A lot's trace shows every open finding
//! that flags it with the path from the finding to it, and the tiers its goods came from.

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_epcis::event::Identifier;
use unchain_ledger::state::StateRead;
use unchain_supply::graph::{Relation, is_transformation};
use unchain_supply::state::{
    self, AuditRecord, CertificationRecord, FacilityRecord, FindingRecord, Made, Trace,
};
use unchain_types::{Code, TxId};

/// Most upstream nodes a trace lists.
pub const MAX_UPSTREAM: usize = 2_000;

/// Goods as the ledger knows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GoodsView {
    /// The identifier, canonical (GS1 Digital Link).
    pub id: String,
    /// Where they were made, if an event says so.
    #[schema(value_type = Option<Object>)]
    pub made: Option<Made>,
    /// Every open finding that flags them, each with its path.
    #[schema(value_type = Vec<Object>)]
    pub flags: Vec<Trace>,
    /// The goods they came from, nearest first, each with where it was made.
    pub upstream: Vec<UpstreamView>,
    /// How many events name them.
    pub events: usize,
}

/// One upstream node of a trace.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpstreamView {
    /// The node.
    pub id: String,
    /// Steps from the traced goods.
    pub depth: u32,
    /// Where it was made, if known.
    #[schema(value_type = Option<Object>)]
    pub made: Option<Made>,
}

/// A facility and its standing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityView {
    /// As registered.
    #[schema(value_type = Object)]
    pub facility: FacilityRecord,
    /// Its audits.
    #[schema(value_type = Vec<Object>)]
    pub audits: Vec<AuditRecord>,
    /// Its certifications.
    #[schema(value_type = Vec<Object>)]
    pub certifications: Vec<CertificationRecord>,
    /// Findings about it, open and remediated.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<FindingView>,
    /// Worker voice at the employers brands linked to it: each employer with the
    /// indicators at least half the workers of a published month signalled.
    #[schema(value_type = Vec<Object>)]
    pub worker_voice: Vec<(String, Vec<unchain_recruit::voice::Concern>)>,
}

/// A finding and what it reaches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// Its id: the transaction that recorded it.
    pub id: String,
    /// The finding with its plans and verifications.
    #[schema(value_type = Object)]
    pub record: FindingRecord,
}

fn goods_id(id: &str) -> Result<String, Problem> {
    Identifier::parse(id)
        .map(|i| i.canonical())
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("id: {e}")))
}

/// The goods, and the nodes upstream of them (breadth first).
pub fn trace(state: &impl StateRead, id: &str) -> Result<GoodsView, redb::StorageError> {
    let mut upstream: Vec<UpstreamView> = Vec::new();
    let mut frontier = vec![id.to_owned()];
    let mut seen = std::collections::BTreeSet::from([id.to_owned()]);
    let mut depth = 0;
    while !frontier.is_empty() && upstream.len() < MAX_UPSTREAM {
        depth += 1;
        let mut next = Vec::new();
        for node in &frontier {
            for edge in state::edges_into(state, node)? {
                // What a container holds did not come from the container.
                if edge.relation != Relation::Contains && seen.insert(edge.node.clone()) {
                    next.push(edge.node);
                }
            }
        }
        let goods: Vec<&String> = next.iter().filter(|n| !is_transformation(n)).collect();
        if goods.is_empty() {
            depth -= 1;
        }
        for node in goods {
            upstream.push(UpstreamView {
                id: node.clone(),
                depth,
                made: state::maker(state, node)?,
            });
        }
        frontier = next;
    }
    upstream.truncate(MAX_UPSTREAM);
    Ok(GoodsView {
        id: id.to_owned(),
        made: state::maker(state, id)?,
        flags: state::flags(state, id)?,
        events: state::events_naming(state, id)?.len(),
        upstream,
    })
}

/// Goods (a lot, an item, a logistic unit): where they were made, the open findings that
/// flag them with their paths, and where they came from.
#[utoipa::path(get, path = "/v1/supply/goods/{id}", params(("id" = String, Path, description = "an EPC URN or GS1 Digital Link, percent-encoded")),
    responses((status = 200, body = GoodsView), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn goods(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<GoodsView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let id = goods_id(&id)?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(trace(&reader, &id).map_err(internal)?))
}

/// Every registered facility.
#[utoipa::path(get, path = "/v1/supply/facilities", responses((status = 200, description = "the facilities"), (status = 401, body = Problem)))]
pub async fn facilities(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<FacilityRecord>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(state::facilities(&reader).map_err(internal)?))
}

/// A facility's standing: audits, certifications, findings, and worker voice published (in
/// groups of `k` or more) at ledger time `now_ms` for the employers linked to it.
pub fn standing(
    state: &impl StateRead,
    id: &str,
    now_ms: u64,
    k: u32,
) -> Result<Option<FacilityView>, redb::StorageError> {
    let Some(facility) = state::facility(state, id)? else {
        return Ok(None);
    };
    Ok(Some(FacilityView {
        facility,
        audits: state::audits(state, id)?,
        certifications: state::certifications(state, id)?,
        findings: state::findings_at(state, id)?
            .into_iter()
            .map(|record| FindingView {
                id: record.recorded.tx_id.to_string(),
                record,
            })
            .collect(),
        worker_voice: unchain_recruit::voice_state::facility_concerns(state, id, now_ms, k)?,
    }))
}

/// A facility and its standing.
#[utoipa::path(get, path = "/v1/supply/facilities/{id}", params(("id" = String, Path, description = "a GLN (SGLN URN or Digital Link) or the facility's URI, percent-encoded")),
    responses((status = 200, body = FacilityView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn facility(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<FacilityView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let id = unchain_supply::body::facility_id("id", &id)
        .map_err(|e| Problem::bad_request(Code::BadRequest, e.to_string()))?;
    let now_ms = state.ledger.head()?.timestamp_ms;
    let reader = state.ledger.state_reader()?;
    standing(&reader, &id, now_ms, state.voice_min_group)
        .map_err(internal)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("id: no facility {id}")))
}

/// Every finding, open and remediated.
#[utoipa::path(get, path = "/v1/supply/findings", responses((status = 200, description = "the findings"), (status = 401, body = Problem)))]
pub async fn findings(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<FindingView>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(
        state::findings(&reader)
            .map_err(internal)?
            .into_iter()
            .map(|record| FindingView {
                id: record.recorded.tx_id.to_string(),
                record,
            })
            .collect(),
    ))
}

/// The goods a finding flags now, in identifier order (transformations left out).
#[utoipa::path(get, path = "/v1/supply/findings/{id}/reach", params(("id" = String, Path, description = "the finding's transaction id, hex")),
    responses((status = 200, description = "the flagged goods"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn reach(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Vec<String>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let id = TxId::from_hex(&id)
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("id: {e}")))?;
    let reader = state.ledger.state_reader()?;
    if state::finding(&reader, &id).map_err(internal)?.is_none() {
        return Err(Problem::not_found(format!("id: no finding {id}")));
    }
    Ok(Json(
        state::reached(&reader, &id)
            .map_err(internal)?
            .into_iter()
            .filter(|n| !is_transformation(n))
            .collect(),
    ))
}
