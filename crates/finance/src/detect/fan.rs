//! Fan-in and fan-out: many distinct counterparties within a sliding time window.

use super::{Params, days};
use crate::alert::Alert;
use crate::graph::{Graph, NO_MCC};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Lists up to this long are counted without a hash map (most accounts have a handful of
/// payments; the map was a tenth of a scan's time at 10 M payments).
const SMALL: usize = 16;

/// The widest window (most distinct counterparties) over time-sorted `(ts, party, edge)`:
/// its count, and the range of `edges` it spans (the first such window).
pub(super) fn widest(edges: &[(i64, u32, u32)], window: i64) -> (usize, usize, usize) {
    if edges.len() <= SMALL {
        widest_small(edges, window)
    } else {
        widest_hashed(edges, window)
    }
}

/// [`widest`] by counting each window's distinct parties directly.
fn widest_small(edges: &[(i64, u32, u32)], window: i64) -> (usize, usize, usize) {
    let (mut best, mut best_lo, mut best_hi) = (0, 0, 0);
    let mut lo = 0;
    for hi in 0..edges.len() {
        while edges[hi].0 - edges[lo].0 > window {
            lo += 1;
        }
        let distinct = (lo..=hi)
            .filter(|&i| !edges[lo..i].iter().any(|e| e.1 == edges[i].1))
            .count();
        if distinct > best {
            (best, best_lo, best_hi) = (distinct, lo, hi + 1);
        }
    }
    (best, best_lo, best_hi)
}

/// [`widest`] with a map of each party's payments in the window.
fn widest_hashed(edges: &[(i64, u32, u32)], window: i64) -> (usize, usize, usize) {
    let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
    let (mut best, mut best_lo, mut best_hi) = (0, 0, 0);
    let mut lo = 0;
    for hi in 0..edges.len() {
        *counts.entry(edges[hi].1).or_default() += 1;
        while edges[hi].0 - edges[lo].0 > window {
            let c = counts.get_mut(&edges[lo].1).expect("counted");
            *c -= 1;
            if *c == 0 {
                counts.remove(&edges[lo].1);
            }
            lo += 1;
        }
        if counts.len() > best {
            (best, best_lo, best_hi) = (counts.len(), lo, hi + 1);
        }
    }
    (best, best_lo, best_hi)
}

/// The payments a fan of `a` counts, time-sorted as `(ts, counterparty, edge)`:
/// incoming without card purchases (a shop is paid by many), or outgoing without wages
/// (`payroll` is [`Graph::channel_mask`] of the payroll channels).
fn fan_edges(g: &Graph, payroll: &[bool], a: u32, incoming: bool) -> Vec<(i64, u32, u32)> {
    if incoming {
        g.in_edges(a)
            .iter()
            .filter(|&&e| g.mcc[e as usize] == NO_MCC)
            .map(|&e| (g.ts[e as usize], g.from[e as usize], e))
            .collect()
    } else {
        g.out_edges(a)
            .filter(|&e| !payroll[g.channel[e] as usize])
            .map(|e| (g.ts[e], g.to[e], e as u32))
            .collect()
    }
}

/// For each account, the most distinct payers and payees within `window`, counted as
/// the fan detectors count them.
pub(crate) fn widest_fans(g: &Graph, p: &Params, window: i64) -> Vec<[u32; 2]> {
    let payroll = g.channel_mask(&p.payroll_channels);
    (0..g.accounts as u32)
        .into_par_iter()
        .map(|a| {
            [true, false]
                .map(|incoming| widest(&fan_edges(g, &payroll, a, incoming), window).0 as u32)
        })
        .collect()
}

fn fan(g: &Graph, p: &Params, incoming: bool) -> Vec<Alert> {
    let payroll = g.channel_mask(&p.payroll_channels);
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let edges = fan_edges(g, &payroll, a, incoming);
            if edges.len() < p.fan_min {
                return None;
            }
            let (n, lo, hi) = widest(&edges, p.fan_window_s);
            (n >= p.fan_min).then(|| Alert {
                detector: if incoming { "fan_in" } else { "fan_out" },
                account: a,
                score: n as f64 / p.fan_min as f64,
                explanation: format!(
                    "{} {n} distinct accounts within {} ({} payments; threshold {})",
                    if incoming { "received from" } else { "paid" },
                    days(p.fan_window_s),
                    hi - lo,
                    p.fan_min
                ),
                evidence: edges[lo..hi].iter().map(|x| x.2).collect(),
            })
        })
        .collect()
}

/// Accounts receiving from at least `fan_min` distinct accounts within `fan_window_s`.
/// Card purchases (payments with a merchant category) are not counted: a shop is paid by
/// many.
pub fn fan_in(g: &Graph, p: &Params) -> Vec<Alert> {
    fan(g, p, true)
}

/// Accounts paying at least `fan_min` distinct accounts within `fan_window_s`. Wages
/// (`payroll_channels`) are not counted: an employer paying its staff is not a fan-out.
pub fn fan_out(g: &Graph, p: &Params) -> Vec<Alert> {
    fan(g, p, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Both ways of counting find the same window, on lists short and long.
        #[test]
        fn the_small_count_is_the_hashed_one(
            gaps in proptest::collection::vec((0i64..5, 0u32..6), 0..40),
            window in 0i64..12,
        ) {
            let mut t = 0;
            let edges: Vec<(i64, u32, u32)> = gaps
                .iter()
                .enumerate()
                .map(|(i, &(gap, party))| {
                    t += gap;
                    (t, party, i as u32)
                })
                .collect();
            prop_assert_eq!(widest_small(&edges, window), widest_hashed(&edges, window));
        }
    }
}
