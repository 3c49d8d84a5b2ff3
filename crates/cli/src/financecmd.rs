//! `unchain finance`: the money-flow engine over a CSV of transactions — scan for
//! trafficking red flags (alerts as JSON or CSV, with the evidence), and write synthetic
//! data with injected typologies and their ground truth.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use unchain_finance::detect::{self, Params};
use unchain_finance::{Graph, input, report, synth, truth};

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
    /// Seal an alert to partner organisations as a vault record, with blind-index tokens
    /// of its IBANs and crypto addresses so their cases match.
    Share(crate::financeshare::ShareArgs),
    /// Learn from labelled payments: a gradient-boosted model over graph features of each
    /// payment, trained on the earliest 60 %, its threshold chosen on the next 20 %, judged
    /// on the last 20 % (laundering F1, precision, recall).
    Learn(crate::financelearn::LearnArgs),
}

/// Which file to read, and how.
#[derive(Args)]
pub struct InputArgs {
    /// The transactions: CSV in the generic schema (id, timestamp, from, to, amount,
    /// currency, channel, optional mcc and country), AMLSim's transactions.csv, IBM's AML
    /// data (Altman et al.), or crypto transfers (from_address, to_address, value); or the
    /// same columns in a Parquet or Arrow IPC file (recognised by its first bytes).
    pub file: PathBuf,
    /// generic, amlsim, altman or crypto (default: recognised by the header).
    #[arg(long)]
    pub format: Option<String>,
    /// Skip malformed rows (each is reported on stderr with its line, column and reason)
    /// instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// AMLSim's accounts.csv, for each account's currency (default: accounts.csv beside
    /// an AMLSim file, if there is one).
    #[arg(long)]
    pub accounts: Option<PathBuf>,
    /// The currency of rows whose format names none (AMLSim without accounts.csv,
    /// crypto without a symbol column).
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Decimals of a crypto value written in base units (18 for wei, 8 for satoshi).
    #[arg(long, default_value_t = 18)]
    pub crypto_decimals: u32,
}

/// `unchain finance trace`.
#[derive(Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub input: InputArgs,
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
    /// Write the steps here as JSON (`-`: standard output; the steps' lines then go to
    /// standard error).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn trace(a: TraceArgs) -> anyhow::Result<()> {
    use unchain_finance::trace::{Attribution, Direction, TraceSpec};
    let loaded = load(&a.input)?;
    let start = loaded.names.accounts.get(&a.from).with_context(|| {
        format!(
            "--from: account {:?} is in no transaction of {}",
            a.from,
            a.input.file.display()
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
            "id": &names.ids[g.record[e] as usize],
            "timestamp": g.ts[e],
            "from": names.accounts.name(g.from[e]),
            "to": names.accounts.name(g.to[e]),
            "amount": unchain_finance::alert::decimal(g.amount[e]),
            "traced": unchain_finance::alert::decimal(s.traced),
            "currency": names.currencies.name(g.currency[e] as u32),
        });
        // Standard error when the JSON takes standard output.
        let line = format!(
            "hop {}  {}  {} -> {}  {} of {} {}",
            s.hop,
            v["id"].as_str().unwrap_or(""),
            v["from"].as_str().unwrap_or(""),
            v["to"].as_str().unwrap_or(""),
            v["traced"].as_str().unwrap_or(""),
            v["amount"].as_str().unwrap_or(""),
            v["currency"].as_str().unwrap_or("")
        );
        if a.json.as_deref().is_some_and(crate::output::is_stdout) {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
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
        crate::output::write(path, serde_json::to_vec_pretty(&views)?)?;
    }
    Ok(())
}

/// `unchain finance scan`.
#[derive(Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the alerts here as JSON (`parameters`, `alerts` with their evidence, and
    /// `accounts` by risk), written alert by alert: the document is never whole in memory.
    /// `-` writes it to standard output (and the table to standard error).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a report here as HTML: a flow graph and the payments of each alert (`-`:
    /// standard output).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Alerts the HTML report draws (strongest first).
    #[arg(long, default_value_t = 100)]
    pub html_alerts: usize,
    /// Write the alerts here as CSV (one row each; evidence ids space-separated; `-`:
    /// standard output).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub params: ParamArgs,
    /// Score the alerts against a ground truth: the truth.csv of `unchain finance synth`,
    /// AMLSim's alerts.csv, alert_transactions.csv or alert_accounts.csv, or an account
    /// label file (AMLSim 2019's nodes.csv: `nodeid`, `isFraud`). An instance counts as found only when an alert of its
    /// typology holds at least half of its transactions in its evidence. Read before the
    /// scan: a wrong file fails at once. (Laundering labels in the file itself — AMLSim's
    /// is_sar, IBM's Is Laundering — are scored without this.)
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Alerts to print (strongest first).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Scan a time slice of this many days at a time, for a file larger than memory: the
    /// file is read once for its span and once per slice (each with the longest
    /// pattern's span before it), so memory holds one slice. Not with `--html` or
    /// `--truth`, which need the whole file's graph.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub slice_days: Option<u32>,
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
    /// Days the transactions span (from 2026-01-01).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(30..=3650))]
    pub days: i64,
}

/// A ground truth: typology instances, and accounts labelled without one.
pub(crate) struct Truth {
    /// Typology instances (with their transactions where the truth names them).
    pub instances: Vec<synth::Injected>,
    /// Accounts labelled without an instance.
    pub accounts: Vec<String>,
}

/// Reads a truth file: `unchain finance synth`'s, AMLSim's alert files, or an account
/// label file.
pub(crate) fn read_truth(path: &PathBuf) -> anyhow::Result<Truth> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let in_file =
        |e: unchain_finance::truth::TruthError| anyhow::anyhow!("{}: {e}", path.display());
    let header = text.lines().next().unwrap_or("").to_ascii_lowercase();
    let instances = if header.starts_with("typology,") {
        truth::read_synth_truth(text.as_bytes()).map_err(in_file)?
    } else if header.split(',').any(|h| h.trim() == "alert_id") {
        let (found, other) = truth::read_amlsim_alerts(text.as_bytes()).map_err(in_file)?;
        for (typ, n) in other {
            eprintln!(
                "truth: {n} AMLSim alerts of type {typ:?}, which no detector looks for, not scored"
            );
        }
        found
    } else {
        let accounts = truth::read_labelled_accounts(text.as_bytes()).map_err(|e| {
            anyhow::anyhow!(
                "{}: neither the synthetic truth (`typology,…`), nor AMLSim's alerts (the header has no `alert_id` column), nor an account label file ({e})",
                path.display()
            )
        })?;
        return Ok(Truth {
            instances: Vec::new(),
            accounts,
        });
    };
    Ok(Truth {
        instances,
        accounts: Vec::new(),
    })
}

/// The format `path`'s header says it is in (generic if it cannot be read; the load
/// that follows reports why).
fn sniff(path: &PathBuf) -> input::Format {
    let header: Vec<String> = std::fs::File::open(path)
        .ok()
        .and_then(|f| {
            csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(f)
                .headers()
                .ok()
                .cloned()
        })
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    input::Format::detect(&header)
}

/// Reads the file `a` names with a progress bar over its bytes; reports the rows skipped
/// and left out, if any.
pub(crate) fn load(a: &InputArgs) -> anyhow::Result<input::Loaded> {
    let path = &a.file;
    let (loaded, container) = read_file(path, input_options(a)?, "reading")?;
    if let Some(c) = container {
        eprintln!("{}: read as {}", path.display(), c.name());
    }
    if loaded.format != input::Format::Generic {
        eprintln!("{}: read as {}", path.display(), loaded.format.name());
    }
    for e in loaded.skipped.iter().take(50) {
        eprintln!("skipped: {e}");
    }
    if loaded.skipped.len() > 50 {
        eprintln!("skipped: … and {} more", loaded.skipped.len() - 50);
    }
    for (why, n) in &loaded.ignored {
        eprintln!("left out: {n} {why}");
    }
    Ok(loaded)
}

/// How to read the input file, from the flags (and AMLSim's `accounts.csv` beside it).
pub(crate) fn input_options(a: &InputArgs) -> anyhow::Result<input::Options> {
    let path = &a.file;
    let format = a
        .format
        .as_deref()
        .map(str::parse::<input::Format>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let mut options = input::Options {
        format,
        skip_bad_rows: a.skip_bad_rows,
        currency: a.currency.clone(),
        crypto_decimals: a.crypto_decimals,
        ..input::Options::default()
    };
    // An accounts.csv beside the file is AMLSim's only when the file is AMLSim's: read
    // its header first rather than every neighbour of every export.
    let beside = path.with_file_name("accounts.csv");
    let accounts = match &a.accounts {
        Some(p) => Some(p.clone()),
        None if beside.exists()
            && path.file_name() != beside.file_name()
            && format.unwrap_or_else(|| sniff(path)) == input::Format::AmlSim =>
        {
            Some(beside)
        }
        None => None,
    };
    if let Some(p) = accounts {
        let f = std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?;
        match input::amlsim_account_currencies(std::io::BufReader::new(f)) {
            Ok(map) => options.account_currency = map,
            Err(e) if a.accounts.is_some() => bail!("{}: {e}", p.display()),
            Err(_) => {}
        }
    }
    Ok(options)
}

/// Reads the whole file at `path` (CSV, Parquet or Arrow IPC, by its first bytes) as
/// `options` say, with a progress bar titled `what`; with the columnar container it was,
/// if it was one.
pub(crate) fn read_file(
    path: &PathBuf,
    options: input::Options,
    what: &str,
) -> anyhow::Result<(input::Loaded, Option<input::Container>)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 8];
    let got = std::io::Read::read(&mut &file, &mut head).unwrap_or(0);
    std::io::Seek::rewind(&mut &file).with_context(|| format!("reading {}", path.display()))?;
    let container = input::Container::sniff(&head[..got]);
    let loaded = match container {
        Some(container) => {
            let bar = indicatif::ProgressBar::new(1000);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{what} {} {{bar:40}} {{percent}}% eta {{eta}}",
                    container.name()
                ))
                .expect("template"),
            );
            let loaded = input::read_columnar(file, container, options, |t| bar.set_position(t))
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            bar.finish_and_clear();
            loaded
        }
        None => {
            let bar = indicatif::ProgressBar::new(size);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{what} {{bar:40}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} eta {{eta}}"
                ))
                .expect("template"),
            );
            let loaded = input::read_with(
                std::io::BufReader::with_capacity(1 << 20, file),
                options,
                |b| bar.set_position(b),
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            bar.finish_and_clear();
            loaded
        }
    };
    Ok((loaded, container))
}

/// The detectors' parameters: derived from the file, but for those named by hand.
#[derive(Args)]
pub struct ParamArgs {
    /// Detector parameters as a JSON object (see `unchain_finance::detect::Params`),
    /// e.g. '{"fan_min": 15, "threshold": 5000}'. Those named are kept as given; the
    /// windows and the fan and split thresholds not named are derived from the file.
    #[arg(long)]
    pub params: Option<String>,
    /// Use the constant defaults instead of deriving windows and thresholds from the file.
    #[arg(long)]
    pub constants: bool,
}

/// `--params` read (before the file, so a typo fails at once).
pub(crate) struct GivenParams {
    pub(crate) params: Params,
    pub(crate) fixed: std::collections::BTreeSet<String>,
    pub(crate) constants: bool,
}

impl ParamArgs {
    /// Reads `--params`: the parameters, and the names it sets (kept as given).
    pub(crate) fn given(&self) -> anyhow::Result<GivenParams> {
        let (params, fixed) = match &self.params {
            Some(p) => {
                let v: serde_json::Value = serde_json::from_str(p).context("--params")?;
                let fixed = v
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                (serde_json::from_value(v).context("--params")?, fixed)
            }
            None => (Params::default(), Default::default()),
        };
        Ok(GivenParams {
            params,
            fixed,
            constants: self.constants,
        })
    }
}

impl GivenParams {
    /// The parameters for `g`: derived from it unless named or turned off, each derived
    /// value printed with its reason.
    pub(crate) fn for_graph(self, g: &Graph) -> (Params, Vec<detect::Setting>) {
        let (params, derived) = if self.constants {
            (self.params, Vec::new())
        } else {
            detect::derive(g, &self.params, &self.fixed)
        };
        for d in &derived {
            eprintln!("parameter {} = {}: {}", d.name, d.value, d.why);
        }
        (params, derived)
    }
}

fn scan(a: ScanArgs) -> anyhow::Result<()> {
    let given = a.params.given()?;
    if let Some(days) = a.slice_days {
        return crate::financeslice::scan_sliced(&a, given, days);
    }
    // The table goes to standard error when a file goes to standard output.
    let piped = crate::output::one_on_stdout([
        ("--json", a.json.as_deref()),
        ("--csv", a.csv.as_deref()),
        ("--html", a.html.as_deref()),
    ])?;
    let mut table = crate::output::table(piped);
    // A truth file that cannot be read fails now, not after the whole scan.
    let truth = a.truth.as_ref().map(read_truth).transpose()?;
    let started = Instant::now();
    let mut loaded = load(&a.input)?;
    let read_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let g = Graph::build(&loaded.records, &loaded.names);
    // The graph holds every column the scan reads: the rows go (40 bytes each).
    drop(std::mem::take(&mut loaded.records));
    let build_s = t.elapsed().as_secs_f64();
    let (params, derived) = given.for_graph(&g);
    let t = Instant::now();
    let alerts = detect::run_all(&g, &params);
    let detect_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ranked = unchain_finance::rank::rank(&g, &params, &alerts);
    let rank_s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} transactions ({} skipped), {} accounts: read {read_s:.2} s, graph {build_s:.2} s ({} MiB), detectors {detect_s:.2} s, ranking {rank_s:.2} s; {} alerts",
        g.len(),
        loaded.skipped.len(),
        g.accounts,
        g.heap_bytes() / (1 << 20),
        alerts.len()
    );
    let cannot = detect::inapplicable(&g, &params);
    for (detector, n) in detect::DETECTORS
        .iter()
        .map(|d| (d, alerts.iter().filter(|a| a.detector == *d).count()))
    {
        match cannot.iter().find(|(d, _)| d == detector) {
            Some((_, why)) => eprintln!("  {detector:<15} {n}  (cannot apply: {why})"),
            None => eprintln!("  {detector:<15} {n}"),
        }
    }
    for al in alerts.iter().take(a.top) {
        writeln!(
            table,
            "{:>6.2}  {:<15} {:<20} {}",
            al.score,
            al.detector,
            loaded.names.accounts.name(al.account),
            al.explanation
        )?;
    }
    if !ranked.is_empty() {
        writeln!(
            table,
            "\naccounts by risk (against peers of their activity and the whole file; score -log10 p, 2 = one in a hundred):"
        )?;
        for r in ranked.iter().take(a.top) {
            writeln!(
                table,
                "{:>6.2}  {:<20} {}",
                r.score,
                loaded.names.accounts.name(r.account),
                r.explanation(&params)
            )?;
        }
    }
    if let Some(path) = &a.json {
        write_json(path, &g, &loaded.names, &params, &derived, &alerts, &ranked)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("alerts written to {}", crate::output::shown(path));
    }
    if let Some(path) = &a.html {
        let meta = report::ReportMeta {
            source: a.input.file.display().to_string(),
            transactions: g.len(),
            accounts: g.accounts,
            max_alerts: a.html_alerts,
            params: params.clone(),
            derived: derived.clone(),
        };
        crate::output::write(
            path,
            report::html(&g, &loaded.names, &alerts, &ranked, &meta),
        )?;
        eprintln!("report written to {}", crate::output::shown(path));
    }
    if let Some(path) = &a.csv {
        write_alerts_csv(path, alerts.iter().map(|al| al.view(&g, &loaded.names)))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("alerts written to {}", crate::output::shown(path));
    }
    if !loaded.labelled.is_empty() {
        writeln!(
            table,
            "\nagainst the file's own laundering labels ({} labelled transactions):",
            loaded.labelled.len()
        )?;
        writeln!(
            table,
            "detector        alerts  with a labelled payment  labelled payments covered"
        )?;
        for s in truth::evaluate_labels(&g, &alerts, &loaded.labelled) {
            writeln!(
                table,
                "{:<15} {:>6} {:>10} ({:>5.1}%) {:>16} ({:>5.1}%)",
                s.detector,
                s.alerts,
                s.hits,
                100.0 * s.hits as f64 / s.alerts.max(1) as f64,
                s.covered,
                100.0 * s.covered as f64 / loaded.labelled.len() as f64
            )?;
        }
    }
    if let Some(truth) = &truth {
        score_truth(&mut table, &g, &loaded, &alerts, &ranked, truth)?;
    }
    Ok(())
}

/// Writes alerts as CSV, one row each (evidence ids space-separated, with the count of
/// those left out).
pub(crate) fn write_alerts_csv(
    path: &std::path::Path,
    views: impl Iterator<Item = unchain_finance::alert::AlertView>,
) -> anyhow::Result<()> {
    let mut w = alerts_csv(path)?;
    for v in views {
        alert_row(&mut w, &v)?;
    }
    w.flush()?;
    Ok(())
}

/// A CSV file of alerts, its header written.
pub(crate) fn alerts_csv(
    path: &std::path::Path,
) -> anyhow::Result<csv::Writer<crate::output::Sink>> {
    let mut w = csv::Writer::from_writer(crate::output::create(path)?);
    w.write_record([
        "detector",
        "account",
        "score",
        "explanation",
        "evidence",
        "evidence_omitted",
    ])?;
    Ok(w)
}

/// One alert's row of [`alerts_csv`].
pub(crate) fn alert_row(
    w: &mut csv::Writer<crate::output::Sink>,
    v: &unchain_finance::alert::AlertView,
) -> anyhow::Result<()> {
    let ids: Vec<&str> = v.evidence.iter().map(|e| e.id.as_str()).collect();
    w.write_record([
        v.detector,
        &v.account,
        &v.score.to_string(),
        &v.explanation,
        &ids.join(" "),
        &v.evidence_omitted.to_string(),
    ])?;
    Ok(())
}

/// Writes the scan as one JSON document, alert by alert, through a buffer: `parameters`
/// (as run, and those derived with why), `alerts` (each with at most
/// `alert::EVIDENCE_SHOWN` payments), `accounts` (the ranking, each with why).
fn write_json(
    path: &std::path::Path,
    g: &Graph,
    names: &input::Names,
    params: &Params,
    derived: &[detect::Setting],
    alerts: &[unchain_finance::Alert],
    ranked: &[unchain_finance::rank::Ranked],
) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, crate::output::create(path)?);
    w.write_all(b"{\"parameters\":")?;
    serde_json::to_writer(
        &mut w,
        &serde_json::json!({"run": params, "derived": derived}),
    )?;
    w.write_all(b",\n\"alerts\":[")?;
    for (i, al) in alerts.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        serde_json::to_writer(&mut w, &al.view(g, names))?;
    }
    w.write_all(b"],\n\"accounts\":[")?;
    for (i, r) in ranked.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        serde_json::to_writer(
            &mut w,
            &serde_json::json!({
                "account": names.accounts.name(r.account),
                "risk": (r.score * 1000.0).round() / 1000.0,
                "p": r.p,
                "why": r.explanation(params),
                "detectors": r.detectors,
                "alerts": r.alerts.len(),
            }),
        )?;
    }
    w.write_all(b"]}\n")?;
    w.flush()?;
    Ok(())
}

/// Prints how the alerts and the ranking meet the truth.
fn score_truth(
    table: &mut dyn std::io::Write,
    g: &Graph,
    loaded: &input::Loaded,
    alerts: &[unchain_finance::Alert],
    ranked: &[unchain_finance::rank::Ranked],
    truth: &Truth,
) -> anyhow::Result<()> {
    let by_account = truth
        .instances
        .iter()
        .filter(|t| t.transactions.is_empty())
        .count();
    if by_account > 0 {
        eprintln!(
            "truth: {by_account} instance(s) name no transactions; each counts as found when an alert of its typology is on one of its accounts, which overstates recall"
        );
    }
    if !truth.instances.is_empty() {
        writeln!(
            table,
            "\ndetector        injected found recall  alerts  true precision"
        )?;
        for s in synth::evaluate(g, alerts, &loaded.names, &truth.instances) {
            if s.injected == 0 {
                continue;
            }
            writeln!(
                table,
                "{:<15} {:>8} {:>5} {:>6.3} {:>7} {:>5} {:>9.3}",
                s.typology,
                s.injected,
                s.found,
                s.recall(),
                s.alerts,
                s.true_alerts,
                s.precision()
            )?;
        }
    }
    let labelled = truth::labelled_accounts(&loaded.names, &truth.instances, &truth.accounts);
    let acc = truth::evaluate_accounts(alerts, ranked, &labelled);
    writeln!(
        table,
        "\naccounts: {} in the file, {} labelled (base rate {:.3}); {} flagged, {} of them labelled: precision {:.3}, recall {:.3}",
        acc.accounts,
        acc.labelled,
        acc.base_rate(),
        acc.flagged,
        acc.flagged_labelled,
        acc.precision(),
        acc.recall()
    )?;
    writeln!(
        table,
        "risk ranking: {} of the first {} labelled, precision at K {:.3} ({:.1}x the base rate)",
        acc.top_k_labelled,
        acc.k,
        acc.precision_at_k(),
        acc.precision_at_k() / acc.base_rate().max(f64::MIN_POSITIVE)
    )?;
    Ok(())
}

/// `unchain finance …`.
pub fn finance(c: FinanceCommand) -> anyhow::Result<()> {
    match c {
        FinanceCommand::Scan(a) => scan(a),
        FinanceCommand::Trace(a) => trace(a),
        FinanceCommand::Learn(a) => crate::financelearn::learn(a),
        FinanceCommand::Share(a) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(crate::financeshare::share(a)),
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
                days: a.days,
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
