//! The risk ranking: each account scored against its **peers** — the accounts of the same
//! file with about as many payments — and against the **whole file**, not by summing
//! alerts, so a busy ordinary account does not rank first because busy accounts trip
//! every detector by chance.
//!
//! For every account, a few behaviours are measured ([`FEATURES`]): the most distinct
//! payers and payees within the fan window, how often money passes straight through, and
//! how many alerts of each detector are on it, and how many other accounts' alerts it is
//! a party to. Accounts are grouped by activity (payments in and out, in
//! powers of two; a group of fewer than [`MIN_PEERS`] joins its neighbour). For each
//! behaviour the account's **tail shares** are the share of its peers doing at least as
//! much, and the share of all the file's accounts doing at least as much (the account
//! itself included, so never 0): empirical p-values against the file's own accounts.
//! Both count: "unusual for an account this busy" finds the quiet mule that suddenly
//! gathers money; "unusual in this file" keeps the busy account that does what no one
//! else does (in simulated and real data alike, launderers often are the busy accounts,
//! and peers alone would call that normal for the group). The account's p-value combines
//! all the tail shares by Fisher's method ([`fisher`]: the chance that independent
//! behaviours of an ordinary account look at least this unusual together), and its score
//! is `-log10` of that: 2 means about one in a hundred. Scores mean the same in any file;
//! an account unusual in nothing scores 0, and one unusual in several ways outranks one
//! at the edge of a single distribution (every distribution has its extreme tenth of a
//! percent). The tail shares are not independent (the two views of one behaviour, fan-in
//! and alerts as a party), so the p-value is a ranking measure, not a test. Ties are
//! broken by the most unusual behaviour, then by account. A file of fewer than
//! [`MIN_PEERS`] accounts ranks nothing: there is nothing to compare with.
//!
//! Each ranked account carries one sentence saying why (naming whichever group the
//! behaviour is rarer in), and the alerts that involve it.

use crate::alert::Alert;
use crate::detect::{DETECTORS, Params};
use crate::graph::Graph;
use rayon::prelude::*;

/// Fewest accounts a peer group holds (smaller groups join their neighbour).
pub const MIN_PEERS: usize = 100;

/// The behaviours measured before the detectors' alerts: most distinct payers within
/// the fan window and most distinct payees (counted as the fan detectors count them), payments passed through, and alerts of any
/// detector whose evidence the account is a party to without the alert being on it.
const MEASURED: [&str; 4] = [
    "payers in a window",
    "payees in a window",
    "pass-throughs",
    "alerts as a party",
];

/// Every behaviour scored: the four measured, then one per detector (alerts on the
/// account).
pub const FEATURES: usize = MEASURED.len() + DETECTORS.len();

/// One account's place in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The account.
    pub account: u32,
    /// `-log10` of [`Ranked::p`]: 0 for nothing unusual, 2 for one in a hundred.
    pub score: f64,
    /// The chance that an ordinary account looks this unusual (Fisher's combination of
    /// the behaviours' tail shares among peers and in the whole file).
    pub p: f64,
    /// The most unusual behaviour's index into [`feature_name`] (the one the explanation
    /// names).
    pub feature: usize,
    /// Its value for this account.
    pub value: u32,
    /// Accounts of the group named at least as high (the account included).
    pub as_high: u32,
    /// The size of the group named (the peers, or the whole file).
    pub peers: u32,
    /// The activity range of the group named (payments in and out), both ends included.
    pub activity: (u32, u32),
    /// Whether the group named is the whole file rather than the account's peers of
    /// similar activity (whichever the behaviour is rarer in).
    pub among_all: bool,
    /// The detectors with an alert involving the account.
    pub detectors: Vec<&'static str>,
    /// The alerts involving it (indexes into the alerts ranked).
    pub alerts: Vec<u32>,
}

/// The name of behaviour `i`.
pub fn feature_name(i: usize) -> &'static str {
    MEASURED
        .get(i)
        .copied()
        .unwrap_or_else(|| DETECTORS[i - MEASURED.len()])
}

impl Ranked {
    /// One sentence: what is unusual, and how rare it is among the account's peers or in
    /// the file.
    pub fn explanation(&self, p: &Params) -> String {
        self.explanation_within(p, "file")
    }

    /// [`Ranked::explanation`], naming the whole group the ranking compared with as
    /// `whole` ("file", or "slice" in a scan a time slice at a time).
    pub fn explanation_within(&self, p: &Params, whole: &str) -> String {
        let what = match self.feature {
            0 => format!(
                "received from {} distinct accounts within {}",
                self.value,
                crate::detect::days(p.fan_window_s)
            ),
            1 => format!(
                "paid {} distinct accounts within {}",
                self.value,
                crate::detect::days(p.fan_window_s)
            ),
            2 => format!(
                "passed {} payments on within {}",
                self.value,
                crate::detect::days(p.pass_window_s)
            ),
            3 => format!(
                "is a party to {} other accounts' alert{}",
                self.value,
                if self.value == 1 { "" } else { "s" }
            ),
            i => format!(
                "has {} {} alert{}",
                self.value,
                feature_name(i),
                if self.value == 1 { "" } else { "s" }
            ),
        };
        let among = if self.among_all {
            format!("of the {whole}'s {} accounts", self.peers)
        } else {
            format!(
                "of its {} peers (accounts with {}–{} payments)",
                self.peers, self.activity.0, self.activity.1
            )
        };
        format!(
            "{what}; {} {among} do{} as much (p ≤ {})",
            self.as_high,
            if self.as_high == 1 { "es" } else { "" },
            significant(self.p)
        )
    }
}

/// Two significant digits.
fn significant(p: f64) -> String {
    if p >= 0.01 {
        format!("{p:.2}")
    } else {
        format!("{p:.1e}")
    }
}

/// Fisher's combination of independent p-values: with `x = -2 Σ ln p` over the `k`
/// behaviours the account shows at all (the rest have p = 1 and add nothing), the chance
/// that `k` uniform p-values give at least `x` is the χ² tail with `2k` degrees of
/// freedom, `e^(-x/2) Σ_{i<k} (x/2)^i / i!`.
pub fn fisher(ps: impl Iterator<Item = f64>) -> f64 {
    let (mut half_x, mut k) = (0.0f64, 0usize);
    for p in ps {
        half_x -= p.max(f64::MIN_POSITIVE).ln();
        k += 1;
    }
    if k == 0 {
        return 1.0;
    }
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for i in 1..k {
        term *= half_x / i as f64;
        sum += term;
    }
    ((-half_x).exp() * sum).min(1.0)
}

/// Each account's behaviours, in [`FEATURES`] order.
fn measure(g: &Graph, p: &Params, alerts: &[Alert]) -> (Vec<[u32; FEATURES]>, Vec<Vec<u32>>) {
    let fans = crate::detect::widest_fans(g, p, p.fan_window_s);
    let mut f: Vec<[u32; FEATURES]> = (0..g.accounts as u32)
        .into_par_iter()
        .map(|a| {
            let mut row = [0u32; FEATURES];
            [row[0], row[1]] = fans[a as usize];
            row[2] = pass_throughs(g, p, a);
            row
        })
        .collect();
    // Alerts, by the accounts they involve.
    let mut involving: Vec<Vec<u32>> = vec![Vec::new(); g.accounts];
    let column = |d: &str| MEASURED.len() + DETECTORS.iter().position(|x| *x == d).unwrap_or(0);
    for (i, al) in alerts.iter().enumerate() {
        let mut parties: Vec<u32> = al
            .evidence
            .iter()
            .flat_map(|&e| [g.from[e as usize], g.to[e as usize]])
            .collect();
        parties.sort_unstable();
        parties.dedup();
        f[al.account as usize][column(al.detector)] += 1;
        involving[al.account as usize].push(i as u32);
        for a in parties.into_iter().filter(|&a| a != al.account) {
            f[a as usize][3] += 1;
            involving[a as usize].push(i as u32);
        }
    }
    (f, involving)
}

/// Payments `a` received that it paid on within `pass_window_s`, at `pass_ratio_min` to
/// `pass_ratio_max` of the amount (at most 64 onward payments looked at per payment).
/// The incoming payments come oldest first, so where the onward payments start only moves
/// forward (no search per payment; an account that pays nothing is passed at once).
fn pass_throughs(g: &Graph, p: &Params, a: u32) -> u32 {
    let outs = g.out_edges(a);
    if outs.is_empty() {
        return 0;
    }
    let mut first = outs.start;
    let mut n = 0;
    for &e in g.in_edges(a) {
        let (t, amount) = (g.ts[e as usize], g.amount[e as usize] as f64);
        while first < outs.end && g.ts[first] < t {
            first += 1;
        }
        let end = t.saturating_add(p.pass_window_s);
        let onward = (first..outs.end).take_while(|&o| g.ts[o] <= end);
        let passed = onward.take(64).any(|o| {
            g.to[o] != g.from[e as usize]
                && (p.pass_ratio_min..=p.pass_ratio_max).contains(&(g.amount[o] as f64 / amount))
        });
        n += u32::from(passed);
    }
    n
}

/// Each account's activity (payments in and out).
fn activity(g: &Graph) -> Vec<u32> {
    (0..g.accounts as u32)
        .map(|a| (g.out_edges(a).len() + g.in_edges(a).len()) as u32)
        .collect()
}

/// Peer groups: each account's group, and each group's activity range, by powers of two
/// of activity, small groups joined to their neighbour.
fn groups(activity: &[u32]) -> (Vec<usize>, Vec<(u32, u32)>) {
    let bucket = |n: u32| (32 - n.leading_zeros()) as usize; // 0, 1, 2–3, 4–7, …
    let mut counts = [0usize; 33];
    for &n in activity {
        counts[bucket(n)] += 1;
    }
    // Join buckets from the least active up until each group has MIN_PEERS; a small
    // last group joins the one before it.
    let mut group_of_bucket = [0usize; 33];
    let mut sizes: Vec<usize> = Vec::new();
    let mut open = 0;
    for b in 0..33 {
        if sizes.is_empty() || open >= MIN_PEERS {
            sizes.push(0);
            open = 0;
        }
        group_of_bucket[b] = sizes.len() - 1;
        *sizes.last_mut().expect("a group") += counts[b];
        open += counts[b];
    }
    let last = sizes.len() - 1;
    if last > 0 && sizes[last] < MIN_PEERS {
        for g in group_of_bucket.iter_mut() {
            if *g == last {
                *g = last - 1;
            }
        }
    }
    let group: Vec<usize> = activity
        .iter()
        .map(|&n| group_of_bucket[bucket(n)])
        .collect();
    let mut range = vec![(u32::MAX, 0u32); sizes.len()];
    for (&n, &gr) in activity.iter().zip(&group) {
        range[gr].0 = range[gr].0.min(n);
        range[gr].1 = range[gr].1.max(n);
    }
    (group, range)
}

/// Every account that does anything unusual (score above 0), most unusual first.
pub fn rank(g: &Graph, p: &Params, alerts: &[Alert]) -> Vec<Ranked> {
    if g.accounts < MIN_PEERS {
        return Vec::new();
    }
    let (features, involving) = measure(g, p, alerts);
    let activity = activity(g);
    let (group, mut range) = groups(&activity);
    // The whole file is one more group: every account is in it.
    let all = range.len();
    range.push((
        activity.iter().copied().min().unwrap_or(0),
        activity.iter().copied().max().unwrap_or(0),
    ));
    // Per group and behaviour, the values sorted, for tail shares by binary search.
    let mut sorted: Vec<Vec<Vec<u32>>> = vec![vec![Vec::new(); FEATURES]; range.len()];
    for (row, &gr) in features.iter().zip(&group) {
        for (i, &v) in row.iter().enumerate() {
            sorted[gr][i].push(v);
            sorted[all][i].push(v);
        }
    }
    sorted
        .par_iter_mut()
        .for_each(|fs| fs.iter_mut().for_each(|v| v.sort_unstable()));
    let mut ranked: Vec<Ranked> = (0..g.accounts)
        .into_par_iter()
        .filter_map(|a| {
            // (tail share, behaviour, as high, group)
            let mut tails: Vec<(f64, usize, usize, usize)> = Vec::new();
            for (i, &v) in features[a].iter().enumerate().filter(|(_, v)| **v > 0) {
                for gr in [group[a], all] {
                    let col = &sorted[gr][i];
                    let high = col.len() - col.partition_point(|&x| x < v);
                    tails.push((high as f64 / col.len() as f64, i, high, gr));
                }
            }
            tails.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.3.cmp(&y.3)));
            let &(_, feature, high, gr) = tails.first()?;
            let pv = fisher(tails.iter().map(|t| t.0));
            let score = -pv.log10();
            if score <= 0.0 {
                return None;
            }
            let peers = sorted[gr][0].len();
            let mut detectors: Vec<&'static str> = involving[a]
                .iter()
                .map(|&i| alerts[i as usize].detector)
                .collect();
            detectors.sort_unstable();
            detectors.dedup();
            Some(Ranked {
                account: a as u32,
                score,
                p: pv,
                feature,
                value: features[a][feature],
                as_high: high as u32,
                peers: peers as u32,
                activity: range[gr],
                among_all: gr == all,
                detectors,
                alerts: involving[a].clone(),
            })
        })
        .collect();
    let tail = |r: &Ranked| r.as_high as f64 / r.peers as f64;
    ranked.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(tail(x).total_cmp(&tail(y)))
            .then(x.account.cmp(&y.account))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    /// The count as first written: a search of the onward payments per incoming one.
    fn searched(g: &Graph, p: &Params, a: u32) -> u32 {
        let mut n = 0;
        for &e in g.in_edges(a) {
            let (t, amount) = (g.ts[e as usize], g.amount[e as usize] as f64);
            let onward = g.out_edges_between(a, t, t.saturating_add(p.pass_window_s));
            let passed = onward.take(64).any(|o| {
                g.to[o] != g.from[e as usize]
                    && (p.pass_ratio_min..=p.pass_ratio_max)
                        .contains(&(g.amount[o] as f64 / amount))
            });
            n += u32::from(passed);
        }
        n
    }

    #[test]
    fn pass_throughs_are_counted_as_a_search_would_count_them() {
        let spec = synth::Spec {
            accounts: 1_000,
            transactions: 20_000,
            per_typology: 3,
            ..synth::Spec::default()
        };
        let (csv, _) = synth::generate_csv(&spec);
        let l = crate::input::read_all(csv.as_slice(), false, |_| {}).expect("read");
        let g = Graph::build(&l.records, &l.names);
        let p = Params::default();
        let mut some = 0;
        for a in 0..g.accounts as u32 {
            let n = pass_throughs(&g, &p, a);
            assert_eq!(n, searched(&g, &p, a), "account {a}");
            some += u32::from(n > 0);
        }
        assert!(some > 10, "{some}");
    }
}
