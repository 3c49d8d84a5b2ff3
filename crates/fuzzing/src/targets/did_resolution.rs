//! `GET /v1/identity/dids/{did}`'s outside input: the DID in the path and the `Accept`
//! header. Never panics; DID syntax is DID Core's (`did:` method `:` id, nothing else); a
//! representation is chosen only for an `Accept` that names a type the resolver serves.

use unchain_node::api::did_resolution::{Representation, is_did_syntax, representation};

/// One input: the DID, then (after a unit separator) the `Accept` header.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (did, accept) = text.split_once('\u{1f}').unwrap_or((text, ""));
    if is_did_syntax(did) {
        let rest = did.strip_prefix("did:").expect("a DID starts with did:");
        let (method, id) = rest.split_once(':').expect("a DID names its method");
        assert!(
            !method.is_empty() && !id.is_empty() && !id.ends_with(':'),
            "{did:?}"
        );
        assert!(!did.contains(char::is_whitespace), "{did:?}");
    }
    if let Some(r) = representation(Some(accept)) {
        let served = match r {
            Representation::Result(t) | Representation::Document(t) => t,
        };
        let lower = accept.to_ascii_lowercase();
        assert!(
            accept.trim().is_empty()
                || lower.contains("*/*")
                || lower.contains("application/")
                || lower.contains(served),
            "{accept:?} chose {served}"
        );
    }
}
