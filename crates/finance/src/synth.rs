//! Synthetic transactions: background traffic among many accounts, with typologies
//! injected on accounts of their own, and the ground truth of what was injected. For
//! tests, demos and measuring detectors' recall and precision. Everything is a function of
//! the seed.

use crate::alert::{Alert, decimal};
use crate::input::{Names, SCALE};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::Write;

/// The typologies injected, named as the detector that should find them: one for each.
pub const TYPOLOGIES: [&str; 5] = crate::detect::DETECTORS;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Seed of everything.
    pub seed: u64,
    /// Background accounts.
    pub accounts: usize,
    /// Background transactions.
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// One injected instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    /// Which typology.
    pub typology: &'static str,
    /// The accounts it involves (a detector finding any of them found it).
    pub accounts: Vec<String>,
}

const CHANNELS: [&str; 5] = ["wire", "card", "mobile", "ach", "cash"];

/// A log-normal amount around `median` units, in millionths.
fn amount(rng: &mut StdRng, median: f64, sigma: f64) -> i64 {
    // Box–Muller.
    let (u1, u2): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.r#gen());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let units = median * (sigma * z).exp();
    ((units * 100.0).round() as i64).max(1) * (SCALE / 100)
}

/// Generates the background and the injected typologies, sorted by time.
pub fn generate(spec: &Spec) -> (Vec<Row>, Vec<Injected>) {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let span = spec.days * 86_400;
    let mut rows = Vec::with_capacity(spec.transactions + spec.per_typology * 100);
    for _ in 0..spec.transactions {
        let from = rng.gen_range(0..spec.accounts);
        let mut to = rng.gen_range(0..spec.accounts - 1);
        if to >= from {
            to += 1;
        }
        rows.push(Row {
            ts: spec.start + rng.gen_range(0..span),
            from: format!("ACC{from:07}"),
            to: format!("ACC{to:07}"),
            amount: amount(&mut rng, 90.0, 1.2),
            channel: CHANNELS[rng.gen_range(0..CHANNELS.len())],
        });
    }
    let mut truth = Vec::new();
    let mut fresh = 0usize;
    let mut new_account = |kind: &str| {
        fresh += 1;
        format!("{kind}{fresh:06}")
    };
    for k in 0..spec.per_typology {
        for typ in TYPOLOGIES {
            let t0 = spec.start + rng.gen_range(0..span - 20 * 86_400);
            let mut accounts = Vec::new();
            match typ {
                "fan_in" | "fan_out" => {
                    let hub = new_account("HUB");
                    for _ in 0..rng.gen_range(12..20) {
                        let other = new_account("PTY");
                        let (from, to) = if typ == "fan_in" {
                            (other, hub.clone())
                        } else {
                            (hub.clone(), other)
                        };
                        rows.push(Row {
                            ts: t0 + rng.gen_range(0..2 * 86_400),
                            from,
                            to,
                            amount: amount(&mut rng, 300.0, 0.5),
                            channel: "mobile",
                        });
                    }
                    accounts.push(hub);
                }
                "pass_through" => {
                    let mule = new_account("MUL");
                    for i in 0..rng.gen_range(4..7) {
                        let t = t0 + i * 2 * 86_400 + rng.gen_range(0..3600);
                        let a = amount(&mut rng, 2_000.0, 0.4);
                        rows.push(Row {
                            ts: t,
                            from: new_account("SRC"),
                            to: mule.clone(),
                            amount: a,
                            channel: "wire",
                        });
                        let keep = rng.gen_range(0.90..0.99);
                        rows.push(Row {
                            ts: t + rng.gen_range(3600..12 * 3600),
                            from: mule.clone(),
                            to: new_account("DST"),
                            amount: ((a as f64 * keep) as i64 / 10_000).max(1) * 10_000,
                            channel: "wire",
                        });
                    }
                    accounts.push(mule);
                }
                "structuring" => {
                    let depositor = new_account("DEP");
                    let bank = new_account("RCV");
                    for _ in 0..rng.gen_range(4..6) {
                        rows.push(Row {
                            ts: t0 + rng.gen_range(0..5 * 86_400),
                            from: depositor.clone(),
                            to: bank.clone(),
                            amount: rng.gen_range(9_200..9_950) * SCALE,
                            channel: "cash",
                        });
                    }
                    accounts.extend([depositor, bank]);
                }
                _ => {
                    let len = 3 + k % 3;
                    let ring: Vec<String> = (0..len).map(|_| new_account("CYC")).collect();
                    let mut t = t0;
                    let mut a = amount(&mut rng, 5_000.0, 0.3);
                    for i in 0..len {
                        t += rng.gen_range(2 * 3600..20 * 3600);
                        rows.push(Row {
                            ts: t,
                            from: ring[i].clone(),
                            to: ring[(i + 1) % len].clone(),
                            amount: a,
                            channel: "wire",
                        });
                        a = (a as f64 * 0.97) as i64;
                    }
                    accounts.extend(ring);
                }
            }
            truth.push(Injected {
                typology: typ,
                accounts,
            });
        }
    }
    rows.sort_by(|a, b| a.ts.cmp(&b.ts).then(a.from.cmp(&b.from)));
    (rows, truth)
}

/// Writes `rows` in the generic schema (currency USD).
pub fn write_csv(rows: &[Row], mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "id,timestamp,from,to,amount,currency,channel")?;
    for (i, r) in rows.iter().enumerate() {
        writeln!(
            w,
            "T{i:09},{},{},{},{},USD,{}",
            r.ts,
            r.from,
            r.to,
            decimal(r.amount),
            r.channel
        )?;
    }
    Ok(())
}

/// Writes the ground truth: `typology,accounts` (accounts space-separated).
pub fn write_truth(truth: &[Injected], mut w: impl Write) -> std::io::Result<()> {
    writeln!(w, "typology,accounts")?;
    for t in truth {
        writeln!(w, "{},{}", t.typology, t.accounts.join(" "))?;
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
    /// Instances some alert of the detector names an account of.
    pub found: usize,
    /// The detector's alerts.
    pub alerts: usize,
    /// Of those, alerts on an account of an injected instance of the typology.
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

/// Scores `alerts` against `truth`.
pub fn evaluate(alerts: &[Alert], names: &Names, truth: &[Injected]) -> Vec<Score> {
    TYPOLOGIES
        .iter()
        .map(|&typ| {
            let mine: Vec<&Alert> = alerts.iter().filter(|a| a.detector == typ).collect();
            let flagged: BTreeMap<&str, ()> = mine
                .iter()
                .map(|a| (names.accounts.name(a.account), ()))
                .collect();
            let instances: Vec<&Injected> = truth.iter().filter(|t| t.typology == typ).collect();
            let found = instances
                .iter()
                .filter(|t| t.accounts.iter().any(|a| flagged.contains_key(a.as_str())))
                .count();
            let true_alerts = mine
                .iter()
                .filter(|a| {
                    let n = names.accounts.name(a.account);
                    instances.iter().any(|t| t.accounts.iter().any(|x| x == n))
                })
                .count();
            Score {
                typology: typ,
                injected: instances.len(),
                found,
                alerts: mine.len(),
                true_alerts,
            }
        })
        .collect()
}
