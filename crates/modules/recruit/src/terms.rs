//! The terms of an employment offer or contract, as the ledger compares them: everything
//! that decides what the worker is paid, how long they work, what may be taken from their
//! wage, where and for whom they work, and what they paid to get the job.
//!
//! Money is an integer count of the currency's minor unit (cents, paisa, dirham fils) with
//! its ISO 4217 code: no floating point decides a substitution. Hours are in tenths (a
//! 37.5-hour week is `375`), written either as an integer or a decimal string with at most
//! one decimal (`"37.5"`).

use serde::{Deserialize, Deserializer, Serialize};
use unchain_types::body::{BodyError, check_text};

/// How often a wage is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week.
    Week,
    /// Per month.
    Month,
}

/// A wage: an amount in minor units of a currency, per period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wage {
    /// Minor units (cents) of `currency`.
    pub amount: u64,
    /// ISO 4217 code, three capital letters.
    pub currency: String,
    /// Per what.
    pub period: Period,
}

/// A deduction the employer may take from the wage, capped per pay period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    /// What it is for, as a short code (`social_insurance`, `accommodation`, `loan`).
    pub name: String,
    /// The most taken per pay period, in minor units of the wage's currency.
    pub cap: u64,
}

/// Accommodation or food: free, charged per month (minor units of the wage's currency), or
/// not provided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Provision {
    /// Provided free of charge.
    Free,
    /// Provided, charged to the worker per month.
    Charged(u64),
    /// Not provided.
    NotProvided,
}

/// Where the work is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workplace {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The city or town.
    pub city: String,
}

/// The comparable terms of an offer or a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The employer, as registered (a licensed party's id).
    pub employer: String,
    /// The job.
    pub position: String,
    /// Where.
    pub workplace: Workplace,
    /// The basic wage.
    pub wage: Wage,
    /// Ordinary hours per week, in tenths of an hour (written as hours both ways, so that a
    /// stored offer reads back the same).
    #[serde(deserialize_with = "tenths", serialize_with = "write_tenths")]
    pub hours_per_week: u32,
    /// Overtime pay as a percentage of the basic hourly rate (125 = time and a quarter).
    pub overtime_rate_percent: u32,
    /// Paid rest days per week.
    pub rest_days_per_week: u8,
    /// The deductions allowed, each capped.
    #[serde(default)]
    pub deductions: Vec<Deduction>,
    /// Accommodation.
    pub accommodation: Provision,
    /// Food.
    pub food: Provision,
    /// The contract's length in months.
    pub contract_months: u32,
    /// The language the terms are written in (BCP 47, e.g. `ne`, `ar`, `en`).
    pub language: String,
    /// Recruitment fees and costs the worker pays (minor units of the wage's currency). Under
    /// the Employer Pays Principle anything above zero is a violation.
    #[serde(default)]
    pub worker_fees: u64,
}

/// Reads hours in tenths from an integer (`48` → 480) or a decimal string (`"37.5"` → 375).
fn tenths<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Hours {
        Whole(u32),
        Text(String),
    }
    let bad = || {
        serde::de::Error::custom(
            "hours: a whole number (48) or a decimal string with one decimal at most (\"37.5\")",
        )
    };
    match Hours::deserialize(d)? {
        Hours::Whole(h) => h.checked_mul(10).ok_or_else(bad),
        Hours::Text(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
            let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || !digits(frac) || frac.len() != 1 || whole.len() > 4 {
                return Err(bad());
            }
            let w: u32 = whole.parse().map_err(|_| bad())?;
            let f: u32 = frac.parse().map_err(|_| bad())?;
            Ok(w * 10 + f)
        }
    }
}

/// Writes hours in tenths as [`tenths`] reads them: `480` as `48`, `375` as `"37.5"`.
fn write_tenths<S: serde::Serializer>(t: &u32, s: S) -> Result<S::Ok, S::Error> {
    if t.is_multiple_of(10) {
        s.serialize_u32(t / 10)
    } else {
        s.serialize_str(&hours(*t))
    }
}

/// Hours in tenths, for people: `375` → `37.5`, `480` → `48`.
pub fn hours(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// Whether `s` is `n` capital letters: an ISO 3166-1 alpha-2 (`n` = 2) or ISO 4217 (3) code.
pub fn is_upper_code(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether `s` is a month, `YYYY-MM`.
pub fn is_month(s: &str) -> bool {
    s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s[..4]
            .bytes()
            .chain(s[5..].bytes())
            .all(|b| b.is_ascii_digit())
        && (1..=12).contains(&s[5..].parse::<u32>().unwrap_or(0))
}

/// Whether `s` is a date of the calendar, `YYYY-MM-DD` (no 30 February).
pub fn is_date(s: &str) -> bool {
    s.len() == 10 && s.as_bytes()[7] == b'-' && crate::payroll::day_number(s).is_some()
}

/// `1500.00` (or `1500`, when `decimals_required` is false) as minor units: at most twelve
/// digits before the point and exactly two after it. The inverse of [`money`]'s number.
pub fn parse_amount(s: &str, decimals_required: bool) -> Option<u64> {
    let (whole, cents) = match s.split_once('.') {
        Some(parts) => parts,
        None if !decimals_required => (s, "00"),
        None => return None,
    };
    let ok = !whole.is_empty()
        && whole.len() <= 12
        && cents.len() == 2
        && whole
            .bytes()
            .chain(cents.bytes())
            .all(|b| b.is_ascii_digit());
    ok.then(|| Some(whole.parse::<u64>().ok()? * 100 + cents.parse::<u64>().ok()?))?
}

/// An amount of minor units for people: `150000`, `QAR` → `1500.00 QAR`.
pub fn money(minor: u64, currency: &str) -> String {
    format!("{}.{:02} {currency}", minor / 100, minor % 100)
}

/// A deduction's, a fee's or a term's code: 1 to 40 of `a-z`, `0-9`, `_`.
pub(crate) fn check_code(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            "a short code: 1 to 40 of a-z, 0-9 and '_' (e.g. \"social_insurance\")",
        ))
    }
}

impl Terms {
    /// Checks what serde cannot: codes, ranges and sizes, each error naming its field under
    /// `at` (e.g. `terms`).
    pub fn check(&self, at: &str) -> Result<(), BodyError> {
        let f = |name: &str| format!("{at}.{name}");
        check_text(&f("employer"), &self.employer)?;
        check_text(&f("position"), &self.position)?;
        if !is_upper_code(&self.workplace.country, 2) {
            return Err(BodyError::new(
                f("workplace.country"),
                "an ISO 3166-1 alpha-2 code (\"QA\")",
            ));
        }
        check_text(&f("workplace.city"), &self.workplace.city)?;
        if !is_upper_code(&self.wage.currency, 3) {
            return Err(BodyError::new(
                f("wage.currency"),
                "an ISO 4217 code (\"QAR\")",
            ));
        }
        if self.wage.amount == 0 {
            return Err(BodyError::new(f("wage.amount"), "must be above zero"));
        }
        if self.hours_per_week == 0 || self.hours_per_week > 1_680 {
            return Err(BodyError::new(
                f("hours_per_week"),
                "between 0.1 and 168 hours",
            ));
        }
        if !(100..=1_000).contains(&self.overtime_rate_percent) {
            return Err(BodyError::new(
                f("overtime_rate_percent"),
                "100 (the basic rate) to 1000",
            ));
        }
        if self.rest_days_per_week > 7 {
            return Err(BodyError::new(f("rest_days_per_week"), "0 to 7"));
        }
        if self.deductions.len() > 20 {
            return Err(BodyError::new(f("deductions"), "20 at most"));
        }
        for (i, d) in self.deductions.iter().enumerate() {
            check_code(&f(&format!("deductions[{i}].name")), &d.name)?;
            if self.deductions[..i].iter().any(|e| e.name == d.name) {
                return Err(BodyError::new(
                    f(&format!("deductions[{i}].name")),
                    format!("{} is named twice", d.name),
                ));
            }
        }
        if self.contract_months == 0 || self.contract_months > 120 {
            return Err(BodyError::new(f("contract_months"), "1 to 120"));
        }
        let lang_ok = (2..=12).contains(&self.language.len())
            && self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !lang_ok {
            return Err(BodyError::new(
                f("language"),
                "a BCP 47 language tag (\"ne\", \"ar\", \"en-GB\")",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_minor_units_and_nothing_else_does() {
        assert_eq!(parse_amount("1500.00", true), Some(150_000));
        assert_eq!(parse_amount("1500", false), Some(150_000));
        assert_eq!(parse_amount("1500", true), None);
        for bad in [
            "",
            ".50",
            "15.5",
            "1,500.00",
            "-1.00",
            "1500.00.00",
            "1e3",
            "१५००.००",
        ] {
            assert_eq!(parse_amount(bad, false), None, "{bad}");
        }
        assert_eq!(
            parse_amount("999999999999.99", true),
            Some(99_999_999_999_999)
        );
        assert_eq!(parse_amount("1000000000000.00", true), None);
    }
}
