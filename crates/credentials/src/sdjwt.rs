//! Selective Disclosure for JWTs (IETF SD-JWT, RFC 9901) with key binding, as SD-JWT VC
//! uses it: the issuer signs a JWT whose selectively disclosable claims are replaced by
//! salted digests; the holder shows only the disclosures a verifier needs, and proves
//! possession of the key named in `cnf` with a Key Binding JWT over the presentation.
//!
//! Compact form only: `<issuer JWT>~<disclosure>~…~<KB-JWT or nothing>`. Digests are
//! SHA-256 (`_sd_alg` = `sha-256`); signatures are Ed25519 (`EdDSA`).

use crate::jose::{self, JoseError, Jwk, Jws, b64, unb64};
use rand::{CryptoRng, RngCore};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use unchain_types::{PublicKey, SigningKey};

/// `typ` of an SD-JWT VC's issuer-signed JWT.
pub const VC_TYP: &str = "dc+sd-jwt";

/// `typ` of a Key Binding JWT.
pub const KB_TYP: &str = "kb+jwt";

/// The only digest algorithm produced and accepted.
pub const SD_ALG: &str = "sha-256";

/// Most disclosures one SD-JWT may carry.
pub const MAX_DISCLOSURES: usize = 256;

/// How far in the future a KB-JWT's `iat` may be (clock skew), in seconds.
pub const KB_SKEW_S: u64 = 60;

/// Why an SD-JWT or presentation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdJwtError {
    /// Not `jwt~disclosures~[kb]`.
    #[error("not an SD-JWT: {0}")]
    Format(String),
    /// The issuer-signed JWT is malformed or uses another algorithm or type.
    #[error("issuer JWT: {0}")]
    Jwt(JoseError),
    /// The issuer or its key could not be established.
    #[error("issuer: {0}")]
    Issuer(String),
    /// The issuer's signature does not verify.
    #[error("issuer signature: {0}")]
    Signature(JoseError),
    /// A disclosure is malformed, unreferenced, repeated or clashes with a claim.
    #[error("disclosure {index}: {reason}")]
    Disclosure {
        /// Its position in the presentation, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The payload's digests are malformed.
    #[error("payload: {0}")]
    Payload(String),
    /// `exp` has passed.
    #[error("expired at {exp} (now {now})")]
    Expired {
        /// The credential's `exp`, seconds since the epoch.
        exp: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `nbf` is still ahead.
    #[error("not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The credential's `nbf`.
        nbf: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// The key binding is missing or wrong.
    #[error("key binding: {0}")]
    KeyBinding(String),
}

/// One disclosure: `[salt, name, value]` for an object property, `[salt, value]` for an
/// array element, base64url-encoded JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The encoded form, exactly as presented (the digest is over these characters).
    pub encoded: String,
    /// The salt.
    pub salt: String,
    /// The claim name; `None` for an array element.
    pub name: Option<String>,
    /// The claim value.
    pub value: Value,
}

impl Disclosure {
    /// A new disclosure with a fresh 128-bit salt.
    pub fn new<R: RngCore + CryptoRng>(rng: &mut R, name: Option<&str>, value: Value) -> Self {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let salt = b64(&salt);
        let array = match name {
            Some(n) => Value::Array(vec![salt.clone().into(), n.into(), value.clone()]),
            None => Value::Array(vec![salt.clone().into(), value.clone()]),
        };
        let encoded = b64(&serde_json::to_vec(&array).expect("a disclosure serialises"));
        Disclosure {
            encoded,
            salt,
            name: name.map(str::to_owned),
            value,
        }
    }

    /// Decodes a disclosure.
    pub fn parse(encoded: &str) -> Result<Self, String> {
        let bytes = unb64(encoded).ok_or("not unpadded base64url")?;
        let Ok(Value::Array(mut items)) = unchain_types::ijson::from_slice(&bytes) else {
            return Err("not a JSON array".into());
        };
        let (salt, name, value) = match items.len() {
            2 => {
                let value = items.pop().expect("two items");
                (items.pop().expect("two items"), None, value)
            }
            3 => {
                let value = items.pop().expect("three items");
                let name = match items.pop().expect("three items") {
                    Value::String(n) => n,
                    _ => return Err("the claim name is not a string".into()),
                };
                if name == "_sd" || name == "..." {
                    return Err(format!("the claim name {name:?} is reserved"));
                }
                (items.pop().expect("three items"), Some(name), value)
            }
            n => return Err(format!("has {n} elements; a disclosure has 2 or 3")),
        };
        let Value::String(salt) = salt else {
            return Err("the salt is not a string".into());
        };
        Ok(Disclosure {
            encoded: encoded.into(),
            salt,
            name,
            value,
        })
    }

    /// Its digest: base64url(SHA-256(encoded)).
    pub fn digest(&self) -> String {
        digest_of(&self.encoded)
    }
}

fn digest_of(s: &str) -> String {
    b64(&Sha256::digest(s.as_bytes()))
}

/// What an issuer puts in a credential.
#[derive(Debug, Clone)]
pub struct Issue<'a> {
    /// `typ` of the JWT header ([`VC_TYP`] for an SD-JWT VC).
    pub typ: &'a str,
    /// `kid` of the JWT header: which of the issuer's keys signed.
    pub kid: &'a str,
    /// Claims every presentation shows (`iss`, `iat`, `exp`, `vct`, `status`, …).
    pub always: Map<String, Value>,
    /// Claims the holder may show or withhold, in order.
    pub selective: Vec<(String, Value)>,
    /// The holder's key, written as `cnf.jwk`.
    pub holder: PublicKey,
    /// How many decoy digests to add (hides how many claims there are).
    pub decoys: usize,
}

/// Issues an SD-JWT: the issuer-signed JWT and every disclosure, ending in `~`.
pub fn issue<R: RngCore + CryptoRng>(spec: &Issue<'_>, issuer: &SigningKey, rng: &mut R) -> String {
    let mut payload = spec.always.clone();
    let mut digests = Vec::new();
    let mut disclosures = Vec::new();
    for (name, value) in &spec.selective {
        let d = Disclosure::new(rng, Some(name), value.clone());
        digests.push(d.digest());
        disclosures.push(d.encoded);
    }
    for _ in 0..spec.decoys {
        let mut noise = [0u8; 32];
        rng.fill_bytes(&mut noise);
        digests.push(b64(&Sha256::digest(noise)));
    }
    // Sorted, so the order says nothing about which claim is which.
    digests.sort();
    payload.insert(
        "_sd".into(),
        Value::Array(digests.into_iter().map(Value::from).collect()),
    );
    payload.insert("_sd_alg".into(), SD_ALG.into());
    let mut cnf = Map::new();
    cnf.insert("jwk".into(), Jwk::of(&spec.holder).to_value());
    payload.insert("cnf".into(), Value::Object(cnf));
    let mut header = Map::new();
    header.insert("typ".into(), spec.typ.into());
    header.insert("kid".into(), spec.kid.into());
    let jwt = jose::sign(header, &Value::Object(payload), issuer);
    let mut out = jwt;
    out.push('~');
    for d in disclosures {
        out.push_str(&d);
        out.push('~');
    }
    out
}

/// An SD-JWT split into its parts, nothing verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwt {
    /// The issuer-signed JWT.
    pub jwt: String,
    /// The disclosures, as presented.
    pub disclosures: Vec<String>,
    /// The Key Binding JWT, if any.
    pub kb_jwt: Option<String>,
}

impl SdJwt {
    /// Splits `s` at `~`.
    pub fn parse(s: &str) -> Result<SdJwt, SdJwtError> {
        let s = s.trim();
        if s.len() > 4 * jose::MAX_JWS {
            return Err(SdJwtError::Format(format!(
                "is {} bytes; at most {} allowed",
                s.len(),
                4 * jose::MAX_JWS
            )));
        }
        let mut parts: Vec<&str> = s.split('~').collect();
        if parts.len() < 2 {
            return Err(SdJwtError::Format(
                "no `~`: an SD-JWT is the issuer JWT, then each disclosure, each followed by `~`"
                    .into(),
            ));
        }
        let last = parts.pop().expect("at least two parts");
        let jwt = parts.remove(0);
        if jwt.is_empty() {
            return Err(SdJwtError::Format("the issuer JWT is empty".into()));
        }
        if parts.len() > MAX_DISCLOSURES {
            return Err(SdJwtError::Format(format!(
                "{} disclosures; at most {MAX_DISCLOSURES} allowed",
                parts.len()
            )));
        }
        if let Some(i) = parts.iter().position(|p| p.is_empty()) {
            return Err(SdJwtError::Format(format!(
                "disclosure {i} is empty (two `~` in a row)"
            )));
        }
        Ok(SdJwt {
            jwt: jwt.into(),
            disclosures: parts.into_iter().map(str::to_owned).collect(),
            kb_jwt: (!last.is_empty()).then(|| last.to_owned()),
        })
    }

    /// The presentation without its KB-JWT (ends in `~`): what `sd_hash` covers.
    pub fn without_kb(&self) -> String {
        let mut s = self.jwt.clone();
        s.push('~');
        for d in &self.disclosures {
            s.push_str(d);
            s.push('~');
        }
        s
    }

    /// The issuer JWT's header and payload, signature not checked.
    pub fn unverified(&self) -> Result<Jws, SdJwtError> {
        Jws::parse(&self.jwt, None).map_err(SdJwtError::Jwt)
    }
}

/// Makes a presentation of the SD-JWT `issued` that discloses the claims named in
/// `disclose` (at any depth; array elements inside a disclosed value come with it), bound
/// to `aud` and `nonce` by a KB-JWT signed with `holder` at `iat` (seconds).
pub fn present(
    issued: &str,
    disclose: &[&str],
    holder: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: u64,
) -> Result<String, SdJwtError> {
    let parsed = SdJwt::parse(issued)?;
    let jws = parsed.unverified()?;
    let table = decode_disclosures(&parsed.disclosures)?;
    let mut chosen = BTreeSet::new();
    select(
        &Value::Object(jws.payload.clone()),
        &table,
        disclose,
        &mut chosen,
    );
    let kept = SdJwt {
        jwt: parsed.jwt.clone(),
        disclosures: parsed
            .disclosures
            .iter()
            .enumerate()
            .filter(|(i, _)| chosen.contains(i))
            .map(|(_, d)| d.clone())
            .collect(),
        kb_jwt: None,
    };
    let body = kept.without_kb();
    let mut header = Map::new();
    header.insert("typ".into(), KB_TYP.into());
    let kb = jose::sign(
        header,
        &serde_json::json!({
            "iat": iat,
            "aud": aud,
            "nonce": nonce,
            "sd_hash": digest_of(&body),
        }),
        holder,
    );
    Ok(format!("{body}{kb}"))
}

type Table = BTreeMap<String, (usize, Disclosure)>;

fn decode_disclosures(list: &[String]) -> Result<Table, SdJwtError> {
    let mut table = Table::new();
    for (index, encoded) in list.iter().enumerate() {
        let d = Disclosure::parse(encoded)
            .map_err(|reason| SdJwtError::Disclosure { index, reason })?;
        if table.insert(d.digest(), (index, d)).is_some() {
            return Err(SdJwtError::Disclosure {
                index,
                reason: "appears twice".into(),
            });
        }
    }
    Ok(table)
}

fn select(value: &Value, table: &Table, names: &[&str], chosen: &mut BTreeSet<usize>) {
    match value {
        Value::Object(o) => {
            for digest in o.get("_sd").and_then(Value::as_array).into_iter().flatten() {
                if let Some((i, d)) = digest.as_str().and_then(|s| table.get(s))
                    && d.name.as_deref().is_some_and(|n| names.contains(&n))
                {
                    chosen.insert(*i);
                    select_all(&d.value, table, chosen);
                }
            }
            for (k, v) in o {
                if k != "_sd" {
                    select(v, table, names, chosen);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                select(item, table, names, chosen);
            }
        }
        _ => {}
    }
}

/// Everything reachable inside a disclosed value.
fn select_all(value: &Value, table: &Table, chosen: &mut BTreeSet<usize>) {
    let mut inner: Vec<&Value> = Vec::new();
    match value {
        Value::Object(o) => {
            for digest in o.get("_sd").and_then(Value::as_array).into_iter().flatten() {
                if let Some((i, d)) = digest.as_str().and_then(|s| table.get(s)) {
                    chosen.insert(*i);
                    inner.push(&d.value);
                }
            }
            inner.extend(o.iter().filter(|(k, _)| *k != "_sd").map(|(_, v)| v));
        }
        Value::Array(items) => {
            for item in items {
                match array_digest(item).and_then(|d| table.get(d)) {
                    Some((i, d)) => {
                        chosen.insert(*i);
                        inner.push(&d.value);
                    }
                    None => inner.push(item),
                }
            }
        }
        _ => {}
    }
    for v in inner {
        select_all(v, table, chosen);
    }
}

fn array_digest(item: &Value) -> Option<&str> {
    match item.as_object() {
        Some(o) if o.len() == 1 => o.get("...").and_then(Value::as_str),
        _ => None,
    }
}

/// What a verifier expects of a presentation.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The issuer JWT's `typ` (`None` accepts any).
    pub typ: Option<&'a str>,
    /// The verifier's clock, seconds since the epoch: `exp`, `nbf` and the KB-JWT's `iat`
    /// are checked against it.
    pub now: u64,
    /// `Some((aud, nonce, max_age_s))` requires a KB-JWT for this audience and nonce,
    /// signed at most `max_age_s` ago; `None` accepts a presentation without key binding
    /// (and refuses one with it, which would go unchecked).
    pub key_binding: Option<(&'a str, &'a str, u64)>,
}

/// A verified presentation.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The issuer JWT's header.
    pub header: Map<String, Value>,
    /// The claims: always-shown ones and those disclosed, digests removed.
    pub claims: Map<String, Value>,
    /// The holder key from `cnf.jwk`, if any.
    pub holder: Option<PublicKey>,
    /// Whether a KB-JWT was checked.
    pub key_bound: bool,
}

impl Verified {
    /// A string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Verifies a presentation (or an issued SD-JWT, with `key_binding: None`).
///
/// `issuer_key` receives the issuer JWT's header and payload (unverified) and returns the
/// key that must have signed it: a verifier decides whom it trusts from `iss` and `kid`.
pub fn verify(
    presentation: &str,
    issuer_key: impl FnOnce(&Map<String, Value>, &Map<String, Value>) -> Result<PublicKey, String>,
    expect: &Expect<'_>,
) -> Result<Verified, SdJwtError> {
    let parsed = SdJwt::parse(presentation)?;
    let jws = Jws::parse(&parsed.jwt, expect.typ).map_err(SdJwtError::Jwt)?;
    let key = issuer_key(&jws.header, &jws.payload).map_err(SdJwtError::Issuer)?;
    jws.verify(&key).map_err(SdJwtError::Signature)?;
    if let Some(alg) = jws.payload.get("_sd_alg")
        && alg.as_str() != Some(SD_ALG)
    {
        return Err(SdJwtError::Payload(format!(
            "_sd_alg is {alg}; only \"sha-256\" is accepted"
        )));
    }
    let table = decode_disclosures(&parsed.disclosures)?;
    let mut used = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut processed = unpack(
        Value::Object(jws.payload.clone()),
        &table,
        &mut used,
        &mut seen,
    )?;
    if let Some((_, (index, _))) = table.iter().find(|(digest, _)| !used.contains(*digest)) {
        return Err(SdJwtError::Disclosure {
            index: *index,
            reason: "is not referenced by any digest in the credential".into(),
        });
    }
    let claims = match &mut processed {
        Value::Object(o) => {
            o.remove("_sd_alg");
            std::mem::take(o)
        }
        _ => unreachable!("an object unpacks to an object"),
    };
    let now = expect.now;
    let time = |name: &str| -> Result<Option<u64>, SdJwtError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                SdJwtError::Payload(format!("{name} is not a whole number of seconds"))
            }),
        }
    };
    if let Some(exp) = time("exp")?
        && now >= exp
    {
        return Err(SdJwtError::Expired { exp, now });
    }
    if let Some(nbf) = time("nbf")?
        && now < nbf
    {
        return Err(SdJwtError::NotYetValid { nbf, now });
    }
    let holder = match claims.get("cnf") {
        None => None,
        Some(cnf) => Some(
            Jwk::from_value(cnf.get("jwk").unwrap_or(&Value::Null))
                .and_then(|j| j.key())
                .map_err(|e| SdJwtError::Payload(format!("cnf.{e}")))?,
        ),
    };
    let key_bound = match (expect.key_binding, &parsed.kb_jwt) {
        (None, None) => false,
        (None, Some(_)) => {
            return Err(SdJwtError::KeyBinding(
                "a KB-JWT is present but this verifier was given no audience or nonce to check"
                    .into(),
            ));
        }
        (Some(_), None) => {
            return Err(SdJwtError::KeyBinding(
                "missing: the holder must prove possession of the credential's key".into(),
            ));
        }
        (Some((aud, nonce, max_age)), Some(kb)) => {
            let holder = holder.ok_or_else(|| {
                SdJwtError::KeyBinding("the credential names no holder key (cnf.jwk)".into())
            })?;
            check_kb(kb, &holder, &parsed.without_kb(), aud, nonce, now, max_age)?;
            true
        }
    };
    Ok(Verified {
        header: jws.header,
        claims,
        holder,
        key_bound,
    })
}

fn check_kb(
    kb: &str,
    holder: &PublicKey,
    body: &str,
    aud: &str,
    nonce: &str,
    now: u64,
    max_age: u64,
) -> Result<(), SdJwtError> {
    let e = SdJwtError::KeyBinding;
    let jws = Jws::parse(kb, Some(KB_TYP)).map_err(|x| e(x.to_string()))?;
    jws.verify(holder)
        .map_err(|_| e("the KB-JWT is not signed by the credential's holder key".into()))?;
    let p = &jws.payload;
    let got = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
    if got("aud") != aud {
        return Err(e(format!(
            "aud is {:?}; this verifier is {aud:?}",
            got("aud")
        )));
    }
    if got("nonce") != nonce {
        return Err(e(
            "nonce does not match this verifier's challenge (a replayed presentation?)".into(),
        ));
    }
    if got("sd_hash") != digest_of(body) {
        return Err(e(
            "sd_hash does not match the presentation: disclosures were added or removed".into(),
        ));
    }
    let iat = p
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or_else(|| e("iat is missing".into()))?;
    if iat > now + KB_SKEW_S {
        return Err(e(format!("iat {iat} is in the future (now {now})")));
    }
    if now.saturating_sub(iat) > max_age {
        return Err(e(format!(
            "signed {} s ago; at most {max_age} s accepted",
            now - iat
        )));
    }
    Ok(())
}

/// Looks a digest up, refusing one seen before.
fn take<'t>(
    digest: &str,
    table: &'t Table,
    used: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) -> Result<Option<&'t Disclosure>, SdJwtError> {
    if !seen.insert(digest.to_owned()) {
        return Err(SdJwtError::Payload(format!(
            "digest {digest} appears more than once"
        )));
    }
    Ok(table.get(digest).map(|(_, d)| {
        used.insert(digest.to_owned());
        d
    }))
}

fn unpack(
    value: Value,
    table: &Table,
    used: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) -> Result<Value, SdJwtError> {
    match value {
        Value::Object(mut o) => {
            let sd = o.remove("_sd");
            let mut out = Map::new();
            for (k, v) in o {
                out.insert(k, v);
            }
            let mut disclosed = Vec::new();
            if let Some(sd) = sd {
                let Value::Array(digests) = sd else {
                    return Err(SdJwtError::Payload("_sd is not an array".into()));
                };
                for digest in digests {
                    let digest = digest
                        .as_str()
                        .ok_or_else(|| SdJwtError::Payload("_sd holds a non-string".into()))?;
                    if let Some(d) = take(digest, table, used, seen)? {
                        let (index, _) = table[digest];
                        let name = d.name.clone().ok_or_else(|| SdJwtError::Disclosure {
                            index,
                            reason: "is an array element but its digest is in an object's _sd"
                                .into(),
                        })?;
                        disclosed.push((index, name, d.value.clone()));
                    }
                }
            }
            let mut result = Map::new();
            for (k, v) in out {
                result.insert(k, unpack(v, table, used, seen)?);
            }
            for (index, name, v) in disclosed {
                if result.contains_key(&name) {
                    return Err(SdJwtError::Disclosure {
                        index,
                        reason: format!("discloses {name:?}, which the credential already has"),
                    });
                }
                let v = unpack(v, table, used, seen)?;
                result.insert(name, v);
            }
            Ok(Value::Object(result))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(digest) = array_digest(&item) {
                    let digest = digest.to_owned();
                    if let Some(d) = take(&digest, table, used, seen)? {
                        let (index, _) = table[&digest];
                        if d.name.is_some() {
                            return Err(SdJwtError::Disclosure {
                                index,
                                reason: "names a claim but its digest stands for an array element"
                                    .into(),
                            });
                        }
                        let v = d.value.clone();
                        out.push(unpack(v, table, used, seen)?);
                    }
                } else {
                    out.push(unpack(item, table, used, seen)?);
                }
            }
            Ok(Value::Array(out))
        }
        other => Ok(other),
    }
}
