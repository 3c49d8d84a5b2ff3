//! Transactions from CSV, in the generic schema:
//!
//! | column | required | meaning |
//! | --- | --- | --- |
//! | `id` | yes | the transaction's id in the source system (any text) |
//! | `timestamp` | yes | Unix seconds, or RFC 3339 (`2026-03-01T14:05:00Z`, or without zone: UTC) |
//! | `from` | yes | the paying account (any text: IBAN, account number, crypto address) |
//! | `to` | yes | the receiving account |
//! | `amount` | yes | a positive decimal, up to 6 decimals (`1250.50`) |
//! | `currency` | yes | ISO 4217 code or a crypto ticker (`THB`, `USD`, `BTC`) |
//! | `channel` | yes | how: `wire`, `card`, `cash`, `ach`, `cheque`, `crypto`, `mobile`, … |
//! | `mcc` | no | the merchant category code of a card payment (4 digits) |
//! | `country` | no | ISO 3166 alpha-2 of the counterparty |
//!
//! Columns are found by header name, in any order; other columns are ignored. Rows are
//! read one at a time ([`Reader`]), so files larger than memory stream; each malformed row
//! is an [`RowError`] naming its line, column and reason. The published formats of AMLSim,
//! IBM's AML data and crypto exports are read too ([`formats`]), recognised by header.

mod columnar;
mod csv_file;
mod formats;
mod interner;
mod pipeline;
mod value;

pub use columnar::{Container, read_columnar, read_columnar_bytes};
pub use csv_file::{Reader, read_all, read_with};
pub use formats::{Format, altman_currency};
pub use interner::Interner;
pub use value::{parse_amount, parse_base_units, parse_decimal, parse_time};

use formats::Layout;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::Read;

/// An amount in millionths of a currency unit.
pub type Amount = i64;

/// Millionths per unit.
pub const SCALE: i64 = 1_000_000;

/// One transaction, with accounts, currency and channel interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Unix seconds.
    pub ts: i64,
    /// Paying account (index into [`Names::accounts`]).
    pub from: u32,
    /// Receiving account.
    pub to: u32,
    /// Millionths of the currency unit.
    pub amount: Amount,
    /// Index into [`Names::currencies`].
    pub currency: u16,
    /// Index into [`Names::channels`].
    pub channel: u16,
    /// Merchant category code, if any.
    pub mcc: Option<u16>,
    /// Counterparty country (two ASCII letters), if any.
    pub country: Option<[u8; 2]>,
}

/// The names behind the indexes in [`Record`]s.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Accounts.
    pub accounts: Interner,
    /// Currencies.
    pub currencies: Interner,
    /// Channels.
    pub channels: Interner,
    /// Source ids, by record position.
    pub ids: Ids,
}

/// Source ids by record position, in one buffer: a `String` each would cost about 40
/// bytes of bookkeeping per payment (640 MB at 16 M rows) besides the text.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    text: String,
    ends: Vec<u64>,
}

impl Ids {
    /// Appends the next record's id.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u64);
    }

    /// The id of record `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + 8 * self.ends.capacity()
    }
}

impl std::ops::Index<usize> for Ids {
    type Output = str;

    /// The id of record `i` (panics past the end, as a slice does).
    fn index(&self, i: usize) -> &str {
        self.get(i).expect("record index within the ids")
    }
}

/// A malformed row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {reason}")]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The column's header name (or `row` for the whole row).
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The header lacks a required column.
    #[error("the header has no `{column}` column, which the {format} format needs")]
    MissingColumn {
        /// The format read.
        format: &'static str,
        /// The column.
        column: &'static str,
    },
    /// The CSV itself is broken (I/O, encoding).
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// A malformed row, when bad rows are not skipped.
    #[error("{0}")]
    Row(RowError),
    /// A Parquet or Arrow IPC file that cannot be read as a whole.
    #[error("{0}")]
    Columnar(String),
    /// A scan a time slice at a time that cannot run ([`crate::sliced`]).
    #[error("{0}")]
    Sliced(String),
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct Options {
    /// The format; `None` recognises it by the header.
    pub format: Option<Format>,
    /// Collect malformed rows in [`Loaded::skipped`] instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// The currency of rows whose format has none (AMLSim without `accounts.csv`, crypto
    /// without a `symbol` column). Default `USD`.
    pub currency: String,
    /// Decimals of a crypto `value` in base units. Default 18 (wei).
    pub crypto_decimals: u32,
    /// Each account's currency (AMLSim's `accounts.csv`: `acct_id`, `acct_rptng_crncy`).
    pub account_currency: FxHashMap<String, String>,
    /// Only rows whose time falls in this range are kept; the others are passed over once
    /// their time is read, before their other fields (one time slice of a file larger
    /// than memory: [`crate::sliced`]). `None`: every row.
    pub times: Option<std::ops::Range<i64>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            skip_bad_rows: false,
            currency: "USD".into(),
            crypto_decimals: 18,
            account_currency: FxHashMap::default(),
            times: None,
        }
    }
}

/// Self-transfers, left out of the published formats.
const SELF_TRANSFER: &str = "self-transfers (the same account both sides)";

/// Crypto transfers of no value.
const NO_VALUE: &str = "transfers of no value (contract calls, dust under a millionth)";

/// Where parsed rows leave what they name: the names, the rows left out, the labels.
pub(crate) struct Sink<'a> {
    pub names: &'a mut Names,
    pub ignored: &'a mut BTreeMap<&'static str, u64>,
    pub labelled: &'a mut Vec<u32>,
    pub span: &'a mut Option<(i64, i64)>,
}

/// One row's cells as a record (`line` numbers it in errors and is the id when the layout
/// has no id column); `Ok(None)` when it is left out on purpose. Shared by the CSV reader
/// and the columnar one (Parquet, Arrow IPC), so every format is validated alike.
pub(crate) fn parse_fields(
    row: &csv::StringRecord,
    line: u64,
    l: &Layout,
    o: &Options,
    sink: &mut Sink<'_>,
) -> Result<Option<Record>, RowError> {
    {
        let names = &mut *sink.names;
        let err = |col: usize, reason: String| RowError {
            line,
            column: l.column(col),
            reason,
        };
        let field = |col: usize| -> Result<&str, RowError> {
            match row.get(col).map(str::trim) {
                Some(v) if !v.is_empty() => Ok(v),
                Some(_) => Err(err(col, "is empty".into())),
                None => Err(err(
                    col,
                    format!("is missing: the row has {} columns", row.len()),
                )),
            }
        };
        let optional = |col: Option<usize>| {
            col.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let id: std::borrow::Cow<'_, str> = match l.id {
            Some(c) => field(c)?.into(),
            None => format!("line {line}").into(),
        };
        let ts = match l.time_unit_s {
            1 => parse_time(field(l.ts)?),
            unit => {
                let v = field(l.ts)?;
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .and_then(|n| n.checked_mul(unit))
                    .ok_or_else(|| format!("{v:?} is not a simulation step (a whole number)"))
            }
        }
        .map_err(|r| err(l.ts, r))?;
        let span = sink.span.get_or_insert((ts, ts));
        *span = (span.0.min(ts), span.1.max(ts));
        if o.times.as_ref().is_some_and(|r| !r.contains(&ts)) {
            return Ok(None);
        }
        let account =
            |bank: Option<usize>, col: usize| -> Result<std::borrow::Cow<'_, str>, RowError> {
                let acct = field(col)?;
                Ok(match bank {
                    Some(b) => format!("{}/{acct}", field(b)?).into(),
                    None => acct.into(),
                })
            };
        let from = account(l.from_bank, l.from)?;
        let to = account(l.to_bank, l.to)?;
        let published = l.format != Format::Generic;
        if from == to {
            if published {
                *sink.ignored.entry(SELF_TRANSFER).or_default() += 1;
                return Ok(None);
            }
            return Err(err(l.to, format!("is the paying account {from:?} itself")));
        }
        let raw_amount = field(l.amount)?;
        let amount = match l.format {
            Format::Crypto if !raw_amount.contains('.') => {
                parse_base_units(raw_amount, o.crypto_decimals)
            }
            Format::Crypto => parse_decimal(raw_amount, true),
            _ => parse_amount(raw_amount),
        };
        let amount = match amount {
            Err(r) if r == "is zero" && l.format == Format::Crypto => {
                *sink.ignored.entry(NO_VALUE).or_default() += 1;
                return Ok(None);
            }
            a => a.map_err(|r| err(l.amount, r))?,
        };
        let currency: &str = match l.currency {
            Some(c) if l.format == Format::Altman => {
                let name = field(c)?;
                altman_currency(name).ok_or_else(|| {
                    err(c, format!("{name:?} is not a currency of IBM's AML data"))
                })?
            }
            Some(c) if l.format == Format::Generic => field(c)?,
            Some(c) => optional(Some(c)).unwrap_or(&o.currency),
            None => o
                .account_currency
                .get(from.as_ref())
                .map(String::as_str)
                .unwrap_or(&o.currency),
        };
        let currency: std::borrow::Cow<'_, str> =
            if currency.bytes().any(|b| b.is_ascii_lowercase()) {
                currency.to_ascii_uppercase().into()
            } else {
                currency.into()
            };
        if !(2..=10).contains(&currency.len())
            || !currency.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(err(
                l.currency.unwrap_or(l.amount),
                format!("{currency:?} is not a currency code"),
            ));
        }
        let channel: std::borrow::Cow<'_, str> = match l.channel {
            None => l.default_channel.into(),
            Some(c) => {
                let v = field(c)?;
                if v.bytes()
                    .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b'-')
                {
                    v.to_ascii_lowercase().replace([' ', '-'], "_").into()
                } else {
                    v.into()
                }
            }
        };
        let mcc = match optional(l.mcc) {
            None => None,
            Some(v) => Some(
                v.parse::<u16>()
                    .ok()
                    .filter(|n| *n <= 9999 && v.len() == 4)
                    .ok_or_else(|| {
                        err(
                            l.mcc.unwrap_or(0),
                            format!("{v:?} is not a 4-digit merchant category code"),
                        )
                    })?,
            ),
        };
        let country = match optional(l.country) {
            None => None,
            Some(v) => {
                let b = v.as_bytes();
                if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
                    return Err(err(
                        l.country.unwrap_or(0),
                        format!("{v:?} is not an ISO 3166 alpha-2 code"),
                    ));
                }
                Some([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
            }
        };
        let labelled = match optional(l.label) {
            None | Some("0") => false,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some("1") => true,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) => {
                return Err(err(
                    l.label.unwrap_or(0),
                    format!("{v:?} is not a label (1/0, true/false)"),
                ));
            }
        };
        let n = names;
        let rec = Record {
            ts,
            from: n.accounts.intern(&from),
            to: n.accounts.intern(&to),
            amount,
            currency: n.currencies.intern(&currency) as u16,
            channel: n.channels.intern(&channel) as u16,
            mcc,
            country,
        };
        if labelled {
            sink.labelled.push(n.ids.len() as u32);
        }
        n.ids.push(&id);
        Ok(Some(rec))
    }
}

/// What a whole read produced.
#[derive(Debug)]
pub struct Loaded {
    /// The format read.
    pub format: Format,
    /// The records, in file order.
    pub records: Vec<Record>,
    /// Their names.
    pub names: Names,
    /// Rows skipped, with why (all of them when skipping).
    pub skipped: Vec<RowError>,
    /// Rows left out on purpose, by reason.
    pub ignored: BTreeMap<&'static str, u64>,
    /// Positions of the records the source labels as laundering.
    pub labelled: Vec<u32>,
    /// The earliest and latest time of the rows read, kept or not (`None`: no row had a
    /// readable time).
    pub span: Option<(i64, i64)>,
}

/// Each account's currency from AMLSim's `accounts.csv` (`acct_id`, `acct_rptng_crncy`).
pub fn amlsim_account_currencies<R: Read>(
    input: R,
) -> Result<FxHashMap<String, String>, InputError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(input);
    let header = csv.headers()?.clone();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or(InputError::MissingColumn {
                format: "amlsim accounts.csv",
                column: name,
            })
    };
    let (id, cur) = (col("acct_id")?, col("acct_rptng_crncy")?);
    let mut out = FxHashMap::default();
    for row in csv.records() {
        let row = row?;
        if let (Some(a), Some(c)) = (row.get(id), row.get(cur))
            && !c.is_empty()
        {
            out.insert(a.to_owned(), c.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_as_an_editor_shows_them_with_crlf_and_blank_lines() {
        for nl in ["\n", "\r\n"] {
            let csv = format!(
                "id,timestamp,from,to,amount,currency,channel{nl}{nl}\
                 a,1767225600,A,B,1,USD,wire{nl}{nl}{nl}\
                 b,later,A,B,1,USD,wire{nl}\
                 c,1767225600,A,B,-1,USD,wire{nl}"
            );
            let l = read_all(csv.as_bytes(), true, |_| {}).expect("read");
            let lines: Vec<u64> = l.skipped.iter().map(|e| e.line).collect();
            assert_eq!(lines, vec![6, 7], "line ends {nl:?}: {:?}", l.skipped);
        }
    }

    #[test]
    fn cells_are_read_without_the_spaces_around_them() {
        let csv = "id , timestamp,from,to,amount,currency,channel\n\
                   t1 , 1767225600 ,\u{a0}A , B\t, 100.50 , thb , Wire \n";
        let l = read_all(csv.as_bytes(), false, |_| {}).expect("read");
        let r = l.records[0];
        assert_eq!(l.names.accounts.name(r.from), "A");
        assert_eq!(l.names.accounts.name(r.to), "B");
        assert_eq!(r.amount, 100_500_000);
        assert_eq!(r.ts, 1_767_225_600);
        assert_eq!(l.names.currencies.name(0), "THB");
        assert_eq!(l.names.channels.name(0), "wire");
        assert_eq!(&l.names.ids[0], "t1");
    }

    #[test]
    fn every_kind_of_bad_row_is_named_by_line_and_column() {
        let csv = "\
id,timestamp,from,to,amount,currency,channel,mcc,country
t1,1767225600,A,B,100.00,THB,wire,,TH
t2,not-a-time,A,B,100,THB,wire,,
t3,1767225600,A,A,100,THB,wire,,
t4,1767225600,A,B,-5,THB,wire,,
t5,1767225600,A,B,5,T$B,wire,,
t6,1767225600,A,B,5,THB,card,12345,
t7,1767225600,A,B,5,THB,card,5812,THA
t8,1767225600,,B,5,THB,wire,,
t9,1767225600,A
t10,1767225601,B,C,7.5,thb,Card,5812,gb
";
        let all = read_all(csv.as_bytes(), true, |_| {}).expect("read");
        assert_eq!(all.records.len(), 2);
        let got: Vec<(u64, &str)> = all
            .skipped
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "timestamp"),
                (4, "to"),
                (5, "amount"),
                (6, "currency"),
                (7, "mcc"),
                (8, "country"),
                (9, "from"),
                (10, "to"),
            ]
        );
        assert!(
            all.skipped[7].reason.contains("missing"),
            "{}",
            all.skipped[7]
        );
        let last = all.records[1];
        assert_eq!(all.names.currencies.name(last.currency as u32), "THB");
        assert_eq!(all.names.channels.name(last.channel as u32), "card");
        assert_eq!(last.country, Some(*b"GB"));
        assert_eq!(last.mcc, Some(5812));
        let strict = read_all(csv.as_bytes(), false, |_| {}).expect_err("strict");
        assert_eq!(
            strict.to_string(),
            "line 3, column timestamp: \"not-a-time\" is neither Unix seconds nor a date and time"
        );
        let no_col = read_all(
            "id,timestamp,from,to,amount,currency\n".as_bytes(),
            false,
            |_| {},
        );
        assert!(
            no_col
                .expect_err("header")
                .to_string()
                .contains("`channel`")
        );
    }
}
