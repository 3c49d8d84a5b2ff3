//! A whole read on two threads: one turns the file into rows of text (splitting a CSV,
//! rendering a Parquet or Arrow batch), the other parses them into records
//! ([`parse_fields`]: values, names, labels). Rows go across in batches through a bounded
//! channel, so at most a few batches are in flight whatever the file's size, and emptied
//! batches come back to be refilled (their rows keep their allocations).

use super::formats::Layout;
use super::{Format, InputError, Loaded, Names, Options, Record, RowError, Sink, parse_fields};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender};

/// What parsing rows builds up: the names, the rows left out, the labels.
pub(super) struct Parsed {
    /// Where each column is.
    pub layout: Layout,
    /// How to read.
    pub options: Options,
    /// Names seen so far.
    pub names: Names,
    /// Rows left out on purpose, by reason.
    pub ignored: BTreeMap<&'static str, u64>,
    /// Positions of the records labelled as laundering.
    pub labelled: Vec<u32>,
    /// The earliest and latest time read.
    pub span: Option<(i64, i64)>,
}

impl Parsed {
    /// For files whose header is `header`, read as `options` say.
    pub fn new(header: Vec<String>, options: Options) -> Result<Self, InputError> {
        let format = options.format.unwrap_or_else(|| Format::detect(&header));
        Ok(Parsed::with_layout(Layout::new(format, header)?, options))
    }

    /// For rows laid out as `layout`.
    pub fn with_layout(layout: Layout, options: Options) -> Self {
        Parsed {
            layout,
            options,
            names: Names::default(),
            ignored: BTreeMap::new(),
            labelled: Vec::new(),
            span: None,
        }
    }

    /// `row` (at `line`) as a record; `Ok(None)` when it is left out on purpose.
    pub fn parse(
        &mut self,
        row: &csv::StringRecord,
        line: u64,
    ) -> Result<Option<Record>, RowError> {
        let mut sink = Sink {
            names: &mut self.names,
            ignored: &mut self.ignored,
            labelled: &mut self.labelled,
            span: &mut self.span,
        };
        parse_fields(row, line, &self.layout, &self.options, &mut sink)
    }
}

/// Rows per batch handed from the splitting thread to the parsing one.
pub(super) const BATCH_ROWS: usize = 4_096;

/// Batches in flight between the two threads (beyond the one each is working on).
pub(super) const IN_FLIGHT: usize = 4;

/// Rows split from the file, handed to the parsing thread.
#[derive(Default)]
pub(super) struct Batch {
    /// The rows; only those whose entry in `lines` is a line are filled.
    pub rows: Vec<csv::StringRecord>,
    /// Each row's line, or the error read in its place.
    pub lines: Vec<Result<u64, RowError>>,
    /// How far the read is at the end of the batch, for the progress callback (bytes of
    /// a CSV file, thousandths of a columnar one's rows).
    pub progress: u64,
}

impl Batch {
    /// The row after those in `lines`, to fill (kept from an earlier use if any).
    pub fn next_row(&mut self) -> &mut csv::StringRecord {
        let i = self.lines.len();
        if self.rows.len() == i {
            self.rows.push(csv::StringRecord::new());
        }
        &mut self.rows[i]
    }
}

impl Parsed {
    /// Parses the batches `full` brings until it closes (or the first bad row, when bad
    /// rows are not skipped), handing each emptied batch back through `empty` for reuse;
    /// `progress` gets each batch's progress every 64 Ki rows and at the end. An error in
    /// place of a batch (a broken file) ends the read.
    pub fn parse_batches(
        mut self,
        full: Receiver<Result<Batch, InputError>>,
        empty: Sender<Batch>,
        mut progress: impl FnMut(u64),
    ) -> Result<Loaded, InputError> {
        let mut records = Vec::new();
        let mut skipped = Vec::new();
        let mut n = 0u64;
        let mut last = 0;
        for b in full {
            let b = b?;
            for (row, line) in b.rows.iter().zip(&b.lines) {
                let outcome = match line {
                    Ok(line) => self.parse(row, *line),
                    Err(e) => Err(e.clone()),
                };
                match outcome {
                    Ok(Some(rec)) => records.push(rec),
                    Ok(None) => {}
                    Err(e) if self.options.skip_bad_rows => skipped.push(e),
                    Err(e) => return Err(InputError::Row(e)),
                }
                n += 1;
                if n.is_multiple_of(65_536) {
                    progress(b.progress);
                }
            }
            last = b.progress;
            // The splitting side may have finished: a batch it will not reuse is dropped.
            let _ = empty.send(b);
        }
        progress(last);
        Ok(Loaded {
            format: self.layout.format,
            records,
            names: self.names,
            skipped,
            ignored: self.ignored,
            labelled: self.labelled,
            span: self.span,
        })
    }
}
