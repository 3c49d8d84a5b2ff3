//! Recording custody events from the console: a collection, the giver's and the receiver's
//! halves of a hand-over, calling one off, and analysis, sealing, court, return and
//! destruction. The ledger checks the chain; its refusal is shown as it is.

use super::parse_item;
use crate::console::ConsoleState;
use crate::console::{after_post, need, problem_page};
use crate::console::{form_for, refuse_or};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use unchain_custody::body::Action;
use unchain_types::Hash32;

/// The collection form.
#[derive(Debug, Deserialize)]
pub struct CollectForm {
    #[serde(default)]
    csrf: String,
    case: String,
    evidence: String,
    description: String,
    content_hash: String,
    location: String,
    reason: String,
}

/// `POST /console/custody/collect`: records an item's collection.
pub async fn collect(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<CollectForm>,
) -> Response {
    let ctx = refuse_or!(
        form_for(
            &state,
            &headers,
            "/console/custody",
            &f.csrf,
            need::CUSTODY_ACT
        )
        .await
    );
    let item = Hash32(rand::random());
    let body = json!({
        "item": item, "actor": ctx.user.id, "at_ms": crate::service::now_ms(),
        "location": f.location.trim(), "reason": f.reason.trim(), "case": f.case,
        "evidence": f.evidence, "content_hash": f.content_hash.trim().to_lowercase(),
        "description": f.description.trim(),
    });
    match crate::console::submit_and_wait(&ctx, "custody.collect", body).await {
        Ok(h) => after_post(
            &ctx,
            &format!("/console/custody/item/{item}"),
            "ok",
            ctx.ta("event-recorded", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, "/console/custody#collect", "error", e.detail),
    }
}

/// A custody event's form: the common fields and those of every action, of which the
/// handler sends only the ones the action takes.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct EventForm {
    csrf: String,
    action: String,
    to: String,
    to_actor: String,
    method: String,
    result_hash: String,
    seal_number: String,
    court: String,
    proceeding: String,
    returned_to: String,
    location: String,
    reason: String,
}

/// The actions of the "record an event" form, with the fields each takes.
pub(super) const EVENTS: [(Action, &[&str]); 5] = [
    (Action::Analyse, &["method", "result_hash"]),
    (Action::Seal, &["seal_number"]),
    (Action::Present, &["court", "proceeding"]),
    (Action::Return, &["returned_to"]),
    (Action::Destroy, &["method"]),
];

impl EventForm {
    fn field(&self, name: &str) -> &str {
        match name {
            "to" => &self.to,
            "to_actor" => &self.to_actor,
            "method" => &self.method,
            "result_hash" => &self.result_hash,
            "seal_number" => &self.seal_number,
            "court" => &self.court,
            "proceeding" => &self.proceeding,
            "returned_to" => &self.returned_to,
            _ => "",
        }
        .trim()
    }
}

/// Records `action` on item `id` with the fields of `f` that the action takes; the ledger
/// checks the rest (holder, order, required fields) and its refusal is shown as it is.
async fn event(
    state: ConsoleState,
    headers: HeaderMap,
    id: String,
    f: EventForm,
    action: Action,
) -> Response {
    let back = format!("/console/custody/item/{id}");
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::CUSTODY_ACT).await);
    let head = parse_item(&id).and_then(|h| {
        let reader = state.ledger.state_reader().ok()?;
        unchain_custody::item(&reader, &h).ok()?
    });
    let Some(it) = head else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("item-missing", &[("id", &id)]),
        );
    };
    let mut body = unchain_custody::client::next_event(
        &it,
        unchain_custody::client::At {
            actor: &ctx.user.id,
            at_ms: crate::service::now_ms().max(it.last_at_ms),
            location: f.location.trim(),
            reason: f.reason.trim(),
        },
    );
    let fields: &[&str] = match action {
        Action::Transfer => &["to", "to_actor"],
        other => EVENTS
            .iter()
            .find(|(a, _)| *a == other)
            .map_or(&[][..], |(_, f)| f),
    };
    for name in fields {
        let v = f.field(name);
        // Optional fields left empty are left out; required ones are named by the ledger.
        if !v.is_empty() || !matches!(*name, "to_actor" | "result_hash") {
            body[*name] = v.into();
        }
    }
    match crate::console::submit_and_wait(&ctx, action.kind(), body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("event-recorded", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}

/// `POST /console/custody/item/{item}/transfer`: the giver's half of a hand-over.
pub async fn transfer(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EventForm>,
) -> Response {
    event(state, headers, id, f, Action::Transfer).await
}

/// `POST /console/custody/item/{item}/receive`: the receiver's half.
pub async fn receive(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EventForm>,
) -> Response {
    event(state, headers, id, f, Action::Receive).await
}

/// `POST /console/custody/item/{item}/cancel`: either side calls off a hand-over not yet
/// received.
pub async fn cancel(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EventForm>,
) -> Response {
    event(state, headers, id, f, Action::Cancel).await
}

/// `POST /console/custody/item/{item}/event`: analysis, sealing, presentation in court,
/// return or destruction (`action`).
pub async fn other(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EventForm>,
) -> Response {
    let action = EVENTS
        .iter()
        .map(|(a, _)| *a)
        .find(|a| a.kind().strip_prefix("custody.") == Some(f.action.as_str()));
    match action {
        Some(a) => event(state, headers, id, f, a).await,
        None => (
            StatusCode::BAD_REQUEST,
            format!(
                "action: {:?} is not analyse, seal, present, return or destroy",
                f.action
            ),
        )
            .into_response(),
    }
}
