//! `unchain case …`: open cases from HTCDS documents (sealed here, blind-indexed for
//! matching), move them through their workflow, refer them across borders, export them back
//! to HTCDS JSON or spreadsheet tables, read their audit trail, and publish k-anonymised
//! CTDC statistics. `unchain watch` follows the organisation's live events.

use crate::session::{Session, Who};
use crate::vaultcmd::{SealSpec, seal_with};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use unchain_cases::CaseView;
use unchain_cases::workflow::CaseKind;
use unchain_htcds::{ctdc, tables, validate};

/// Case commands.
#[derive(Subcommand)]
pub enum CaseCommand {
    /// Open cases from HTCDS documents: a JSON document (one case), or a folder of HTCDS
    /// tables (`case.csv`, `persons.csv`, …; one case per `case_id`). Each document is
    /// checked against the standard, sealed here to your organisation, its phone numbers,
    /// e-mail addresses and names with dates of birth blind-indexed for matching.
    Import(ImportArgs),
    /// Move a case to another status of its workflow.
    Transition {
        /// The case id.
        case: String,
        /// The new status.
        #[arg(long)]
        to: String,
        /// Required to close: the outcome.
        #[arg(long)]
        outcome: Option<String>,
        /// Why (public to members; no personal data).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Refer a case to another agency: shares its record (a grant naming purpose and legal
    /// basis), then records the referral.
    Refer {
        /// The case id.
        case: String,
        /// The agency referred to.
        #[arg(long)]
        to: String,
        /// AdditionalServicesRequired, MigrationOrChangeOfLocation or Other.
        #[arg(long)]
        reason: String,
        /// Why it may read the record (no personal data).
        #[arg(long)]
        purpose: String,
        /// consent, legal_obligation, vital_interests, public_task or court_order.
        #[arg(long)]
        legal_basis: String,
        #[command(flatten)]
        who: Who,
    },
    /// Show a case and its history.
    Show {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
    },
    /// Your cases: opened by you and referred to you.
    List {
        #[command(flatten)]
        who: Who,
    },
    /// Export a case you may read as an HTCDS JSON document (or, with --tables, as HTCDS
    /// spreadsheet tables in a folder).
    Export {
        /// The case id.
        case: String,
        /// Where to write the JSON document.
        #[arg(long, short, required_unless_present = "tables")]
        out: Option<PathBuf>,
        /// Write HTCDS tables (CSV) into this folder instead.
        #[arg(long)]
        tables: Option<PathBuf>,
        #[command(flatten)]
        who: Who,
    },
    /// A case's audit trail: every change, every grant of its record, every read of its
    /// content at your node, each with the user and the time.
    Audit {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
    },
    /// Statistics for publication: the victims of every case you may read, as the CTDC
    /// k-anonymised dataset (CSV), with k ≥ 11 enforced; says how many rows were
    /// generalised and suppressed.
    Stats {
        /// Where to write the CSV.
        #[arg(long, short)]
        out: PathBuf,
        /// The k to enforce (at least 11).
        #[arg(long, default_value_t = ctdc::MIN_K)]
        k: usize,
        #[command(flatten)]
        who: Who,
    },
}

/// Arguments of `unchain case import`.
#[derive(Args)]
pub struct ImportArgs {
    /// An HTCDS JSON document, or a folder of HTCDS tables.
    pub path: PathBuf,
    /// The case id (required for a JSON document; tables carry theirs in `case_id`, which
    /// this replaces when they hold one case).
    #[arg(long)]
    pub id: Option<String>,
    /// allegation, investigation, rescue or case.
    #[arg(long, default_value = "case")]
    pub kind: String,
    /// Country (ISO 3166 alpha-2) for phone numbers written without +country code.
    #[arg(long)]
    pub country: Option<String>,
    /// Days until the sealed record must be erased.
    #[arg(long, default_value_t = 3650)]
    pub retention_days: u32,
    /// The survivor's Ed25519 public key (hex), when the case is about one: they can ask
    /// for erasure, and are noticed of any court override.
    #[arg(long)]
    pub subject: Option<String>,
    /// Sharing the case (a referral included) needs the survivor's signed consent or a
    /// court override. Needs --subject.
    #[arg(long, requires = "subject")]
    pub consent_required: bool,
    #[command(flatten)]
    pub who: Who,
}

/// How a case record is sealed.
pub(crate) struct CasePolicy {
    /// Country for phone numbers without +country code.
    pub country: Option<String>,
    /// Retention in days.
    pub retention_days: u32,
    /// The survivor's key.
    pub subject: Option<String>,
    /// Whether sharing needs their consent.
    pub consent_required: bool,
}

/// The UTC calendar year of a time in ms since the Unix epoch.
fn utc_year(ms: u64) -> i32 {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_seconds(t).to_string()[..4]
        .parse()
        .expect("RFC 3339 starts with a four-digit year")
}

/// A case id as one URL path segment.
fn segment(id: &str) -> String {
    id.replace('%', "%25").replace('/', "%2F")
}

fn read_tables(dir: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.extension().and_then(|x| x.to_str()) == Some("csv") {
            let name = p
                .file_stem()
                .and_then(|x| x.to_str())
                .context("table file name")?
                .to_owned();
            out.insert(
                name,
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?,
            );
        }
    }
    Ok(out)
}

/// The document's identifiers as `KIND:VALUE`, each checked to have a normal form, so that
/// a malformed one is refused naming its field before anything is sealed.
fn identifiers(doc: &Value, country: Option<&str>) -> anyhow::Result<Vec<String>> {
    unchain_htcds::identifiers(doc)
        .into_iter()
        .map(|(field, kind, value)| {
            let k: unchain_seal::IdentifierKind = kind
                .parse()
                .map_err(|e: String| anyhow::anyhow!("{field}: {e}"))?;
            unchain_seal::blind::normalize(k, &value, country)
                .map_err(|e| anyhow::anyhow!("{field}: {value:?} cannot be matched: {e}"))?;
            Ok(format!("{kind}:{value}"))
        })
        .collect()
}

/// Seals `doc` (checked) and opens case `id` over it.
pub(crate) async fn open_case(
    s: &Session,
    id: &str,
    kind: &str,
    doc: &Value,
    policy: &CasePolicy,
) -> anyhow::Result<unchain_types::Hash32> {
    let spec = SealSpec {
        schema: "htcds.case".into(),
        to: Vec::new(),
        subject: policy.subject.clone(),
        consent_required: policy.consent_required,
        minor: false,
        retention_days: policy.retention_days,
        identifiers: identifiers(doc, policy.country.as_deref())?,
        country: policy.country.clone(),
        record: None,
    };
    let kind: CaseKind = serde_json::from_value(kind.into()).map_err(|_| {
        anyhow::anyhow!("--kind {kind:?}: one of allegation, investigation, rescue, case")
    })?;
    let bytes = serde_json::to_vec(doc)?;
    let (record, _) = seal_with(s, &bytes, &spec).await?;
    s.submit_quiet(
        "cases.open",
        unchain_cases::client::open(id, kind, record, None, &s.actor),
    )
    .await?;
    Ok(record)
}

async fn case_view(s: &Session, id: &str) -> anyhow::Result<CaseView> {
    s.get(&format!("/v1/cases/{}", segment(id))).await
}

/// The case's HTCDS document, opened here.
async fn document(s: &Session, id: &str) -> anyhow::Result<(CaseView, Value)> {
    let view = case_view(s, id).await?;
    let (_, plain) = s
        .open_record(&view.case.record, Some(view.case.record_version))
        .await
        .with_context(|| format!("opening case {id}'s record"))?;
    let doc: Value = serde_json::from_slice(&plain).context("the record is not JSON")?;
    Ok((view, doc))
}

/// `unchain case …`.
pub async fn case(c: CaseCommand) -> anyhow::Result<()> {
    match c {
        CaseCommand::Import(a) => {
            let s = Session::open(&a.who).await?;
            let docs: Vec<(String, Value)> = if a.path.is_dir() {
                let mut docs = tables::from_tables(&read_tables(&a.path)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", a.path.display()))?;
                match (&a.id, docs.len()) {
                    (None, _) => {}
                    (Some(id), 1) => docs[0].0 = id.clone(),
                    (Some(_), n) => bail!(
                        "--id renames the one case in a set of tables; {} holds {n} cases, each named by its case_id",
                        a.path.display()
                    ),
                }
                docs
            } else {
                let id =
                    a.id.clone()
                        .context("--id is required for a JSON document")?;
                let text = std::fs::read(&a.path)
                    .with_context(|| format!("reading {}", a.path.display()))?;
                let raw: Value = serde_json::from_slice(&text)
                    .with_context(|| format!("{} is not JSON", a.path.display()))?;
                let doc = validate(&raw).map_err(|e| {
                    anyhow::anyhow!("{} is not an HTCDS v2.0 document: {e}", a.path.display())
                })?;
                vec![(id, doc)]
            };
            let policy = CasePolicy {
                country: a.country.clone(),
                retention_days: a.retention_days,
                subject: a.subject.clone(),
                consent_required: a.consent_required,
            };
            for (id, doc) in &docs {
                let record = open_case(&s, id, &a.kind, doc, &policy).await?;
                eprintln!("opened {} {id} over sealed record {record}", a.kind);
                println!("{id}");
            }
            Ok(())
        }
        CaseCommand::Transition {
            case,
            to,
            outcome,
            reason,
            who,
        } => {
            let s = Session::open(&who).await?;
            let view = case_view(&s, &case).await?;
            let body = unchain_cases::client::transition(
                &case,
                &view.case.status,
                &to,
                outcome.as_deref(),
                reason.as_deref(),
                &s.actor,
            );
            s.submit("cases.transition", body).await
        }
        CaseCommand::Refer {
            case,
            to,
            reason,
            purpose,
            legal_basis,
            who,
        } => {
            let s = Session::open(&who).await?;
            let view = case_view(&s, &case).await?;
            let holds = s
                .record(&view.case.record)
                .await?
                .access
                .iter()
                .any(|x| x.member == to && x.revoked.is_none());
            if !holds {
                let grant = s
                    .grant_body(&view.case.record, &to, &purpose, &legal_basis, false)
                    .await?;
                s.submit_quiet("vault.grant", grant).await?;
                eprintln!("shared case {case}'s record with {to}");
            }
            s.submit(
                "cases.refer",
                unchain_cases::client::refer(&case, &to, &reason, &s.actor),
            )
            .await
        }
        CaseCommand::Show { case, who } => {
            let s = Session::open(&who).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&case_view(&s, &case).await?)?
            );
            Ok(())
        }
        CaseCommand::List { who } => {
            let s = Session::open(&who).await?;
            let v: Value = s.get("/v1/cases").await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        CaseCommand::Export {
            case,
            out,
            tables: dir,
            who,
        } => {
            let s = Session::open(&who).await?;
            let (_, doc) = document(&s, &case).await?;
            let doc = validate(&doc).map_err(|e| anyhow::anyhow!("case {case}'s record: {e}"))?;
            if let Some(path) = out {
                crate::output::write(&path, serde_json::to_vec_pretty(&doc)?)?;
                eprintln!("exported case {case} to {}", crate::output::shown(&path));
            }
            if let Some(dir) = dir {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                for (part, csv) in tables::to_tables(&[(case.clone(), doc)]) {
                    let p = dir.join(format!("{part}.csv"));
                    std::fs::write(&p, csv).with_context(|| format!("writing {}", p.display()))?;
                }
                eprintln!(
                    "exported case {case} as HTCDS tables into {}",
                    dir.display()
                );
            }
            Ok(())
        }
        CaseCommand::Audit { case, who } => {
            let s = Session::open(&who).await?;
            let v: Value = s
                .get(&format!("/v1/cases/{}/audit", segment(&case)))
                .await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        CaseCommand::Stats { out, k, who } => {
            let s = Session::open(&who).await?;
            let mine: Value = s.get("/v1/cases").await?;
            let mut ids: Vec<String> = Vec::new();
            for c in mine["owned"].as_array().into_iter().flatten() {
                ids.extend(c["case"].as_str().map(str::to_owned));
            }
            for r in mine["referred"].as_array().into_iter().flatten() {
                ids.extend(r["case"].as_str().map(str::to_owned));
            }
            ids.sort();
            ids.dedup();
            let mut rows = Vec::new();
            let mut unreadable = 0;
            for id in &ids {
                match document(&s, id).await {
                    Ok((view, doc)) => {
                        let Ok(doc) = validate(&doc) else {
                            unreadable += 1;
                            continue;
                        };
                        rows.extend(ctdc::rows(&doc, utc_year(view.case.opened_ms)));
                    }
                    Err(_) => unreadable += 1,
                }
            }
            let (rows, report) = ctdc::k_anonymise(rows, k);
            crate::output::write(&out, ctdc::to_csv(&rows))?;
            eprintln!(
                "{} cases read ({unreadable} could not be opened); {} victims → {} rows published, {} suppressed; k = {}, smallest group {}",
                ids.len() - unreadable,
                report.rows_in,
                report.rows_out,
                report.suppressed,
                report.k,
                report.smallest_group
            );
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

/// Arguments of `unchain watch`.
#[derive(Args)]
pub struct WatchArgs {
    /// Start after this event id (default: from the beginning).
    #[arg(long)]
    pub after: Option<u64>,
    /// Print each event as one JSON line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub who: Who,
}

/// `unchain watch`: the organisation's live events, until interrupted.
pub async fn watch(a: WatchArgs) -> anyhow::Result<()> {
    let s = Session::open(&a.who).await?;
    let path = match a.after {
        Some(n) => format!("/v1/events?after={n}"),
        None => "/v1/events".into(),
    };
    let mut resp = s.client.stream_signed(&s.signer, &path).await?;
    eprintln!(
        "watching {}'s events at {} (Ctrl-C to stop)",
        s.keys.name,
        s.client.base()
    );
    let mut buf = String::new();
    let (mut id, mut kind, mut data) = (String::new(), String::new(), String::new());
    while let Some(chunk) = resp.chunk().await.context("event stream")? {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find('\n') {
            let line = buf[..end].trim_end_matches('\r').to_owned();
            buf.drain(..=end);
            if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().into();
            } else if let Some(v) = line.strip_prefix("event:") {
                kind = v.trim().into();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            } else if line.is_empty() && !data.is_empty() {
                let value: Value =
                    serde_json::from_str(&data).unwrap_or(Value::String(data.clone()));
                if a.json {
                    println!(
                        "{}",
                        json!({"id": id.parse::<u64>().ok(), "kind": kind, "data": value})
                    );
                } else {
                    println!("#{id} {kind}: {value}");
                }
                use std::io::Write as _;
                std::io::stdout().flush()?;
                data.clear();
            }
        }
    }
    bail!("the node closed the event stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_years_are_calendar_years() {
        assert_eq!(utc_year(0), 1970);
        // 2025-12-31T23:59:59Z and a second later.
        assert_eq!(utc_year(1_767_225_599_000), 2025);
        assert_eq!(utc_year(1_767_225_600_000), 2026);
    }

    #[test]
    fn sample_identifiers_all_have_normal_forms_and_a_bad_one_is_named() {
        for doc in unchain_htcds::sample::documents(99, 300) {
            identifiers(&doc, None).expect("sample identifiers normalise");
        }
        let mut doc = unchain_htcds::sample::documents(1, 1).remove(0);
        doc["persons"][1]["prs_MobilePhone"] = "12".into();
        let err = identifiers(&doc, None)
            .expect_err("a bad phone")
            .to_string();
        assert!(
            err.starts_with("persons[1].prs_MobilePhone: \"12\" cannot be matched"),
            "{err}"
        );
    }
}
