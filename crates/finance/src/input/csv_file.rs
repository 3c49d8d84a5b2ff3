//! CSV files: split into rows (numbered by physical line) and parsed into records.
//!
//! A whole read ([`read_with`]) splits the file into rows on one thread and parses them on
//! another ([`super::pipeline`]); the records, errors and names are exactly those of
//! reading row by row ([`Reader`]), in the same order.

use super::pipeline::{BATCH_ROWS, Batch, IN_FLIGHT, Parsed};
use super::{Format, InputError, Loaded, Names, Options, Record, RowError};
use std::collections::BTreeMap;
use std::io::Read;

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

/// A CSV file's rows, each with its physical line.
struct Rows<R: Read> {
    csv: csv::Reader<LineCounter<R>>,
    /// Physical lines before the last byte offset asked about.
    lines_before: u64,
}

impl<R: Read> Rows<R> {
    /// Reads the header of `input`.
    fn new(input: R) -> Result<(Self, Vec<String>), InputError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            // Cells are trimmed as the row parser reads them (only the columns it uses,
            // and alike for every container).
            .trim(csv::Trim::Headers)
            .from_reader(LineCounter {
                inner: input,
                offset: 0,
                newlines: std::collections::VecDeque::new(),
            });
        let header: Vec<String> = csv.headers()?.iter().map(str::to_owned).collect();
        Ok((
            Rows {
                csv,
                lines_before: 0,
            },
            header,
        ))
    }

    /// The next row into `row`, with its line: `None` at the end, `Some(Err)` for a row
    /// that cannot be split (the next call goes on after it).
    fn next_into(&mut self, row: &mut csv::StringRecord) -> Option<Result<u64, RowError>> {
        match self.csv.read_record(row) {
            Ok(false) => None,
            Ok(true) => {
                let at = row.position().map(|p| p.byte()).unwrap_or(0);
                Some(Ok(self.line_at(at)))
            }
            Err(e) => {
                let line = e.position().map(|p| self.line_at(p.byte())).unwrap_or(0);
                Some(Err(RowError {
                    line,
                    column: "row".into(),
                    reason: e.to_string(),
                }))
            }
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

    /// Bytes read so far.
    fn bytes_read(&self) -> u64 {
        self.csv.position().byte()
    }
}

/// A streaming reader of any of the [`Format`]s, one row at a time.
pub struct Reader<R: Read> {
    rows: Rows<R>,
    parsed: Parsed,
    row: csv::StringRecord,
}

impl<R: Read> Reader<R> {
    /// Reads the header of `input`, in the generic schema or any format it recognises.
    pub fn new(input: R) -> Result<Self, InputError> {
        Reader::with_options(input, Options::default())
    }

    /// Reads the header of `input` as `options` say.
    pub fn with_options(input: R, options: Options) -> Result<Self, InputError> {
        let (rows, header) = Rows::new(input)?;
        Ok(Reader {
            rows,
            parsed: Parsed::new(header, options)?,
            row: csv::StringRecord::new(),
        })
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.parsed.layout.format
    }

    /// Names seen so far.
    pub fn names(&self) -> &Names {
        &self.parsed.names
    }

    /// Rows left out on purpose so far, by reason (not errors: self-transfers, zero
    /// values).
    pub fn ignored(&self) -> &BTreeMap<&'static str, u64> {
        &self.parsed.ignored
    }

    /// Positions of the records labelled as laundering by the source so far (AMLSim,
    /// IBM's data).
    pub fn labelled(&self) -> &[u32] {
        &self.parsed.labelled
    }

    /// The earliest and latest time read so far.
    pub fn span(&self) -> Option<(i64, i64)> {
        self.parsed.span
    }

    /// The next record: `None` at the end, `Some(Err)` for a malformed row (the reader
    /// goes on with the next). Rows left out on purpose are counted in
    /// [`Reader::ignored`] and passed over.
    pub fn next_record(&mut self) -> Option<Result<Record, RowError>> {
        loop {
            match self.rows.next_into(&mut self.row)? {
                Err(e) => return Some(Err(e)),
                Ok(line) => match self.parsed.parse(&self.row, line) {
                    Ok(Some(r)) => return Some(Ok(r)),
                    Ok(None) => continue,
                    Err(e) => return Some(Err(e)),
                },
            }
        }
    }

    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.rows.bytes_read()
    }
}

/// Reads all of `input` (any format, recognised by its header). With `skip_bad_rows`,
/// malformed rows are collected in [`Loaded::skipped`]; without, the first one is the
/// error. `progress` is called with the bytes read every 64 Ki rows.
pub fn read_all<R: Read + Send>(
    input: R,
    skip_bad_rows: bool,
    progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    read_with(
        input,
        Options {
            skip_bad_rows,
            ..Options::default()
        },
        progress,
    )
}

/// Reads all of `input` as `options` say: the file is split into rows on one thread and
/// parsed on this one (see the module's documentation).
pub fn read_with<R: Read + Send>(
    input: R,
    options: Options,
    progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let (mut rows, header) = Rows::new(input)?;
    let parsed = Parsed::new(header, options)?;
    let (full, full_rx) = std::sync::mpsc::sync_channel(IN_FLIGHT);
    let (empty, empty_rx) = std::sync::mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            loop {
                let mut b = empty_rx.try_recv().unwrap_or_default();
                b.lines.clear();
                let mut done = false;
                while b.lines.len() < BATCH_ROWS {
                    let row = b.next_row();
                    match rows.next_into(row) {
                        Some(line) => b.lines.push(line),
                        None => {
                            done = true;
                            break;
                        }
                    }
                }
                b.progress = rows.bytes_read();
                // The parsing side stops at the first error when bad rows are not
                // skipped, and drops its end: nothing more to split then.
                if full.send(Ok(b)).is_err() || done {
                    return;
                }
            }
        });
        parsed.parse_batches(full_rx, empty, progress)
    })
}
