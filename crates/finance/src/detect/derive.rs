//! Parameters from the file itself. The constants in [`Params::default`] fit a bank's
//! card-and-wire traffic stamped to the second; a simulator stepping once a day, or an
//! export with dates only, moves at another pace. [`derive`] measures the file — its
//! time stamps, how often accounts pay, how many counterparties they reach — and sets
//! the time windows and the fan threshold from it, each with the reason, which the scan
//! prints and the report lists. A parameter set by hand is never changed.
//!
//! | parameter | derived as |
//! | --- | --- |
//! | `time_resolution_s` | 86 400 when every time is midnight (the file has dates: a day's payments are ties), else as given |
//! | `fan_window_s` | the median gap between an account's consecutive payments, between 1 and 30 days, and never under the time resolution |
//! | `sg_window_s`, `siphon_window_s` | the fan window |
//! | `cycle_window_s`, `funnel_window_s`, `structuring_window_s` | four fan windows, at least 7 days |
//! | `pass_window_s`, `peel_window_s` | at least one time slot (a day when the file has dates) |
//! | `fan_min` | one more than twice the 95th percentile of the most distinct counterparties an account reaches in one fan window (card purchases and wages left out, as the fan detectors do), at least 4; kept as given in a file of fewer than 1 000 accounts, which has no distribution to speak of. Twice a percentile well inside the bulk stays put when up to 5 % of accounts are launderers |
//! | `split_min` | one more than twice the 99th percentile of the most payments one account makes to another within the split window (card purchases and wages left out), at least 3; kept as given in a file of fewer than 1 000 accounts |

use super::{Params, days};
use crate::graph::Graph;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// One parameter's value, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Setting {
    /// The parameter's name, as in [`Params`].
    pub name: &'static str,
    /// Its value, as written in `--params`.
    pub value: String,
    /// Where the value comes from.
    pub why: String,
}

const DAY: i64 = 86_400;

/// The median gap, in seconds, between consecutive payments of the same account (either
/// direction), over every account with two or more; `None` when none has.
fn median_gap(g: &Graph) -> Option<i64> {
    let mut gaps: Vec<i64> = (0..g.accounts as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut ts: Vec<i64> = g
                .out_edges(a)
                .map(|e| g.ts[e])
                .chain(g.in_edges(a).iter().map(|&e| g.ts[e as usize]))
                .collect();
            ts.sort_unstable();
            ts.windows(2)
                .map(|w| w[1] - w[0])
                .collect::<Vec<_>>()
                .into_iter()
        })
        .collect();
    if gaps.is_empty() {
        return None;
    }
    let mid = gaps.len() / 2;
    Some(*gaps.select_nth_unstable(mid).1)
}

/// `base` with the parameters not in `fixed` (names set by hand) derived from `g`, and
/// every derived value with its reason.
pub fn derive(g: &Graph, base: &Params, fixed: &BTreeSet<String>) -> (Params, Vec<Setting>) {
    let mut p = base.clone();
    let mut out = Vec::new();
    if g.is_empty() {
        return (p, out);
    }
    let free = |name: &str| !fixed.contains(name);
    let mut note = |name: &'static str, value: String, why: String| {
        out.push(Setting { name, value, why });
    };
    if free("time_resolution_s") && g.ts.iter().all(|t| t.rem_euclid(DAY) == 0) {
        p.time_resolution_s = DAY;
        note(
            "time_resolution_s",
            DAY.to_string(),
            "every time is midnight: the file has dates, so a day's payments are ties".into(),
        );
    }
    let slot = p.time_resolution_s.max(1);
    for (name, value) in [
        ("pass_window_s", &mut p.pass_window_s),
        ("peel_window_s", &mut p.peel_window_s),
    ] {
        if free(name) && *value < slot {
            *value = slot;
            note(
                name,
                slot.to_string(),
                format!("at least one time slot ({})", days(slot)),
            );
        }
    }
    if let Some(gap) = median_gap(g)
        && free("fan_window_s")
    {
        let window = gap.clamp(DAY, 30 * DAY).max(slot);
        p.fan_window_s = window;
        note(
            "fan_window_s",
            window.to_string(),
            format!(
                "the median gap between an account's payments is {}; the window is that, between 1 and 30 days",
                human(gap)
            ),
        );
        for (name, value) in [
            ("sg_window_s", &mut p.sg_window_s),
            ("siphon_window_s", &mut p.siphon_window_s),
        ] {
            if free(name) {
                *value = window;
                note(name, window.to_string(), "the fan window".into());
            }
        }
        let long = (4 * window).max(7 * DAY);
        for (name, value) in [
            ("cycle_window_s", &mut p.cycle_window_s),
            ("funnel_window_s", &mut p.funnel_window_s),
            ("structuring_window_s", &mut p.structuring_window_s),
        ] {
            if free(name) {
                *value = long;
                note(
                    name,
                    long.to_string(),
                    "four fan windows, at least 7 days".into(),
                );
            }
        }
    }
    if free("fan_min") && g.accounts >= 1_000 {
        let mut fans: Vec<u32> = super::widest_fans(g, &p, p.fan_window_s)
            .into_iter()
            .map(|[payers, payees]| payers.max(payees))
            .collect();
        let q = percentile(&mut fans, 95);
        p.fan_min = (2 * q as usize + 1).max(4);
        note(
            "fan_min",
            p.fan_min.to_string(),
            format!(
                "95% of accounts reach at most {q} distinct counterparties within {}; one more than twice that, at least 4",
                days(p.fan_window_s)
            ),
        );
    }
    if free("split_min") && g.accounts >= 1_000 {
        let mut pairs = super::busiest_pairs(g, &p);
        if !pairs.is_empty() {
            let q = percentile(&mut pairs, 99);
            p.split_min = (2 * q as usize + 1).max(3);
            note(
                "split_min",
                p.split_min.to_string(),
                format!(
                    "99% of paying pairs make at most {q} payment{} within {}; one more than twice that, at least 3",
                    if q == 1 { "" } else { "s" },
                    days(p.split_window_s.max(p.time_resolution_s.max(1) - 1).max(1))
                ),
            );
        }
    }
    (p, out)
}

/// The `pct`-th percentile of `v` (not empty), reordering it.
fn percentile(v: &mut [u32], pct: usize) -> u32 {
    let at = (v.len() * pct / 100).min(v.len() - 1);
    *v.select_nth_unstable(at).1
}

/// A duration for people.
fn human(s: i64) -> String {
    if s >= DAY {
        format!("{:.1} days", s as f64 / DAY as f64)
    } else if s >= 3600 {
        format!("{:.1} hours", s as f64 / 3600.0)
    } else {
        format!("{s} seconds")
    }
}
