//! `unchain finance scan --slice-days N`: a file larger than memory, a time slice at a
//! time (`unchain_finance::sliced`). Each slice's alerts are written out as it ends (JSON
//! and CSV), so the output is never whole in memory either.

use crate::financecmd::{GivenParams, ScanArgs, alert_row, alerts_csv, input_options, read_file};
use anyhow::{Context, bail};
use std::io::Write;
use unchain_finance::alert::AlertView;
use unchain_finance::sliced::{self, Plan, Slice};

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
    // The table goes to standard error when a file goes to standard output.
    let piped =
        crate::output::one_on_stdout([("--json", a.json.as_deref()), ("--csv", a.csv.as_deref())])?;
    let mut table = crate::output::table(piped);
    let path = &a.input.file;
    let options = input_options(&a.input)?;
    let plan = Plan {
        slice_s: i64::from(days) * 86_400,
        params: given.params,
        fixed: given.fixed,
        derive: !given.constants,
        strongest: a.top,
    };
    let mut out = Outputs::create(a)?;
    let started = std::time::Instant::now();
    let s = sliced::scan(
        |o, what| {
            read_file(path, o, &what.to_string())
                .map(|(loaded, _)| loaded)
                .map_err(|e| unchain_finance::input::InputError::Sliced(format!("{e:#}")))
        },
        &options,
        &plan,
        |sl, views| {
            eprintln!(
                "slice {} to {}: {} transactions (with the lookback), {} accounts, {} alerts",
                day(sl.start),
                day(sl.end),
                sl.transactions,
                sl.accounts,
                sl.alerts
            );
            out.alerts(views);
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
            "parameter {} = {}: {} (measured over the whole file)",
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
        s.alerts
    );
    for al in &s.strongest {
        writeln!(
            table,
            "{:>6.2}  {:<15} {:<20} {}",
            al.score, al.detector, al.account, al.explanation
        )?;
    }
    if !s.ranked.is_empty() {
        writeln!(
            table,
            "\naccounts by risk (each at its most unusual slice, against peers of their activity and the slice; score -log10 p):"
        )?;
        for r in s.ranked.iter().take(a.top) {
            writeln!(table, "{:>6.2}  {:<20} {}", r.risk, r.account, r.why)?;
        }
    }
    out.finish(&s)
}

/// The UTC date of Unix second `t`.
fn day(t: i64) -> String {
    humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64),
    )
    .to_string()[..10]
        .to_owned()
}

/// The JSON and CSV files being written, alert by alert; the first write error is kept
/// and reported when the scan is done.
struct Outputs {
    json: Option<(std::path::PathBuf, std::io::BufWriter<crate::output::Sink>)>,
    csv: Option<(std::path::PathBuf, csv::Writer<crate::output::Sink>)>,
    written: usize,
    failed: Option<anyhow::Error>,
}

impl Outputs {
    /// Creates the files `a` names (a path that cannot be written fails before the scan).
    fn create(a: &ScanArgs) -> anyhow::Result<Outputs> {
        let json = match &a.json {
            Some(p) => {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, crate::output::create(p)?);
                w.write_all(b"{\"alerts\":[")?;
                Some((p.clone(), w))
            }
            None => None,
        };
        let csv = match &a.csv {
            Some(p) => Some((
                p.clone(),
                alerts_csv(p).with_context(|| format!("writing {}", p.display()))?,
            )),
            None => None,
        };
        Ok(Outputs {
            json,
            csv,
            written: 0,
            failed: None,
        })
    }

    /// Writes one slice's alerts.
    fn alerts(&mut self, views: &[AlertView]) {
        if self.failed.is_some() {
            return;
        }
        let mut write = || -> anyhow::Result<()> {
            for v in views {
                if let Some((_, w)) = &mut self.json {
                    w.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut *w, v)?;
                }
                if let Some((_, w)) = &mut self.csv {
                    alert_row(w, v)?;
                }
                self.written += 1;
            }
            Ok(())
        };
        if let Err(e) = write() {
            self.failed = Some(e);
        }
    }

    /// Ends the files: the JSON gets the ranked accounts, the slices and the parameters
    /// after its alerts.
    fn finish(self, s: &sliced::Sliced) -> anyhow::Result<()> {
        if let Some(e) = self.failed {
            return Err(e.context("writing the alerts"));
        }
        if let Some((p, mut w)) = self.json {
            let end = |w: &mut std::io::BufWriter<crate::output::Sink>| -> anyhow::Result<()> {
                w.write_all(b"],\n\"accounts\":[")?;
                for (i, r) in s.ranked.iter().enumerate() {
                    w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut *w, r)?;
                }
                w.write_all(b"],\n\"slices\":")?;
                serde_json::to_writer(&mut *w, &s.slices as &[Slice])?;
                w.write_all(b",\n\"parameters\":")?;
                serde_json::to_writer(
                    &mut *w,
                    &serde_json::json!({"run": s.params, "derived": s.derived, "lookback_s": s.lookback_s}),
                )?;
                w.write_all(b"}\n")?;
                w.flush()?;
                Ok(())
            };
            end(&mut w).with_context(|| format!("writing {}", crate::output::shown(&p)))?;
            eprintln!("alerts written to {}", crate::output::shown(&p));
        }
        if let Some((p, mut w)) = self.csv {
            w.flush()
                .with_context(|| format!("writing {}", crate::output::shown(&p)))?;
            eprintln!("alerts written to {}", crate::output::shown(&p));
        }
        Ok(())
    }
}
