//! What a tip's page posts: triage with the ILO forced-labour indicators, replies sealed to
//! the reporter, and the tip becoming a case.

use super::load;
use crate::console::ConsoleState;
use crate::console::{after_post, need, problem_page};
use crate::console::{form_for, refuse_or};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use unchain_tips::report::Content;

/// The triage form (`indicator` repeats).
#[derive(Debug, Default)]
struct TriageForm {
    csrf: String,
    id: String,
    priority: String,
    category: String,
    indicator: Vec<String>,
    closed: Option<String>,
}

/// `POST /console/tip/triage`.
pub async fn triage(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // `indicator` repeats, which axum's `Form` does not collect.
    let mut f = TriageForm::default();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => f.csrf = v.into_owned(),
            "id" => f.id = v.into_owned(),
            "priority" => f.priority = v.into_owned(),
            "category" => f.category = v.into_owned(),
            "indicator" => f.indicator.push(v.into_owned()),
            "closed" => f.closed = Some(v.into_owned()),
            _ => {}
        }
    }
    let back = format!("/console/tip?id={}", f.id);
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::TIPS).await);
    let body = serde_json::json!({
        "tip": f.id, "priority": f.priority, "category": f.category,
        "indicators": f.indicator, "closed": f.closed.is_some(), "actor": ctx.user.id,
    });
    match crate::console::submit_and_wait(&ctx, "tips.triage", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("event-recorded", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}

/// The reply form.
#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    id: String,
    text: String,
}

/// `POST /console/tip/reply`: sealed on the node to the organisation and to the reporter's
/// key, stored with the tips, and recorded.
pub async fn reply(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<ReplyForm>,
) -> Response {
    let back = format!("/console/tip?id={}", f.id);
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::TIPS).await);
    if let Err(e) = unchain_tips::report::check_text(f.text.trim()) {
        return after_post(&ctx, &back, "error", format!("text: {}", e.reason));
    }
    let Some(v) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("tip-missing", &[("id", &f.id)]),
        );
    };
    let (sealed, body) = unchain_tips::client::reply(
        &state.ledger.genesis().chain_id,
        &v.tip,
        &state.encryption.public_key(),
        f.text.trim(),
        &ctx.user.id,
        crate::service::now_ms(),
    );
    if let Err(e) = state.tip_store.put(&sealed.commitment, &sealed.ciphertext) {
        return after_post(&ctx, &back, "error", e.to_string());
    }
    match crate::console::submit_and_wait(&ctx, "tips.message", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("reply-sent", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}

/// The organisation's own country (its genesis jurisdiction), for phone numbers written
/// without `+`.
pub(super) fn country_of(state: &ConsoleState) -> String {
    state
        .ledger
        .genesis()
        .members
        .iter()
        .find(|m| m.name == state.node_name)
        .map(|m| m.jurisdiction.clone())
        .unwrap_or_default()
}

/// The convert form.
#[derive(Debug, Deserialize)]
pub struct ConvertForm {
    #[serde(default)]
    csrf: String,
    id: String,
    case: String,
    kind: String,
    #[serde(default)]
    country: String,
}

/// `POST /console/tip/convert`: the tip becomes a case. The report's phone numbers and
/// e-mail addresses become the sealed case's persons, blind-indexed, so that the case
/// matches other agencies' cases on them.
pub async fn convert(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<ConvertForm>,
) -> Response {
    let back = format!("/console/tip?id={}", f.id);
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::SEAL).await);
    let Some(v) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("tip-missing", &[("id", &f.id)]),
        );
    };
    if let Some(c) = &v.tip.case {
        return after_post(&ctx, &back, "error", ctx.ta("case-exists", &[("id", c)]));
    }
    if let Err(e) = crate::console::sealing::on_node(&state) {
        return after_post(&ctx, &back, "error", e.detail);
    }
    let Some(kind) = crate::console::cases::KINDS
        .into_iter()
        .find(|k| k.name() == f.kind)
    else {
        return after_post(
            &ctx,
            &back,
            "error",
            format!("kind: {:?} is not a kind of case", f.kind),
        );
    };
    if let Err(e) = unchain_cases::check_case_id("case", f.case.trim()) {
        return after_post(&ctx, &back, "error", format!("case: {}", e.reason));
    }
    let Some(first) = v.messages.first() else {
        return after_post(&ctx, &back, "error", ctx.t("open-not-yet"));
    };
    let report = super::open_message(&state, &ctx.user.id, &v.tip.tip, first).ok();
    let Some(Ok(Content::Report(r))) = report.map(|p| serde_json::from_value::<Content>(p.content))
    else {
        return after_post(&ctx, &back, "error", ctx.t("open-not-yet"));
    };
    let country = Some(f.country.trim().to_uppercase()).filter(|c| !c.is_empty());
    let (persons, _) = unchain_tips::client::contact_persons(&r.contacts, country.as_deref());
    let mut doc = serde_json::json!({"htcds_version": "2.0", "case": {"cas_Status": "Active"}});
    if !persons.is_empty() {
        doc["persons"] = serde_json::Value::Array(persons);
    }
    let doc = match unchain_htcds::document::validate(&doc) {
        Ok(d) => d,
        Err(e) => return after_post(&ctx, &back, "error", e.to_string()),
    };
    let case = f.case.trim();
    if let Err(e) =
        crate::console::cases::open_case(&ctx, case, kind, &doc, country.as_deref()).await
    {
        return after_post(&ctx, &back, "error", e.message);
    }
    let body = serde_json::json!({"tip": v.tip.tip, "case": case, "actor": ctx.user.id});
    match crate::console::submit_and_wait(&ctx, "tips.convert", body).await {
        Ok(h) => after_post(
            &ctx,
            &format!("/console/case?id={}", crate::console::url_encode(case)),
            "ok",
            ctx.ta("converted-at", &[("id", case), ("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}
