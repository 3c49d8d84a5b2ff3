//! The credentials Unchain issues, all SD-JWT VCs signed by a `did:unchain` key and bound
//! to the holder's Ed25519 key (`cnf.jwk`):
//!
//! | `vct` | always shown | the holder chooses |
//! |---|---|---|
//! | [`CHILD`] | `child_id` | `given_name`, `family_name`, `birth_date`, `sex`, `birth_country`, `registered_at` |
//! | [`GUARDIAN_LINK`] | `child_id`; `nbf`/`exp` are the link's validity | `relationship`, `guardian_name` |
//! | [`SURVIVOR_IDENTITY`] | — | `given_name`, `family_name`, `birth_date`, `nationality` |
//! | [`RECOGNISED_SURVIVOR`] | `recognised` | `recognised_on`, `services` |
//!
//! Every credential carries `iss`, `iat`, `exp`, `vct` and `status.status_list` (its index
//! in the issuer's Token Status List, whose `uri` is [`status_uri`]), so a border officer
//! sees "a registered child of this guardian" without the child's record.

use crate::rules::DidState;
use rand::{CryptoRng, RngCore};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use unchain_credentials::sdjwt::{self, Issue, VC_TYP};
use unchain_types::{Hash32, PublicKey, SigningKey};

/// A child's registration (a child with no birth certificate).
pub const CHILD: &str = "urn:unchain:vct:child-registration:1";
/// An adult's link to a child as guardian, valid between `nbf` and `exp`.
pub const GUARDIAN_LINK: &str = "urn:unchain:vct:guardian-link:1";
/// A survivor's identity attestation.
pub const SURVIVOR_IDENTITY: &str = "urn:unchain:vct:survivor-identity:1";
/// Recognition as a survivor of trafficking, for access to services.
pub const RECOGNISED_SURVIVOR: &str = "urn:unchain:vct:recognised-survivor:1";

/// Claims of each type the holder may disclose or withhold.
pub fn selective_claims(vct: &str) -> &'static [&'static str] {
    match vct {
        CHILD => &[
            "given_name",
            "family_name",
            "birth_date",
            "sex",
            "birth_country",
            "registered_at",
        ],
        GUARDIAN_LINK => &["relationship", "guardian_name"],
        SURVIVOR_IDENTITY => &["given_name", "family_name", "birth_date", "nationality"],
        RECOGNISED_SURVIVOR => &["recognised_on", "services"],
        _ => &[],
    }
}

/// The `uri` of an issuer's status list when it names no URL: `urn:unchain:status:<did
/// suffix>`. Resolved by a node at `GET /v1/identity/status/{did}` and carried in trust
/// bundles.
pub fn status_uri(issuer: &str) -> String {
    format!("urn:unchain:status:{}", crate::rules::did_suffix(issuer))
}

/// The `uri` of an issuer's status list at `origin` (`https://node.example`), where any
/// verifier fetches its Status List Token: `<origin>/v1/identity/status/<did>`.
pub fn status_url(origin: &str, issuer: &str) -> String {
    format!(
        "{}/v1/identity/status/{issuer}",
        origin.trim_end_matches('/')
    )
}

/// Whether `uri` names `issuer`'s status list: [`status_uri`], or [`status_url`] at any
/// `https` origin (or `http` on this machine). Which origin serves it is the issuer's
/// choice; the list itself always comes from the ledger.
pub fn names_status_list_of(uri: &str, issuer: &str) -> bool {
    if uri == status_uri(issuer) {
        return true;
    }
    let Some(origin) = uri.strip_suffix(&format!("/v1/identity/status/{issuer}")) else {
        return false;
    };
    check_status_origin(origin).is_ok()
}

/// Checks an origin an issuer names for its status list: `https://host[:port]`, or
/// `http://` on this machine (`localhost`, `127.0.0.1`, `[::1]`), with no path, query,
/// user or fragment.
pub fn check_status_origin(origin: &str) -> Result<(), String> {
    let (scheme, host) = origin
        .split_once("://")
        .ok_or_else(|| format!("{origin:?} is not an origin (https://host[:port])"))?;
    let hostname = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty())
        .map_or(host, |(h, _)| h);
    let local = ["localhost", "127.0.0.1", "[::1]"].contains(&hostname);
    if host.is_empty()
        || host.contains(['/', '?', '#', '@', ' '])
        || !(scheme == "https" || (scheme == "http" && local))
    {
        return Err(format!(
            "{origin:?}: an issuer's status list is served at an https origin (https://host[:port], no path); http only on this machine"
        ));
    }
    Ok(())
}

/// What an issuer fills in.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The type.
    pub vct: String,
    /// Its index in the issuer's status list (from `GET /v1/identity/next/{did}`).
    pub idx: u32,
    /// The origin that serves the issuer's Status List Token to outside verifiers
    /// ([`status_url`]); `None` names the list by [`status_uri`].
    pub status_origin: Option<String>,
    /// The holder's key.
    pub holder: PublicKey,
    /// Issue time, seconds.
    pub iat: u64,
    /// Valid from, seconds (guardian links), if not from issuance.
    pub nbf: Option<u64>,
    /// Valid until, seconds.
    pub exp: u64,
    /// Claims always shown besides the standard ones (e.g. `child_id`).
    pub always: Map<String, Value>,
    /// Claims the holder may withhold.
    pub selective: Vec<(String, Value)>,
}

/// An issued credential: the SD-JWT for the holder, and the digest the ledger records.
#[derive(Debug, Clone)]
pub struct Issued {
    /// `<issuer JWT>~<disclosure>~…~`.
    pub sd_jwt: String,
    /// SHA-256 of the issuer JWT.
    pub digest: Hash32,
}

/// Signs `draft` as `issuer`'s current key.
pub fn issue<R: RngCore + CryptoRng>(
    issuer: &DidState,
    key: &SigningKey,
    draft: &Draft,
    rng: &mut R,
) -> Issued {
    let (fragment, _) = crate::rules::current_key(issuer);
    let kid = format!("{}#{fragment}", issuer.did);
    let mut always = draft.always.clone();
    always.insert("iss".into(), issuer.did.clone().into());
    always.insert("iat".into(), draft.iat.into());
    if let Some(nbf) = draft.nbf {
        always.insert("nbf".into(), nbf.into());
    }
    always.insert("exp".into(), draft.exp.into());
    always.insert("vct".into(), draft.vct.clone().into());
    always.insert(
        "status".into(),
        json!({"status_list": {"idx": draft.idx, "uri": draft
            .status_origin
            .as_deref()
            .map_or_else(|| status_uri(&issuer.did), |o| status_url(o, &issuer.did))}}),
    );
    let sd_jwt = sdjwt::issue(
        &Issue {
            typ: VC_TYP,
            kid: &kid,
            always,
            selective: draft.selective.clone(),
            holder: draft.holder,
            decoys: 3,
        },
        key,
        rng,
    );
    Issued {
        digest: digest_of(&sd_jwt),
        sd_jwt,
    }
}

/// The digest the ledger records for an SD-JWT (or a presentation of it): SHA-256 of its
/// issuer-signed JWT.
pub fn digest_of(sd_jwt: &str) -> Hash32 {
    let jwt = sd_jwt.split('~').next().unwrap_or(sd_jwt);
    Hash32(Sha256::digest(jwt.as_bytes()).into())
}

/// The status list entry a credential names: `(uri, idx)`.
pub fn status_ref(claims: &Map<String, Value>) -> Option<(String, u32)> {
    let sl = claims.get("status")?.get("status_list")?;
    let uri = sl.get("uri")?.as_str()?.to_owned();
    let idx = u32::try_from(sl.get("idx")?.as_u64()?).ok()?;
    Some((uri, idx))
}
