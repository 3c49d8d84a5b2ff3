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
//! is an [`RowError`] naming its line, column and reason.

use rustc_hash::FxHashMap;
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

/// A set of names, each given a dense index in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    index: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    /// The index of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The name of index `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
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
    pub ids: Vec<String>,
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
    #[error(
        "the header has no `{0}` column (required: id, timestamp, from, to, amount, currency, channel)"
    )]
    MissingColumn(&'static str),
    /// The CSV itself is broken (I/O, encoding).
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// A malformed row, when bad rows are not skipped.
    #[error("{0}")]
    Row(RowError),
}

/// Column positions of the generic schema.
#[derive(Debug, Clone, Copy)]
struct Columns {
    id: usize,
    ts: usize,
    from: usize,
    to: usize,
    amount: usize,
    currency: usize,
    channel: usize,
    mcc: Option<usize>,
    country: Option<usize>,
}

const REQUIRED: [&str; 7] = [
    "id",
    "timestamp",
    "from",
    "to",
    "amount",
    "currency",
    "channel",
];

/// Parses a positive decimal with at most 6 decimals into millionths.
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.starts_with('-') {
        return Err(format!(
            "{s:?} is negative: amounts are positive (direction is from → to)"
        ));
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{s:?} is not a decimal number"));
    }
    if frac.len() > 6 {
        return Err(format!("{s:?} has more than 6 decimals"));
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("{s:?} is too large"))?
    };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse()
            .map_err(|_| format!("{s:?} is not a decimal number"))?
    };
    for _ in frac.len()..6 {
        f *= 10;
    }
    let v = whole
        .checked_mul(SCALE)
        .and_then(|w| w.checked_add(f))
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if v == 0 {
        return Err("is zero".into());
    }
    Ok(v)
}

/// Parses Unix seconds or an RFC 3339 time (without a zone: UTC).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let t = humantime::parse_rfc3339_weak(s)
        .map_err(|_| format!("{s:?} is neither Unix seconds nor an RFC 3339 time"))?;
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("{s:?} is before 1970"))?
        .as_secs();
    Ok(secs as i64)
}

/// Passes bytes through, noting where each line feed is, so rows are numbered by physical
/// line (the `csv` crate's own count is off in CRLF files and after blank lines).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    newlines: std::collections::VecDeque<u64>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// A streaming reader of the generic schema.
pub struct Reader<R: Read> {
    csv: csv::Reader<LineCounter<R>>,
    /// Physical lines before the last byte offset asked about.
    lines_before: u64,
    cols: Columns,
    row: csv::StringRecord,
    /// Names seen so far.
    pub names: Names,
}

impl<R: Read> Reader<R> {
    /// Reads the header of `input`.
    pub fn new(input: R) -> Result<Self, InputError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(LineCounter {
                inner: input,
                offset: 0,
                newlines: std::collections::VecDeque::new(),
            });
        let header = csv.headers()?.clone();
        let find = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
        let mut req = [0usize; 7];
        for (i, name) in REQUIRED.iter().enumerate() {
            req[i] = find(name).ok_or(InputError::MissingColumn(name))?;
        }
        Ok(Reader {
            csv,
            cols: Columns {
                id: req[0],
                ts: req[1],
                from: req[2],
                to: req[3],
                amount: req[4],
                currency: req[5],
                channel: req[6],
                mcc: find("mcc"),
                country: find("country"),
            },
            row: csv::StringRecord::new(),
            names: Names::default(),
            lines_before: 0,
        })
    }

    /// The next record: `None` at the end, `Some(Err)` for a malformed row (the reader
    /// goes on with the next).
    pub fn next_record(&mut self) -> Option<Result<Record, RowError>> {
        match self.csv.read_record(&mut self.row) {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map(|p| self.line_at(p.byte())).unwrap_or(0);
                Some(Err(RowError {
                    line,
                    column: "row".into(),
                    reason: e.to_string(),
                }))
            }
            Ok(true) => Some(self.parse_row()),
        }
    }

    /// The physical line (1-based, as an editor counts, whatever the line ends) holding
    /// byte `at`. Byte offsets only grow as rows are read, so the newlines passed are
    /// counted once and forgotten.
    fn line_at(&mut self, mut at: u64) -> u64 {
        let seen = &mut self.csv.get_mut().newlines;
        while seen.front().is_some_and(|&nl| nl < at) {
            seen.pop_front();
            self.lines_before += 1;
        }
        // A record's position is where the parser started, before any blank lines it
        // skipped: a line feed at once (or after one `\r`) is such a blank line. (A
        // malformed row of one character would be numbered one line late.)
        while let Some(&nl) = seen.front() {
            if nl != at && nl != at + 1 {
                break;
            }
            seen.pop_front();
            self.lines_before += 1;
            at = nl + 1;
        }
        self.lines_before + 1
    }

    fn parse_row(&mut self) -> Result<Record, RowError> {
        let at = self.row.position().map(|p| p.byte()).unwrap_or(0);
        let line = self.line_at(at);
        let (row, names) = (&self.row, &mut self.names);
        let c = self.cols;
        let err = |col: usize, reason: String| RowError {
            line,
            column: REQUIRED
                .iter()
                .zip([c.id, c.ts, c.from, c.to, c.amount, c.currency, c.channel])
                .find(|(_, i)| *i == col)
                .map(|(n, _)| n.to_string())
                .unwrap_or_else(|| {
                    if Some(col) == c.mcc {
                        "mcc".into()
                    } else {
                        "country".into()
                    }
                }),
            reason,
        };
        let field = |col: usize| -> Result<&str, RowError> {
            match row.get(col) {
                Some(v) if !v.is_empty() => Ok(v),
                Some(_) => Err(err(col, "is empty".into())),
                None => Err(err(
                    col,
                    format!("is missing: the row has {} columns", row.len()),
                )),
            }
        };
        let id = field(c.id)?.to_owned();
        let ts = parse_time(field(c.ts)?).map_err(|r| err(c.ts, r))?;
        let from = field(c.from)?;
        let to = field(c.to)?;
        if from == to {
            return Err(err(c.to, format!("is the paying account {from:?} itself")));
        }
        let amount = parse_amount(field(c.amount)?).map_err(|r| err(c.amount, r))?;
        let currency = field(c.currency)?;
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
                c.currency,
                format!("{currency:?} is not a currency code"),
            ));
        }
        let channel = field(c.channel)?;
        let channel: std::borrow::Cow<'_, str> = if channel.bytes().any(|b| b.is_ascii_uppercase())
        {
            channel.to_ascii_lowercase().into()
        } else {
            channel.into()
        };
        let mcc = match c
            .mcc
            .and_then(|i| self.row.get(i))
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(v) => Some(
                v.parse::<u16>()
                    .ok()
                    .filter(|n| *n <= 9999 && v.len() == 4)
                    .ok_or_else(|| {
                        err(
                            c.mcc.unwrap_or(0),
                            format!("{v:?} is not a 4-digit merchant category code"),
                        )
                    })?,
            ),
        };
        let country = match c
            .country
            .and_then(|i| self.row.get(i))
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(v) => {
                let b = v.as_bytes();
                if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
                    return Err(err(
                        c.country.unwrap_or(0),
                        format!("{v:?} is not an ISO 3166 alpha-2 code"),
                    ));
                }
                Some([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
            }
        };
        let n = names;
        let rec = Record {
            ts,
            from: n.accounts.intern(from),
            to: n.accounts.intern(to),
            amount,
            currency: n.currencies.intern(&currency) as u16,
            channel: n.channels.intern(&channel) as u16,
            mcc,
            country,
        };
        n.ids.push(id);
        Ok(rec)
    }

    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.csv.position().byte()
    }
}

/// What a whole read produced.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The records, in file order.
    pub records: Vec<Record>,
    /// Their names.
    pub names: Names,
    /// Rows skipped, with why (all of them when skipping).
    pub skipped: Vec<RowError>,
}

/// Reads all of `input`. With `skip_bad_rows`, malformed rows are collected in
/// [`Loaded::skipped`]; without, the first one is the error. `progress` is called with
/// the bytes read every 64 Ki rows.
pub fn read_all<R: Read>(
    input: R,
    skip_bad_rows: bool,
    mut progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let mut reader = Reader::new(input)?;
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let mut n = 0u64;
    while let Some(r) = reader.next_record() {
        match r {
            Ok(rec) => records.push(rec),
            Err(e) if skip_bad_rows => skipped.push(e),
            Err(e) => return Err(InputError::Row(e)),
        }
        n += 1;
        if n.is_multiple_of(65_536) {
            progress(reader.bytes_read());
        }
    }
    progress(reader.bytes_read());
    Ok(Loaded {
        records,
        names: reader.names,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_parse_exactly_and_bad_ones_say_why() {
        assert_eq!(parse_amount("1250.5"), Ok(1_250_500_000));
        assert_eq!(parse_amount("0.000001"), Ok(1));
        assert_eq!(parse_amount(".5"), Ok(500_000));
        assert!(parse_amount("-3").expect_err("neg").contains("negative"));
        assert!(
            parse_amount("1.0000001")
                .expect_err("dec")
                .contains("6 decimals")
        );
        assert!(
            parse_amount("12a")
                .expect_err("nan")
                .contains("not a decimal")
        );
        assert!(parse_amount("0").expect_err("zero").contains("zero"));
        assert!(
            parse_amount("99999999999999999999")
                .expect_err("big")
                .contains("too large")
        );
        assert_eq!(parse_time("1767225600"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01 00:00:00"), Ok(1_767_225_600));
        assert!(parse_time("yesterday").is_err());
    }

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
            "line 3, column timestamp: \"not-a-time\" is neither Unix seconds nor an RFC 3339 time"
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
