//! `/v1/identity/…` and `/v1/border/…`: DID resolution with the full key history, each
//! issuer's Token Status List, credential issuance records, the next free status index,
//! registered children, the trust bundle a border post takes offline, and the border
//! check itself (as an endpoint and as the page at `/border`).
//!
//! DID documents and status lists are public: keys, labels and statuses, as verifiers
//! everywhere expect to fetch them. Trust bundles and the checks are for members (a signed
//! request, or the bearer token of a user with the `border_officer` role): a bundle lists
//! the children flagged missing, and a trafficker holding a child's card must not be able
//! to ask whether the child is being looked for. Issuance records and children are for
//! members too.

use super::users::now_ms;
use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use unchain_credentials::did::parse_unchain;
use unchain_identity::border::{self, BorderReport, Challenge, PresentationReport};
use unchain_identity::credential::status_uri;
use unchain_identity::trust::{self, TrustBundle, TrustState};
use unchain_identity::{Child, Issued};
use unchain_types::Code;

/// How old a presentation may be at the border, seconds.
pub const PRESENTATION_MAX_AGE_S: u64 = 300;

fn did_not_found(did: &str) -> Problem {
    Problem::not_found(format!("{did} is not a DID on this chain"))
}

fn check_did(did: &str) -> Result<(), Problem> {
    parse_unchain(did)
        .map(|_| ())
        .map_err(|e| Problem::bad_request(Code::BadRequest, format!("did: {e}")))
}

/// A state reader, once `did` is known to be a `did:unchain` of this chain.
fn known_did(state: &ApiState, did: &str) -> Result<unchain_ledger::StateReader, Problem> {
    check_did(did)?;
    let reader = state.ledger.state_reader()?;
    unchain_identity::did(&reader, did)
        .map_err(internal)?
        .ok_or_else(|| did_not_found(did))?;
    Ok(reader)
}

/// The DIDs an organisation controls, with their key histories.
#[utoipa::path(get, path = "/v1/identity/controllers/{member}", params(("member" = String, Path, description = "member name")),
    responses((status = 200, description = "its DIDs")))]
pub async fn controlled(
    State(state): State<ApiState>,
    Path(member): Path<String>,
) -> Result<Json<Vec<unchain_identity::rules::DidState>>, Problem> {
    Ok(Json(
        unchain_identity::dids_of(&state.ledger.state_reader()?, &member).map_err(internal)?,
    ))
}

/// An issuer's status list, as the ledger's status transactions make it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusListView {
    /// The list's URI, as credentials name it.
    pub sub: String,
    /// The issuer.
    pub issuer: String,
    /// `{"bits": 2, "lst": …}` (IETF Token Status List).
    #[schema(value_type = Object)]
    pub status_list: unchain_credentials::status::EncodedList,
    /// The log size this reflects.
    pub log_size: u64,
}

/// An issuer's Token Status List (2 bits per credential: 0 valid, 1 revoked, 2
/// suspended). Its history is the `identity.status` transactions in the log. Asked for
/// `application/statuslist+jwt`, the issuer-signed Status List Token instead, while it
/// holds the ledger's current list (404 when it does not: the issuer has not yet signed
/// the latest change).
#[utoipa::path(get, path = "/v1/identity/status/{did}", params(("did" = String, Path, description = "the issuer's did:unchain")),
    responses((status = 200, description = "the status list as JSON, or the issuer's Status List Token (`Accept: application/statuslist+jwt`)",
                content((StatusListView = "application/json"), (String = "application/statuslist+jwt"))),
              (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn status_list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(did): Path<String>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    check_did(&did)?;
    if super::status_tokens::wants_token(&headers) {
        return super::status_tokens::serve_token(&state, &did);
    }
    let reader = known_did(&state, &did)?;
    let list = unchain_identity::status_list(&reader, &did).map_err(internal)?;
    Ok(Json(StatusListView {
        sub: status_uri(&did),
        issuer: did,
        status_list: list.encode(),
        log_size: state.ledger.head()?.log_size,
    })
    .into_response())
}

/// The lowest status index an issuer has not used (members only: how many credentials an
/// office issued is nobody else's business). The CLI draws random indexes instead.
#[utoipa::path(get, path = "/v1/identity/next/{did}", params(("did" = String, Path, description = "the issuer's did:unchain")),
    responses((status = 200, description = "{\"idx\": n}"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn next_index(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(did): Path<String>,
) -> Result<Json<Value>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = known_did(&state, &did)?;
    let idx = unchain_identity::next_index(&reader, &did)
        .map_err(internal)?
        .ok_or_else(|| {
            Problem::new(
                axum::http::StatusCode::CONFLICT,
                Code::LimitReached,
                "Status list full",
                format!("{did} has used every index of its status list: create another DID to issue more"),
            )
        })?;
    Ok(Json(json!({ "idx": idx })))
}

/// A credential's issuance record and every status change, with log indexes (prove one
/// with `/v1/proofs/inclusion?tx=`).
#[utoipa::path(get, path = "/v1/identity/issued/{did}/{idx}", params(("did" = String, Path, description = "the issuer"), ("idx" = u32, Path, description = "status index")),
    responses((status = 200, description = "the issuance"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn issued(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path((did, idx)): Path<(String, u32)>,
) -> Result<Json<Issued>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    check_did(&did)?;
    let i = unchain_identity::issued(&state.ledger.state_reader()?, &did, idx)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("{did} issued nothing at index {idx}")))?;
    Ok(Json(i))
}

/// A registered child and the credentials issued about it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildView {
    /// The registration and its missing flag.
    pub child: Child,
    /// Child and guardian-link credentials, oldest first.
    pub credentials: Vec<Issued>,
}

/// A registered child (pseudonymous id, registrar, record, missing flag) and the
/// credentials issued about it: a guardian change shows as a revoked link and a new one.
#[utoipa::path(get, path = "/v1/identity/children/{child}", params(("child" = String, Path, description = "c-…")),
    responses((status = 200, description = "the child"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn child(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(child): Path<String>,
) -> Result<Json<ChildView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    let c = unchain_identity::child(&reader, &child)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("child {child} is not registered")))?;
    let credentials = unchain_identity::credentials_of_child(&reader, &child).map_err(internal)?;
    Ok(Json(ChildView {
        child: c,
        credentials,
    }))
}

/// The trust bundle a node last built, with its verified state, for its checkpoint's
/// size: border checks and bundle requests reuse it until a newer checkpoint is cosigned,
/// instead of proving every entry again per request.
#[derive(Default)]
pub struct TrustCache(Mutex<Option<CachedTrust>>);

struct CachedTrust {
    size: u64,
    bundle: Arc<TrustBundle>,
    state: Arc<TrustState>,
}

/// The current trust bundle and its verified state.
async fn current_trust(state: &ApiState) -> Result<(Arc<TrustBundle>, Arc<TrustState>), Problem> {
    let last = unchain_identity::trust_entries(&state.ledger.state_reader()?)
        .map_err(internal)?
        .last()
        .copied()
        .unwrap_or(0);
    if state.ledger.head()?.log_size == 0 {
        let mut p = Problem::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::EmptyLog,
            "Nothing to trust yet",
            "the log is empty: a trust bundle needs a checkpoint cosigned over at least one transaction",
        );
        p.retry_after = Some(1);
        return Err(p);
    }
    let (note, cp) = crate::service::ledger::checkpoint_covering(state, last).await?;
    if let Some(c) = state.trust.0.lock().expect("trust cache lock").as_ref()
        && c.size == cp.size
    {
        return Ok((c.bundle.clone(), c.state.clone()));
    }
    let validators = crate::service::ledger::cosigners_of(state, &note)?;
    let bundle = trust::build(&state.ledger, note, cp.size, now_ms())?;
    let quorum = unchain_ledger::cosign::quorum(validators.len());
    let verified = trust::verify(&bundle, &validators, quorum)
        .map_err(|e| Problem::internal(format!("this node's own trust bundle: {e}")))?;
    let (bundle, verified) = (Arc::new(bundle), Arc::new(verified));
    *state.trust.0.lock().expect("trust cache lock") = Some(CachedTrust {
        size: cp.size,
        bundle: bundle.clone(),
        state: verified.clone(),
    });
    Ok((bundle, verified))
}

/// The trust bundle for offline border checks: every issuer DID and key change, every
/// credential status change and every missing-child flag, each with its inclusion proof
/// against one cosigned checkpoint. `unchain border check --bundle` needs nothing else.
/// Members only: it lists the children flagged missing.
#[utoipa::path(get, path = "/v1/identity/trust-bundle",
    responses((status = 200, description = "the trust bundle"), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn trust_bundle(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<TrustBundle>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let (bundle, _) = current_trust(&state).await?;
    // Current as of now: no newer checkpoint has been cosigned since it was built.
    let mut bundle = TrustBundle::clone(&bundle);
    bundle.exported_ms = now_ms();
    Ok(Json(bundle))
}

/// A border check request: both presentations, bound to the border post's challenge.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BorderCheckRequest {
    /// The child's credential presentation (SD-JWT with key binding).
    pub child: String,
    /// The accompanying adult's guardian-link presentation.
    pub adult: String,
    /// The border post's identifier: the presentations' `aud`.
    pub aud: String,
    /// The nonce the post showed the wallets.
    pub nonce: String,
}

/// Judges a child's and an adult's presentations against this node's current trust
/// bundle (verified as a border post would): valid, invalid signature, revoked, expired,
/// not a guardian, or child flagged missing, with reasons.
#[utoipa::path(post, path = "/v1/border/check", request_body = BorderCheckRequest,
    responses((status = 200, description = "the verdict"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn border_check(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<BorderReport>, Problem> {
    let (req, trust) = begin_check::<BorderCheckRequest>(
        &state,
        (&method, &uri, &headers, &body),
        Code::UnreadableBody,
        "{\"child\", \"adult\", \"aud\", \"nonce\"}, all strings",
        |r| (&r.aud, &r.nonce),
    )
    .await?;
    Ok(Json(border::check(
        &trust,
        &req.child,
        &req.adult,
        &challenge(&req.aud, &req.nonce),
        u64::MAX,
    )))
}

/// The border check for the page at `/border`: the officer's bearer `token` (typed into
/// the page), then the same check as [`border_check`].
pub(crate) async fn border_check_report(
    state: &ApiState,
    token: &str,
    req: BorderCheckRequest,
) -> Result<BorderReport, Problem> {
    let mut headers = HeaderMap::new();
    if !token.is_empty() {
        let value =
            axum::http::HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                Problem::bad_request(Code::BadRequest, "token: not a token (letters and digits)")
            })?;
        headers.insert(header::AUTHORIZATION, value);
    }
    authenticate(
        state,
        &Method::POST,
        &Uri::from_static("/v1/border/check"),
        &headers,
        b"",
    )?;
    check_challenge(&req.aud, &req.nonce)?;
    let (_, trust) = current_trust(state).await?;
    Ok(border::check(
        &trust,
        &req.child,
        &req.adult,
        &challenge(&req.aud, &req.nonce),
        u64::MAX,
    ))
}

/// A single-presentation check request (a service provider shown a survivor's credential).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PresentationCheckRequest {
    /// The presentation (SD-JWT with key binding).
    pub presentation: String,
    /// The verifier's identifier: the presentation's `aud`.
    pub aud: String,
    /// The nonce it gave the holder.
    pub nonce: String,
    /// The credential type required, if any.
    pub vct: Option<String>,
}

/// Verifies one presentation against this node's current trust bundle: trusted issuer
/// key, key binding, validity, type, status; answers what it discloses.
#[utoipa::path(post, path = "/v1/identity/verify", request_body = PresentationCheckRequest,
    responses((status = 200, description = "the report"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn verify_presentation(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<PresentationReport>, Problem> {
    let (req, trust) = begin_check::<PresentationCheckRequest>(
        &state,
        (&method, &uri, &headers, &body),
        Code::UnreadableBody,
        "{\"presentation\", \"aud\", \"nonce\"} and optionally \"vct\"",
        |r| (&r.aud, &r.nonce),
    )
    .await?;
    Ok(Json(border::verify_presentation(
        &trust,
        &req.presentation,
        req.vct.as_deref(),
        &challenge(&req.aud, &req.nonce),
        u64::MAX,
    )))
}

/// What both check endpoints do first: authenticate the member (signature or token), parse
/// the body (saying what to send when it does not parse), check its challenge, and load
/// the current trust state.
async fn begin_check<T: serde::de::DeserializeOwned>(
    state: &ApiState,
    (method, uri, headers, body): (&Method, &Uri, &HeaderMap, &[u8]),
    slug: Code,
    shape: &str,
    challenge_of: impl Fn(&T) -> (&String, &String),
) -> Result<(T, Arc<TrustState>), Problem> {
    authenticate(state, method, uri, headers, body)?;
    let req: T = unchain_types::ijson::from_slice_as(body)
        .map_err(|e| Problem::bad_request(slug, format!("body: {e} (send {shape})")))?;
    let (aud, nonce) = challenge_of(&req);
    check_challenge(aud, nonce)?;
    let (_, trust) = current_trust(state).await?;
    Ok((req, trust))
}

/// The check's challenge, at this node's clock.
fn challenge<'a>(aud: &'a str, nonce: &'a str) -> Challenge<'a> {
    Challenge {
        aud,
        nonce,
        now_ms: now_ms(),
        max_presentation_age_s: PRESENTATION_MAX_AGE_S,
    }
}

fn check_challenge(aud: &str, nonce: &str) -> Result<(), Problem> {
    for (field, v) in [("aud", aud), ("nonce", nonce)] {
        if v.trim().is_empty() || v.len() > 200 {
            return Err(Problem::bad_request(
                Code::InvalidChallenge,
                format!("{field}: must be 1 to 200 characters"),
            ));
        }
    }
    Ok(())
}

/// The border page and its style, each with [`border_headers`]: the officer types a token
/// into this page, so nothing may run in it, no
/// other site may frame it, and nothing of it is cached or sent on as a referrer.
pub fn border_routes() -> axum::Router<ApiState> {
    use axum::response::IntoResponse as _;
    axum::Router::new()
        .route(
            "/border",
            axum::routing::get(super::border_page::form).post(super::border_page::check),
        )
        .route(
            "/border/border.css",
            axum::routing::get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    include_str!("border.css"),
                )
                    .into_response()
            }),
        )
        .layer(axum::middleware::map_response(border_headers))
}

/// The border page's security headers ([`crate::serve::private_page`]).
pub async fn border_headers(mut r: axum::response::Response) -> axum::response::Response {
    crate::serve::private_page(
        r.headers_mut(),
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    r
}
