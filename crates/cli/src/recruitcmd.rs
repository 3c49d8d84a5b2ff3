//! `unchain recruit …`: ethical recruitment. A regulator licenses recruiters and employers
//! in its jurisdiction (`licence`); a licensed recruiter registers an offer for a worker
//! (`offer`); the employer registers the contract in force (`contract`); `show` prints what
//! the ledger found: every term of the contract worse than the offer, and any fee charged
//! to the worker; `voice` is worker voice from the members' side (`recruit_voice`).

use crate::session::{Session, Who};
use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `unchain recruit …`.
#[derive(Subcommand)]
pub enum RecruitCommand {
    /// License (or suspend, or revoke) a recruitment agency or an employer in your own
    /// jurisdiction (a regulator).
    Licence {
        /// The party's member name.
        #[arg(long)]
        party: String,
        /// recruiter or employer.
        #[arg(long)]
        kind: String,
        /// Its registered name.
        #[arg(long)]
        name: String,
        /// Your jurisdiction (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: String,
        /// The licence's number.
        #[arg(long)]
        licence: String,
        /// active, suspended or revoked.
        #[arg(long, default_value = "active")]
        status: String,
        /// Valid until, YYYY-MM-DD.
        #[arg(long)]
        valid_until: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Register a job offer for a worker (a licensed recruiter). Prints the offer's id.
    Offer {
        /// The worker's pseudonymous id (w-…), shared with their wallet: never a name.
        #[arg(long)]
        worker: String,
        /// The comparable terms (JSON; see docs/recruit.md).
        #[arg(long)]
        terms: PathBuf,
        /// The full offer document as signed with the worker (sealed through the vault):
        /// its SHA-256 goes on the ledger.
        #[arg(long)]
        document: PathBuf,
        /// The vault record that holds the document, if sealed.
        #[arg(long)]
        record: Option<String>,
        /// The worker's wallet key (`did:key:…` from `unchain wallet new-key`, or hex): with
        /// it the worker confirms or disputes the contract later.
        #[arg(long)]
        holder: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Relay the worker's confirmation or dispute of the contract (signed in their wallet
    /// with `unchain wallet respond`).
    Respond {
        /// The offer.
        #[arg(long)]
        offer: String,
        /// The contract's hash, hex.
        #[arg(long)]
        contract: String,
        /// A dispute (without it: a confirmation).
        #[arg(long)]
        dispute: bool,
        /// For a dispute, the term that is wrong.
        #[arg(long)]
        term: Option<String>,
        /// The worker's signature, hex.
        #[arg(long)]
        signature: String,
        #[command(flatten)]
        who: Who,
    },
    /// Register the contract in force for an offer (the employer named in it).
    Contract {
        /// The offer's id.
        #[arg(long)]
        offer: String,
        /// The contract's comparable terms (JSON).
        #[arg(long)]
        terms: PathBuf,
        /// The full contract document: its SHA-256 goes on the ledger.
        #[arg(long)]
        document: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Report a month's pay (the employer): a CSV export or a UAE WPS Salary Information
    /// File. Account numbers are turned into blind-index tokens here, with the consortium's
    /// matching key: no account number leaves this machine. Prints every finding.
    Payroll {
        /// A CSV export (worker, month, currency, basic, paid_on, account, and optionally
        /// overtime_hours, overtime_pay, deductions; see docs/recruit.md).
        #[arg(long, conflicts_with = "sif")]
        csv: Option<PathBuf>,
        /// A WPS Salary Information File.
        #[arg(long, requires = "workers")]
        sif: Option<PathBuf>,
        /// For a SIF: a CSV of `employee,worker` mapping each labour-card number to the
        /// worker's pseudonymous id (kept on this machine).
        #[arg(long)]
        workers: Option<PathBuf>,
        #[command(flatten)]
        who: Who,
    },
    /// Every open alert about the parties licensed in a country (for its regulator):
    /// substitutions, fees, disputes, wage findings, passports held. With --brand, the
    /// alerts about the employers that brand linked itself to.
    Alerts {
        /// ISO 3166-1 alpha-2.
        #[arg(required_unless_present = "brand")]
        country: Option<String>,
        /// A brand (member name) instead of a country.
        #[arg(long, conflicts_with = "country")]
        brand: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Link your brand to an employer in your supply chain (and the facility it runs, as
    /// the supply module registered it): alerts about it then reach you.
    Link {
        /// The employer (a licensed party).
        #[arg(long)]
        employer: String,
        /// Its facility: an SGLN URN or GS1 Digital Link.
        #[arg(long)]
        facility: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Issue the offer to the worker's wallet as a credential (the recruiter, with its
    /// issuer DID from `unchain identity did-create`): each term can later be shown alone.
    Credential {
        /// The offer.
        #[arg(long)]
        offer: String,
        #[command(flatten)]
        to: crate::identitycmd::IssueTo,
        /// Valid for this many days.
        #[arg(long, default_value = "730")]
        days: u64,
        #[command(flatten)]
        who: Who,
    },
    /// Check a worker's presentation of their offer (an inspector, a border officer): the
    /// credential verifies against the trusted issuers, and every term it shows is the one
    /// on the ledger.
    Check {
        /// The presentation file (`unchain wallet present --out`).
        presentation: PathBuf,
        /// Your audience identifier, as given to the worker.
        #[arg(long)]
        aud: String,
        /// Your nonce for this presentation.
        #[arg(long)]
        nonce: String,
        #[command(flatten)]
        who: Who,
    },
    /// Relay a worker's signed payslip (`unchain wallet payslip`): reconciled against the
    /// contract and compared with the employer's own report of the month.
    Payslip {
        /// The body the worker's wallet wrote.
        file: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Worker voice: grievances about an employer and its answers, escalations, and the
    /// published months.
    Voice {
        #[command(subcommand)]
        cmd: crate::recruit_voice::VoiceCommand,
    },
    /// An offer, its contract and every substitution found.
    Show {
        /// The offer's id.
        offer: String,
        /// Print the JSON the node answered.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
}

/// Runs a `recruit` subcommand.
pub fn recruit(cmd: RecruitCommand) -> anyhow::Result<()> {
    crate::runtime()?.block_on(run(cmd))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(unchain_types::Hash32::digest(&bytes).to_hex())
}

async fn run(cmd: RecruitCommand) -> anyhow::Result<()> {
    match cmd {
        RecruitCommand::Voice { cmd } => crate::recruit_voice::run(cmd).await,
        RecruitCommand::Payslip { file, who } => {
            Session::open(&who)
                .await?
                .submit("recruit.payslip", read_json(&file)?)
                .await
        }
        RecruitCommand::Licence {
            party,
            kind,
            name,
            country,
            licence,
            status,
            valid_until,
            who,
        } => {
            let mut body = json!({"party": party, "kind": kind, "name": name,
                "country": country, "licence": licence, "status": status});
            if let Some(d) = valid_until {
                body["valid_until"] = d.into();
            }
            Session::open(&who)
                .await?
                .submit("recruit.licence", body)
                .await
        }
        RecruitCommand::Offer {
            worker,
            terms,
            document,
            record,
            holder,
            who,
        } => {
            let mut body = json!({"worker": worker, "terms": read_json(&terms)?,
                "terms_hash": sha256_of(&document)?});
            if let Some(r) = record {
                body["record"] = r.into();
            }
            if let Some(h) = holder {
                let key = if h.starts_with("did:key:") {
                    unchain_credentials::did::parse_did_key(&h)
                        .map_err(|e| anyhow::anyhow!("--holder: {e}"))?
                } else {
                    unchain_types::PublicKey::from_hex(&h)
                        .map_err(|e| anyhow::anyhow!("--holder: {e}"))?
                };
                body["holder"] = key.to_hex().into();
            }
            let status = Session::open(&who)
                .await?
                .submit_quiet("recruit.offer", body)
                .await?;
            eprintln!(
                "recruit.offer {} at height {}",
                status.status,
                status.height.unwrap_or_default()
            );
            println!("{}", status.id);
            Ok(())
        }
        RecruitCommand::Contract {
            offer,
            terms,
            document,
            who,
        } => {
            let body = json!({"offer": offer, "terms": read_json(&terms)?,
                "terms_hash": sha256_of(&document)?});
            let session = Session::open(&who).await?;
            session.submit_quiet("recruit.contract", body).await?;
            let view: Value = session.get(&format!("/v1/recruit/offers/{offer}")).await?;
            print_offer(&view);
            Ok(())
        }
        RecruitCommand::Respond {
            offer,
            contract,
            dispute,
            term,
            signature,
            who,
        } => {
            let mut body = json!({"offer": offer, "contract": contract,
                "response": if dispute { "dispute" } else { "confirm" }, "signature": signature});
            if let Some(t) = term {
                body["term"] = t.into();
            }
            Session::open(&who)
                .await?
                .submit("recruit.respond", body)
                .await
        }
        RecruitCommand::Payroll {
            csv,
            sif,
            workers,
            who,
        } => payroll(csv, sif, workers, &who).await,
        RecruitCommand::Link {
            employer,
            facility,
            who,
        } => {
            let mut body = json!({"employer": employer});
            if let Some(f) = facility {
                body["facility"] = f.into();
            }
            Session::open(&who)
                .await?
                .submit("recruit.link", body)
                .await
        }
        RecruitCommand::Alerts {
            country,
            brand,
            who,
        } => {
            let (path, whom) = match (&country, &brand) {
                (_, Some(b)) => (
                    format!("/v1/recruit/brands/{b}/alerts"),
                    format!("the employers {b} linked itself to"),
                ),
                (Some(c), None) => (
                    format!("/v1/recruit/alerts/{c}"),
                    format!("parties licensed in {c}"),
                ),
                (None, None) => anyhow::bail!("give a country or --brand"),
            };
            let alerts: Vec<Value> = Session::open(&who).await?.get(&path).await?;
            println!("{} open alert(s) about {whom}", alerts.len());
            for a in &alerts {
                let s = |v: &Value| v.as_str().unwrap_or("?").to_owned();
                println!(
                    "  {:<14} {:<24} {}  {}",
                    s(&a["kind"]),
                    s(&a["party"]),
                    s(&a["about"]),
                    s(&a["detail"])
                );
            }
            Ok(())
        }
        RecruitCommand::Credential {
            offer,
            to,
            days,
            who,
        } => {
            let s = Session::open(&who).await?;
            let view: Value = s.get(&format!("/v1/recruit/offers/{offer}")).await?;
            let o: unchain_recruit::body::Offer =
                serde_json::from_value(view["offer"]["offer"].clone())
                    .context("the node's offer")?;
            let holder = crate::issuing::holder_key(&to.holder)?;
            if o.holder.is_some_and(|h| h != holder) {
                anyhow::bail!("--holder: the offer names another wallet key for the worker");
            }
            let mut extra = serde_json::Map::new();
            extra.insert("offer".into(), offer.clone().into());
            extra.insert("terms_hash".into(), o.terms_hash.to_hex().into());
            let exp = crate::session::now_ms() / 1000 + days * 86_400;
            crate::issuing::issue(
                &s,
                &to,
                crate::issuing::Claims {
                    vct: unchain_recruit::credential::OFFER_VCT,
                    child: None,
                    nbf: None,
                    exp,
                    selective: unchain_recruit::credential::term_claims(&o.terms),
                    always: extra,
                },
            )
            .await?;
            Ok(())
        }
        RecruitCommand::Check {
            presentation,
            aud,
            nonce,
            who,
        } => {
            let s = Session::open(&who).await?;
            let text = std::fs::read_to_string(&presentation)
                .with_context(|| format!("reading {}", presentation.display()))?;
            let report: Value = s
                .client
                .post_signed_json(
                    &s.signer,
                    "/v1/identity/verify",
                    &json!({"presentation": text.trim(), "aud": aud, "nonce": nonce,
                        "vct": unchain_recruit::credential::OFFER_VCT}),
                )
                .await?;
            let mut claims = report["claims"].as_object().cloned().unwrap_or_default();
            // The report gives the type beside the claims.
            if let Some(vct) = report.get("vct").filter(|v| v.is_string()) {
                claims.entry("vct").or_insert_with(|| vct.clone());
            }
            if report["verdict"] != "valid" {
                anyhow::bail!(
                    "NOT VALID: {} {}",
                    report["verdict"],
                    report["reason"].as_str().unwrap_or("")
                );
            }
            let offer = claims
                .get("offer")
                .and_then(Value::as_str)
                .context("the credential names no offer")?
                .to_owned();
            let view: Value = s.get(&format!("/v1/recruit/offers/{offer}")).await?;
            let o: unchain_recruit::body::Offer =
                serde_json::from_value(view["offer"]["offer"].clone())
                    .context("the node's offer")?;
            let id =
                unchain_types::TxId::from_hex(&offer).map_err(|e| anyhow::anyhow!("offer: {e}"))?;
            match unchain_recruit::credential::check_disclosed(&claims, &id, &o) {
                Ok(shown) => {
                    println!(
                        "VALID: offer {offer} issued by {}; shown and as on the ledger: {}",
                        report["issuer"].as_str().unwrap_or("?"),
                        shown.join(", ")
                    );
                    for name in &shown {
                        println!("  {name}: {}", claims[name]);
                    }
                    Ok(())
                }
                Err(why) => anyhow::bail!("DIFFERS FROM THE LEDGER: {why}"),
            }
        }
        RecruitCommand::Show { offer, json, who } => {
            let view: Value = Session::open(&who)
                .await?
                .get(&format!("/v1/recruit/offers/{offer}"))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                print_offer(&view);
            }
            Ok(())
        }
    }
}

/// An offer and its contract, for people.
fn print_offer(view: &Value) {
    let s = |v: &Value| v.as_str().unwrap_or("?").to_owned();
    let o = &view["offer"]["offer"];
    println!(
        "offer {} to {} by {}: {} at {}",
        s(&view["id"]),
        s(&o["worker"]),
        s(&view["offer"]["recorded"]["member"]),
        s(&o["terms"]["position"]),
        s(&o["terms"]["employer"])
    );
    if let Some(fee) = view["offer"]["fee"].as_object() {
        println!(
            "  FEE charged to the worker in the offer: {} ({})",
            s(&fee["contracted"]),
            s(&fee["rule"])
        );
    }
    match view["contract"].as_object() {
        None => println!("  no contract registered yet"),
        Some(c) => {
            println!(
                "  contract {}",
                c["contract"]["terms_hash"].as_str().unwrap_or("?")
            );
            for r in c["responses"].as_array().into_iter().flatten() {
                let said = if r[0] == "dispute" {
                    "DISPUTES"
                } else {
                    "CONFIRMS"
                };
                println!(
                    "  the worker {said} it{} (relayed by {})",
                    r[1].as_str().map(|t| format!(": {t}")).unwrap_or_default(),
                    s(&r[2]["member"])
                );
            }
            let subs = c["substitutions"].as_array().cloned().unwrap_or_default();
            if subs.is_empty() {
                println!("  contract registered: every term as offered, or better");
            } else {
                println!(
                    "  CONTRACT SUBSTITUTION: {} term(s) worse than offered",
                    subs.len()
                );
                for x in &subs {
                    println!(
                        "    {:<24} offered {}, contract {} — {}",
                        s(&x["term"]),
                        s(&x["offered"]),
                        s(&x["contracted"]),
                        s(&x["rule"])
                    );
                }
            }
        }
    }
}

/// The employee → worker table of a SIF import.
fn worker_table(path: &Path) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = std::collections::BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (employee, worker) = line
            .split_once(',')
            .with_context(|| format!("{} line {}: employee,worker", path.display(), i + 1))?;
        if i == 0 && employee.trim() == "employee" {
            continue;
        }
        out.insert(employee.trim().to_owned(), worker.trim().to_owned());
    }
    Ok(out)
}

async fn payroll(
    csv: Option<PathBuf>,
    sif: Option<PathBuf>,
    workers: Option<PathBuf>,
    who: &Who,
) -> anyhow::Result<()> {
    let session = Session::open(who).await?;
    let mut records = match (&csv, &sif) {
        (Some(path), None) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            unchain_recruit::payroll_csv::parse(&bytes)
                .with_context(|| format!("{} is refused", path.display()))?
        }
        (None, Some(path)) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let file = unchain_recruit::sif::parse(&bytes)
                .with_context(|| format!("{} is refused", path.display()))?;
            let table = worker_table(
                workers
                    .as_deref()
                    .context("--workers is needed with --sif")?,
            )?;
            unchain_recruit::sif::to_pay_records(&file, &table, |a| a.to_owned())
                .with_context(|| format!("{} is refused", path.display()))?
        }
        _ => anyhow::bail!("give --csv FILE or --sif FILE --workers TABLE"),
    };
    // Each distinct account once: checked here (the error names the record), then blinded
    // — by the token key's holders once the chain has a threshold key.
    let iban = unchain_seal::blind::IdentifierKind::Iban;
    let mut accounts: Vec<String> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        unchain_seal::blind::normalize(iban, &r.account, None)
            .map_err(|e| anyhow::anyhow!("record {}: account: {e}", i + 1))?;
        if !accounts.contains(&r.account) {
            accounts.push(r.account.clone());
        }
    }
    let asked: Vec<(unchain_seal::blind::IdentifierKind, &str)> =
        accounts.iter().map(|a| (iban, a.as_str())).collect();
    let tokens = session.tokens(&asked, None).await?;
    let by_account: std::collections::BTreeMap<&str, String> = accounts
        .iter()
        .map(String::as_str)
        .zip(tokens.iter().map(|t| t.token.to_hex()))
        .collect();
    for r in records.iter_mut() {
        r.account = by_account[r.account.as_str()].clone();
    }
    let me = session.signer.member.clone();
    let bodies = unchain_recruit::client::payroll_bodies(records);
    let months: std::collections::BTreeSet<String> =
        bodies.iter().map(|(m, _, _)| m.clone()).collect();
    for (month, body, n) in bodies {
        let status = session.submit_quiet("recruit.payroll", body).await?;
        eprintln!(
            "recruit.payroll {month}: {n} record(s) {} at height {}",
            status.status,
            status.height.unwrap_or_default()
        );
    }
    for month in months {
        let wages: Vec<Value> = session
            .get(&format!("/v1/recruit/employers/{me}/wages/{month}"))
            .await?;
        let findings: Vec<&Value> = wages
            .iter()
            .flat_map(|w| w["findings"].as_array().into_iter().flatten())
            .collect();
        println!(
            "{month}: {} worker(s) reported, {} finding(s)",
            wages.len(),
            findings.len()
        );
        for f in findings {
            let s = |v: &Value| v.as_str().unwrap_or("?").to_owned();
            println!(
                "  {} {:<22} expected {}, paid {}",
                s(&f["worker"]),
                s(&f["kind"]),
                s(&f["expected"]),
                s(&f["paid"])
            );
        }
    }
    Ok(())
}
