//! The detectors. Each is a pure function of the graph and its [`Params`], documented
//! with what it looks for, and returns [`Alert`]s scored 1.0 at its threshold.
//!
//! | detector | looks for | parameters |
//! | --- | --- | --- |
//! | `fan_in` | one account receiving from many distinct accounts within a window (collection accounts, wage siphoning) | `fan_window_s`, `fan_min` |
//! | `fan_out` | one account paying many distinct accounts within a window (distribution, payroll-like payouts from an unlikely payer) | `fan_window_s`, `fan_min` |
//! | `pass_through` | money leaving an account within hours of arriving, nearly the same amount, again and again (mule accounts) | `pass_window_s`, `pass_ratio_min`, `pass_ratio_max`, `pass_min` |
//! | `structuring` | repeated amounts just under a reporting threshold, into or out of one account within a window | `threshold`, `structuring_margin`, `structuring_window_s`, `structuring_min` |
//! | `cycle` | money returning to where it started through 2 to `cycle_max_len` accounts, each payment after the previous and carrying most of it, within a window (round-tripping, layering) | `cycle_max_len`, `cycle_window_s`, `cycle_keep_min`, `cycle_max_degree` |

mod cycle;
mod fan;
mod flow;

pub use cycle::cycles;
pub use fan::{fan_in, fan_out};
pub use flow::{pass_through, structuring};

use crate::alert::Alert;
use crate::graph::Graph;
use crate::input::{Amount, SCALE};
use serde::{Deserialize, Serialize};

/// Every detector's parameters, with defaults drawn from the FATF/FinCEN typologies.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Fan-in/fan-out window, seconds. Default 3 days.
    pub fan_window_s: i64,
    /// Distinct counterparties within the window that raise a fan alert. Default 10.
    pub fan_min: usize,
    /// How soon after arriving money must leave to pass through, seconds. Default 24 h.
    pub pass_window_s: i64,
    /// Least share of the incoming amount that leaves. Default 0.8.
    pub pass_ratio_min: f64,
    /// Most share (more is the account's own money too). Default 1.05.
    pub pass_ratio_max: f64,
    /// Pass-throughs that raise an alert. Default 3.
    pub pass_min: usize,
    /// The reporting threshold, in currency units. Default 10 000.
    pub threshold: Amount,
    /// How far under the threshold counts as "just under", as a share. Default 0.1.
    pub structuring_margin: f64,
    /// Structuring window, seconds. Default 7 days.
    pub structuring_window_s: i64,
    /// Just-under amounts within the window that raise an alert. Default 3.
    pub structuring_min: usize,
    /// Longest cycle, in accounts. Default 5.
    pub cycle_max_len: usize,
    /// A cycle's whole duration, seconds. Default 7 days.
    pub cycle_window_s: i64,
    /// Least share of the previous payment each payment of a cycle carries. Default 0.7.
    pub cycle_keep_min: f64,
    /// Accounts paying more than this many times are not walked through (hubs such as
    /// payment processors would make the search explode). Default 1 000.
    pub cycle_max_degree: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            fan_window_s: 3 * 86_400,
            fan_min: 10,
            pass_window_s: 86_400,
            pass_ratio_min: 0.8,
            pass_ratio_max: 1.05,
            pass_min: 3,
            threshold: 10_000,
            structuring_margin: 0.1,
            structuring_window_s: 7 * 86_400,
            structuring_min: 3,
            cycle_max_len: 5,
            cycle_window_s: 7 * 86_400,
            cycle_keep_min: 0.7,
            cycle_max_degree: 1_000,
        }
    }
}

impl Params {
    /// The threshold in millionths.
    pub fn threshold_millionths(&self) -> Amount {
        self.threshold.saturating_mul(SCALE)
    }
}

/// The detectors' names, in the order [`run_all`] runs them.
pub const DETECTORS: [&str; 5] = ["fan_in", "fan_out", "pass_through", "structuring", "cycle"];

/// Runs every detector; alerts strongest first (ties by detector, then account).
pub fn run_all(g: &Graph, p: &Params) -> Vec<Alert> {
    let mut all = Vec::new();
    all.extend(fan_in(g, p));
    all.extend(fan_out(g, p));
    all.extend(pass_through(g, p));
    all.extend(structuring(g, p));
    all.extend(cycles(g, p));
    sort(&mut all);
    all
}

/// Strongest first; ties by detector, then account, then evidence.
pub fn sort(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.detector.cmp(b.detector))
            .then(a.account.cmp(&b.account))
            .then(a.evidence.cmp(&b.evidence))
    });
}

/// A risk score per account: the sum of its alerts' scores, strongest first.
pub fn risk(alerts: &[Alert]) -> Vec<(u32, f64, Vec<&'static str>)> {
    let mut by: std::collections::BTreeMap<u32, (f64, Vec<&'static str>)> = Default::default();
    for a in alerts {
        let e = by.entry(a.account).or_default();
        e.0 += a.score;
        if !e.1.contains(&a.detector) {
            e.1.push(a.detector);
        }
    }
    let mut out: Vec<_> = by.into_iter().map(|(k, (s, d))| (k, s, d)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Days, for explanations.
pub(crate) fn days(s: i64) -> String {
    match (s / 86_400, s % 86_400) {
        (1, 0) => "24 hours".into(),
        (d, 0) => format!("{d} days"),
        _ => format!("{} hours", s / 3600),
    }
}
