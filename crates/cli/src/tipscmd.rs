//! `unchain tips`: the intake agency's inbox of anonymous tips — list, open (decrypted
//! here, with the organisation's key), triage with the ILO indicators, reply (sealed here
//! to the reporter's code-derived key and the organisation's), convert into a case whose
//! sealed record carries the tip's phone numbers and e-mail addresses as blind-index
//! tokens; and `unchain verify tip-receipt`, the offline check of a reporter's proof.

use crate::casecmd::{CasePolicy, open_case};
use crate::session::{Session, Who, now_ms};
use anyhow::{Context as _, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use unchain_custody::report::utc;
use unchain_tips::message::{self, Payload};
use unchain_tips::report::Content;
use unchain_tips::{Author, Tip, TipView, client};

/// `unchain tips …`.
#[derive(Subcommand)]
pub enum TipsCommand {
    /// Tips handed to your organisation, oldest first.
    List {
        #[command(flatten)]
        who: Who,
    },
    /// Open a tip: every message decrypted here; attachments saved with `--files`.
    Show {
        /// The tip id.
        tip: String,
        /// Save attachments into this folder.
        #[arg(long)]
        files: Option<PathBuf>,
        #[command(flatten)]
        who: Who,
    },
    /// Set priority, category and ILO forced-labour indicators; or close the tip.
    Triage {
        /// The tip id.
        tip: String,
        /// immediate, high, normal or low.
        #[arg(long)]
        priority: String,
        /// forced_labour, sexual_exploitation, domestic_servitude, forced_criminality,
        /// forced_marriage, organ_removal, child_exploitation, other or not_trafficking.
        #[arg(long)]
        category: String,
        /// An ILO indicator (repeat): abuse_of_vulnerability, deception,
        /// restriction_of_movement, isolation, physical_and_sexual_violence,
        /// intimidation_and_threats, retention_of_identity_documents, withholding_of_wages,
        /// debt_bondage, abusive_working_and_living_conditions, excessive_overtime.
        #[arg(long = "indicator")]
        indicators: Vec<String>,
        /// Close the tip.
        #[arg(long)]
        close: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Reply to the reporter (readable only with their receipt code, and by you).
    Reply {
        /// The tip id.
        tip: String,
        /// The message.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        who: Who,
    },
    /// Open a case from the tip: its phone numbers and e-mail addresses go into a sealed
    /// HTCDS record as blind-index tokens, so the case matches other agencies' cases.
    Convert {
        /// The tip id.
        tip: String,
        /// The new case's id (default: CASE- and the tip's digits).
        #[arg(long)]
        case: Option<String>,
        /// allegation, investigation, rescue or case.
        #[arg(long, default_value = "allegation")]
        kind: String,
        /// Country (ISO 3166 alpha-2) for phone numbers written without +country code.
        #[arg(long)]
        country: Option<String>,
        /// Days until the sealed record must be erased.
        #[arg(long, default_value_t = 3650)]
        retention_days: u32,
        #[command(flatten)]
        who: Who,
    },
    /// Erase a tip: every node deletes its sealed messages (the ledger keeps that it was
    /// received and erased, and the reporter's proof of receipt still verifies).
    Erase {
        /// The tip id.
        tip: String,
        #[command(flatten)]
        who: Who,
    },
}

async fn view(s: &Session, tip: &str) -> anyhow::Result<TipView> {
    s.get(&format!("/v1/tips/{tip}")).await
}

/// Opens every message of a tip with the organisation's key.
async fn open_all(s: &Session, v: &TipView) -> anyhow::Result<Vec<Payload>> {
    let secret = s
        .keys
        .encryption_key()
        .context("key file: encryption key")?;
    let mut out = Vec::new();
    for m in &v.messages {
        let bytes = s
            .client
            .get_signed_bytes(
                &s.signer,
                &format!("/v1/tips/{}/messages/{}", v.tip.tip, m.seq),
            )
            .await?;
        let p = message::open(
            &s.chain_id,
            &v.tip.tip,
            &m.msg,
            &s.keys.name,
            &m.keys.intake,
            &secret,
            &bytes,
        )
        .with_context(|| format!("message {} of tip {}", m.seq, v.tip.tip))?;
        out.push(p);
    }
    Ok(out)
}

fn print_content(c: &Content) {
    match c {
        Content::Report(r) => {
            println!("  seen:        {}", r.seen.join(", "));
            println!("  where:       {}", r.location);
            println!("  when:        {}", r.when);
            println!("  danger now:  {}", r.danger);
            println!("  language:    {}", r.lang);
            println!("  contacts:    {}", r.contacts.replace('\n', "; "));
            println!(
                "  description:\n    {}",
                r.description.replace('\n', "\n    ")
            );
            for a in &r.attachments {
                println!(
                    "  file:        {} {} {} bytes",
                    a.label, a.media_type, a.size
                );
            }
        }
        Content::Followup { text, attachments } => {
            println!("    {}", text.replace('\n', "\n    "));
            for a in attachments {
                println!(
                    "  file:        {} {} {} bytes",
                    a.label, a.media_type, a.size
                );
            }
        }
        Content::Reply { text } => println!("    {}", text.replace('\n', "\n    ")),
    }
}

fn save_files(dir: &Path, seq: u32, c: &Content, p: &Payload) -> anyhow::Result<()> {
    let list = match c {
        Content::Report(r) => &r.attachments,
        Content::Followup { attachments, .. } => attachments,
        Content::Reply { .. } => return Ok(()),
    };
    let bytes = p.file_bytes().map_err(|e| anyhow::anyhow!(e))?;
    std::fs::create_dir_all(dir)?;
    for (a, b) in list.iter().zip(bytes) {
        if unchain_types::Hash32::digest(&b) != a.sha256 {
            bail!(
                "{} of message {seq} does not match its recorded SHA-256",
                a.label
            );
        }
        let path = dir.join(format!("{seq}-{}", a.label));
        std::fs::write(&path, b).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("saved {}", path.display());
    }
    Ok(())
}

fn tip_line(t: &Tip) -> String {
    let triage = t
        .triage
        .as_ref()
        .map(|x| format!("{} {}", x.priority, x.category))
        .unwrap_or_else(|| "-".into());
    format!(
        "{}  {}  {:<9}  {:<32}  {} message(s){}",
        t.tip,
        utc(t.received_ms),
        t.status,
        triage,
        t.messages,
        t.case
            .as_ref()
            .map(|c| format!("  case {c}"))
            .unwrap_or_default()
    )
}

/// Seals `text` to the reporter of `tip` and to the organisation, stores it on the node,
/// and records it.
pub(crate) async fn reply(
    s: &Session,
    tip: &str,
    text: &str,
) -> anyhow::Result<unchain_client::views::TxStatusView> {
    unchain_tips::report::check_text(text).map_err(|e| anyhow::anyhow!("--text: {}", e.reason))?;
    let v = view(s, tip).await?;
    let me = s
        .keys
        .encryption_key()
        .context("key file: encryption key")?;
    let (sealed, body) = client::reply(
        &s.chain_id,
        &v.tip,
        &me.public_key(),
        text,
        &s.actor,
        now_ms(),
    );
    s.client
        .put_signed_bytes(
            &s.signer,
            &format!("/v1/tips/ciphertexts/{}", sealed.commitment),
            sealed.ciphertext.clone(),
        )
        .await?;
    s.submit_quiet("tips.message", body).await
}

/// `unchain tips …`.
pub async fn tips(c: TipsCommand) -> anyhow::Result<()> {
    match c {
        TipsCommand::List { who } => {
            let s = Session::open(&who).await?;
            let tips: Vec<Tip> = s.get("/v1/tips").await?;
            if tips.is_empty() {
                eprintln!("no tips");
            }
            for t in &tips {
                println!("{}", tip_line(t));
            }
            Ok(())
        }
        TipsCommand::Show { tip, files, who } => {
            let s = Session::open(&who).await?;
            let v = view(&s, &tip).await?;
            println!("{}", tip_line(&v.tip));
            println!(
                "  form {} · recorded at leaf {}",
                v.tip.form, v.tip.log_index
            );
            if let Some(e) = &v.tip.erased {
                let why = match e.reason {
                    unchain_tips::EraseReason::IntakeRequest => "by its intake",
                    unchain_tips::EraseReason::RetentionExpired => "its retention ended",
                };
                println!(
                    "  erased {} ({why}, submitted by {}): its {} message(s) are gone from every node",
                    utc(e.time_ms),
                    e.by,
                    v.messages.len()
                );
                return Ok(());
            }
            if let Some(at) = v.tip.expires_ms {
                println!(
                    "  erased everywhere {} unless there is more activity",
                    utc(at)
                );
            }
            if let Some(t) = &v.tip.triage {
                println!(
                    "  triage: {} {} [{}] by {}",
                    t.priority,
                    t.category,
                    t.indicators.join(", "),
                    t.actor
                );
            }
            for (m, p) in v.messages.iter().zip(open_all(&s, &v).await?) {
                let who = match m.from {
                    Author::Reporter => "reporter".to_owned(),
                    Author::Agency => format!("agency ({})", m.actor.as_deref().unwrap_or("?")),
                };
                println!(
                    "\n#{} {} · {} · leaf {}",
                    m.seq,
                    who,
                    utc(m.time_ms),
                    m.log_index
                );
                let content: Content = serde_json::from_value(p.content.clone())
                    .context("a message's content is not a tip content")?;
                print_content(&content);
                if let Some(dir) = &files {
                    save_files(dir, m.seq, &content, &p)?;
                }
            }
            Ok(())
        }
        TipsCommand::Triage {
            tip,
            priority,
            category,
            indicators,
            close,
            who,
        } => {
            let s = Session::open(&who).await?;
            s.submit(
                "tips.triage",
                json!({"tip": tip, "priority": priority, "category": category,
                       "indicators": indicators, "closed": close, "actor": s.actor}),
            )
            .await
        }
        TipsCommand::Erase { tip, who } => {
            let s = Session::open(&who).await?;
            s.submit(
                "tips.erase",
                json!({"tip": tip, "reason": "intake_request", "actor": s.actor}),
            )
            .await
        }
        TipsCommand::Reply { tip, text, who } => {
            let s = Session::open(&who).await?;
            let status = reply(&s, &tip, &text).await?;
            eprintln!(
                "tips.message committed at height {}",
                status.height.unwrap_or_default()
            );
            println!("{}", serde_json::to_string_pretty(&status)?);
            Ok(())
        }
        TipsCommand::Convert {
            tip,
            case,
            kind,
            country,
            retention_days,
            who,
        } => {
            let s = Session::open(&who).await?;
            let v = view(&s, &tip).await?;
            if let Some(c) = &v.tip.case {
                bail!("tip {tip} already became case {c}");
            }
            let first = open_all(&s, &v)
                .await?
                .into_iter()
                .next()
                .context("the tip has no report")?;
            let Ok(Content::Report(r)) = serde_json::from_value(first.content) else {
                bail!("tip {tip}'s first message is not a report");
            };
            let (persons, skipped) =
                unchain_tips::client::contact_persons(&r.contacts, country.as_deref());
            let mut doc = json!({"htcds_version": "2.0", "case": {"cas_Status": "Active"}});
            if !persons.is_empty() {
                doc["persons"] = Value::Array(persons.clone());
            }
            let doc = unchain_htcds::validate(&doc)
                .map_err(|e| anyhow::anyhow!("the case document built from tip {tip}: {e}"))?;
            let id = case
                .unwrap_or_else(|| format!("CASE-{}", tip.trim_start_matches("t-").to_uppercase()));
            let policy = CasePolicy {
                country,
                retention_days,
                subject: None,
                consent_required: false,
            };
            let record = open_case(&s, &id, &kind, &doc, &policy).await?;
            s.submit_quiet(
                "tips.convert",
                json!({"tip": tip, "case": id, "actor": s.actor}),
            )
            .await?;
            eprintln!(
                "opened {kind} {id} over sealed record {record}: {} identifier(s) blind-indexed for matching{}",
                persons.len(),
                if skipped > 0 {
                    format!(
                        "; {skipped} contact line(s) were neither a phone number nor an e-mail address"
                    )
                } else {
                    String::new()
                }
            );
            println!("{id}");
            Ok(())
        }
    }
}
