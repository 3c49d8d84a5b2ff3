//! A state bundle (`unchain state prove`, or `GET /v1/state/proof?key=`): what the ledger's
//! state held under each key — a value, or nothing — as of the block a cosigned
//! checkpoint's state line names.

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use unchain_bundle::state::{StateBundle, VerifiedState, verify_state_bundle};

/// Arguments of `unchain-verify state` (`unchain verify state`).
#[derive(clap::Args, Debug)]
pub struct StateArgs {
    /// A state bundle saved by `unchain state prove --out` (or from the API).
    pub bundle: PathBuf,
    /// Trust the validator keys of this genesis file. Without it, the keys inside the bundle
    /// are used, which proves integrity but not who signed: say so in court.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
}

/// Reads and verifies the bundle `a` names, printing what it proves.
pub fn run(a: &StateArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let bundle: StateBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a state bundle", a.bundle.display()))?;
    verify(&bundle, a.genesis.as_deref()).map(|_| ())
}

/// Verifies `bundle` (against `genesis`'s validators when given), printing what it proves.
pub fn verify(bundle: &StateBundle, genesis: Option<&Path>) -> anyhow::Result<VerifiedState> {
    let anchor = match genesis {
        Some(path) => Anchor::genesis_for(path, &bundle.envelope, "validators")?,
        None => Anchor::carried(
            &bundle.envelope,
            Vec::new(),
            "validator keys carried in the bundle (pass --genesis to check against a trusted genesis)",
        ),
    };
    let quorum = anchor.quorum();
    let v =
        verify_state_bundle(bundle, &anchor.validators, quorum).context("VERIFICATION FAILED")?;
    println!(
        "VERIFIED the state after block {} (state root {})",
        v.state.height, v.state.root
    );
    for (key, value) in &v.values {
        match value {
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => println!("  {key} = {text}"),
                Err(_) => println!("  {key} = 0x{}", hex::encode(bytes)),
            },
            None => println!("  {key} has no value (proved absent)"),
        }
    }
    println!(
        "  log          {} at size {}",
        bundle.envelope.log_origin, v.tree_size
    );
    println!(
        "  signed by    {} (quorum {quorum} of {})",
        v.signers.join(", "),
        anchor.validators.len()
    );
    println!("  trusting     {}", anchor.source);
    Ok(v)
}
