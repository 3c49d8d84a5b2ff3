//! Synthetic transactions: background traffic among many accounts, with typologies
//! injected on accounts of their own, and the ground truth of what was injected. For
//! tests, demos and measuring detectors' recall and precision. Everything is a function of
//! the seed.

use crate::alert::{Alert, decimal};
use crate::graph::Graph;
use crate::input::{Names, SCALE};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;

/// The typologies injected, named as the detector that should find them: one for each.
pub const TYPOLOGIES: [&str; 14] = crate::detect::DETECTORS;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Seed of everything.
    pub seed: u64,
    /// Background accounts (people and businesses; merchants and employers come on top).
    pub accounts: usize,
    /// Background transactions (wages and rent come on top).
    pub transactions: usize,
    /// Instances of each typology.
    pub per_typology: usize,
    /// First second (Unix).
    pub start: i64,
    /// Days covered.
    pub days: i64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            seed: 7,
            accounts: 5_000,
            transactions: 50_000,
            per_typology: 20,
            start: 1_767_225_600,
            days: 90,
        }
    }
}

/// One generated transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// Unix seconds.
    pub ts: i64,
    /// Payer.
    pub from: String,
    /// Payee.
    pub to: String,
    /// Millionths.
    pub amount: i64,
    /// Channel.
    pub channel: &'static str,
    /// Merchant category of a card payment.
    pub mcc: Option<u16>,
}

/// One injected instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    /// Which typology.
    pub typology: &'static str,
    /// The accounts it involves.
    pub accounts: Vec<String>,
    /// Its transactions' ids. An alert of its typology found it when the alert's evidence
    /// holds at least half of them; when the truth names none (an older truth file), when
    /// it is on one of its accounts — which overstates, as an account may be flagged for
    /// something else.
    pub transactions: Vec<String>,
}

/// The id [`write_csv`] gives the row at `position`.
pub fn row_id(position: usize) -> String {
    format!("T{position:09}")
}

/// Background channels (card payments go to merchants, with a category).
const CHANNELS: [(&str, u32); 5] = [
    ("wire", 25),
    ("card", 30),
    ("mobile", 20),
    ("ach", 15),
    ("cash", 10),
];

/// Merchant categories of the background, with weights: groceries, restaurants, fuel,
/// department stores, retail, fast food, taxis, commuter transport, hotels, advertising.
const MERCHANTS: [(u16, u32); 10] = [
    (5411, 30),
    (5812, 15),
    (5541, 15),
    (5311, 10),
    (5999, 10),
    (5814, 10),
    (4121, 4),
    (4111, 3),
    (7011, 2),
    (7311, 1),
];

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = rng.gen_range(0..total);
    for &(item, w) in items {
        if x < w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A log-normal amount around `median` units, in millionths.
fn amount(rng: &mut StdRng, median: f64, sigma: f64) -> i64 {
    // Box–Muller.
    let (u1, u2): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.r#gen());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let units = median * (sigma * z).exp();
    ((units * 100.0).round() as i64).max(1) * (SCALE / 100)
}

/// A time on day `day` after `start`: nine in ten in the daytime (08:00–21:00 UTC).
fn daytime(rng: &mut StdRng, start: i64, day: i64) -> i64 {
    let second = if rng.gen_bool(0.9) {
        rng.gen_range(8 * 3600..21 * 3600)
    } else {
        rng.gen_range(0..86_400)
    };
    start + day * 86_400 + second
}

/// A time at night (23:00–04:00 UTC) on day `day` after `start`.
fn night(rng: &mut StdRng, start: i64, day: i64) -> i64 {
    start + day * 86_400 + 23 * 3600 + rng.gen_range(0..5 * 3600)
}

fn row(ts: i64, from: &str, to: &str, amount: i64, channel: &'static str) -> Row {
    Row {
        ts,
        from: from.to_owned(),
        to: to.to_owned(),
        amount,
        channel,
        mcc: None,
    }
}

/// The background: people paying each other and merchants in the daytime, employers
/// paying wages monthly (some of it paid on as rent to landlords with a few tenants).
fn background(spec: &Spec, rng: &mut StdRng, rows: &mut Vec<Row>) {
    let person = |i: usize| format!("ACC{i:07}");
    let merchants = (spec.accounts / 50).max(MERCHANTS.len());
    let merchant_mcc: Vec<u16> = (0..merchants)
        .map(|m| {
            if m < MERCHANTS.len() {
                MERCHANTS[m].0
            } else {
                weighted(rng, &MERCHANTS)
            }
        })
        .collect();
    for _ in 0..spec.transactions {
        let from = rng.gen_range(0..spec.accounts);
        let channel = weighted(rng, &CHANNELS);
        let day = rng.gen_range(0..spec.days);
        let ts = daytime(rng, spec.start, day);
        if channel == "card" {
            let m = rng.gen_range(0..merchants);
            rows.push(Row {
                mcc: Some(merchant_mcc[m]),
                ..row(
                    ts,
                    &person(from),
                    &format!("MER{m:06}"),
                    amount(rng, 40.0, 0.9),
                    channel,
                )
            });
            continue;
        }
        let mut to = rng.gen_range(0..spec.accounts - 1);
        if to >= from {
            to += 1;
        }
        rows.push(row(
            ts,
            &person(from),
            &person(to),
            amount(rng, 90.0, 1.2),
            channel,
        ));
    }
    // Employers pay 10 to 40 workers on the 25th of each month; a worker in four pays
    // rent to one of the landlords (each has one to four tenants) within five days.
    let employers = (spec.accounts / 100).max(1);
    let (mut landlord, mut rooms_left) = (0usize, 0u32);
    for e in 0..employers {
        let workers: Vec<usize> = (0..rng.gen_range(10..40))
            .map(|_| rng.gen_range(0..spec.accounts))
            .collect();
        let wages: Vec<i64> = workers.iter().map(|_| amount(rng, 1_200.0, 0.3)).collect();
        let mut rent: Vec<Option<usize>> = Vec::with_capacity(workers.len());
        for _ in &workers {
            if !rng.gen_bool(0.25) {
                rent.push(None);
                continue;
            }
            if rooms_left == 0 {
                landlord += 1;
                rooms_left = rng.gen_range(1..=4);
            }
            rooms_left -= 1;
            rent.push(Some(landlord));
        }
        for payday in (24..spec.days).step_by(30) {
            for (i, w) in workers.iter().enumerate() {
                let ts = spec.start + payday * 86_400 + 9 * 3600;
                rows.push(row(
                    ts,
                    &format!("EMP{e:05}"),
                    &person(*w),
                    wages[i],
                    "payroll",
                ));
                if let Some(l) = rent[i] {
                    let t = ts + rng.gen_range(3600..5 * 86_400);
                    let share = (wages[i] as f64 * rng.gen_range(0.25..0.4)) as i64;
                    rows.push(row(t, &person(*w), &format!("LND{l:05}"), share, "ach"));
                }
            }
        }
    }
}

/// Generates the background and the injected typologies, sorted by time.
pub fn generate(spec: &Spec) -> (Vec<Row>, Vec<Injected>) {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut rows = Vec::with_capacity(spec.transactions * 11 / 10 + spec.per_typology * 200);
    background(spec, &mut rng, &mut rows);
    // For each row, the injected instance it belongs to.
    const NONE: u32 = u32::MAX;
    let mut owner: Vec<u32> = vec![NONE; rows.len()];
    let mut truth: Vec<Injected> = Vec::new();
    let mut fresh = 0usize;
    for k in 0..spec.per_typology {
        for typ in TYPOLOGIES {
            let mut new = |kind: &str| {
                fresh += 1;
                format!("{kind}{fresh:06}")
            };
            let day0 = rng.gen_range(0..spec.days - 20);
            let t0 = spec.start + day0 * 86_400 + rng.gen_range(0..86_400);
            let before = rows.len();
            let accounts = inject(typ, k, t0, spec, &mut rng, &mut new, &mut rows);
            owner.resize(rows.len(), NONE);
            owner[before..].fill(truth.len() as u32);
            truth.push(Injected {
                typology: typ,
                accounts,
                transactions: Vec::new(),
            });
        }
    }
    // Sorted by time (stable), each injected row's final position naming it in the truth.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        rows[a]
            .ts
            .cmp(&rows[b].ts)
            .then(rows[a].from.cmp(&rows[b].from))
    });
    let mut sorted = Vec::with_capacity(rows.len());
    for (position, &i) in order.iter().enumerate() {
        sorted.push(std::mem::take(&mut rows[i]));
        if let Some(&n) = owner.get(i).filter(|&&n| n != NONE) {
            truth[n as usize].transactions.push(row_id(position));
        }
    }
    (sorted, truth)
}

/// Writes one instance of `typ` starting at `t0` into `rows`; returns its accounts.
fn inject(
    typ: &str,
    k: usize,
    t0: i64,
    spec: &Spec,
    rng: &mut StdRng,
    new: &mut impl FnMut(&str) -> String,
    rows: &mut Vec<Row>,
) -> Vec<String> {
    let h = 3600;
    match typ {
        "fan_in" | "fan_out" => {
            let hub = new("HUB");
            for _ in 0..rng.gen_range(12..20) {
                let other = new("PTY");
                let (from, to) = if typ == "fan_in" {
                    (&other, &hub)
                } else {
                    (&hub, &other)
                };
                let a = amount(rng, 300.0, 0.5);
                rows.push(row(
                    t0 + rng.gen_range(0..2 * 86_400),
                    from,
                    to,
                    a,
                    "mobile",
                ));
            }
            vec![hub]
        }
        "scatter_gather" => {
            let (src, sink) = (new("SGS"), new("SGD"));
            let mut accounts = vec![src.clone(), sink.clone()];
            for _ in 0..rng.gen_range(6..10) {
                let mid = new("SGM");
                let a = amount(rng, 3_000.0, 0.3);
                let t = t0 + rng.gen_range(0..12 * h);
                rows.push(row(t, &src, &mid, a, "wire"));
                let on = (a as f64 * rng.gen_range(0.9..0.98)) as i64;
                rows.push(row(t + rng.gen_range(h..48 * h), &mid, &sink, on, "wire"));
                accounts.push(mid);
            }
            accounts
        }
        "gather_scatter" => {
            let hub = new("GSH");
            for _ in 0..rng.gen_range(6..10) {
                let a = amount(rng, 1_500.0, 0.4);
                rows.push(row(
                    t0 + rng.gen_range(0..40 * h),
                    &new("GSI"),
                    &hub,
                    a,
                    "wire",
                ));
            }
            for _ in 0..rng.gen_range(6..10) {
                let a = amount(rng, 1_200.0, 0.4);
                let t = t0 + 40 * h + rng.gen_range(0..40 * h);
                rows.push(row(t, &hub, &new("GSO"), a, "wire"));
            }
            vec![hub]
        }
        "pass_through" => {
            let mule = new("MUL");
            for i in 0..rng.gen_range(4..7) {
                let t = t0 + i * 2 * 86_400 + rng.gen_range(0..h);
                let a = amount(rng, 2_000.0, 0.4);
                rows.push(row(t, &new("SRC"), &mule, a, "wire"));
                let keep = rng.gen_range(0.90..0.99);
                let out = ((a as f64 * keep) as i64 / 10_000).max(1) * 10_000;
                rows.push(row(
                    t + rng.gen_range(h..12 * h),
                    &mule,
                    &new("DST"),
                    out,
                    "wire",
                ));
            }
            vec![mule]
        }
        "funnel" => {
            let acct = new("FNL");
            let mut total = 0;
            let mut last = t0;
            for _ in 0..rng.gen_range(5..9) {
                let a = amount(rng, 800.0, 0.3);
                total += a;
                let t = t0 + rng.gen_range(0..5 * 86_400);
                last = last.max(t);
                rows.push(row(t, &new("BRN"), &acct, a, "cash"));
            }
            let out = (total as f64 * rng.gen_range(0.9..0.98)) as i64;
            let dest = new("FND");
            rows.push(row(
                last + rng.gen_range(h..20 * h),
                &acct,
                &dest,
                out / 2,
                "wire",
            ));
            rows.push(row(
                last + rng.gen_range(h..20 * h),
                &acct,
                &dest,
                out - out / 2,
                "wire",
            ));
            vec![acct]
        }
        "structuring" => {
            let depositor = new("DEP");
            let bank = new("RCV");
            for _ in 0..rng.gen_range(4..6) {
                let t = t0 + rng.gen_range(0..5 * 86_400);
                let a = rng.gen_range(9_200..9_950) * SCALE;
                rows.push(row(t, &depositor, &bank, a, "cash"));
            }
            vec![depositor, bank]
        }
        "split_payments" => {
            // A sum paid on in equal parts to one account, within hours.
            let payer = new("SPL");
            let payee = new("RCV");
            let part = amount(rng, 900.0, 0.3);
            for _ in 0..rng.gen_range(3..6) {
                let t = t0 + rng.gen_range(0..6 * h);
                rows.push(row(t, &payer, &payee, part, "mobile"));
            }
            vec![payer, payee]
        }
        "cycle" => {
            let len = 3 + k % 3;
            let ring: Vec<String> = (0..len).map(|_| new("CYC")).collect();
            let mut t = t0;
            let mut a = amount(rng, 5_000.0, 0.3);
            for i in 0..len {
                t += rng.gen_range(2 * h..20 * h);
                rows.push(row(t, &ring[i], &ring[(i + 1) % len], a, "wire"));
                a = (a as f64 * 0.97) as i64;
            }
            ring
        }
        "wage_siphoning" => {
            let boss = new("WSB");
            let employer = new("WSE");
            let payday = t0 - t0.rem_euclid(86_400) + 9 * h;
            let mut accounts = vec![boss.clone(), employer.clone()];
            for _ in 0..rng.gen_range(6..12) {
                let wage = amount(rng, 900.0, 0.2);
                if k.is_multiple_of(2) {
                    // A share of each worker's wage, taken within two days.
                    let worker = new("WSW");
                    rows.push(row(payday, &employer, &worker, wage, "payroll"));
                    let share = (wage as f64 * rng.gen_range(0.3..0.6)) as i64;
                    let t = payday + rng.gen_range(h..48 * h);
                    rows.push(row(t, &worker, &boss, share, "mobile"));
                    accounts.push(worker);
                } else {
                    // The workers' wages paid straight into the handler's account.
                    rows.push(row(payday, &employer, &boss, wage, "payroll"));
                }
            }
            accounts
        }
        "ad_payments" => {
            let acct = new("ADV");
            let site = new("ADS");
            for _ in 0..rng.gen_range(4..7) {
                let t = t0 + rng.gen_range(0..20 * 86_400);
                let mcc = if rng.gen_bool(0.5) { 7311 } else { 5967 };
                rows.push(Row {
                    mcc: Some(mcc),
                    ..row(t, &acct, &site, amount(rng, 60.0, 0.4), "card")
                });
            }
            vec![acct]
        }
        "night_travel" => {
            let acct = new("NTR");
            let day0 = (t0 - spec.start) / 86_400;
            for _ in 0..rng.gen_range(5..9) {
                let day = day0 + rng.gen_range(0..20);
                let t = night(rng, spec.start, day);
                let (mcc, merchant) = if rng.gen_bool(0.5) {
                    (7011, "HOTEL-NIGHT")
                } else {
                    (4121, "RIDE-NIGHT")
                };
                rows.push(Row {
                    mcc: Some(mcc),
                    ..row(t, &acct, merchant, amount(rng, 50.0, 0.5), "card")
                });
            }
            vec![acct]
        }
        "cash_intensive" => {
            let acct = new("CSH");
            for i in 0..rng.gen_range(12..20) {
                let t = t0 + rng.gen_range(0..30 * 86_400);
                let a = amount(rng, 400.0, 0.5);
                if i % 3 == 2 {
                    rows.push(row(t, &acct, &new("CSO"), a, "cash"));
                } else {
                    rows.push(row(t, &new("CSI"), &acct, a, "cash"));
                }
            }
            vec![acct]
        }
        "peel_chain" => {
            let hops = rng.gen_range(5..9);
            let chain: Vec<String> = (0..=hops).map(|_| new("bc1qpeel")).collect();
            let mut t = t0;
            let mut a = amount(rng, 50_000.0, 0.3);
            rows.push(row(t, &new("bc1qsrc"), &chain[0], a, "crypto"));
            for i in 0..hops {
                t += rng.gen_range(600..6 * h);
                let peel = (a as f64 * rng.gen_range(0.01..0.08)) as i64;
                let fee = a / 2_000;
                rows.push(row(t, &chain[i], &new("bc1qout"), peel, "crypto"));
                rows.push(row(t, &chain[i], &chain[i + 1], a - peel - fee, "crypto"));
                a = a - peel - fee;
            }
            chain
        }
        other => unreachable!("no generator for typology {other}"),
    }
}

/// [`generate`], written as a CSV file in memory (for tests and benchmarks).
pub fn generate_csv(spec: &Spec) -> (Vec<u8>, Vec<Injected>) {
    let (rows, truth) = generate(spec);
    let mut csv = Vec::new();
    write_csv(&rows, &mut csv).expect("writing to memory cannot fail");
    (csv, truth)
}

/// Writes `rows` in the generic schema (currency USD).
pub fn write_csv(rows: &[Row], mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "id,timestamp,from,to,amount,currency,channel,mcc")?;
    for (i, r) in rows.iter().enumerate() {
        write!(
            w,
            "{},{},{},{},{},USD,{},",
            row_id(i),
            r.ts,
            r.from,
            r.to,
            decimal(r.amount),
            r.channel
        )?;
        match r.mcc {
            Some(m) => writeln!(w, "{m:04}")?,
            None => writeln!(w)?,
        }
    }
    Ok(())
}

/// Writes the ground truth: `typology,accounts,transactions` (each list space-separated).
pub fn write_truth(truth: &[Injected], mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "typology,accounts,transactions")?;
    for t in truth {
        writeln!(
            w,
            "{},{},{}",
            t.typology,
            t.accounts.join(" "),
            t.transactions.join(" ")
        )?;
    }
    Ok(())
}

/// How well one detector found its typology.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    /// The typology (= detector).
    pub typology: &'static str,
    /// Instances injected.
    pub injected: usize,
    /// Instances an alert of the detector found: its evidence holds at least half of the
    /// instance's transactions (or, for an instance the truth names no transactions of,
    /// the alert is on one of its accounts).
    pub found: usize,
    /// Of `injected`, those the truth names no transactions of, scored by account.
    pub by_account: usize,
    /// The detector's alerts.
    pub alerts: usize,
    /// Of those, alerts on an account of some injected instance (of any typology: a
    /// fan-in alert on a gather-scatter hub points at planted activity too).
    pub true_alerts: usize,
}

impl Score {
    /// found / injected.
    pub fn recall(&self) -> f64 {
        self.found as f64 / self.injected.max(1) as f64
    }

    /// true alerts / alerts (1 when there are none).
    pub fn precision(&self) -> f64 {
        if self.alerts == 0 {
            1.0
        } else {
            self.true_alerts as f64 / self.alerts as f64
        }
    }
}

/// Scores `alerts` against `truth`: recall per typology by its own detector (an instance
/// is found when one alert's evidence holds at least half of its transactions), precision
/// as the share of a detector's alerts that name a planted account.
pub fn evaluate(g: &Graph, alerts: &[Alert], names: &Names, truth: &[Injected]) -> Vec<Score> {
    use std::collections::BTreeSet;
    let planted: BTreeSet<&str> = truth
        .iter()
        .flat_map(|t| t.accounts.iter().map(String::as_str))
        .collect();
    let id_of = |e: u32| &names.ids[g.record[e as usize] as usize];
    TYPOLOGIES
        .iter()
        .map(|&typ| {
            let mine: Vec<&Alert> = alerts.iter().filter(|a| a.detector == typ).collect();
            let flagged: BTreeSet<&str> = mine
                .iter()
                .map(|a| names.accounts.name(a.account))
                .collect();
            let evidence: Vec<BTreeSet<&str>> = mine
                .iter()
                .map(|a| a.evidence.iter().map(|&e| id_of(e)).collect())
                .collect();
            let instances: Vec<&Injected> = truth.iter().filter(|t| t.typology == typ).collect();
            let found = instances
                .iter()
                .filter(|t| {
                    if t.transactions.is_empty() {
                        return t.accounts.iter().any(|a| flagged.contains(a.as_str()));
                    }
                    evidence.iter().any(|held| {
                        let n = t
                            .transactions
                            .iter()
                            .filter(|id| held.contains(id.as_str()))
                            .count();
                        2 * n >= t.transactions.len()
                    })
                })
                .count();
            let true_alerts = mine
                .iter()
                .filter(|a| planted.contains(names.accounts.name(a.account)))
                .count();
            Score {
                typology: typ,
                injected: instances.len(),
                found,
                by_account: instances
                    .iter()
                    .filter(|t| t.transactions.is_empty())
                    .count(),
                alerts: mine.len(),
                true_alerts,
            }
        })
        .collect()
}
