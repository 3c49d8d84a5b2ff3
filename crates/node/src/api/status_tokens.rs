//! Status List Tokens (IETF draft-ietf-oauth-status-list): an issuer's status list signed
//! by the issuer, for verifiers with no Unchain code.
//!
//! The node cannot sign for an issuer, so the issuer's tooling signs (`unchain identity
//! publish-status`) and hands the token over (`PUT /v1/identity/status/{did}/token`, signed
//! by the DID's controlling member). The node checks it — the DID's current key, a `sub`
//! that names this DID's list, a fresh `iat`, and a list equal to the ledger's — and serves
//! it at the list's URL to whoever asks for `application/statuslist+jwt`. A token whose
//! list no longer matches the ledger (a status changed since it was signed), or that has
//! expired, is not served: an outside verifier is told to come back rather than shown a
//! stale "valid".

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use unchain_credentials::status::StatusList;
use unchain_credentials::status_token::{MEDIA_TYPE, TokenClaims, UnverifiedToken};
use unchain_identity::credential::names_status_list_of;
use unchain_identity::rules::{DidState, current_key, did_suffix};
use unchain_types::Code;

/// How far before the node's clock a token's `iat` may be (seconds).
const IAT_PAST: u64 = 15 * 60;
/// How far after it (seconds).
const IAT_FUTURE: u64 = 5 * 60;

fn now_s() -> u64 {
    super::users::now_ms() / 1000
}

fn token_path(state: &ApiState, did: &str) -> std::path::PathBuf {
    state
        .data_dir
        .join("status-tokens")
        .join(format!("{}.jwt", did_suffix(did)))
}

fn bad_token(field: &str, detail: impl Into<String>) -> Problem {
    let mut p = Problem::bad_request(Code::BadRequest, detail);
    p.field = Some(field.into());
    p
}

/// The DID's state, or 404.
fn did_state(state: &ApiState, did: &str) -> Result<(DidState, StatusList), Problem> {
    let reader = state.ledger.state_reader()?;
    let d = unchain_identity::did(&reader, did)
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("{did} is not a DID on this chain")))?;
    let list = unchain_identity::status_list(&reader, did).map_err(internal)?;
    Ok((d, list))
}

/// Checks a token against the ledger at `now`: signed by the DID's current key, not
/// expired, naming its list, with the ledger's list. Returns its claims.
fn check(did: &DidState, list: &StatusList, token: &str, now: u64) -> Result<TokenClaims, Problem> {
    let read = UnverifiedToken::parse(token).map_err(|e| bad_token("token", e.to_string()))?;
    let (fragment, multikey) = current_key(did);
    let kid = format!("{}#{fragment}", did.did);
    if read.kid != kid {
        return Err(bad_token(
            "kid",
            format!("is {:?}; the DID's current key is {kid}", read.kid),
        ));
    }
    let key = unchain_credentials::did::parse_multikey(multikey).map_err(internal)?;
    let claims = read
        .verify(&key, now)
        .map_err(|e| bad_token("token", e.to_string()))?;
    if !names_status_list_of(&claims.sub, &did.did) {
        return Err(bad_token(
            "sub",
            format!(
                "{:?} does not name {}'s status list (https://ORIGIN/v1/identity/status/{} or its urn:unchain:status)",
                claims.sub, did.did, did.did
            ),
        ));
    }
    let signed = StatusList::decode(&claims.status_list)
        .map_err(|e| bad_token("status_list", e.to_string()))?;
    if &signed != list {
        return Err(bad_token(
            "status_list",
            "differs from the ledger's list for this DID: a status changed since it was read; sign the current list",
        ));
    }
    Ok(claims)
}

/// Hand the node a Status List Token the issuer signed (members only: the DID's
/// controlling organisation). The node serves it at the list's URL while the ledger's list
/// is unchanged and the token has not expired.
#[utoipa::path(put, path = "/v1/identity/status/{did}/token", params(("did" = String, Path, description = "the issuer's did:unchain")),
    request_body(description = "the compact JWT (any content type; `application/statuslist+jwt` is its own)", content((String = "application/statuslist+jwt"), (String = "text/plain"))),
    responses((status = 201, description = "stored; served at the list's URL"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn put_token(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(did): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    let (d, list) = did_state(&state, &did)?;
    if d.controller != member.name {
        return Err(super::vault::forbidden(format!(
            "{did} is controlled by {}; only its controller hands over its status list token",
            d.controller
        )));
    }
    if let Some(x) = &d.deactivated {
        return Err(bad_token(
            "did",
            format!(
                "{did} is deactivated ({}): its tokens verify no more",
                x.reason
            ),
        ));
    }
    let token = std::str::from_utf8(&body).map_err(|_| bad_token("token", "not UTF-8"))?;
    let now = now_s();
    let claims = check(&d, &list, token, now)?;
    if claims.iat + IAT_PAST < now || claims.iat > now + IAT_FUTURE {
        return Err(bad_token(
            "iat",
            format!(
                "{} is not within {IAT_PAST} s before or {IAT_FUTURE} s after this node's clock ({now}): sign it now",
                claims.iat
            ),
        ));
    }
    let path = token_path(&state, &did);
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).map_err(internal)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, token.trim()).map_err(internal)?;
    std::fs::rename(&tmp, &path).map_err(internal)?;
    tracing::info!(did = %did, exp = claims.exp, "status list token stored");
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"sub": claims.sub, "iat": claims.iat, "exp": claims.exp})),
    )
        .into_response())
}

/// Whether `Accept` asks for the token rather than the JSON list.
pub(crate) fn wants_token(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let ty = parts.next().unwrap_or("");
            let q_zero = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            ty.eq_ignore_ascii_case(MEDIA_TYPE) && !q_zero
        })
}

/// The stored token for `did`, if it is still current.
pub(crate) fn serve_token(state: &ApiState, did: &str) -> Result<Response, Problem> {
    let (d, list) = did_state(state, did)?;
    let missing = |why: &str| {
        Problem::not_found(format!(
            "{did} has no current Status List Token: {why}. Ask again later, or read the list as JSON (Accept: application/json) from a node you trust"
        ))
    };
    let token = match std::fs::read_to_string(token_path(state, did)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(missing("its issuer has not published one"));
        }
        Err(e) => return Err(internal(e)),
    };
    let claims = match check(&d, &list, &token, now_s()) {
        Ok(c) => c,
        Err(p) => {
            return Err(missing(&format!(
                "the last one no longer holds ({})",
                p.detail
            )));
        }
    };
    let mut resp = token.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", claims.ttl)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_the_token_only_when_asked() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("value"));
            wants_token(&h)
        };
        assert!(with("application/statuslist+jwt"));
        assert!(with("application/json;q=0.5, Application/StatusList+JWT"));
        assert!(!with("application/statuslist+jwt;q=0"));
        assert!(!with("application/json"));
        assert!(!with("*/*"));
        assert!(!wants_token(&HeaderMap::new()));
    }
}
