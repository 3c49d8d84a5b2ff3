//! An agreement's outcome (`unchain agreement bundle`): the proposal, the parties'
//! signatures, the evaluation and the attested outcome, each signed and included under the
//! checkpoint, and the clause re-evaluated here over the facts it read.

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::PathBuf;
use unchain_agree::body::Consequence;
use unchain_agree::bundle::{self, OutcomeBundle, verdict_word};
use unchain_custody::report::utc;

/// Arguments of `unchain-verify agreement` (`unchain verify agreement`).
#[derive(clap::Args, Debug)]
pub struct AgreementArgs {
    /// An outcome's bundle saved by `unchain agreement bundle` (or from the API).
    pub bundle: PathBuf,
    /// Trust the validator and member keys of this genesis file. Without it, the keys in
    /// the bundle are used, which proves integrity but not who signed.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
}

/// Reads and re-checks the outcome `a` names, printing what it proves. An error unless the
/// outcome follows.
pub fn run(a: &AgreementArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let b: OutcomeBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not an outcome's bundle", a.bundle.display()))?;
    // Parties are often admitted after genesis (a brand, a recruiter).
    let anchor = Anchor::for_bundle(a.genesis.as_deref(), &b.envelope, &b.members)?;
    let quorum = anchor.quorum();
    let r = bundle::verify(&b, &anchor.validators, quorum, &anchor.members)
        .context("VERIFICATION FAILED")?;
    println!(
        "VERIFIED outcome {} of agreement {}: clause {} {}",
        b.outcome,
        b.agreement,
        r.clause.id,
        verdict_word(r.result)
    );
    println!(
        "  agreement    {} (parties {})",
        r.title,
        r.parties.join(", ")
    );
    println!("  clause       {}", r.clause.text);
    println!("  in CEL       {}", r.clause.cel);
    println!(
        "  evaluated    at height {}, {} (block time)",
        r.height,
        utc(r.at_ms)
    );
    println!("  facts        SHA-256 {} (recomputed here)", r.facts);
    if let Some(e) = &r.error {
        println!("  error        {e}");
    }
    if let Some(c) = &r.consequence {
        println!("  consequence  {}", consequence(c));
    }
    println!(
        "  log          {} at size {}, root {}",
        b.envelope.log_origin, r.tree_size, r.root
    );
    println!(
        "  signed by    {} (quorum {quorum} of {})",
        r.signers.join(", "),
        anchor.validators.len()
    );
    println!("  trusting     {}", anchor.source);
    println!(
        "  not shown    that the facts were the ledger's state at that height: the validators each gathered them and attested this digest"
    );
    Ok(())
}

fn consequence(c: &Consequence) -> String {
    match c {
        Consequence::Penalty {
            amount,
            currency,
            owed_by,
            owed_to,
        } => format!(
            "a penalty of {} {currency} ({amount} minor units), owed by {owed_by} to {owed_to}",
            unchain_agree::body::decimal(*amount)
        ),
        Consequence::Suspend => "the agreement is suspended".into(),
        Consequence::Notify { to } => format!("{} notified", to.join(", ")),
        Consequence::Escalate { to } => format!("escalated to {to}"),
    }
}
