//! Time-respecting cycles: money that returns to its first account through 2 to
//! `cycle_max_len` accounts, each payment no earlier than the one before (payments in the
//! same `time_resolution_s` slot are ties, as when an export stamps a day's payments at
//! midnight), all within `cycle_window_s`, each payment carrying between `cycle_keep_min`
//! and 105 % of the one before (the same money moving on, less fees, not unrelated
//! payments that happen to close a loop).
//!
//! Every payment is tried as a cycle's first, so a cycle is found whichever of its
//! accounts the file names first; each cycle is reported once, on the account that paid
//! first. Hubs — accounts paying more than `cycle_max_degree` distinct counterparties,
//! such as payment processors — are walked through, but only along the
//! `cycle_hub_expand` earliest of their payments in the window that carry the amount on.

use super::{Params, days, hubs};
use crate::alert::Alert;
use crate::graph::Graph;
use rayon::prelude::*;

/// What one search shares.
struct Search<'a> {
    g: &'a Graph,
    p: &'a Params,
    hub: &'a [bool],
    start: u32,
    /// The first payment's time.
    t0: i64,
}

/// The start of the `resolution`-second slot holding `t`.
fn slot_start(t: i64, resolution: i64) -> i64 {
    if resolution <= 1 {
        t
    } else {
        t - t.rem_euclid(resolution)
    }
}

fn walk(s: &Search<'_>, path: &mut Vec<u32>, edges: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    let (g, p) = (s.g, s.p);
    let at = *path.last().expect("a path starts somewhere");
    let last = *edges.last().expect("a path has its first payment") as usize;
    let last_amount = g.amount[last] as f64;
    let from_t = slot_start(g.ts[last], p.time_resolution_s);
    let mut followed = 0;
    for e in g.out_edges_between(at, from_t, s.t0.saturating_add(p.cycle_window_s)) {
        let ratio = g.amount[e] as f64 / last_amount;
        if !(p.cycle_keep_min..=1.05).contains(&ratio) {
            continue;
        }
        if s.hub[at as usize] {
            if followed == p.cycle_hub_expand {
                break;
            }
            followed += 1;
        }
        let to = g.to[e];
        if to == s.start {
            let mut found = edges.clone();
            found.push(e as u32);
            out.push(found);
            continue;
        }
        // Simple cycles only.
        if path.contains(&to) || path.len() == p.cycle_max_len {
            continue;
        }
        path.push(to);
        edges.push(e as u32);
        walk(s, path, edges, out);
        path.pop();
        edges.pop();
    }
}

/// Every time-respecting cycle, once, as an alert on the account that paid first.
pub fn cycles(g: &Graph, p: &Params) -> Vec<Alert> {
    let hub = hubs(g, p.cycle_max_degree);
    let found: Vec<Vec<u32>> = (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut found = Vec::new();
            for e in g.out_edges(a) {
                let to = g.to[e];
                if to == a {
                    continue;
                }
                let s = Search {
                    g,
                    p,
                    hub: &hub,
                    start: a,
                    t0: g.ts[e],
                };
                walk(&s, &mut vec![a, to], &mut vec![e as u32], &mut found);
            }
            found
        })
        .collect();
    // With ties, one cycle is found from each of its payments that can go first: keep the
    // earliest start (by time, then by position in the file).
    let first = |c: &Vec<u32>| (g.ts[c[0] as usize], g.record[c[0] as usize]);
    let mut keyed: Vec<(Vec<u32>, Vec<u32>)> = found
        .into_iter()
        .map(|c| {
            let mut key = c.clone();
            key.sort_unstable();
            (key, c)
        })
        .collect();
    keyed.sort_unstable_by(|(ka, a), (kb, b)| ka.cmp(kb).then(first(a).cmp(&first(b))));
    keyed.dedup_by(|(later, _), (kept, _)| later == kept);
    let mut cycles: Vec<Vec<u32>> = keyed.into_iter().map(|(_, c)| c).collect();
    cycles.sort_unstable_by(|a, b| first(a).cmp(&first(b)).then_with(|| a.cmp(b)));
    cycles
        .into_iter()
        .map(|edges| {
            let span = g.ts[*edges.last().expect("cycle") as usize] - g.ts[edges[0] as usize];
            Alert {
                detector: "cycle",
                account: g.from[edges[0] as usize],
                // Shorter, faster cycles score higher.
                score: 1.0 + (p.cycle_window_s - span) as f64 / p.cycle_window_s as f64,
                explanation: format!(
                    "money returned through {} accounts in {} (window {}), each payment {:.0}–105% of the one before",
                    edges.len(),
                    days_or_hours(span),
                    days(p.cycle_window_s),
                    p.cycle_keep_min * 100.0
                ),
                evidence: edges,
            }
        })
        .collect()
}

fn days_or_hours(s: i64) -> String {
    if s >= 86_400 {
        format!("{:.1} days", s as f64 / 86_400.0)
    } else {
        format!("{:.1} hours", s as f64 / 3600.0)
    }
}
