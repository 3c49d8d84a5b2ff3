//! The public tip form (`/tips/…`), served by the intake organisation's node: report,
//! receipt code, coming back with the code to read replies and add information, and the
//! proof of receipt.
//!
//! What it never keeps: the tip routes read no address, user agent or cookie (the server
//! hands handlers none, the routes set none, nothing here logs a request), and a report's
//! plaintext exists only in this process's memory between the request and its sealing;
//! what reaches the disk is the ciphertext (`DATA/tips/`) and the ledger's record of it.

pub mod guard;
pub mod i18n;
pub mod pages;

use crate::api::ApiState;
use crate::api::problem::Problem;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guard::{Guard, Refusal};
use pages::{Ctx, Shown, Values};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use unchain_tips::message::{self, REPORTER};
use unchain_tips::receipt::{ReceiptCode, ReceiptKeys};
use unchain_tips::report::{Attachment, Content, MAX_FILE, MAX_FILES, Report};
use unchain_tips::{Author, TipView, intake, strip};
use unchain_types::{EncryptionPublicKey, Hash32};

/// Largest tip request: the files and the text around them.
pub const MAX_TIP_BYTES: usize = MAX_FILES * MAX_FILE + 256 * 1024;
/// Longest text field read.
const MAX_FIELD: usize = 64 * 1024;

/// Everything the tip routes share.
pub struct TipDesk {
    /// Tokens, work and rate limits.
    pub guard: Guard,
    /// Translation catalogues.
    pub cats: i18n::Catalogues,
    /// Form ids served.
    pub forms: Vec<String>,
    /// The emergency number shown.
    pub emergency: String,
    /// Sealed tip messages (`DATA/tips/`).
    pub store: unchain_vault::store::BlobStore,
    /// At most two Argon2id evaluations at once, so that the form never takes the CPU
    /// the agencies' requests need.
    pub argon: tokio::sync::Semaphore,
}

impl TipDesk {
    /// The desk for `cfg`, storing under `data_dir/tips`.
    pub fn open(
        cfg: &crate::config::TipsConfig,
        data_dir: &std::path::Path,
    ) -> std::io::Result<Self> {
        Ok(TipDesk {
            guard: Guard::new(
                &cfg.forms,
                guard::Limits {
                    global_per_minute: cfg.global_per_minute,
                    form_per_minute: cfg.form_per_minute,
                    calm_per_10_minutes: cfg.calm_per_10_minutes,
                    floor_bits: cfg.pow_floor_bits,
                },
            ),
            cats: i18n::Catalogues::load(),
            forms: cfg.forms.clone(),
            emergency: cfg.emergency.clone(),
            store: unchain_vault::store::BlobStore::open(&data_dir.join("tips"))?,
            argon: tokio::sync::Semaphore::new(2),
        })
    }
}

/// The tip routes, to merge into a router over [`ApiState`].
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/tips", get(index))
        .route("/tips/static/style.css", get(style))
        .route("/tips/static/pow.js", get(script))
        .route("/tips/{form}", get(form_page).post(submit))
        .route("/tips/{form}/return", get(return_page).post(lookup))
        .route("/tips/{form}/more", axum::routing::post(more))
        .route("/tips/{form}/receipt", axum::routing::post(receipt))
        .layer(axum::middleware::map_response(private_headers))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_TIP_BYTES))
}

/// A router that serves the tip form and nothing else (the public listener).
pub fn public_router(state: ApiState) -> Router {
    routes()
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .with_state(state)
}

async fn private_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (k, v) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    h.remove(header::SET_COOKIE);
    r
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("style.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("pow.js"),
    )
        .into_response()
}

/// The organisation's display name and X25519 key.
fn intake_of(state: &ApiState) -> Result<(String, EncryptionPublicKey), Problem> {
    state
        .ledger
        .members()?
        .into_iter()
        .find(|m| m.name == state.node_name)
        .map(|m| (m.display_name, m.encryption_key))
        .ok_or_else(|| Problem::internal("this node's organisation is not a member"))
}

/// The form and language a request is for; `None` if this node serves no such form.
struct Req {
    form: String,
    lang: &'static str,
    org: String,
    intake_key: EncryptionPublicKey,
}

impl Req {
    fn new(state: &ApiState, form: &str, lang: &str) -> Option<Self> {
        if !state.tips.forms.iter().any(|f| f == form) {
            return None;
        }
        let (org, intake_key) = intake_of(state).ok()?;
        Some(Req {
            form: form.to_owned(),
            lang: state.tips.cats.pick(lang),
            org,
            intake_key,
        })
    }

    fn ctx<'a>(&'a self, state: &'a ApiState) -> Ctx<'a> {
        Ctx {
            cats: &state.tips.cats,
            lang: self.lang,
            form: &self.form,
            org: &self.org,
            emergency: &state.tips.emergency,
        }
    }
}

fn no_form() -> Response {
    (StatusCode::NOT_FOUND, "no such form").into_response()
}

#[derive(Deserialize)]
struct LangQuery {
    #[serde(default)]
    lang: String,
}

async fn index(State(state): State<ApiState>) -> Response {
    match state.tips.forms.first() {
        Some(f) => axum::response::Redirect::to(&format!("/tips/{f}")).into_response(),
        None => no_form(),
    }
}

async fn form_page(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &q.lang) else {
        return no_form();
    };
    let (token, bits) = state.tips.guard.issue(&form);
    html(
        StatusCode::OK,
        pages::form(&req.ctx(&state), &Values::default(), &[], &token, bits),
    )
}

async fn return_page(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &q.lang) else {
        return no_form();
    };
    html(StatusCode::OK, pages::code_entry(&req.ctx(&state), None))
}

/// What a multipart tip request carried.
#[derive(Default)]
struct Parts {
    lang: String,
    token: String,
    pow: String,
    code: String,
    text: String,
    values: Values,
    files: Vec<Vec<u8>>,
    /// Problems met while reading (field, reason).
    problems: Vec<(&'static str, String)>,
}

/// How a read ended before its end.
enum Early {
    /// Refused cheaply: no valid token, or not enough work.
    Refused(Refusal),
    /// The request itself is malformed.
    Malformed(String),
}

async fn read_field(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + chunk.len() > cap {
            over = true;
            continue;
        }
        out.extend_from_slice(&chunk);
    }
    Ok((!over).then_some(out))
}

/// Reads a tip request, checking its challenge as soon as the first field that is not
/// part of the challenge arrives (browsers send fields in page order, challenge first).
async fn read_parts(
    state: &ApiState,
    form: &str,
    mp: &mut Multipart,
) -> Result<(Parts, Result<guard::Ticket, Refusal>), Early> {
    let mut p = Parts::default();
    let mut verdict: Option<Result<guard::Ticket, Refusal>> = None;
    let cheap = |r: &Result<guard::Ticket, Refusal>| {
        matches!(r, Err(Refusal::Forged) | Err(Refusal::Work { .. }))
    };
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| Early::Malformed(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if matches!(name.as_str(), "lang" | "token" | "pow") {
            let v = read_field(&mut field, 256)
                .await
                .map_err(Early::Malformed)?
                .ok_or_else(|| Early::Malformed(format!("{name} is too long")))?;
            let v = String::from_utf8_lossy(&v).into_owned();
            match name.as_str() {
                "lang" => p.lang = v,
                "token" => p.token = v,
                _ => p.pow = v,
            }
            continue;
        }
        if verdict.is_none() {
            let v = state.tips.guard.check(form, &p.token, &p.pow);
            if cheap(&v) {
                return Err(Early::Refused(v.expect_err("cheap refusals are errors")));
            }
            verdict = Some(v);
        }
        if name == "files" {
            let Some(bytes) = read_field(&mut field, MAX_FILE)
                .await
                .map_err(Early::Malformed)?
            else {
                p.problems.push((
                    "files",
                    format!("a file is larger than {} MB", MAX_FILE / (1024 * 1024)),
                ));
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            if p.files.len() == MAX_FILES {
                p.problems
                    .push(("files", format!("at most {MAX_FILES} files")));
                continue;
            }
            p.files.push(bytes);
            continue;
        }
        let Some(bytes) = read_field(&mut field, MAX_FIELD)
            .await
            .map_err(Early::Malformed)?
        else {
            p.problems.push(("text", format!("{name} is too long")));
            continue;
        };
        let v = String::from_utf8(bytes)
            .map_err(|_| Early::Malformed(format!("{name} is not UTF-8")))?;
        match name.as_str() {
            "seen" => p.values.seen.push(v),
            "location" => p.values.location = v,
            "when" => p.values.when = v,
            "danger" => p.values.danger = v,
            "description" => p.values.description = v,
            "contacts" => p.values.contacts = v,
            "code" => p.code = v,
            "text" => p.text = v,
            _ => {}
        }
    }
    let verdict = match verdict {
        Some(v) => v,
        None => {
            let v = state.tips.guard.check(form, &p.token, &p.pow);
            if cheap(&v) {
                return Err(Early::Refused(v.expect_err("cheap refusals are errors")));
            }
            v
        }
    };
    Ok((p, verdict))
}

fn refused_cheaply(state: &ApiState, early: Early) -> Response {
    state.metrics.tips_refused.inc();
    let (status, text) = match early {
        Early::Refused(Refusal::Work { bits }) => (
            StatusCode::FORBIDDEN,
            format!("proof of work missing or short of {bits} bits: reload the form"),
        ),
        Early::Refused(_) => (
            StatusCode::FORBIDDEN,
            "no valid form token: reload the form".to_owned(),
        ),
        Early::Malformed(m) => (
            StatusCode::BAD_REQUEST,
            format!("malformed form submission: {m}"),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Removes metadata from each file and lists it; problems are named.
fn clean_files(
    files: &[Vec<u8>],
    ctx: &Ctx<'_>,
) -> Result<(Vec<Attachment>, Vec<Vec<u8>>), String> {
    let mut list = Vec::new();
    let mut clean = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let c = strip::clean(f).map_err(|e| {
            ctx.ta(
                "invalid-files",
                &[("reason", &format!("{} {}: {e}", "file", i + 1))],
            )
        })?;
        list.push(Attachment {
            label: format!("attachment-{}.{}", i + 1, c.extension),
            media_type: c.media_type.into(),
            size: c.bytes.len() as u64,
            sha256: Hash32::digest(&c.bytes),
        });
        clean.push(c.bytes);
    }
    Ok((list, clean))
}

fn field_error(ctx: &Ctx<'_>, field: &str, reason: &str) -> String {
    match field {
        "files" => ctx.ta("invalid-files", &[("reason", reason)]),
        f => ctx.t(&format!("invalid-{f}")),
    }
}

/// Records a sealed message: stores it, submits its transaction, waits for it briefly.
/// `Ok(Some(leaf))` once committed, `Ok(None)` while still pending.
async fn record(
    state: &ApiState,
    kind: &str,
    sealed: &message::Sealed,
    body: serde_json::Value,
) -> Result<Option<u64>, String> {
    state
        .tips
        .store
        .put(&sealed.commitment, &sealed.ciphertext)
        .map_err(|e| e.to_string())?;
    let undo = || {
        let _ = state.tips.store.delete(&sealed.commitment);
    };
    let id = match crate::api::users::sign_and_submit(state, kind, body).await {
        Ok(id) => id,
        Err(p) => {
            undo();
            return Err(p.detail);
        }
    };
    match crate::api::handlers::wait_tx(state, &id, Duration::from_secs(10)).await {
        Ok(s) if s.status == "committed" => Ok(s.log_index),
        Ok(s) if s.status == "pending" => Ok(None),
        Ok(s) => {
            undo();
            Err(s.reason.unwrap_or(s.status))
        }
        Err(p) => {
            undo();
            Err(p.detail)
        }
    }
}

/// Runs an Argon2id-bearing job off the async threads, two at a time.
async fn slow<T: Send + 'static>(state: &ApiState, job: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = state
        .tips
        .argon
        .acquire()
        .await
        .expect("semaphore never closes");
    state.metrics.tips_derivations.inc();
    tokio::task::spawn_blocking(job)
        .await
        .expect("receipt derivation does not panic")
}

async fn submit(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    mut mp: Multipart,
) -> Response {
    let Some(mut req) = Req::new(&state, &form, "en") else {
        return no_form();
    };
    let (p, verdict) = match read_parts(&state, &form, &mut mp).await {
        Ok(x) => x,
        Err(e) => return refused_cheaply(&state, e),
    };
    req.lang = state.tips.cats.pick(&p.lang);
    let ctx = req.ctx(&state);
    let again = |status: StatusCode, errors: Vec<String>| {
        let (token, bits) = state.tips.guard.issue(&form);
        html(status, pages::form(&ctx, &p.values, &errors, &token, bits))
    };
    let mut errors: Vec<String> = p
        .problems
        .iter()
        .map(|(f, r)| field_error(&ctx, f, r))
        .collect();
    let ticket = match verdict {
        Ok(t) => t,
        Err(_) => {
            state.metrics.tips_refused.inc();
            errors.insert(0, ctx.t("error-expired"));
            if !p.files.is_empty() {
                errors.push(ctx.t("error-files"));
            }
            return again(StatusCode::BAD_REQUEST, errors);
        }
    };
    let (attachments, files) = match clean_files(&p.files, &ctx) {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            (Vec::new(), Vec::new())
        }
    };
    let v = &p.values;
    let report = Report {
        form: form.clone(),
        lang: req.lang.into(),
        seen: v.seen.clone(),
        location: v.location.trim().into(),
        when: v.when.trim().into(),
        danger: v.danger.clone(),
        description: v.description.trim().into(),
        contacts: v.contacts.trim().into(),
        attachments,
    };
    if let Err(e) = report.check() {
        errors.push(field_error(&ctx, e.field, &e.reason));
    }
    if !errors.is_empty() {
        state.metrics.tips_refused.inc();
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return again(StatusCode::BAD_REQUEST, errors);
    }
    if state.tips.guard.admit(&form, &ticket).is_err() {
        state.metrics.tips_refused.inc();
        let mut errors = vec![ctx.t("error-limit")];
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return again(StatusCode::TOO_MANY_REQUESTS, errors);
    }
    let content = serde_json::to_value(Content::Report(report)).expect("a report serialises");
    let chain_id = state.ledger.genesis().chain_id.clone();
    let (intake_name, intake_key, form_id) =
        (state.node_name.clone(), req.intake_key, form.clone());
    let new = slow(&state, move || {
        intake::new_tip(
            &chain_id,
            (&intake_name, &intake_key),
            &form_id,
            &content,
            &files,
            crate::api::users::now_ms(),
        )
    })
    .await;
    match record(&state, "tips.receive", &new.sealed, new.body.clone()).await {
        Ok(leaf) => {
            state.metrics.tips_received.inc();
            html(StatusCode::OK, pages::receipt(&ctx, new.code.words(), leaf))
        }
        Err(e) => {
            tracing::warn!(reason = %e, "a tip could not be recorded");
            again(
                StatusCode::SERVICE_UNAVAILABLE,
                vec![ctx.t("error-recording")],
            )
        }
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    code: String,
}

/// The tip a typed code opens, with its keys, or the reason it does not.
async fn open_with_code(
    state: &ApiState,
    typed: &str,
) -> Result<(TipView, ReceiptKeys), &'static str> {
    if state.tips.guard.lookup().is_err() {
        state.metrics.tips_refused.inc();
        return Err("error-limit");
    }
    let code = ReceiptCode::parse(typed).map_err(|_| "error-code")?;
    let (chain_id, intake) = (
        state.ledger.genesis().chain_id.clone(),
        state.node_name.clone(),
    );
    let keys = slow(state, move || {
        ReceiptKeys::derive(&code, &chain_id, &intake)
    })
    .await;
    let reader = state.ledger.state_reader().map_err(|_| "error-recording")?;
    let view = unchain_tips::by_locator(&reader, &keys.locator)
        .map_err(|_| "error-recording")?
        .filter(|v| v.tip.intake == state.node_name)
        .ok_or("error-code")?;
    Ok((view, keys))
}

/// Opens every message of `view` the reporter can read: (message id, content, block time).
fn open_all(
    state: &ApiState,
    view: &TipView,
    keys: &ReceiptKeys,
) -> Vec<(String, Author, serde_json::Value, u64)> {
    let chain_id = &state.ledger.genesis().chain_id;
    view.messages
        .iter()
        .filter_map(|m| {
            let bytes = state.tips.store.get(&m.commitment).ok()??;
            let payload = message::open(
                chain_id,
                &view.tip.tip,
                &m.msg,
                REPORTER,
                &m.keys.reporter,
                &keys.secret,
                &bytes,
            )
            .ok()?;
            Some((m.msg.clone(), m.from, payload.content, m.time_ms))
        })
        .collect()
}

fn shown(opened: &[(String, Author, serde_json::Value, u64)]) -> Vec<Shown> {
    opened
        .iter()
        .map(|(_, from, content, time_ms)| {
            let text = match serde_json::from_value::<Content>(content.clone()) {
                Ok(Content::Report(r)) => {
                    let mut t = r.description.clone();
                    for line in [&r.location, &r.when, &r.contacts] {
                        if !line.is_empty() {
                            t.push_str("\n\n");
                            t.push_str(line);
                        }
                    }
                    if !r.attachments.is_empty() {
                        t.push_str(&format!("\n\n[{} file(s)]", r.attachments.len()));
                    }
                    t
                }
                Ok(Content::Followup { text, attachments }) if !attachments.is_empty() => {
                    format!("{text}\n\n[{} file(s)]", attachments.len())
                }
                Ok(Content::Followup { text, .. }) | Ok(Content::Reply { text }) => text,
                Err(_) => String::new(),
            };
            Shown {
                mine: *from == Author::Reporter,
                time_ms: *time_ms,
                text,
            }
        })
        .collect()
}

fn status_page(
    state: &ApiState,
    ctx: &Ctx<'_>,
    code: &str,
    view: &TipView,
    keys: &ReceiptKeys,
    notice: Option<String>,
    errors: &[String],
    draft: &str,
) -> Response {
    let messages = shown(&open_all(state, view, keys));
    let (token, bits) = state.tips.guard.issue(ctx.form);
    html(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        },
        pages::status(
            ctx,
            &pages::Status {
                code,
                state: &view.tip.status,
                messages: &messages,
                notice,
                errors,
                token: &token,
                bits,
                draft,
            },
        ),
    )
}

async fn lookup(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &f.lang) else {
        return no_form();
    };
    let ctx = req.ctx(&state);
    match open_with_code(&state, &f.code).await {
        Ok((view, keys)) => {
            let code = ReceiptCode::parse(&f.code).expect("parsed before").phrase();
            status_page(&state, &ctx, &code, &view, &keys, None, &[], "")
        }
        Err(key) => html(
            StatusCode::BAD_REQUEST,
            pages::code_entry(&ctx, Some(&ctx.t(key))),
        ),
    }
}

async fn more(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    mut mp: Multipart,
) -> Response {
    let Some(mut req) = Req::new(&state, &form, "en") else {
        return no_form();
    };
    let (p, verdict) = match read_parts(&state, &form, &mut mp).await {
        Ok(x) => x,
        Err(e) => return refused_cheaply(&state, e),
    };
    req.lang = state.tips.cats.pick(&p.lang);
    let ctx = req.ctx(&state);
    let (view, keys) = match open_with_code(&state, &p.code).await {
        Ok(x) => x,
        Err(key) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::code_entry(&ctx, Some(&ctx.t(key))),
            );
        }
    };
    let code = ReceiptCode::parse(&p.code).expect("parsed before").phrase();
    let mut errors: Vec<String> = p
        .problems
        .iter()
        .map(|(f, r)| field_error(&ctx, f, r))
        .collect();
    let ticket = match verdict {
        Ok(t) => Some(t),
        Err(_) => {
            errors.insert(0, ctx.t("error-expired"));
            None
        }
    };
    let (attachments, files) = match clean_files(&p.files, &ctx) {
        Ok(x) => x,
        Err(e) => {
            errors.push(e);
            (Vec::new(), Vec::new())
        }
    };
    let text = p.text.trim().to_owned();
    if let Err(e) = unchain_tips::report::check_text(&text) {
        errors.push(field_error(&ctx, e.field, &e.reason));
    }
    let admitted = ticket
        .as_ref()
        .map(|t| state.tips.guard.admit(&form, t).is_ok());
    if admitted == Some(false) {
        errors.push(ctx.t("error-limit"));
    }
    if !errors.is_empty() {
        state.metrics.tips_refused.inc();
        if !p.files.is_empty() {
            errors.push(ctx.t("error-files"));
        }
        return status_page(&state, &ctx, &code, &view, &keys, None, &errors, &p.text);
    }
    let content = serde_json::to_value(Content::Followup { text, attachments })
        .expect("a follow-up serialises");
    let (sealed, body) = intake::followup(
        &state.ledger.genesis().chain_id,
        &view.tip,
        &req.intake_key,
        &keys,
        &content,
        &files,
        crate::api::users::now_ms(),
    );
    let notice = match record(&state, "tips.message", &sealed, body).await {
        Ok(_) => ctx.t("more-sent"),
        Err(e) => {
            tracing::warn!(reason = %e, "a follow-up could not be recorded");
            return status_page(
                &state,
                &ctx,
                &code,
                &view,
                &keys,
                None,
                &[ctx.t("error-recording")],
                &p.text,
            );
        }
    };
    let view = unchain_tips::tip(
        &state.ledger.state_reader().expect("state reader"),
        &view.tip.tip,
    )
    .ok()
    .flatten()
    .unwrap_or(view);
    status_page(&state, &ctx, &code, &view, &keys, Some(notice), &[], "")
}

async fn receipt(
    State(state): State<ApiState>,
    Path(form): Path<String>,
    Form(f): Form<CodeForm>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &f.lang) else {
        return no_form();
    };
    let ctx = req.ctx(&state);
    let (view, keys) = match open_with_code(&state, &f.code).await {
        Ok(x) => x,
        Err(key) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::code_entry(&ctx, Some(&ctx.t(key))),
            );
        }
    };
    let contents: BTreeMap<String, serde_json::Value> = open_all(&state, &view, &keys)
        .into_iter()
        .filter(|(_, from, _, _)| *from == Author::Reporter)
        .map(|(msg, _, content, _)| (msg, content))
        .collect();
    let last = view
        .messages
        .iter()
        .filter(|m| m.from == Author::Reporter)
        .map(|m| m.log_index)
        .max()
        .unwrap_or(view.tip.log_index);
    let bundle = async {
        let (note, cp) = crate::api::handlers::checkpoint_covering(&state, last).await?;
        unchain_tips::bundle::build(
            &state.ledger,
            &view,
            &contents,
            &keys.commit_key,
            note,
            cp.size,
        )
        .map_err(Problem::from)
    }
    .await;
    match bundle {
        Ok(b) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"proof-of-receipt-{}.json\"",
                        view.tip.tip
                    ),
                ),
            ],
            serde_json::to_string_pretty(&b).expect("a bundle serialises"),
        )
            .into_response(),
        Err(_) => html(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::notice(&ctx, "receipt-title", &ctx.t("receipt-pending")),
        ),
    }
}
