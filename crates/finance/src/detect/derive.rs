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
//!
//! Gaps are counted to the minute (to the second under a minute). The measures are
//! mergeable, so a file scanned a slice at a time ([`crate::sliced`]) is measured whole:
//! [`Timing`] gathers the time stamps slice by slice (each account's gap across a slice
//! boundary included), then [`Spread`] the fans and pair bursts with the windows that
//! gives; the derived parameters are then those of the whole file, except that a pair
//! paying in several slices counts once per slice in the split percentile.

use super::{Params, days};
use crate::graph::Graph;
use crate::input::Names;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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

/// How often each value occurs: a distribution that merges across parts of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts<T: Ord>(BTreeMap<T, u64>);

impl<T: Ord> Default for Counts<T> {
    fn default() -> Self {
        Counts(BTreeMap::new())
    }
}

impl<T: Ord + Copy> Counts<T> {
    fn add(&mut self, value: T) {
        *self.0.entry(value).or_default() += 1;
    }

    fn merge(mut self, other: Counts<T>) -> Counts<T> {
        for (v, n) in other.0 {
            *self.0.entry(v).or_default() += n;
        }
        self
    }

    /// Values counted, repeats included.
    pub fn len(&self) -> u64 {
        self.0.values().sum()
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at position `len × pct / 100` of the values in order (the last when
    /// past it); `None` when nothing was counted.
    fn percentile(&self, pct: u64) -> Option<T> {
        let n = self.len();
        let at = (n * pct / 100).min(n.checked_sub(1)?);
        let mut seen = 0;
        self.0.iter().find_map(|(&v, &k)| {
            seen += k;
            (seen > at).then_some(v)
        })
    }
}

/// A gap between payments as counted: to the minute, to the second under a minute.
fn gap_key(gap: i64) -> i64 {
    if gap < 60 { gap } else { gap - gap % 60 }
}

/// Every time of account `a`'s payments, either direction, in order.
fn account_times(g: &Graph, a: u32) -> Vec<i64> {
    let mut ts: Vec<i64> = g
        .out_edges(a)
        .map(|e| g.ts[e])
        .chain(g.in_edges(a).iter().map(|&e| g.ts[e as usize]))
        .collect();
    ts.sort_unstable();
    ts
}

/// What a file's time stamps say: whether every one is midnight, and the gaps between
/// each account's consecutive payments (either direction). The first measure
/// [`Deriving::windows`] takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Whether every time read is midnight (the file has dates only).
    pub all_midnight: bool,
    /// The gaps, counted to the minute.
    pub gaps: Counts<i64>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            all_midnight: true,
            gaps: Counts::default(),
        }
    }
}

impl Timing {
    /// The timing of the whole graph `g`.
    pub fn of(g: &Graph) -> Timing {
        let gaps = (0..g.accounts as u32)
            .into_par_iter()
            .fold(Counts::default, |mut c, a| {
                for w in account_times(g, a).windows(2) {
                    c.add(gap_key(w[1] - w[0]));
                }
                c
            })
            .reduce(Counts::default, Counts::merge);
        Timing {
            all_midnight: g.ts.iter().all(|t| t.rem_euclid(DAY) == 0),
            gaps,
        }
    }

    /// Adds the slice `g` (its rows, and no lookback: slices added in time order,
    /// none overlapping), counting each account's gap from its last payment in an
    /// earlier slice, which `last` keeps by name.
    pub fn add_slice(&mut self, g: &Graph, names: &Names, last: &mut BTreeMap<Box<str>, i64>) {
        self.all_midnight &= g.ts.iter().all(|t| t.rem_euclid(DAY) == 0);
        for a in 0..g.accounts as u32 {
            let ts = account_times(g, a);
            let (Some(&first), Some(&latest)) = (ts.first(), ts.last()) else {
                continue;
            };
            let name = names.accounts.name(a);
            match last.get_mut(name) {
                Some(before) => {
                    self.gaps.add(gap_key(first - *before));
                    *before = latest;
                }
                None => {
                    last.insert(name.into(), latest);
                }
            }
            for w in ts.windows(2) {
                self.gaps.add(gap_key(w[1] - w[0]));
            }
        }
    }
}

/// How far accounts reach: each account's most distinct counterparties within the fan
/// window (either direction), and each paying pair's most payments within the split
/// window. The second measure, [`Deriving::thresholds`], taken with the windows the
/// first set.
#[derive(Debug, Clone, Default)]
pub struct Spread {
    /// Each account's widest fan, by name.
    fans: BTreeMap<Box<str>, u32>,
    /// Each paying pair's busiest run (once per slice it pays in).
    pairs: Counts<u32>,
}

impl Spread {
    /// Adds the part `g` of a file, read from a lookback of at least the fan and the split
    /// windows before `since`: its accounts' fans (an account's widest over every part is
    /// kept) and the pairs that pay at or after `since`.
    pub fn add_slice(&mut self, g: &Graph, names: &Names, p: &Params, since: i64) {
        for (a, [payers, payees]) in super::widest_fans(g, p, p.fan_window_s)
            .into_iter()
            .enumerate()
        {
            let widest = payers.max(payees);
            let name = names.accounts.name(a as u32);
            match self.fans.get_mut(name) {
                Some(w) => *w = (*w).max(widest),
                None => {
                    self.fans.insert(name.into(), widest);
                }
            }
        }
        for run in super::busiest_pairs(g, p, since) {
            self.pairs.add(run);
        }
    }

    /// The lookback [`Spread::add_slice`] needs before each slice with `p`.
    pub fn lookback_s(p: &Params) -> i64 {
        p.fan_window_s.max(super::split::window(p))
    }
}

/// Parameters being derived: `base` with those not set by hand measured from a file,
/// each with its reason. [`derive`] does it for a whole graph; a sliced scan measures
/// the file a slice at a time, [`Timing`] then [`Spread`].
#[derive(Debug, Clone)]
pub struct Deriving {
    params: Params,
    fixed: BTreeSet<String>,
    out: Vec<Setting>,
}

impl Deriving {
    /// Starts from `base`, keeping the parameters named in `fixed` as they are.
    pub fn new(base: &Params, fixed: &BTreeSet<String>) -> Deriving {
        Deriving {
            params: base.clone(),
            fixed: fixed.clone(),
            out: Vec::new(),
        }
    }

    /// The parameters as they stand.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn free(&self, name: &str) -> bool {
        !self.fixed.contains(name)
    }

    fn note(&mut self, name: &'static str, value: String, why: String) {
        self.out.push(Setting { name, value, why });
    }

    /// Whether a threshold is still to be derived (a [`Spread`] is worth measuring).
    pub fn wants_spread(&self) -> bool {
        self.free("fan_min") || self.free("split_min")
    }

    /// Sets the time resolution and the windows from `t`.
    pub fn windows(&mut self, t: &Timing) {
        if self.free("time_resolution_s") && t.all_midnight {
            self.params.time_resolution_s = DAY;
            self.note(
                "time_resolution_s",
                DAY.to_string(),
                "every time is midnight: the file has dates, so a day's payments are ties".into(),
            );
        }
        let slot = self.params.time_resolution_s.max(1);
        for name in ["pass_window_s", "peel_window_s"] {
            if self.free(name) && *self.window_mut(name) < slot {
                *self.window_mut(name) = slot;
                self.note(
                    name,
                    slot.to_string(),
                    format!("at least one time slot ({})", days(slot)),
                );
            }
        }
        let Some(gap) = t.gaps.percentile(50) else {
            return;
        };
        if !self.free("fan_window_s") {
            return;
        }
        let window = gap.clamp(DAY, 30 * DAY).max(slot);
        self.params.fan_window_s = window;
        self.note(
            "fan_window_s",
            window.to_string(),
            format!(
                "the median gap between an account's payments is {}; the window is that, between 1 and 30 days",
                human(gap)
            ),
        );
        for name in ["sg_window_s", "siphon_window_s"] {
            if self.free(name) {
                *self.window_mut(name) = window;
                self.note(name, window.to_string(), "the fan window".into());
            }
        }
        let long = (4 * window).max(7 * DAY);
        for name in ["cycle_window_s", "funnel_window_s", "structuring_window_s"] {
            if self.free(name) {
                *self.window_mut(name) = long;
                self.note(
                    name,
                    long.to_string(),
                    "four fan windows, at least 7 days".into(),
                );
            }
        }
    }

    /// The window parameter `name` (one of those `windows` sets).
    fn window_mut(&mut self, name: &str) -> &mut i64 {
        let p = &mut self.params;
        match name {
            "pass_window_s" => &mut p.pass_window_s,
            "peel_window_s" => &mut p.peel_window_s,
            "sg_window_s" => &mut p.sg_window_s,
            "siphon_window_s" => &mut p.siphon_window_s,
            "cycle_window_s" => &mut p.cycle_window_s,
            "funnel_window_s" => &mut p.funnel_window_s,
            _ => &mut p.structuring_window_s,
        }
    }

    /// Sets the fan and split thresholds from `s`, measured with the windows
    /// [`Deriving::windows`] set.
    pub fn thresholds(&mut self, s: &Spread) {
        let fans = s.fans.values().fold(Counts::default(), |mut c, &w| {
            c.add(w);
            c
        });
        self.thresholds_from(s.fans.len(), &fans, &s.pairs);
    }

    fn thresholds_from(&mut self, accounts: usize, fans: &Counts<u32>, pairs: &Counts<u32>) {
        if accounts < 1_000 {
            return;
        }
        if self.free("fan_min")
            && let Some(q) = fans.percentile(95)
        {
            self.params.fan_min = (2 * q as usize + 1).max(4);
            self.note(
                "fan_min",
                self.params.fan_min.to_string(),
                format!(
                    "95% of accounts reach at most {q} distinct counterparties within {}; one more than twice that, at least 4",
                    days(self.params.fan_window_s)
                ),
            );
        }
        if self.free("split_min")
            && let Some(q) = pairs.percentile(99)
        {
            let p = &self.params;
            let within = days(p.split_window_s.max(p.time_resolution_s.max(1) - 1).max(1));
            self.params.split_min = (2 * q as usize + 1).max(3);
            self.note(
                "split_min",
                self.params.split_min.to_string(),
                format!(
                    "99% of paying pairs make at most {q} payment{} within {within}; one more than twice that, at least 3",
                    if q == 1 { "" } else { "s" },
                ),
            );
        }
    }

    /// The parameters, and every derived value with its reason.
    pub fn done(self) -> (Params, Vec<Setting>) {
        (self.params, self.out)
    }
}

/// `base` with the parameters not in `fixed` (names set by hand) derived from `g`, and
/// every derived value with its reason.
pub fn derive(g: &Graph, base: &Params, fixed: &BTreeSet<String>) -> (Params, Vec<Setting>) {
    let mut d = Deriving::new(base, fixed);
    if g.is_empty() {
        return d.done();
    }
    d.windows(&Timing::of(g));
    if d.wants_spread() && g.accounts >= 1_000 {
        let p = d.params().clone();
        let fans = super::widest_fans(g, &p, p.fan_window_s).into_iter().fold(
            Counts::default(),
            |mut c, [payers, payees]| {
                c.add(payers.max(payees));
                c
            },
        );
        let pairs = super::busiest_pairs(g, &p, i64::MIN).into_iter().fold(
            Counts::default(),
            |mut c, run| {
                c.add(run);
                c
            },
        );
        d.thresholds_from(g.accounts, &fans, &pairs);
    }
    d.done()
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A percentile of counts, merged in any split, is the value a sort of all of them
        /// finds at the same position.
        #[test]
        fn a_percentile_of_counts_is_the_sorted_values(
            values in proptest::collection::vec(0u32..50, 1..300),
            cut in 0usize..300,
            pct in 0u64..=100,
        ) {
            let cut = cut.min(values.len());
            let count = |part: &[u32]| part.iter().fold(Counts::default(), |mut c, &v| {
                c.add(v);
                c
            });
            let merged = count(&values[..cut]).merge(count(&values[cut..]));
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let at = (sorted.len() * pct as usize / 100).min(sorted.len() - 1);
            prop_assert_eq!(merged.len(), values.len() as u64);
            prop_assert_eq!(merged.percentile(pct), Some(sorted[at]));
        }
    }

    #[test]
    fn gaps_count_to_the_minute() {
        assert_eq!(gap_key(59), 59);
        assert_eq!(gap_key(60), 60);
        assert_eq!(gap_key(86_399), 86_340);
        assert_eq!(Counts::<u32>::default().percentile(50), None);
    }
}
