//! Signed API requests: how a member proves to a node who is asking.
//!
//! Vault endpoints serve only members, and ciphertexts only to members the ledger names as
//! recipients, so a request carries three headers:
//!
//! - `x-unchain-member`: the member's name;
//! - `x-unchain-time`: the time of signing, milliseconds since the Unix epoch;
//! - `x-unchain-signature`: the member's Ed25519 signature (hex) over [`request_message`];
//! - `x-unchain-actor` (optional): the pseudonymous id of the user inside the organisation
//!   on whose behalf the request is made, covered by the signature. The node's audit log
//!   attributes every read of sealed content to it.
//!
//! The node checks the signature with the member's key from the ledger and refuses requests
//! signed more than [`MAX_SKEW_MS`] away from its own clock, which bounds replay to that
//! window (the requests are reads and idempotent uploads).

use sha2::{Digest, Sha256};
use unchain_types::SigningKey;

/// Header naming the member.
pub const MEMBER_HEADER: &str = "x-unchain-member";
/// Header carrying the signing time (ms since the Unix epoch).
pub const TIME_HEADER: &str = "x-unchain-time";
/// Header carrying the signature (hex).
pub const SIGNATURE_HEADER: &str = "x-unchain-signature";
/// Header naming the acting user.
pub const ACTOR_HEADER: &str = "x-unchain-actor";
/// Largest accepted difference between the signing time and the node's clock.
pub const MAX_SKEW_MS: u64 = 5 * 60 * 1000;

/// The bytes a member signs: method, path with query, time, acting user (empty when none)
/// and the body's SHA-256, one per line after a fixed prefix.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    time_ms: u64,
    actor: &str,
    body: &[u8],
) -> Vec<u8> {
    format!(
        "unchain-api-request/v2\n{method}\n{path_and_query}\n{time_ms}\n{actor}\n{}",
        hex::encode(Sha256::digest(body))
    )
    .into_bytes()
}

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
    /// The headers for a request, signed now.
    pub fn headers(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let sig = self.key.sign(&request_message(
            method,
            path_and_query,
            time_ms,
            self.actor.as_deref().unwrap_or(""),
            body,
        ));
        let mut headers = vec![
            (MEMBER_HEADER, self.member.clone()),
            (TIME_HEADER, time_ms.to_string()),
            (SIGNATURE_HEADER, sig.to_hex()),
        ];
        if let Some(a) = &self.actor {
            headers.push((ACTOR_HEADER, a.clone()));
        }
        headers
    }
}
