//! An evidence item's chain-of-custody bundle (`unchain custody bundle`): every event's
//! signature and inclusion, the checkpoint, and the custody rules replayed event by event;
//! optionally the HTML report for a court.

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use unchain_custody::bundle::{self, CustodyBundle, VerifiedCustody};
use unchain_custody::report;

/// Arguments of `unchain-verify custody` (`unchain verify custody`).
#[derive(clap::Args, Debug)]
pub struct CustodyArgs {
    /// A bundle saved by `unchain custody bundle` (or from the API).
    pub bundle: PathBuf,
    /// Trust the validator and member keys of this genesis file. Without it, the keys in
    /// the bundle are used, which proves integrity but not who signed: say so in court.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Also write the human-readable report (HTML) here.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

/// Reads and verifies the bundle `a` names, printing what it proves; writes the report
/// when asked.
pub fn run(a: &CustodyArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let b: CustodyBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a custody bundle", a.bundle.display()))?;
    let v = verify(&b, a.genesis.as_deref())?;
    if let Some(path) = &a.html {
        write_report(&v, path)?;
    }
    Ok(())
}

/// Writes the HTML report of a verified bundle to `path`.
pub fn write_report(v: &VerifiedCustody, path: &Path) -> anyhow::Result<()> {
    std::fs::write(path, report::html(v)).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("saved the report to {}", path.display());
    Ok(())
}

/// Verifies `b` (against `genesis`'s keys when given), printing what it proves.
pub fn verify(b: &CustodyBundle, genesis: Option<&Path>) -> anyhow::Result<VerifiedCustody> {
    let anchor = match genesis {
        Some(path) => Anchor::genesis_for(path, &b.envelope, "validator and member keys")?,
        None => Anchor::carried(
            &b.envelope,
            b.members.clone(),
            "keys carried in the bundle (pass --genesis to check against a trusted genesis)",
        ),
    };
    let quorum = anchor.quorum();
    let v = bundle::verify(b, &anchor.validators, quorum, &anchor.members)
        .context("VERIFICATION FAILED")?;
    let state = v.state();
    println!("VERIFIED chain of custody of item {}", v.item);
    println!("  {} ({})", state.description, state.content_hash);
    for e in &v.events {
        println!(
            "  {:>2}. {}  {:<20} {} user {}  at {}  {}",
            e.number,
            report::utc(e.event.at_ms),
            e.action.past(),
            e.member,
            e.event.actor,
            e.event.location,
            report::details(e.action, &e.event)
        );
    }
    println!(
        "  log          {} at size {}, root {}",
        v.log_origin, v.tree_size, v.root
    );
    println!(
        "  signed by    {} (quorum {quorum} of {})",
        v.signers.join(", "),
        anchor.validators.len()
    );
    println!("  complete     {}", report::completeness(&v));
    println!("  trusting     {}", anchor.source);
    Ok(v)
}
