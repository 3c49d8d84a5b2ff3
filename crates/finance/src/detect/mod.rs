//! The detectors. Each is a pure function of the graph and its [`Params`], documented
//! with what it looks for, and returns [`Alert`]s scored 1.0 at its threshold.
//!
//! | detector | looks for | parameters |
//! | --- | --- | --- |
//! | `fan_in` | one account receiving from many distinct accounts within a window (collection accounts, wage siphoning) | `fan_window_s`, `fan_min` |
//! | `fan_out` | one account paying many distinct accounts within a window (distribution, payroll-like payouts from an unlikely payer) | `fan_window_s`, `fan_min` |
//! | `pass_through` | money leaving an account within hours of arriving, nearly the same amount, again and again (mule accounts) | `pass_window_s`, `pass_ratio_min`, `pass_ratio_max`, `pass_min` |
//! | `structuring` | repeated amounts just under a reporting threshold, into or out of one account within a window | `threshold`, `structuring_margin`, `structuring_window_s`, `structuring_min` |
//! | `split_payments` | one account paying another at least `split_min` times within a short window (a sum broken into parts; card purchases and wages left out), on the payer and on the payee | `split_min`, `split_window_s`, `time_resolution_s` |
//! | `cycle` | money returning to where it started through 2 to `cycle_max_len` accounts, each payment no earlier than the previous and carrying most of it, within a window (round-tripping, layering) | `cycle_max_len`, `cycle_window_s`, `cycle_keep_min`, `cycle_max_degree`, `cycle_hub_expand`, `time_resolution_s` |
//! | `scatter_gather` | one account paying many intermediaries that each pay the same account on within a window (AMLSim's scatter-gather; layering through mules) | `sg_min`, `sg_window_s` |
//! | `gather_scatter` | many accounts paying one account that pays many others on within a window (a collection point that redistributes) | `sg_min`, `sg_window_s` |
//! | `funnel` | cash paid in at many places (branches, agents, depositors) into one account, and most of it taken out soon after the last deposit (FinCEN's funnel accounts) | `funnel_min`, `funnel_window_s`, `funnel_out_ratio`, `cash_channels`, `pass_window_s` |
//! | `wage_siphoning` | one account taking a share of many workers' wages soon after payday, or many workers' wages paid into one account (debt bondage, withheld wages) | `siphon_min`, `siphon_window_s`, `siphon_share_min`, `siphon_share_max`, `payroll_channels` |
//! | `ad_payments` | repeated payments to advertising and online classified services (FinCEN 2020: ads for commercial sex) | `ad_mccs`, `ads_min`, `indicator_window_s` |
//! | `night_travel` | many hotel and transport payments at night (FATF 2018, FinCEN 2020) | `travel_mccs`, `night_hours`, `local_offset_s`, `travel_min`, `indicator_window_s` |
//! | `cash_intensive` | an account living on cash: many cash transactions making most of its value | `cash_min`, `cash_share_min`, `cash_channels` |
//! | `peel_chain` | crypto peel chains: a balance moved hop by hop to fresh addresses, a small amount peeled off at each | `peel_min_hops`, `peel_keep_min`, `peel_window_s` |
//!
//! Detectors marked as indicators (`ad_payments`, `night_travel`, `cash_intensive`) are weak
//! alone — hotels at night are also night shifts. Accounts are ranked by
//! [`crate::rank`], against their peers, not by their alerts' scores; [`derive`] sets the
//! windows and the fan threshold from the file.

mod cycle;
mod derive;
mod fan;
mod flow;
mod indicators;
mod labour;
mod multi;
mod peel;
mod split;

pub use cycle::cycles;
pub use derive::{Counts, Deriving, Setting, Spread, Timing, derive};
pub(crate) use fan::widest_fans;
pub use fan::{fan_in, fan_out};
pub use flow::{funnel, pass_through, structuring};
pub use indicators::{ad_payments, cash_intensive, night_travel};
pub use labour::wage_siphoning;
pub use multi::{gather_scatter, scatter_gather};
pub use peel::peel_chain;
pub(crate) use split::busiest_pairs;
pub use split::split_payments;

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
    /// Payments from one account to another within `split_window_s` that raise a
    /// split-payments alert (card purchases and wages not counted). Default 3.
    pub split_min: usize,
    /// How close together they must be, seconds (and always within one time slot of
    /// `time_resolution_s`). Default 24 hours.
    pub split_window_s: i64,
    /// Longest cycle, in accounts. Default 5.
    pub cycle_max_len: usize,
    /// A cycle's whole duration, seconds. Default 7 days.
    pub cycle_window_s: i64,
    /// Least share of the previous payment each payment of a cycle carries. Default 0.7.
    pub cycle_keep_min: f64,
    /// Accounts paying more than this many distinct counterparties are hubs (payment
    /// processors, payroll): a cycle is walked through a hub along only
    /// `cycle_hub_expand` of its payments, and scatter-gather does not walk through one.
    /// Default 1 000.
    pub cycle_max_degree: usize,
    /// Through a hub, the cycle search follows at most this many of its payments: the
    /// earliest in the window that carry the amount on. Default 16.
    pub cycle_hub_expand: usize,
    /// Payments in the same slot of this many seconds are ties: a cycle's next payment may
    /// share its slot with the one before (86 400 for exports that stamp a day's payments
    /// at midnight). Default 1: equal times are ties.
    pub time_resolution_s: i64,
    /// Intermediaries (scatter-gather) or parties on each side (gather-scatter) that
    /// raise an alert. Default 5.
    pub sg_min: usize,
    /// Scatter-gather: how long after the first payment an intermediary's onward payment
    /// counts; gather-scatter: the gathering window, and the scattering window after it.
    /// Seconds. Default 3 days.
    pub sg_window_s: i64,
    /// Distinct places (payers of cash into the account) that raise a funnel alert.
    /// Default 4.
    pub funnel_min: usize,
    /// The funnel's deposit window, seconds. Default 7 days.
    pub funnel_window_s: i64,
    /// Least share of the deposits taken out within `pass_window_s` of the last. Default
    /// 0.8.
    pub funnel_out_ratio: f64,
    /// Channels that are cash (ASCII case ignored). Default cash, atm, cash_deposit,
    /// cash_withdrawal.
    pub cash_channels: Vec<String>,
    /// Channels that are wages. Default payroll, salary.
    pub payroll_channels: Vec<String>,
    /// Workers (or wages) that raise a wage-siphoning alert. Default 5.
    pub siphon_min: usize,
    /// How soon after payday the share is taken, and the payday window for wages paid
    /// into one account, seconds. Default 3 days.
    pub siphon_window_s: i64,
    /// Least share of a wage taken. Default 0.2.
    pub siphon_share_min: f64,
    /// Most share of a wage taken (all of it is a transfer between one's own accounts).
    /// Default 0.9.
    pub siphon_share_max: f64,
    /// Merchant categories of advertising: 7311 advertising services, 5967 direct
    /// marketing (inbound teleservices, adult content).
    pub ad_mccs: Vec<u16>,
    /// Advertising payments within `indicator_window_s` that raise an alert. Default 3.
    pub ads_min: usize,
    /// Window of the indicators, seconds. Default 30 days.
    pub indicator_window_s: i64,
    /// Merchant category ranges of travel, both ends included: airlines 3000–3299,
    /// lodging 3501–3999, commuter transport 4111, taxis and ride-hailing 4121, buses
    /// 4131, air carriers 4511, travel agencies 4722, hotels and motels 7011.
    pub travel_mccs: Vec<(u16, u16)>,
    /// Night, as local hours `[from, to)` wrapping midnight. Default 22 to 5.
    pub night_hours: (u32, u32),
    /// Local time minus UTC, seconds (the file's times are UTC). Default 0.
    pub local_offset_s: i64,
    /// Night-time travel payments within `indicator_window_s` that raise an alert.
    /// Default 4.
    pub travel_min: usize,
    /// Cash transactions that make an account cash-intensive. Default 10.
    pub cash_min: usize,
    /// Least share of the account's value (in and out) moved in cash. Default 0.8.
    pub cash_share_min: f64,
    /// Peel hops that raise an alert. Default 4.
    pub peel_min_hops: usize,
    /// Least share of the balance a hop carries on (the rest is the peel). Default 0.7.
    pub peel_keep_min: f64,
    /// Most time from receiving to paying on, per hop, seconds. Default 2 days.
    pub peel_window_s: i64,
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
            split_min: 3,
            split_window_s: 86_400,
            cycle_max_len: 5,
            cycle_window_s: 7 * 86_400,
            cycle_keep_min: 0.7,
            cycle_max_degree: 1_000,
            cycle_hub_expand: 16,
            time_resolution_s: 1,
            sg_min: 5,
            sg_window_s: 3 * 86_400,
            funnel_min: 4,
            funnel_window_s: 7 * 86_400,
            funnel_out_ratio: 0.8,
            cash_channels: ["cash", "atm", "cash_deposit", "cash_withdrawal"]
                .map(String::from)
                .to_vec(),
            payroll_channels: ["payroll", "salary"].map(String::from).to_vec(),
            siphon_min: 5,
            siphon_window_s: 3 * 86_400,
            siphon_share_min: 0.2,
            siphon_share_max: 0.9,
            ad_mccs: vec![7311, 5967],
            ads_min: 3,
            indicator_window_s: 30 * 86_400,
            travel_mccs: vec![
                (3000, 3299),
                (3501, 3999),
                (4111, 4111),
                (4121, 4121),
                (4131, 4131),
                (4511, 4511),
                (4722, 4722),
                (7011, 7011),
            ],
            night_hours: (22, 5),
            local_offset_s: 0,
            travel_min: 4,
            cash_min: 10,
            cash_share_min: 0.8,
            peel_min_hops: 4,
            peel_keep_min: 0.7,
            peel_window_s: 2 * 86_400,
        }
    }
}

impl Params {
    /// The threshold in millionths.
    pub fn threshold_millionths(&self) -> Amount {
        self.threshold.saturating_mul(SCALE)
    }
}

/// For each account, whether it pays more than `limit` distinct counterparties (a hub).
pub(crate) fn hubs(g: &Graph, limit: usize) -> Vec<bool> {
    use rayon::prelude::*;
    (0..g.accounts as u32)
        .into_par_iter()
        .map(|a| {
            let range = g.out_edges(a);
            if range.len() <= limit {
                return false;
            }
            let mut payees: Vec<u32> = g.to[range].to_vec();
            payees.sort_unstable();
            payees.dedup();
            payees.len() > limit
        })
        .collect()
}

/// A detector: its name and function.
pub type Detector = (&'static str, fn(&Graph, &Params) -> Vec<Alert>);

/// Every detector, in the order [`run_all`] runs them.
pub const ALL: [Detector; 14] = [
    ("fan_in", fan_in),
    ("fan_out", fan_out),
    ("scatter_gather", scatter_gather),
    ("gather_scatter", gather_scatter),
    ("pass_through", pass_through),
    ("funnel", funnel),
    ("structuring", structuring),
    ("split_payments", split_payments),
    ("cycle", cycles),
    ("wage_siphoning", wage_siphoning),
    ("ad_payments", ad_payments),
    ("night_travel", night_travel),
    ("cash_intensive", cash_intensive),
    ("peel_chain", peel_chain),
];

/// The detectors' names, in the order [`run_all`] runs them.
pub const DETECTORS: [&str; 14] = {
    let mut names = [""; 14];
    let mut i = 0;
    while i < ALL.len() {
        names[i] = ALL[i].0;
        i += 1;
    }
    names
};

/// The indicators: weak alone.
pub const INDICATORS: [&str; 3] = ["ad_payments", "night_travel", "cash_intensive"];

/// The detectors that cannot apply to `g` as its columns stand, each with why: an empty
/// result from one of them says nothing about the money, only about the file.
pub fn inapplicable(g: &Graph, p: &Params) -> Vec<(&'static str, String)> {
    let has_channel = |names: &[String]| g.channel_mask(names).iter().any(|&m| m);
    let has_mcc = g.mcc.iter().any(|&m| m != crate::graph::NO_MCC);
    let mut out = Vec::new();
    if !has_channel(&p.cash_channels) {
        let why = format!(
            "no transaction is on a cash channel ({})",
            p.cash_channels.join(", ")
        );
        out.push(("funnel", why.clone()));
        out.push(("cash_intensive", why));
    }
    if !has_channel(&p.payroll_channels) {
        out.push((
            "wage_siphoning",
            format!(
                "no transaction is on a payroll channel ({})",
                p.payroll_channels.join(", ")
            ),
        ));
    }
    if !has_mcc {
        let why = "the file has no merchant categories (MCC)".to_owned();
        out.push(("ad_payments", why.clone()));
        out.push(("night_travel", why));
    } else if g.ts.iter().all(|t| t.rem_euclid(86_400) == 0) {
        out.push((
            "night_travel",
            "every time is midnight: the file has dates, not times of day".to_owned(),
        ));
    }
    out
}

/// Runs every detector; alerts strongest first (ties by detector, then account).
pub fn run_all(g: &Graph, p: &Params) -> Vec<Alert> {
    let mut all: Vec<Alert> = ALL.iter().flat_map(|(_, run)| run(g, p)).collect();
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

/// Days, for explanations.
pub(crate) fn days(s: i64) -> String {
    match (s / 86_400, s % 86_400) {
        (1, 0) => "24 hours".into(),
        (d, 0) => format!("{d} days"),
        _ => format!("{} hours", s / 3600),
    }
}
