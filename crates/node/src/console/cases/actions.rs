//! What a case's page posts: opening the sealed details (logged), adding a note as a new
//! version, sharing (grant and referral), and the workflow.

use super::new::seal_document;
use super::parts::{render_document, status_name};
use super::{LEGAL_BASES, case_page, load};
use crate::console::ConsoleState;
use crate::console::sealing::{self, OpenError};
use crate::console::{after_post, need, not_entitled, problem_page};
use crate::console::{form_for, refuse_or};
use crate::users::UserRole;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

/// A form naming a case.
#[derive(Debug, Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

/// `POST /console/case/open`: opens the sealed details for a user whose role reads them;
/// every attempt is logged.
pub async fn open_details(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<CaseForm>,
) -> Response {
    let back = format!("/console/case?id={}", crate::console::url_encode(&f.id));
    // Every role may ask: a refusal by role is decided, and logged, by `sealing::open`.
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, &UserRole::ALL).await);
    let view = match load(&state, &f.id) {
        Ok(Some(v)) => v,
        _ => {
            return problem_page(
                &ctx,
                StatusCode::NOT_FOUND,
                ctx.ta("case-missing", &[("id", &f.id)]),
            );
        }
    };
    match sealing::open(&state, &ctx.user, &view.case.record, None) {
        Ok((version, plain)) => {
            let doc: Value = serde_json::from_slice(&plain).unwrap_or(Value::Null);
            let shown = html! {
                div.opened #sealed-details role="region" aria-label=(ctx.t("case-sealed")) {
                    p.hint { (ctx.ta("opened-version", &[("count", &version.to_string())])) }
                    (render_document(&doc))
                }
            };
            case_page(&ctx, &f.id, Some(shown))
        }
        Err(OpenError::Role) => {
            let mut r = not_entitled(&ctx, need::READ_SEALED);
            *r.status_mut() = StatusCode::FORBIDDEN;
            r
        }
        Err(OpenError::Denied(why)) => problem_page(
            &ctx,
            StatusCode::FORBIDDEN,
            ctx.ta(
                "open-denied",
                &[("org", &state.node_name), ("reason", &why)],
            ),
        ),
        Err(OpenError::NotYet) => {
            problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, ctx.t("open-not-yet"))
        }
        Err(OpenError::Off(why)) => problem_page(&ctx, StatusCode::FORBIDDEN, why),
        Err(OpenError::Other(e)) => problem_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The attach form.
#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    csrf: String,
    id: String,
    note: String,
}

/// `POST /console/case/attach`: adds a note to the sealed details as a new version, sealed
/// to every agency with access, and points the case at it.
pub async fn attach(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<AttachForm>,
) -> Response {
    let back = format!("/console/case?id={}", crate::console::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::SEAL).await);
    let Ok(Some(view)) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("case-missing", &[("id", &f.id)]),
        );
    };
    let mut doc = match sealing::open(&state, &ctx.user, &view.case.record, None) {
        Ok((_, plain)) => serde_json::from_slice::<Value>(&plain).unwrap_or_else(|_| json!({})),
        Err(_) => return after_post(&ctx, &back, "error", ctx.t("attach-cannot-open")),
    };
    let comments = doc
        .as_object_mut()
        .map(|m| m.entry("comments").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = comments {
        list.push(json!({"cco_CaseComment": f.note.trim()}));
    }
    let doc = match unchain_htcds::document::validate(&doc) {
        Ok(d) => d,
        Err(e) => return after_post(&ctx, &back, "error", e.to_string()),
    };
    let version = match seal_document(&ctx, &doc, Some(view.case.record), None).await {
        Ok(_) => view.case.record_version + 1,
        Err(e) => return after_post(&ctx, &back, "error", e.message),
    };
    let body = unchain_cases::client::update(&f.id, version, &ctx.user.id);
    match crate::console::submit_and_wait(&ctx, "cases.update", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta(
                "attached-at",
                &[("count", &version.to_string()), ("height", &h.to_string())],
            ),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}

/// The share form.
#[derive(Debug, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    csrf: String,
    id: String,
    to: String,
    purpose: String,
    legal_basis: String,
    reason: String,
}

/// `POST /console/case/share`: grants the agency the sealed record, then refers the case.
pub async fn share(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<ShareForm>,
) -> Response {
    let back = format!("/console/case?id={}", crate::console::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::CASE_ACT).await);
    let Ok(Some(view)) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("case-missing", &[("id", &f.id)]),
        );
    };
    if !LEGAL_BASES.contains(&f.legal_basis.as_str()) {
        return after_post(
            &ctx,
            &back,
            "error",
            format!("legal_basis: {:?} is not offered here", f.legal_basis),
        );
    }
    let grant = match sealing::grant_body(
        &state,
        &view.case.record,
        &f.to,
        f.purpose.trim(),
        &f.legal_basis,
        &ctx.user.id,
    ) {
        Ok(b) => b,
        Err(e) => return after_post(&ctx, &back, "error", e.detail),
    };
    if let Err(e) = crate::console::submit_and_wait(&ctx, "vault.grant", grant).await {
        return after_post(&ctx, &back, "error", e.detail);
    }
    let refer = unchain_cases::client::refer(&f.id, &f.to, &f.reason, &ctx.user.id);
    match crate::console::submit_and_wait(&ctx, "cases.refer", refer).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("shared-at", &[("to", &f.to), ("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}

/// The workflow form.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    id: String,
    from: String,
    to: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /console/case/transition`.
pub async fn transition(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<MoveForm>,
) -> Response {
    let back = format!("/console/case?id={}", crate::console::url_encode(&f.id));
    let ctx = refuse_or!(form_for(&state, &headers, &back, &f.csrf, need::CASE_ACT).await);
    let outcome = (!f.outcome.is_empty()).then_some(f.outcome.as_str());
    let body =
        unchain_cases::client::transition(&f.id, &f.from, &f.to, outcome, None, &ctx.user.id);
    match crate::console::submit_and_wait(&ctx, "cases.transition", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta(
                "moved-at",
                &[
                    ("status", &status_name(&ctx, &f.to)),
                    ("height", &h.to_string()),
                ],
            ),
        ),
        Err(e) => after_post(&ctx, &back, "error", e.detail),
    }
}
