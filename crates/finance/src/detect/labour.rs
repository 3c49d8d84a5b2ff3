//! Wage siphoning: a share of many workers' wages taken by one account soon after payday
//! (debt bondage, "fees" to a recruiter), or many workers' wages paid into one account
//! (the employer or a handler holding them).

use super::{Params, days};
use crate::alert::Alert;
use crate::graph::Graph;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Accounts that, within `siphon_window_s` after each of at least `siphon_min` distinct
/// workers was paid a wage (`payroll_channels`), received from that worker between
/// `siphon_share_min` and `siphon_share_max` of the wage; or that received at least
/// `siphon_min` wages within `siphon_window_s`.
pub fn wage_siphoning(g: &Graph, p: &Params) -> Vec<Alert> {
    let payroll = g.channel_mask(&p.payroll_channels);
    let is_wage = |e: u32| payroll[g.channel[e as usize] as usize];
    (0..g.accounts as u32)
        .into_par_iter()
        .filter_map(|c| {
            let ins = g.in_edges(c);
            if ins.len() < p.siphon_min {
                return None;
            }
            // Many wages into one account.
            let wages: Vec<(i64, u32, u32)> = ins
                .iter()
                .filter(|&&e| is_wage(e))
                .map(|&e| (g.ts[e as usize], e, e))
                .collect();
            let (held, lo, hi) = super::fan::widest(&wages, p.siphon_window_s);
            // A share of each worker's wage.
            let mut siphoned: FxHashMap<u32, (u32, u32, f64)> = FxHashMap::default();
            for &e in ins {
                let (worker, t, amount) = (g.from[e as usize], g.ts[e as usize], g.amount[e as usize]);
                if is_wage(e) || siphoned.contains_key(&worker) {
                    continue;
                }
                let paid = g.in_edges_between(worker, t - p.siphon_window_s, t);
                if let Some((&wage, share)) = paid
                    .iter()
                    .rev()
                    .filter(|&&w| is_wage(w))
                    .map(|w| (w, amount as f64 / g.amount[*w as usize] as f64))
                    .find(|(_, share)| (p.siphon_share_min..=p.siphon_share_max).contains(share))
                {
                    siphoned.insert(worker, (wage, e, share));
                }
            }
            let workers = siphoned.len();
            if workers >= p.siphon_min && workers >= held {
                let mut legs: Vec<(u32, u32, f64)> = siphoned.into_values().collect();
                legs.sort_unstable_by_key(|l| (l.0, l.1));
                let mean = legs.iter().map(|l| l.2).sum::<f64>() / workers as f64;
                return Some(Alert {
                    detector: "wage_siphoning",
                    account: c,
                    score: workers as f64 / p.siphon_min as f64,
                    explanation: format!(
                        "took a share of {workers} workers' wages within {} of payday ({:.0}% on average; threshold {} workers)",
                        days(p.siphon_window_s),
                        mean * 100.0,
                        p.siphon_min
                    ),
                    evidence: legs.into_iter().flat_map(|l| [l.0, l.1]).collect(),
                });
            }
            (held >= p.siphon_min).then(|| Alert {
                detector: "wage_siphoning",
                account: c,
                score: held as f64 / p.siphon_min as f64,
                explanation: format!(
                    "{held} wages paid into this one account within {} (threshold {})",
                    days(p.siphon_window_s),
                    p.siphon_min
                ),
                evidence: wages[lo..hi].iter().map(|x| x.2).collect(),
            })
        })
        .collect()
}
