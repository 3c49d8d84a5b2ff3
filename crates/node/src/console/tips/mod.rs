//! The tips inbox: the tips handed to the organisation, a tip's page with its messages
//! opened on demand (every opening in the audit log) and their files. What the page posts —
//! triage, replies, conversion into a case — is in `actions`.

mod actions;

use actions::country_of;
pub use actions::{convert, reply, triage};

use crate::console::ConsoleState;
use crate::console::layout::{short, when};
use crate::console::{form_for, page_for, refuse_or};
use crate::console::{html, need, not_entitled, problem_page, viewer};
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
    State(state): State<ConsoleState>,
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
                            td { span.status { (t.status) } @if let Some(c) = &t.case { " → " a href=(format!("/console/case?id={}", crate::console::url_encode(c))) { (c) } } }
                            td { (t.messages) }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("tips-title", body))
}

/// Tip `id` of this node's organisation ([`crate::service::bundles::own_view`]).
fn load(state: &ConsoleState, id: &str) -> Option<TipView> {
    crate::service::bundles::own_view(state, &state.node_name, id).ok()
}

/// A tip page's query.
#[derive(Debug, Deserialize)]
pub struct TipQuery {
    id: String,
}

/// `GET /console/tip?id=`.
pub async fn detail(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<TipQuery>,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &uri.to_string()).await);
    tip_page(&ctx, &q.id, None)
}

fn tip_page(ctx: &crate::console::Ctx, id: &str, opened: Option<Markup>) -> Response {
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
                dt { (ctx.t("item-case")) } dd { a href=(format!("/console/case?id={}", crate::console::url_encode(c))) { (c) } }
            }
            dt { (ctx.t("proof-link")) } dd { a href=(format!("/console/ledger/tx/{}", t.tx_id)) { (short(&t.tx_id.to_string())) } }
        }
        @if let Some(e) = &t.erased {
            section aria-labelledby="msgs-h" {
                h2 #msgs-h { (ctx.t("tip-messages")) }
                p #tip-erased { (ctx.ta("tip-erased", &[("when", &when(e.time_ms)), ("by", &e.by)])) }
            }
        } @else {
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
                        @for k in crate::console::cases::KINDS {
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
        }
    };
    html(ctx.page("tips-title", body))
}

/// Opens message `m` of `tip` with the organisation's key for `user`, writing the reading
/// (served or not) to the audit log. `Err(None)`: the ciphertext has not reached this
/// node; `Err(Some(why))`: it does not open.
pub(super) fn open_message(
    state: &ConsoleState,
    user: &str,
    tip: &str,
    m: &unchain_tips::MessageState,
) -> Result<Payload, Option<String>> {
    let bytes = state.tip_store.get(&m.commitment).ok().flatten();
    let _ = state.audit.record_read(
        crate::service::now_ms(),
        &state.node_name,
        Some(user),
        None,
        m.commitment,
        bytes.is_some(),
    );
    unchain_tips::message::open(
        &state.ledger.genesis().chain_id,
        tip,
        &m.msg,
        &state.node_name,
        &m.keys.intake,
        &state.encryption,
        &bytes.ok_or(None)?,
    )
    .map_err(|e| Some(e.to_string()))
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
    State(state): State<ConsoleState>,
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
    if let Err(e) = crate::console::sealing::on_node(&state) {
        return problem_page(&ctx, e.http_status(), e.detail);
    }
    let mut shown = Vec::new();
    for m in &v.messages {
        let opened = open_message(&state, &ctx.user.id, &v.tip.tip, m)
            .map_err(|e| e.unwrap_or_else(|| ctx.t("open-not-yet")));
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

fn render(ctx: &crate::console::Ctx, tip: &str, seq: u32, p: &Payload) -> Markup {
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
    State(state): State<ConsoleState>,
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
    if let Err(e) = crate::console::sealing::on_node(&state) {
        return problem_page(&ctx, e.http_status(), e.detail);
    }
    let Some(v) = load(&state, &q.id) else {
        return missing();
    };
    let Some(m) = v.messages.iter().find(|m| m.seq == q.seq) else {
        return missing();
    };
    let Ok(p) = open_message(&state, &ctx.user.id, &v.tip.tip, m) else {
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
