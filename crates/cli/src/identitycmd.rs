//! `unchain identity`: an organisation's DIDs (create, rotate, deactivate, resolve), child
//! registration and guardian links, survivor credentials, revocation, missing-child
//! flags, and the trust bundle for border posts.
//!
//! An issuing DID's private key lives in an issuer key file (`--issuer-key`, written
//! `0600`), apart from the organisation's member key: a registry office can hold its own.
//! Credentials are signed here; the ledger records each issuance's digest and status index.

use crate::issuing::{
    YEAR_S, create_did, day_start, fetch_cosigned, fetch_trust_bundle, issue, issuer_state,
    link_guardian, push, register,
};
use crate::session::{Session, Who, now_ms};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::PathBuf;
use unchain_credentials::did::multikey;
use unchain_identity::credential::{GUARDIAN_LINK, RECOGNISED_SURVIVOR, SURVIVOR_IDENTITY};
use unchain_types::SigningKey;

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
        /// The origin that serves this DID's Status List Token to verifiers outside the
        /// consortium (`https://registry-node.example`): every credential it issues names
        /// its status list there, and `unchain identity publish-status` keeps it signed.
        #[arg(long, env = "UNCHAIN_STATUS_ORIGIN")]
        status_origin: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Sign the DID's status list as a Status List Token (IETF draft-ietf-oauth-status-list)
    /// and hand it to your node, which serves it to any verifier at the list's URL
    /// (`Accept: application/statuslist+jwt`). `set-status` does this after each change;
    /// run it also before the last token expires (e.g. daily, from cron).
    PublishStatus {
        /// The issuer key file (names the DID).
        #[arg(long)]
        issuer_key: PathBuf,
        /// How long the token is good for (e.g. `1d`, `12h`).
        #[arg(long, default_value = "1d", value_parser = humantime::parse_duration)]
        valid_for: std::time::Duration,
        /// How long a verifier may cache it (the token's `ttl`).
        #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
        cache_for: std::time::Duration,
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
    /// Save credentials' standing: issuer, status and the child's missing flag, proven
    /// against the cosigned state root (members only). Smaller than a trust bundle, and
    /// `unchain border check --bundle` takes either.
    Standing {
        /// A credential as ISSUER_DID:STATUS_INDEX (repeatable).
        #[arg(long = "credential", value_name = "ISSUER:IDX")]
        credentials: Vec<String>,
        /// A credential or presentation file (SD-JWT) whose issuer and status index to
        /// prove (repeatable).
        #[arg(long = "from", value_name = "FILE")]
        from: Vec<PathBuf>,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        who: Who,
    },
}

/// How long a token `set-status` signs is good for, and may be cached.
const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
const CACHE: std::time::Duration = std::time::Duration::from_secs(300);

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

/// Runs an `identity` subcommand.
pub async fn identity(cmd: IdentityCommand) -> anyhow::Result<()> {
    match cmd {
        IdentityCommand::DidCreate {
            label,
            issuer_key,
            status_origin,
            who,
        } => {
            let s = Session::open(&who).await?;
            let did = create_did(&s, &label, &issuer_key, status_origin.as_deref()).await?;
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
            let mut file = crate::issuing::load_issuer(&issuer_key)?;
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
            file.retired.push(unchain_identity::client::RetiredKey {
                key_id: file.key_id.clone(),
                seed: file.seed.clone(),
            });
            file.key_id = format!("key-{}", state.keys.len() + 1);
            file.seed = hex::encode(key.seed());
            crate::issuing::save_issuer(&file, &issuer_key, false)?;
            println!("{}#{}", file.did, file.key_id);
            Ok(())
        }
        IdentityCommand::DidDeactivate {
            issuer_key,
            reason,
            who,
        } => {
            let s = Session::open(&who).await?;
            let file = crate::issuing::load_issuer(&issuer_key)?;
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
            let file = crate::issuing::load_issuer(&a.to.issuer_key)?;
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
            let idx = issue(
                &s,
                &a.to,
                crate::issuing::Claims {
                    vct,
                    child: None,
                    nbf: None,
                    exp,
                    selective: sel,
                    always: serde_json::Map::new(),
                },
            )
            .await?;
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
            let file = crate::issuing::load_issuer(&issuer_key)?;
            if !["revoked", "suspended", "valid"].contains(&status.as_str()) {
                bail!("--status {status:?}: revoked, suspended or valid");
            }
            s.submit(
                "identity.status",
                json!({"issuer": file.did, "idx": idx, "status": status, "reason": reason, "at_ms": now_ms()}),
            )
            .await?;
            // Outside verifiers read the signed token: sign the changed list at once.
            let url = crate::issuing::publish_status(&s, &file, DAY, CACHE).await?;
            eprintln!("status list token signed and served at {url}");
            Ok(())
        }
        IdentityCommand::PublishStatus {
            issuer_key,
            valid_for,
            cache_for,
            who,
        } => {
            let s = Session::open(&who).await?;
            let file = crate::issuing::load_issuer(&issuer_key)?;
            let url = crate::issuing::publish_status(&s, &file, valid_for, cache_for).await?;
            eprintln!(
                "status list token of {} good for {}; served at",
                file.did,
                humantime::format_duration(valid_for)
            );
            println!("{url}");
            Ok(())
        }
        IdentityCommand::Missing { child, reason, who } => flag(&who, &child, true, &reason).await,
        IdentityCommand::Found { child, reason, who } => flag(&who, &child, false, &reason).await,
        IdentityCommand::Child { child, who } => {
            let s = Session::open(&who).await?;
            let v: Value = s.get(&format!("/v1/identity/children/{child}")).await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        IdentityCommand::Standing {
            mut credentials,
            from,
            out,
            who,
        } => {
            for path in &from {
                credentials.push(credential_of_file(path)?);
            }
            anyhow::ensure!(
                !credentials.is_empty(),
                "name at least one credential: --credential ISSUER:IDX or --from FILE"
            );
            let path = format!(
                "/v1/identity/standing?credentials={}",
                credentials.join(",")
            );
            let bundle = fetch_cosigned(&Session::open(&who).await?, &path).await?;
            crate::output::write(&out, serde_json::to_vec_pretty(&bundle)?)?;
            eprintln!(
                "standing of {} credential(s): {} proofs against the state after block {} -> {}",
                credentials.len(),
                bundle["proofs"].as_array().map_or(0, Vec::len),
                bundle["state_height"],
                out.display()
            );
            Ok(())
        }
        IdentityCommand::TrustBundle { out, who } => {
            let bundle = fetch_trust_bundle(&Session::open(&who).await?).await?;
            crate::output::write(&out, serde_json::to_vec_pretty(&bundle)?)?;
            let entries = bundle["entries"].as_array().map_or(0, Vec::len);
            eprintln!(
                "trust bundle: {entries} {} at log size {} -> {}",
                if entries == 1 { "entry" } else { "entries" },
                bundle["tree_size"],
                crate::output::shown(&out)
            );
            Ok(())
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

/// `ISSUER:IDX` of the SD-JWT (credential or presentation) in `path`, read without
/// verifying it: the standing proves what the ledger holds for it, and the check verifies.
fn credential_of_file(path: &std::path::Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let jws = unchain_credentials::sdjwt::SdJwt::parse(text.trim())
        .and_then(|s| s.unverified())
        .map_err(|e| anyhow::anyhow!("{} is not an SD-JWT: {e}", path.display()))?;
    let iss = jws
        .payload
        .get("iss")
        .and_then(Value::as_str)
        .with_context(|| format!("{}: the credential has no `iss`", path.display()))?;
    let (_, idx) = unchain_identity::credential::status_ref(&jws.payload).with_context(|| {
        format!(
            "{}: the credential names no status list entry",
            path.display()
        )
    })?;
    Ok(format!("{iss}:{idx}"))
}
