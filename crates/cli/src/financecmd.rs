//! `unchain finance`: the money-flow engine over a CSV of transactions — scan for
//! trafficking red flags (alerts as JSON or CSV, with the evidence), and write synthetic
//! data with injected typologies and their ground truth.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use unchain_finance::detect::{self, Params};
use unchain_finance::{Graph, input, synth};

/// `unchain finance …`.
#[derive(Subcommand)]
pub enum FinanceCommand {
    /// Read transactions (generic CSV schema: id, timestamp, from, to, amount, currency,
    /// channel, optional mcc and country), build the graph, run every detector.
    Scan(ScanArgs),
    /// Write synthetic transactions with injected typologies (`transactions.csv`) and the
    /// ground truth (`truth.csv`).
    Synth(SynthArgs),
    /// Follow an account's money forward (where it went) or backward (where it came
    /// from), hop by hop, with the traced amount each transaction carried.
    Trace(TraceArgs),
}

/// `unchain finance trace`.
#[derive(Args)]
pub struct TraceArgs {
    /// The transactions (CSV, generic schema).
    pub file: PathBuf,
    /// The account to start from.
    #[arg(long)]
    pub from: String,
    /// Hops to follow.
    #[arg(long, default_value_t = 3)]
    pub hops: usize,
    /// Where the money came from, instead of where it went.
    #[arg(long)]
    pub backward: bool,
    /// Oldest money leaves first (FIFO) instead of in proportion to what the account holds.
    #[arg(long)]
    pub fifo: bool,
    /// How long after traced money arrives a payment still counts, hours.
    #[arg(long, default_value_t = 720)]
    pub window_hours: i64,
    /// Skip malformed rows.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Write the steps here as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn trace(a: TraceArgs) -> anyhow::Result<()> {
    use unchain_finance::trace::{Attribution, Direction, TraceSpec};
    let loaded = load(&a.file, a.skip_bad_rows)?;
    let start = loaded.names.accounts.get(&a.from).with_context(|| {
        format!(
            "--from: account {:?} is in no transaction of {}",
            a.from,
            a.file.display()
        )
    })?;
    let g = Graph::build(&loaded.records, &loaded.names);
    let spec = TraceSpec {
        start,
        direction: if a.backward {
            Direction::Backward
        } else {
            Direction::Forward
        },
        hops: a.hops,
        attribution: if a.fifo {
            Attribution::Fifo
        } else {
            Attribution::Proportional
        },
        window_s: a.window_hours * 3600,
    };
    let steps = unchain_finance::trace::trace(&g, &spec);
    let names = &loaded.names;
    let mut views = Vec::new();
    for s in &steps {
        let e = s.edge as usize;
        let v = serde_json::json!({
            "hop": s.hop,
            "id": names.ids[g.record[e] as usize],
            "timestamp": g.ts[e],
            "from": names.accounts.name(g.from[e]),
            "to": names.accounts.name(g.to[e]),
            "amount": unchain_finance::alert::decimal(g.amount[e]),
            "traced": unchain_finance::alert::decimal(s.traced),
            "currency": names.currencies.name(g.currency[e] as u32),
        });
        println!(
            "hop {}  {}  {} -> {}  {} of {} {}",
            s.hop,
            v["id"].as_str().unwrap_or(""),
            v["from"].as_str().unwrap_or(""),
            v["to"].as_str().unwrap_or(""),
            v["traced"].as_str().unwrap_or(""),
            v["amount"].as_str().unwrap_or(""),
            v["currency"].as_str().unwrap_or("")
        );
        views.push(v);
    }
    for hop in 1..=a.hops {
        let here: Vec<_> = steps.iter().filter(|s| s.hop == hop).collect();
        let total: i64 = here.iter().map(|s| s.traced).sum();
        eprintln!(
            "hop {hop}: {} transactions, {} traced",
            here.len(),
            unchain_finance::alert::decimal(total)
        );
    }
    if let Some(path) = &a.json {
        std::fs::write(path, serde_json::to_vec_pretty(&views)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `unchain finance scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// The transactions (CSV, generic schema; see `unchain_finance::input`).
    pub file: PathBuf,
    /// Skip malformed rows (each is reported on stderr with its line, column and reason)
    /// instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Write the alerts here as JSON (with their evidence).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the alerts here as CSV (one row each; evidence ids space-separated).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Detector parameters as a JSON object (see `unchain_finance::detect::Params`),
    /// e.g. '{"fan_min": 15, "threshold": 5000}'.
    #[arg(long)]
    pub params: Option<String>,
    /// Score the alerts against a ground truth written by `unchain finance synth`.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Alerts to print (strongest first).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

/// `unchain finance synth`.
#[derive(Args)]
pub struct SynthArgs {
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Background accounts.
    #[arg(long, default_value_t = 5_000)]
    pub accounts: usize,
    /// Background transactions.
    #[arg(long, default_value_t = 50_000)]
    pub transactions: usize,
    /// Instances of each typology.
    #[arg(long, default_value_t = 20)]
    pub per_typology: usize,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

fn read_truth(path: &PathBuf) -> anyhow::Result<Vec<synth::Injected>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let (typ, accounts) = line.split_once(',').with_context(|| {
            format!(
                "{} line {}: expected typology,accounts",
                path.display(),
                i + 1
            )
        })?;
        let typology = synth::TYPOLOGIES
            .iter()
            .find(|t| **t == typ)
            .with_context(|| {
                format!(
                    "{} line {}: unknown typology {typ:?}",
                    path.display(),
                    i + 1
                )
            })?;
        out.push(synth::Injected {
            typology,
            accounts: accounts.split(' ').map(str::to_owned).collect(),
        });
    }
    Ok(out)
}

/// Reads `path` with a progress bar over its bytes; reports the rows skipped, if any.
fn load(path: &PathBuf, skip_bad_rows: bool) -> anyhow::Result<input::Loaded> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "reading {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("template"),
    );
    let loaded = input::read_all(
        std::io::BufReader::with_capacity(1 << 20, file),
        skip_bad_rows,
        |b| bar.set_position(b),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    bar.finish_and_clear();
    for e in loaded.skipped.iter().take(50) {
        eprintln!("skipped: {e}");
    }
    if loaded.skipped.len() > 50 {
        eprintln!("skipped: … and {} more", loaded.skipped.len() - 50);
    }
    Ok(loaded)
}

fn scan(a: ScanArgs) -> anyhow::Result<()> {
    let params: Params = match &a.params {
        Some(p) => serde_json::from_str(p).context("--params")?,
        None => Params::default(),
    };
    let started = Instant::now();
    let loaded = load(&a.file, a.skip_bad_rows)?;
    let read_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let g = Graph::build(&loaded.records, &loaded.names);
    let build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let alerts = detect::run_all(&g, &params);
    let detect_s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} transactions ({} skipped), {} accounts: read {read_s:.2} s, graph {build_s:.2} s ({} MiB), detectors {detect_s:.2} s; {} alerts",
        g.len(),
        loaded.skipped.len(),
        g.accounts,
        g.heap_bytes() / (1 << 20),
        alerts.len()
    );
    for (detector, n) in detect::DETECTORS
        .iter()
        .map(|d| (d, alerts.iter().filter(|a| a.detector == *d).count()))
    {
        eprintln!("  {detector:<13} {n}");
    }
    for al in alerts.iter().take(a.top) {
        println!(
            "{:>6.2}  {:<13} {:<20} {}",
            al.score,
            al.detector,
            loaded.names.accounts.name(al.account),
            al.explanation
        );
    }
    let risky = detect::risk(&alerts);
    if !risky.is_empty() {
        println!("\naccounts by risk (sum of their alerts' scores):");
        for (account, score, detectors) in risky.iter().take(a.top) {
            println!(
                "{score:>6.2}  {:<20} {}",
                loaded.names.accounts.name(*account),
                detectors.join(", ")
            );
        }
    }
    let views: Vec<_> = alerts.iter().map(|al| al.view(&g, &loaded.names)).collect();
    if let Some(path) = &a.json {
        std::fs::write(path, serde_json::to_vec_pretty(&views)?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("alerts written to {}", path.display());
    }
    if let Some(path) = &a.csv {
        let mut w =
            csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
        w.write_record(["detector", "account", "score", "explanation", "evidence"])?;
        for v in &views {
            let ids: Vec<&str> = v.evidence.iter().map(|e| e.id.as_str()).collect();
            w.write_record([
                v.detector,
                &v.account,
                &v.score.to_string(),
                &v.explanation,
                &ids.join(" "),
            ])?;
        }
        w.flush()?;
        eprintln!("alerts written to {}", path.display());
    }
    if let Some(path) = &a.truth {
        let truth = read_truth(path)?;
        println!("\ndetector       injected found recall  alerts  true precision");
        for s in synth::evaluate(&alerts, &loaded.names, &truth) {
            println!(
                "{:<13} {:>9} {:>5} {:>6.3} {:>7} {:>5} {:>9.3}",
                s.typology,
                s.injected,
                s.found,
                s.recall(),
                s.alerts,
                s.true_alerts,
                s.precision()
            );
        }
    }
    Ok(())
}

/// `unchain finance …`.
pub fn finance(c: FinanceCommand) -> anyhow::Result<()> {
    match c {
        FinanceCommand::Scan(a) => scan(a),
        FinanceCommand::Trace(a) => trace(a),
        FinanceCommand::Synth(a) => {
            if a.accounts < 2 {
                bail!("--accounts must be at least 2");
            }
            std::fs::create_dir_all(&a.out)
                .with_context(|| format!("creating {}", a.out.display()))?;
            let spec = synth::Spec {
                seed: a.seed,
                accounts: a.accounts,
                transactions: a.transactions,
                per_typology: a.per_typology,
                ..synth::Spec::default()
            };
            let (rows, truth) = synth::generate(&spec);
            let tx = a.out.join("transactions.csv");
            let mut w = std::io::BufWriter::new(
                std::fs::File::create(&tx).with_context(|| format!("writing {}", tx.display()))?,
            );
            synth::write_csv(&rows, &mut w)?;
            w.flush()?;
            let tp = a.out.join("truth.csv");
            synth::write_truth(
                &truth,
                std::fs::File::create(&tp).with_context(|| format!("writing {}", tp.display()))?,
            )?;
            eprintln!(
                "{} transactions ({} injected instances of {} typologies) in {}; ground truth in {}",
                rows.len(),
                truth.len(),
                synth::TYPOLOGIES.len(),
                tx.display(),
                tp.display()
            );
            Ok(())
        }
    }
}
