//! Signed API requests: how a member proves to a node who is asking.
//!
//! Members-only endpoints (the vault, blocks, leaves, proofs, snapshots) take HTTP Message
//! Signatures (RFC 9421) with the member's Ed25519 key, and the body's digest in
//! `Content-Digest` (RFC 9530): any RFC 9421 implementation can make such a request.
//! [`unchain_httpsig`] says what a member's signature covers and what a node checks:
//! `@method`, `@authority`, `@path`, `@query`, `content-digest` when there is a body, and
//! `unchain-actor` (the pseudonymous id of the user inside the organisation on whose behalf
//! the request is made; the node's audit log attributes every read of sealed content to
//! it), with `keyid` the member's name and `created` within a few minutes of the node's
//! clock. The node refuses a signature it has already seen.

pub use unchain_httpsig::{ACTOR as ACTOR_HEADER, MAX_SKEW_SECS};
use unchain_types::SigningKey;

/// Who signs requests: a member's name and signing key.
#[derive(Clone, Debug)]
pub struct RequestSigner {
    /// The member's name.
    pub member: String,
    /// Its signing key.
    pub key: SigningKey,
    /// The acting user, if the request is made for one.
    pub actor: Option<String>,
}

impl RequestSigner {
    /// The fields to add to a request to `url` (absolute, as sent) with `body`, signed now
    /// with a fresh nonce: `unchain-actor` when there is a user, `Content-Digest` when
    /// there is a body, `Signature-Input` and `Signature`.
    ///
    /// # Panics
    /// When `url` is not absolute or the member's name is not printable ASCII: a caller's
    /// mistake; [`RequestSigner::try_headers`] returns it instead.
    pub fn headers(&self, method: &str, url: &str, body: &[u8]) -> Vec<(&'static str, String)> {
        self.try_headers(method, url, body)
            .unwrap_or_else(|e| panic!("signing a request to {url:?}: {e}"))
    }

    /// [`RequestSigner::headers`], or why `url` or the member's name cannot be signed.
    pub fn try_headers(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, unchain_httpsig::Refusal> {
        use base64::Engine;
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let nonce =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let mut request = unchain_httpsig::Request::to_url(method, url)?;
        let mut fields = Vec::new();
        if let Some(a) = &self.actor {
            request = request.with_field(ACTOR_HEADER, a.clone());
            fields.push((ACTOR_HEADER, a.clone()));
        }
        fields.extend(unchain_httpsig::sign_request(
            &mut request,
            body,
            &self.key,
            &self.member,
            created,
            Some(&nonce),
        )?);
        Ok(fields)
    }
}
