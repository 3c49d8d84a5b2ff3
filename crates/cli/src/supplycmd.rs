//! `unchain supply …`: supply-chain traceability. `check` reads an EPCIS 2.0 document the
//! way capture will — GS1's JSON Schema, every event, every GS1 identifier's check digit —
//! with no node and no network, so a supplier can fix a file before sending it. `capture`
//! sends it to the ledger; `facility`, `product`, `audit`, `certify`, `finding`,
//! `remediate` and `verify` record the rest; `query` and `trace` read it back; `dossier`
//! fetches a shipment's due-diligence dossier, verified offline before it is written.

use crate::session::{Session, Who};
use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use unchain_epcis::document;
use unchain_epcis::gs1::percent_encode as enc;

/// `unchain supply …`.
#[derive(Subcommand)]
pub enum SupplyCommand {
    /// Check an EPCIS 2.0 document (JSON-LD or XML) offline: valid against GS1's JSON Schema
    /// (for JSON-LD), every
    /// event readable, every GS1 identifier's check digit right. Prints each event with its
    /// identifiers in canonical form (GS1 Digital Link) and its CBV 2.0 event hash (a
    /// declared hash ID that differs is a warning); exit status 1 with the JSON pointer and
    /// the rule on the first error.
    Check {
        /// The document.
        file: PathBuf,
    },
    /// Capture an EPCIS 2.0 document (JSON-LD or XML) on the ledger, as your organisation:
    /// one `supply.capture` transaction per 1000 events (or 200 KiB). Prints each event's
    /// CBV 2.0 hash, the event's identity on the ledger.
    Capture {
        /// The document.
        file: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Register or update a facility (only the member that registered it may update it).
    Facility {
        /// Its location: a GLN (urn:epc:id:sgln:… or https://id.gs1.org/414/…) or a URI.
        #[arg(long)]
        id: String,
        /// Its public name (a site, never a person).
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country code.
        #[arg(long)]
        country: String,
        /// What it does: cotton-farming, ginning, spinning, garment-making, …
        #[arg(long)]
        sector: String,
        /// The member that operates it (it may answer findings).
        #[arg(long)]
        operator: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Register or update a product.
    Product {
        /// Its GTIN (8, 12, 13 or 14 digits).
        #[arg(long)]
        gtin: String,
        /// A public description.
        #[arg(long)]
        description: String,
        #[command(flatten)]
        who: Who,
    },
    /// Record an audit of a facility.
    Audit {
        /// The facility.
        #[arg(long)]
        facility: String,
        /// The standard (SA8000, amfori BSCI, SMETA, …).
        #[arg(long)]
        standard: String,
        /// What was covered.
        #[arg(long)]
        scope: String,
        /// First day on site, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day on site, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// conformant, minor, major or critical.
        #[arg(long)]
        outcome: String,
        /// SHA-256 (hex) of the report, kept off the ledger.
        #[arg(long)]
        report_hash: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Record a certification of a facility.
    Certify {
        /// The facility.
        #[arg(long)]
        facility: String,
        /// The scheme.
        #[arg(long)]
        scheme: String,
        /// The certificate's number.
        #[arg(long)]
        certificate: String,
        /// First day of validity, YYYY-MM-DD.
        #[arg(long)]
        valid_from: String,
        /// Last day of validity, YYYY-MM-DD.
        #[arg(long)]
        valid_until: String,
        #[command(flatten)]
        who: Who,
    },
    /// Record a finding against one of the ILO's eleven forced-labour indicators, at a
    /// facility or on goods: it flags every lot downstream, with the path to each.
    Finding {
        /// The facility (everything it made is flagged).
        #[arg(long, conflicts_with = "goods", required_unless_present = "goods")]
        facility: Option<String>,
        /// Goods: a lot, an item or a logistic unit (EPC URN or GS1 Digital Link).
        #[arg(long)]
        goods: Option<String>,
        /// The indicator: abuse_of_vulnerability, deception, restriction_of_movement,
        /// isolation, physical_and_sexual_violence, intimidation_and_threats,
        /// retention_of_identity_documents, withholding_of_wages, debt_bondage,
        /// abusive_working_and_living_conditions, excessive_overtime.
        #[arg(long)]
        indicator: String,
        /// low, medium, high or critical.
        #[arg(long)]
        severity: String,
        /// What was found (public; never who).
        #[arg(long)]
        description: String,
        /// SHA-256 (hex) of the evidence, kept off the ledger.
        #[arg(
            long,
            conflicts_with = "custody_item",
            required_unless_present = "custody_item"
        )]
        evidence_hash: Option<String>,
        /// The evidence's custody item id (hex).
        #[arg(long)]
        custody_item: Option<String>,
        /// The audit it came from (its transaction id).
        #[arg(long)]
        audit: Option<String>,
        /// For a facility: the first day the conditions held, YYYY-MM-DD.
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// File a corrective-action plan answering a finding (the facility's operator or
    /// registrant).
    Remediate {
        /// The finding (its transaction id).
        #[arg(long)]
        finding: String,
        /// What will be done (public; no personal data).
        #[arg(long)]
        actions: String,
        /// When, YYYY-MM-DD.
        #[arg(long)]
        due: String,
        #[command(flatten)]
        who: Who,
    },
    /// Verify a corrective action (the finding's author): verified clears every flag the
    /// finding set, and only those.
    Verify {
        /// The finding (its transaction id).
        #[arg(long)]
        finding: String,
        /// Record that the action was not (yet) effective; the finding stays open.
        #[arg(long)]
        not_verified: bool,
        /// What was checked (public; no personal data).
        #[arg(long)]
        note: String,
        /// SHA-256 (hex) of the verification report.
        #[arg(long)]
        report_hash: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Query events with EPCIS simple-query parameters (NAME=VALUE, e.g.
    /// MATCH_anyEPC=urn:epc:class:lgtin:4012345.012345.LOT1 EQ_bizStep=shipping), following
    /// every next page; prints an EPCISQueryDocument.
    Query {
        /// The parameters.
        params: Vec<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Trace goods: where they were made, every open finding that flags them with the path
    /// from it, and the tiers they came from.
    Trace {
        /// A lot, an item or a logistic unit (EPC URN or GS1 Digital Link).
        id: String,
        /// Print the JSON the node answered.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Fetch the due-diligence dossier of a shipment (SSCC) or a lot for customs: download
    /// its provenance bundle from the node's public page, verify it here (signatures,
    /// inclusion, the checkpoint, the tiers and findings recomputed), then write into
    /// `--out` the bundle, the printable dossier and the dossier as JSON.
    Dossier {
        /// The shipment or goods (EPC URN or GS1 Digital Link).
        id: String,
        /// The folder to write `provenance-bundle.json`, `dossier.html` and
        /// `dossier.json` into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Trust the validator and member keys of this genesis file (recommended; without
        /// it the keys in the bundle are used).
        #[arg(long)]
        genesis: Option<PathBuf>,
        /// The node's API URL (the page is public: no key needed).
        #[arg(long, env = "UNCHAIN_NODE", default_value = "http://127.0.0.1:7700")]
        node: String,
    },
}

/// Runs a `supply` subcommand.
pub fn supply(cmd: SupplyCommand) -> anyhow::Result<()> {
    match cmd {
        SupplyCommand::Check { file } => check(&file),
        other => crate::runtime()?.block_on(online(other)),
    }
}

/// Reads a document, JSON-LD or (starting with `<`) XML.
fn read_document(file: &Path) -> anyhow::Result<document::Document> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let is_xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if is_xml {
        unchain_epcis::xml::parse(&bytes)
    } else {
        document::parse(&bytes)
    }
    .with_context(|| format!("{} is not a valid EPCIS 2.0 document", file.display()))
}

/// Sets `body[key]` where `value` is given.
fn opt(body: &mut Value, key: &str, value: Option<String>) {
    if let Some(v) = value {
        body[key] = Value::from(v);
    }
}

async fn online(cmd: SupplyCommand) -> anyhow::Result<()> {
    match cmd {
        SupplyCommand::Check { file } => check(&file),
        SupplyCommand::Dossier {
            id,
            out,
            genesis,
            node,
        } => dossier(&fetch_bundle(&node, &id).await?, &out, genesis),
        SupplyCommand::Capture { file, who } => {
            let doc = read_document(&file)?;
            anyhow::ensure!(!doc.events.is_empty(), "{} holds no event", file.display());
            let context = match &doc.context {
                Value::Null => Value::Null,
                c => c.clone(),
            };
            let bodies = unchain_supply::client::capture_bodies(&doc.events, &context)?;
            let session = Session::open(&who).await?;
            let ns = unchain_epcis::hash::namespaces(&doc.context);
            let mut done = 0;
            for (i, body) in bodies.into_iter().enumerate() {
                let n = body["events"].as_array().map_or(0, Vec::len);
                let status = session.submit_quiet("supply.capture", body).await?;
                eprintln!(
                    "batch {}: {n} event(s) {} at height {}",
                    i + 1,
                    status.status,
                    status.height.map(|h| h.to_string()).unwrap_or_default()
                );
                for e in &doc.events[done..done + n] {
                    println!("{}", unchain_epcis::hash::event_hash(e, &ns));
                }
                done += n;
            }
            Ok(())
        }
        SupplyCommand::Facility {
            id,
            name,
            country,
            sector,
            operator,
            who,
        } => {
            let mut body = json!({"id": id, "name": name, "country": country, "sector": sector});
            opt(&mut body, "operator", operator);
            Session::open(&who)
                .await?
                .submit("supply.facility", body)
                .await
        }
        SupplyCommand::Product {
            gtin,
            description,
            who,
        } => {
            let body = json!({"gtin": gtin, "description": description});
            Session::open(&who)
                .await?
                .submit("supply.product", body)
                .await
        }
        SupplyCommand::Audit {
            facility,
            standard,
            scope,
            from,
            to,
            outcome,
            report_hash,
            who,
        } => {
            let mut body = json!({"facility": facility, "standard": standard, "scope": scope,
                "from": from, "to": to, "outcome": outcome});
            opt(&mut body, "report_hash", report_hash);
            Session::open(&who)
                .await?
                .submit("supply.audit", body)
                .await
        }
        SupplyCommand::Certify {
            facility,
            scheme,
            certificate,
            valid_from,
            valid_until,
            who,
        } => {
            let body = json!({"facility": facility, "scheme": scheme, "certificate": certificate,
                "valid_from": valid_from, "valid_until": valid_until});
            Session::open(&who)
                .await?
                .submit("supply.certify", body)
                .await
        }
        SupplyCommand::Finding {
            facility,
            goods,
            indicator,
            severity,
            description,
            evidence_hash,
            custody_item,
            audit,
            since,
            who,
        } => {
            let target = match (facility, goods) {
                (Some(f), _) => json!({"facility": f}),
                (None, Some(g)) => json!({"goods": g}),
                (None, None) => anyhow::bail!("give --facility or --goods"),
            };
            let evidence = match (evidence_hash, custody_item) {
                (Some(h), _) => json!({"hash": h}),
                (None, Some(c)) => json!({"custody_item": c}),
                (None, None) => anyhow::bail!("give --evidence-hash or --custody-item"),
            };
            let mut body = json!({"target": target, "indicator": indicator, "severity": severity,
                "description": description, "evidence": evidence});
            opt(&mut body, "audit", audit);
            opt(&mut body, "since", since);
            let session = Session::open(&who).await?;
            let status = session.submit_quiet("supply.finding", body).await?;
            eprintln!(
                "supply.finding {}: the finding's id is {}",
                status.status, status.id
            );
            let reach: Vec<String> = session
                .get(&format!("/v1/supply/findings/{}/reach", status.id))
                .await?;
            eprintln!("it flags {} lot(s), item(s) or unit(s):", reach.len());
            for n in reach {
                println!("{n}");
            }
            Ok(())
        }
        SupplyCommand::Remediate {
            finding,
            actions,
            due,
            who,
        } => {
            let body = json!({"finding": finding, "actions": actions, "due": due});
            Session::open(&who).await?.submit("supply.plan", body).await
        }
        SupplyCommand::Verify {
            finding,
            not_verified,
            note,
            report_hash,
            who,
        } => {
            let mut body = json!({"finding": finding, "verified": !not_verified, "note": note});
            opt(&mut body, "report_hash", report_hash);
            Session::open(&who)
                .await?
                .submit("supply.verify", body)
                .await
        }
        SupplyCommand::Query { params, who } => {
            let session = Session::open(&who).await?;
            let mut pairs = Vec::new();
            for p in &params {
                let (k, v) = p
                    .split_once('=')
                    .with_context(|| format!("{p:?}: write each parameter as NAME=VALUE"))?;
                pairs.push(format!("{}={}", enc(k), enc(v)));
            }
            let mut events: Vec<Value> = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let mut q = pairs.clone();
                q.push("perPage=1000".into());
                if let Some(t) = &token {
                    q.push(format!("nextPageToken={}", enc(t)));
                }
                let path = format!("/epcis/events?{}", q.join("&"));
                let resp = session.client.stream_signed(&session.signer, &path).await?;
                // The next page is in the standard's `Link: <…nextPageToken=N…>; rel="next"`.
                let next = resp
                    .headers()
                    .get("link")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| l.split("nextPageToken=").nth(1))
                    .map(|t| t.split(['&', '>']).next().unwrap_or("").to_owned());
                let doc: Value = resp.json().await.context("reading a page of events")?;
                if let Some(list) = doc
                    .pointer("/epcisBody/queryResults/resultsBody/eventList")
                    .and_then(Value::as_array)
                {
                    events.extend(list.iter().cloned());
                }
                match next {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
            eprintln!("{} event(s)", events.len());
            let doc = json!({
                "@context": [unchain_node::api::epcis::EPCIS_CONTEXT],
                "type": "EPCISQueryDocument",
                "schemaVersion": "2.0",
                "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}},
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        SupplyCommand::Trace { id, json, who } => {
            let session = Session::open(&who).await?;
            let view: Value = session
                .get(&format!("/v1/supply/goods/{}", enc(&id)))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(());
            }
            print_trace(&view);
            Ok(())
        }
    }
}

/// The provenance bundle of `id` from the node's public Digital Link page.
async fn fetch_bundle(node: &str, id: &str) -> anyhow::Result<Vec<u8>> {
    let link = unchain_epcis::gs1::Gs1Id::parse(id)
        .with_context(|| format!("{id:?}: not a GS1 identifier"))?
        .canonical();
    let path = link.strip_prefix("https://id.gs1.org").unwrap_or(&link);
    let url = format!("{}{path}?format=bundle", node.trim_end_matches('/'));
    let resp = reqwest::get(&url)
        .await
        .with_context(|| format!("fetching {url}"))?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("reading the bundle")?;
    if !status.is_success() {
        let detail = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|p| p["detail"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
        anyhow::bail!("{url}: {status}: {detail}");
    }
    Ok(bytes.to_vec())
}

/// Saves `bundle` under `out`, verifies it and writes the dossier beside it; nothing but
/// the bundle is written when it does not verify.
fn dossier(bundle: &[u8], out: &Path, genesis: Option<PathBuf>) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("provenance-bundle.json");
    std::fs::write(&path, bundle).with_context(|| format!("writing {}", path.display()))?;
    unchain_verify::provenance::run(&unchain_verify::provenance::ProvenanceArgs {
        bundle: path,
        genesis,
        html: None,
        dossier: Some(out.join("dossier.html")),
        dossier_json: Some(out.join("dossier.json")),
        json: None,
    })
}

/// A trace for people.
fn print_trace(view: &Value) {
    let s = |v: &Value| v.as_str().unwrap_or("?").to_owned();
    println!("{}", s(&view["id"]));
    if let Some(made) = view["made"].as_object() {
        println!("  made at {}", s(&made["facility"]));
    }
    let flags = view["flags"].as_array().cloned().unwrap_or_default();
    if flags.is_empty() {
        println!("  no open finding flags it");
    }
    for f in &flags {
        println!("  FLAGGED by finding {}", s(&f["finding"]));
        for step in f["path"].as_array().into_iter().flatten() {
            let how = step["flag"]["relation"]
                .as_str()
                .unwrap_or("made at the facility");
            println!("    {:<16} {}", how, s(&step["node"]));
        }
    }
    let up = view["upstream"].as_array().cloned().unwrap_or_default();
    if !up.is_empty() {
        println!("  came from:");
        for u in &up {
            let at = u["made"]["facility"].as_str().unwrap_or("?");
            println!("    tier -{} {} (made at {at})", u["depth"], s(&u["id"]));
        }
    }
}

fn check(file: &Path) -> anyhow::Result<()> {
    let doc = read_document(file)?;
    println!(
        "VALID {} with {} event(s)",
        match doc.kind {
            document::DocumentKind::Capture => "EPCISDocument",
            document::DocumentKind::QueryResults => "EPCISQueryDocument",
        },
        doc.events.len()
    );
    let ns = unchain_epcis::hash::namespaces(&doc.context);
    for (i, e) in doc.events.iter().enumerate() {
        let w = &e.what;
        let ids: Vec<String> = w
            .epcs
            .iter()
            .chain(w.parent.iter())
            .chain(&w.children)
            .chain(&w.inputs)
            .chain(&w.outputs)
            .map(|id| id.canonical())
            .collect();
        println!(
            "  {i:>3}. {:<20} {}  {}  {}",
            e.event_type.as_str(),
            unchain_custody::report::utc(u64::try_from(e.time_ms).unwrap_or(0)),
            e.action.map(|a| a.as_str()).unwrap_or("-"),
            e.biz_step.as_deref().unwrap_or("-"),
        );
        for id in ids {
            println!("         {id}");
        }
        // The CBV 2.0 event hash; a declared hash ID that differs is a warning, not a
        // refusal (GS1's own examples carry hash IDs of other content).
        let computed = unchain_epcis::hash::event_hash(e, &ns);
        println!("         event hash {computed}");
        if let Some(declared) = e.event_id.as_deref()
            && declared.starts_with("ni:")
            && declared != computed
        {
            eprintln!(
                "warning: event {i} declares eventID {declared}, which is not the CBV 2.0 hash of its content"
            );
        }
    }
    Ok(())
}
