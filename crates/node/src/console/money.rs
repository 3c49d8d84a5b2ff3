//! Money flows in the console: an analyst uploads a bank export (any format
//! `unchain finance scan` reads), watches the scan's progress, and sees the alerts with
//! their flow graphs. The file and the results live only in this process's memory (never on
//! disk), for the organisation's users, until the node restarts or newer scans push them
//! out.

use super::layout::when;
use super::{Ctx, check_post, html, need, not_entitled, problem_page, viewer};
use super::{page_for, refuse_or};
use crate::console::ConsoleState;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use std::sync::{Arc, Mutex};
use unchain_finance::detect;
use unchain_finance::input::{Format, Options};

/// Largest export accepted.
pub const MAX_UPLOAD: usize = 256 * 1024 * 1024;
/// Scans kept; the oldest go first.
const KEPT: usize = 8;
/// Alerts shown with their graphs.
const SHOWN: usize = 40;

/// Where a scan is.
#[derive(Debug, Clone)]
enum Stage {
    Reading { done: u64, total: u64 },
    Graph,
    Detecting { done: usize },
    Done(Arc<Finished>),
    Failed(String),
}

/// A finished scan.
#[derive(Debug)]
struct Finished {
    format: &'static str,
    payments: usize,
    accounts: usize,
    skipped: usize,
    ignored: u64,
    alerts: usize,
    by_detector: Vec<(&'static str, usize)>,
    /// The most unusual accounts: name, score, and why.
    risky: Vec<(String, f64, String)>,
    shown: Vec<Shown>,
}

/// One alert as the page shows it.
#[derive(Debug)]
struct Shown {
    detector: &'static str,
    account: String,
    score: f64,
    explanation: String,
    payments: usize,
    svg: String,
}

/// One scan.
struct Scan {
    id: String,
    file: String,
    by: String,
    started_ms: u64,
    stage: Arc<Mutex<Stage>>,
}

/// The scans of this node's users.
#[derive(Default)]
pub struct Scans(Mutex<Vec<Scan>>);

fn stage_of(state: &ConsoleState, id: &str) -> Option<(String, String, u64, Stage)> {
    let scans = state.console.money.0.lock().expect("scans lock");
    scans.iter().find(|s| s.id == id).map(|s| {
        (
            s.file.clone(),
            s.by.clone(),
            s.started_ms,
            s.stage.lock().expect("stage lock").clone(),
        )
    })
}

/// `GET /console/money`: the upload form and the recent scans.
pub async fn page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::MONEY).await);
    let recent: Vec<(String, String, String, u64)> = state
        .console
        .money
        .0
        .lock()
        .expect("scans lock")
        .iter()
        .rev()
        .map(|s| (s.id.clone(), s.file.clone(), s.by.clone(), s.started_ms))
        .collect();
    let body = html! {
        h1 { (ctx.t("money-title")) }
        p.lead { (ctx.t("money-lead")) }
        form.stack method="post" action="/console/money" enctype="multipart/form-data" {
            (ctx.csrf())
            label for="format" { (ctx.t("money-format")) }
            select #format name="format" {
                option value="" { (ctx.t("money-format-auto")) }
                @for f in Format::ALL { option value=(f.name()) { (f.name()) } }
            }
            label for="export" { (ctx.t("money-file")) }
            small #export-hint { (ctx.t("money-file-hint")) }
            input #export name="file" type="file" accept=".csv,text/csv" required aria-describedby="export-hint";
            button type="submit" #scan { (ctx.t("money-scan")) }
        }
        @if !recent.is_empty() {
            section aria-labelledby="recent-h" {
                h2 #recent-h { (ctx.t("money-recent")) }
                ul {
                    @for (id, file, by, at) in &recent {
                        li { a href=(format!("/console/money/{id}")) { (file) } " · " (by) " · " (when(*at)) }
                    }
                }
            }
        }
    };
    html(ctx.page("money-title", body))
}

/// `POST /console/money`: takes the export and starts the scan.
pub async fn upload(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let ctx = refuse_or!(viewer(&state, &headers, "/console/money").await);
    // Refused before the file is read.
    if !ctx.may(need::MONEY) {
        return not_entitled(&ctx, need::MONEY);
    }
    let (mut csrf, mut format, mut file, mut bytes) =
        (String::new(), String::new(), String::new(), Vec::new());
    loop {
        match form.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_owned();
                if name == "file" {
                    file = f
                        .file_name()
                        .unwrap_or("export.csv")
                        .chars()
                        .take(120)
                        .collect();
                    match f.bytes().await {
                        Ok(b) => bytes = b.to_vec(),
                        Err(e) => {
                            return problem_page(
                                &ctx,
                                StatusCode::PAYLOAD_TOO_LARGE,
                                e.body_text(),
                            );
                        }
                    }
                } else {
                    let text = f.text().await.unwrap_or_default();
                    match name.as_str() {
                        "csrf" => csrf = text,
                        "format" => format = text,
                        _ => {}
                    }
                }
            }
            Ok(None) => break,
            Err(e) => return problem_page(&ctx, StatusCode::BAD_REQUEST, e.body_text()),
        }
    }
    if let Err(r) = check_post(&ctx, &headers, &csrf) {
        return *r;
    }
    let format = if format.is_empty() {
        None
    } else {
        match Format::ALL.into_iter().find(|f| f.name() == format) {
            Some(f) => Some(f),
            None => {
                return problem_page(
                    &ctx,
                    StatusCode::BAD_REQUEST,
                    format!("format: {format:?} is not a format"),
                );
            }
        }
    };
    let id = hex::encode(rand::random::<[u8; 12]>());
    let stage = Arc::new(Mutex::new(Stage::Reading {
        done: 0,
        total: bytes.len() as u64,
    }));
    {
        let mut scans = state.console.money.0.lock().expect("scans lock");
        if scans.len() >= KEPT {
            scans.remove(0);
        }
        scans.push(Scan {
            id: id.clone(),
            file,
            by: ctx.user.id.clone(),
            started_ms: crate::service::now_ms(),
            stage: stage.clone(),
        });
    }
    tracing::info!(user = %ctx.user.id, size = bytes.len(), "console: money-flow scan started");
    tokio::task::spawn_blocking(move || {
        let result = scan(&bytes, format, &stage);
        *stage.lock().expect("stage lock") = match result {
            Ok(f) => Stage::Done(Arc::new(f)),
            Err(e) => Stage::Failed(e),
        };
    });
    Redirect::to(&format!("/console/money/{id}")).into_response()
}

/// Reads, builds the graph, runs every detector, noting progress in `stage`.
fn scan(bytes: &[u8], format: Option<Format>, stage: &Mutex<Stage>) -> Result<Finished, String> {
    let total = bytes.len() as u64;
    let options = Options {
        format,
        skip_bad_rows: true,
        ..Options::default()
    };
    let loaded = unchain_finance::input::read_with(bytes, options, |done| {
        *stage.lock().expect("stage lock") = Stage::Reading { done, total };
    })
    .map_err(|e| e.to_string())?;
    *stage.lock().expect("stage lock") = Stage::Graph;
    let g = unchain_finance::graph::Graph::build(&loaded.records, &loaded.names);
    let (params, _) = detect::derive(&g, &detect::Params::default(), &Default::default());
    let mut alerts = Vec::new();
    let mut by_detector = Vec::new();
    for (i, (name, run)) in detect::ALL.iter().enumerate() {
        *stage.lock().expect("stage lock") = Stage::Detecting { done: i };
        let found = run(&g, &params);
        by_detector.push((*name, found.len()));
        alerts.extend(found);
    }
    detect::sort(&mut alerts);
    let names = &loaded.names;
    let risky = unchain_finance::rank::rank(&g, &params, &alerts)
        .into_iter()
        .take(20)
        .map(|r| {
            let why = r.explanation(&params);
            (names.accounts.name(r.account).to_owned(), r.score, why)
        })
        .collect();
    let shown = alerts
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, a)| Shown {
            detector: a.detector,
            account: names.accounts.name(a.account).to_owned(),
            score: a.score,
            explanation: a.explanation.clone(),
            payments: a.evidence.len(),
            svg: unchain_finance::report::flow_svg(&g, names, a, &format!("flow-{i}")),
        })
        .collect();
    Ok(Finished {
        format: loaded.format.name(),
        payments: loaded.records.len(),
        accounts: names.accounts.len(),
        skipped: loaded.skipped.len(),
        ignored: loaded.ignored.values().sum(),
        alerts: alerts.len(),
        by_detector,
        risky,
        shown,
    })
}

fn progress(ctx: &Ctx, id: &str, stage: &Stage) -> Markup {
    let (value, label) = match stage {
        Stage::Reading { done, total } => (
            (*done as f64 / (*total).max(1) as f64 * 60.0) as u32,
            ctx.ta(
                "money-reading",
                &[
                    ("size", &(done / 1024).to_string()),
                    ("count", &(total / 1024).to_string()),
                ],
            ),
        ),
        Stage::Graph => (62, ctx.t("money-graph")),
        Stage::Detecting { done } => (
            65 + (*done as u32 * 35 / detect::ALL.len() as u32),
            ctx.ta(
                "money-detecting",
                &[
                    ("count", &(done + 1).to_string()),
                    ("size", &detect::ALL.len().to_string()),
                ],
            ),
        ),
        Stage::Done(_) | Stage::Failed(_) => (100, String::new()),
    };
    html! {
        div #progress hx-get=(format!("/console/money/{id}")) hx-trigger="every 1s" hx-target="#progress-or-result" hx-swap="outerHTML" {
            label for="scan-progress" { (label) }
            progress #scan-progress max="100" value=(value) { (value) "%" }
        }
    }
}

/// `GET /console/money/{id}`: a scan's progress, then its findings.
pub async fn scan_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::MONEY).await);
    let Some((file, by, started, stage)) = stage_of(&state, &id) else {
        return problem_page(&ctx, StatusCode::NOT_FOUND, ctx.t("money-gone"));
    };
    let running = !matches!(stage, Stage::Done(_) | Stage::Failed(_));
    let inner = html! {
        div #progress-or-result {
            @match &stage {
                Stage::Failed(e) => { p.notice.error role="alert" #scan-error { (e) } }
                Stage::Done(f) => { (findings(&ctx, f)) }
                _ => { (progress(&ctx, &id, &stage)) }
            }
        }
    };
    if headers.contains_key("hx-request") {
        return html(inner);
    }
    let body = html! {
        h1 { (ctx.t("money-title")) ": " (file) }
        p.hint { (by) " · " (when(started)) }
        @if running {
            noscript { p { a href=(format!("/console/money/{id}")) { (ctx.t("money-reload")) } } }
        }
        (inner)
        p { a href="/console/money" { (ctx.t("money-another")) } }
    };
    html(ctx.page("money-title", body))
}

fn findings(ctx: &Ctx, f: &Finished) -> Markup {
    html! {
        dl.facts #scan-summary {
            dt { (ctx.t("money-format")) } dd { (f.format) }
            dt { (ctx.t("money-payments")) } dd #scan-payments { (f.payments) }
            dt { (ctx.t("money-accounts")) } dd { (f.accounts) }
            dt { (ctx.t("money-skipped")) } dd { (f.skipped) " · " (ctx.t("money-ignored")) " " (f.ignored) }
            dt { (ctx.t("money-alerts")) } dd #scan-alerts { (f.alerts) }
        }
        details {
            summary { (ctx.t("money-per-detector")) }
            table.list #by-detector {
                thead { tr { th scope="col" { (ctx.t("money-detector")) } th scope="col" { (ctx.t("money-alerts")) } } }
                tbody { @for (d, n) in &f.by_detector { tr { td { (d) } td { (n) } } } }
            }
        }
        @if !f.risky.is_empty() {
            details {
                summary { (ctx.t("money-risky")) }
                ol #risky { @for (a, s, why) in &f.risky { li { code { (a) } " · " (format!("{s:.2}")) " · " (why) } } }
            }
        }
        @for (i, a) in f.shown.iter().enumerate() {
            section.alert aria-labelledby=(format!("alert-{i}")) {
                h2 #(format!("alert-{i}")) { (a.detector) " · " code { (a.account) } " · " (format!("{:.2}", a.score)) }
                p { (a.explanation) }
                figure.picture { (PreEscaped(&a.svg)) figcaption { (ctx.ta("money-graph-caption", &[("count", &a.payments.to_string())])) } }
            }
        }
    }
}
