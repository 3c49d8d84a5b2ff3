//! End to end at scale: writes N synthetic transactions to a CSV file, then reads it,
//! builds the graph and runs every detector, timing each phase and reporting peak memory.
//!
//!   cargo run --release -p unchain-finance --example scale -- 1000000 [RUNS] [KEEP.csv]
//!   cargo run --release -p unchain-finance --example scale -- FILE.csv [RUNS]
//!
//! With KEEP.csv the generated file is kept there (for the DuckDB baseline,
//! `tests/python/finance_baseline.py`); with FILE.csv nothing is generated and peak memory
//! is the scan's alone.

use std::time::Instant;
use unchain_finance::detect::{self, Params};
use unchain_finance::{Graph, input, synth};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "1000000".into());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let keep = args.next().map(std::path::PathBuf::from);
    let (path, truth, generated) = match what.parse::<usize>() {
        Ok(n) => {
            let path = match &keep {
                Some(k) => k.clone(),
                None => std::env::temp_dir().join(format!("unchain-finance-scale-{n}.csv")),
            };
            let spec = synth::Spec {
                accounts: (n / 10).max(1000),
                transactions: n,
                per_typology: 100,
                ..synth::Spec::default()
            };
            let (rows, truth) = synth::generate(&spec);
            synth::write_csv(
                &rows,
                std::io::BufWriter::new(std::fs::File::create(&path)?),
            )?;
            (path, truth, keep.is_none())
        }
        Err(_) => (std::path::PathBuf::from(&what), Vec::new(), false),
    };
    let bytes = std::fs::metadata(&path)?.len();
    println!("{}: {} MiB of CSV", path.display(), bytes >> 20);
    for run in 1..=runs {
        let t = Instant::now();
        let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
        let loaded = input::read_all(file, false, |_| {}).expect("valid CSV");
        let read = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let g = Graph::build(&loaded.records, &loaded.names);
        let build = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let alerts = detect::run_all(&g, &Params::default());
        let det = t.elapsed().as_secs_f64();
        let scores = if truth.is_empty() {
            Vec::new()
        } else {
            synth::evaluate(&g, &alerts, &loaded.names, &truth)
        };
        let recall: Vec<String> = scores
            .iter()
            .map(|s| format!("{} {:.2}/{:.2}", s.typology, s.recall(), s.precision()))
            .collect();
        println!(
            "run {run}: read {read:.2} s, graph {build:.2} s, detectors {det:.2} s, total {:.2} s; {} alerts; peak RSS {} MiB; recall/precision: {}",
            read + build + det,
            alerts.len(),
            peak_rss_mib(),
            recall.join(", ")
        );
    }
    if generated {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
