//! `unchain recruit voice …`: worker voice from the members' side. The employer lists the
//! grievances about it and answers each (`list`, `answer`); the regulator that licensed
//! an employer lists what was escalated about it (`escalations`); anyone reads an employer's published months
//! (`published`). Workers themselves speak through the intake's `/work` pages.

use crate::session::{Session, Who};
use clap::Subcommand;
use serde_json::{Value, json};

/// `unchain recruit voice …`.
#[derive(Subcommand)]
pub enum VoiceCommand {
    /// The grievances about an employer, one by one, with what became of each (for the
    /// employer, the regulator that licensed it, and each grievance's intake).
    List {
        /// The employer (a licensed party).
        employer: String,
        /// Print the JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Answer a grievance about your organisation: the remedies you will carry out and by
    /// when, or --dispute (the regulator takes it up).
    Answer {
        /// The grievance (`v-…`).
        voice: String,
        /// Remedies, comma-separated: passport_returned, wages_paid, fee_repaid,
        /// hours_corrected, contract_corrected, conditions_improved, movement_freed.
        #[arg(long, value_delimiter = ',', required_unless_present = "dispute")]
        remedy: Vec<String>,
        /// The date they will be done by (YYYY-MM-DD, within 90 days).
        #[arg(long, required_unless_present = "dispute")]
        by: Option<String>,
        /// Dispute it instead.
        #[arg(long, conflicts_with_all = ["remedy", "by"])]
        dispute: bool,
        #[command(flatten)]
        who: Who,
    },
    /// The grievances escalated about the employers you licensed (as their regulator).
    Escalations {
        #[command(flatten)]
        who: Who,
    },
    /// Fees workers reported paying a recruitment agency in the survey: closed months with
    /// at least the group size of reports naming it.
    Fees {
        /// The agency (a licensed recruiter).
        recruiter: String,
        #[command(flatten)]
        who: Who,
    },
    /// An employer's published worker voice: closed months with at least the group size
    /// of grievances or survey answers.
    Published {
        /// The employer.
        employer: String,
        /// Print the JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn standing(g: &Value) -> String {
    let st = &g["standing"];
    match st["state"].as_str() {
        Some("awaiting_answer") => format!("awaiting answer by {}", s(&st["due"])),
        Some("remedy_promised") => format!("remedy promised by {}", s(&st["by"])),
        Some("remedied") => "remedied (the worker says)".into(),
        Some("escalated") => format!("ESCALATED to the regulator: {}", s(&st["reason"])),
        _ => s(st),
    }
}

fn print_grievances(list: &[Value]) {
    for g in list {
        let indicators: Vec<String> = g["indicators"]
            .as_array()
            .map(|a| a.iter().map(s).collect())
            .unwrap_or_default();
        println!(
            "  {}  {}  {}  via {}",
            s(&g["voice"]),
            s(&g["month"]),
            standing(g),
            s(&g["intake"])
        );
        if !indicators.is_empty() {
            println!("      {}", indicators.join(", "));
        }
    }
}

/// Runs `unchain recruit voice …`.
pub async fn run(cmd: VoiceCommand) -> anyhow::Result<()> {
    match cmd {
        VoiceCommand::List {
            employer,
            json,
            who,
        } => {
            let list: Vec<Value> = Session::open(&who)
                .await?
                .get(&format!("/v1/recruit/employers/{employer}/grievances"))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!("{} grievance(s) about {employer} you may read", list.len());
            print_grievances(&list);
            Ok(())
        }
        VoiceCommand::Answer {
            voice,
            remedy,
            by,
            dispute,
            who,
        } => {
            let body = if dispute {
                json!({"voice": voice, "response": "dispute"})
            } else {
                json!({"voice": voice, "response": "remedy", "remedies": remedy, "by": by})
            };
            Session::open(&who)
                .await?
                .submit("recruit.answer", body)
                .await
        }
        VoiceCommand::Escalations { who } => {
            let list: Vec<Value> = Session::open(&who)
                .await?
                .get("/v1/recruit/escalations")
                .await?;
            println!(
                "{} grievance(s) escalated about the employers you licensed",
                list.len()
            );
            print_grievances(&list);
            Ok(())
        }
        VoiceCommand::Fees { recruiter, who } => {
            let p: Value = Session::open(&who)
                .await?
                .get(&format!("/v1/recruit/recruiters/{recruiter}/fees-reported"))
                .await?;
            let months = p["months"].as_array().cloned().unwrap_or_default();
            println!(
                "{recruiter}: {} published month(s) of fees workers reported paying (groups of at least {}, as of {})",
                months.len(),
                s(&p["min_group"]),
                s(&p["as_of"])
            );
            for m in &months {
                let fees: Vec<String> = m["fees"]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(cur, t)| {
                                let total = t["total"].as_u64().unwrap_or(0);
                                format!(
                                    "{} reported {}",
                                    s(&t["count"]),
                                    unchain_recruit::terms::money(total, cur)
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                println!(
                    "  {} {:>4} worker(s): {}",
                    s(&m["month"]),
                    s(&m["count"]),
                    fees.join("; ")
                );
            }
            Ok(())
        }
        VoiceCommand::Published {
            employer,
            json,
            who,
        } => {
            let p: Value = Session::open(&who)
                .await?
                .get(&format!("/v1/recruit/employers/{employer}/voice"))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
                return Ok(());
            }
            let months = p["months"].as_array().cloned().unwrap_or_default();
            println!(
                "{employer}: {} published month(s) (groups of at least {} workers, as of {})",
                months.len(),
                s(&p["min_group"]),
                s(&p["as_of"])
            );
            for m in &months {
                let counts: Vec<String> = m["indicators"]
                    .as_object()
                    .map(|o| o.iter().map(|(k, v)| format!("{k} {v}")).collect())
                    .unwrap_or_default();
                println!(
                    "  {} {:<9} {:>4} worker(s); escalated {}, remedied {}",
                    s(&m["month"]),
                    s(&m["kind"]),
                    s(&m["count"]),
                    s(&m["escalated"]),
                    s(&m["remedied"])
                );
                if !counts.is_empty() {
                    println!("      {}", counts.join(", "));
                }
            }
            Ok(())
        }
    }
}
