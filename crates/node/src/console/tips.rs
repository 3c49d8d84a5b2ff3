//! The tips inbox: the tips handed to the organisation, a tip's page with its messages
//! opened on demand (every opening in the audit log), triage with the ILO forced-labour
//! indicators, and replies the reporter reads with the receipt code.

use super::layout::{short, when};
use super::{after_post, html, need, not_entitled, problem_page, viewer};
use super::{form_for, page_for, refuse_or};
use crate::api::ApiState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use unchain_tips::TipView;
use unchain_tips::body::{CATEGORIES, ILO_INDICATORS, PRIORITIES};
use unchain_tips::message::Payload;
use unchain_tips::report::Content;

/// `GET /console/tips`: the tips handed to the organisation (metadata only).
pub async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::TIPS).await);
    let tips = state
        .ledger
        .state_reader()
        .ok()
        .and_then(|r| unchain_tips::inbox(&r, &state.node_name).ok())
        .unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("tips-title")) }
        p.lead { (ctx.t("tips-lead")) }
        @if tips.is_empty() { p.empty { (ctx.t("tips-none")) } }
        @else {
            table.list #tips {
                thead { tr {
                    th scope="col" { (ctx.t("tip-id")) }
                    th scope="col" { (ctx.t("tip-received")) }
                    th scope="col" { (ctx.t("tip-form")) }
                    th scope="col" { (ctx.t("tip-status")) }
                    th scope="col" { (ctx.t("tip-messages")) }
                } }
                tbody {
                    @for t in tips.iter().rev() {
                        tr {
                            td { a href=(format!("/console/tip?id={}", t.tip)) { code { (t.tip) } } }
                            td { (when(t.received_ms)) }
                            td { (t.form) }
                            td { span.status { (t.status) } @if let Some(c) = &t.case { " → " a href=(format!("/console/case?id={}", super::url_encode(c))) { (c) } } }
                            td { (t.messages) }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("tips-title", body))
}

fn load(state: &ApiState, id: &str) -> Option<TipView> {
    unchain_tips::body::check_tip_id("tip", id).ok()?;
    let view = unchain_tips::tip(&state.ledger.state_reader().ok()?, id).ok()??;
    (view.tip.intake == state.node_name).then_some(view)
}

/// A tip page's query.
#[derive(Debug, Deserialize)]
pub struct TipQuery {
    id: String,
}

/// `GET /console/tip?id=`.
pub async fn detail(
    State(state): State<ApiState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<TipQuery>,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &uri.to_string()).await);
    tip_page(&ctx, &q.id, None)
}

fn tip_page(ctx: &super::Ctx, id: &str, opened: Option<Markup>) -> Response {
    if !ctx.may(need::TIPS) {
        return not_entitled(ctx, need::TIPS);
    }
    let Some(v) = load(&ctx.state, id) else {
        return problem_page(
            ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("tip-missing", &[("id", id)]),
        );
    };
    let t = &v.tip;
    let triage = t.triage.as_ref();
    let body = html! {
        h1 { (ctx.t("tip-id")) " " code { (t.tip) } }
        dl.facts {
            dt { (ctx.t("tip-received")) } dd { (when(t.received_ms)) }
            dt { (ctx.t("tip-form")) } dd { (t.form) }
            dt { (ctx.t("tip-status")) } dd #tip-status { span.status { (t.status) } }
            dt { (ctx.t("tip-messages")) } dd { (t.messages) }
            @if let Some(tr) = triage {
                dt { (ctx.t("triage-priority")) } dd #tip-priority { (tr.priority) }
                dt { (ctx.t("triage-category")) } dd { (tr.category) }
                dt { (ctx.t("triage-indicators")) } dd { (tr.indicators.join(", ")) }
            }
            @if let Some(c) = &t.case {
                dt { (ctx.t("item-case")) } dd { a href=(format!("/console/case?id={}", super::url_encode(c))) { (c) } }
            }
            dt { (ctx.t("proof-link")) } dd { a href=(format!("/console/ledger/tx/{}", t.tx_id)) { (short(&t.tx_id.to_string())) } }
        }
        section aria-labelledby="msgs-h" {
            h2 #msgs-h { (ctx.t("tip-messages")) }
            @if let Some(o) = opened { (o) } @else {
                form method="post" action="/console/tip/open" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(t.tip);
                    p.hint { (ctx.t("open-logged")) }
                    button type="submit" #open-tip { (ctx.t("tip-open")) }
                }
            }
        }
        section aria-labelledby="triage-h" {
            h2 #triage-h { (ctx.t("triage-title")) }
            form.stack method="post" action="/console/tip/triage" {
                (ctx.csrf())
                input type="hidden" name="id" value=(t.tip);
                label for="priority" { (ctx.t("triage-priority")) }
                select #priority name="priority" {
                    @for p in PRIORITIES { option value=(p) selected[triage.is_some_and(|t| t.priority == p)] { (p) } }
                }
                label for="category" { (ctx.t("triage-category")) }
                select #category name="category" {
                    @for c in CATEGORIES { option value=(c) selected[triage.is_some_and(|t| t.category == c)] { (c) } }
                }
                fieldset {
                    legend { (ctx.t("triage-indicators")) }
                    @for i in ILO_INDICATORS {
                        label.check {
                            input type="checkbox" name="indicator" value=(i) checked[triage.is_some_and(|t| t.indicators.iter().any(|x| x == i))];
                            " " (i.replace('_', " "))
                        }
                    }
                }
                label.check { input type="checkbox" name="closed" value="1"; " " (ctx.t("triage-close")) }
                button type="submit" #triage { (ctx.t("triage-submit")) }
            }
        }
        section aria-labelledby="reply-h" {
            h2 #reply-h { (ctx.t("reply-title")) }
            p.hint { (ctx.t("reply-hint")) }
            form.stack method="post" action="/console/tip/reply" {
                (ctx.csrf())
                input type="hidden" name="id" value=(t.tip);
                label for="text" { (ctx.t("reply-text")) }
                textarea #text name="text" rows="4" required {}
                button type="submit" #reply { (ctx.t("reply-submit")) }
            }
        }
    };
    html(ctx.page("tips-title", body))
}

/// A form naming a tip.
#[derive(Debug, Deserialize)]
pub struct TipForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

/// `POST /console/tip/open`: opens every message with the organisation's key; each
/// opening is a line of the audit log.
pub async fn open(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Form(f): Form<TipForm>,
) -> Response {
    let ctx = refuse_or!(
        form_for(
            &state,
            &headers,
            &format!("/console/tip?id={}", f.id),
            &f.csrf,
            need::TIPS
        )
        .await
    );
    let Some(v) = load(&state, &f.id) else {
        return problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("tip-missing", &[("id", &f.id)]),
        );
    };
    let chain = state.ledger.genesis().chain_id.clone();
    let mut shown = Vec::new();
    for m in &v.messages {
        let bytes = state.tips.store.get(&m.commitment).ok().flatten();
        let _ = state.audit.record_read(
            crate::api::users::now_ms(),
            &state.node_name,
            Some(&ctx.user.id),
            None,
            m.commitment,
            bytes.is_some(),
        );
        let opened = bytes.ok_or_else(|| ctx.t("open-not-yet")).and_then(|b| {
            unchain_tips::message::open(
                &chain,
                &v.tip.tip,
                &m.msg,
                &state.node_name,
                &m.keys.intake,
                &state.encryption,
                &b,
            )
            .map_err(|e| e.to_string())
        });
        shown.push((m.seq, m.at_ms, opened));
    }
    tracing::info!(user = %ctx.user.id, tip = %v.tip.tip, "console: tip opened");
    let opened = html! {
        ol.messages #tip-messages {
            @for (seq, at, p) in &shown {
                li {
                    p.hint { "#" (seq) " · " (when(*at)) }
                    @match p {
                        Ok(p) => { (render(&ctx, p)) }
                        Err(e) => { p.notice.error { (e) } }
                    }
                }
            }
        }
    };
    tip_page(&ctx, &f.id, Some(opened))
}

fn render(ctx: &super::Ctx, p: &Payload) -> Markup {
    match serde_json::from_value::<Content>(p.content.clone()) {
        Ok(Content::Report(r)) => html! {
            dl.facts {
                dt { (ctx.t("tip-seen")) } dd { (r.seen.join(", ")) }
                dt { (ctx.t("tip-where")) } dd { (r.location) }
                dt { (ctx.t("tip-when")) } dd { (r.when) }
                dt { (ctx.t("tip-danger")) } dd { (r.danger) }
                dt { (ctx.t("tip-contacts")) } dd { (r.contacts) }
                dt { (ctx.t("tip-description")) } dd.text { (r.description) }
                dt { (ctx.t("tip-files")) } dd { (r.attachments.len()) }
            }
        },
        Ok(Content::Followup { text, attachments }) => html! {
            p { strong { (ctx.t("tip-followup")) } } p.text { (text) }
            @if !attachments.is_empty() { p.hint { (ctx.t("tip-files")) ": " (attachments.len()) } }
        },
        Ok(Content::Reply { text }) => {
            html! { p { strong { (ctx.t("tip-our-reply")) } } p.text { (text) } }
        }
        Err(e) => html! { p.notice.error { (e.to_string()) } },
    }
}

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
    State(state): State<ApiState>,
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
    match super::submit_and_wait(&ctx, "tips.triage", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("event-recorded", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
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
    State(state): State<ApiState>,
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
    let (sealed, body) = unchain_tips::intake::reply(
        &state.ledger.genesis().chain_id,
        &v.tip,
        &state.encryption.public_key(),
        f.text.trim(),
        &ctx.user.id,
        crate::api::users::now_ms(),
    );
    if let Err(e) = state.tips.store.put(&sealed.commitment, &sealed.ciphertext) {
        return after_post(&ctx, &back, "error", e.to_string());
    }
    match super::submit_and_wait(&ctx, "tips.message", body).await {
        Ok(h) => after_post(
            &ctx,
            &back,
            "ok",
            ctx.ta("reply-sent", &[("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
    }
}
