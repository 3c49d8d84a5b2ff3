//! Goods' provenance bundle (the public page's `?format=bundle`, or `GET
//! /01/{gtin}/10/{lot}?format=bundle`): every transaction's signature and inclusion, the
//! checkpoint, and the tiers and findings recomputed from the events with the ledger's own
//! graph and propagation rules; optionally the page, rendered from what verified.

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::PathBuf;
use unchain_supply::bundle::{self, ProvenanceBundle, VerifiedProvenance};
use unchain_supply::report;

/// Arguments of `unchain-verify provenance` (`unchain verify provenance`).
#[derive(clap::Args, Debug)]
pub struct ProvenanceArgs {
    /// A bundle saved from a provenance page (`?format=bundle`).
    pub bundle: PathBuf,
    /// Trust the validator and member keys of this genesis file. Without it, the keys in
    /// the bundle are used, which proves integrity but not who signed.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Also write the page (HTML, with the tiers as a picture) here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Also write the due-diligence dossier (printable HTML, naming the bundle's SHA-256)
    /// here.
    #[arg(long)]
    pub dossier: Option<PathBuf>,
    /// Also write the dossier as JSON (summary, goods covered, the verified view, the
    /// bundle's SHA-256) here.
    #[arg(long)]
    pub dossier_json: Option<PathBuf>,
    /// Also write what verified, as JSON, here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Reads and verifies the bundle `a` names, printing what it proves; writes the page when
/// asked.
pub fn run(a: &ProvenanceArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let b: ProvenanceBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a provenance bundle", a.bundle.display()))?;
    let anchor = Anchor::for_bundle(a.genesis.as_deref(), &b.envelope, &b.members)?;
    let quorum = anchor.quorum();
    let v = bundle::verify(&b, &anchor.validators, quorum, &anchor.members)
        .context("VERIFICATION FAILED")?;
    print(&v);
    println!(
        "  signed by    {} (quorum {quorum} of {})",
        v.signers.join(", "),
        anchor.validators.len()
    );
    println!("  trusting     {}", anchor.source);
    let write = |path: &PathBuf, bytes: Vec<u8>, what: &str| -> anyhow::Result<()> {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("saved the {what} to {}", path.display());
        Ok(())
    };
    if let Some(path) = &a.html {
        write(path, report::html(&v).into_bytes(), "page")?;
    }
    if let Some(path) = &a.dossier {
        let sha = unchain_types::Hash32::digest(&text).to_hex();
        write(
            path,
            unchain_supply::dossier::html(&v, &sha).into_bytes(),
            "dossier",
        )?;
    }
    if let Some(path) = &a.dossier_json {
        let sha = unchain_types::Hash32::digest(&text).to_hex();
        write(
            path,
            serde_json::to_vec_pretty(&unchain_supply::dossier::json(&v, &sha))?,
            "dossier (JSON)",
        )?;
    }
    if let Some(path) = &a.json {
        write(path, serde_json::to_vec_pretty(&v)?, "verified view")?;
    }
    Ok(())
}

fn print(v: &VerifiedProvenance) {
    println!("VERIFIED provenance of {}", v.goods);
    for t in &v.tiers {
        let at = match (&t.registered, &t.facility) {
            (Some(f), Some(id)) => format!("made at {} ({}, {}) {id}", f.name, f.country, f.sector),
            (None, Some(id)) => format!("made at {id}"),
            _ => "where made: not in the record".into(),
        };
        println!("  tier {:<2} {}  {at}", t.depth, report::label(&t.node));
    }
    let flags: Vec<_> = v.flags().collect();
    if flags.is_empty() {
        println!("  no open finding of forced labour reaches these goods in this record");
    }
    for f in &v.findings {
        let status = if f.remediated {
            "remediated (verified by its author)".to_owned()
        } else if f.path.is_empty() {
            "open, does not reach these goods".to_owned()
        } else {
            format!(
                "OPEN, REACHES THESE GOODS through {}",
                report::route(&f.path)
            )
        };
        println!(
            "  finding {}  {} ({:?}) by {}: {status}",
            f.id,
            f.indicator.title(),
            f.severity,
            f.author
        );
    }
    println!(
        "  log          {} events in the bundle, checkpoint size {}",
        v.events, v.tree_size
    );
}
