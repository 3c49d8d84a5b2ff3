//! RFC 9457 problem details: every API error is one of these.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use unchain_types::Code;
use utoipa::ToSchema;

/// An RFC 9457 problem-details body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (relative to the API): `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The stable code of the problem, as in `type` (one of [`Code::ALL`]; the API
    /// document lists them).
    #[schema(value_type = String, example = "nonce-used")]
    pub code: Code,
    /// A short, stable summary of the kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What was wrong in this request and how to fix it.
    pub detail: String,
    /// The offending field, when one is to blame (e.g. `nonce`, `body.hash`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before retrying (429 and 503 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status`, a code, a title and a detail.
    pub fn new(status: StatusCode, code: Code, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("/problems/{code}"),
            code,
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 400 for a request that cannot be accepted as sent.
    pub fn bad_request(code: Code, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let field = field_of(&detail);
        let mut p = Problem::new(StatusCode::BAD_REQUEST, code, "invalid request", detail);
        p.field = field;
        p
    }

    /// The HTTP status, as a status code (500 if it is not one).
    pub fn http_status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// 404 for something that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, Code::NotFound, "not found", detail)
    }

    /// 500 for a failure of the node itself.
    pub fn internal(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Internal,
            "internal error",
            detail,
        )
    }
}

/// 403 for a caller that is known but may not do this.
pub fn forbidden(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        Code::Forbidden,
        "not entitled",
        detail,
    )
}

/// Pulls the field name out of messages shaped "field `x`: …" or "body.x: …".
fn field_of(detail: &str) -> Option<String> {
    if let Some(rest) = detail.strip_prefix("field `") {
        let name = rest.split('`').next()?;
        let after = rest.split_once("`: ").map(|(_, r)| r).unwrap_or("");
        if name == "body" && after.starts_with("body.") {
            return after.split(':').next().map(str::to_owned);
        }
        return Some(name.to_owned());
    }
    None
}

/// The challenge every 401 carries for a user: a bearer token.
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"unchain\"";

/// What every 401 asks of a member (RFC 9421 section 5.1, `Accept-Signature`): an Ed25519
/// signature covering at least these components (and `content-digest` when there is a
/// body, `unchain-actor` when it names a user), `keyid` the member's name.
pub const ACCEPT_SIGNATURE: &str =
    "unchain=(\"@method\" \"@authority\" \"@path\" \"@query\");alg=\"ed25519\"";

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.http_status();
        let retry = self.retry_after;
        let mut resp = (status, axum::Json(self)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // RFC 9110 §15.5.2: a 401 says how to authenticate.
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(WWW_AUTHENTICATE),
            );
            resp.headers_mut().insert(
                header::HeaderName::from_static("accept-signature"),
                HeaderValue::from_static(ACCEPT_SIGNATURE),
            );
        }
        resp
    }
}

impl From<unchain_ledger::LedgerError> for Problem {
    fn from(e: unchain_ledger::LedgerError) -> Self {
        match e {
            unchain_ledger::LedgerError::BeforeSnapshot { .. } => Problem::not_found(e.to_string()),
            e => Problem::internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_is_extracted_from_error_messages() {
        assert_eq!(
            field_of("field `nonce`: nonce 1 already used").as_deref(),
            Some("nonce")
        );
        assert_eq!(
            field_of("field `body`: body.hash: is missing").as_deref(),
            Some("body.hash")
        );
        assert_eq!(field_of("transaction is 9 bytes"), None);
    }
}
