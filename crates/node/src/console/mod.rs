//! The agency console (`/console/…`): server-rendered HTML for the organisation's users —
//! case workers, custodians, analysts, intake officers, administrators — served by every
//! node on its API listener.
//!
//! - Pages are HTML written with `maud` (escaped by construction); forms work without
//!   JavaScript, and the vendored htmx (`assets/`, nothing from other hosts) only refreshes
//!   parts of pages.
//! - Pages for cases, custody, tips, money flows, identity, supply chains ([`supply`]:
//!   the facility risk map, findings and their reach, a lot's trace), recruitment
//!   ([`recruit`]: a regulator's alerts, a party's offers), compliance agreements
//!   ([`agreements`]: each in plain words beside its CEL, its outcomes and disputes) and
//!   the ledger.
//! - Login with the node's user accounts ([`crate::users`]); sessions, CSRF tokens and
//!   automatic logout are in [`session`]. Roles decide the menu and every action, with the
//!   same tables as the API ([`crate::users::roles_for_path`], `roles_for_kind`).
//! - Sealed content is opened on the node, in memory, for a user whose role reads it; every
//!   opening and every refusal goes to the node's audit log ([`crate::audit`]). Pages are
//!   sent `Cache-Control: no-store`.
//! - Languages: English, Spanish, Thai (`crates/node/i18n/console/*.ftl`).

mod agreements;
mod cases;
mod custody;
mod dashboard;
mod identity;
mod layout;
mod ledger;
mod login;
mod money;
mod recruit;
mod recruit_money;
mod recruit_voice;
mod sealing;
pub mod session;
mod supply;
pub mod svg;
mod tips;

use crate::i18n::{Catalogues, Sources};
use crate::service::problem::Problem;
use crate::users::{User, UserRole};
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use cases::case_document;
pub(crate) use layout::Ctx;
pub use login::safe_next;
use maud::Markup;
use session::Sessions;
use unchain_types::Code;

/// The console's catalogues, English first.
pub(crate) const SOURCES: [(&str, &str); 3] = [
    ("en", include_str!("../../i18n/console/en.ftl")),
    ("es", include_str!("../../i18n/console/es.ftl")),
    ("th", include_str!("../../i18n/console/th.ftl")),
];

static SOURCES_REF: &Sources = &SOURCES;

/// What the console's handlers share: the node's service and the console's own state.
#[derive(Clone)]
pub struct ConsoleState {
    /// The node's service layer.
    pub svc: crate::service::Service,
    /// The console's sessions, catalogues and scans.
    pub console: std::sync::Arc<Console>,
}

impl std::ops::Deref for ConsoleState {
    type Target = crate::service::Service;
    fn deref(&self) -> &crate::service::Service {
        &self.svc
    }
}

/// What the console keeps beside the node's service.
pub struct Console {
    /// Live sessions.
    pub sessions: Sessions,
    /// Translation catalogues.
    pub cats: Catalogues,
    /// Money-flow scans (in memory only).
    pub money: money::Scans,
    /// Whether this node seals and opens records for the console (`[console] sealed`).
    pub sealed: bool,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            sessions: Sessions::default(),
            cats: Catalogues::from_sources(SOURCES_REF),
            money: money::Scans::default(),
            sealed: true,
        }
    }
}

/// The console's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console", get(dashboard::page))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/keepalive", get(login::keepalive))
        .route("/console/assets/{name}", get(asset))
        .route("/console/cases", get(cases::list).post(cases::create))
        .route("/console/cases/new", get(cases::new_form))
        .route("/console/case", get(cases::detail))
        .route("/console/case/open", post(cases::open_details))
        .route("/console/case/attach", post(cases::attach))
        .route("/console/case/share", post(cases::share))
        .route("/console/case/transition", post(cases::transition))
        .route("/console/alerts", get(dashboard::alerts))
        .route("/console/tips", get(tips::list))
        .route("/console/tip", get(tips::detail))
        .route("/console/tip/open", post(tips::open))
        .route("/console/tip/triage", post(tips::triage))
        .route("/console/tip/reply", post(tips::reply))
        .route("/console/tip/convert", post(tips::convert))
        .route("/console/tip/file", get(tips::file))
        .route("/console/custody", get(custody::list))
        .route("/console/custody/collect", post(custody::collect))
        .route("/console/custody/item/{item}", get(custody::item))
        .route(
            "/console/custody/item/{item}/transfer",
            post(custody::transfer),
        )
        .route(
            "/console/custody/item/{item}/receive",
            post(custody::receive),
        )
        .route("/console/custody/item/{item}/cancel", post(custody::cancel))
        .route("/console/custody/item/{item}/event", post(custody::other))
        .route("/console/custody/item/{item}/bundle", get(custody::bundle))
        .route("/console/custody/item/{item}/report", get(custody::report))
        .route(
            "/console/money",
            get(money::page)
                .post(money::upload)
                .layer(axum::extract::DefaultBodyLimit::max(money::MAX_UPLOAD)),
        )
        .route("/console/money/{id}", get(money::scan_page))
        .route("/console/identity", get(identity::page))
        .route("/console/supply", get(supply::page))
        .route("/console/supply/trace", get(supply::trace))
        .route("/console/supply/finding/{id}", get(supply::finding))
        .route("/console/recruit", get(recruit::page))
        .route("/console/agreements", get(agreements::list))
        .route("/console/agreement/{id}", get(agreements::detail))
        .route("/console/ledger", get(ledger::overview))
        .route("/console/ledger/block/{height}", get(ledger::block))
        .route("/console/ledger/tx/{id}", get(ledger::tx))
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers on every console answer: no caching, no framing, no sniffing, and
/// a content security policy that allows only this node's own scripts and styles. The
/// referrer goes only to this node (`no-referrer` would make browsers send `Origin: null`
/// with every form, which the CSRF check refuses).
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    // Pages are never kept; the assets say otherwise themselves.
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    r
}

const CSS: &str = include_str!("assets/console.css");
const HTMX: &str = include_str!("assets/htmx-2.0.4.min.js");
const JS: &str = include_str!("assets/console.js");

/// The console's assets by the name pages link them with: their content's SHA-256 prefix
/// is in the name, so a browser keeps each for a year and a new build is a new name.
static ASSETS: std::sync::LazyLock<[(String, &'static str, &'static str); 3]> =
    std::sync::LazyLock::new(|| {
        let named = |stem: &str, ext: &str, body: &'static str, ty: &'static str| {
            let hash = hex::encode(unchain_types::Hash32::digest(body.as_bytes()).0);
            (format!("{stem}.{}.{ext}", &hash[..12]), body, ty)
        };
        [
            named("console", "css", CSS, "text/css; charset=utf-8"),
            named("htmx-2.0.4", "js", HTMX, "text/javascript; charset=utf-8"),
            named("console", "js", JS, "text/javascript; charset=utf-8"),
        ]
    });

/// The path of asset `i` of [`ASSETS`] (0 stylesheet, 1 htmx, 2 our script).
pub(crate) fn asset_path(i: usize) -> String {
    format!("/console/assets/{}", ASSETS[i].0)
}

/// The console's own stylesheet and scripts (vendored: nothing comes from other hosts).
async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, body, ty)) => (
            [
                (header::CONTENT_TYPE, *ty),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// The roles that see a page or take an action of the console.
pub(crate) mod need {
    use crate::users::UserRole::{self, *};
    /// Cases: list and detail.
    pub const CASES: &[UserRole] = &[Investigator, Analyst, IntakeOfficer, Administrator];
    /// Open a case or attach sealed details.
    pub const SEAL: &[UserRole] = &[Investigator, IntakeOfficer];
    /// Read sealed content (never administrators).
    pub const READ_SEALED: &[UserRole] = &[Investigator, Analyst, IntakeOfficer];
    /// Share or refer a case, move it through its workflow.
    pub const CASE_ACT: &[UserRole] = &[Investigator, IntakeOfficer];
    /// Evidence custody.
    pub const CUSTODY: &[UserRole] = &[Custodian, Investigator, Analyst];
    /// Custody events.
    pub const CUSTODY_ACT: &[UserRole] = &[Custodian, Investigator];
    /// Match alerts.
    pub const ALERTS: &[UserRole] = &[Investigator, Analyst, IntakeOfficer];
    /// The tips inbox.
    pub const TIPS: &[UserRole] = &[IntakeOfficer, Investigator];
    /// Money-flow scans.
    pub const MONEY: &[UserRole] = &[Analyst, Investigator];
    /// The organisation's DIDs, credentials and registered children.
    pub const IDENTITY: &[UserRole] = &[Investigator, IntakeOfficer, Administrator, BorderOfficer];
    /// Supply chains: facilities, findings of forced labour and their reach, traces.
    pub const SUPPLY: &[UserRole] = &[ComplianceOfficer, Investigator, Analyst];
    /// Recruitment: a regulator's alerts, a licensed party's offers.
    pub const RECRUIT: &[UserRole] = &[ComplianceOfficer, Investigator, Analyst, Administrator];
    /// Compliance agreements: read by those who answer for compliance.
    pub const AGREEMENTS: &[UserRole] = &[ComplianceOfficer, Investigator, Analyst, Administrator];
    /// The ledger pages: everyone.
    pub const LEDGER: &[UserRole] = &UserRole::ALL;
}

/// A page that says the user's roles do not reach it (403).
pub(crate) fn not_entitled(ctx: &Ctx, need: &[UserRole]) -> Response {
    let roles = need
        .iter()
        .map(|r| ctx.role_name(*r))
        .collect::<Vec<_>>()
        .join(", ");
    let body = maud::html! {
        h1 { (ctx.t("forbidden-title")) }
        p.notice.error role="alert" { (ctx.ta("forbidden-text", &[("roles", &roles)])) }
    };
    (
        StatusCode::FORBIDDEN,
        html(ctx.page("forbidden-title", body)),
    )
        .into_response()
}

/// A page that names what went wrong (`status`).
pub(crate) fn problem_page(ctx: &Ctx, status: StatusCode, text: String) -> Response {
    let body = maud::html! {
        h1 { (ctx.t("problem-title")) }
        p.notice.error role="alert" { (text) }
    };
    (status, html(ctx.page("problem-title", body))).into_response()
}

/// Checks a state-changing request: it came from this console (the `Origin` header, when
/// the browser sends one, names this host) and carries the session's CSRF token.
pub(crate) fn check_post(ctx: &Ctx, headers: &HeaderMap, csrf: &str) -> Result<(), Box<Response>> {
    if !same_origin(headers) || !session::same(&ctx.session.csrf, csrf) {
        tracing::warn!(user = %ctx.user.id, "console: a form without this session's CSRF token or from another origin was refused");
        let body = maud::html! {
            h1 { (ctx.t("csrf-title")) }
            p.notice.error role="alert" { (ctx.t("csrf-text")) }
        };
        return Err(Box::new(
            (StatusCode::FORBIDDEN, html(ctx.page("csrf-title", body))).into_response(),
        ));
    }
    Ok(())
}

/// Whether the request's `Origin`, if any, is this host.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !host.is_empty() && origin_host == host
}

/// The viewer, or else the answer that refuses the request (returned from the handler).
macro_rules! refuse_or {
    ($e:expr) => {
        match $e {
            Ok(ctx) => ctx,
            Err(refusal) => return refusal,
        }
    };
}
pub(crate) use refuse_or;

/// The viewer of a page that `roles` may see; else a redirect to the login page, or a
/// page saying which roles it needs.
pub(crate) async fn page_for(
    state: &ConsoleState,
    headers: &HeaderMap,
    path: &str,
    roles: &[UserRole],
) -> Result<Ctx, Response> {
    let ctx = viewer(state, headers, path).await?;
    if !ctx.may(roles) {
        return Err(not_entitled(&ctx, roles));
    }
    Ok(ctx)
}

/// The viewer of a form that `roles` may submit, carrying this session's CSRF token `csrf`;
/// else the answer that refuses it (nothing is changed).
pub(crate) async fn form_for(
    state: &ConsoleState,
    headers: &HeaderMap,
    back: &str,
    csrf: &str,
    roles: &[UserRole],
) -> Result<Ctx, Response> {
    let ctx = viewer(state, headers, back).await?;
    check_post(&ctx, headers, csrf).map_err(|r| *r)?;
    if !ctx.may(roles) {
        return Err(not_entitled(&ctx, roles));
    }
    Ok(ctx)
}

/// The logged-in user of this request, or a redirect to the login page.
pub(crate) async fn viewer(
    state: &ConsoleState,
    headers: &HeaderMap,
    back_to: &str,
) -> Result<Ctx, Response> {
    let to_login = || {
        let next = url_encode(back_to);
        Redirect::to(&format!("/console/login?next={next}")).into_response()
    };
    let Some(sid) = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| session::cookie(c, session::COOKIE))
    else {
        return Err(to_login());
    };
    // A background refresh (htmx) is not activity: the idle logout still comes.
    let touch = !headers.contains_key("hx-request");
    let now = crate::service::now_ms();
    let Some(session) = state.console.sessions.get(sid, now, touch) else {
        return Err(to_login());
    };
    let user: Option<User> = state.users.by_name(&session.user).ok().flatten();
    let Some(user) = user else {
        state.console.sessions.end(sid);
        return Err(to_login());
    };
    // A language chosen from the menu (`?lang=`) stays for the session.
    let chosen = back_to
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|p| p.strip_prefix("lang=")));
    if let Some(code) = chosen {
        let code = state.console.cats.pick(code);
        state.console.sessions.set_lang(sid, code);
    }
    let lang = state.console.cats.pick(
        chosen
            .or(session.lang.as_deref())
            .unwrap_or(&accept_language(headers)),
    );
    Ok(Ctx {
        state: state.clone(),
        sid: sid.to_owned(),
        lang,
        user,
        session,
        path: back_to.to_owned(),
    })
}

/// The first language of `Accept-Language` (two letters), or English.
pub(crate) fn accept_language(headers: &HeaderMap) -> String {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().chars().take(2).collect())
        .unwrap_or_else(|| "en".into())
}

/// `s` encoded for a URL's query (`application/x-www-form-urlencoded`).
pub(crate) fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A redirect after a form, with a message for the next page.
pub(crate) fn after_post(ctx: &Ctx, to: &str, kind: &'static str, text: String) -> Response {
    ctx.state.console.sessions.flash(&ctx.sid, kind, text);
    Redirect::to(to).into_response()
}

/// Renders `markup` as a page answer.
pub(crate) fn html(markup: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// Submits `kind` signed by the organisation for the acting user (the body's `actor`) and
/// waits for its block: the height, or the problem (with its status and code) that refused
/// or rejected it.
pub(crate) async fn submit_and_wait(
    ctx: &Ctx,
    kind: &str,
    body: serde_json::Value,
) -> Result<u64, Problem> {
    let id = crate::service::sign_and_submit(&ctx.state, kind, body).await?;
    wait_committed(ctx, &id).await
}

/// Waits for transaction `id`'s block: its height; a 422 with the ledger's code when the
/// block rejected it; a 504 when it is still waiting.
pub(crate) async fn wait_committed(ctx: &Ctx, id: &unchain_types::TxId) -> Result<u64, Problem> {
    let s =
        crate::service::ledger::wait_tx(&ctx.state, id, std::time::Duration::from_secs(20)).await?;
    match (s.status.as_str(), s.height) {
        ("committed", Some(h)) => Ok(h),
        ("pending", _) => Err(Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            Code::RequestTimeout,
            "still pending",
            ctx.ta("still-pending", &[("id", &id.to_string())]),
        )),
        _ => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            // Every rejection recorded by this code carries its code; only records older
            // than codes lack one.
            s.code.unwrap_or(Code::BadRequest),
            "rejected",
            s.reason.unwrap_or(s.status),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_console_catalogue_has_exactly_the_english_messages_and_each_formats() {
        let cats = Catalogues::assert_complete(
            SOURCES_REF,
            100,
            &[
                ("roles", "R"),
                ("count", "2"),
                ("org", "O"),
                ("user", "U"),
                ("id", "I"),
                ("height", "9"),
                ("reason", "R"),
                ("minutes", "15"),
                ("status", "S"),
                ("to", "T"),
                ("size", "3"),
                ("when", "W"),
                ("by", "B"),
                ("shown", "1"),
                ("total", "2"),
                ("country", "NP"),
                ("party", "P"),
                ("date", "2026-05-01"),
                ("k", "11"),
                ("employer", "E"),
                ("month", "2026-03"),
                ("of", "12"),
                ("indicator", "I"),
                ("parties", "P, Q"),
                ("arbiter", "A"),
                ("blocks", "10"),
                ("amount", "5000.00"),
                ("currency", "USD"),
                ("version", "2"),
                ("number", "1"),
            ],
        );
        assert_eq!(cats.languages().len(), 3);
    }

    #[test]
    fn origins_must_name_this_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:7700"));
        assert!(
            same_origin(&h),
            "no Origin: a same-origin GET-form navigation"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:7700"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }
}
