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
use axum::response::{IntoResponse, Response};
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
            @if let Some(o) = opened { (o) } @else if !ctx.state.console.sealed {
                p.hint { (ctx.t("sealed-off")) }
            } @else {
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
        @if t.case.is_none() && ctx.may(need::SEAL) && ctx.state.console.sealed {
            section aria-labelledby="convert-h" {
                h2 #convert-h { (ctx.t("convert-title")) }
                p.hint { (ctx.t("convert-hint")) }
                form.stack method="post" action="/console/tip/convert" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(t.tip);
                    label for="case" { (ctx.t("case-id")) }
                    input #case name="case" type="text" required maxlength="64"
                        value=(format!("CASE-{}", t.tip.trim_start_matches("t-").to_uppercase()));
                    label for="kind" { (ctx.t("case-kind")) }
                    select #kind name="kind" {
                        @for k in super::cases::KINDS {
                            option value=(k.name()) selected[k == unchain_cases::workflow::CaseKind::Allegation] { (ctx.t(&format!("kind-{}", k.name()))) }
                        }
                    }
                    label for="country" { (ctx.t("convert-country")) }
                    input #country name="country" type="text" maxlength="2" value=(country_of(&ctx.state));
                    button type="submit" #convert { (ctx.t("convert-submit")) }
                }
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
    if let Err(e) = super::sealing::on_node(&state) {
        return problem_page(&ctx, StatusCode::FORBIDDEN, e);
    }
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
                        Ok(p) => { (render(&ctx, &v.tip.tip, *seq, p)) }
                        Err(e) => { p.notice.error { (e) } }
                    }
                }
            }
        }
    };
    tip_page(&ctx, &f.id, Some(opened))
}

/// Links to a message's files.
fn files(tip: &str, seq: u32, list: &[unchain_tips::report::Attachment]) -> Markup {
    html! {
        ul.files {
            @for (n, a) in list.iter().enumerate() {
                li { a href=(format!("/console/tip/file?id={tip}&seq={seq}&n={n}")) download=(a.label) { (a.label) } " · " (a.media_type) " · " (a.size) " B" }
            }
        }
    }
}

fn render(ctx: &super::Ctx, tip: &str, seq: u32, p: &Payload) -> Markup {
    match serde_json::from_value::<Content>(p.content.clone()) {
        Ok(Content::Report(r)) => html! {
            dl.facts {
                dt { (ctx.t("tip-seen")) } dd { (r.seen.join(", ")) }
                dt { (ctx.t("tip-where")) } dd { (r.location) }
                dt { (ctx.t("tip-when")) } dd { (r.when) }
                dt { (ctx.t("tip-danger")) } dd { (r.danger) }
                dt { (ctx.t("tip-contacts")) } dd { (r.contacts) }
                dt { (ctx.t("tip-description")) } dd.text { (r.description) }
                dt { (ctx.t("tip-files")) } dd { (r.attachments.len()) (files(tip, seq, &r.attachments)) }
            }
        },
        Ok(Content::Followup { text, attachments }) => html! {
            p { strong { (ctx.t("tip-followup")) } } p.text { (text) }
            @if !attachments.is_empty() { p.hint { (ctx.t("tip-files")) ": " (attachments.len()) } (files(tip, seq, &attachments)) }
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

/// The organisation's own country (its genesis jurisdiction), for phone numbers written
/// without `+`.
fn country_of(state: &ApiState) -> String {
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
    State(state): State<ApiState>,
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
    if let Err(e) = super::sealing::on_node(&state) {
        return after_post(&ctx, &back, "error", e);
    }
    let Some(kind) = super::cases::KINDS.into_iter().find(|k| k.name() == f.kind) else {
        return after_post(
            &ctx,
            &back,
            "error",
            format!("kind: {:?} is not a kind of case", f.kind),
        );
    };
    if let Err(e) = unchain_ledger::module::check_case_id("case", f.case.trim()) {
        return after_post(&ctx, &back, "error", format!("case: {}", e.reason));
    }
    let Some(first) = v.messages.first() else {
        return after_post(&ctx, &back, "error", ctx.t("open-not-yet"));
    };
    let bytes = state.tips.store.get(&first.commitment).ok().flatten();
    let _ = state.audit.record_read(
        crate::api::users::now_ms(),
        &state.node_name,
        Some(&ctx.user.id),
        None,
        first.commitment,
        bytes.is_some(),
    );
    let report = bytes.and_then(|b| {
        unchain_tips::message::open(
            &state.ledger.genesis().chain_id,
            &v.tip.tip,
            &first.msg,
            &state.node_name,
            &first.keys.intake,
            &state.encryption,
            &b,
        )
        .ok()
    });
    let Some(Ok(Content::Report(r))) = report.map(|p| serde_json::from_value::<Content>(p.content))
    else {
        return after_post(&ctx, &back, "error", ctx.t("open-not-yet"));
    };
    let country = Some(f.country.trim().to_uppercase()).filter(|c| !c.is_empty());
    let (persons, _) = unchain_tips::intake::contact_persons(&r.contacts, country.as_deref());
    let mut doc = serde_json::json!({"htcds_version": "2.0", "case": {"cas_Status": "Active"}});
    if !persons.is_empty() {
        doc["persons"] = serde_json::Value::Array(persons);
    }
    let doc = match unchain_htcds::document::validate(&doc) {
        Ok(d) => d,
        Err(e) => return after_post(&ctx, &back, "error", e.to_string()),
    };
    let case = f.case.trim();
    if let Err((_, e)) = super::cases::open_case(&ctx, case, kind, &doc, country.as_deref()).await {
        return after_post(&ctx, &back, "error", e);
    }
    let body = serde_json::json!({"tip": v.tip.tip, "case": case, "actor": ctx.user.id});
    match super::submit_and_wait(&ctx, "tips.convert", body).await {
        Ok(h) => after_post(
            &ctx,
            &format!("/console/case?id={}", super::url_encode(case)),
            "ok",
            ctx.ta("converted-at", &[("id", case), ("height", &h.to_string())]),
        ),
        Err(e) => after_post(&ctx, &back, "error", e),
    }
}

/// A file's query.
#[derive(Debug, Deserialize)]
pub struct FileQuery {
    id: String,
    seq: u32,
    n: usize,
}

/// `GET /console/tip/file?id=&seq=&n=`: file `n` of message `seq`, opened on the node (the
/// opening logged), checked against the SHA-256 the sealed content names, sent to keep.
pub async fn file(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<FileQuery>,
) -> Response {
    let back = format!("/console/tip?id={}", q.id);
    let ctx = refuse_or!(page_for(&state, &headers, &back, need::TIPS).await);
    let missing = || {
        problem_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.ta("tip-missing", &[("id", &q.id)]),
        )
    };
    if let Err(e) = super::sealing::on_node(&state) {
        return problem_page(&ctx, StatusCode::FORBIDDEN, e);
    }
    let Some(v) = load(&state, &q.id) else {
        return missing();
    };
    let Some(m) = v.messages.iter().find(|m| m.seq == q.seq) else {
        return missing();
    };
    let bytes = state.tips.store.get(&m.commitment).ok().flatten();
    let _ = state.audit.record_read(
        crate::api::users::now_ms(),
        &state.node_name,
        Some(&ctx.user.id),
        None,
        m.commitment,
        bytes.is_some(),
    );
    let opened = bytes.and_then(|b| {
        unchain_tips::message::open(
            &state.ledger.genesis().chain_id,
            &v.tip.tip,
            &m.msg,
            &state.node_name,
            &m.keys.intake,
            &state.encryption,
            &b,
        )
        .ok()
    });
    let Some(p) = opened else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, ctx.t("open-not-yet"));
    };
    let listed = match serde_json::from_value::<Content>(p.content.clone()) {
        Ok(Content::Report(r)) => r.attachments,
        Ok(Content::Followup { attachments, .. }) => attachments,
        _ => Vec::new(),
    };
    let (Some(a), Some(body)) = (
        listed.get(q.n),
        p.file_bytes().ok().and_then(|f| f.into_iter().nth(q.n)),
    ) else {
        return missing();
    };
    if unchain_types::Hash32::digest(&body) != a.sha256 {
        return problem_page(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}: its SHA-256 is not the one the report names", a.label),
        );
    }
    let ty = match a.media_type.as_str() {
        t @ ("image/jpeg" | "image/png" | "application/pdf") => t,
        _ => "application/octet-stream",
    };
    let name: String = a
        .label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, ty.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}
