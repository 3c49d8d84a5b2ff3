//! Wages reconciled against the contract, month by month. A pay record says what a worker
//! was paid for a month (basic wage, overtime, each deduction, when, into which account);
//! [`reconcile`] compares it with the contract's terms and explains every shortfall with
//! the month, the expected and the paid amounts. Pure and deterministic; money in integer
//! minor units, hours in tenths.
//!
//! The rules (contracts paid per month; another period is reported, not guessed):
//!
//! | finding | when |
//! | --- | --- |
//! | `withheld` | no payment for a month of the contract (no record, or no payment date) |
//! | `currency` | paid in another currency than the contract's (nothing else compared) |
//! | `underpaid` | basic wage paid below the contract's monthly wage |
//! | `unpaid_overtime` | overtime paid below hours × hourly rate × overtime rate, the hourly rate being the monthly wage × 12 / 52 / weekly hours (one minor unit of rounding allowed) |
//! | `deduction_not_allowed` | a deduction the contract does not name |
//! | `deduction_over_cap` | a deduction above its cap |
//! | `late` | paid after the month's last day plus the grace days (the UAE's WPS allows 15) |
//! | `shared_account` | one account receives the wages of [`SHARED_ACCOUNT_WORKERS`] or more workers |
//! | `reports_differ` | the employer's report of a month and the worker's payslip (`recruit.payslip`) disagree |

use crate::terms::{Period, Terms, hours, money};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// From how many workers paid into one account a `shared_account` finding is raised.
pub const SHARED_ACCOUNT_WORKERS: usize = 3;

/// What a worker was paid for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayRecord {
    /// The worker's pseudonymous id.
    pub worker: String,
    /// `YYYY-MM`.
    pub month: String,
    /// ISO 4217.
    pub currency: String,
    /// Basic wage paid, minor units.
    pub basic: u64,
    /// Overtime worked, tenths of an hour.
    #[serde(default)]
    pub overtime_hours: u32,
    /// Overtime paid, minor units.
    #[serde(default)]
    pub overtime_pay: u64,
    /// Each deduction taken: its code and amount (minor units).
    #[serde(default)]
    pub deductions: Vec<(String, u64)>,
    /// When it was paid (`YYYY-MM-DD`); none if it was not.
    #[serde(default)]
    pub paid_on: Option<String>,
    /// A token of the receiving account (a keyed hash of it, never the account number).
    pub account: String,
}

/// What is wrong with a month's pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Not paid.
    Withheld,
    /// Paid in another currency.
    Currency,
    /// Basic wage below the contract's.
    Underpaid,
    /// Overtime paid below its rate.
    UnpaidOvertime,
    /// A deduction the contract does not allow.
    DeductionNotAllowed,
    /// A deduction above its cap.
    DeductionOverCap,
    /// Paid after the due date.
    Late,
    /// Paid into an account that receives several workers' wages.
    SharedAccount,
    /// The contract is not paid per month: not reconciled.
    Period,
    /// The employer's report of the month and the worker's own payslip disagree.
    ReportsDiffer,
}

/// One finding, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WageFinding {
    /// The worker.
    pub worker: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// What.
    pub kind: Kind,
    /// What the contract says, for people.
    pub expected: String,
    /// What was paid, for people.
    pub paid: String,
}

/// The last day of `YYYY-MM` (Gregorian).
fn last_day(month: &str) -> Option<u32> {
    let y: u32 = month.get(..4)?.parse().ok()?;
    let m: u32 = month.get(5..7)?.parse().ok()?;
    Some(match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => return None,
    })
}

/// `YYYY-MM-DD` as a day count (days since 0000-03-01), for comparing dates.
pub(crate) fn day_number(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = date.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > i64::from(last_day(&date[..7])?) {
        return None;
    }
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    Some(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1)
}

/// The day the month's wage is due at the latest: its last day plus `grace_days`.
pub fn due(month: &str, grace_days: u32) -> Option<i64> {
    let last = last_day(month)?;
    Some(day_number(&format!("{month}-{last:02}"))? + i64::from(grace_days))
}

/// The overtime pay `overtime` tenths of an hour earn under `terms` (minor units, rounded
/// down): monthly wage × 12 / 52 / weekly hours × hours × rate.
pub fn overtime_due(terms: &Terms, overtime: u32) -> u64 {
    let num = u128::from(overtime)
        * u128::from(terms.wage.amount)
        * 12
        * u128::from(terms.overtime_rate_percent);
    let den = 52 * u128::from(terms.hours_per_week.max(1)) * 100;
    u64::try_from(num / den).unwrap_or(u64::MAX)
}

/// Every finding in one worker's pay for one month under `terms`.
pub fn reconcile(terms: &Terms, pay: &PayRecord, grace_days: u32) -> Vec<WageFinding> {
    let mut out = Vec::new();
    let mut push = |kind, expected: String, paid: String| {
        out.push(WageFinding {
            worker: pay.worker.clone(),
            month: pay.month.clone(),
            kind,
            expected,
            paid,
        })
    };
    let cur = &terms.wage.currency;
    if terms.wage.period != Period::Month {
        push(
            Kind::Period,
            format!("a wage per {:?}", terms.wage.period).to_lowercase(),
            "monthly pay records".into(),
        );
        return out;
    }
    let Some(paid_on) = &pay.paid_on else {
        push(
            Kind::Withheld,
            money(terms.wage.amount, cur),
            "not paid".into(),
        );
        return out;
    };
    if pay.currency != *cur {
        push(Kind::Currency, cur.clone(), money(pay.basic, &pay.currency));
        return out;
    }
    if pay.basic < terms.wage.amount {
        push(
            Kind::Underpaid,
            money(terms.wage.amount, cur),
            money(pay.basic, cur),
        );
    }
    let ot = overtime_due(terms, pay.overtime_hours);
    if pay.overtime_pay + 1 < ot {
        push(
            Kind::UnpaidOvertime,
            format!(
                "{} for {} hours at {} %",
                money(ot, cur),
                hours(pay.overtime_hours),
                terms.overtime_rate_percent
            ),
            money(pay.overtime_pay, cur),
        );
    }
    for (name, amount) in &pay.deductions {
        match terms.deductions.iter().find(|d| d.name == *name) {
            None => push(
                Kind::DeductionNotAllowed,
                format!("no {name} deduction"),
                format!("{name} {}", money(*amount, cur)),
            ),
            Some(d) if *amount > d.cap => push(
                Kind::DeductionOverCap,
                format!("{name} up to {}", money(d.cap, cur)),
                format!("{name} {}", money(*amount, cur)),
            ),
            Some(_) => {}
        }
    }
    match (day_number(paid_on), due(&pay.month, grace_days)) {
        (Some(paid), Some(due)) if paid > due => push(
            Kind::Late,
            format!("by {} days after the month", grace_days),
            format!("on {paid_on}"),
        ),
        _ => {}
    }
    out
}

/// The months of a contract's pay records that have none: one `withheld` finding each.
pub fn missing_months(
    terms: &Terms,
    worker: &str,
    months: &[String],
    records: &[PayRecord],
) -> Vec<WageFinding> {
    let paid: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.worker == worker)
        .map(|r| r.month.as_str())
        .collect();
    months
        .iter()
        .filter(|m| !paid.contains(m.as_str()))
        .map(|m| WageFinding {
            worker: worker.into(),
            month: m.clone(),
            kind: Kind::Withheld,
            expected: money(terms.wage.amount, &terms.wage.currency),
            paid: "no pay record".into(),
        })
        .collect()
}

/// Accounts that receive the wages of [`SHARED_ACCOUNT_WORKERS`] or more workers in
/// `records`: one finding per worker paid into each, in account then worker order.
pub fn shared_accounts(records: &[PayRecord]) -> Vec<WageFinding> {
    let mut by_account: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for r in records {
        by_account
            .entry(r.account.as_str())
            .or_default()
            .entry(r.worker.as_str())
            .or_insert(r.month.as_str());
    }
    let mut out = Vec::new();
    for (account, workers) in by_account {
        if workers.len() < SHARED_ACCOUNT_WORKERS {
            continue;
        }
        for (worker, month) in &workers {
            out.push(WageFinding {
                worker: (*worker).into(),
                month: (*month).into(),
                kind: Kind::SharedAccount,
                expected: "the worker's own account".into(),
                paid: format!(
                    "account {account}, which receives {} workers' wages",
                    workers.len()
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_across_months_and_leap_years() {
        assert_eq!(
            day_number("2024-03-01"),
            day_number("2024-02-29").map(|d| d + 1)
        );
        assert_eq!(
            day_number("2023-03-01"),
            day_number("2023-02-28").map(|d| d + 1)
        );
        assert_eq!(day_number("2023-02-29"), None);
        assert_eq!(day_number("2026-12-32"), None);
        assert_eq!(due("2026-02", 15), day_number("2026-03-15"));
        assert_eq!(due("2026-12", 15), day_number("2027-01-15"));
        assert_eq!(
            day_number("2100-03-01"),
            day_number("2100-02-28").map(|d| d + 1)
        );
    }
}
