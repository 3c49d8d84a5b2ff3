//! Pay records from CSV, the form an employer's payroll system or a worker's own report
//! most often takes. One header line naming the columns (in any order), then one line per
//! worker and month:
//!
//! ```text
//! worker,month,currency,basic,overtime_hours,overtime_pay,deductions,paid_on,account
//! w-7f3a9c21e0,2026-03,QAR,1500.00,10,90.14,social_insurance:50.00,2026-04-05,acct-8c1f
//! ```
//!
//! Amounts have two decimals; `overtime_hours` one at most; `deductions` is `code:amount`
//! pairs separated by `;`; an empty `paid_on` means not paid. `overtime_hours`,
//! `overtime_pay` and `deductions` may be left out. Errors name the line (1-based, the
//! header is line 1) and the column; a file with any error is refused whole.

use crate::payroll::PayRecord;
use std::collections::BTreeMap;

/// Largest file read.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {column}: {rule}")]
pub struct CsvError {
    /// The line.
    pub line: usize,
    /// The column.
    pub column: String,
    /// What is wrong.
    pub rule: String,
}

fn err(line: usize, column: &str, rule: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column: column.into(),
        rule: rule.into(),
    }
}

const REQUIRED: [&str; 6] = ["worker", "month", "currency", "basic", "paid_on", "account"];
const OPTIONAL: [&str; 3] = ["overtime_hours", "overtime_pay", "deductions"];

/// `1500.00` (or `1500`) as minor units.
fn amount(line: usize, column: &str, s: &str) -> Result<u64, CsvError> {
    crate::terms::parse_amount(s, false)
        .ok_or_else(|| err(line, column, format!("{s:?} is not an amount (1500.00)")))
}

fn tenths(line: usize, s: &str) -> Result<u32, CsvError> {
    let bad = || {
        err(
            line,
            "overtime_hours",
            format!("{s:?}: hours with one decimal at most (12.5)"),
        )
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    if whole.is_empty()
        || whole.len() > 4
        || frac.len() != 1
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok(whole.parse::<u32>().map_err(|_| bad())? * 10 + frac.parse::<u32>().map_err(|_| bad())?)
}

/// Reads pay records.
pub fn parse(bytes: &[u8]) -> Result<Vec<PayRecord>, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(err(
            0,
            "file",
            format!("is {} bytes; at most {MAX_BYTES}", bytes.len()),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| err(1, "header", e.to_string()))?
        .clone();
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let Some(name) = REQUIRED.iter().chain(OPTIONAL.iter()).find(|n| **n == h) else {
            return Err(err(1, h, "not a column of a pay record"));
        };
        if at.insert(name, i).is_some() {
            return Err(err(1, h, "named twice"));
        }
    }
    if let Some(missing) = REQUIRED.iter().find(|n| !at.contains_key(*n)) {
        return Err(err(1, missing, "missing from the header"));
    }
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| err(line, "row", e.to_string()))?;
        let get = |c: &str| at.get(c).and_then(|i| row.get(*i)).unwrap_or("");
        let worker = get("worker");
        crate::body::check_worker("worker", worker).map_err(|e| err(line, "worker", e.reason))?;
        let month = get("month");
        let month_ok = crate::terms::is_month(month);
        if !month_ok {
            return Err(err(line, "month", format!("{month:?}: YYYY-MM")));
        }
        let currency = get("currency");
        if !crate::terms::is_upper_code(currency, 3) {
            return Err(err(
                line,
                "currency",
                format!("{currency:?}: an ISO 4217 code"),
            ));
        }
        let mut deductions = Vec::new();
        for pair in get("deductions")
            .split(';')
            .filter(|p| !p.trim().is_empty())
        {
            let (code, value) = pair
                .split_once(':')
                .ok_or_else(|| err(line, "deductions", format!("{pair:?}: code:amount")))?;
            let code = code.trim();
            crate::terms::check_code("deductions", code)
                .map_err(|e| err(line, "deductions", format!("{code:?}: {}", e.reason)))?;
            deductions.push((code.to_owned(), amount(line, "deductions", value.trim())?));
        }
        let paid_on = match get("paid_on") {
            "" => None,
            d => {
                if !crate::terms::is_date(d) {
                    return Err(err(
                        line,
                        "paid_on",
                        format!("{d:?}: YYYY-MM-DD, or empty if not paid"),
                    ));
                }
                Some(d.to_owned())
            }
        };
        let account = get("account");
        if account.is_empty() || account.len() > 100 || account.chars().any(char::is_control) {
            return Err(err(
                line,
                "account",
                "the account's token: 1 to 100 characters",
            ));
        }
        let optional_amount = |c: &str| match get(c) {
            "" => Ok(0),
            v => amount(line, c, v),
        };
        out.push(PayRecord {
            worker: worker.into(),
            month: month.into(),
            currency: currency.into(),
            basic: amount(line, "basic", get("basic"))?,
            overtime_hours: match get("overtime_hours") {
                "" => 0,
                v => tenths(line, v)?,
            },
            overtime_pay: optional_amount("overtime_pay")?,
            deductions,
            paid_on,
            account: account.into(),
        });
    }
    Ok(out)
}
