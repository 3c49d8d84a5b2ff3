//! The dashboard (what needs me now) and the match alerts.

use super::layout::{short, when};
use super::{html, need, problem_page, viewer};
use super::{page_for, refuse_or};
use crate::console::ConsoleState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;

/// `GET /console`: alerts, hand-overs awaiting a signature, referrals and new tips, each
/// shown only to the roles that act on them.
pub async fn page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, &uri.to_string()).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let me = state.node_name.as_str();
    let alerts = if ctx.may(need::ALERTS) {
        unchain_vault::state::alerts(&reader, me).unwrap_or_default()
    } else {
        Vec::new()
    };
    let waiting: Vec<_> = if ctx.may(need::CUSTODY_ACT) {
        unchain_custody::waiting(&reader, me)
            .unwrap_or_default()
            .into_iter()
            .filter(|it| {
                it.pending
                    .as_ref()
                    .is_some_and(|p| p.to_actor.as_ref().is_none_or(|a| *a == ctx.user.id))
            })
            .collect()
    } else {
        Vec::new()
    };
    let referrals = if ctx.may(need::CASES) {
        unchain_cases::referrals(&reader, me, b"").unwrap_or_default()
    } else {
        Vec::new()
    };
    let tips: Vec<_> = if ctx.may(need::TIPS) {
        unchain_tips::inbox(&reader, me)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.status == "new")
            .collect()
    } else {
        Vec::new()
    };
    let tile = |id: &str, key: &str, count: usize, href: &str| {
        html! {
            a.tile #(id) href=(href) class=[(count > 0).then_some("due")] {
                span.count { (count) }
                span.label { (ctx.ta(key, &[("count", &count.to_string())])) }
            }
        }
    };
    let body = html! {
        h1 { (ctx.t("dashboard-title")) }
        p.lead { (ctx.t("dashboard-lead")) }
        div.tiles {
            @if ctx.may(need::ALERTS) { (tile("tile-alerts", "dash-alerts", alerts.len(), "/console/alerts")) }
            @if ctx.may(need::CUSTODY_ACT) { (tile("tile-handovers", "dash-handovers", waiting.len(), "/console/custody")) }
            @if ctx.may(need::CASES) { (tile("tile-referrals", "dash-referrals", referrals.len(), "/console/cases")) }
            @if ctx.may(need::TIPS) { (tile("tile-tips", "dash-tips", tips.len(), "/console/tips")) }
        }
        @if !waiting.is_empty() {
            section aria-labelledby="wait-h" {
                h2 #wait-h { (ctx.t("dash-handovers")) }
                ul {
                    @for it in &waiting {
                        li { a href=(format!("/console/custody/item/{}", it.item)) { (it.description) } " · " (ctx.ta("from-org", &[("org", &it.holder.member)])) }
                    }
                }
            }
        }
        @if !referrals.is_empty() {
            section aria-labelledby="ref-h" {
                h2 #ref-h { (ctx.t("dash-referrals")) }
                ul #referrals {
                    @for (_, r) in referrals.iter().rev().take(10) {
                        li {
                            a href=(format!("/console/case?id={}", super::url_encode(&r.case))) { (r.case) }
                            " · " (ctx.ta("referred-by", &[("org", &r.from)])) " · " (when(r.time_ms))
                        }
                    }
                }
            }
        }
        @if ctx.user.roles == [crate::users::UserRole::BorderOfficer] {
            p { a href="/border" { (ctx.t("border-link")) } }
        }
    };
    html(ctx.page("dashboard-title", body))
}

/// `GET /console/alerts`: the organisation's match alerts (the kind of identifier shared,
/// never the identifier).
pub async fn alerts(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::ALERTS).await);
    let alerts = state
        .ledger
        .state_reader()
        .ok()
        .and_then(|r| unchain_vault::state::alerts(&r, &state.node_name).ok())
        .unwrap_or_default();
    let reader = state.ledger.state_reader().ok();
    let case_of = |record: &unchain_types::Hash32| -> Option<String> {
        let r = reader.as_ref()?;
        unchain_cases::owned_by(r, &state.node_name)
            .ok()?
            .into_iter()
            .find(|c| c.record == *record)
            .map(|c| c.case)
    };
    let body = html! {
        h1 { (ctx.t("alerts-title")) }
        p.lead { (ctx.t("alerts-lead")) }
        @if alerts.is_empty() { p.empty { (ctx.t("alerts-none")) } }
        @else {
            table.list #alerts {
                thead { tr {
                    th scope="col" { (ctx.t("alert-when")) }
                    th scope="col" { (ctx.t("alert-ours")) }
                    th scope="col" { (ctx.t("alert-other")) }
                    th scope="col" { (ctx.t("alert-kind")) }
                } }
                tbody {
                    @for a in alerts.iter().rev() {
                        tr {
                            td { (when(a.timestamp_ms)) }
                            td {
                                @if let Some(c) = case_of(&a.record) {
                                    a href=(format!("/console/case?id={}", super::url_encode(&c))) { (c) }
                                } @else { code { (short(&a.record.to_string())) } }
                            }
                            td { (a.other_member) " · " code { (short(&a.other_record.to_string())) } }
                            td { (ctx.t(&format!("identifier-{}", a.kind.as_str()))) }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("alerts-title", body))
}
