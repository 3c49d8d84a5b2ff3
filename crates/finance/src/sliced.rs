//! A scan of a file larger than memory, one time slice at a time.
//!
//! The file is read once for its time span (keeping no row), then once per slice: each
//! pass keeps only the rows of its slice and of a *lookback* before it (the longest span
//! any detector's pattern can have, [`lookback_s`]), builds that part's graph, runs the
//! detectors and the ranking on it, and turns what it found into names before the next
//! pass. Memory is bounded by one slice and its lookback, whatever the file's length; the
//! price is one read of the file per slice.
//!
//! - An alert is kept by the slice its pattern ends in (its latest evidence), so a
//!   pattern that ends in a slice is seen whole there (it spans at most the lookback), and
//!   a pattern seen again in the next slice's lookback is not reported twice.
//! - Parameters are derived from the whole file (unless named or turned off) and kept for
//!   every slice, so a threshold means the same throughout. Measuring takes two more
//!   reads per slice before the scan: one for the time stamps ([`Timing`]: the time
//!   resolution and the windows), one with the windows that gives for the fans and pair
//!   bursts ([`Spread`]: the thresholds). Only what is per account or a count of values
//!   is kept between slices.
//! - Detectors without a window (pass-through counts, cash intensity, peel chains of many
//!   hops) count within a slice and its lookback; the ranking compares accounts within a
//!   slice, and each account keeps its most unusual slice.
//! - A row that cannot be read is reported once, whichever passes met it.
//! - Each slice's alerts go to the caller as the slice ends (to be written out), so what
//!   is kept across slices is one entry per ranked account (its numbers, not its
//!   sentence) and the strongest few alerts without their evidence.

use crate::alert::AlertView;
use crate::detect::{self, Deriving, Params, Setting, Spread, Timing};
use crate::input::{Format, InputError, Loaded, Options, RowError};
use crate::{Graph, rank};
use std::collections::{BTreeMap, BTreeSet};

/// The longest span, in seconds, of any pattern a detector finds with `p`: a slice's
/// lookback.
pub fn lookback_s(p: &Params) -> i64 {
    [
        p.fan_window_s,
        p.pass_window_s,
        p.structuring_window_s,
        p.split_window_s,
        p.cycle_window_s,
        // Gather-scatter: the gathering window, then the scattering window.
        2 * p.sg_window_s,
        p.funnel_window_s + p.pass_window_s,
        // Wages paid within the payday window, a share taken within as long again.
        2 * p.siphon_window_s,
        p.indicator_window_s,
        p.peel_window_s * p.peel_min_hops as i64,
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

/// What one slice read and found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Slice {
    /// Its first second (Unix).
    pub start: i64,
    /// The second after its last.
    pub end: i64,
    /// Transactions read for it, its lookback's included.
    pub transactions: usize,
    /// Accounts among them.
    pub accounts: usize,
    /// Alerts whose pattern ends in it.
    pub alerts: usize,
}

/// An account of the ranking, with names.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RankedView {
    /// The account.
    pub account: String,
    /// Its risk score in its most unusual slice (`-log10 p`).
    pub risk: f64,
    /// The chance an ordinary account looks this unusual.
    pub p: f64,
    /// Why, in one sentence.
    pub why: String,
    /// The slice (index into [`Sliced::slices`]) it was most unusual in.
    pub slice: usize,
}

/// A whole sliced scan (its alerts went to the caller slice by slice).
#[derive(Debug, Clone)]
pub struct Sliced {
    /// The format read.
    pub format: Format,
    /// The earliest and latest time in the file.
    pub span: (i64, i64),
    /// The lookback each slice after the first reads before its start, seconds.
    pub lookback_s: i64,
    /// The parameters every slice ran with.
    pub params: Params,
    /// Those derived from the whole file, with why.
    pub derived: Vec<Setting>,
    /// Each slice, in time order.
    pub slices: Vec<Slice>,
    /// Alerts kept, in all.
    pub alerts: usize,
    /// The strongest alerts, at most [`Plan::strongest`], strongest first, without their
    /// evidence.
    pub strongest: Vec<AlertView>,
    /// Accounts by risk, each once (at its most unusual slice), highest first.
    pub ranked: Vec<RankedView>,
    /// Rows that could not be read (when skipping them), by line.
    pub skipped: Vec<RowError>,
}

/// How a sliced scan runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Seconds per slice (at least one day).
    pub slice_s: i64,
    /// The parameters to start from.
    pub params: Params,
    /// Names of the parameters given by hand (not derived).
    pub fixed: BTreeSet<String>,
    /// Derive the parameters not given from the whole file (two more reads per slice).
    pub derive: bool,
    /// How many of the strongest alerts [`Sliced::strongest`] keeps.
    pub strongest: usize,
}

/// What a read of the file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The first: the file's time span, keeping no row.
    Span,
    /// Measuring slice `.0` (from 0) of `.1`'s time stamps.
    Timing(usize, usize),
    /// Measuring slice `.0` of `.1`'s fans and pair bursts.
    Spread(usize, usize),
    /// Scanning slice `.0` of `.1`.
    Scan(usize, usize),
}

impl std::fmt::Display for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Pass::Span => write!(f, "span"),
            Pass::Timing(k, n) => write!(f, "slice {} of {n}, time stamps", k + 1),
            Pass::Spread(k, n) => write!(f, "slice {} of {n}, fans and pairs", k + 1),
            Pass::Scan(k, n) => write!(f, "slice {} of {n}", k + 1),
        }
    }
}

/// Each slice's first second and the second after its last, covering `span`.
fn slice_bounds(span: (i64, i64), slice_s: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = span.0;
    while start <= span.1 {
        let end = start.saturating_add(slice_s);
        out.push((start, end));
        start = end;
    }
    out
}

/// Scans the file `read` reads (called with the options of each pass and what the pass
/// is for, it reads the whole file as they say: [`crate::input::read_with`] for CSV,
/// `read_columnar` for Parquet and Arrow IPC) a slice at a time. `on_slice` gets each
/// slice when it is done, with the alerts whose pattern ends in it, strongest first.
pub fn scan(
    mut read: impl FnMut(Options, Pass) -> Result<Loaded, InputError>,
    options: &Options,
    plan: &Plan,
    mut on_slice: impl FnMut(&Slice, &[AlertView]),
) -> Result<Sliced, InputError> {
    const DAY: i64 = 86_400;
    if plan.slice_s < DAY {
        return Err(InputError::Sliced(format!(
            "a slice of {} s is shorter than a day",
            plan.slice_s
        )));
    }
    let mut skipped: BTreeMap<u64, RowError> = BTreeMap::new();
    let mut pass = |times: std::ops::Range<i64>, what: Pass| -> Result<Loaded, InputError> {
        let mut loaded = read(
            Options {
                times: Some(times),
                ..options.clone()
            },
            what,
        )?;
        for e in std::mem::take(&mut loaded.skipped) {
            skipped.entry(e.line).or_insert(e);
        }
        Ok(loaded)
    };
    // The first pass keeps no row: it finds the span (and refuses a broken file early).
    let first = pass(0..0, Pass::Span)?;
    let format = first.format;
    let Some(span) = first.span else {
        return Err(InputError::Sliced(
            "the file holds no row with a readable time".into(),
        ));
    };
    let bounds = slice_bounds(span, plan.slice_s);
    let n = bounds.len();
    let (params, derived) = if plan.derive {
        let mut d = Deriving::new(&plan.params, &plan.fixed);
        let mut timing = Timing::default();
        // Each account's latest payment in the slices measured so far.
        let mut last = BTreeMap::new();
        for (k, &(start, end)) in bounds.iter().enumerate() {
            let loaded = pass(start..end, Pass::Timing(k, n))?;
            let g = Graph::build(&loaded.records, &loaded.names);
            timing.add_slice(&g, &loaded.names, &mut last);
        }
        drop(last);
        d.windows(&timing);
        if d.wants_spread() {
            let p = d.params().clone();
            let back = Spread::lookback_s(&p);
            let mut spread = Spread::default();
            for (k, &(start, end)) in bounds.iter().enumerate() {
                let from = if k == 0 {
                    start
                } else {
                    start.saturating_sub(back)
                };
                let loaded = pass(from..end, Pass::Spread(k, n))?;
                let g = Graph::build(&loaded.records, &loaded.names);
                spread.add_slice(&g, &loaded.names, &p, start);
            }
            d.thresholds(&spread);
        }
        d.done()
    } else {
        (plan.params.clone(), Vec::new())
    };
    let lookback = lookback_s(&params);
    let mut slices = Vec::new();
    let mut alerts = 0;
    let mut strongest: Vec<AlertView> = Vec::new();
    // Each account's most unusual slice: the slice and the ranking's numbers (the
    // sentence is written at the end, from the parameters every slice shares).
    let mut ranked: BTreeMap<Box<str>, (usize, rank::Ranked)> = BTreeMap::new();
    for (index, &(start, end)) in bounds.iter().enumerate() {
        let from = if index == 0 {
            start
        } else {
            start.saturating_sub(lookback)
        };
        let mut loaded = pass(from..end, Pass::Scan(index, n))?;
        let g = Graph::build(&loaded.records, &loaded.names);
        drop(std::mem::take(&mut loaded.records));
        let found = detect::run_all(&g, &params);
        let ends_here = |a: &crate::Alert| {
            a.evidence
                .iter()
                .map(|&e| g.ts[e as usize])
                .max()
                .is_none_or(|t| t >= start)
        };
        for mut r in rank::rank(&g, &params, &found) {
            let account = loaded.names.accounts.name(r.account);
            if ranked.get(account).is_some_and(|(_, k)| k.score >= r.score) {
                continue;
            }
            r.alerts = Vec::new();
            ranked.insert(account.into(), (index, r));
        }
        let views: Vec<AlertView> = found
            .iter()
            .filter(|a| ends_here(a))
            .map(|a| a.view(&g, &loaded.names))
            .collect();
        alerts += views.len();
        strongest.extend(views.iter().take(plan.strongest).map(|v| AlertView {
            evidence: Vec::new(),
            ..v.clone()
        }));
        strongest.sort_by(by_strength);
        strongest.truncate(plan.strongest);
        let slice = Slice {
            start,
            end,
            transactions: g.len(),
            accounts: g.accounts,
            alerts: views.len(),
        };
        on_slice(&slice, &views);
        slices.push(slice);
    }
    let mut ranked: Vec<RankedView> = ranked
        .into_iter()
        .map(|(account, (slice, r))| RankedView {
            account: account.into(),
            risk: (r.score * 1000.0).round() / 1000.0,
            p: r.p,
            why: r.explanation_within(&params, "slice"),
            slice,
        })
        .collect();
    ranked.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.account.cmp(&b.account)));
    Ok(Sliced {
        format,
        span,
        lookback_s: lookback,
        params,
        derived,
        slices,
        alerts,
        strongest,
        ranked,
        skipped: skipped.into_values().collect(),
    })
}

/// Strongest first; ties by detector, then account.
fn by_strength(a: &AlertView, b: &AlertView) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then(a.detector.cmp(b.detector))
        .then(a.account.cmp(&b.account))
}
