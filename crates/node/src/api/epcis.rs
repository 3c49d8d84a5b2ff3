//! The EPCIS 2.0 REST binding (`/epcis/…`): capture EPCIS documents in JSON-LD or XML as
//! `supply.capture` transactions signed by this node's organisation, follow each capture
//! job, and query the events on the ledger with the standard's parameters and paging.
//!
//! - `POST /epcis/capture`: a document; answered `202` with the capture job's location. A
//!   document that fits one transaction ([`MAX_EVENTS`] events, [`BATCH_BYTES`] bytes) is
//!   captured all or nothing (the standard's `rollback`); a longer one needs
//!   `GS1-Capture-Error-Behaviour: proceed` and becomes several transactions.
//! - `GET /epcis/capture/{captureID}`: the job: running, success, errors.
//! - `GET /epcis/events`, `/epcis/events/{eventID}`, `/epcis/epcs/{epc}/events`,
//!   `/epcis/epcClasses/{epcClass}/events`, and `/epcis/{eventTypes|bizSteps|bizLocations|
//!   readPoints|dispositions}/{value}/events`: events in capture order, `perPage` at a
//!   time, the next page in a `Link: …; rel="next"` header.
//! - Named queries and their webhook subscriptions: [`super::epcis_queries`].
//!
//! Every request is a member's: a signed request or a user's bearer token.

use super::vault::{authenticate, authenticate_caller, internal};
use super::{ApiState, Problem};
use crate::service::{now_ms, sign_and_submit};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use unchain_epcis::event::Event;
use unchain_epcis::gs1::percent_encode as enc;
use unchain_epcis::query::Query as EventQuery;
use unchain_epcis::{document, hash, xml};
use unchain_ledger::TxRecord;
use unchain_supply::body::MAX_EVENTS;
use unchain_supply::client::{BATCH_BYTES, capture_bodies};
use unchain_supply::state;
use unchain_types::{Code, TxId};

pub use crate::service::epcis::EPCIS_CONTEXT;
use crate::service::epcis::{context_of, results_document, rfc3339};
/// Events per page when a query gives no `perPage`.
pub const DEFAULT_PER_PAGE: u32 = 30;
/// Most events per page.
pub const MAX_PER_PAGE: u32 = 1000;
/// Most stored events one page request examines before it answers with what it found and
/// a `next` link: a query that matches little never holds the node for long.
pub const MAX_EXAMINED: u64 = 100_000;
/// Capture jobs kept in memory; the oldest are forgotten first (their transactions stay on
/// the ledger).
pub const MAX_JOBS: usize = 10_000;

/// One capture job.
#[derive(Debug, Clone)]
struct Job {
    created_ms: u64,
    txs: Vec<TxId>,
    events: usize,
    hashes: Vec<String>,
    warnings: Vec<String>,
}

/// The capture jobs this node started.
#[derive(Default)]
pub struct CaptureJobs {
    jobs: Mutex<BTreeMap<u64, Job>>,
}

/// A capture job as the standard's `GET /capture/{captureID}` shows it, with the
/// transactions that carry it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureJobView {
    /// The job's id.
    #[serde(rename = "captureID")]
    pub capture_id: String,
    /// When the node accepted the document (RFC 3339).
    pub created_at: String,
    /// Whether any of its transactions is still waiting for a block.
    pub running: bool,
    /// Whether every transaction committed (false while running).
    pub success: bool,
    /// `rollback` (one transaction) or `proceed` (several).
    pub capture_error_behaviour: String,
    /// How many events the document held.
    pub events: usize,
    /// Each event's CBV 2.0 hash, in document order: its identity on the ledger.
    pub event_hashes: Vec<String>,
    /// Each transaction and where it stands: `pending`, `committed` or `rejected`.
    pub transactions: Vec<Value>,
    /// Refusals, each naming the transaction and the reason.
    pub errors: Vec<String>,
    /// Declared `eventID`s that are hash IDs and differ from the CBV 2.0 hash computed here
    /// (kept as declared: a warning, never a refusal).
    pub warnings: Vec<String>,
}

pub(crate) fn epcis_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert("GS1-EPCIS-Version", HeaderValue::from_static("2.0.0"));
    h.insert("GS1-CBV-Version", HeaderValue::from_static("2.0.0"));
    h.insert("GS1-EPCIS-Capture-Limit", HeaderValue::from_static("1000"));
    resp
}

/// Captures an EPCIS document (JSON-LD, or the XML binding with an XML content type).
#[utoipa::path(post, path = "/epcis/capture", request_body(content = Value, description = "an EPCISDocument, JSON-LD or XML"),
    params(("GS1-Capture-Error-Behaviour" = Option<String>, Header, description = "rollback (default) or proceed")),
    responses((status = 202, description = "the capture job, at the Location given", body = CaptureJobView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem)))]
pub async fn capture(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (member, user) = authenticate_caller(&state, &method, &uri, &headers, &body)?;
    if member.name != state.node_name {
        return Err(crate::service::problem::forbidden(format!(
            "this node signs captures for {} only; {} captures through its own node",
            state.node_name, member.name
        )));
    }
    let is_xml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("xml"));
    let doc = if is_xml {
        xml::parse(&body)
    } else {
        document::parse(&body)
    }
    .map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("{}: {}", e.pointer, e.rule));
        p.field = Some(e.pointer.clone());
        p
    })?;
    if doc.events.is_empty() {
        return Err(Problem::bad_request(
            Code::BadRequest,
            "epcisBody.eventList: holds no event",
        ));
    }
    let proceed = headers
        .get("GS1-Capture-Error-Behaviour")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("proceed"));
    // The XML binding's xmlns declarations are in the context too: an extension member's
    // hash expands its prefix with them, on every validator as here.
    let context = doc.context.clone();
    let batches = batches(&doc.events, &context)?;
    if batches.len() > 1 && !proceed {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::TooLarge,
            "too many events",
            format!(
                "epcisBody.eventList: {} events need {} transactions; one all-or-nothing capture is one transaction (at most {MAX_EVENTS} events, {BATCH_BYTES} bytes). Send GS1-Capture-Error-Behaviour: proceed to capture in batches",
                doc.events.len(),
                batches.len()
            ),
        ));
    }
    let ns = hash::namespaces(&doc.context);
    let warnings = doc
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let declared = e.event_id.as_deref()?;
            let computed = hash::event_hash(e, &ns);
            (declared.starts_with("ni:///") && declared != computed).then(|| {
                format!("eventList/{i}: declared eventID {declared} is kept; its CBV 2.0 hash is {computed}")
            })
        })
        .collect();
    let mut txs = Vec::new();
    for mut body in batches {
        if let Some(u) = &user {
            body["actor"] = Value::from(u.clone());
        }
        txs.push(sign_and_submit(&state, "supply.capture", body).await?);
    }
    let job = Job {
        created_ms: now_ms(),
        txs,
        events: doc.events.len(),
        hashes: doc
            .events
            .iter()
            .map(|e| hash::event_hash(e, &ns))
            .collect(),
        warnings,
    };
    let id = {
        let mut jobs = state
            .captures
            .jobs
            .lock()
            .map_err(|_| Problem::internal("capture jobs lock"))?;
        let id = jobs.keys().next_back().map_or(1, |k| k + 1);
        jobs.insert(id, job.clone());
        while jobs.len() > MAX_JOBS {
            jobs.pop_first();
        }
        id
    };
    let view = job_view(&state, id, &job)?;
    let mut resp = (StatusCode::ACCEPTED, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/epcis/capture/{id}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(epcis_headers(resp))
}

fn batches(events: &[Event], context: &Value) -> Result<Vec<Value>, Problem> {
    capture_bodies(events, context).map_err(|e| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::TooLarge,
            "event too large",
            format!("epcisBody.{e}"),
        )
    })
}

fn job_view(state: &ApiState, id: u64, job: &Job) -> Result<CaptureJobView, Problem> {
    let mut running = false;
    let mut errors = Vec::new();
    let mut transactions = Vec::new();
    for tx in &job.txs {
        let status = match state.ledger.tx(tx)? {
            None => {
                running = true;
                "pending"
            }
            Some(TxRecord::Committed { .. }) => "committed",
            Some(TxRecord::Rejected { reason, .. }) => {
                errors.push(format!("transaction {tx}: {reason}"));
                "rejected"
            }
        };
        transactions.push(json!({"id": tx.to_string(), "status": status}));
    }
    Ok(CaptureJobView {
        capture_id: id.to_string(),
        created_at: rfc3339(job.created_ms),
        running,
        success: !running && errors.is_empty(),
        capture_error_behaviour: if job.txs.len() > 1 {
            "proceed"
        } else {
            "rollback"
        }
        .into(),
        events: job.events,
        event_hashes: job.hashes.clone(),
        transactions,
        errors,
        warnings: job.warnings.clone(),
    })
}

/// A capture job.
#[utoipa::path(get, path = "/epcis/capture/{captureID}", params(("captureID" = String, Path)),
    responses((status = 200, body = CaptureJobView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn capture_job(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let not_found = || Problem::not_found(format!("captureID: no capture job {id} on this node"));
    let n: u64 = id.parse().map_err(|_| not_found())?;
    let job = state
        .captures
        .jobs
        .lock()
        .map_err(|_| Problem::internal("capture jobs lock"))?
        .get(&n)
        .cloned()
        .ok_or_else(not_found)?;
    Ok(epcis_headers(
        Json(job_view(&state, n, &job)?).into_response(),
    ))
}

/// Events matching the EPCIS simple event query in the query string, in capture order.
#[utoipa::path(get, path = "/epcis/events", params(("eventType" = Option<String>, Query), ("MATCH_anyEPC" = Option<String>, Query), ("perPage" = Option<u32>, Query), ("nextPageToken" = Option<String>, Query)),
    responses((status = 200, description = "an EPCISQueryDocument"), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn events(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    run(&state, &uri, &pairs, &[], None)
}

/// Events that name `epc` in any role.
#[utoipa::path(get, path = "/epcis/epcs/{epc}/events", params(("epc" = String, Path, description = "an EPC URN or GS1 Digital Link, percent-encoded")),
    responses((status = 200, description = "an EPCISQueryDocument"), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn epc_events(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(epc): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    run(
        &state,
        &uri,
        &pairs,
        &[("MATCH_anyEPC", epc.as_str())],
        None,
    )
}

/// Events with quantities of `epcClass` (a lot, or a product class).
#[utoipa::path(get, path = "/epcis/epcClasses/{epcClass}/events", params(("epcClass" = String, Path, description = "an EPC class URN or GS1 Digital Link, percent-encoded")),
    responses((status = 200, description = "an EPCISQueryDocument"), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn class_events(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(class): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    run(
        &state,
        &uri,
        &pairs,
        &[("MATCH_epcClass", class.as_str())],
        None,
    )
}

/// The event types (the standard's top-level `/eventTypes` collection).
#[utoipa::path(get, path = "/epcis/eventTypes",
    responses((status = 200, description = "the five EPCIS 2.0 event types"), (status = 401, body = Problem)))]
pub async fn event_types(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    Ok(epcis_headers(
        Json(json!([
            "ObjectEvent",
            "AggregationEvent",
            "TransactionEvent",
            "TransformationEvent",
            "AssociationEvent"
        ]))
        .into_response(),
    ))
}

/// Defines the handler of one `/epcis/{resource}/{value}/events` path: the query string's
/// parameters and the resource's value as `parameter`.
macro_rules! resource_events {
    ($name:ident, $path:literal, $param:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, params(("value" = String, Path, description = "percent-encoded")),
            responses((status = 200, description = "an EPCISQueryDocument"), (status = 400, body = Problem), (status = 401, body = Problem)))]
        pub async fn $name(
            State(state): State<ApiState>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            Path(value): Path<String>,
            Query(pairs): Query<Vec<(String, String)>>,
        ) -> Result<Response, Problem> {
            authenticate(&state, &method, &uri, &headers, b"")?;
            run(&state, &uri, &pairs, &[($param, value.as_str())], None)
        }
    };
}

resource_events!(
    type_events,
    "/epcis/eventTypes/{value}/events",
    "eventType",
    "Events of one type (`ObjectEvent`, …)."
);
resource_events!(
    step_events,
    "/epcis/bizSteps/{value}/events",
    "EQ_bizStep",
    "Events of one business step (a CBV bare word such as `shipping`, or a URI)."
);
resource_events!(
    location_events,
    "/epcis/bizLocations/{value}/events",
    "EQ_bizLocation",
    "Events at one business location (an SGLN URN or GS1 Digital Link)."
);
resource_events!(
    read_point_events,
    "/epcis/readPoints/{value}/events",
    "EQ_readPoint",
    "Events seen at one read point."
);
resource_events!(
    disposition_events,
    "/epcis/dispositions/{value}/events",
    "EQ_disposition",
    "Events with one disposition (`in_progress`, …)."
);

/// One event, by its `eventID` as declared or by its CBV 2.0 hash.
#[utoipa::path(get, path = "/epcis/events/{eventID}", params(("eventID" = String, Path, description = "percent-encoded")),
    responses((status = 200, description = "the event, JSON-LD"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn event(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let record = state::event(&reader, &id)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("eventID: no event {id}")))?;
    let mut event = record.event.clone();
    if let Value::Object(m) = &mut event {
        m.insert("@context".into(), context_of(std::slice::from_ref(&record)));
        m.entry("eventID")
            .or_insert_with(|| record.hash.clone().into());
    }
    Ok(epcis_headers(Json(event).into_response()))
}

/// Runs a query given as query-string pairs (and the pairs a resource path or a named
/// query adds; `query_name` names the latter in the results).
pub(crate) fn run(
    state: &ApiState,
    uri: &Uri,
    pairs: &[(String, String)],
    extra: &[(&str, &str)],
    query_name: Option<&str>,
) -> Result<Response, Problem> {
    let q = EventQuery::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.iter().copied()),
    )
    .map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, e.to_string());
        p.field = Some(e.parameter.clone());
        p
    })?;
    let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(Problem::bad_request(
            Code::BadRequest,
            format!("perPage: {per_page}; 1 to {MAX_PER_PAGE}"),
        ));
    }
    let after: u64 = match &q.next_page_token {
        None => 0,
        Some(t) => t.parse().map_err(|_| {
            Problem::bad_request(
                Code::BadRequest,
                format!("nextPageToken: {t:?} is not a token this node gave"),
            )
        })?,
    };
    let reader = state.ledger.state_reader()?;
    let page = unchain_supply::query::page(&reader, &q, after, per_page as usize, MAX_EXAMINED)
        .map_err(internal)?;
    let doc = results_document(&page.events, query_name.unwrap_or("SimpleEventQuery"), None);
    let mut resp = Json(doc).into_response();
    if let Some(next) = page.next {
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "nextPageToken")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .chain([format!("nextPageToken={next}")])
            .collect();
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), kept.join("&"));
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(epcis_headers(resp))
}
