//! `GET /v1/identity/dids/{did}`: DID resolution over the HTTP(S) binding of W3C DID
//! Resolution, so that a resolver or verifier with no Unchain code reads it as it reads
//! any other.
//!
//! - **Representation by `Accept`.** `application/did-resolution` (or
//!   `application/ld+json;profile="https://w3id.org/did-resolution"`, `application/json`,
//!   none, `*/*`) gets the DID resolution result — document, document metadata (for a
//!   `did:unchain`, its whole key history and any deactivation) and resolution metadata;
//!   `application/did+ld+json` or `application/did+json` gets the DID document alone. Any
//!   other `Accept` is `406` with the error `representationNotSupported`.
//! - **Errors are resolution results**, with `didResolutionMetadata.error` one of DID
//!   Core's and DID Resolution's terms and the status code the binding gives it:
//!   `invalidDid` 400 (not DID syntax, or a malformed `did:unchain` or `did:key`),
//!   `notFound` 404, `representationNotSupported` 406, `methodNotSupported` 501 (a DID of
//!   another method), `internalError` 500. A deactivated DID resolves with 410 and
//!   `didDocumentMetadata.deactivated: true`.

use super::ApiState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use unchain_credentials::did::{KEY_PREFIX, UNCHAIN_PREFIX, parse_did_key, parse_unchain};

/// The media type of a DID resolution result.
pub const DID_RESOLUTION: &str = "application/did-resolution";
/// The older media type of a DID resolution result, still asked for by resolvers.
pub const DID_RESOLUTION_LD: &str =
    "application/ld+json;profile=\"https://w3id.org/did-resolution\"";
/// A DID document in JSON-LD.
pub const DID_LD_JSON: &str = "application/did+ld+json";
/// A DID document in JSON.
pub const DID_JSON: &str = "application/did+json";

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// The whole resolution result, served as this media type.
    Result(&'static str),
    /// The DID document alone, served as this media type.
    Document(&'static str),
}

/// The representation an `Accept` header asks for, by its order of preference (`q`), or
/// `None` when it names nothing this resolver serves.
pub fn representation(accept: Option<&str>) -> Option<Representation> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(Representation::Result(DID_RESOLUTION));
    };
    let mut ranked: Vec<(f32, usize, Representation)> = Vec::new();
    for (i, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut profile = false;
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "q" => q = value.trim().parse().unwrap_or(0.0),
                "profile" => profile = value.contains("https://w3id.org/did-resolution"),
                _ => {}
            }
        }
        let chosen = match media.as_str() {
            "application/did-resolution" => Representation::Result(DID_RESOLUTION),
            "application/ld+json" if profile => Representation::Result(DID_RESOLUTION_LD),
            "application/did+ld+json" => Representation::Document(DID_LD_JSON),
            "application/did+json" => Representation::Document(DID_JSON),
            "application/json" | "application/ld+json" | "application/*" | "*/*" => {
                Representation::Result(DID_RESOLUTION)
            }
            _ => continue,
        };
        if q > 0.0 {
            ranked.push((q, i, chosen));
        }
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|(_, _, r)| *r)
}

/// Whether `did` has DID syntax (DID Core §3.1): `did:`, a method name of lowercase
/// letters and digits, `:`, and a method-specific id of `idchar`s (`ALPHA / DIGIT / "." /
/// "-" / "_"`), `%XX` escapes and inner colons, not ending in a colon.
pub fn is_did_syntax(did: &str) -> bool {
    let Some(rest) = did.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    let idchar = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3;
                continue;
            }
            b':' if i + 1 < bytes.len() => {}
            b if idchar(b) => {}
            _ => return false,
        }
        i += 1;
    }
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
}

/// A resolution that failed: the result with its error, as the binding serves it.
fn failure(status: StatusCode, error: &str, message: String) -> Response {
    let body = json!({
        "didDocument": null,
        "didDocumentMetadata": {},
        "didResolutionMetadata": {"error": error, "errorMessage": message},
    });
    (
        status,
        [(header::CONTENT_TYPE, DID_RESOLUTION)],
        body.to_string(),
    )
        .into_response()
}

/// Resolves a DID: a W3C DID resolution result (or the document alone, by `Accept`). A
/// `did:unchain` comes with its full key history and deactivation in `didDocumentMetadata`;
/// a `did:key` is derived from its key.
#[utoipa::path(get, path = "/v1/identity/dids/{did}",
    params(("did" = String, Path, description = "did:unchain:… or did:key:…", pattern = r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$")),
    responses(
        (status = 200, description = "the DID resolution result (application/did-resolution), or the DID document alone when Accept asks for application/did+ld+json or application/did+json", content_type = "application/did-resolution"),
        (status = 400, description = "didResolutionMetadata.error invalidDid", content_type = "application/did-resolution"),
        (status = 404, description = "didResolutionMetadata.error notFound", content_type = "application/did-resolution"),
        (status = 406, description = "didResolutionMetadata.error representationNotSupported", content_type = "application/did-resolution"),
        (status = 410, description = "the DID is deactivated: its last document, with didDocumentMetadata.deactivated", content_type = "application/did-resolution"),
        (status = 501, description = "didResolutionMetadata.error methodNotSupported: a DID of another method", content_type = "application/did-resolution")))]
pub async fn resolve(
    State(state): State<ApiState>,
    Path(did): Path<String>,
    headers: HeaderMap,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(wanted) = representation(accept) else {
        return failure(
            StatusCode::NOT_ACCEPTABLE,
            "representationNotSupported",
            format!(
                "Accept names none of {DID_RESOLUTION}, {DID_RESOLUTION_LD}, {DID_LD_JSON}, {DID_JSON}"
            ),
        );
    };
    if !is_did_syntax(&did) {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalidDid",
            format!("{did:?} is not a DID (did:METHOD:ID)"),
        );
    }
    let result = if did.starts_with(KEY_PREFIX) {
        match parse_did_key(&did) {
            Ok(key) => unchain_identity::did_key_resolution(&key),
            Err(e) => return failure(StatusCode::BAD_REQUEST, "invalidDid", e.to_string()),
        }
    } else if did.starts_with(UNCHAIN_PREFIX) {
        if let Err(e) = parse_unchain(&did) {
            return failure(StatusCode::BAD_REQUEST, "invalidDid", e.to_string());
        }
        let found = state
            .ledger
            .state_reader()
            .map_err(|e| e.to_string())
            .and_then(|r| unchain_identity::did(&r, &did).map_err(|e| e.to_string()));
        match found {
            Ok(Some(s)) => unchain_identity::did_document(&s),
            Ok(None) => {
                return failure(
                    StatusCode::NOT_FOUND,
                    "notFound",
                    format!("{did} is not a DID on this chain"),
                );
            }
            Err(e) => {
                return failure(StatusCode::INTERNAL_SERVER_ERROR, "internalError", e);
            }
        }
    } else {
        let method = did.split(':').nth(1).unwrap_or_default();
        return failure(
            StatusCode::NOT_IMPLEMENTED,
            "methodNotSupported",
            format!("this resolver resolves did:unchain and did:key, not did:{method}"),
        );
    };
    let status = if result["didDocumentMetadata"]["deactivated"] == Value::Bool(true) {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    let (content_type, body) = match wanted {
        Representation::Result(t) => (t, result),
        Representation::Document(t) => (t, result["didDocument"].clone()),
    };
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_chooses_the_representation_by_preference() {
        use Representation::*;
        assert_eq!(representation(None), Some(Result(DID_RESOLUTION)));
        assert_eq!(representation(Some("*/*")), Some(Result(DID_RESOLUTION)));
        assert_eq!(
            representation(Some(DID_RESOLUTION_LD)),
            Some(Result(DID_RESOLUTION_LD))
        );
        assert_eq!(
            representation(Some("application/did+json")),
            Some(Document(DID_JSON))
        );
        assert_eq!(
            representation(Some("application/did+json;q=0.5, application/did+ld+json")),
            Some(Document(DID_LD_JSON))
        );
        assert_eq!(
            representation(Some("text/html, application/did-resolution;q=0.9")),
            Some(Result(DID_RESOLUTION))
        );
        assert_eq!(representation(Some("text/html")), None);
        assert_eq!(representation(Some("application/did+json;q=0")), None);
    }

    #[test]
    fn did_syntax_is_did_cores() {
        for ok in [
            "did:unchain:abc",
            "did:key:z6Mk",
            "did:web:example.org:user%20a",
            "did:example:a:b",
        ] {
            assert!(is_did_syntax(ok), "{ok}");
        }
        for bad in [
            "did:Unchain:abc",
            "did::abc",
            "did:web:",
            "did:web:a:",
            "did:web:a b",
            "did:web:%zz",
            "urn:uuid:1",
            "did:web",
        ] {
            assert!(!is_did_syntax(bad), "{bad}");
        }
    }
}
