//! `unchain state`: proofs of what the ledger's state holds. `unchain state prove KEY`
//! saves a bundle proving the key's value — or that it has none — as of the latest
//! checkpoint the validators cosigned; `unchain verify state` checks it with no network
//! (`unchain_verify::state`).

use clap::Subcommand;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use unchain_bundle::state::StateBundle;
use unchain_client::{Client, ClientError};

/// `unchain state …`.
#[derive(Subcommand)]
pub enum StateCommand {
    /// Prove what the state holds under a key (or that it holds nothing) as of the latest
    /// cosigned checkpoint, and print it; with --out, save the bundle for `unchain verify
    /// state`.
    Prove {
        /// The state key: the module's name, a slash and the rest, e.g.
        /// `custody/item/<id>` or `member/<organisation>`.
        #[arg(value_name = "STATE_KEY")]
        state_key: String,
        /// Where to write the bundle (JSON).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Your organisation's key file (state proofs are for members).
        #[arg(long, env = "UNCHAIN_KEY")]
        key: PathBuf,
        /// Your node's API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
        /// Check against the validator keys of this genesis file instead of those the
        /// bundle carries.
        #[arg(long)]
        genesis: Option<PathBuf>,
    },
}

/// Runs `unchain state …`.
pub async fn state(c: StateCommand) -> anyhow::Result<()> {
    match c {
        StateCommand::Prove {
            state_key,
            out,
            key,
            node,
            genesis,
        } => {
            let client = Client::new(&node).with_signer(crate::session::member_reader(&key)?);
            let path = format!(
                "/v1/state/proof?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("key", &state_key)
                    .finish()
            );
            // A node that has just started may not hold a cosigned checkpoint yet.
            let deadline = Instant::now() + Duration::from_secs(30);
            let bundle: StateBundle = loop {
                match client.get_json(&path).await {
                    Err(ClientError::Problem { status: 503, .. }) if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    other => break other?,
                }
            };
            // Never hand out a bundle that does not prove what it says.
            unchain_verify::state::verify(&bundle, genesis.as_deref())?;
            if let Some(out) = &out {
                crate::output::write(out, serde_json::to_vec_pretty(&bundle)?)?;
                eprintln!(
                    "saved the state proof of {state_key} to {}",
                    crate::output::shown(out)
                );
            }
            Ok(())
        }
    }
}
