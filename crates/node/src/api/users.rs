//! Users of the node's own organisation: `POST /v1/login` (password → session token),
//! `GET /v1/me`, and `POST /v1/act`, where a user's request becomes a transaction the node
//! signs with the organisation's key, carrying the user's pseudonymous id as `actor`.
//!
//! A bearer token (an API token from `unchain user`, or a session token from login) is
//! accepted wherever a member-signed request is; what the user may reach depends on its
//! roles ([`crate::users::roles_for_path`], [`crate::users::roles_for_kind`]).

use super::{ApiState, Problem};
use crate::service::sign_and_submit;
use crate::users::{SignIn, User, UserRole};
use crate::users::{roles_for_kind, roles_for_path};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use unchain_types::Code;
use unchain_types::Hash32;

/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// Live login sessions: SHA-256 of the session token → user name and expiry.
#[derive(Default)]
pub struct Sessions(Mutex<BTreeMap<Hash32, (String, u64)>>);

pub(crate) use crate::service::now_ms;

impl Sessions {
    fn start(&self, user: &str) -> (String, u64) {
        let token = format!("session_{}", hex::encode(rand::random::<[u8; 32]>()));
        let expires = now_ms() + SESSION_TTL.as_millis() as u64;
        let mut map = self.0.lock().expect("sessions lock");
        let now = now_ms();
        map.retain(|_, (_, exp)| *exp > now);
        map.insert(Hash32::digest(token.as_bytes()), (user.to_owned(), expires));
        (token, expires)
    }

    fn user(&self, token: &str) -> Option<String> {
        let map = self.0.lock().expect("sessions lock");
        map.get(&Hash32::digest(token.as_bytes()))
            .filter(|(_, exp)| *exp > now_ms())
            .map(|(u, _)| u.clone())
    }
}

fn unauthorized(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        Code::Unauthenticated,
        "not logged in",
        detail,
    )
}

use crate::service::problem::forbidden;

fn role_names(roles: &[UserRole]) -> String {
    roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The user a bearer token names, if the request carries one.
pub(crate) fn bearer_user(state: &ApiState, headers: &HeaderMap) -> Result<Option<User>, Problem> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    let user = match state.sessions.user(token) {
        Some(name) => state.users.by_name(&name),
        None => state.users.by_token(token),
    }
    .map_err(|e| Problem::internal(e.to_string()))?;
    user.map(Some).ok_or_else(|| {
        unauthorized("the token is unknown, expired, rotated, or its user is disabled")
    })
}

/// Checks that `user` may reach `path`.
pub(crate) fn allow_path(user: &User, method: &str, path: &str) -> Result<(), Problem> {
    let need = roles_for_path(method, path);
    if user.may(need) {
        Ok(())
    } else {
        Err(forbidden(format!(
            "user {} ({}) may not {method} {path}: it needs one of {}",
            user.id,
            role_names(&user.roles),
            role_names(need)
        )))
    }
}

/// A login.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Login {
    /// The login name.
    pub user: String,
    /// The password.
    pub password: String,
}

/// A logged-in user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Bearer token for later requests (absent from `/v1/me`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// When it expires (ms since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
    /// The pseudonymous id the user's actions carry.
    pub id: String,
    /// The organisation.
    pub member: String,
    /// Its roles.
    pub roles: Vec<UserRole>,
}

/// Log in with a password; answers a session token for `Authorization: Bearer`.
#[utoipa::path(post, path = "/v1/login", request_body = Login,
    responses((status = 200, body = SessionView), (status = 401, body = Problem),
              (status = 429, body = Problem, description = "too many failed sign-ins for this name; see Retry-After")))]
pub async fn login(
    State(state): State<ApiState>,
    super::body::IJson(l): super::body::IJson<Login>,
) -> Result<Json<SessionView>, Problem> {
    let users = state.users.clone();
    let (name, password) = (l.user.clone(), l.password);
    let now = now_ms();
    let answer = tokio::task::spawn_blocking(move || users.sign_in(&name, &password, now))
        .await
        .map_err(|e| Problem::internal(e.to_string()))?
        .map_err(|e| Problem::internal(e.to_string()))?;
    let user = match answer {
        SignIn::Accepted(user) => user,
        SignIn::Refused => {
            tracing::info!("login refused");
            return Err(unauthorized(
                "wrong user name or password, or the account is disabled",
            ));
        }
        SignIn::Locked { minutes } => {
            tracing::warn!("login refused: too many failures for one name");
            let mut p = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::SignInLocked,
                "too many failed sign-ins",
                format!(
                    "too many failed sign-ins for this name (on the console or the API); \
                     try again in {minutes} minutes, or ask an administrator to reset the password"
                ),
            );
            p.retry_after = Some(minutes * 60);
            return Err(p);
        }
    };
    let (token, expires) = state.sessions.start(&user.name);
    tracing::info!(user = %user.id, "login");
    Ok(Json(SessionView {
        token: Some(token),
        expires_ms: Some(expires),
        id: user.id,
        member: state.node_name.clone(),
        roles: user.roles,
    }))
}

/// The user a bearer token belongs to.
#[utoipa::path(get, path = "/v1/me", responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn me(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Json<SessionView>, Problem> {
    let user = bearer_user(&state, &headers)?
        .ok_or_else(|| unauthorized("send Authorization: Bearer TOKEN"))?;
    Ok(Json(SessionView {
        token: None,
        expires_ms: None,
        id: user.id,
        member: state.node_name.clone(),
        roles: user.roles,
    }))
}

/// An action of a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Act {
    /// The transaction kind (`custody.*`, `cases.*`).
    pub kind: String,
    /// Its body; `actor` is set to the user's id.
    pub body: serde_json::Value,
}

/// Act as the logged-in user: the node signs the transaction with its organisation's key,
/// the body's `actor` set to the user's pseudonymous id, and submits it.
#[utoipa::path(post, path = "/v1/act", request_body = Act,
    responses((status = 202, body = unchain_client::views::SubmitResponse), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn act(
    State(state): State<ApiState>,
    headers: HeaderMap,
    super::body::IJson(a): super::body::IJson<Act>,
) -> Result<(StatusCode, Json<unchain_client::views::SubmitResponse>), Problem> {
    let user = bearer_user(&state, &headers)?
        .ok_or_else(|| unauthorized("send Authorization: Bearer TOKEN"))?;
    let need = roles_for_kind(&a.kind);
    if need.is_empty() {
        return Err(forbidden(format!(
            "{} is not submitted through the node on a user's behalf; use the CLI with the organisation's key",
            a.kind
        )));
    }
    if !user.may(need) {
        return Err(forbidden(format!(
            "user {} ({}) may not submit {}: it needs one of {}",
            user.id,
            role_names(&user.roles),
            a.kind,
            role_names(need)
        )));
    }
    let mut body = a.body;
    let Some(map) = body.as_object_mut() else {
        return Err(Problem::bad_request(
            Code::UnreadableBody,
            "body must be a JSON object",
        ));
    };
    match map.get("actor").and_then(|v| v.as_str()) {
        Some(other) if other != user.id => {
            return Err(forbidden(format!(
                "body.actor is {other}; a user acts only as itself ({})",
                user.id
            )));
        }
        _ => {
            map.insert("actor".into(), user.id.clone().into());
        }
    }
    let id = sign_and_submit(&state, &a.kind, body).await?;
    tracing::info!(user = %user.id, kind = %a.kind, tx = %id, "user action submitted");
    Ok((
        StatusCode::ACCEPTED,
        Json(unchain_client::views::SubmitResponse {
            id: id.to_string(),
            status: "pending".into(),
        }),
    ))
}
