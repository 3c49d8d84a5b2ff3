//! Supply chains in the console, for compliance officers and inspectors: the facility risk
//! map (every registered facility by country, coloured by its standing — which worker
//! voice published for an employer linked to it raises), every finding of
//! forced labour with the goods it reaches, a finding's reach with the path to each of
//! them, and a lot's trace as a picture, drawn from the same verified provenance bundle
//! as its public page.

use super::layout::{short, when};
use super::{html, need, page_for, problem_page, refuse_or};
use crate::console::{ConsoleState, Ctx};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use std::collections::BTreeMap;
use unchain_epcis::gs1::Gs1Id;
use unchain_ledger::state::StateRead;
use unchain_supply::finding::{Severity, Target};
use unchain_supply::graph::is_transformation;
use unchain_supply::report::{label, route, tiers_svg};
use unchain_supply::state::{self, FacilityRecord, FindingRecord, Status};
use unchain_types::TxId;

/// Most goods a finding's page lists.
const MAX_REACH_ROWS: usize = 500;

/// A facility's standing on the map, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    Critical,
    Open,
    /// No open finding, but workers of an employer linked to it signal forced-labour
    /// indicators in a published month (worker voice, through the recruit module).
    Voice,
    Remediated,
    Audited,
    Unknown,
}

impl Standing {
    fn class(self) -> &'static str {
        match self {
            Standing::Critical => "critical",
            Standing::Open => "open",
            Standing::Voice => "voice",
            Standing::Remediated => "remediated",
            Standing::Audited => "audited",
            Standing::Unknown => "unknown",
        }
    }

    fn key(self) -> String {
        format!("supply-standing-{}", self.class())
    }

    const ALL: [Standing; 6] = [
        Standing::Critical,
        Standing::Open,
        Standing::Voice,
        Standing::Remediated,
        Standing::Audited,
        Standing::Unknown,
    ];
}

/// A facility with what the map and the table show.
struct Row {
    record: FacilityRecord,
    standing: Standing,
    open: usize,
    audits: usize,
    certifications: usize,
    /// Worker voice at the employers linked to it: (employer, concerns).
    voice: Vec<(String, Vec<unchain_recruit::voice::Concern>)>,
}

/// The facilities with their standing at ledger time `now_ms`, worker voice published for
/// groups of `k` or more.
fn rows(reader: &impl StateRead, now_ms: u64, k: u32) -> Result<Vec<Row>, redb::StorageError> {
    let mut out = Vec::new();
    for record in state::facilities(reader)? {
        let id = &record.facility.id;
        let findings = state::findings_at(reader, id)?;
        let open: Vec<&FindingRecord> = findings
            .iter()
            .filter(|f| f.status == Status::Open)
            .collect();
        let audits = state::audits(reader, id)?.len();
        let certifications = state::certifications(reader, id)?.len();
        let voice = unchain_recruit::voice_state::facility_concerns(reader, id, now_ms, k)?;
        let standing = if open.iter().any(|f| f.finding.severity >= Severity::High) {
            Standing::Critical
        } else if !open.is_empty() {
            Standing::Open
        } else if !voice.is_empty() {
            Standing::Voice
        } else if !findings.is_empty() {
            Standing::Remediated
        } else if audits + certifications > 0 {
            Standing::Audited
        } else {
            Standing::Unknown
        };
        out.push(Row {
            open: open.len(),
            record,
            standing,
            audits,
            certifications,
            voice,
        });
    }
    out.sort_by(|a, b| {
        (
            &a.record.facility.country,
            a.standing,
            &a.record.facility.name,
        )
            .cmp(&(
                &b.record.facility.country,
                b.standing,
                &b.record.facility.name,
            ))
    });
    Ok(out)
}

const TILE_W: usize = 190;
const TILE_H: usize = 46;
const GAP: usize = 8;
const LEFT: usize = 56;
const PER_ROW: usize = 5;

/// The facilities, one row of tiles per country, each coloured by its standing.
fn risk_map(ctx: &Ctx, rows: &[Row]) -> Markup {
    let mut by_country: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_country
            .entry(r.record.facility.country.as_str())
            .or_default()
            .push(r);
    }
    let mut y = 10;
    let mut placed = Vec::new();
    for (country, list) in &by_country {
        let lines = list.len().div_ceil(PER_ROW);
        placed.push((*country, y, list));
        y += lines * (TILE_H + GAP) + GAP;
    }
    let width = LEFT + PER_ROW * (TILE_W + GAP);
    let height = y.max(20);
    let desc = rows
        .iter()
        .map(|r| {
            format!(
                "{} ({}): {}",
                r.record.facility.name,
                r.record.facility.country,
                ctx.t(&r.standing.key())
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let cut = |s: &str, n: usize| {
        if s.chars().count() > n {
            format!("{}…", s.chars().take(n - 1).collect::<String>())
        } else {
            s.to_owned()
        }
    };
    html! {
        figure.picture tabindex="0" aria-labelledby="fm-t" {
            svg #facility-map xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="fm-t fm-d"
                viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) {
                title #fm-t { (ctx.t("supply-map")) }
                desc #fm-d { (desc) }
                @for (country, top, list) in &placed {
                    text.country x="6" y=(top + TILE_H / 2 + 5) { (country) }
                    @for (i, r) in list.iter().enumerate() {
                        @let x = LEFT + (i % PER_ROW) * (TILE_W + GAP);
                        @let ty = top + (i / PER_ROW) * (TILE_H + GAP);
                        // A picture, not a control: the table below links each facility.
                        g class={"fac " (r.standing.class())} {
                            rect x=(x) y=(ty) width=(TILE_W) height=(TILE_H) rx="5" {}
                            text.name x=(x + 8) y=(ty + 18) { (cut(&r.record.facility.name, 26)) }
                            text.sector x=(x + 8) y=(ty + 36) { (cut(&r.record.facility.sector, 30)) }
                        }
                    }
                }
            }
            figcaption.legend {
                @for s in Standing::ALL {
                    span class={"key " (s.class())} { (ctx.t(&s.key())) }
                }
            }
        }
    }
}

/// A facility's id as an HTML anchor.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn target_text(reader: &impl StateRead, t: &Target) -> String {
    match t {
        Target::Facility(id) => match state::facility(reader, id) {
            Ok(Some(f)) => format!("{} ({})", f.facility.name, f.facility.country),
            _ => id.clone(),
        },
        Target::Goods(id) => label(id),
    }
}

/// How many goods a finding flags now (transformations, which are events, left out).
fn reach_count(reader: &impl StateRead, id: &TxId) -> usize {
    state::reached(reader, id)
        .unwrap_or_default()
        .iter()
        .filter(|n| !is_transformation(n))
        .count()
}

fn status_key(f: &FindingRecord) -> &'static str {
    match f.status {
        Status::Remediated => "supply-status-remediated",
        Status::Open if !f.plans.is_empty() => "supply-status-planned",
        Status::Open => "supply-status-open",
    }
}

/// The trace form.
fn trace_form(ctx: &Ctx, value: &str) -> Markup {
    html! {
        form.inline method="get" action="/console/supply/trace" role="search" {
            label for="goods" { (ctx.t("supply-trace-label")) }
            input #goods type="text" name="id" value=(value) size="60" required
                placeholder="urn:epc:class:lgtin:4012345.012345.LOT1" aria-describedby="goods-hint";
            button type="submit" { (ctx.t("supply-trace-button")) }
            p.hint #goods-hint { (ctx.t("supply-trace-hint")) }
        }
    }
}

/// `GET /console/supply`.
pub async fn page(State(state): State<ConsoleState>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::SUPPLY).await);
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let now_ms = state.ledger.head().map(|h| h.timestamp_ms).unwrap_or(0);
    let (Ok(rows), Ok(findings)) = (
        rows(&reader, now_ms, state.voice_min_group),
        state::findings(&reader),
    ) else {
        return problem_page(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "supply state".into(),
        );
    };
    let body = html! {
        h1 { (ctx.t("supply-title")) }
        p.lead { (ctx.t("supply-lead")) }
        (trace_form(&ctx, ""))
        section aria-labelledby="map-h" {
            h2 #map-h { (ctx.t("supply-map")) }
            @if rows.is_empty() { p.empty { (ctx.t("supply-map-none")) } }
            @else {
                (risk_map(&ctx, &rows))
                table.list #facilities {
                    thead { tr {
                        th scope="col" { (ctx.t("supply-facility")) }
                        th scope="col" { (ctx.t("supply-country")) }
                        th scope="col" { (ctx.t("supply-sector")) }
                        th scope="col" { (ctx.t("supply-standing")) }
                        th scope="col" { (ctx.t("supply-findings")) }
                        th scope="col" { (ctx.t("supply-audits")) }
                        th scope="col" { (ctx.t("supply-voice")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr id=(format!("f-{}", anchor(&r.record.facility.id))) class=(r.standing.class()) {
                                td { (r.record.facility.name) br; code { (r.record.facility.id) } }
                                td { (r.record.facility.country) }
                                td { (r.record.facility.sector) }
                                td { span class={"standing " (r.standing.class())} { (ctx.t(&r.standing.key())) } }
                                td { (r.open) }
                                td { (r.audits + r.certifications) }
                                td {
                                    @for (employer, concerns) in &r.voice {
                                        @for c in concerns {
                                            (ctx.ta("supply-voice-concern", &[("employer", employer), ("month", &c.month), ("count", &c.count.to_string()), ("of", &c.of.to_string()), ("indicator", &c.indicator.replace('_', " "))]))
                                            br;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="findings-h" {
            h2 #findings-h { (ctx.t("supply-findings")) }
            @if findings.is_empty() { p.empty { (ctx.t("supply-findings-none")) } }
            @else {
                table.list #findings {
                    thead { tr {
                        th scope="col" { (ctx.t("supply-indicator")) }
                        th scope="col" { (ctx.t("supply-severity")) }
                        th scope="col" { (ctx.t("supply-target")) }
                        th scope="col" { (ctx.t("supply-author")) }
                        th scope="col" { (ctx.t("supply-when")) }
                        th scope="col" { (ctx.t("supply-status")) }
                        th scope="col" { (ctx.t("supply-reach")) }
                    } }
                    tbody {
                        @for f in findings.iter().rev() {
                            tr.finding class=[(f.status == Status::Open).then_some("open")] {
                                td { (f.finding.indicator.title()) }
                                td { (format!("{:?}", f.finding.severity)) }
                                td { (target_text(&reader, &f.finding.target)) }
                                td { (f.recorded.member) }
                                td { (when(f.recorded.recorded_ms)) }
                                td { (ctx.t(status_key(f))) }
                                td { a href=(format!("/console/supply/finding/{}", f.recorded.tx_id)) {
                                    (reach_count(&reader, &f.recorded.tx_id)) " · " (short(&f.recorded.tx_id.to_string()))
                                } }
                            }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("supply-title", body))
}

/// `GET /console/supply/finding/{id}`: a finding, its plans and verifications, and every
/// goods it flags now with the path from it.
pub async fn finding(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::SUPPLY).await);
    let Ok(tx) = TxId::from_hex(&id) else {
        return problem_page(&ctx, StatusCode::BAD_REQUEST, format!("id: {id:?}"));
    };
    let Ok(reader) = state.ledger.state_reader() else {
        return problem_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, "ledger".into());
    };
    let Ok(Some(f)) = state::finding(&reader, &tx) else {
        return problem_page(&ctx, StatusCode::NOT_FOUND, format!("id: no finding {id}"));
    };
    let reached: Vec<String> = state::reached(&reader, &tx)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !is_transformation(n))
        .collect();
    let shown: Vec<(String, String, String)> = reached
        .iter()
        .take(MAX_REACH_ROWS)
        .map(|node| {
            let made = state::maker(&reader, node)
                .ok()
                .flatten()
                .map(|m| target_text(&reader, &Target::Facility(m.facility)))
                .unwrap_or_else(|| "—".into());
            let path = state::flags(&reader, node)
                .unwrap_or_default()
                .into_iter()
                .find(|t| t.finding == tx)
                .map(|t| route(&t.path))
                .unwrap_or_default();
            (node.clone(), made, path)
        })
        .collect();
    let body = html! {
        h1 { (ctx.t("supply-finding-title")) ": " (f.finding.indicator.title()) }
        dl.facts {
            dt { (ctx.t("supply-severity")) } dd { (format!("{:?}", f.finding.severity)) }
            dt { (ctx.t("supply-target")) } dd { (target_text(&reader, &f.finding.target)) }
            dt { (ctx.t("supply-author")) } dd { (f.recorded.member) " · " (when(f.recorded.recorded_ms)) }
            dt { (ctx.t("supply-status")) } dd #status { (ctx.t(status_key(&f))) }
            dt { (ctx.t("supply-description")) } dd { (f.finding.description) }
            dt { (ctx.t("proof-link")) } dd { a href=(format!("/console/ledger/tx/{}", f.recorded.tx_id)) { (short(&f.recorded.tx_id.to_string())) } }
        }
        @if !f.plans.is_empty() {
            h2 { (ctx.t("supply-plans")) }
            ul { @for (p, r) in &f.plans { li { (p.actions) " — " (p.due) " (" (r.member) ")" } } }
        }
        @if !f.verifications.is_empty() {
            h2 { (ctx.t("supply-verifications")) }
            ul { @for (v, r) in &f.verifications { li { (if v.verified { "✔ " } else { "✘ " }) (v.note) " (" (r.member) ", " (when(r.recorded_ms)) ")" } } }
        }
        section aria-labelledby="reach-h" {
            h2 #reach-h { (ctx.t("supply-reach")) " (" (reached.len()) ")" }
            @if reached.is_empty() { p.empty { (ctx.t("supply-reach-none")) } }
            @else {
                @if reached.len() > shown.len() {
                    p.hint { (ctx.ta("supply-reach-more", &[("shown", &shown.len().to_string()), ("total", &reached.len().to_string())])) }
                }
                table.list #reach {
                    thead { tr {
                        th scope="col" { (ctx.t("supply-goods")) }
                        th scope="col" { (ctx.t("supply-made-at")) }
                        th scope="col" { (ctx.t("supply-path")) }
                    } }
                    tbody {
                        @for (node, made, path) in &shown {
                            tr.reached {
                                td { a href=(format!("/console/supply/trace?id={}", unchain_epcis::gs1::percent_encode(node))) { (label(node)) } }
                                td { (made) }
                                td { (path) }
                            }
                        }
                    }
                }
            }
        }
    };
    html(ctx.page("supply-finding-title", body))
}

/// The query of the trace page.
#[derive(Debug, serde::Deserialize)]
pub struct TraceQuery {
    /// The goods: EPC URN or GS1 Digital Link.
    #[serde(default)]
    pub id: String,
}

/// `GET /console/supply/trace?id=…`: the goods' tiers as a picture, with the findings
/// that reach them — from a provenance bundle this node built and verified.
pub async fn trace(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<TraceQuery>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::SUPPLY).await);
    let id = match Gs1Id::parse(q.id.trim()) {
        Ok(g) => g.canonical(),
        Err(e) => {
            let body = html! {
                h1 { (ctx.t("supply-trace-title")) }
                p.notice.error role="alert" { (ctx.ta("supply-bad-id", &[("id", &q.id), ("reason", &e.to_string())])) }
                (trace_form(&ctx, &q.id))
            };
            return (
                StatusCode::BAD_REQUEST,
                html(ctx.page("supply-trace-title", body)),
            )
                .into_response();
        }
    };
    let v = match crate::service::bundles::provenance(&state.svc, &id).await {
        Ok((_, v)) => v,
        Err(p) => return problem_page(&ctx, p.http_status(), p.detail),
    };
    let flags: Vec<_> = v.flags().collect();
    let public = id
        .strip_prefix("https://id.gs1.org")
        .unwrap_or(&id)
        .to_owned();
    let body = html! {
        h1 { (ctx.t("supply-trace-title")) ": " (label(&v.goods)) }
        (trace_form(&ctx, &q.id))
        @if flags.is_empty() {
            p.verdict.clear role="status" { (ctx.t("supply-verdict-clear")) }
        } @else {
            p.verdict.flagged role="alert" { (ctx.ta("supply-verdict-flagged", &[("count", &flags.len().to_string())])) }
        }
        figure.picture.tiers tabindex="0" { (PreEscaped(tiers_svg(&v, false))) }
        table.list #tiers {
            thead { tr {
                th scope="col" { (ctx.t("supply-tier")) }
                th scope="col" { (ctx.t("supply-goods")) }
                th scope="col" { (ctx.t("supply-made-at")) }
                th scope="col" { (ctx.t("supply-findings")) }
            } }
            tbody {
                @for t in &v.tiers {
                    tr class=[(!t.flagged_by.is_empty()).then_some("flagged")] {
                        td { (t.depth) }
                        td { (label(&t.node)) }
                        td { @match &t.registered { Some(f) => { (f.name) " (" (f.country) ")" }, None => { (t.facility.as_deref().unwrap_or("—")) } } }
                        td { (t.flagged_by.len()) }
                    }
                }
            }
        }
        @if !v.findings.is_empty() {
            h2 { (ctx.t("supply-findings")) }
            ul #trace-findings {
                @for f in &v.findings {
                    li {
                        a href=(format!("/console/supply/finding/{}", f.id)) { (f.indicator.title()) }
                        " (" (format!("{:?}", f.severity)) ", " (f.author) "): "
                        @if f.remediated { (ctx.t("supply-status-remediated")) }
                        @else if f.path.is_empty() { (ctx.t("supply-status-open")) }
                        @else { (route(&f.path)) }
                    }
                }
            }
        }
        p {
            a.button href=(public.clone()) { (ctx.t("supply-public-page")) } " "
            a.button href=(format!("{public}?format=dossier")) { (ctx.t("supply-dossier")) }
        }
    };
    html(ctx.page("supply-trace-title", body))
}
