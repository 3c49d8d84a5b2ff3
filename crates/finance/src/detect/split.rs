//! Split payments: one payer paying one payee the same amount again and again within a
//! short time — a sum broken into equal parts (structuring that does not need a reporting
//! threshold: limits on a single transfer, or a bank's own monitoring, are what it
//! avoids). Paying the same bill twice happens; a third identical payment to the same
//! account the same day rarely does.

use super::{Params, days};
use crate::alert::{Alert, decimal};
use crate::graph::Graph;
use rayon::prelude::*;

/// Runs of at least `split_min` payments from one account to another of the same amount
/// and currency, all within `split_window_s` of the first (or within one time slot when
/// `time_resolution_s` is wider). One alert per payer and payee, on the payer, with the
/// longest run.
pub fn split_payments(g: &Graph, p: &Params) -> Vec<Alert> {
    let window = p.split_window_s.max(p.time_resolution_s.max(1) - 1);
    (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut outs: Vec<usize> = g.out_edges(a).collect();
            if outs.len() < p.split_min {
                return Vec::new().into_iter();
            }
            // By payee, amount, currency, then time (the graph sorts by time only).
            outs.sort_unstable_by_key(|&e| (g.to[e], g.amount[e], g.currency[e], g.ts[e]));
            let mut found: Vec<Alert> = Vec::new();
            let mut i = 0;
            while i < outs.len() {
                let key = |e: usize| (g.to[e], g.amount[e], g.currency[e]);
                let mut j = i;
                while j < outs.len() && key(outs[j]) == key(outs[i]) {
                    j += 1;
                }
                // The longest run within the window among these equal payments.
                let same = &outs[i..j];
                let (mut best, mut lo) = ((0, 0), 0);
                for hi in 0..same.len() {
                    while g.ts[same[hi]] - g.ts[same[lo]] > window {
                        lo += 1;
                    }
                    if hi + 1 - lo > best.1 - best.0 {
                        best = (lo, hi + 1);
                    }
                }
                let run = &same[best.0..best.1];
                if run.len() >= p.split_min {
                    let payee = g.to[run[0]];
                    match found.last_mut() {
                        Some(prev) if g.to[prev.evidence[0] as usize] == payee => {
                            if run.len() > prev.evidence.len() {
                                *prev = alert(g, p, a, run, window);
                            }
                        }
                        _ => found.push(alert(g, p, a, run, window)),
                    }
                }
                i = j;
            }
            found.into_iter()
        })
        .collect()
}

fn alert(g: &Graph, p: &Params, a: u32, run: &[usize], window: i64) -> Alert {
    let e = run[0];
    Alert {
        detector: "split_payments",
        account: a,
        score: run.len() as f64 / p.split_min as f64,
        explanation: format!(
            "paid the same account {} times the same amount ({}) within {}",
            run.len(),
            decimal(g.amount[e]),
            days(window.max(1))
        ),
        evidence: run.iter().map(|&e| e as u32).collect(),
    }
}
