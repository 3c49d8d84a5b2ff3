//! One transaction's proof bundle (`unchain proof --out`, or `GET /v1/proof/{index}`).

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use unchain_bundle::proof::{ProofBundle, bundle_validators, verify_bundle};

/// Arguments of `unchain-verify proof` (`unchain verify BUNDLE`).
#[derive(clap::Args, Debug)]
pub struct ProofArgs {
    /// A proof bundle saved by `unchain proof --out` (or downloaded from the API).
    pub bundle: PathBuf,
    /// Trust the validator keys of this genesis file. Without it, the keys inside the bundle
    /// are used, which proves integrity but not who signed: say so in court.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
}

/// Reads and verifies the bundle `a` names, printing what it proves.
pub fn run(a: &ProofArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let bundle: ProofBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a proof bundle", a.bundle.display()))?;
    report(&bundle, a.genesis.as_deref())
}

/// Verifies `bundle` (against `genesis`'s validators when given) and prints what it proves.
pub fn report(bundle: &ProofBundle, genesis: Option<&Path>) -> anyhow::Result<()> {
    let mut text = Vec::new();
    report_to(&mut text, bundle, genesis)?;
    // `print!`, so that a reader gone early ends the process quietly
    // (`exit::quiet_on_closed_stdout`), not with an error.
    print!("{}", String::from_utf8_lossy(&text));
    Ok(())
}

/// [`report`], written to `w`; nothing is written when the bundle does not verify.
pub fn report_to(
    w: &mut dyn std::io::Write,
    bundle: &ProofBundle,
    genesis: Option<&Path>,
) -> anyhow::Result<()> {
    let anchor = match genesis {
        Some(path) => Anchor::genesis_for(path, &bundle.envelope(), "validators")?,
        None => Anchor {
            validators: bundle_validators(bundle)?,
            members: Vec::new(),
            source: "validator keys carried in the bundle (pass --genesis to check against a trusted genesis)".into(),
        },
    };
    // More than two thirds of the validators must have signed the checkpoint.
    let quorum = anchor.quorum();
    let v = verify_bundle(bundle, &anchor.validators, quorum).context("VERIFICATION FAILED")?;
    writeln!(w, "VERIFIED")?;
    writeln!(
        w,
        "  transaction  {} ({}, nonce {}, kind {})",
        v.tx.id(),
        v.tx.sender(),
        v.tx.nonce(),
        v.tx.kind()
    )?;
    writeln!(
        w,
        "  log          {} leaf {} of {}",
        bundle.log_origin, v.leaf_index, v.tree_size
    )?;
    writeln!(w, "  root         {}", v.root)?;
    writeln!(
        w,
        "  signed by    {} (quorum {quorum} of {})",
        v.signers.join(", "),
        anchor.validators.len()
    )?;
    writeln!(w, "  trusting     {}", anchor.source)?;
    Ok(())
}
