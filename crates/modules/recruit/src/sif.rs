//! The UAE Wage Protection System's Salary Information File (SIF): one comma-separated
//! Employee Detail Record (`EDR`) per worker paid, optional Employee Variable Pay (`EVP`)
//! lines, and a Salary Control Record (`SCR`) last, whose count and total must match the
//! EDRs. Errors name the line, the field and the rule; a file with any error is refused
//! whole.
//!
//! `EDR,employee id,agent routing code,account,pay start,pay end,days,fixed,variable,leave days`
//! `SCR,employer id,employer routing code,file date,file time (HHMM),salary month (MMYYYY),EDR count,total,currency,reference`
//!
//! [`to_pay_records`] turns a file into pay records for reconciliation: the employer's own
//! table maps each employee id (a labour-card number, personal data that never leaves the
//! employer's machine) to the worker's pseudonymous id, and each account number becomes a
//! keyed token. The fixed component is the basic wage; the variable component is paid as
//! overtime and allowances, compared with the overtime due only when the employer declares
//! the hours.

use crate::payroll::PayRecord;
use std::collections::BTreeMap;

/// Largest file read (a month for 200 000 workers fits).
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

/// One employee's pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edr {
    /// The 1-based line it is on.
    pub line: usize,
    /// The employee's id (labour-card number): personal data.
    pub employee: String,
    /// The receiving agent's routing code (9 digits).
    pub routing: String,
    /// The receiving account (IBAN): personal data.
    pub account: String,
    /// Pay period start, `YYYY-MM-DD`.
    pub start: String,
    /// Pay period end.
    pub end: String,
    /// Days in the period.
    pub days: u32,
    /// Fixed component, minor units.
    pub fixed: u64,
    /// Variable component, minor units.
    pub variable: u64,
    /// Days on leave.
    pub leave: u32,
}

/// The control record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scr {
    /// The employer's id.
    pub employer: String,
    /// The file's date, `YYYY-MM-DD`.
    pub date: String,
    /// The salary month, `YYYY-MM`.
    pub month: String,
    /// How many EDRs.
    pub count: usize,
    /// Their total, minor units.
    pub total: u64,
    /// ISO 4217.
    pub currency: String,
}

/// A whole file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sif {
    /// Every EDR, in order.
    pub edrs: Vec<Edr>,
    /// The control record.
    pub scr: Scr,
}

/// Why a file is refused: the line (1-based), the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {field}: {rule}")]
pub struct SifError {
    /// The line.
    pub line: usize,
    /// The field (`EDR.fixed`, `SCR.total`, …).
    pub field: String,
    /// What is wrong.
    pub rule: String,
}

fn err(line: usize, field: &str, rule: impl Into<String>) -> SifError {
    SifError {
        line,
        field: field.into(),
        rule: rule.into(),
    }
}

/// An amount with exactly two decimals (`4000.00`) as minor units.
fn amount(line: usize, field: &str, s: &str) -> Result<u64, SifError> {
    crate::terms::parse_amount(s, true).ok_or_else(|| {
        err(
            line,
            field,
            format!("{s:?} is not an amount with two decimals (4000.00)"),
        )
    })
}

fn digits(
    line: usize,
    field: &str,
    s: &str,
    lens: std::ops::RangeInclusive<usize>,
) -> Result<String, SifError> {
    if lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(err(
            line,
            field,
            format!("{s:?}: {} to {} digits", lens.start(), lens.end()),
        ))
    }
}

fn date(line: usize, field: &str, s: &str) -> Result<String, SifError> {
    if crate::terms::is_date(s) {
        Ok(s.to_owned())
    } else {
        Err(err(line, field, format!("{s:?} is not a date YYYY-MM-DD")))
    }
}

fn small(line: usize, field: &str, s: &str, max: u32) -> Result<u32, SifError> {
    s.parse::<u32>()
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(|| err(line, field, format!("{s:?}: a whole number 0 to {max}")))
}

fn text(line: usize, field: &str, s: &str, max: usize) -> Result<String, SifError> {
    if s.is_empty() || s.len() > max || s.chars().any(char::is_control) {
        return Err(err(
            line,
            field,
            format!("1 to {max} characters, no control characters"),
        ));
    }
    Ok(s.to_owned())
}

/// Reads a SIF.
pub fn parse(bytes: &[u8]) -> Result<Sif, SifError> {
    if bytes.len() > MAX_BYTES {
        return Err(err(
            0,
            "file",
            format!("is {} bytes; at most {MAX_BYTES}", bytes.len()),
        ));
    }
    let text_ =
        std::str::from_utf8(bytes).map_err(|e| err(0, "file", format!("not UTF-8: {e}")))?;
    let mut edrs = Vec::new();
    let mut scr: Option<Scr> = None;
    for (i, raw) in text_.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            continue;
        }
        if scr.is_some() {
            return Err(err(line, "record", "nothing may follow the SCR"));
        }
        let f: Vec<&str> = raw.split(',').map(str::trim).collect();
        match f[0] {
            "EDR" => {
                if f.len() != 10 {
                    return Err(err(
                        line,
                        "EDR",
                        format!("has {} fields; an EDR has 10", f.len()),
                    ));
                }
                let edr = Edr {
                    line,
                    employee: text(line, "EDR.employee", f[1], 35)?,
                    routing: digits(line, "EDR.routing", f[2], 9..=9)?,
                    account: text(line, "EDR.account", f[3], 34)?,
                    start: date(line, "EDR.start", f[4])?,
                    end: date(line, "EDR.end", f[5])?,
                    days: small(line, "EDR.days", f[6], 31)?,
                    fixed: amount(line, "EDR.fixed", f[7])?,
                    variable: amount(line, "EDR.variable", f[8])?,
                    leave: small(line, "EDR.leave", f[9], 31)?,
                };
                if edr.end < edr.start {
                    return Err(err(line, "EDR.end", "before the start"));
                }
                edrs.push(edr);
            }
            "EVP" => {} // the variable pay's breakdown: the EDR carries its total
            "SCR" => {
                if f.len() != 10 {
                    return Err(err(
                        line,
                        "SCR",
                        format!("has {} fields; an SCR has 10", f.len()),
                    ));
                }
                let mmyyyy = digits(line, "SCR.month", f[5], 6..=6)?;
                let month = format!("{}-{}", &mmyyyy[2..], &mmyyyy[..2]);
                if !(1..=12).contains(&mmyyyy[..2].parse::<u32>().unwrap_or(0)) {
                    return Err(err(line, "SCR.month", format!("{mmyyyy}: MMYYYY")));
                }
                let count = small(line, "SCR.count", f[6], 1_000_000)? as usize;
                let currency = f[8];
                if !crate::terms::is_upper_code(currency, 3) {
                    return Err(err(
                        line,
                        "SCR.currency",
                        format!("{currency:?}: an ISO 4217 code"),
                    ));
                }
                scr = Some(Scr {
                    employer: digits(line, "SCR.employer", f[1], 1..=13)?,
                    date: date(line, "SCR.date", f[3])?,
                    month,
                    count,
                    total: amount(line, "SCR.total", f[7])?,
                    currency: currency.into(),
                });
                digits(line, "SCR.routing", f[2], 9..=9)?;
                digits(line, "SCR.time", f[4], 4..=4)?;
                if count != edrs.len() {
                    return Err(err(
                        line,
                        "SCR.count",
                        format!("says {count} EDRs; the file has {}", edrs.len()),
                    ));
                }
                let sum: u64 = edrs.iter().map(|e| e.fixed + e.variable).sum();
                if scr.as_ref().is_some_and(|s| s.total != sum) {
                    return Err(err(
                        line,
                        "SCR.total",
                        format!("is not the EDRs' total {}.{:02}", sum / 100, sum % 100),
                    ));
                }
            }
            other => {
                return Err(err(
                    line,
                    "record",
                    format!("{other:?} is not EDR, EVP or SCR"),
                ));
            }
        }
    }
    let scr = scr.ok_or_else(|| {
        err(
            text_.lines().count(),
            "SCR",
            "missing: the file must end with one",
        )
    })?;
    Ok(Sif { edrs, scr })
}

/// Pay records of the file's workers: `workers` maps employee ids to pseudonymous worker
/// ids (an id it does not map is an error naming the line), `token` turns an account
/// number into its token, and the file's date is the payment date.
pub fn to_pay_records(
    sif: &Sif,
    workers: &BTreeMap<String, String>,
    token: impl Fn(&str) -> String,
) -> Result<Vec<PayRecord>, SifError> {
    sif.edrs
        .iter()
        .map(|e| {
            let worker = workers.get(&e.employee).ok_or_else(|| {
                err(
                    e.line,
                    "EDR.employee",
                    "not in the table of workers' pseudonymous ids",
                )
            })?;
            Ok(PayRecord {
                worker: worker.clone(),
                month: sif.scr.month.clone(),
                currency: sif.scr.currency.clone(),
                basic: e.fixed,
                overtime_hours: 0,
                overtime_pay: e.variable,
                deductions: Vec::new(),
                paid_on: Some(sif.scr.date.clone()),
                account: token(&e.account),
            })
        })
        .collect()
}
