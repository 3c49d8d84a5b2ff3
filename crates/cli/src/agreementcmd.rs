//! `unchain agreement …`: compliance agreements. A party proposes one from a JSON file of
//! its parties, arbiter and clauses (`propose`; `check` compiles the clauses on this
//! machine first, with no node); the other parties sign it (`sign`); a party proposes new
//! terms or the end (`amend`, `end`), which every party signs (`sign --amendment N`); once
//! in force, any
//! member asks for a due clause to be evaluated (`evaluate`); a party contests a breach and
//! the arbiter decides (`contest`, `decide`); `attest` copies an outcome into the log and
//! `bundle` saves it for `unchain verify agreement`; `show` prints it with every outcome;
//! `schema` lists the facts a clause may read.

use crate::session::{Session, Who};
use anyhow::Context as _;
use clap::Subcommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `unchain agreement …`.
#[derive(Subcommand)]
pub enum AgreementCommand {
    /// Compile and type-check an agreement's clauses here, with no node: each refusal
    /// points into its clause.
    Check {
        /// The proposal (JSON).
        file: PathBuf,
    },
    /// Propose an agreement (you are one of its parties); prints its id.
    Propose {
        /// The proposal (JSON): title, parties, arbiter, schema, clauses; an `agreement`
        /// id is drawn if it has none.
        file: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// Sign an agreement you are a party to, as proposed, or (--amendment) its amendment.
    Sign {
        /// Its id.
        agreement: String,
        /// Sign this amendment (its number) instead of the agreement as proposed.
        #[arg(long)]
        amendment: Option<u32>,
        #[command(flatten)]
        who: Who,
    },
    /// Propose new terms for an agreement you are a party to (a proposal file: title,
    /// parties, arbiter, schema, clauses). In effect once every party of the old and new
    /// terms signed it (`sign --amendment N`).
    Amend {
        /// The agreement.
        agreement: String,
        /// The new terms (JSON).
        file: PathBuf,
        /// Why, in words.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Propose ending an agreement you are a party to: ended once every party signed it.
    End {
        /// The agreement.
        agreement: String,
        /// Why, in words.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Ask for a due clause to be evaluated over the facts at the next height.
    Evaluate {
        /// The agreement.
        agreement: String,
        /// The clause's id.
        clause: String,
        #[command(flatten)]
        who: Who,
    },
    /// Contest a breach of an agreement you are a party to, with your reason.
    Contest {
        /// The agreement.
        agreement: String,
        /// The outcome's number (`show` lists them from 0).
        outcome: u64,
        /// Why, for the arbiter.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Decide a contested outcome, as the agreement's arbiter: --uphold, or overturn it.
    Decide {
        /// The agreement.
        agreement: String,
        /// The outcome's number.
        outcome: u64,
        /// Uphold it (without: overturn it; its penalty is then not owed, its suspension
        /// lifted).
        #[arg(long)]
        uphold: bool,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// An agreement: its parties and signatures, standing, clauses and every outcome.
    Show {
        /// Its id.
        agreement: String,
        /// Print the JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Copy an outcome into the log so that anyone can re-check it offline: every validator
    /// accepts it only if it matches what it recorded.
    Attest {
        /// The agreement.
        agreement: String,
        /// The outcome's number.
        outcome: u64,
        #[command(flatten)]
        who: Who,
    },
    /// Save an attested outcome's bundle (the proposal, signatures, evaluation and
    /// attestation with their proofs, and the facts read), for `unchain verify agreement`.
    Bundle {
        /// The agreement.
        agreement: String,
        /// The outcome's number.
        outcome: u64,
        /// Write it here.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        who: Who,
    },
    /// The facts a clause may read, with their types (no node needed).
    Schema,
}

/// Runs `unchain agreement …`.
pub fn agreement(cmd: AgreementCommand) -> anyhow::Result<()> {
    crate::runtime()?.block_on(run(cmd))
}

fn read(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", path.display()))
}

/// The proposal with an id drawn if it has none.
fn proposal(path: &Path) -> anyhow::Result<Value> {
    Ok(unchain_agree::client::propose(read(path)?))
}

fn check(p: &Value) -> anyhow::Result<()> {
    unchain_agree::body::AgreeBody::parse("agree.propose", p)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?;
    Ok(())
}

async fn run(cmd: AgreementCommand) -> anyhow::Result<()> {
    match cmd {
        AgreementCommand::Check { file } => {
            let p = proposal(&file)?;
            check(&p)?;
            let n = p["clauses"].as_array().map_or(0, Vec::len);
            println!(
                "{n} clause(s) checked against fact schema version {}",
                p["schema"]
            );
            Ok(())
        }
        AgreementCommand::Propose { file, who } => {
            let p = proposal(&file)?;
            check(&p)?;
            let id = p["agreement"].as_str().unwrap_or_default().to_owned();
            Session::open(&who)
                .await?
                .submit_quiet("agree.propose", p)
                .await?;
            println!("{id}");
            Ok(())
        }
        AgreementCommand::Sign {
            agreement,
            amendment,
            who,
        } => {
            let body = match amendment {
                Some(n) => unchain_agree::client::sign_amendment(&agreement, n),
                None => unchain_agree::client::sign(&agreement),
            };
            Session::open(&who).await?.submit("agree.sign", body).await
        }
        AgreementCommand::Amend {
            agreement,
            file,
            reason,
            who,
        } => {
            let terms = read(&file)?;
            amend(&who, &agreement, &reason, Some(terms)).await
        }
        AgreementCommand::End {
            agreement,
            reason,
            who,
        } => amend(&who, &agreement, &reason, None).await,
        AgreementCommand::Evaluate {
            agreement,
            clause,
            who,
        } => {
            Session::open(&who)
                .await?
                .submit(
                    "agree.evaluate",
                    unchain_agree::client::evaluate(&agreement, &clause),
                )
                .await
        }
        AgreementCommand::Contest {
            agreement,
            outcome,
            reason,
            who,
        } => {
            Session::open(&who)
                .await?
                .submit(
                    "agree.contest",
                    unchain_agree::client::contest(&agreement, outcome, &reason),
                )
                .await
        }
        AgreementCommand::Decide {
            agreement,
            outcome,
            uphold,
            reason,
            who,
        } => {
            Session::open(&who)
                .await?
                .submit(
                    "agree.decide",
                    unchain_agree::client::decide(&agreement, outcome, uphold, &reason),
                )
                .await
        }
        AgreementCommand::Show {
            agreement,
            json,
            who,
        } => {
            let v: Value = Session::open(&who)
                .await?
                .get(&format!("/v1/agreements/{agreement}"))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            print_agreement(&v);
            Ok(())
        }
        AgreementCommand::Attest {
            agreement,
            outcome,
            who,
        } => {
            let s = Session::open(&who).await?;
            let v: Value = s.get(&format!("/v1/agreements/{agreement}")).await?;
            let found = usize::try_from(outcome)
                .ok()
                .and_then(|i| v["outcomes"].get(i))
                .with_context(|| format!("{agreement} has no outcome {outcome}"))?;
            let body = unchain_agree::client::attest(&agreement, outcome, found)
                .map_err(anyhow::Error::msg)?;
            s.submit("agree.attest", body).await
        }
        AgreementCommand::Bundle {
            agreement,
            outcome,
            out,
            who,
        } => {
            let s = Session::open(&who).await?;
            let path = format!("/v1/agreements/{agreement}/outcomes/{outcome}/bundle");
            // A fresh attestation waits for the validators to cosign a checkpoint over it.
            let mut tries = 0;
            let bundle: Value = loop {
                match s.client.get_signed(&s.signer, &path).await {
                    Ok(b) => break b,
                    Err(unchain_client::ClientError::Problem {
                        code: Some(unchain_types::Code::NotCosignedYet),
                        ..
                    }) if tries < 30 => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            crate::output::write(&out, serde_json::to_vec_pretty(&bundle)?)?;
            eprintln!(
                "saved outcome {outcome} of {agreement} to {}; check it with: unchain verify agreement {}",
                crate::output::shown(&out),
                out.display()
            );
            Ok(())
        }
        AgreementCommand::Schema => {
            let s = unchain_agree::schema::current();
            println!("fact schema version {}", s.version);
            for (path, ty) in s.paths() {
                println!("  {path:<36} {ty}");
            }
            Ok(())
        }
    }
}

/// Submits the agreement's next amendment (new terms, or its end), numbered from what the
/// node shows; prints the number the other parties sign.
async fn amend(
    who: &Who,
    agreement: &str,
    reason: &str,
    terms: Option<Value>,
) -> anyhow::Result<()> {
    let s = Session::open(who).await?;
    let v: Value = s.get(&format!("/v1/agreements/{agreement}")).await?;
    let next = v["agreement"]["amendments"].as_array().map_or(0, Vec::len) as u32 + 1;
    let body = unchain_agree::client::amend(agreement, next, reason, terms);
    check_kind("agree.amend", &body)?;
    s.submit("agree.amend", body).await?;
    eprintln!(
        "amendment {next} of {agreement}: every other party signs it with `unchain agreement sign {agreement} --amendment {next}`"
    );
    Ok(())
}

/// Checks a body on this machine first, so that a bad clause is caught before it is sent.
fn check_kind(kind: &str, body: &Value) -> anyhow::Result<()> {
    unchain_agree::body::AgreeBody::parse(kind, body)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn print_agreement(v: &Value) {
    let a = &v["agreement"];
    let p = &a["proposal"];
    println!("{}  {}", s(&p["agreement"]), s(&p["title"]));
    let signed: Vec<String> = a["signed"]
        .as_array()
        .map(|l| l.iter().map(s).collect())
        .unwrap_or_default();
    for party in p["parties"].as_array().cloned().unwrap_or_default() {
        let name = s(&party);
        let mark = if signed.contains(&name) {
            "signed"
        } else {
            "not signed"
        };
        println!("  party   {name:<28} {mark}");
    }
    println!("  arbiter {}", s(&p["arbiter"]));
    println!("  standing: {}", s(&a["standing"]).replace('_', " "));
    for m in a["amendments"].as_array().cloned().unwrap_or_default() {
        let what = if m["end"] == json!(true) {
            "ends it"
        } else {
            "new terms"
        };
        let state = match m["applied"].as_u64() {
            Some(h) => format!("in effect since height {h}"),
            None => {
                let signed: Vec<Value> = m["signed"].as_array().cloned().unwrap_or_default();
                let waiting: Vec<String> = m["needs"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter(|n| !signed.contains(n))
                    .map(s)
                    .collect();
                format!("waiting for {}", waiting.join(", "))
            }
        };
        println!(
            "  amendment {}: {what} ({}), {state}",
            s(&m["number"]),
            s(&m["reason"])
        );
    }
    for c in p["clauses"].as_array().cloned().unwrap_or_default() {
        println!("  clause {}: {}", s(&c["id"]), s(&c["text"]));
        println!("      {}", s(&c["cel"]));
    }
    let outcomes = v["outcomes"].as_array().cloned().unwrap_or_default();
    println!("  {} outcome(s)", outcomes.len());
    for o in outcomes {
        let kept = &o["kept"];
        let verdict = if kept["Ok"] == json!(true) {
            "kept".to_owned()
        } else if kept["Ok"] == json!(false) {
            format!("BREACHED: {}", s(&o["consequence"]["kind"]))
        } else {
            format!("error: {}", s(&kept["Err"]))
        };
        println!(
            "    height {:<8} {:<20} {}  (facts {})",
            s(&o["height"]),
            s(&o["clause"]),
            verdict,
            s(&o["facts"])
        );
        let d = &o["dispute"];
        if !d.is_null() {
            let decided = match d["decision"].as_array().map(Vec::as_slice) {
                Some([Value::Bool(true), why, _]) => format!("UPHELD: {}", s(why)),
                Some([Value::Bool(false), why, _]) => format!("OVERTURNED: {}", s(why)),
                _ => "awaiting the arbiter".into(),
            };
            println!(
                "      contested by {}: {} — {decided}",
                s(&d["by"]),
                s(&d["reason"])
            );
        }
    }
}
