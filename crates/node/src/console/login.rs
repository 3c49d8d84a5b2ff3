//! Logging in and out of the console.

use super::layout::document;
use super::session::{self, COOKIE, LOGIN_COOKIE};
use crate::console::ConsoleState;
use crate::users::{SignIn, UserRole};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

/// The login page's query.
#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    /// Where to go after login (a console path).
    #[serde(default)]
    next: Option<String>,
    /// Set when the page came from the idle logout.
    #[serde(default)]
    idle: Option<String>,
    /// A language chosen on the login page.
    #[serde(default)]
    lang: Option<String>,
}

/// Where to go after login: `next` if it is a console path, else the dashboard (no open
/// redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/console".to_owned(),
    }
}

fn lang_of(state: &ConsoleState, q: Option<&str>, headers: &HeaderMap) -> &'static str {
    state
        .console
        .cats
        .pick(q.unwrap_or(&super::accept_language(headers)))
}

fn login_page(
    state: &ConsoleState,
    secure: bool,
    lang: &'static str,
    next: &str,
    error: Option<String>,
    idle: bool,
) -> Response {
    let t = |k: &str| state.console.cats.text(lang, k, &[]);
    let (nonce, token) = state.console.sessions.login_nonce();
    let body = html! {
        main #main .login tabindex="-1" {
            h1 { "Unchain · " (state.node_name) }
            nav.lang aria-label=(t("lang-menu")) {
                @for (code, name) in state.console.cats.languages() {
                    @if code == lang {
                        span aria-current="true" lang=(code) { (name) }
                    } @else {
                        a href=(format!("/console/login?lang={code}&next={}", super::url_encode(next))) lang=(code) hreflang=(code) { (name) }
                    }
                }
            }
            @if idle {
                p.notice role="status" { (t("login-idle")) }
            }
            @if let Some(e) = &error {
                p.notice.error role="alert" #login-error { (e) }
            }
            form method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                input type="hidden" name="lang" value=(lang);
                label for="user" { (t("login-user")) }
                input #user name="user" type="text" autocomplete="username" required autofocus;
                label for="password" { (t("login-password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (t("login-submit")) }
            }
            p.hint { (t("login-shared-computer")) }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        [
            (
                header::SET_COOKIE,
                session::set_cookie(LOGIN_COOKIE, &nonce, Some(3600), secure),
            ),
            (header::CONTENT_TYPE, "text/html; charset=utf-8".into()),
        ],
        document(lang, &t("login-title"), &t("skip-to-content"), body, None).into_string(),
    )
        .into_response()
}

/// `GET /console/login`.
pub async fn form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = lang_of(&state, q.lang.as_deref(), &headers);
    // Someone still signed in (active in another tab when this one went idle) goes on.
    let live = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| session::cookie(c, COOKIE))
        .and_then(|sid| {
            state
                .console
                .sessions
                .get(sid, crate::service::now_ms(), false)
        });
    if live.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    login_page(
        &state,
        session::over_https(&headers),
        lang,
        &safe_next(q.next.as_deref()),
        None,
        q.idle.is_some(),
    )
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// `POST /console/login`: checks the password and starts a new session.
pub async fn submit(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&state, f.lang.as_deref(), &headers);
    let t = |k: &str| state.console.cats.text(lang, k, &[]);
    let next = safe_next(f.next.as_deref());
    let secure = session::over_https(&headers);
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or("");
    let nonce = session::cookie(cookies, LOGIN_COOKIE).unwrap_or("");
    if !super::same_origin(&headers) || !state.console.sessions.login_token_ok(nonce, &f.csrf) {
        tracing::warn!(
            "console: a login form without its token or from another origin was refused"
        );
        let mut r = login_page(&state, secure, lang, &next, Some(t("csrf-text")), false);
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let now = crate::service::now_ms();
    let users = state.users.clone();
    let (name, password) = (f.user.clone(), f.password);
    let answer = tokio::task::spawn_blocking(move || users.sign_in(&name, &password, now)).await;
    let user = match answer {
        Ok(Ok(SignIn::Accepted(user))) => user,
        Ok(Ok(SignIn::Locked { minutes })) => {
            tracing::warn!("console login refused: too many failures for one name");
            let text =
                state
                    .console
                    .cats
                    .text(lang, "login-locked", &[("minutes", &minutes.to_string())]);
            let mut r = login_page(&state, secure, lang, &next, Some(text), false);
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            return r;
        }
        _ => {
            tracing::info!("console login refused");
            return login_page(&state, secure, lang, &next, Some(t("login-refused")), false);
        }
    };
    let replacing = session::cookie(cookies, COOKIE);
    let sid = state
        .console
        .sessions
        .start(&user.name, Some(lang.to_owned()), replacing, now);
    tracing::info!(user = %user.id, "console login");
    (
        StatusCode::SEE_OTHER,
        AppendHeaders([
            (
                header::SET_COOKIE,
                session::set_cookie(COOKIE, &sid, None, secure),
            ),
            (
                header::SET_COOKIE,
                session::set_cookie(LOGIN_COOKIE, "", Some(0), secure),
            ),
            (header::LOCATION, next),
        ]),
    )
        .into_response()
}

/// `GET /console/keepalive`: a page load without a page (the idle warning's "stay signed
/// in"): 204 while the session lives, which this request extends.
pub async fn keepalive(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    match super::viewer(&state, &headers, "/console").await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The logout form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`: ends the session.
pub async fn logout(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    let ctx = super::refuse_or!(
        super::form_for(&state, &headers, "/console", &f.csrf, &UserRole::ALL).await
    );
    state.console.sessions.end(&ctx.sid);
    tracing::info!(user = %ctx.user.id, "console logout");
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                session::set_cookie(COOKIE, "", Some(0), session::over_https(&headers)),
            ),
            (header::LOCATION, "/console/login".to_owned()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/console/cases")), "/console/cases");
        assert_eq!(safe_next(Some("https://evil.example/")), "/console");
        assert_eq!(safe_next(Some("//evil.example/console")), "/console");
        assert_eq!(safe_next(Some("/console\\@evil")), "/console");
        assert_eq!(safe_next(None), "/console");
    }
}
