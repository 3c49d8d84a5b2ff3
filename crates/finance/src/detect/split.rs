//! Split payments: one payer paying one payee again and again within a short time — a
//! sum broken into parts (structuring that does not need a reporting threshold: limits on
//! a single transfer, or a bank's own monitoring, are what it avoids). Paying the same
//! bill twice happens; a third transfer to the same account the same day rarely does.
//! Card purchases (a payment with a merchant category: the same café three times a day)
//! and wages are not counted.

use super::{Params, days};
use crate::alert::{Alert, decimal};
use crate::graph::{Graph, NO_MCC};
use rayon::prelude::*;

/// The window split payments must fall within: `split_window_s`, and never less than
/// one time slot of `time_resolution_s`.
pub(crate) fn window(p: &Params) -> i64 {
    p.split_window_s.max(p.time_resolution_s.max(1) - 1)
}

/// For each payee of `a`, the longest run of `a`'s payments to it within `window`
/// (card purchases and wages left out): `(payee, run)`, runs as edge indexes in time
/// order.
fn runs(g: &Graph, payroll: &[bool], a: u32, window: i64) -> Vec<(u32, Vec<usize>)> {
    let mut outs: Vec<usize> = g
        .out_edges(a)
        .filter(|&e| g.mcc[e] == NO_MCC && !payroll[g.channel[e] as usize])
        .collect();
    // By payee, then time (the graph sorts by time only).
    outs.sort_unstable_by_key(|&e| (g.to[e], g.ts[e], e));
    outs.chunk_by(|&x, &y| g.to[x] == g.to[y])
        .map(|same| {
            let (mut best, mut lo) = ((0, 0), 0);
            for hi in 0..same.len() {
                while g.ts[same[hi]] - g.ts[same[lo]] > window {
                    lo += 1;
                }
                if hi + 1 - lo > best.1 - best.0 {
                    best = (lo, hi + 1);
                }
            }
            (g.to[same[0]], same[best.0..best.1].to_vec())
        })
        .collect()
}

/// For each pair of accounts that pays at or after `since`, the most payments from one
/// to the other within the split window (as [`split_payments`] counts them): the
/// distribution `split_min` is derived from.
pub(crate) fn busiest_pairs(g: &Graph, p: &Params, since: i64) -> Vec<u32> {
    let payroll = g.channel_mask(&p.payroll_channels);
    let window = window(p);
    (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            // The payees paid at or after `since` (all of them when it is the start of time).
            let recent = (since != i64::MIN).then(|| {
                let mut to: Vec<u32> = g
                    .out_edges(a)
                    .filter(|&e| g.ts[e] >= since)
                    .map(|e| g.to[e])
                    .collect();
                to.sort_unstable();
                to
            });
            runs(g, &payroll, a, window)
                .into_iter()
                .filter(move |(payee, _)| {
                    recent
                        .as_ref()
                        .is_none_or(|to| to.binary_search(payee).is_ok())
                })
                .map(|(_, run)| run.len() as u32)
        })
        .collect()
}

/// Runs of at least `split_min` payments from one account to another, all within
/// `split_window_s` of the first (or within one time slot when `time_resolution_s` is
/// wider). Per payer and payee, the longest run raises two alerts with the same
/// evidence: one on the payer (who split the sum) and one on the payee (where the parts
/// meet again).
pub fn split_payments(g: &Graph, p: &Params) -> Vec<Alert> {
    let payroll = g.channel_mask(&p.payroll_channels);
    let window = window(p);
    (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            if g.out_edges(a).len() < p.split_min {
                return Vec::new().into_iter();
            }
            runs(g, &payroll, a, window)
                .into_iter()
                .filter(|(_, run)| run.len() >= p.split_min)
                .flat_map(|(payee, run)| {
                    [
                        alert(g, p, a, "paid the same account", &run, window),
                        alert(g, p, payee, "was paid by the same account", &run, window),
                    ]
                })
                .collect::<Vec<_>>()
                .into_iter()
        })
        .collect()
}

fn alert(g: &Graph, p: &Params, on: u32, what: &str, run: &[usize], window: i64) -> Alert {
    let (lo, hi) = run.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &e| {
        (lo.min(g.amount[e]), hi.max(g.amount[e]))
    });
    let amounts = if lo == hi {
        format!("the same amount ({}) each time", decimal(lo))
    } else {
        let total: i64 = run.iter().map(|&e| g.amount[e]).sum();
        format!(
            "{} to {} each, {} in all",
            decimal(lo),
            decimal(hi),
            decimal(total)
        )
    };
    Alert {
        detector: "split_payments",
        account: on,
        score: run.len() as f64 / p.split_min as f64,
        explanation: format!(
            "{what} {} times within {}: {amounts}",
            run.len(),
            days(window.max(1))
        ),
        evidence: run.iter().map(|&e| e as u32).collect(),
    }
}
