//! Unchain's profile: what a member's signer covers, and what a node requires before it
//! believes a request comes from a member (see the crate's documentation).

use crate::base::{Component, Request, signature_base};
use crate::digest::{check_content_digest, content_digest};
use crate::signature::{Params, inner_list, read_signature, serialize_inner_list};
use crate::{ACTOR, ALG, CONTENT_DIGEST, LABEL, Refusal, SIGNATURE, SIGNATURE_INPUT};
use base64::Engine;
use unchain_types::{PublicKey, Signature, SigningKey};

/// Largest accepted difference, in seconds, between a signature's `created` and the node's
/// clock: the replay window.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// The components a request must have covered: the four derived ones, the digest when
/// there is one, the acting user when named.
fn required(request: &Request, body: &[u8]) -> Vec<Component> {
    let mut needed = vec![
        Component::Method,
        Component::Authority,
        Component::Path,
        Component::Query,
    ];
    if !body.is_empty() || request.field(CONTENT_DIGEST).is_some() {
        needed.push(Component::Field(CONTENT_DIGEST.into()));
    }
    if request.field(ACTOR).is_some() {
        needed.push(Component::Field(ACTOR.into()));
    }
    needed
}

/// Signs `request` (with `body`) as member `keyid` at `created` (Unix seconds): adds
/// `Content-Digest` when there is a body, then `Signature-Input` and `Signature` covering
/// everything the profile requires. Returns the fields to send, in that order. An
/// `unchain-actor` field already on the request is covered.
pub fn sign_request(
    request: &mut Request,
    body: &[u8],
    key: &SigningKey,
    keyid: &str,
    created: i64,
    nonce: Option<&str>,
) -> Result<Vec<(&'static str, String)>, Refusal> {
    let mut fields = Vec::new();
    if !body.is_empty() {
        let digest = content_digest(body);
        request
            .fields
            .retain(|(n, _)| !n.eq_ignore_ascii_case(CONTENT_DIGEST));
        request.fields.push((CONTENT_DIGEST.into(), digest.clone()));
        fields.push((CONTENT_DIGEST, digest));
    }
    let components = required(request, body);
    let params = Params {
        created: Some(created),
        keyid: Some(keyid.to_owned()),
        alg: Some(ALG.to_owned()),
        nonce: nonce.map(str::to_owned),
        ..Params::default()
    };
    let list = inner_list(&components, &params)?;
    let serialized = serialize_inner_list(&list);
    let base = signature_base(request, &components, &serialized)?;
    let signature = key.sign(&base).to_bytes();
    fields.push((SIGNATURE_INPUT, format!("{LABEL}={serialized}")));
    fields.push((
        SIGNATURE,
        format!(
            "{LABEL}=:{}:",
            base64::engine::general_purpose::STANDARD.encode(signature)
        ),
    ));
    Ok(fields)
}

/// A request a member signed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The member, from `keyid`.
    pub member: String,
    /// The acting user, from `unchain-actor`, when named.
    pub actor: Option<String>,
    /// When it was signed (Unix seconds).
    pub created: i64,
    /// The signature, for the caller's replay check.
    pub signature: [u8; 64],
}

/// Checks a member-signed request at time `now` (Unix seconds): the signature's form and
/// coverage, its time, the body's digest, and the signature under the key `key_of` gives
/// for its `keyid` (refusing, say, a name that is not a member). Cheap checks come first; the
/// key is looked up and the signature verified last.
pub fn verify_request(
    request: &Request,
    body: &[u8],
    now: i64,
    key_of: impl FnOnce(&str) -> Result<PublicKey, Refusal>,
) -> Result<Verified, Refusal> {
    let input = request.field(SIGNATURE_INPUT).ok_or_else(|| {
        Refusal::new(
            SIGNATURE_INPUT,
            "missing: sign the request as RFC 9421 says (Signature-Input and Signature), with the member's key",
        )
    })?;
    let sig = request
        .field(SIGNATURE)
        .ok_or_else(|| Refusal::new(SIGNATURE, "missing, though signature-input is present"))?;
    let signed = read_signature(request, &input, &sig)?;
    let missing: Vec<String> = required(request, body)
        .iter()
        .filter(|c| !signed.components.contains(c))
        .map(|c| c.id().to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(Refusal::new(
            SIGNATURE_INPUT,
            format!(
                "does not cover {}; a member's signature covers @method, @authority, @path and @query, content-digest when the request has a body, and unchain-actor when it names one",
                missing.join(", ")
            ),
        ));
    }
    let p = &signed.params;
    if let Some(alg) = &p.alg
        && alg != ALG
    {
        return Err(Refusal::new(
            format!("{SIGNATURE_INPUT};alg"),
            format!("is {alg:?}; members sign with {ALG:?}"),
        ));
    }
    let keyid = p.keyid.clone().ok_or_else(|| {
        Refusal::new(
            format!("{SIGNATURE_INPUT};keyid"),
            "missing: name the member whose key signed",
        )
    })?;
    let created = p.created.ok_or_else(|| {
        Refusal::new(
            format!("{SIGNATURE_INPUT};created"),
            "missing: say when the request was signed (Unix seconds)",
        )
    })?;
    let skew = now.abs_diff(created);
    if skew > MAX_SKEW_SECS as u64 {
        return Err(Refusal::new(
            format!("{SIGNATURE_INPUT};created"),
            format!(
                "is {skew} s {} this node's clock; at most {MAX_SKEW_SECS} s allowed (check the clock)",
                if created < now { "behind" } else { "ahead of" }
            ),
        ));
    }
    if let Some(expires) = p.expires
        && expires < now
    {
        return Err(Refusal::new(
            format!("{SIGNATURE_INPUT};expires"),
            format!("the signature expired {} s ago", now - expires),
        ));
    }
    match request.field(CONTENT_DIGEST) {
        Some(d) => check_content_digest(&d, body)?,
        None if !body.is_empty() => {
            return Err(Refusal::new(
                CONTENT_DIGEST,
                "missing: a signed request with a body carries the body's digest (RFC 9530)",
            ));
        }
        None => {}
    }
    let signature: [u8; 64] = signed.signature.as_slice().try_into().map_err(|_| {
        Refusal::new(
            SIGNATURE,
            format!(
                "is {} bytes; an Ed25519 signature is 64",
                signed.signature.len()
            ),
        )
    })?;
    let key = key_of(&keyid)?;
    if !key.verify(&Signature::from_bytes(signature), &signed.base) {
        return Err(Refusal::new(
            SIGNATURE,
            format!(
                "does not verify under {keyid}'s key over this request's {}",
                signed
                    .components
                    .iter()
                    .map(Component::id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(Verified {
        member: keyid,
        actor: request.field(ACTOR),
        created,
        signature,
    })
}
