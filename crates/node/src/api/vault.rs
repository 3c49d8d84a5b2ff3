//! `/v1/vault/…`: the vault's endpoints. Every one needs a signed request from a member
//! ([`unchain_client::auth`]); ciphertexts go only to members the ledger names as
//! recipients, and every vault request is logged with the member, the endpoint and the
//! answer (never content).

use super::{ApiState, Problem};
use crate::service::bundles::wrapped_matching_key;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tracing::info;
use unchain_httpsig::{ACTOR, SIGNATURE_INPUT};
use unchain_ledger::Member;
use unchain_types::Code;
use unchain_types::Hash32;
use unchain_vault::state::{self, Denied};

fn unauthorized(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        Code::Unauthenticated,
        "request not signed by a member",
        detail,
    )
}

pub(crate) use crate::service::problem::forbidden;

/// The request as the member signed it: the authority from `Host` (or the URI, in
/// HTTP/2), the path and query as received, and every field line.
fn signed_request(method: &Method, uri: &Uri, headers: &HeaderMap) -> unchain_httpsig::Request {
    let authority = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
    unchain_httpsig::Request {
        method: method.as_str().to_owned(),
        authority: unchain_httpsig::normalise_authority(&scheme, &authority),
        scheme,
        path: if uri.path().is_empty() {
            "/"
        } else {
            uri.path()
        }
        .to_owned(),
        query: uri.query().map(str::to_owned),
        fields: headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    }
}

/// The member that signed this request, checked against the ledger's member keys.
pub(crate) fn authenticate(
    state: &ApiState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Member, Problem> {
    authenticate_caller(state, method, uri, headers, body).map(|(m, _)| m)
}

/// The member that signed this request (RFC 9421, [`unchain_httpsig`]) and the user it
/// names (`unchain-actor`), if any; or the user whose bearer token it carries.
pub(crate) fn authenticate_caller(
    state: &ApiState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Member, Option<String>), Problem> {
    if let Some(user) = super::users::bearer_user(state, headers)? {
        super::users::allow_path(&user, method.as_str(), uri.path())?;
        let member = state
            .ledger
            .members()?
            .into_iter()
            .find(|m| m.name == state.node_name)
            .ok_or_else(|| Problem::internal("this node's organisation is not a member"))?;
        return Ok((member, Some(user.id)));
    }
    if headers.contains_key("x-unchain-signature") && !headers.contains_key(SIGNATURE_INPUT) {
        let mut p = unauthorized(
            "this node takes RFC 9421 HTTP Message Signatures (Signature-Input, Signature and Content-Digest); the x-unchain-signature scheme was retired: update the client (unchain_client::auth)",
        );
        p.field = Some("x-unchain-signature".into());
        return Err(p);
    }
    if !headers.contains_key(header::AUTHORIZATION) && !headers.contains_key(SIGNATURE_INPUT) {
        // Neither way in was tried: say both, for a person at a page as for a program.
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            Code::Unauthenticated,
            "sign-in needed",
            "this serves members only: send a user's token (Authorization: Bearer …; an administrator makes one with `unchain user add NAME --role ROLE`, e.g. border_officer for the border check) or sign the request with a member key as RFC 9421 says (see unchain_client::auth)",
        ));
    }
    if let Some(v) = headers.get(ACTOR) {
        let a = v.to_str().map_err(|_| {
            let mut p = unauthorized(format!("header {ACTOR} is not ASCII"));
            p.field = Some(ACTOR.into());
            p
        })?;
        unchain_types::body::check_actor(ACTOR, a).map_err(|e| {
            let mut p = unauthorized(e.reason);
            p.field = Some(ACTOR.into());
            p
        })?;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut found = None;
    let verified =
        unchain_httpsig::verify_request(&signed_request(method, uri, headers), body, now, |name| {
            let member = state
                .ledger
                .members()
                .map_err(|e| unchain_httpsig::Refusal {
                    field: "signature-input;keyid".into(),
                    reason: format!("the member list cannot be read: {e}"),
                })?
                .into_iter()
                .find(|m| m.name == name)
                .ok_or_else(|| unchain_httpsig::Refusal {
                    field: "signature-input;keyid".into(),
                    reason: format!("{name} is not a member of this chain"),
                })?;
            let key = member.signing_key;
            found = Some(member);
            Ok(key)
        })
        .map_err(|e| {
            let mut p = unauthorized(e.to_string());
            p.field = Some(e.field);
            p
        })?;
    let member = found.ok_or_else(|| Problem::internal("a verified signature names no member"))?;
    if !state
        .seen_signatures
        .first_use(verified.signature, verified.created, now)
    {
        let mut p = unauthorized(
            "signature: this signature was already used (a replay); sign each request anew, with a nonce to tell apart identical requests made within the same second",
        );
        p.field = Some("signature".into());
        return Err(p);
    }
    Ok((member, verified.actor))
}

pub(crate) fn parse_hash(what: &str, s: &str) -> Result<Hash32, Problem> {
    Hash32::from_hex(s).map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("{what} {s:?}: {e}"));
        p.field = Some(what.into());
        p
    })
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::internal(e.to_string())
}

/// Upload a ciphertext to this node's vault before submitting its `vault.seal`. Only this
/// node's own organisation may upload; the bytes must hash to the commitment in the path.
/// An upload that no seal names within an hour is deleted.
#[utoipa::path(put, path = "/v1/vault/ciphertexts/{commitment}", operation_id = "upload_vault_ciphertext", params(("commitment" = String, Path, description = "SHA-256 of the ciphertext, hex")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "stored"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn upload(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(commitment): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|e| Problem::bad_request(Code::UnreadableBody, e.body_text()))?;
    let member = authenticate(&state, &method, &uri, &headers, &body)?;
    let c = parse_hash("commitment", &commitment)?;
    if member.name != state.node_name {
        info!(member = %member.name, "vault upload refused: not this node's organisation");
        return Err(forbidden(format!(
            "only {} uploads to this node; {} uploads to its own node",
            state.node_name, member.name
        )));
    }
    if body.len() as u64 > unchain_vault::body::MAX_CIPHERTEXT {
        return Err(Problem::bad_request(
            Code::TooLarge,
            format!(
                "ciphertext is {} bytes; at most {}",
                body.len(),
                unchain_vault::body::MAX_CIPHERTEXT
            ),
        ));
    }
    state.vault.put(&c, &body).map_err(|e| match e {
        unchain_consensus::blob_store::StoreError::CommitmentMismatch { .. } => {
            let mut p = Problem::bad_request(Code::CommitmentMismatch, e.to_string());
            p.field = Some("commitment".into());
            p
        }
        e => internal(e),
    })?;
    info!(member = %member.name, size = body.len(), "vault ciphertext uploaded");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"commitment": c, "size": body.len()})),
    )
        .into_response())
}

/// Fetch a ciphertext: only for a member the ledger names as a recipient of that record
/// version, whose access is not revoked, while the record is not erased.
#[utoipa::path(get, path = "/v1/vault/ciphertexts/{commitment}", params(("commitment" = String, Path, description = "SHA-256 of the ciphertext, hex")),
    responses((status = 200, description = "the ciphertext", content_type = "application/octet-stream"), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 410, body = Problem, description = "the record was erased")))]
pub async fn fetch(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(commitment): Path<String>,
) -> Result<Response, Problem> {
    let (member, actor) = authenticate_caller(&state, &method, &uri, &headers, b"")?;
    let c = parse_hash("commitment", &commitment)?;
    let reader = state.ledger.state_reader()?;
    let verdict = state::may_hold(&reader, &c, &member.name).map_err(internal)?;
    info!(member = %member.name, actor = actor.as_deref().unwrap_or("-"), allowed = verdict.is_ok(), "vault ciphertext requested");
    let record = match &verdict {
        Ok((r, v)) => Some((r.record, v.version)),
        Err(_) => state::record_of_commitment(&reader, &c).map_err(internal)?,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    state
        .audit
        .record_read(
            now,
            &member.name,
            actor.as_deref(),
            record,
            c,
            verdict.is_ok(),
        )
        .map_err(internal)?;
    match verdict {
        Ok(_) => match state.vault.get(&c).map_err(internal)? {
            Some(bytes) => {
                Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
            }
            None => {
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::NotYetReceived,
                    "not here yet",
                    "this node has not received the ciphertext from its owner's node yet; retry shortly",
                );
                p.retry_after = Some(1);
                Err(p)
            }
        },
        Err(Denied::Unknown) => Err(Problem::not_found(format!(
            "no committed record version has ciphertext {c}"
        ))),
        Err(Denied::Erased) => Err(Problem::new(
            StatusCode::GONE,
            Code::Erased,
            "erased",
            "the record was erased; its ciphertext is gone from every node",
        )),
        Err(why) => Err(forbidden(why.to_string())),
    }
}

/// A record's metadata: owner, schema, policy, versions with commitments and wrapped keys,
/// who has access and why, the survivor's consents. Never content.
#[utoipa::path(get, path = "/v1/vault/records/{id}", params(("id" = String, Path, description = "record id, hex")),
    responses((status = 200, description = "the record"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn record(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<state::RecordView>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let id = parse_hash("id", &id)?;
    let reader = state.ledger.state_reader()?;
    state::record(&reader, &id)
        .map_err(internal)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no record {id}")))
}

/// The sharing policy in force in every jurisdiction that published one.
#[utoipa::path(get, path = "/v1/vault/policies", responses((status = 200, description = "policies in force, by jurisdiction"), (status = 401, body = Problem)))]
pub async fn policies(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<state::PublishedPolicy>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(state::sharing_policies(&reader).map_err(internal)?))
}

/// A jurisdiction's sharing policy: every version published, oldest first (the last is in
/// force).
#[utoipa::path(get, path = "/v1/vault/policies/{jurisdiction}", params(("jurisdiction" = String, Path, description = "ISO 3166-1 alpha-2, e.g. TH")),
    responses((status = 200, description = "every version, oldest first"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn policy(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(jurisdiction): Path<String>,
) -> Result<Json<Vec<state::PublishedPolicy>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    if !(jurisdiction.len() == 2 && unchain_types::country::is_alpha2(&jurisdiction)) {
        let mut p = Problem::bad_request(
            Code::BadRequest,
            format!("jurisdiction: {jurisdiction:?} is not an ISO 3166-1 alpha-2 code (e.g. TH)"),
        );
        p.field = Some("jurisdiction".into());
        return Err(p);
    }
    let reader = state.ledger.state_reader()?;
    let history = state::policy_history(&reader, &jurisdiction).map_err(internal)?;
    if history.is_empty() {
        return Err(Problem::not_found(format!(
            "{jurisdiction} has published no sharing policy"
        )));
    }
    Ok(Json(history))
}

/// The signing member's match alerts: its record, the other organisation's record, and the
/// kind of identifier they share (never the identifier).
#[utoipa::path(get, path = "/v1/vault/alerts", operation_id = "vault_alerts", responses((status = 200, description = "alerts, oldest first"), (status = 401, body = Problem)))]
pub async fn alerts(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<state::Alert>>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(
        state::alerts(&reader, &member.name).map_err(internal)?,
    ))
}

/// Notices to a survivor's key: each time a record about them was shared on a court
/// override instead of their consent.
#[utoipa::path(get, path = "/v1/vault/notices/{subject}", params(("subject" = String, Path, description = "the survivor's Ed25519 key, hex")),
    responses((status = 200, description = "notices, oldest first"), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn notices(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(subject): Path<String>,
) -> Result<Json<Vec<state::Notice>>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let key = unchain_types::PublicKey::from_hex(&subject).map_err(|e| {
        let mut p = Problem::bad_request(Code::BadRequest, format!("subject: {e}"));
        p.field = Some("subject".into());
        p
    })?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(state::notices(&reader, &key).map_err(internal)?))
}

/// The matching key of the current epoch, wrapped for the signing member.
#[utoipa::path(get, path = "/v1/vault/matching-key", responses((status = 200, description = "{epoch, wrapped}"), (status = 401, body = Problem), (status = 404, body = Problem), (status = 410, description = "retired: the current epoch has a threshold token key", body = Problem)))]
pub async fn matching_key(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?;
    let (epoch, mine) = wrapped_matching_key(&state, &member.name)?;
    Ok(Json(
        serde_json::json!({"epoch": epoch, "member": member.name, "wrapped": mine}),
    ))
}
