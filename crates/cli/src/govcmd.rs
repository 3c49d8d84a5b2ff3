//! `unchain governance …`: membership changes, validator-set changes among them. A change
//! takes effect once more than two thirds of the governance members approved it; a change
//! to who validates reaches consensus at the next epoch boundary.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;
use unchain_client::Client;
use unchain_types::PublicKey;

/// Governance commands.
#[derive(Subcommand)]
pub enum GovernanceCommand {
    /// Propose a change; your proposal counts as your approval.
    Propose(ProposeArgs),
    /// Approve an open proposal.
    Approve {
        /// The proposing transaction's id (hex).
        proposal: String,
        #[command(flatten)]
        common: Common,
    },
}

/// What every governance command needs.
#[derive(Args)]
pub struct Common {
    /// Your organisation's key file (a member with the governance role).
    #[arg(long, env = "UNCHAIN_KEY")]
    key: PathBuf,
    /// Node API URL.
    #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
    node: String,
}

/// Arguments of `unchain governance propose`: exactly one change.
#[derive(Args)]
#[group(id = "change", required = true, multiple = false)]
pub struct ProposeArgs {
    /// Make member NAME a validator (from the next epoch boundary).
    #[arg(long, value_name = "NAME", group = "change")]
    add_validator: Option<String>,
    /// Stop member NAME validating (from the next epoch boundary); it stays a member.
    #[arg(long, value_name = "NAME", group = "change")]
    remove_validator: Option<String>,
    /// Replace member NAME's signing key with --new-key (a compromised or expiring key).
    #[arg(long, value_name = "NAME", group = "change", requires = "new_key")]
    rotate_key: Option<String>,
    /// The new key for --rotate-key: a key file made by `unchain keygen`, or an Ed25519
    /// public key in hex.
    #[arg(long, value_name = "FILE|HEX")]
    new_key: Option<String>,
    /// Remove member NAME from the consortium.
    #[arg(long, value_name = "NAME", group = "change")]
    remove_member: Option<String>,
    /// Why (public, on the ledger; no personal data; at most 500 bytes).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    common: Common,
}

/// The public key a `--new-key` names.
fn new_key(arg: &str) -> anyhow::Result<PublicKey> {
    let path = std::path::Path::new(arg);
    if path.is_file() {
        return Ok(unchain_node::run::load_keys(path)?
            .signing_key()
            .with_context(|| format!("key file {arg}"))?
            .public_key());
    }
    PublicKey::from_hex(arg).map_err(|e| {
        anyhow::anyhow!("--new-key {arg:?} is neither a key file nor an Ed25519 key in hex: {e}")
    })
}

/// Signs, submits and waits for `kind` with `body`; prints the transaction's id and fate.
async fn submit(common: &Common, kind: &str, body: serde_json::Value) -> anyhow::Result<()> {
    let key = unchain_node::run::load_keys(&common.key)?.signing_key()?;
    let client = Client::new(&common.node);
    let tx = client.build(&key, kind, body).await?;
    client.submit(&tx).await?;
    let status = client.wait_for(&tx.id(), Duration::from_secs(60)).await?;
    match status.status.as_str() {
        "committed" => {
            println!(
                "{kind} {} committed at height {}",
                tx.id(),
                status.height.unwrap_or(0)
            );
            Ok(())
        }
        "rejected" => bail!("{kind} rejected: {}", status.reason.unwrap_or_default()),
        other => bail!(
            "{kind} {} is still {other} after 60 s; check it with `unchain tx status {}`",
            tx.id(),
            tx.id()
        ),
    }
}

/// Runs a `governance` subcommand.
pub async fn governance(cmd: GovernanceCommand) -> anyhow::Result<()> {
    match cmd {
        GovernanceCommand::Propose(a) => {
            let change = if let Some(name) = a.add_validator {
                serde_json::json!({"action": "set_validator", "name": name, "validator": true})
            } else if let Some(name) = a.remove_validator {
                serde_json::json!({"action": "set_validator", "name": name, "validator": false})
            } else if let Some(name) = a.rotate_key {
                let key = new_key(a.new_key.as_deref().expect("clap requires --new-key"))?;
                serde_json::json!({"action": "rotate_key", "name": name, "signing_key": key})
            } else if let Some(name) = a.remove_member {
                serde_json::json!({"action": "remove", "name": name})
            } else {
                unreachable!("clap requires one change")
            };
            submit(
                &a.common,
                "membership.propose",
                serde_json::json!({"change": change, "reason": a.reason}),
            )
            .await?;
            println!(
                "it takes effect once more than two thirds of the governance members approved \
                 (`unchain governance approve <id>`); a change to who validates reaches \
                 consensus at the next epoch boundary (`unchain status` shows the epoch)"
            );
            Ok(())
        }
        GovernanceCommand::Approve { proposal, common } => {
            submit(
                &common,
                "membership.approve",
                serde_json::json!({ "proposal": proposal }),
            )
            .await
        }
    }
}
