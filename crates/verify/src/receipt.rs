//! A tip reporter's proof of receipt (downloaded from the tip form): the organisation's
//! signature, the inclusion of each message, the checkpoint, and that the content is what
//! the organisation committed to.

use crate::anchor::Anchor;
use anyhow::{Context as _, bail};
use std::path::PathBuf;
use unchain_custody::report::utc;
use unchain_tips::bundle::{self, ReceiptBundle};
use unchain_tips::report::Content;

/// Arguments of `unchain-verify tip-receipt` (`unchain verify tip-receipt`).
#[derive(clap::Args, Debug)]
pub struct ReceiptArgs {
    /// The proof of receipt downloaded from the tip form.
    pub bundle: PathBuf,
    /// Trust the validator and member keys of this genesis file. Without it, the keys in
    /// the bundle are used, which proves integrity but not who signed.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
}

/// Reads and verifies the proof of receipt `a` names, printing what it proves. An error
/// unless it proves receipt.
pub fn run(a: &ReceiptArgs) -> anyhow::Result<()> {
    let text = crate::read(&a.bundle)?;
    let b: ReceiptBundle = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a proof of receipt", a.bundle.display()))?;
    let anchor = match &a.genesis {
        Some(path) => {
            let anchor = Anchor::genesis_for(path, &b.envelope, "validator and member keys")?;
            let member = anchor.members.iter().find(|m| m.name == b.intake.name);
            if member.map(|m| m.key) != Some(b.intake.key) {
                bail!(
                    "VERIFICATION FAILED: the bundle gives {} a key that {} does not",
                    b.intake.name,
                    path.display()
                );
            }
            anchor
        }
        None => Anchor::carried(
            &b.envelope,
            Vec::new(),
            "keys carried in the bundle (pass --genesis to check against a trusted genesis)",
        ),
    };
    let quorum = anchor.quorum();
    let r = bundle::verify(&b, &anchor.validators, quorum).context("VERIFICATION FAILED")?;
    println!("VERIFIED proof of receipt of tip {}", r.tip);
    println!("  received by  {} (signed by its key)", r.intake);
    for m in &r.messages {
        let summary = match &m.content {
            Content::Report(rep) => rep.description.chars().take(60).collect::<String>(),
            Content::Followup { text, .. } | Content::Reply { text } => {
                text.chars().take(60).collect()
            }
        };
        println!(
            "  {:<8}     {}  leaf {}  sealed {}  \"{}\"",
            m.what,
            utc(m.at_ms),
            m.leaf_index,
            m.sealed,
            summary.replace('\n', " ")
        );
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
