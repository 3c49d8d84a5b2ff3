//! Pass-through (money out soon after money in) and structuring (amounts just under a
//! reporting threshold).

use super::{Params, days};
use crate::alert::{Alert, decimal};
use crate::graph::Graph;
use rayon::prelude::*;

/// Accounts where, at least `pass_min` times, an incoming payment is followed within
/// `pass_window_s` by outgoing payments adding up to between `pass_ratio_min` and
/// `pass_ratio_max` of it. Each outgoing payment counts toward one pass-through only.
pub fn pass_through(g: &Graph, p: &Params) -> Vec<Alert> {
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let ins = g.in_edges(a);
            let outs = g.out_edges(a);
            if ins.len() < p.pass_min || outs.len() < p.pass_min {
                return None;
            }
            let mut next_out = outs.start;
            let mut passes = 0;
            let mut moved: i64 = 0;
            let mut evidence = Vec::new();
            for &e_in in ins {
                let (t, amount) = (g.ts[e_in as usize], g.amount[e_in as usize]);
                while next_out < outs.end && g.ts[next_out] < t {
                    next_out += 1;
                }
                let mut sum = 0i64;
                let mut j = next_out;
                let mut taken = Vec::new();
                while j < outs.end && g.ts[j] <= t + p.pass_window_s {
                    sum += g.amount[j];
                    taken.push(j as u32);
                    j += 1;
                    let ratio = sum as f64 / amount as f64;
                    if ratio >= p.pass_ratio_min {
                        if ratio <= p.pass_ratio_max {
                            passes += 1;
                            moved += sum;
                            evidence.push(e_in);
                            evidence.extend(&taken);
                            next_out = j;
                        }
                        break;
                    }
                }
            }
            (passes >= p.pass_min).then(|| Alert {
                detector: "pass_through",
                account: a,
                score: passes as f64 / p.pass_min as f64,
                explanation: format!(
                    "{passes} times, {:.0}–{:.0}% of an incoming payment left within {} ({} passed through in all)",
                    p.pass_ratio_min * 100.0,
                    p.pass_ratio_max * 100.0,
                    days(p.pass_window_s),
                    decimal(moved)
                ),
                evidence,
            })
        })
        .collect()
}

/// Accounts paying, or receiving, at least `structuring_min` amounts in
/// `[threshold × (1 − margin), threshold)` within `structuring_window_s`.
pub fn structuring(g: &Graph, p: &Params) -> Vec<Alert> {
    let hi = p.threshold_millionths();
    let lo = hi - (hi as f64 * p.structuring_margin) as i64;
    let under = |e: usize| g.amount[e] >= lo && g.amount[e] < hi;
    (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let paid: Vec<u32> = g.out_edges(a).filter(|&e| under(e)).map(|e| e as u32).collect();
            let got: Vec<u32> = g
                .in_edges(a)
                .iter()
                .copied()
                .filter(|&e| under(e as usize))
                .collect();
            [("paid", paid), ("received", got)]
                .into_iter()
                .filter_map(move |(how, edges)| {
                    if edges.len() < p.structuring_min {
                        return None;
                    }
                    // The most just-under payments within one window.
                    let (mut best, mut at) = (0, 0);
                    let mut start = 0;
                    for end in 0..edges.len() {
                        while g.ts[edges[end] as usize] - g.ts[edges[start] as usize]
                            > p.structuring_window_s
                        {
                            start += 1;
                        }
                        if end + 1 - start > best {
                            (best, at) = (end + 1 - start, start);
                        }
                    }
                    (best >= p.structuring_min).then(|| Alert {
                        detector: "structuring",
                        account: a,
                        score: best as f64 / p.structuring_min as f64,
                        explanation: format!(
                            "{how} {best} amounts between {} and {} (just under the {} threshold) within {}",
                            decimal(lo),
                            decimal(hi),
                            p.threshold,
                            days(p.structuring_window_s)
                        ),
                        evidence: edges[at..at + best].to_vec(),
                    })
                })
        })
        .collect()
}

/// Funnel accounts: cash (`cash_channels`) paid in by at least `funnel_min` distinct
/// payers — branches, agents, depositors — within `funnel_window_s`, and at least
/// `funnel_out_ratio` of it paid out between the first deposit and `pass_window_s` after
/// the last.
pub fn funnel(g: &Graph, p: &Params) -> Vec<Alert> {
    let cash = g.channel_mask(&p.cash_channels);
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let deposits: Vec<(i64, u32, u32)> = g
                .in_edges(a)
                .iter()
                .filter(|&&e| cash[g.channel[e as usize] as usize])
                .map(|&e| (g.ts[e as usize], g.from[e as usize], e))
                .collect();
            if deposits.len() < p.funnel_min {
                return None;
            }
            let (places, lo, hi) = super::fan::widest(&deposits, p.funnel_window_s);
            if places < p.funnel_min {
                return None;
            }
            let paid_in: i64 = deposits[lo..hi]
                .iter()
                .map(|x| g.amount[x.2 as usize])
                .sum();
            let outs =
                g.out_edges_between(a, deposits[lo].0, deposits[hi - 1].0 + p.pass_window_s);
            let paid_out: i64 = outs.clone().map(|e| g.amount[e]).sum();
            let ratio = paid_out as f64 / paid_in as f64;
            (ratio >= p.funnel_out_ratio).then(|| Alert {
                detector: "funnel",
                account: a,
                score: places as f64 / p.funnel_min as f64,
                explanation: format!(
                    "cash paid in at {places} places within {} ({}), {:.0}% of it paid out within {} of the last deposit",
                    days(p.funnel_window_s),
                    decimal(paid_in),
                    ratio * 100.0,
                    days(p.pass_window_s)
                ),
                evidence: deposits[lo..hi]
                    .iter()
                    .map(|x| x.2)
                    .chain(outs.map(|e| e as u32))
                    .collect(),
            })
        })
        .collect()
}
