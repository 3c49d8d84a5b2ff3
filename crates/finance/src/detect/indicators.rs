//! The trafficking indicators of the FATF 2018 report and FinCEN's 2014 and 2020
//! advisories that single accounts show: repeated payments for online advertising, hotel
//! and transport payments at night, and living on cash. Weak alone (they count half in
//! [`super::risk`]); strong next to a network pattern.

use super::{Params, days};
use crate::alert::{Alert, decimal};
use crate::graph::{Graph, NO_MCC};
use rayon::prelude::*;

/// The most edges (of time-sorted `edges`) inside one `window`: (count, start).
fn densest(g: &Graph, edges: &[u32], window: i64) -> (usize, usize) {
    let (mut best, mut at, mut lo) = (0, 0, 0);
    for hi in 0..edges.len() {
        while g.ts[edges[hi] as usize] - g.ts[edges[lo] as usize] > window {
            lo += 1;
        }
        if hi + 1 - lo > best {
            (best, at) = (hi + 1 - lo, lo);
        }
    }
    (best, at)
}

/// Accounts paying at least `ads_min` times within `indicator_window_s` to merchants of
/// the `ad_mccs` categories.
pub fn ad_payments(g: &Graph, p: &Params) -> Vec<Alert> {
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let ads: Vec<u32> = g
                .out_edges(a)
                .filter(|&e| g.mcc[e] != NO_MCC && p.ad_mccs.contains(&g.mcc[e]))
                .map(|e| e as u32)
                .collect();
            let (n, at) = densest(g, &ads, p.indicator_window_s);
            (n >= p.ads_min.max(1)).then(|| Alert {
                detector: "ad_payments",
                account: a,
                score: n as f64 / p.ads_min.max(1) as f64,
                explanation: format!(
                    "{n} payments for advertising (merchant categories {}) within {}",
                    p.ad_mccs
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    days(p.indicator_window_s)
                ),
                evidence: ads[at..at + n].to_vec(),
            })
        })
        .collect()
}

/// Whether local hour `h` is inside `[from, to)`, wrapping midnight.
fn at_night(h: u32, (from, to): (u32, u32)) -> bool {
    if from <= to {
        (from..to).contains(&h)
    } else {
        h >= from || h < to
    }
}

/// Accounts paying at least `travel_min` times within `indicator_window_s`, at night
/// (`night_hours`, local time = UTC + `local_offset_s`), to merchants of the
/// `travel_mccs` categories.
pub fn night_travel(g: &Graph, p: &Params) -> Vec<Alert> {
    let travel =
        |m: u16| m != NO_MCC && p.travel_mccs.iter().any(|&(lo, hi)| (lo..=hi).contains(&m));
    let hour = |t: i64| ((t + p.local_offset_s).rem_euclid(86_400) / 3600) as u32;
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let trips: Vec<u32> = g
                .out_edges(a)
                .filter(|&e| travel(g.mcc[e]) && at_night(hour(g.ts[e]), p.night_hours))
                .map(|e| e as u32)
                .collect();
            let (n, at) = densest(g, &trips, p.indicator_window_s);
            (n >= p.travel_min.max(1)).then(|| Alert {
                detector: "night_travel",
                account: a,
                score: n as f64 / p.travel_min.max(1) as f64,
                explanation: format!(
                    "{n} hotel or transport payments between {}:00 and {}:00 within {}",
                    p.night_hours.0,
                    p.night_hours.1,
                    days(p.indicator_window_s)
                ),
                evidence: trips[at..at + n].to_vec(),
            })
        })
        .collect()
}

/// Accounts with at least `cash_min` cash transactions (`cash_channels`, in or out)
/// making at least `cash_share_min` of the value they move.
pub fn cash_intensive(g: &Graph, p: &Params) -> Vec<Alert> {
    let cash = g.channel_mask(&p.cash_channels);
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|a| {
            let ins = g.in_edges(a).iter().map(|&e| e as usize);
            let all = ins.chain(g.out_edges(a));
            let (mut moved, mut in_cash, mut evidence) = (0i64, 0i64, Vec::new());
            for e in all {
                moved = moved.saturating_add(g.amount[e]);
                if cash[g.channel[e] as usize] {
                    in_cash = in_cash.saturating_add(g.amount[e]);
                    evidence.push(e as u32);
                }
            }
            let share = in_cash as f64 / moved.max(1) as f64;
            (evidence.len() >= p.cash_min.max(1) && share >= p.cash_share_min).then(|| {
                evidence.sort_unstable_by_key(|&e| (g.ts[e as usize], e));
                Alert {
                    detector: "cash_intensive",
                    account: a,
                    score: evidence.len() as f64 / p.cash_min.max(1) as f64,
                    explanation: format!(
                        "{} cash transactions, {:.0}% of the {} it moved",
                        evidence.len(),
                        share * 100.0,
                        decimal(moved)
                    ),
                    evidence,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn night_wraps_midnight() {
        use super::at_night;
        assert!(at_night(23, (22, 5)) && at_night(0, (22, 5)) && at_night(4, (22, 5)));
        assert!(!at_night(5, (22, 5)) && !at_night(12, (22, 5)) && !at_night(21, (22, 5)));
        assert!(at_night(1, (0, 6)) && !at_night(6, (0, 6)));
    }
}
