//! `unchain vault token-key`: the threshold token key — open a key round (governance) and
//! follow it, and show the key, its holders and who announced how many evaluations.

use crate::session::{Session, Who};
use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Token-key commands.
#[derive(Subcommand)]
pub enum TokenKeyCommand {
    /// Open a key round (governance role) and follow it until the players' nodes finish
    /// it. Without --reshare: a new key, a new matching epoch (tokens cannot be linked to
    /// the old ones; owners re-derive theirs with the new key). With --reshare: the
    /// current key shared afresh among --player (every token stays valid; a removed
    /// holder's share stops working).
    Open {
        /// A member that will hold a share (normally each validator); repeat, at least 4
        /// for a threshold above one.
        #[arg(long = "player", required = true)]
        players: Vec<String>,
        /// Reshare the current key instead of making a new one.
        #[arg(long)]
        reshare: bool,
        /// Longest wait for the round to finish, in seconds (0: do not wait).
        #[arg(long, default_value_t = 120)]
        wait_secs: u64,
        #[command(flatten)]
        who: Who,
    },
    /// The current key (epoch, threshold, holders), the latest round's progress, and every
    /// organisation's announced evaluations per day.
    Status {
        #[command(flatten)]
        who: Who,
    },
}

async fn latest_round(s: &Session) -> anyhow::Result<Option<Value>> {
    match s
        .client
        .get_signed::<Value>(&s.signer, "/v1/vault/token-key/round")
        .await
    {
        Ok(v) => Ok(Some(v)),
        Err(unchain_client::ClientError::Problem { status: 404, .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn progress(r: &Value) -> String {
    let n = |k: &str| r[k].as_array().map_or(0, Vec::len);
    let acks: usize = r["acknowledged"].as_object().map_or(0, |m| {
        m.values().filter_map(Value::as_array).map(Vec::len).sum()
    });
    format!(
        "round {}: {} of {} dealers dealt, {acks} acknowledgements, {} logs{}",
        r["round"],
        n("dealt"),
        n("dealers"),
        n("logged"),
        match r["finished"].as_u64() {
            Some(e) => format!(", finished: matching epoch {e}"),
            None => String::new(),
        }
    )
}

/// Runs `unchain vault token-key …`.
pub async fn token_key(cmd: TokenKeyCommand) -> anyhow::Result<()> {
    match cmd {
        TokenKeyCommand::Open {
            players,
            reshare,
            wait_secs,
            who,
        } => {
            let s = Session::open(&who).await?;
            let round = latest_round(&s)
                .await?
                .map_or(0, |r| r["round"].as_u64().unwrap_or(0) + 1);
            s.submit_quiet(
                "vault.token_key_round",
                json!({"round": round, "players": players, "reshare": reshare}),
            )
            .await
            .with_context(|| format!("opening key round {round}"))?;
            eprintln!("key round {round} opened; the players' nodes now deal, acknowledge and log");
            if wait_secs == 0 {
                return Ok(());
            }
            let deadline = Instant::now() + Duration::from_secs(wait_secs);
            let mut last = String::new();
            loop {
                if let Some(r) = latest_round(&s).await? {
                    let now = progress(&r);
                    if now != last {
                        eprintln!("{now}");
                        last = now;
                    }
                    if let Some(epoch) = r["finished"].as_u64() {
                        println!("{}", json!({"round": round, "epoch": epoch}));
                        return Ok(());
                    }
                }
                anyhow::ensure!(
                    Instant::now() < deadline,
                    "key round {round} did not finish within {wait_secs} s: {last} (are the players' nodes running?)"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        TokenKeyCommand::Status { who } => {
            let s = Session::open(&who).await?;
            match s
                .client
                .get_signed::<Value>(&s.signer, "/v1/vault/token-key")
                .await
            {
                Ok(k) => {
                    let holders: Vec<&str> = k["holders"]
                        .as_array()
                        .map(|h| h.iter().filter_map(|x| x["member"].as_str()).collect())
                        .unwrap_or_default();
                    println!(
                        "matching epoch {}: threshold token key, {} of {} holders answer ({})",
                        k["epoch"],
                        k["threshold"],
                        holders.len(),
                        holders.join(", ")
                    );
                }
                Err(unchain_client::ClientError::Problem { status: 404, .. }) => {
                    println!("no threshold token key: tokens use the shared matching key");
                }
                Err(e) => return Err(e.into()),
            }
            if let Some(r) = latest_round(&s).await? {
                println!("{}", progress(&r));
            }
            let counts: Vec<Value> = s
                .client
                .get_signed(&s.signer, "/v1/vault/token-evaluations")
                .await?;
            for c in counts {
                println!(
                    "{} {:<24} announced {} evaluations",
                    c["date"].as_str().unwrap_or("?"),
                    c["member"].as_str().unwrap_or("?"),
                    c["count"]
                );
            }
            Ok(())
        }
    }
}
