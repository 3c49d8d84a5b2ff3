//! `unchain tx …`, `unchain proof` and `unchain verify`.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use unchain_client::Client;
use unchain_types::{Hash32, TxId};

/// Transaction commands.
#[derive(Subcommand)]
pub enum TxCommand {
    /// Anchor a document: its SHA-256 (never its content) goes on chain with a type and a
    /// short public description. Do not put personal data in the description.
    Anchor {
        /// The document to anchor.
        file: PathBuf,
        /// Your organisation's key file.
        #[arg(long, env = "UNCHAIN_KEY")]
        key: PathBuf,
        /// What kind of document: report, photo, contract, ...
        #[arg(long, default_value = "document")]
        doc_type: String,
        /// Short public description (at most 200 bytes; no personal data).
        #[arg(long, default_value = "")]
        description: String,
        /// The document's own date, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// Node API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
        /// Return as soon as the node accepts it instead of waiting for the commit.
        #[arg(long)]
        no_wait: bool,
    },
    /// Submit a transaction already signed elsewhere (a JSON file).
    Submit {
        /// The signed transaction.
        file: PathBuf,
        /// Node API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
    },
    /// Show a transaction's status.
    Status {
        /// Transaction id (hex).
        id: String,
        /// Wait up to this many seconds for it to reach a block.
        #[arg(long, default_value_t = 0)]
        wait: u64,
        /// Node API URL.
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
    },
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Runs a `tx` subcommand.
pub async fn tx(cmd: TxCommand) -> anyhow::Result<()> {
    match cmd {
        TxCommand::Anchor {
            file,
            key,
            doc_type,
            description,
            date,
            node,
            no_wait,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let hash = Hash32(Sha256::digest(&bytes).into());
            let keys = unchain_node::run::load_keys(&key)?;
            let client = Client::new(&node);
            let mut body = serde_json::json!({"hash": hash.to_hex(), "doc_type": doc_type});
            if !description.is_empty() {
                body["description"] = description.into();
            }
            if let Some(d) = date {
                body["document_date"] = d.into();
            }
            let tx = client
                .build(&keys.signing_key()?, "notary.anchor", body)
                .await?;
            let resp = client.submit(&tx).await?;
            eprintln!("submitted {} (document sha256 {hash})", resp.id);
            if no_wait {
                return print_json(&resp);
            }
            let status = client.wait_for(&tx.id(), Duration::from_secs(60)).await?;
            print_json(&status)?;
            match status.status.as_str() {
                "committed" => Ok(()),
                "rejected" => bail!(
                    "transaction rejected: {}",
                    status.reason.unwrap_or_default()
                ),
                other => bail!(
                    "transaction {} is still {other} after 60 s; check it later with `unchain tx status {}`",
                    tx.id(),
                    tx.id()
                ),
            }
        }
        TxCommand::Submit { file, node } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let tx = unchain_types::Transaction::parse(&bytes)
                .with_context(|| format!("{} is not a signed transaction", file.display()))?;
            print_json(&Client::new(&node).submit(&tx).await?)
        }
        TxCommand::Status { id, wait, node } => {
            let id = TxId::from_hex(&id).with_context(|| format!("transaction id {id:?}"))?;
            print_json(
                &Client::new(&node)
                    .tx_status(&id, Duration::from_secs(wait))
                    .await?,
            )
        }
    }
}

/// Arguments of `unchain proof`.
#[derive(Args)]
pub struct ProofArgs {
    /// Transaction id (hex).
    pub id: String,
    /// Save the bundle here, to verify later with `unchain verify`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Trust the validator keys of this genesis file (default: the keys the node reports).
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Your organisation's key file: leaves and inclusion proofs are served to members
    /// only (an outsider receives the bundle a member saves with --out).
    #[arg(long, env = "UNCHAIN_KEY")]
    pub key: PathBuf,
    /// Node API URL.
    #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
    pub node: String,
}

/// `unchain proof`.
pub async fn proof(a: ProofArgs) -> anyhow::Result<()> {
    let id = TxId::from_hex(&a.id).with_context(|| format!("transaction id {:?}", a.id))?;
    let client = Client::new(&a.node).with_signer(crate::session::member_reader(&a.key)?);
    // A transaction committed a moment ago may wait for its checkpoint's cosignatures.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let bundle = loop {
        match client.proof(&id).await {
            Err(unchain_client::ClientError::Problem { status: 503, .. })
                if std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            other => break other?,
        }
    };
    // Verified before anything is written: a bundle that does not verify is not handed out.
    let mut report = Vec::new();
    unchain_verify::proof::report_to(&mut report, &bundle, a.genesis.as_deref())?;
    let report = String::from_utf8_lossy(&report);
    match &a.out {
        // The bundle takes standard output: the report goes to standard error.
        Some(out) if crate::output::is_stdout(out) => {
            crate::output::write(out, serde_json::to_vec_pretty(&bundle)?)?;
            eprint!("{report}");
        }
        Some(out) => {
            crate::output::write(out, serde_json::to_vec_pretty(&bundle)?)?;
            eprintln!("saved proof bundle to {}", out.display());
            print!("{report}");
        }
        None => print!("{report}"),
    }
    Ok(())
}

/// Arguments of `unchain verify`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct VerifyArgs {
    /// What else to verify.
    #[command(subcommand)]
    pub what: Option<VerifyWhat>,
    /// A proof bundle saved by `unchain proof --out` (or downloaded from the API).
    #[arg(required = true)]
    pub bundle: Option<PathBuf>,
    /// Trust the validator keys of this genesis file. Without it, the keys inside the bundle
    /// are used, which proves integrity but not who signed: say so in court.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
}

/// Bundles other than a single transaction's.
#[derive(clap::Subcommand)]
pub enum VerifyWhat {
    /// A chain-of-custody bundle (`unchain custody bundle`): every event's signature and
    /// inclusion, the checkpoint, and the custody rules replayed event by event.
    Custody(unchain_verify::custody::CustodyArgs),
    /// Goods' provenance bundle (a provenance page's `?format=bundle`): every transaction's
    /// signature and inclusion, the checkpoint, and the tiers and findings recomputed from
    /// the events.
    Provenance(unchain_verify::provenance::ProvenanceArgs),
    /// One credential presentation (`unchain wallet present`) against a trust bundle: the
    /// issuer's key, the key binding to your audience and nonce, validity, status; prints
    /// what it discloses. Exit status 0 only if valid.
    Presentation(unchain_verify::border::PresentationArgs),
    /// A proof of receipt downloaded from the tip form: the organisation's signature, the
    /// inclusion of each message, the checkpoint, and that the content is what it committed.
    TipReceipt(unchain_verify::receipt::ReceiptArgs),
    /// An agreement's outcome (`unchain agreement bundle`): the proposal, signatures,
    /// evaluation and attestation signed and included, and the clause re-evaluated over the
    /// facts it read.
    Agreement(unchain_verify::agreement::AgreementArgs),
    /// A state bundle (`unchain state prove`): each key's value, or its absence, as of the
    /// block a cosigned checkpoint's state line names.
    State(unchain_verify::state::StateArgs),
    /// A block's finality: its finalization certificate, fetched from a node and checked
    /// against the genesis validators' keys (the node is not trusted).
    Block(crate::blockcmd::BlockArgs),
}
