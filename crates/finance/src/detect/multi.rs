//! Patterns with parties on both sides: scatter-gather (one account pays many, who each pay
//! one account on) and gather-scatter (many pay one account, which pays many on).

use super::fan::widest;
use super::{Params, days};
use crate::alert::Alert;
use crate::graph::Graph;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// Accounts `S` that pay at least `sg_min` distinct intermediaries which each pay the same
/// account `D` (not `S`) within `sg_window_s` of being paid. Intermediaries that are hubs
/// (paying more than `cycle_max_degree` distinct counterparties) are not walked through. The alert is on `S`; its evidence
/// is both legs of every intermediary.
pub fn scatter_gather(g: &Graph, p: &Params) -> Vec<Alert> {
    let hub = super::hubs(g, p.cycle_max_degree);
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|s| {
            let outs = g.out_edges(s);
            if outs.len() < p.sg_min {
                return None;
            }
            // For each sink: the intermediaries reaching it, with both legs.
            let mut sinks: FxHashMap<u32, FxHashMap<u32, (u32, u32)>> = FxHashMap::default();
            for e1 in outs {
                let (mid, t1) = (g.to[e1], g.ts[e1]);
                if hub[mid as usize] {
                    continue;
                }
                for e2 in g.out_edges_between(mid, t1, t1 + p.sg_window_s) {
                    let sink = g.to[e2];
                    if sink != s {
                        sinks
                            .entry(sink)
                            .or_default()
                            .entry(mid)
                            .or_insert((e1 as u32, e2 as u32));
                    }
                }
            }
            let (_, mids) = sinks
                .into_iter()
                .filter(|(_, m)| m.len() >= p.sg_min)
                .max_by_key(|(d, m)| (m.len(), std::cmp::Reverse(*d)))?;
            let mut legs: Vec<(u32, u32)> = mids.into_values().collect();
            legs.sort_unstable();
            let n = legs.len();
            Some(Alert {
                detector: "scatter_gather",
                account: s,
                score: n as f64 / p.sg_min as f64,
                explanation: format!(
                    "paid {n} accounts that each paid one same account on within {} (threshold {})",
                    days(p.sg_window_s),
                    p.sg_min
                ),
                evidence: legs.into_iter().flat_map(|(a, b)| [a, b]).collect(),
            })
        })
        .collect()
}

/// Accounts receiving from at least `sg_min` distinct accounts within `sg_window_s` and
/// paying at least `sg_min` distinct others (not among the payers) from the first of
/// those payments until `sg_window_s` after the last.
pub fn gather_scatter(g: &Graph, p: &Params) -> Vec<Alert> {
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|h| {
            let ins = g.in_edges(h);
            if ins.len() < p.sg_min || g.out_edges(h).len() < p.sg_min {
                return None;
            }
            let edges: Vec<(i64, u32, u32)> = ins
                .iter()
                .map(|&e| (g.ts[e as usize], g.from[e as usize], e))
                .collect();
            let (gathered, lo, hi) = widest(&edges, p.sg_window_s);
            if gathered < p.sg_min {
                return None;
            }
            let payers: FxHashSet<u32> = edges[lo..hi].iter().map(|x| x.1).collect();
            let outs = g.out_edges_between(h, edges[lo].0, edges[hi - 1].0 + p.sg_window_s);
            let mut payees = FxHashSet::default();
            let mut evidence: Vec<u32> = edges[lo..hi].iter().map(|x| x.2).collect();
            for e in outs {
                if !payers.contains(&g.to[e]) {
                    payees.insert(g.to[e]);
                    evidence.push(e as u32);
                }
            }
            let scattered = payees.len();
            (scattered >= p.sg_min).then(|| Alert {
                detector: "gather_scatter",
                account: h,
                score: gathered.min(scattered) as f64 / p.sg_min as f64,
                explanation: format!(
                    "received from {gathered} accounts within {} and paid {scattered} others on (threshold {} each side)",
                    days(p.sg_window_s),
                    p.sg_min
                ),
                evidence,
            })
        })
        .collect()
}
