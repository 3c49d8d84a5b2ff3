//! Recruitment in the console: for a regulator, every open alert about the parties it
//! licensed; for a brand, every open alert about the employers it linked itself to (contracts worse than their offers, fees, workers' disputes, wage findings,
//! passports held); for a licensed recruiter or employer, its own offers with their
//! contracts and substitutions, its wages or fees (`recruit_money`); worker voice
//! (`recruit_voice`).

use super::layout::short;
use super::{html, need, page_for, problem_page, refuse_or};
use crate::console::ConsoleState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use unchain_recruit::body::PartyKind;
use unchain_recruit::state;

/// `GET /console/recruit`.
pub async fn page(State(state): State<ConsoleState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::RECRUIT).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let me = &state.node_name;
    let country = state
        .ledger
        .members()
        .ok()
        .and_then(|ms| ms.into_iter().find(|m| &m.name == me))
        .map(|m| m.jurisdiction)
        .unwrap_or_default();
    let Ok(alerts) = state::alerts(&reader, &country) else {
        return problem_page(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "recruit state".into(),
        );
    };
    let party = state::party(&reader, me).ok().flatten();
    let now_ms = state.ledger.head().map(|h| h.timestamp_ms).unwrap_or(0);
    let offers = match party.as_ref().map(|p| p.licence.kind) {
        Some(PartyKind::Employer) => state::offers_naming(&reader, me).unwrap_or_default(),
        Some(PartyKind::Recruiter) => {
            // A recruiter's offers: those it registered.
            state::offers_by(&reader, me).unwrap_or_default()
        }
        None => Vec::new(),
    };
    // A brand: what is open about the employers it linked itself to.
    let brand_alerts = state::brand_alerts(&reader, me).unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("recruit-title")) }
        p.lead { (ctx.ta("recruit-lead", &[("country", &country)])) }
        section aria-labelledby="alerts-h" {
            h2 #alerts-h { (ctx.ta("recruit-alerts", &[("country", &country)])) }
            @if alerts.is_empty() { p.empty { (ctx.t("recruit-alerts-none")) } }
            @else {
                (alerts_table(&ctx, "recruit-alerts", &alerts))
            }
        }
        @if !brand_alerts.is_empty() {
            section aria-labelledby="brand-alerts-h" {
                h2 #brand-alerts-h { (ctx.ta("recruit-brand-alerts", &[("party", me)])) }
                (alerts_table(&ctx, "recruit-brand-alerts", &brand_alerts))
            }
        }
        @if let Some(p) = &party {
            section aria-labelledby="offers-h" {
                h2 #offers-h { (ctx.ta("recruit-offers", &[("party", &p.licence.party)])) }
                @if offers.is_empty() { p.empty { (ctx.t("recruit-offers-none")) } }
                @else {
                    table.list #recruit-offers {
                        thead { tr {
                            th scope="col" { (ctx.t("recruit-offer")) }
                            th scope="col" { (ctx.t("recruit-worker")) }
                            th scope="col" { (ctx.t("recruit-position")) }
                            th scope="col" { (ctx.t("recruit-contract")) }
                        } }
                        tbody {
                            @for id in &offers {
                                @if let Some(o) = state::offer(&reader, id).ok().flatten() {
                                    @let c = state::contract(&reader, id).ok().flatten();
                                    tr {
                                        td { a href=(format!("/console/ledger/tx/{id}")) { (short(&id.to_string())) } }
                                        td { code { (o.offer.worker) } }
                                        td { (o.offer.terms.position) ", " (o.offer.terms.workplace.city) }
                                        td {
                                            @match &c {
                                                None => { (ctx.t("recruit-no-contract")) }
                                                Some(c) if c.substitutions.is_empty() => { (ctx.t("recruit-as-offered")) }
                                                Some(c) => {
                                                    strong { (ctx.ta("recruit-substituted", &[("count", &c.substitutions.len().to_string())])) }
                                                    ul { @for s in &c.substitutions { li { (s.term) ": " (s.offered) " → " (s.contracted) } } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(p) = &party {
            section aria-labelledby="money-h" {
                h2 #money-h { (ctx.t("recruit-money-title")) }
                (super::recruit_money::section(&ctx, &reader, me, Some(p.licence.kind), (now_ms, state.voice_min_group)))
            }
        }
        (super::recruit_voice::section(&ctx, &reader, me, now_ms, state.voice_min_group))
    };
    html(ctx.page("recruit-title", body))
}

fn alerts_table(ctx: &super::layout::Ctx, id: &str, alerts: &[state::Alert]) -> maud::Markup {
    html! {
        table.list #(id) {
            thead { tr {
                th scope="col" { (ctx.t("recruit-kind")) }
                th scope="col" { (ctx.t("recruit-party")) }
                th scope="col" { (ctx.t("recruit-about")) }
                th scope="col" { (ctx.t("recruit-detail")) }
            } }
            tbody {
                @for a in alerts {
                    tr class=(a.kind) {
                        td { (ctx.t(&format!("recruit-kind-{}", a.kind.replace('_', "-")))) }
                        td { (a.party) }
                        td { code { (short(&a.about)) } }
                        td { (a.detail) }
                    }
                }
            }
        }
    }
}
