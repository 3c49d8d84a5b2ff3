//! Named queries and webhook subscriptions of the EPCIS 2.0 REST binding, over
//! [`crate::named_queries`]:
//!
//! - `GET|POST /epcis/queries`: the caller's named queries; create one from
//!   `{"name": …, "query": {"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping"], …}}`
//!   (checked like `GET /epcis/events` checks its parameters; `201` with its `Location`).
//! - `GET|DELETE /epcis/queries/{queryName}`; `GET /epcis/queries/{queryName}/events`: its
//!   results, paged like `/epcis/events` (more parameters in the query string narrow it).
//! - `GET|POST /epcis/queries/{queryName}/subscriptions`, `GET|DELETE
//!   …/subscriptions/{subscriptionID}`: webhooks that receive the query's new events —
//!   `{"dest": "https://…", "signatureToken": "…", "stream": true}` or `"schedule": {…}`
//!   (with `reportIfEmpty`, `initialRecordTime`). Only this node's own organisation
//!   subscribes. The token is never shown back.

use super::epcis::{epcis_headers, run};
use super::vault::authenticate;
use super::{ApiState, Problem};
use crate::named_queries::schedule::Schedule;
use crate::named_queries::{NamedQuery, StoreError, Subscription};
use crate::service::now_ms;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_epcis::gs1::percent_encode as enc;
use unchain_types::Code;

/// A named query as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NamedQueryView {
    /// Its name.
    pub name: String,
    /// The query: simple-query parameters to a value or a list of values.
    #[schema(value_type = Object)]
    pub query: serde_json::Map<String, Value>,
}

impl From<NamedQuery> for NamedQueryView {
    fn from(q: NamedQuery) -> Self {
        NamedQueryView {
            name: q.name,
            query: q.query,
        }
    }
}

/// A subscription as the API shows it (never its token).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    /// Its id.
    #[serde(rename = "subscriptionID")]
    pub subscription_id: String,
    /// The named query.
    pub query_name: String,
    /// Where results are sent.
    pub dest: String,
    /// Whether deliveries are signed (`GS1-Signature`).
    pub signed: bool,
    /// Every new matching event, as soon as it is committed.
    pub stream: bool,
    /// Or on this schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub schedule: Option<Schedule>,
    /// Send a document on schedule even when nothing matched.
    pub report_if_empty: bool,
    /// The place in the event stream delivered up to.
    pub delivered_up_to: u64,
    /// Documents the webhook accepted.
    pub documents_delivered: u64,
    /// Events in them.
    pub events_delivered: u64,
    /// Failed attempts since the last success.
    pub failures: u32,
    /// The last failure, while failing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        SubscriptionView {
            subscription_id: s.id,
            query_name: s.query,
            dest: s.dest,
            signed: s.signature_token.is_some(),
            stream: s.stream,
            schedule: s.schedule,
            report_if_empty: s.report_if_empty,
            delivered_up_to: s.cursor,
            documents_delivered: s.delivered,
            events_delivered: s.events_delivered,
            failures: s.failures,
            last_error: s.last_error,
        }
    }
}

/// The body that creates a named query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateQuery {
    name: String,
    query: serde_json::Map<String, Value>,
}

/// The body that creates a subscription.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Subscribe {
    dest: String,
    #[serde(default)]
    signature_token: Option<String>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    schedule: Option<Schedule>,
    #[serde(default)]
    report_if_empty: bool,
    #[serde(default)]
    initial_record_time: Option<String>,
}

fn problem(e: StoreError) -> Problem {
    match e {
        StoreError::Invalid(why) => Problem::bad_request(Code::BadRequest, why),
        StoreError::Exists(why) => Problem::new(
            StatusCode::CONFLICT,
            Code::AlreadyExists,
            "already exists",
            why,
        ),
        StoreError::NotFound(why) => Problem::not_found(why),
        StoreError::Io(e) => Problem::internal(format!("saving the named queries: {e}")),
    }
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        let why = e.to_string();
        // serde names the field in its message ("unknown field `x`", "missing field `y`").
        Problem::bad_request(Code::BadRequest, format!("body: {why}"))
    })
}

fn created(location: &str, body: impl Serialize) -> Response {
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    epcis_headers(resp)
}

/// The caller's named queries.
#[utoipa::path(get, path = "/epcis/queries",
    responses((status = 200, body = [NamedQueryView]), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let views: Vec<NamedQueryView> = state
        .queries
        .list(&member.name)
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(epcis_headers(Json(views).into_response()))
}

/// Saves a named query.
#[utoipa::path(post, path = "/epcis/queries", request_body(content = Value, description = "{\"name\": …, \"query\": {parameter: value or [values]}}"),
    responses((status = 201, description = "created, at the Location given", body = NamedQueryView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    let c: CreateQuery = json_body(&body)?;
    let q = state
        .queries
        .create(&member.name, &c.name, c.query, now_ms())
        .map_err(problem)?;
    let location = format!("/epcis/queries/{}", enc(&q.name));
    Ok(created(&location, NamedQueryView::from(q)))
}

/// One named query.
#[utoipa::path(get, path = "/epcis/queries/{queryName}", params(("queryName" = String, Path)),
    responses((status = 200, body = NamedQueryView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn one(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let q = state.queries.get(&member.name, &name).map_err(problem)?;
    Ok(epcis_headers(Json(NamedQueryView::from(q)).into_response()))
}

/// Deletes a named query and its subscriptions.
#[utoipa::path(delete, path = "/epcis/queries/{queryName}", params(("queryName" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    state.queries.delete(&member.name, &name).map_err(problem)?;
    Ok(epcis_headers(StatusCode::NO_CONTENT.into_response()))
}

/// A named query's results, paged like `/epcis/events`.
#[utoipa::path(get, path = "/epcis/queries/{queryName}/events", operation_id = "named_query_events", params(("queryName" = String, Path), ("perPage" = Option<u32>, Query), ("nextPageToken" = Option<String>, Query)),
    responses((status = 200, description = "an EPCISQueryDocument"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn events(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let q = state.queries.get(&member.name, &name).map_err(problem)?;
    let saved = crate::named_queries::pairs(&q.query)
        .map_err(|e| Problem::internal(format!("the saved query {name}: {e}")))?;
    let extra: Vec<(&str, &str)> = saved
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    run(&state, &uri, &pairs, &extra, Some(&name))
}

/// A named query's subscriptions.
#[utoipa::path(get, path = "/epcis/queries/{queryName}/subscriptions", params(("queryName" = String, Path)),
    responses((status = 200, body = [SubscriptionView]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn subscriptions(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    state.queries.get(&member.name, &name).map_err(problem)?;
    let views: Vec<SubscriptionView> = state
        .queries
        .subscriptions(&member.name, &name)
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(epcis_headers(Json(views).into_response()))
}

/// Subscribes a webhook to a named query (this node's own organisation only).
#[utoipa::path(post, path = "/epcis/queries/{queryName}/subscriptions", params(("queryName" = String, Path)),
    request_body(content = Value, description = "{\"dest\": URL, \"signatureToken\"?, \"stream\": true | \"schedule\": {second, minute, hour, dayOfMonth, month, dayOfWeek}, \"reportIfEmpty\"?, \"initialRecordTime\"?}"),
    responses((status = 201, description = "subscribed, at the Location given", body = SubscriptionView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn subscribe(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    if member.name != state.node_name {
        return Err(crate::service::problem::forbidden(format!(
            "this node sends webhooks for {} only; {} subscribes through its own node",
            state.node_name, member.name
        )));
    }
    state.queries.get(&member.name, &name).map_err(problem)?;
    let s: Subscribe = json_body(&body)?;
    let bad = |why: String| Problem::bad_request(Code::BadRequest, why);
    let dest: Uri = s
        .dest
        .parse()
        .map_err(|e| bad(format!("dest: {:?}: {e}", s.dest)))?;
    if !matches!(dest.scheme_str(), Some("http" | "https")) || dest.host().is_none() {
        return Err(bad(format!("dest: {:?}: an http or https URL", s.dest)));
    }
    match (s.stream, &s.schedule) {
        (true, Some(_)) => return Err(bad("stream: give stream or schedule, not both".into())),
        (false, None) => return Err(bad("stream: give stream: true or a schedule".into())),
        (_, Some(schedule)) => {
            schedule.compile().map_err(bad)?;
        }
        (true, None) => {}
    }
    if s.signature_token.as_deref().is_some_and(str::is_empty) {
        return Err(bad(
            "signatureToken: empty; leave it out for unsigned deliveries".into(),
        ));
    }
    let reader = state.ledger.state_reader()?;
    let cursor = match &s.initial_record_time {
        // Only what is recorded from now on.
        None => unchain_supply::state::event_count(&reader).map_err(super::vault::internal)?,
        Some(t) => {
            let ms = unchain_epcis::event::parse_time(t).ok_or_else(|| {
                bad(format!(
                    "initialRecordTime: {t:?} is not an RFC 3339 time with an offset"
                ))
            })?;
            recorded_before(&reader, ms).map_err(super::vault::internal)?
        }
    };
    drop(reader);
    let sub = state
        .queries
        .subscribe(Subscription {
            id: String::new(),
            query: name.clone(),
            owner: member.name,
            dest: s.dest,
            signature_token: s.signature_token,
            stream: s.stream,
            schedule: s.schedule,
            report_if_empty: s.report_if_empty,
            cursor,
            created_ms: now_ms(),
            delivered: 0,
            events_delivered: 0,
            failures: 0,
            last_error: None,
            last_run_ms: 0,
            retry_at_ms: 0,
        })
        .map_err(problem)?;
    let location = format!(
        "/epcis/queries/{}/subscriptions/{}",
        enc(&name),
        enc(&sub.id)
    );
    Ok(created(&location, SubscriptionView::from(sub)))
}

/// The place in the event stream before the first event recorded at or after `ms` (block
/// time): events are recorded in stream order, so a binary search finds it.
fn recorded_before(
    reader: &impl unchain_ledger::state::StateRead,
    ms: i64,
) -> Result<u64, redb::StorageError> {
    let (mut lo, mut hi) = (0u64, unchain_supply::state::event_count(reader)?);
    // Invariant: events up to lo were recorded before ms; events after hi at or after it.
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let before = unchain_supply::state::event_at(reader, mid)?
            .is_some_and(|e| (e.recorded_ms as i64) < ms);
        if before { lo = mid } else { hi = mid - 1 }
    }
    Ok(lo)
}

/// One subscription.
#[utoipa::path(get, path = "/epcis/queries/{queryName}/subscriptions/{subscriptionID}", params(("queryName" = String, Path), ("subscriptionID" = String, Path)),
    responses((status = 200, body = SubscriptionView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn subscription(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let s = state
        .queries
        .subscription(&member.name, &name, &id)
        .map_err(problem)?;
    Ok(epcis_headers(
        Json(SubscriptionView::from(s)).into_response(),
    ))
}

/// Ends a subscription.
#[utoipa::path(delete, path = "/epcis/queries/{queryName}/subscriptions/{subscriptionID}", params(("queryName" = String, Path), ("subscriptionID" = String, Path)),
    responses((status = 204, description = "ended"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn unsubscribe(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    state
        .queries
        .unsubscribe(&member.name, &name, &id)
        .map_err(problem)?;
    Ok(epcis_headers(StatusCode::NO_CONTENT.into_response()))
}
