//! Time-respecting cycles: money that returns to its first account through 2 to
//! `cycle_max_len` accounts, each payment later than the one before, all within
//! `cycle_window_s`, each payment carrying between `cycle_keep_min` and 105 % of the one
//! before (the same money moving on, less fees, not unrelated payments that happen to
//! close a loop). Each cycle is reported once, on its smallest account.

use super::{Params, days};
use crate::alert::Alert;
use crate::graph::Graph;
use rayon::prelude::*;

fn walk(
    g: &Graph,
    p: &Params,
    start: u32,
    t0: i64,
    path: &mut Vec<u32>,
    edges: &mut Vec<u32>,
    out: &mut Vec<Vec<u32>>,
) {
    let at = *path.last().expect("a path starts somewhere");
    let last_t = edges.last().map(|&e| g.ts[e as usize]).unwrap_or(t0 - 1);
    let range = g.out_edges(at);
    if range.len() > p.cycle_max_degree {
        return;
    }
    let last_amount = edges.last().map(|&e| g.amount[e as usize] as f64);
    for e in range {
        let (to, t) = (g.to[e], g.ts[e]);
        if t <= last_t {
            continue;
        }
        if let Some(prev) = last_amount {
            let ratio = g.amount[e] as f64 / prev;
            if !(p.cycle_keep_min..=1.05).contains(&ratio) {
                continue;
            }
        }
        if t > t0 + p.cycle_window_s {
            break;
        }
        if to == start && path.len() >= 2 {
            let mut found = edges.clone();
            found.push(e as u32);
            out.push(found);
            continue;
        }
        // Simple cycles only, each reported from its smallest account.
        if to <= start || path.contains(&to) || path.len() == p.cycle_max_len {
            continue;
        }
        path.push(to);
        edges.push(e as u32);
        walk(g, p, start, t0, path, edges, out);
        path.pop();
        edges.pop();
    }
}

/// Every time-respecting cycle, as an alert on its smallest account.
pub fn cycles(g: &Graph, p: &Params) -> Vec<Alert> {
    (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut found = Vec::new();
            let range = g.out_edges(a);
            if range.len() <= p.cycle_max_degree {
                for e in range {
                    let to = g.to[e];
                    if to <= a {
                        continue;
                    }
                    let mut path = vec![a, to];
                    let mut edges = vec![e as u32];
                    walk(g, p, a, g.ts[e], &mut path, &mut edges, &mut found);
                }
            }
            found.into_iter().map(move |edges| {
                let span = g.ts[*edges.last().expect("cycle") as usize] - g.ts[edges[0] as usize];
                Alert {
                    detector: "cycle",
                    account: a,
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
