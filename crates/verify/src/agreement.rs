//! An agreement's outcome (`unchain agreement bundle`): the proposal, the parties'
//! signatures, the evaluation and the attested outcome, each signed and included under the
//! checkpoint, and the clause re-evaluated here over the facts it read.

use crate::anchor::Anchor;
use anyhow::Context as _;
use std::path::PathBuf;
use unchain_agree::body::Consequence;
use unchain_agree::bundle::{self, OutcomeBundle, verdict_word};
use unchain_agree::fact_proofs::{ProvenFacts, RowStanding};
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
    // The fact proofs' checkpoint may be of an earlier epoch than the bundle's.
    let facts_anchor = match (&b.fact_proofs, a.genesis.as_deref()) {
        (Some(p), Some(genesis)) => Some(Anchor::genesis_for(
            genesis,
            &p.envelope(&b.envelope),
            "validator keys",
        )?),
        _ => None,
    };
    let facts_trusted = facts_anchor
        .as_ref()
        .map(|f| (f.validators.as_slice(), f.quorum()));
    let r = bundle::verify(
        &b,
        &anchor.validators,
        quorum,
        &anchor.members,
        facts_trusted,
    )
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
    match &r.fact_proofs {
        Some(p) => rows(p),
        None => println!(
            "  not shown    that the facts were the ledger's state: this bundle carries no proofs of the rows they came from (an outcome recorded before rows were, or a node that can no longer prove them); the validators each gathered the facts and attested this digest"
        ),
    }
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
    Ok(())
}

/// The rows the facts came from, as proven.
fn rows(p: &ProvenFacts) {
    let changed = p
        .rows
        .iter()
        .filter(|(_, s)| *s == RowStanding::Changed)
        .count();
    println!(
        "  facts from   {} rows of ledger state, each proven against the state root at height {} ({}), in the checkpoint of size {} signed by {}",
        p.rows.len(),
        p.state.height,
        p.state.root,
        p.tree_size,
        p.signers.join(", ")
    );
    for (key, standing) in &p.rows {
        let what = match standing {
            RowStanding::AsRead(Some(_)) => "as read",
            RowStanding::AsRead(None) => "absent, as read",
            RowStanding::Changed => {
                "changed after the evaluation read it (its recorded hash stands)"
            }
        };
        println!("               {key}  {what}");
    }
    if p.withheld.rows > 0 {
        println!(
            "  withheld     {} row(s) read only to search or aggregate (other members' facilities, payroll without a finding, individual worker voice, sealed records, cases): never disclosed; the SHA-256 of their keys is {}",
            p.withheld.rows, p.withheld.sha256
        );
    }
    if changed > 0 {
        println!(
            "  note         {changed} row(s) changed before that state: what the evaluation read of them is known by hash only"
        );
    }
    println!(
        "  not shown    that no row was left out of the {} key range(s) the evaluation scanned ({}), nor each fact's derivation from its rows: the state tree proves keys, not ranges, and the validators each derived the facts and recorded this digest",
        p.scans.len(),
        p.scans.join(", ")
    );
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
