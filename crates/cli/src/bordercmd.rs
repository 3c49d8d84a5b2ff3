//! `unchain border`: the border post's side, fully offline. `challenge` makes a nonce for
//! the travellers' wallets; `check` judges a child's and an adult's presentations against
//! a trust bundle saved earlier (`unchain identity trust-bundle`), with no network.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use unchain_identity::border::{self, Challenge, Verdict};
use unchain_identity::trust::{self, TrustBundle};
use unchain_log::NamedKey;

/// `unchain border …`.
#[derive(Subcommand)]
pub enum BorderCommand {
    /// Print a fresh nonce for one check: show it to both wallets.
    Challenge,
    /// Check a child's and an adult's presentations against a trust bundle, offline.
    /// Exit status 0 for VALID, 2 for any other verdict.
    Check(CheckArgs),
}

/// Arguments of `unchain border check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The trust bundle.
    #[arg(long)]
    bundle: PathBuf,
    /// The consortium's genesis file: its validator keys are the trust anchor. Without
    /// it, the keys carried in the bundle are used (and the output says so).
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// The child's presentation file.
    #[arg(long)]
    child: PathBuf,
    /// The accompanying adult's presentation file.
    #[arg(long)]
    adult: PathBuf,
    /// This border post's identifier (the presentations' audience).
    #[arg(long)]
    aud: String,
    /// The nonce shown to the wallets for this check.
    #[arg(long)]
    nonce: String,
    /// How old a trust bundle may be before the verdict carries a warning.
    #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
    max_bundle_age: Duration,
    /// How old a presentation may be.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    max_presentation_age: Duration,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
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

fn check(a: CheckArgs) -> anyhow::Result<i32> {
    let bundle: TrustBundle = serde_json::from_str(&read(&a.bundle)?)
        .with_context(|| format!("{} is not a trust bundle", a.bundle.display()))?;
    let (validators, source) = match &a.genesis {
        Some(path) => {
            let g = unchain_node::run::load_genesis(path)?;
            if g.chain_id != bundle.chain_id {
                bail!(
                    "the bundle is for chain {}, the genesis {} is chain {}",
                    bundle.chain_id,
                    path.display(),
                    g.chain_id
                );
            }
            (
                g.checkpoint_verifiers(),
                format!("validator keys of {}", path.display()),
            )
        }
        None => (
            bundle.validators.iter().map(NamedKey::verifier).collect(),
            "keys carried in the bundle (pass --genesis to pin the consortium's)".into(),
        ),
    };
    let quorum = unchain_ledger::cosign::quorum(validators.len());
    let trust =
        trust::verify(&bundle, &validators, quorum).context("THE TRUST BUNDLE DOES NOT VERIFY")?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
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
        2
    })
}
