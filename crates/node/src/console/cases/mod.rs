//! Cases: the list with search, and a case's page (history, links, evidence, sealed
//! details opened on demand, sharing, workflow, audit trail). New cases are in `new`, the
//! forms a case's page posts in `actions`, the page's parts in `parts`.

mod actions;
mod new;
mod parts;

pub use actions::{attach, open_details, share, transition};
pub use new::case_document;
pub(crate) use new::open_case;
pub use new::{create, new_form};
use parts::{audit_section, case_links, change_text, status_name};

use crate::console::ConsoleState;
use crate::console::layout::{short, when};
use crate::console::sealing;
use crate::console::{Ctx, html, need, not_entitled, problem_page, viewer};
use crate::console::{page_for, refuse_or};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use unchain_cases::workflow::{self, CaseKind};
use unchain_cases::{Case, CaseView, REFERRAL_REASONS};

pub(crate) const KINDS: [CaseKind; 4] = [
    CaseKind::Case,
    CaseKind::Allegation,
    CaseKind::Investigation,
    CaseKind::Rescue,
];

/// The legal bases a console user may name when sharing (court orders go through the CLI,
/// which carries the order's reference).
pub(super) const LEGAL_BASES: [&str; 4] = [
    "public_task",
    "legal_obligation",
    "vital_interests",
    "consent",
];

pub(super) fn load(state: &ConsoleState, id: &str) -> Result<Option<CaseView>, String> {
    let reader = state.ledger.state_reader().map_err(|e| e.to_string())?;
    unchain_cases::case(&reader, id).map_err(|e| e.to_string())
}

/// The list's query.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// 1, 2, 3, … of [`PAGE`] cases each.
    #[serde(default)]
    page: Option<usize>,
}

/// Cases per page of the list.
const PAGE: usize = 50;

/// `GET /console/cases`: the organisation's cases and those referred to it, searchable by
/// id, kind, status and agency.
pub async fn list(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<ListQuery>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::CASES).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let mut rows: Vec<(Case, Option<String>)> = unchain_cases::owned_by(&reader, &state.node_name)
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c, None))
        .collect();
    for (_, r) in unchain_cases::referrals(&reader, &state.node_name, b"").unwrap_or_default() {
        if let Ok(Some(v)) = unchain_cases::case(&reader, &r.case) {
            rows.push((v.case, Some(r.from)));
        }
    }
    let needle = q.q.trim().to_lowercase();
    rows.retain(|(c, from)| {
        needle.is_empty()
            || [
                c.case.as_str(),
                c.kind.name(),
                c.status.as_str(),
                c.owner.as_str(),
                from.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&needle))
    });
    rows.sort_by_key(|r| std::cmp::Reverse(r.0.opened_ms));
    let total = rows.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown = &rows[(page - 1) * PAGE..(page * PAGE).min(total)];
    let page_link = |n: usize| {
        format!(
            "/console/cases?q={}&page={n}",
            crate::console::url_encode(&q.q)
        )
    };
    let table = html! {
        @if rows.is_empty() {
            p.empty { (ctx.t("cases-none")) }
        } @else {
            table.list #cases-table {
                caption {
                    (ctx.ta("cases-count", &[("count", &total.to_string())]))
                    @if pages > 1 { " · " (ctx.ta("cases-page", &[("count", &page.to_string()), ("size", &pages.to_string())])) }
                }
                thead { tr {
                    th scope="col" { (ctx.t("case-id")) }
                    th scope="col" { (ctx.t("case-kind")) }
                    th scope="col" { (ctx.t("case-status")) }
                    th scope="col" { (ctx.t("case-owner")) }
                    th scope="col" { (ctx.t("case-opened")) }
                } }
                tbody {
                    @for (c, from) in shown {
                        tr {
                            td { a href=(format!("/console/case?id={}", crate::console::url_encode(&c.case))) { (c.case) } }
                            td { (ctx.t(&format!("kind-{}", c.kind.name()))) }
                            td { span.status { (status_name(&ctx, &c.status)) } }
                            td {
                                (c.owner)
                                @if let Some(f) = from { " · " (ctx.ta("referred-by", &[("org", f)])) }
                            }
                            td { (when(c.opened_ms)) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label=(ctx.t("cases-pages")) {
                    @if page > 1 { a href=(page_link(page - 1)) rel="prev" { "← " (page - 1) } }
                    " "
                    @if page < pages { a href=(page_link(page + 1)) rel="next" { (page + 1) " →" } }
                }
            }
        }
    };
    if headers.contains_key("hx-request") {
        return html(table);
    }
    let body = html! {
        h1 { (ctx.t("cases-title")) }
        div.actions {
            @if ctx.may(need::SEAL) && ctx.state.console.sealed {
                a.button href="/console/cases/new" #new-case { (ctx.t("case-new")) }
            }
        }
        form.search method="get" action="/console/cases" role="search" {
            label for="q" { (ctx.t("cases-search")) }
            input #q type="search" name="q" value=(q.q)
                hx-get="/console/cases" hx-trigger="input changed delay:300ms, search" hx-target="#results";
            button type="submit" { (ctx.t("search-submit")) }
        }
        div #results { (table) }
    };
    html(ctx.page("cases-title", body))
}

/// A case page's query.
#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    id: String,
}

/// `GET /console/case?id=`: a case's page.
pub async fn detail(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<CaseQuery>,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &uri.to_string()).await);
    case_page(&ctx, &q.id, None)
}

/// The case page, with `opened` (the sealed details, just opened) when there is one.
pub(super) fn case_page(ctx: &Ctx, id: &str, opened: Option<Markup>) -> Response {
    if !ctx.may(need::CASES) {
        return not_entitled(ctx, need::CASES);
    }
    let view = match load(&ctx.state, id) {
        Ok(Some(v)) => v,
        Ok(None) => {
            return problem_page(
                ctx,
                StatusCode::NOT_FOUND,
                ctx.ta("case-missing", &[("id", id)]),
            );
        }
        Err(e) => return problem_page(ctx, StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let c = &view.case;
    let record = sealing::record(&ctx.state, &c.record).ok();
    let ours = c.owner == ctx.state.node_name;
    let holds = record.as_ref().is_some_and(|r| {
        r.access
            .iter()
            .any(|a| a.member == ctx.state.node_name && a.revoked.is_none())
    });
    let reader = ctx.state.ledger.state_reader().ok();
    let items = reader
        .as_ref()
        .and_then(|r| unchain_custody::items_of_case(r, &c.case).ok())
        .unwrap_or_default();
    let members: Vec<String> = ctx
        .state
        .ledger
        .members()
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.name)
        .filter(|m| *m != ctx.state.node_name)
        .collect();
    let next: Vec<&str> = c
        .kind
        .statuses()
        .iter()
        .copied()
        .filter(|to| workflow::transition(c.kind, &c.status, to).is_ok())
        .collect();
    let idq = crate::console::url_encode(&c.case);
    let links = case_links(ctx, c, &items, reader.as_ref());
    let body = html! {
        h1 { (ctx.t(&format!("kind-{}", c.kind.name()))) " " (c.case) }
        dl.facts {
            dt { (ctx.t("case-status")) } dd #case-status { span.status { (status_name(ctx, &c.status)) } }
            dt { (ctx.t("case-owner")) } dd { (c.owner) }
            dt { (ctx.t("case-opened")) } dd { (when(c.opened_ms)) }
            dt { (ctx.t("case-record")) } dd { code title=(c.record.to_string()) { (short(&c.record.to_string())) } " v" (c.record_version) }
            @if !c.referred_to.is_empty() {
                dt { (ctx.t("case-referred-to")) } dd #case-referred { (c.referred_to.join(", ")) }
            }
        }
        section aria-labelledby="timeline-h" {
            h2 #timeline-h { (ctx.t("case-timeline")) }
            (crate::console::svg::case_timeline(ctx, &view.events))
            ol.timeline {
                @for e in &view.events {
                    li {
                        time { (when(e.time_ms)) } " · "
                        (change_text(ctx, &e.change)) " · "
                        (e.member) " (" (e.actor) ") · "
                        a href=(format!("/console/ledger/tx/{}", e.tx_id)) { (ctx.t("proof-link")) }
                    }
                }
            }
        }
        @if !links.is_empty() {
            section aria-labelledby="links-h" {
                h2 #links-h { (ctx.t("case-links")) }
                (crate::console::svg::case_links(ctx, &c.case, &links))
            }
        }
        section aria-labelledby="sealed-h" {
            h2 #sealed-h { (ctx.t("case-sealed")) }
            @if let Some(o) = opened {
                (o)
            } @else if !ctx.state.console.sealed {
                p.hint #sealed-off { (ctx.t("sealed-off")) }
            } @else if ctx.may(need::READ_SEALED) {
                form method="post" action="/console/case/open" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    p.hint { (ctx.t("open-logged")) }
                    button type="submit" #open-details { (ctx.t("open-details")) }
                }
            }
            @if holds && ctx.may(need::SEAL) && ctx.state.console.sealed {
                details {
                    summary { (ctx.t("attach-title")) }
                    form.stack method="post" action="/console/case/attach" {
                        (ctx.csrf())
                        input type="hidden" name="id" value=(c.case);
                        label for="note" { (ctx.t("attach-note")) }
                        textarea #note name="note" rows="4" required {}
                        button type="submit" #attach { (ctx.t("attach-submit")) }
                    }
                }
            }
        }
        @if !items.is_empty() {
            section aria-labelledby="items-h" {
                h2 #items-h { (ctx.t("case-evidence")) }
                ul {
                    @for it in &items {
                        li { a href=(format!("/console/custody/item/{}", it.item)) { (it.description) } " · " (ctx.t(&format!("custody-status-{:?}", it.status).to_lowercase())) }
                    }
                }
            }
        }
        @if ctx.may(need::CUSTODY_ACT) {
            p { a href=(format!("/console/custody?case={idq}#collect")) { (ctx.t("custody-collect-for-case")) } }
        }
        @if ours && holds && ctx.may(need::CASE_ACT) && ctx.state.console.sealed {
            section aria-labelledby="share-h" {
                h2 #share-h { (ctx.t("share-title")) }
                form.stack method="post" action="/console/case/share" #share-form {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    label for="to" { (ctx.t("share-to")) }
                    select #to name="to" required {
                        @for m in &members { option value=(m) { (m) } }
                    }
                    label for="purpose" { (ctx.t("share-purpose")) }
                    input #purpose name="purpose" type="text" required maxlength="200";
                    label for="legal_basis" { (ctx.t("share-basis")) }
                    select #legal_basis name="legal_basis" {
                        @for b in LEGAL_BASES { option value=(b) { (ctx.t(&format!("basis-{b}"))) } }
                    }
                    label for="reason" { (ctx.t("share-reason")) }
                    select #reason name="reason" {
                        @for r in REFERRAL_REASONS { option value=(r) { (ctx.t(&format!("reason-{r}"))) } }
                    }
                    button type="submit" #share { (ctx.t("share-submit")) }
                }
            }
        }
        @if ours && ctx.may(need::CASE_ACT) && !next.is_empty() {
            section aria-labelledby="move-h" {
                h2 #move-h { (ctx.t("move-title")) }
                form.inline method="post" action="/console/case/transition" {
                    (ctx.csrf())
                    input type="hidden" name="id" value=(c.case);
                    input type="hidden" name="from" value=(c.status);
                    label for="to-status" { (ctx.t("move-to")) }
                    select #to-status name="to" { @for s in &next { option value=(s) { (status_name(ctx, s)) } } }
                    label for="outcome" { (ctx.t("move-outcome")) }
                    select #outcome name="outcome" {
                        option value="" { "—" }
                        @for o in workflow::outcomes(c.kind) { option value=(o) { (o) } }
                    }
                    button type="submit" { (ctx.t("move-submit")) }
                }
            }
        }
        @if ctx.may(&[crate::users::UserRole::Investigator, crate::users::UserRole::Administrator]) && holds {
            (audit_section(ctx, c, record.as_ref()))
        }
    };
    html(ctx.page("case-title", body))
}
