//! `unchain custody …`: record an evidence item's custody events, see hand-overs waiting
//! for your signature, and produce the chain-of-custody bundle and report for a court.
//! `unchain verify custody` checks a bundle with no network (`unchain_verify::custody`).

use crate::session::{Session, Who, now_ms};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use unchain_custody::body::EvidenceKind;
use unchain_custody::bundle::CustodyBundle;
use unchain_custody::client;
use unchain_custody::rules::Item;
use unchain_types::Hash32;

/// What every custody event states.
#[derive(Args)]
pub struct EventArgs {
    /// Where (a facility or place; no home addresses).
    #[arg(long)]
    pub location: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// When it happened, RFC 3339 (e.g. 2026-11-23T09:30:00Z); default now.
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub who: Who,
}

/// An event on an existing item.
#[derive(Args)]
pub struct ItemEvent {
    /// The item id.
    pub item: String,
    #[command(flatten)]
    pub common: EventArgs,
}

/// Custody commands.
#[derive(Subcommand)]
pub enum CustodyCommand {
    /// An item enters custody: prints its new id.
    Collect {
        /// The evidence file (digital) or a photograph of the item (physical): only its
        /// SHA-256 leaves this machine.
        #[arg(long)]
        file: PathBuf,
        /// physical or digital.
        #[arg(long)]
        evidence: String,
        /// What it is (public to members; no personal data).
        #[arg(long)]
        description: String,
        /// The case it belongs to.
        #[arg(long)]
        case: Option<String>,
        #[command(flatten)]
        common: EventArgs,
    },
    /// Hand an item you hold to another organisation (or user): it is in transit until
    /// the receiver signs `unchain custody receive`.
    Transfer {
        /// The receiving organisation.
        #[arg(long)]
        to: String,
        /// The receiving user, if the hand-over names one (required inside your
        /// organisation).
        #[arg(long)]
        to_actor: Option<String>,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Sign the receipt of an item handed over to you.
    Receive(ItemEvent),
    /// Call off a pending hand-over (giver or receiver).
    Cancel(ItemEvent),
    /// Record an examination of an item you hold.
    Analyse {
        /// How (tool, procedure).
        #[arg(long)]
        method: String,
        /// The analysis report: only its SHA-256 is recorded.
        #[arg(long)]
        report: Option<PathBuf>,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Record that an item you hold was sealed in a numbered bag or container.
    Seal {
        /// The number on the seal.
        #[arg(long)]
        seal_number: String,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Record that an item you hold was presented in court.
    Present {
        /// The court.
        #[arg(long)]
        court: String,
        /// The proceeding's reference.
        #[arg(long)]
        proceeding: String,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Record that an item left custody, returned to its owner (final).
    Return {
        /// To whom, as a role ("the owner"), not a name.
        #[arg(long)]
        returned_to: String,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Record that an item was destroyed (final).
    Destroy {
        /// How.
        #[arg(long)]
        method: String,
        #[command(flatten)]
        event: ItemEvent,
    },
    /// Show an item's state and events.
    Show {
        /// The item id.
        item: String,
        #[command(flatten)]
        who: Who,
    },
    /// Items handed over to your organisation, waiting for your receipt.
    Waiting {
        #[command(flatten)]
        who: Who,
    },
    /// Save an item's chain-of-custody proof bundle (and, with --html, its report).
    Bundle {
        /// The item id.
        item: String,
        /// Where to write the bundle (JSON).
        #[arg(long, short)]
        out: PathBuf,
        /// Also write the human-readable report here (HTML).
        #[arg(long)]
        html: Option<PathBuf>,
        #[command(flatten)]
        who: Who,
    },
}

fn hash_file(path: &Path) -> anyhow::Result<Hash32> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Hash32::digest(&bytes))
}

fn at_ms(at: &Option<String>) -> anyhow::Result<u64> {
    match at {
        None => Ok(now_ms()),
        Some(s) => {
            let t = humantime::parse_rfc3339_weak(s).with_context(|| {
                format!("--at {s:?}: expected RFC 3339, e.g. 2026-11-23T09:30:00Z")
            })?;
            Ok(t.duration_since(std::time::UNIX_EPOCH)
                .context("--at is before 1970")?
                .as_millis() as u64)
        }
    }
}

fn item_id(s: &str) -> anyhow::Result<Hash32> {
    Hash32::from_hex(s).with_context(|| format!("item id {s:?}"))
}

/// The common body of an event on `item`, after its current latest event.
async fn event_body(s: &Session, item: &Hash32, a: &EventArgs) -> anyhow::Result<Value> {
    let state: Value = s.get(&format!("/v1/custody/items/{item}")).await?;
    let current: Item = serde_json::from_value(state["item"].clone())
        .context("the node's answer has no custody item")?;
    Ok(client::next_event(
        &current,
        client::At {
            actor: &s.actor,
            at_ms: at_ms(&a.at)?,
            location: &a.location,
            reason: &a.reason,
        },
    ))
}

async fn record(
    kind: &str,
    e: &ItemEvent,
    extra: impl FnOnce(&mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let s = Session::open(&e.common.who).await?;
    let id = item_id(&e.item)?;
    let mut body = event_body(&s, &id, &e.common).await?;
    extra(&mut body)?;
    s.submit(kind, body).await
}

/// `unchain custody …`.
pub async fn custody(c: CustodyCommand) -> anyhow::Result<()> {
    match c {
        CustodyCommand::Collect {
            file,
            evidence,
            description,
            case,
            common,
        } => {
            let s = Session::open(&common.who).await?;
            let id = Hash32(rand::random());
            let evidence: EvidenceKind = serde_json::from_value(evidence.clone().into())
                .map_err(|e| anyhow::anyhow!("--evidence {evidence:?}: {e}"))?;
            let body = client::collect(
                id,
                client::At {
                    actor: &s.actor,
                    at_ms: at_ms(&common.at)?,
                    location: &common.location,
                    reason: &common.reason,
                },
                evidence,
                hash_file(&file)?,
                &description,
                case.as_deref(),
            );
            s.submit_quiet("custody.collect", body).await?;
            eprintln!("collected; the item's id:");
            println!("{id}");
            Ok(())
        }
        CustodyCommand::Transfer {
            to,
            to_actor,
            event,
        } => {
            record("custody.transfer", &event, |b| {
                b["to"] = json!(to);
                if let Some(a) = to_actor {
                    b["to_actor"] = json!(a);
                }
                Ok(())
            })
            .await
        }
        CustodyCommand::Receive(e) => record("custody.receive", &e, |_| Ok(())).await,
        CustodyCommand::Cancel(e) => record("custody.cancel", &e, |_| Ok(())).await,
        CustodyCommand::Analyse {
            method,
            report,
            event,
        } => {
            record("custody.analyse", &event, |b| {
                b["method"] = json!(method);
                if let Some(r) = report {
                    b["result_hash"] = json!(hash_file(&r)?.to_hex());
                }
                Ok(())
            })
            .await
        }
        CustodyCommand::Seal { seal_number, event } => {
            record("custody.seal", &event, |b| {
                b["seal_number"] = json!(seal_number);
                Ok(())
            })
            .await
        }
        CustodyCommand::Present {
            court,
            proceeding,
            event,
        } => {
            record("custody.present", &event, |b| {
                b["court"] = json!(court);
                b["proceeding"] = json!(proceeding);
                Ok(())
            })
            .await
        }
        CustodyCommand::Return { returned_to, event } => {
            record("custody.return", &event, |b| {
                b["returned_to"] = json!(returned_to);
                Ok(())
            })
            .await
        }
        CustodyCommand::Destroy { method, event } => {
            record("custody.destroy", &event, |b| {
                b["method"] = json!(method);
                Ok(())
            })
            .await
        }
        CustodyCommand::Show { item, who } => {
            let s = Session::open(&who).await?;
            let id = item_id(&item)?;
            let v: Value = s.get(&format!("/v1/custody/items/{id}")).await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        CustodyCommand::Waiting { who } => {
            let s = Session::open(&who).await?;
            let items: Vec<Item> = s.get("/v1/custody/waiting").await?;
            if items.is_empty() {
                eprintln!("no hand-over is waiting for {}", s.keys.name);
            }
            for i in &items {
                println!("{}  from {}  {}", i.item, i.holder, i.description);
            }
            Ok(())
        }
        CustodyCommand::Bundle {
            item,
            out,
            html,
            who,
        } => {
            let s = Session::open(&who).await?;
            let id = item_id(&item)?;
            let b: CustodyBundle = s.get(&format!("/v1/custody/items/{id}/bundle")).await?;
            crate::output::write(&out, serde_json::to_vec_pretty(&b)?)?;
            eprintln!(
                "saved the custody bundle of {id} to {}",
                crate::output::shown(&out)
            );
            // Never hand out a report the bundle does not prove.
            let v = unchain_verify::custody::verify(&b, None)?;
            if let Some(path) = html {
                unchain_verify::custody::write_report(&v, &path)?;
            }
            Ok(())
        }
    }
}
