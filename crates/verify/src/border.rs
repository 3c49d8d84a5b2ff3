//! The border post's side and a shelter's, fully offline: a credential presentation
//! against a trust bundle saved earlier (`unchain identity trust-bundle`), and the border
//! check of a child travelling with an adult. `challenge` makes the nonce for the wallets.

use crate::anchor::Anchor;
use anyhow::Context as _;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Duration;
use unchain_identity::border::{self, Challenge, Verdict};
use unchain_identity::standing::{self, StandingBundle};
use unchain_identity::trust::{self, TrustBundle, TrustState};

/// `unchain border …`.
#[derive(Subcommand, Debug)]
pub enum BorderCommand {
    /// Print a fresh nonce for one check: show it to both wallets.
    Challenge,
    /// Check a child's and an adult's presentations against a trust bundle, offline.
    /// Exit status 0 for VALID, 2 for any other verdict.
    Check(CheckArgs),
}

/// Arguments of `unchain border check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The trust bundle, or the standing of both credentials (`unchain identity standing`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// The consortium's genesis file: its validator keys are the trust anchor. Without
    /// it, the keys carried in the bundle are used (and the output says so).
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// The child's presentation file.
    #[arg(long)]
    pub child: PathBuf,
    /// The accompanying adult's presentation file.
    #[arg(long)]
    pub adult: PathBuf,
    /// This border post's identifier (the presentations' audience).
    #[arg(long)]
    pub aud: String,
    /// The nonce shown to the wallets for this check.
    #[arg(long)]
    pub nonce: String,
    /// How old a trust bundle may be before the verdict carries a warning.
    #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
    pub max_bundle_age: Duration,
    /// How old a presentation may be.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub max_presentation_age: Duration,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn read(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(crate::read(path)?)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// Now, for the presentations' freshness: the one clock an offline check reads.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Runs a `border` subcommand; returns the process exit status.
pub fn border(cmd: BorderCommand) -> anyhow::Result<i32> {
    match cmd {
        BorderCommand::Challenge => {
            let mut b = [0u8; 12];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
            println!("{}", hex::encode(b));
            Ok(0)
        }
        BorderCommand::Check(a) => check(a),
    }
}

/// Reads and verifies a trust bundle — a full one (`unchain identity trust-bundle`) or
/// credentials' standing (`unchain identity standing`), told apart by their `entries` and
/// `proofs` — against `genesis`'s validator keys (or, without it, the keys it carries);
/// returns the state and where the keys came from.
pub fn load_trust(path: &Path, genesis: Option<&Path>) -> anyhow::Result<(TrustState, String)> {
    let text = read(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let anchor_of = |envelope: &unchain_bundle::Envelope| match genesis {
        Some(path) => Anchor::genesis_for(path, envelope, "validator keys"),
        None => Ok(Anchor::carried(
            envelope,
            Vec::new(),
            "keys carried in the bundle (pass --genesis to pin the consortium's)",
        )),
    };
    if value.get("proofs").is_some() {
        let bundle: StandingBundle = serde_json::from_value(value)
            .with_context(|| format!("{} is not a credential standing", path.display()))?;
        let anchor = anchor_of(&bundle.state.envelope)?;
        let trust = standing::verify(&bundle, &anchor.validators, anchor.quorum())
            .context("THE STANDING DOES NOT VERIFY")?;
        return Ok((trust, anchor.source));
    }
    let bundle: TrustBundle = serde_json::from_value(value)
        .with_context(|| format!("{} is not a trust bundle", path.display()))?;
    let anchor = anchor_of(&bundle.envelope)?;
    let trust = trust::verify(&bundle, &anchor.validators, anchor.quorum())
        .context("THE TRUST BUNDLE DOES NOT VERIFY")?;
    Ok((trust, anchor.source))
}

/// `check`: judges a child's and an adult's presentations; returns the exit status (0
/// for VALID, [`crate::exit::NOT_VALID`] for any other verdict, which is printed).
pub fn check(a: CheckArgs) -> anyhow::Result<i32> {
    let (trust, source) = load_trust(&a.bundle, a.genesis.as_deref())?;
    let now_ms = now_ms();
    let report = border::check(
        &trust,
        read(&a.child)?.trim(),
        read(&a.adult)?.trim(),
        &Challenge {
            aud: &a.aud,
            nonce: &a.nonce,
            now_ms,
            max_presentation_age_s: a.max_presentation_age.as_secs(),
        },
        a.max_bundle_age.as_millis() as u64,
    );
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.verdict.headline());
        for r in &report.reasons {
            println!("  - {r}");
        }
        if let Some(rel) = &report.relationship {
            println!("  relationship: {rel}");
        }
        if let Some(i) = &report.child_issuer {
            println!("  child registered by {i}");
        }
        let age = humantime::format_duration(Duration::from_secs(report.bundle.age_ms / 1000));
        println!(
            "  trust bundle: log size {}, exported {} ago, checkpoint signed by {} ({})",
            report.bundle.tree_size,
            age,
            trust.signers.join(", "),
            source
        );
    }
    Ok(if report.verdict == Verdict::Valid {
        0
    } else {
        crate::exit::NOT_VALID
    })
}

/// Arguments of `unchain verify presentation`.
#[derive(Args, Debug)]
pub struct PresentationArgs {
    /// The presentation file (from `unchain wallet present`).
    pub presentation: PathBuf,
    /// The trust bundle (`unchain identity trust-bundle`), or the credential's standing
    /// (`unchain identity standing`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// The consortium's genesis file: its validator keys are the trust anchor.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Your identifier as the verifier (the presentation's audience).
    #[arg(long)]
    pub aud: String,
    /// The nonce you gave the holder.
    #[arg(long)]
    pub nonce: String,
    /// The credential type you require (e.g. urn:unchain:vct:recognised-survivor:1).
    #[arg(long)]
    pub vct: Option<String>,
    /// How old a presentation may be.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub max_presentation_age: Duration,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `unchain verify presentation`: one credential presentation (a survivor's at a shelter),
/// offline; returns the exit status (0 valid, [`crate::exit::NOT_VALID`] not).
pub fn verify_presentation(a: PresentationArgs) -> anyhow::Result<i32> {
    let (trust, source) = load_trust(&a.bundle, a.genesis.as_deref())?;
    let report = border::verify_presentation(
        &trust,
        read(&a.presentation)?.trim(),
        a.vct.as_deref(),
        &Challenge {
            aud: &a.aud,
            nonce: &a.nonce,
            now_ms: now_ms(),
            max_presentation_age_s: a.max_presentation_age.as_secs(),
        },
        u64::MAX,
    );
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.verdict.headline());
        if let Some(r) = &report.reason {
            println!("  - {r}");
        }
        if let (Some(vct), Some(issuer)) = (&report.vct, &report.issuer) {
            println!("  {vct} issued by {issuer}");
        }
        for (k, v) in &report.claims {
            println!("  {k}: {v}");
        }
        let age = humantime::format_duration(Duration::from_secs(report.bundle.age_ms / 1000));
        println!(
            "  trust bundle: log size {}, exported {age} ago ({source})",
            report.bundle.tree_size
        );
    }
    Ok(if report.verdict == Verdict::Valid {
        0
    } else {
        crate::exit::NOT_VALID
    })
}
