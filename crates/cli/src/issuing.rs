//! The organisation's side of issuing: the issuing DID's key file, and the steps that
//! sign a credential and record it on the ledger — DID creation, child registration (sealed
//! record, registration, credential, printable card), guardian links — shared by
//! `unchain identity` and the demo.

use crate::identitycmd::IssueTo;
use crate::session::{Session, now_ms};
use anyhow::{Context as _, bail};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::UNIX_EPOCH;
use unchain_credentials::did::{multikey, parse_did_key};
use unchain_identity::client::{self, IssuerFile};
use unchain_identity::credential::{CHILD, Draft, GUARDIAN_LINK};
use unchain_identity::rules::{DidState, did_of};
use unchain_types::{PublicKey, SigningKey};

/// Reads an issuing DID's key file.
pub(crate) fn load_issuer(path: &Path) -> anyhow::Result<IssuerFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading issuer key {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not an issuer key file", path.display()))
}

/// Writes an issuing DID's key file (`0600`); `fresh` refuses to overwrite one.
pub(crate) fn save_issuer(file: &IssuerFile, path: &Path, fresh: bool) -> anyhow::Result<()> {
    if fresh && path.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key file",
            path.display()
        );
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(file)?)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Seconds at 00:00 UTC of `YYYY-MM-DD`.
pub(crate) fn day_start(field: &str, date: &str) -> anyhow::Result<u64> {
    let t = humantime::parse_rfc3339(&format!("{date}T00:00:00Z"))
        .map_err(|e| anyhow::anyhow!("{field} {date:?}: not a date YYYY-MM-DD ({e})"))?;
    Ok(t.duration_since(UNIX_EPOCH)
        .map_err(|_| anyhow::anyhow!("{field}: before 1970"))?
        .as_secs())
}

pub(crate) fn holder_key(did: &str) -> anyhow::Result<PublicKey> {
    parse_did_key(did).map_err(|e| anyhow::anyhow!("--holder: {e} (give the wallet key's did:key)"))
}

/// The DID as the ledger has it, checked against the key file.
pub(crate) async fn issuer_state(s: &Session, file: &IssuerFile) -> anyhow::Result<DidState> {
    let dids: Vec<DidState> = s
        .client
        .get_json(&format!("/v1/identity/controllers/{}", s.keys.name))
        .await?;
    let state = dids
        .into_iter()
        .find(|d| d.did == file.did)
        .with_context(|| format!("{} is not a DID of {} on this chain", file.did, s.keys.name))?;
    file.check_current(&state)?;
    Ok(state)
}

/// What a credential says: its type, validity and claims.
pub(crate) struct Claims<'a> {
    /// Its type.
    pub vct: &'a str,
    /// The child it is about, if any (always shown as `child_id`).
    pub child: Option<&'a str>,
    /// Not valid before (seconds).
    pub nbf: Option<u64>,
    /// Expires (seconds).
    pub exp: u64,
    /// Claims the holder may show or withhold.
    pub selective: Vec<(String, Value)>,
    /// Other claims every presentation shows (an offer's id, say).
    pub always: Map<String, Value>,
}

/// Signs a credential, records its issuance, writes it to `to.out`; returns its index.
pub(crate) async fn issue(s: &Session, to: &IssueTo, claims: Claims<'_>) -> anyhow::Result<u32> {
    let Claims {
        vct,
        child,
        nbf,
        exp,
        selective,
        always: extra,
    } = claims;
    let file = load_issuer(&to.issuer_key)?;
    let issuer = issuer_state(s, &file).await?;
    let holder = holder_key(&to.holder)?;
    let mut always = extra;
    if let Some(c) = child {
        always.insert("child_id".into(), c.into());
    }
    // A random index (as the Token Status List draft advises: sequential ones would tell a
    // verifier the issuance order and the issuer's volume). If another issuance holds it,
    // the ledger refuses ours and we draw again; the index is inside the signed credential,
    // so the credential is signed again too.
    let mut attempt = 0;
    let (idx, issued) = loop {
        attempt += 1;
        let idx = rand::Rng::gen_range(
            &mut rand::thread_rng(),
            0..unchain_credentials::status::CAPACITY,
        );
        let (issued, body) = client::issue(
            &issuer,
            &file.key()?,
            &Draft {
                vct: vct.into(),
                idx,
                status_origin: file.status_origin.clone(),
                holder,
                iat: now_ms() / 1000,
                nbf,
                exp,
                always: always.clone(),
                selective: selective.clone(),
            },
            child,
            now_ms(),
            &mut rand::thread_rng(),
        );
        let body = serde_json::to_value(&body)?;
        match s.submit_quiet("identity.issue", body).await {
            Ok(_) => break (idx, issued),
            Err(e)
                if attempt < 5
                    && crate::session::refusal_code(&e)
                        == Some(unchain_types::Code::AlreadyExists) =>
            {
                eprintln!("status index {idx} is taken; drawing another");
            }
            Err(e) => return Err(e),
        }
    };
    crate::output::write(&to.out, &issued.sd_jwt)?;
    eprintln!(
        "issued {vct} (status index {idx} of {}) to {}; credential in {}",
        issuer.did,
        to.holder,
        to.out.display()
    );
    Ok(idx)
}

pub(crate) fn push(v: &mut Vec<(String, Value)>, name: &str, value: &Option<String>) {
    if let Some(x) = value {
        v.push((name.into(), x.clone().into()));
    }
}

pub(crate) const YEAR_S: u64 = 365 * 24 * 3600;

/// Issues a guardian link from `from` (default today) to the end of `until` (dates
/// YYYY-MM-DD); returns its status index.
pub(crate) async fn link_guardian(
    s: &Session,
    to: &IssueTo,
    child: &str,
    relationship: &str,
    guardian_name: Option<&str>,
    from: Option<&str>,
    until: &str,
) -> anyhow::Result<u32> {
    unchain_identity::body::check_child("--child", child)
        .map_err(|e| anyhow::anyhow!("{}", e.reason))?;
    let nbf = match from {
        Some(d) => day_start("--from", d)?,
        None => now_ms() / 1000,
    };
    let exp = day_start("--until", until)? + 24 * 3600;
    if exp <= nbf {
        bail!("--until {until} is before --from");
    }
    let mut sel = vec![("relationship".to_owned(), Value::from(relationship))];
    push(&mut sel, "guardian_name", &guardian_name.map(str::to_owned));
    issue(
        s,
        to,
        Claims {
            vct: GUARDIAN_LINK,
            child: Some(child),
            nbf: Some(nbf),
            exp,
            selective: sel,
            always: Map::new(),
        },
    )
    .await
}

/// Creates a DID controlled by the session's organisation; its key goes to `issuer_key`.
pub(crate) async fn create_did(
    s: &Session,
    label: &str,
    issuer_key: &Path,
    status_origin: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(o) = status_origin {
        unchain_identity::credential::check_status_origin(o)
            .map_err(|e| anyhow::anyhow!("--status-origin {e}"))?;
    }
    if issuer_key.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key file",
            issuer_key.display()
        );
    }
    let key = SigningKey::generate(&mut rand::thread_rng());
    let body = json!({"key": multikey(&key.public_key()), "label": label, "at_ms": now_ms()});
    let status = s.submit_quiet("identity.did_create", body).await?;
    let did = did_of(&unchain_types::TxId::from_hex(&status.id)?);
    let file = IssuerFile {
        did: did.clone(),
        key_id: "key-1".into(),
        seed: hex::encode(key.seed()),
        retired: Vec::new(),
        status_origin: status_origin.map(|o| o.trim_end_matches('/').to_owned()),
    };
    save_issuer(&file, issuer_key, true)?;
    Ok(did)
}

/// Signs the DID's current status list as a Status List Token (good for `valid_for`,
/// cacheable for `cache_for`) and hands it to the node; returns the URL it is served at.
pub(crate) async fn publish_status(
    s: &Session,
    file: &IssuerFile,
    valid_for: std::time::Duration,
    cache_for: std::time::Duration,
) -> anyhow::Result<String> {
    use unchain_credentials::status_token::{TokenClaims, sign_token};
    use unchain_identity::credential::{status_uri, status_url};
    let state = issuer_state(s, file).await?;
    let path = format!("/v1/identity/status/{}", file.did);
    let view: Value = s.get(&path).await?;
    let status_list = serde_json::from_value(view["status_list"].clone())
        .context("the node's status list is not {bits, lst}")?;
    let iat = now_ms() / 1000;
    let sub = match &file.status_origin {
        Some(o) => status_url(o, &file.did),
        None => status_uri(&file.did),
    };
    let claims = TokenClaims {
        sub: sub.clone(),
        iat,
        exp: iat + valid_for.as_secs().max(60),
        ttl: cache_for.as_secs(),
        status_list,
    };
    let (fragment, _) = unchain_identity::rules::current_key(&state);
    let token = sign_token(&claims, &format!("{}#{fragment}", file.did), &file.key()?);
    s.client
        .put_signed_bytes(&s.signer, &format!("{path}/token"), token.into_bytes())
        .await
        .context("handing the status list token to the node")?;
    Ok(if sub.starts_with("urn:") {
        format!("{}{path}", s.client.base())
    } else {
        sub
    })
}

/// The node's trust bundle, waiting up to 60 s for a cosigned checkpoint that covers it.
pub(crate) async fn fetch_trust_bundle(s: &Session) -> anyhow::Result<Value> {
    fetch_cosigned(s, "/v1/identity/trust-bundle").await
}

/// GETs `path`, waiting up to 60 s while the node has no cosigned checkpoint for it yet.
pub(crate) async fn fetch_cosigned(s: &Session, path: &str) -> anyhow::Result<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match s.get::<Value>(path).await {
            Ok(b) => return Ok(b),
            Err(e)
                if std::time::Instant::now() < deadline
                    && matches!(
                        crate::session::refusal_code(&e),
                        Some(unchain_types::Code::NotCosignedYet | unchain_types::Code::EmptyLog)
                    ) =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Registers a child with `claims` (sealed in the vault, and selectively disclosable in
/// the credential written to `to.out`); returns the child's id.
pub(crate) async fn register(
    s: &Session,
    to: &IssueTo,
    claims: Vec<(String, Value)>,
    valid_years: u64,
    card: Option<&Path>,
) -> anyhow::Result<String> {
    holder_key(&to.holder)?;
    let mut id = [0u8; 10];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
    let child = format!("c-{}", hex::encode(id));
    // The child's data, sealed to the registrar alone: only its ciphertext's hash and the
    // pseudonymous id reach the chain.
    let mut record: Map<String, Value> = claims.iter().cloned().collect();
    record.insert("child_id".into(), child.clone().into());
    let spec = crate::vaultcmd::SealSpec {
        schema: "identity.child".into(),
        to: Vec::new(),
        subject: None,
        consent_required: false,
        minor: false,
        retention_days: 25 * 365,
        identifiers: Vec::new(),
        country: None,
        record: None,
    };
    let plaintext = serde_json::to_vec(&Value::Object(record))?;
    let (record_id, _) = crate::vaultcmd::seal_with(s, &plaintext, &spec).await?;
    s.submit_quiet(
        "identity.child_register",
        json!({"child": child, "record": record_id, "at_ms": now_ms()}),
    )
    .await?;
    eprintln!("registered child {child} over sealed record {record_id}");
    let exp = now_ms() / 1000 + valid_years * YEAR_S;
    issue(
        s,
        to,
        Claims {
            vct: CHILD,
            child: Some(&child),
            nbf: None,
            exp,
            selective: claims,
            always: Map::new(),
        },
    )
    .await?;
    if let Some(card) = card {
        let file = load_issuer(&to.issuer_key)?;
        let sd_jwt = std::fs::read_to_string(&to.out)?;
        std::fs::write(card, child_card(&child, &file.did, exp, &sd_jwt)?)
            .with_context(|| format!("writing {}", card.display()))?;
        eprintln!("printable card in {}", card.display());
    }
    Ok(child)
}

/// A printable card: no personal data in its text; the QR code carries the credential
/// for the carrying wallet (`unchain wallet store`), which alone can present it.
fn child_card(child: &str, issuer: &str, exp: u64, sd_jwt: &str) -> anyhow::Result<String> {
    let qr = qrcode::QrCode::with_error_correction_level(sd_jwt.as_bytes(), qrcode::EcLevel::L)
        .context("the credential is too long for a QR code")?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(360, 360)
        .quiet_zone(true)
        .build();
    let until = humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(exp));
    Ok(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Child registration card {child}</title>
<style>body{{font:14px system-ui,sans-serif}} .card{{border:2px solid #333;border-radius:10px;padding:16px;width:420px}} h1{{font-size:18px;margin:0 0 8px}} code{{font-size:13px}}</style></head>
<body><div class="card"><h1>Registered child</h1>
<p>Child id <code>{child}</code><br>Registered by <code>{issuer}</code><br>Valid until {until}</p>
{svg}
<p>Scan into the carrying wallet (<code>unchain wallet store</code>). At a border the wallet presents it, with the guardian's link; this card alone proves nothing.</p>
</div></body></html>
"#,
        until = &until.to_string()[..10],
    ))
}
