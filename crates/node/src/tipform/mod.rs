//! The public tip form (`/tips/…`), served by the intake organisation's node: report,
//! receipt code, coming back with the code to read replies and add information, and the
//! proof of receipt.
//!
//! What it never keeps: the tip routes read no address, user agent or cookie (the server
//! hands handlers none, the routes set none, nothing here logs a request), and a report's
//! plaintext exists only in this process's memory between the request and its sealing;
//! what reaches the disk is the ciphertext (`DATA/tips/`) and the ledger's record of it.

pub mod guard;
pub mod multipart;
pub mod pages;
pub(crate) mod reporter;
mod submit;

use crate::service::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guard::Guard;
use pages::{Ctx, Values};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use unchain_tips::message;
use unchain_tips::report::{MAX_FILE, MAX_FILES};
use unchain_types::EncryptionPublicKey;

/// Largest tip request: the files and the text around them.
pub const MAX_TIP_BYTES: usize = MAX_FILES * MAX_FILE + 256 * 1024;

/// What the tip form's handlers share: the node's service and the tip desk.
#[derive(Clone)]
pub struct TipState {
    /// The node's service layer (its `tip_store` holds the sealed messages).
    pub svc: crate::service::Service,
    /// The form's guard, catalogues and settings.
    pub tips: Arc<TipDesk>,
}

impl std::ops::Deref for TipState {
    type Target = crate::service::Service;
    fn deref(&self) -> &crate::service::Service {
        &self.svc
    }
}

/// The tip form's own state.
pub struct TipDesk {
    /// Tokens, work and rate limits.
    pub guard: Guard,
    /// Translation catalogues.
    pub cats: crate::i18n::Catalogues,
    /// Form ids served.
    pub forms: Vec<String>,
    /// The emergency number shown.
    pub emergency: String,
    /// Days of retention recorded with each tip (`None`: until the intake erases it).
    pub retention_days: Option<u32>,
    /// At most two Argon2id evaluations at once, so that the form never takes the CPU
    /// the agencies' requests need.
    pub argon: tokio::sync::Semaphore,
    /// The worker pages (`/work/…`), when this node serves them.
    pub worker: Option<crate::workerpage::WorkerDesk>,
}

impl TipDesk {
    /// The desk for `cfg`, keeping its secrets under `data_dir`. (Sealed messages go to the
    /// service's `tip_store`, `DATA/tips/`, which every member's node keeps a copy of.)
    pub fn open(
        cfg: &crate::config::TipsConfig,
        data_dir: &std::path::Path,
    ) -> std::io::Result<Self> {
        let mut guarded = cfg.forms.clone();
        if cfg.worker_pages {
            guarded.extend([
                crate::workerpage::GRIEVANCE_FORM.to_owned(),
                crate::workerpage::SURVEY_FORM.to_owned(),
            ]);
        }
        Ok(TipDesk {
            guard: Guard::with_secret(
                &guarded,
                guard::Limits {
                    global_per_minute: cfg.global_per_minute,
                    form_per_minute: cfg.form_per_minute,
                    calm_per_10_minutes: cfg.calm_per_10_minutes,
                    floor_bits: cfg.pow_floor_bits,
                },
                guard_secret(&data_dir.join("tips-guard.key"))?,
            )
            .persisting(&data_dir.join("tips-spent"))?,
            cats: crate::i18n::Catalogues::load(),
            forms: cfg.forms.clone(),
            emergency: cfg.emergency.clone(),
            retention_days: (cfg.retention_days > 0).then_some(cfg.retention_days),
            argon: tokio::sync::Semaphore::new(2),
            worker: cfg
                .worker_pages
                .then(|| crate::workerpage::WorkerDesk::new(cfg.voice_min_group)),
        })
    }
}

/// The key of the form's challenge tokens, made on first start (mode 0600). It identifies
/// no one: it only lets this node recognise forms it served, across restarts.
fn guard_secret(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    if let Ok(bytes) = std::fs::read(path)
        && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(key);
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, &key)?;
    Ok(key)
}

/// The tip routes, to merge into a router over [`TipState`].
pub fn routes() -> Router<TipState> {
    Router::new()
        .route("/tips", get(index))
        .route("/tips/static/style.css", get(style))
        .route("/tips/static/pow.js", get(script))
        .route("/tips/{form}", get(form_page).post(submit::submit))
        .route(
            "/tips/{form}/return",
            get(return_page).post(reporter::lookup),
        )
        .route("/tips/{form}/more", axum::routing::post(reporter::more))
        .route(
            "/tips/{form}/receipt",
            axum::routing::post(reporter::receipt),
        )
        .layer(axum::middleware::map_response(private_headers))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_TIP_BYTES))
        .merge(crate::workerpage::routes())
}

/// A router that serves the tip form and nothing else (the public listener).
pub fn public_router(state: TipState) -> Router {
    routes()
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .with_state(state)
}

pub(crate) async fn private_headers(mut r: Response) -> Response {
    crate::serve::private_page(
        r.headers_mut(),
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    r.headers_mut().remove(header::SET_COOKIE);
    r
}

pub(crate) fn html(status: StatusCode, body: String) -> Response {
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
fn intake_of(state: &TipState) -> Result<(String, EncryptionPublicKey), Problem> {
    state
        .ledger
        .members()?
        .into_iter()
        .find(|m| m.name == state.node_name)
        .map(|m| (m.display_name, m.encryption_key))
        .ok_or_else(|| Problem::internal("this node's organisation is not a member"))
}

/// The form and language a request is for; `None` if this node serves no such form.
pub(super) struct Req {
    pub(super) form: String,
    pub(super) lang: &'static str,
    pub(super) org: String,
    pub(super) intake_key: EncryptionPublicKey,
}

impl Req {
    pub(super) fn new(state: &TipState, form: &str, lang: &str) -> Option<Self> {
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

    pub(super) fn ctx<'a>(&'a self, state: &'a TipState) -> Ctx<'a> {
        Ctx {
            cats: &state.tips.cats,
            lang: self.lang,
            form: &self.form,
            org: &self.org,
            emergency: &state.tips.emergency,
        }
    }
}

pub(super) fn no_form() -> Response {
    (StatusCode::NOT_FOUND, "no such form").into_response()
}

#[derive(Deserialize)]
struct LangQuery {
    #[serde(default)]
    lang: String,
}

async fn index(State(state): State<TipState>) -> Response {
    match state.tips.forms.first() {
        Some(f) => axum::response::Redirect::to(&format!("/tips/{f}")).into_response(),
        None => no_form(),
    }
}

async fn form_page(
    State(state): State<TipState>,
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
    State(state): State<TipState>,
    Path(form): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let Some(req) = Req::new(&state, &form, &q.lang) else {
        return no_form();
    };
    html(StatusCode::OK, pages::code_entry(&req.ctx(&state), None))
}

/// Records a sealed message: stores it, submits its transaction, waits for it briefly.
/// `Ok(Some(leaf))` once committed, `Ok(None)` while still pending.
pub(crate) async fn record(
    state: &TipState,
    kind: &str,
    sealed: &message::Sealed,
    body: serde_json::Value,
) -> Result<Option<u64>, String> {
    state
        .tip_store
        .put(&sealed.commitment, &sealed.ciphertext)
        .map_err(|e| e.to_string())?;
    let undo = || {
        let _ = state.tip_store.delete(&sealed.commitment);
    };
    let id = match crate::service::sign_and_submit(state, kind, body).await {
        Ok(id) => id,
        Err(p) => {
            undo();
            return Err(p.detail);
        }
    };
    match crate::service::ledger::wait_tx(state, &id, Duration::from_secs(10)).await {
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
pub(crate) async fn slow<T: Send + 'static>(
    state: &TipState,
    job: impl FnOnce() -> T + Send + 'static,
) -> T {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_key_survives_a_restart_and_only_its_owner_reads_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("tips-guard.key");
        let first = guard_secret(&path).expect("made");
        assert_eq!(guard_secret(&path).expect("read"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let limits = || guard::Limits {
            global_per_minute: 10,
            form_per_minute: 10,
            calm_per_10_minutes: 10,
            floor_bits: 0,
        };
        let before = Guard::with_secret(&["report".into()], limits(), first);
        let (token, _) = before.issue("report");
        let after = Guard::with_secret(&["report".into()], limits(), first);
        assert!(
            after.check("report", &token, "").is_ok(),
            "a form served before a restart"
        );
    }
}
