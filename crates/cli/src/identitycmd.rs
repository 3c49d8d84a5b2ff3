//! `unchain identity`: an organisation's DIDs (create, rotate, deactivate, resolve), child
//! registration and guardian links, survivor credentials, revocation, missing-child
//! flags, and the trust bundle for border posts.
//!
//! An issuing DID's private key lives in an issuer key file (`--issuer-key`, written
//! `0600`), apart from the organisation's member key: a registry office can hold its own.
//! Credentials are signed here; the ledger records each issuance's digest and status index.

use crate::session::{Session, Who};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use unchain_credentials::did::{multikey, parse_did_key};
use unchain_identity::credential::{
    self, CHILD, Draft, GUARDIAN_LINK, RECOGNISED_SURVIVOR, SURVIVOR_IDENTITY,
};
use unchain_identity::rules::{DidState, did_of};
use unchain_types::{PublicKey, SigningKey};

/// `unchain identity …`.
#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Create a did:unchain for your organisation (or one of its offices) with a fresh key,
    /// written to --issuer-key.
    DidCreate {
        /// A short public label ("TH civil registry, Tak office"): no personal data.
        #[arg(long)]
        label: String,
        /// Where to write the DID's private key (must not exist).
        #[arg(long)]
        issuer_key: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Replace the DID's key with a fresh one (the file keeps the old one as retired).
    DidRotate {
        /// The issuer key file.
        #[arg(long)]
        issuer_key: PathBuf,
        /// The old key was (or may have been) stolen: nothing it signed verifies any more,
        /// so its credentials must be issued again with the new key.
        #[arg(long)]
        compromised: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Retire the DID: nothing it signed verifies any more.
    DidDeactivate {
        /// The issuer key file.
        #[arg(long)]
        issuer_key: PathBuf,
        /// Why (public, short).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Resolve a DID (did:unchain or did:key) to its W3C DID document and key history.
    Resolve {
        /// The DID.
        did: String,
        /// A node's API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
    },
    /// Register a child who has no birth certificate: seal the minimal data in your vault,
    /// record the registration, and issue the child's credential to the wallet key that
    /// will carry it. Prints the child's pseudonymous id.
    RegisterChild(RegisterChildArgs),
    /// Issue a guardian-link credential: this adult is this child's guardian, from one
    /// date to another.
    LinkGuardian(LinkGuardianArgs),
    /// Change a child's guardian: revoke the old guardian link and issue a new one, both
    /// on the ledger (the child's history shows the change).
    ChangeGuardian(ChangeGuardianArgs),
    /// Issue a survivor an identity credential, or a "recognised survivor" credential for
    /// access to services without retelling their story.
    IssueSurvivor(IssueSurvivorArgs),
    /// Revoke (final), suspend or reinstate a credential you issued.
    SetStatus {
        /// The issuer key file (names the DID).
        #[arg(long)]
        issuer_key: PathBuf,
        /// The credential's status index (printed when it was issued).
        #[arg(long)]
        idx: u32,
        /// revoked, suspended or valid.
        #[arg(long)]
        status: String,
        /// Why (public, short).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Flag a registered child missing: every organisation's event stream is told, and
    /// border checks stop the child from the next trust-bundle refresh.
    Missing {
        /// The child's id (c-…).
        child: String,
        /// Why (public, short; no story).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Clear a missing flag (the flagging organisation or the registrar).
    Found {
        /// The child's id.
        child: String,
        /// Why (public, short).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// A registered child: registrar, record, missing flag, and its credentials' statuses.
    Child {
        /// The child's id.
        child: String,
        #[command(flatten)]
        who: Who,
    },
    /// Save the trust bundle a border post checks against with no network (members only:
    /// it lists the children flagged missing).
    TrustBundle {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        who: Who,
    },
}

/// Where a credential goes and how long it lasts.
#[derive(Args)]
pub struct IssueTo {
    /// The issuer key file.
    #[arg(long)]
    pub(crate) issuer_key: PathBuf,
    /// The holder's wallet key, as a did:key (`unchain wallet new-key`).
    #[arg(long)]
    pub(crate) holder: String,
    /// Where to write the credential (an SD-JWT; give it to the holder's wallet).
    #[arg(long)]
    pub(crate) out: PathBuf,
}

/// Arguments of `unchain identity register-child`.
#[derive(Args)]
pub struct RegisterChildArgs {
    #[command(flatten)]
    to: IssueTo,
    /// Given name.
    #[arg(long)]
    given_name: String,
    /// Family name, if known.
    #[arg(long)]
    family_name: Option<String>,
    /// Date of birth, YYYY-MM-DD or an estimate as YYYY.
    #[arg(long)]
    birth_date: Option<String>,
    /// Sex, as recorded (F, M, X).
    #[arg(long)]
    sex: Option<String>,
    /// Country of birth, ISO 3166 alpha-2, if known.
    #[arg(long)]
    birth_country: Option<String>,
    /// Where the registration took place (office, camp).
    #[arg(long)]
    registered_at: Option<String>,
    /// How many years the credential is valid.
    #[arg(long, default_value_t = 5)]
    valid_years: u64,
    /// Also write a printable card (HTML): the child id, the registrar, the validity, and
    /// the credential as a QR code for loading into the carrying wallet.
    #[arg(long)]
    card: Option<PathBuf>,
    #[command(flatten)]
    who: Who,
}

/// Arguments of `unchain identity link-guardian`.
#[derive(Args)]
pub struct LinkGuardianArgs {
    #[command(flatten)]
    to: IssueTo,
    /// The child's id (c-…).
    #[arg(long)]
    child: String,
    /// mother, father, grandparent, legal guardian, …
    #[arg(long)]
    relationship: String,
    /// The guardian's name, if they wish to be able to disclose it.
    #[arg(long)]
    guardian_name: Option<String>,
    /// First day of the link (YYYY-MM-DD; default today).
    #[arg(long)]
    from: Option<String>,
    /// Last day of the link (YYYY-MM-DD).
    #[arg(long)]
    until: String,
    #[command(flatten)]
    who: Who,
}

/// Arguments of `unchain identity change-guardian`.
#[derive(Args)]
pub struct ChangeGuardianArgs {
    #[command(flatten)]
    to: IssueTo,
    /// The child's id (c-…).
    #[arg(long)]
    child: String,
    /// The status index of the guardian link to revoke.
    #[arg(long)]
    old_idx: u32,
    /// Why (public, short: "court order 2026/114").
    #[arg(long)]
    reason: String,
    /// The new guardian's relationship to the child.
    #[arg(long)]
    relationship: String,
    /// The new guardian's name, if they wish to be able to disclose it.
    #[arg(long)]
    guardian_name: Option<String>,
    /// Last day of the new link (YYYY-MM-DD).
    #[arg(long)]
    until: String,
    #[command(flatten)]
    who: Who,
}

/// Arguments of `unchain identity issue-survivor`.
#[derive(Args)]
pub struct IssueSurvivorArgs {
    #[command(flatten)]
    to: IssueTo,
    /// identity (an identity attestation) or recognised (recognised as a survivor).
    #[arg(long)]
    kind: String,
    /// Given name (identity).
    #[arg(long)]
    given_name: Option<String>,
    /// Family name (identity).
    #[arg(long)]
    family_name: Option<String>,
    /// Date of birth (identity).
    #[arg(long)]
    birth_date: Option<String>,
    /// Nationality, ISO 3166 alpha-2 (identity).
    #[arg(long)]
    nationality: Option<String>,
    /// Services the survivor is entitled to (recognised), comma-separated.
    #[arg(long, value_delimiter = ',')]
    services: Vec<String>,
    /// How many years the credential is valid.
    #[arg(long, default_value_t = 2)]
    valid_years: u64,
    #[command(flatten)]
    who: Who,
}

/// An issuing DID's keys.
#[derive(Debug, Serialize, Deserialize)]
struct IssuerFile {
    did: String,
    key_id: String,
    seed: String,
    #[serde(default)]
    retired: Vec<RetiredKey>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RetiredKey {
    key_id: String,
    seed: String,
}

impl IssuerFile {
    fn load(path: &Path) -> anyhow::Result<IssuerFile> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading issuer key {}", path.display()))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not an issuer key file", path.display()))
    }

    fn save(&self, path: &Path, fresh: bool) -> anyhow::Result<()> {
        if fresh && path.exists() {
            bail!(
                "{} already exists; refusing to overwrite a key file",
                path.display()
            );
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }

    fn key(&self) -> anyhow::Result<SigningKey> {
        Ok(SigningKey::from_hex(&self.seed)?)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// Seconds at 00:00 UTC of `YYYY-MM-DD`.
fn day_start(field: &str, date: &str) -> anyhow::Result<u64> {
    let t = humantime::parse_rfc3339(&format!("{date}T00:00:00Z"))
        .map_err(|e| anyhow::anyhow!("{field} {date:?}: not a date YYYY-MM-DD ({e})"))?;
    Ok(t.duration_since(UNIX_EPOCH)
        .map_err(|_| anyhow::anyhow!("{field}: before 1970"))?
        .as_secs())
}

fn holder_key(did: &str) -> anyhow::Result<PublicKey> {
    parse_did_key(did).map_err(|e| anyhow::anyhow!("--holder: {e} (give the wallet key's did:key)"))
}

/// The DID as the ledger has it, checked against the key file.
async fn issuer_state(s: &Session, file: &IssuerFile) -> anyhow::Result<DidState> {
    let dids: Vec<DidState> = s
        .client
        .get_json(&format!("/v1/identity/controllers/{}", s.keys.name))
        .await?;
    let state = dids
        .into_iter()
        .find(|d| d.did == file.did)
        .with_context(|| format!("{} is not a DID of {} on this chain", file.did, s.keys.name))?;
    if let Some(d) = &state.deactivated {
        bail!(
            "{} was deactivated ({}); it issues nothing",
            file.did,
            d.reason
        );
    }
    let (kid, mk) = unchain_identity::rules::current_key(&state);
    if kid != file.key_id || mk != multikey(&file.key()?.public_key()) {
        bail!(
            "the issuer key file holds {} but the DID's current key is {kid}: use the file that rotated it",
            file.key_id
        );
    }
    Ok(state)
}

/// Signs a credential, records its issuance, writes it to `to.out`; returns its index.
pub(crate) async fn issue(
    s: &Session,
    to: &IssueTo,
    vct: &str,
    child: Option<&str>,
    nbf: Option<u64>,
    exp: u64,
    selective: Vec<(String, Value)>,
) -> anyhow::Result<u32> {
    let file = IssuerFile::load(&to.issuer_key)?;
    let issuer = issuer_state(s, &file).await?;
    let holder = holder_key(&to.holder)?;
    let next: Value = s
        .client
        .get_json(&format!("/v1/identity/next/{}", issuer.did))
        .await?;
    let idx = next["idx"].as_u64().context("the node's next index")? as u32;
    let mut always = Map::new();
    if let Some(c) = child {
        always.insert("child_id".into(), c.into());
    }
    let issued = credential::issue(
        &issuer,
        &file.key()?,
        &Draft {
            vct: vct.into(),
            idx,
            holder,
            iat: now_ms() / 1000,
            nbf,
            exp,
            always,
            selective,
        },
        &mut rand::thread_rng(),
    );
    let mut body = json!({
        "issuer": issuer.did, "idx": idx, "vct": vct, "digest": issued.digest, "at_ms": now_ms(),
    });
    if let Some(c) = child {
        body["child"] = c.into();
    }
    s.submit_quiet("identity.issue", body).await?;
    std::fs::write(&to.out, &issued.sd_jwt)
        .with_context(|| format!("writing {}", to.out.display()))?;
    eprintln!(
        "issued {vct} (status index {idx} of {}) to {}; credential in {}",
        issuer.did,
        to.holder,
        to.out.display()
    );
    Ok(idx)
}

fn push(v: &mut Vec<(String, Value)>, name: &str, value: &Option<String>) {
    if let Some(x) = value {
        v.push((name.into(), x.clone().into()));
    }
}

const YEAR_S: u64 = 365 * 24 * 3600;

/// Runs an `identity` subcommand.
pub async fn identity(cmd: IdentityCommand) -> anyhow::Result<()> {
    match cmd {
        IdentityCommand::DidCreate {
            label,
            issuer_key,
            who,
        } => {
            let s = Session::open(&who).await?;
            let did = create_did(&s, &label, &issuer_key).await?;
            eprintln!("created {did}; its key is in {}", issuer_key.display());
            println!("{did}");
            Ok(())
        }
        IdentityCommand::DidRotate {
            issuer_key,
            compromised,
            who,
        } => {
            let s = Session::open(&who).await?;
            let mut file = IssuerFile::load(&issuer_key)?;
            let state = issuer_state(&s, &file).await?;
            let key = SigningKey::generate(&mut rand::thread_rng());
            let mut body =
                json!({"did": state.did, "key": multikey(&key.public_key()), "at_ms": now_ms()});
            if compromised {
                body["compromised"] = true.into();
                eprintln!(
                    "{} reported compromised: every credential it signed fails from the next trust bundle; issue them again",
                    file.key_id
                );
            }
            s.submit_quiet("identity.did_rotate", body).await?;
            file.retired.push(RetiredKey {
                key_id: file.key_id.clone(),
                seed: file.seed.clone(),
            });
            file.key_id = format!("key-{}", state.keys.len() + 1);
            file.seed = hex::encode(key.seed());
            file.save(&issuer_key, false)?;
            println!("{}#{}", file.did, file.key_id);
            Ok(())
        }
        IdentityCommand::DidDeactivate {
            issuer_key,
            reason,
            who,
        } => {
            let s = Session::open(&who).await?;
            let file = IssuerFile::load(&issuer_key)?;
            s.submit(
                "identity.did_deactivate",
                json!({"did": file.did, "reason": reason, "at_ms": now_ms()}),
            )
            .await
        }
        IdentityCommand::Resolve { did, node } => {
            let client = unchain_client::Client::new(&node);
            let doc: Value = client.get_json(&format!("/v1/identity/dids/{did}")).await?;
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        IdentityCommand::RegisterChild(a) => register_child(a).await,
        IdentityCommand::LinkGuardian(a) => {
            let s = Session::open(&a.who).await?;
            let idx = link_guardian(
                &s,
                &a.to,
                &a.child,
                &a.relationship,
                a.guardian_name.as_deref(),
                a.from.as_deref(),
                &a.until,
            )
            .await?;
            println!("{idx}");
            Ok(())
        }
        IdentityCommand::ChangeGuardian(a) => {
            let s = Session::open(&a.who).await?;
            let file = IssuerFile::load(&a.to.issuer_key)?;
            let old: unchain_identity::Issued = s
                .get(&format!("/v1/identity/issued/{}/{}", file.did, a.old_idx))
                .await?;
            if old.vct != GUARDIAN_LINK || old.child.as_deref() != Some(a.child.as_str()) {
                bail!(
                    "--old-idx {}: that credential is a {} about {}, not a guardian link for {}",
                    a.old_idx,
                    old.vct,
                    old.child.as_deref().unwrap_or("no child"),
                    a.child
                );
            }
            s.submit_quiet(
                "identity.status",
                json!({"issuer": file.did, "idx": a.old_idx, "status": "revoked", "reason": a.reason, "at_ms": now_ms()}),
            )
            .await?;
            eprintln!("revoked guardian link {} of {}", a.old_idx, a.child);
            let idx = link_guardian(
                &s,
                &a.to,
                &a.child,
                &a.relationship,
                a.guardian_name.as_deref(),
                None,
                &a.until,
            )
            .await?;
            println!("{idx}");
            Ok(())
        }
        IdentityCommand::IssueSurvivor(a) => {
            let s = Session::open(&a.who).await?;
            let mut sel = Vec::new();
            let vct = match a.kind.as_str() {
                "identity" => {
                    push(&mut sel, "given_name", &a.given_name);
                    push(&mut sel, "family_name", &a.family_name);
                    push(&mut sel, "birth_date", &a.birth_date);
                    push(&mut sel, "nationality", &a.nationality);
                    SURVIVOR_IDENTITY
                }
                "recognised" => {
                    sel.push(("services".into(), json!(a.services)));
                    RECOGNISED_SURVIVOR
                }
                other => bail!("--kind {other:?}: identity or recognised"),
            };
            let exp = now_ms() / 1000 + a.valid_years * YEAR_S;
            let idx = issue(&s, &a.to, vct, None, None, exp, sel).await?;
            println!("{idx}");
            Ok(())
        }
        IdentityCommand::SetStatus {
            issuer_key,
            idx,
            status,
            reason,
            who,
        } => {
            let s = Session::open(&who).await?;
            let file = IssuerFile::load(&issuer_key)?;
            if !["revoked", "suspended", "valid"].contains(&status.as_str()) {
                bail!("--status {status:?}: revoked, suspended or valid");
            }
            s.submit(
                "identity.status",
                json!({"issuer": file.did, "idx": idx, "status": status, "reason": reason, "at_ms": now_ms()}),
            )
            .await
        }
        IdentityCommand::Missing { child, reason, who } => flag(&who, &child, true, &reason).await,
        IdentityCommand::Found { child, reason, who } => flag(&who, &child, false, &reason).await,
        IdentityCommand::Child { child, who } => {
            let s = Session::open(&who).await?;
            let v: Value = s.get(&format!("/v1/identity/children/{child}")).await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        IdentityCommand::TrustBundle { out, who } => {
            let bundle = fetch_trust_bundle(&Session::open(&who).await?).await?;
            std::fs::write(&out, serde_json::to_vec_pretty(&bundle)?)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "trust bundle: {} entries at log size {} -> {}",
                bundle["entries"].as_array().map_or(0, Vec::len),
                bundle["tree_size"],
                out.display()
            );
            Ok(())
        }
    }
}

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
    issue(s, to, GUARDIAN_LINK, Some(child), Some(nbf), exp, sel).await
}

/// Creates a DID controlled by the session's organisation; its key goes to `issuer_key`.
pub(crate) async fn create_did(
    s: &Session,
    label: &str,
    issuer_key: &Path,
) -> anyhow::Result<String> {
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
    IssuerFile {
        did: did.clone(),
        key_id: "key-1".into(),
        seed: hex::encode(key.seed()),
        retired: Vec::new(),
    }
    .save(issuer_key, true)?;
    Ok(did)
}

/// The node's trust bundle, waiting up to 60 s for a cosigned checkpoint that covers it.
pub(crate) async fn fetch_trust_bundle(s: &Session) -> anyhow::Result<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match s.get::<Value>("/v1/identity/trust-bundle").await {
            Ok(b) => return Ok(b),
            Err(e) if std::time::Instant::now() < deadline && e.to_string().contains("503") => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn flag(who: &Who, child: &str, missing: bool, reason: &str) -> anyhow::Result<()> {
    let s = Session::open(who).await?;
    s.submit(
        "identity.missing",
        json!({"child": child, "missing": missing, "reason": reason, "at_ms": now_ms()}),
    )
    .await
}

async fn register_child(a: RegisterChildArgs) -> anyhow::Result<()> {
    let s = Session::open(&a.who).await?;
    if let Some(d) = &a.birth_date
        && !(d.len() == 4 && d.parse::<u16>().is_ok())
    {
        day_start("--birth-date", d)?;
    }
    let mut sel = vec![("given_name".to_owned(), Value::from(a.given_name.clone()))];
    push(&mut sel, "family_name", &a.family_name);
    push(&mut sel, "birth_date", &a.birth_date);
    push(&mut sel, "sex", &a.sex);
    push(&mut sel, "birth_country", &a.birth_country);
    push(&mut sel, "registered_at", &a.registered_at);
    let child = register(&s, &a.to, sel, a.valid_years, a.card.as_deref()).await?;
    println!("{child}");
    Ok(())
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
    issue(s, to, CHILD, Some(&child), None, exp, claims).await?;
    if let Some(card) = card {
        let file = IssuerFile::load(&to.issuer_key)?;
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
