//! `unchain finance scan --slice-days N`: a file larger than memory, a time slice at a
//! time (`unchain_finance::sliced`).

use crate::financecmd::{GivenParams, ScanArgs, input_options, read_file, write_alerts_csv};
use anyhow::{Context, bail};
use std::io::Write;
use unchain_finance::sliced::{self, Plan, Sliced};

/// Runs the sliced scan `a` asks for, with slices of `days` days.
pub(crate) fn scan_sliced(a: &ScanArgs, given: GivenParams, days: u32) -> anyhow::Result<()> {
    if a.html.is_some() {
        bail!(
            "--html cannot be used with --slice-days: the report draws from the whole file's graph"
        );
    }
    if a.truth.is_some() {
        bail!("--truth cannot be used with --slice-days: scoring needs the whole file's graph");
    }
    let path = &a.input.file;
    let options = input_options(&a.input)?;
    let plan = Plan {
        slice_s: i64::from(days) * 86_400,
        params: given.params,
        fixed: given.fixed,
        derive: !given.constants,
    };
    let started = std::time::Instant::now();
    let mut passes = 0usize;
    let s = sliced::scan(
        |o| {
            let what = if passes == 0 {
                "span".to_owned()
            } else {
                format!("slice {passes}")
            };
            passes += 1;
            read_file(path, o, &what)
                .map(|(loaded, _)| loaded)
                .map_err(|e| unchain_finance::input::InputError::Sliced(format!("{e:#}")))
        },
        &options,
        &plan,
        |sl| {
            eprintln!(
                "slice {} to {}: {} transactions (with the lookback), {} accounts, {} alerts",
                day(sl.start),
                day(sl.end),
                sl.transactions,
                sl.accounts,
                sl.alerts
            );
        },
    )
    .map_err(|e| {
        // A read's own error names the file already.
        let e = e.to_string();
        if e.starts_with(&path.display().to_string()) {
            anyhow::anyhow!(e)
        } else {
            anyhow::anyhow!("{}: {e}", path.display())
        }
    })?;
    for d in &s.derived {
        eprintln!(
            "parameter {} = {}: {} (from the first slice)",
            d.name, d.value, d.why
        );
    }
    for e in s.skipped.iter().take(50) {
        eprintln!("skipped: {e}");
    }
    if s.skipped.len() > 50 {
        eprintln!("skipped: … and {} more", s.skipped.len() - 50);
    }
    eprintln!(
        "{} slices of {days} days from {} to {}, each read with {} days before it, in {:.2} s; {} alerts",
        s.slices.len(),
        day(s.span.0),
        day(s.span.1),
        (s.lookback_s + 86_399) / 86_400,
        started.elapsed().as_secs_f64(),
        s.alerts.len()
    );
    for al in s.alerts.iter().take(a.top) {
        println!(
            "{:>6.2}  {:<15} {:<20} {}",
            al.score, al.detector, al.account, al.explanation
        );
    }
    if !s.ranked.is_empty() {
        println!(
            "\naccounts by risk (each at its most unusual slice, against peers of their activity and the slice; score -log10 p):"
        );
        for r in s.ranked.iter().take(a.top) {
            println!("{:>6.2}  {:<20} {}", r.risk, r.account, r.why);
        }
    }
    if let Some(p) = &a.json {
        write_json(p, &s).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("alerts written to {}", p.display());
    }
    if let Some(p) = &a.csv {
        write_alerts_csv(p, s.alerts.iter().cloned())
            .with_context(|| format!("writing {}", p.display()))?;
        eprintln!("alerts written to {}", p.display());
    }
    Ok(())
}

/// The UTC date of Unix second `t`.
fn day(t: i64) -> String {
    humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64),
    )
    .to_string()[..10]
        .to_owned()
}

/// The scan as one JSON document, as the whole scan writes it, with `slices` besides.
fn write_json(path: &std::path::Path, s: &Sliced) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(b"{\"parameters\":")?;
    serde_json::to_writer(
        &mut w,
        &serde_json::json!({"run": s.params, "derived": s.derived, "lookback_s": s.lookback_s}),
    )?;
    w.write_all(b",\n\"slices\":")?;
    serde_json::to_writer(&mut w, &s.slices)?;
    w.write_all(b",\n\"alerts\":[")?;
    for (i, al) in s.alerts.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        serde_json::to_writer(&mut w, al)?;
    }
    w.write_all(b"],\n\"accounts\":[")?;
    for (i, r) in s.ranked.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")?;
        serde_json::to_writer(&mut w, r)?;
    }
    w.write_all(b"]}\n")?;
    w.flush()?;
    Ok(())
}
