//! `unchain vault policy`: a jurisdiction's sharing policy — checked on the desk, published
//! by a governance member of that jurisdiction, and read back with every version.

use crate::session::{Session, Who, member_reader};
use anyhow::Context as _;
use clap::Subcommand;
use std::path::{Path, PathBuf};
use unchain_vault::sharing::{CompiledPolicy, SharingPolicy};
use unchain_vault::state::PublishedPolicy;

/// Sharing-policy commands.
#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file on the desk: every rule compiled against the sharing schema,
    /// errors pointing into the rule. Needs no node.
    Check {
        /// The policy (JSON; `templates/sharing/example-th.json` is one to start from).
        file: PathBuf,
    },
    /// Publish your jurisdiction's sharing policy, or replace it with the next version
    /// (governance role; the policy's jurisdiction must be yours).
    Publish {
        /// The policy (JSON).
        file: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Show the policies in force, or every version of one jurisdiction's.
    Show {
        /// A jurisdiction (ISO 3166-1 alpha-2); without it, every policy in force.
        jurisdiction: Option<String>,
        /// Your organisation's key file (policies are read by members).
        #[arg(long, env = "UNCHAIN_KEY")]
        key: PathBuf,
        /// Your node's API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
    },
}

fn read(path: &Path) -> anyhow::Result<CompiledPolicy> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let policy: SharingPolicy = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a sharing policy", path.display()))?;
    CompiledPolicy::compile(&policy)
        .map_err(|e| anyhow::anyhow!("{}: {}: {}", path.display(), e.field, e.reason))
}

/// Runs `unchain vault policy …`.
pub async fn policy(cmd: PolicyCommand) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::Check { file } => {
            let p = read(&file)?;
            let places = match &p.policy.residency {
                Some(r) => r.iter().cloned().collect::<Vec<_>>().join(", "),
                None => "anywhere".into(),
            };
            println!(
                "{}: the sharing policy of {}: {} rules compile; held in {places}",
                file.display(),
                p.policy.jurisdiction,
                p.policy.rules.len()
            );
            Ok(())
        }
        PolicyCommand::Publish { file, who } => {
            let p = read(&file)?;
            let s = Session::open(&who).await?;
            s.submit("vault.sharing_policy", serde_json::to_value(&p.policy)?)
                .await
        }
        PolicyCommand::Show {
            jurisdiction,
            key,
            node,
        } => {
            let signer = member_reader(&key)?;
            let client = unchain_client::Client::new(&node);
            let path = match &jurisdiction {
                Some(j) => format!("/v1/vault/policies/{j}"),
                None => "/v1/vault/policies".into(),
            };
            let policies: Vec<PublishedPolicy> = client.get_signed(&signer, &path).await?;
            for p in &policies {
                println!(
                    "{} version {} (height {}, by {}): {}",
                    p.policy.jurisdiction, p.version, p.height, p.by, p.policy.title
                );
                for r in &p.policy.rules {
                    println!("  {}: {}\n      {}", r.id, r.text, r.cel);
                }
                if let Some(places) = &p.policy.residency {
                    let places: Vec<&str> = places.iter().map(String::as_str).collect();
                    println!("  residency: held only in {}", places.join(", "));
                }
            }
            Ok(())
        }
    }
}
