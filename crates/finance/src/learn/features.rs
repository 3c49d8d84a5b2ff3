//! What the model sees of each payment: the payment itself, the pair's habits, each side's
//! counterparties and flows around its time, and what the detectors and the ranking said
//! about it. All of it is measured on the file without the labels.

use crate::alert::Alert;
use crate::detect::{DETECTORS, Params};
use crate::graph::{Graph, NO_MCC};
use crate::rank::Ranked;
use rayon::prelude::*;

/// Most payments looked at for one window count (a hub's day can hold thousands).
const SCAN_MAX: usize = 4_096;

/// The features measured before the detectors' evidence, in column order.
const MEASURED: [&str; 24] = [
    "log10 amount",
    "round amount (whole hundreds)",
    "hour of day",
    "day of week",
    "channel",
    "card purchase",
    "pair payments within the split window",
    "pair payments of the same amount within the split window",
    "pair payments in the file",
    "payer's distinct payees in the fan window before",
    "payer's distinct payers in the fan window before",
    "payee's distinct payers in the fan window before",
    "payee's distinct payees in the fan window after",
    "payer's payments out",
    "payer's payments in",
    "payee's payments in",
    "payee's payments out",
    "payee passes it on (80-105% within the pass window)",
    "payer had received it (80-105% within the pass window before)",
    "payee pays the payer back within the cycle window",
    "payer's risk score",
    "payee's risk score",
    "alerts on the payer",
    "alerts on the payee",
];

/// How many features each payment has.
pub const COUNT: usize = MEASURED.len() + DETECTORS.len();

/// The name of feature `i` (the detectors' columns read "in <detector> evidence").
pub fn name(i: usize) -> String {
    match MEASURED.get(i) {
        Some(n) => (*n).to_owned(),
        None => format!("in {} evidence", DETECTORS[i - MEASURED.len()]),
    }
}

/// The features of every payment of `g`, column after column (column-major, as the
/// model reads them): `COUNT × g.len()` values.
pub fn measure(g: &Graph, p: &Params, alerts: &[Alert], ranked: &[Ranked]) -> Vec<f64> {
    let n = g.len();
    let mut risk = vec![0.0f64; g.accounts];
    for r in ranked {
        risk[r.account as usize] = r.score;
    }
    let mut alerts_on = vec![0u32; g.accounts];
    // For each payment, the detectors whose evidence holds it (a bit each).
    let mut evidence = vec![0u32; n];
    for al in alerts {
        alerts_on[al.account as usize] += 1;
        let bit = DETECTORS
            .iter()
            .position(|d| *d == al.detector)
            .unwrap_or(0);
        for &e in &al.evidence {
            evidence[e as usize] |= 1 << bit;
        }
    }
    let rows: Vec<[f64; COUNT]> = (0..n)
        .into_par_iter()
        .map(|e| {
            let mut row = [0.0f64; COUNT];
            measure_one(g, p, e, &mut row);
            row[20] = risk[g.from[e] as usize];
            row[21] = risk[g.to[e] as usize];
            row[22] = f64::from(alerts_on[g.from[e] as usize]);
            row[23] = f64::from(alerts_on[g.to[e] as usize]);
            for (d, slot) in row[MEASURED.len()..].iter_mut().enumerate() {
                *slot = f64::from(evidence[e] >> d & 1);
            }
            row
        })
        .collect();
    let mut columns = vec![0.0f64; COUNT * n];
    for (e, row) in rows.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            columns[c * n + e] = v;
        }
    }
    columns
}

/// Distinct values among at most [`SCAN_MAX`] of `it`.
fn distinct(it: impl Iterator<Item = u32>) -> f64 {
    let mut v: Vec<u32> = it.take(SCAN_MAX).collect();
    v.sort_unstable();
    v.dedup();
    v.len() as f64
}

/// The features of payment `e` that need only the graph (columns 0–19).
fn measure_one(g: &Graph, p: &Params, e: usize, row: &mut [f64; COUNT]) {
    let (a, b, t, amount) = (g.from[e], g.to[e], g.ts[e], g.amount[e]);
    const UNIT: i64 = 1_000_000;
    row[0] = (amount.max(1) as f64 / UNIT as f64).log10();
    row[1] = f64::from(amount % (100 * UNIT) == 0);
    row[2] = (t.rem_euclid(86_400) / 3_600) as f64;
    // 1970-01-01 was a Thursday: 0 is Monday.
    row[3] = ((t.div_euclid(86_400) + 3).rem_euclid(7)) as f64;
    row[4] = f64::from(g.channel[e]);
    row[5] = f64::from(g.mcc[e] != NO_MCC);
    let split = p.split_window_s.max(p.time_resolution_s.max(1) - 1);
    let mut pair_near = 0.0;
    let mut pair_same = 0.0;
    for o in g.out_edges_between(a, t - split, t + split).take(SCAN_MAX) {
        if g.to[o] == b {
            pair_near += 1.0;
            pair_same += f64::from(g.amount[o] == amount);
        }
    }
    row[6] = pair_near;
    row[7] = pair_same;
    row[8] = g.out_edges(a).filter(|&o| g.to[o] == b).count() as f64;
    let w = p.fan_window_s;
    row[9] = distinct(g.out_edges_between(a, t - w, t).map(|o| g.to[o]));
    row[10] = distinct(
        g.in_edges_between(a, t - w, t)
            .iter()
            .map(|&i| g.from[i as usize]),
    );
    row[11] = distinct(
        g.in_edges_between(b, t - w, t)
            .iter()
            .map(|&i| g.from[i as usize]),
    );
    row[12] = distinct(g.out_edges_between(b, t, t + w).map(|o| g.to[o]));
    row[13] = g.out_edges(a).len() as f64;
    row[14] = g.in_edges(a).len() as f64;
    row[15] = g.in_edges(b).len() as f64;
    row[16] = g.out_edges(b).len() as f64;
    let ratio = |x: i64| x as f64 / amount.max(1) as f64;
    let passes = |r: f64| (p.pass_ratio_min..=p.pass_ratio_max).contains(&r);
    let pw = p.pass_window_s;
    row[17] = f64::from(
        g.out_edges_between(b, t, t + pw)
            .take(SCAN_MAX)
            .any(|o| g.to[o] != a && passes(ratio(g.amount[o]))),
    );
    row[18] = f64::from(
        g.in_edges_between(a, t - pw, t)
            .iter()
            .take(SCAN_MAX)
            .any(|&i| {
                g.from[i as usize] != b && passes(1.0 / ratio(g.amount[i as usize]).max(1e-9))
            }),
    );
    row[19] = f64::from(
        g.out_edges_between(b, t, t + p.cycle_window_s)
            .take(SCAN_MAX)
            .any(|o| g.to[o] == a),
    );
}
