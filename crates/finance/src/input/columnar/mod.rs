//! Parquet and Arrow IPC input: the formats analysts' data already comes in (DuckDB,
//! pandas, Polars and Spark write them). The columns are those of the CSV formats, found
//! by name in the file's schema (the generic schema, AMLSim's, IBM's, crypto transfers);
//! each cell is rendered as text and goes through the same row parser as a CSV row, so a
//! value is accepted or refused — with the same reason — whatever the file it came in.
//! Rows are numbered as in a CSV export of the file: the first row is line 2.
//!
//! Cell types read: text (plain, large, view, dictionary-encoded), integers, floats,
//! decimals (kept exact), timestamps and dates (as Unix seconds), booleans (labels).
//! Arrow IPC with compressed bodies (lz4, zstd: Feather's default) is refused with the
//! reason: arrow-rs 60 sizes a decompressed buffer by the length the file claims
//! (upstream, apache/arrow-rs#10959).
//!
//! Both upstream readers allocate by lengths and counts a file claims, and the parquet
//! crate panics on some malformed files: [`ipc`] and [`parquet_file`] check every claim
//! against the bytes there are before a row is read (the fuzzer's findings).

mod ipc;
mod parquet_file;

use super::pipeline::{BATCH_ROWS, Batch, IN_FLIGHT, Parsed};
use super::{InputError, Layout, Loaded, Options};
use crate::input::Format;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use ipc::ipc_batches;
use parquet_file::parquet_batches;
use std::fmt::Write as _;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

/// Rows per record batch read.
pub(super) const BATCH: usize = 65_536;

/// Which columnar container a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// Apache Parquet (`PAR1`).
    Parquet,
    /// Arrow IPC file (`ARROW1`, Feather v2).
    ArrowFile,
    /// Arrow IPC stream (a continuation marker).
    ArrowStream,
}

impl Container {
    /// The container `head` (the file's first bytes) opens, if any: `None` for text.
    pub fn sniff(head: &[u8]) -> Option<Container> {
        if head.starts_with(b"PAR1") {
            Some(Container::Parquet)
        } else if head.starts_with(b"ARROW1") {
            Some(Container::ArrowFile)
        } else if head.starts_with(&[0xFF, 0xFF, 0xFF, 0xFF]) {
            Some(Container::ArrowStream)
        } else {
            None
        }
    }

    /// Its name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Container::Parquet => "Parquet",
            Container::ArrowFile => "Arrow IPC file",
            Container::ArrowStream => "Arrow IPC stream",
        }
    }
}

/// A columnar file that cannot be read as a whole (a broken container, a column of a
/// type no format has).
pub(super) fn broken(c: Container, e: impl std::fmt::Display) -> InputError {
    let e = e.to_string();
    if e.contains("IPC decompression requires") {
        return InputError::Columnar(format!(
            "{}: its record batches are compressed (lz4 or zstd), which is not read: arrow-rs \
             sizes the output by the length the file claims, so a damaged or hostile file of a \
             few kilobytes can take gigabytes; write it uncompressed (pyarrow: \
             compression='uncompressed') or as Parquet",
            c.name()
        ));
    }
    InputError::Columnar(format!("{}: {e}", c.name()))
}

/// Batches of a columnar file, and how many rows it says it holds (0: unknown).
pub(super) type Batches = (
    Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
    u64,
);

/// Reads a whole Parquet or Arrow IPC file as [`super::read_with`] reads a CSV.
/// `progress` is called with the share of rows read, in thousandths, after each batch
/// (Parquet says how many rows it holds; Arrow IPC does not, and reports nothing).
pub fn read_columnar(
    file: std::fs::File,
    container: Container,
    options: Options,
    progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let batches: Batches = match container {
        Container::Parquet => parquet_batches(file, container)?,
        ipc => ipc_batches(file, ipc)?,
    };
    load(batches, container, options, progress)
}

/// [`read_columnar`] of a file already in memory (an upload, a fuzzer's input).
pub fn read_columnar_bytes(
    data: Vec<u8>,
    container: Container,
    options: Options,
    progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let batches: Batches = match container {
        Container::Parquet => parquet_batches(bytes::Bytes::from(data), container)?,
        ipc => ipc_batches(std::io::Cursor::new(data), ipc)?,
    };
    load(batches, container, options, progress)
}

/// Every row of `batches` through the CSV formats' row parser: rendered as text on one
/// thread, parsed on this one ([`super::pipeline`]).
fn load(
    (batches, total_rows): Batches,
    container: Container,
    options: Options,
    progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let (layout, layout_rx) = sync_channel(1);
    let (full, full_rx) = sync_channel(IN_FLIGHT);
    let (empty, empty_rx) = channel::<Batch>();
    let format = options.format;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let to = Rendered {
                layout: Some(layout),
                full,
                empty: empty_rx,
            };
            to.render(batches, total_rows, container, format);
        });
        // No layout: the file holds no batch.
        let layout = layout_rx
            .recv()
            .map_err(|_| broken(container, "the file holds no rows"))??;
        Parsed::with_layout(layout, options).parse_batches(full_rx, empty, progress)
    })
}

/// Where the rendering thread hands what it made.
struct Rendered {
    /// The layout, found from the first batch's schema (or why there is none); `None`
    /// once sent.
    layout: Option<SyncSender<Result<Layout, InputError>>>,
    /// Batches of rows rendered as text.
    full: SyncSender<Result<Batch, InputError>>,
    /// Batches parsed, to refill.
    empty: Receiver<Batch>,
}

impl Rendered {
    /// Renders every row of `batches` as text cells, in batches of rows; stops at the
    /// first broken batch (sending why) or when the parsing side stops listening.
    fn render(
        mut self,
        batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
        total_rows: u64,
        container: Container,
        format: Option<Format>,
    ) {
        let mut used = Vec::new();
        let mut line = 1u64;
        let mut cell = String::new();
        for batch in batches {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => return self.fail(broken(container, e)),
            };
            let schema = batch.schema();
            if let Some(to) = self.layout.take() {
                let header: Vec<String> =
                    schema.fields().iter().map(|f| f.name().clone()).collect();
                let format = format.unwrap_or_else(|| Format::detect(&header));
                match Layout::new(format, header) {
                    Ok(l) => {
                        used = l.used();
                        if to.send(Ok(l)).is_err() {
                            return;
                        }
                    }
                    Err(e) => return drop(to.send(Err(e))),
                }
            }
            let columns: Result<Vec<Option<Column>>, String> = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .enumerate()
                .map(|(i, (a, f))| {
                    used.contains(&i)
                        .then(|| Column::new(a, f.name()))
                        .transpose()
                })
                .collect();
            let columns = match columns {
                Ok(c) => c,
                Err(e) => return self.fail(broken(container, e)),
            };
            let mut start = 0;
            while start < batch.num_rows() {
                let end = (start + BATCH_ROWS).min(batch.num_rows());
                let mut b = self.empty.try_recv().unwrap_or_default();
                b.lines.clear();
                for i in start..end {
                    line += 1;
                    let row = b.next_row();
                    row.clear();
                    for c in &columns {
                        cell.clear();
                        if let Some(c) = c {
                            c.write(i, &mut cell);
                        }
                        row.push_field(&cell);
                    }
                    b.lines.push(Ok(line));
                }
                b.progress = ((line - 1) * 1000).checked_div(total_rows).unwrap_or(0);
                if self.full.send(Ok(b)).is_err() {
                    return;
                }
                start = end;
            }
        }
    }

    /// Sends why the file cannot be read: as the layout if none was sent yet.
    fn fail(mut self, e: InputError) {
        // The parsing side may have stopped listening: nothing is waiting for it then.
        match self.layout.take() {
            Some(to) => drop(to.send(Err(e))),
            None => drop(self.full.send(Err(e))),
        }
    }
}

/// One column of a batch, ready to render cell by cell.
struct Column {
    array: ArrayRef,
    /// For a dictionary-encoded column: each row's index into `array` (the values).
    keys: Option<Vec<usize>>,
}

impl Column {
    /// `array`, unpacked if dictionary-encoded; a type no format has is refused naming the
    /// column (only columns the format reads are looked at).
    fn new(array: &ArrayRef, name: &str) -> Result<Column, String> {
        let (array, keys) = match array.data_type() {
            DataType::Dictionary(_, _) => {
                let d = array.as_any_dictionary();
                (d.values().clone(), Some(d.normalized_keys()))
            }
            _ => (array.clone(), None),
        };
        if !readable(array.data_type()) {
            return Err(format!(
                "column `{name}` is of type {}, which is not read (text, integers, floats, decimals, timestamps, dates and booleans are)",
                array.data_type()
            ));
        }
        Ok(Column { array, keys })
    }

    /// Row `i` as text (empty when null).
    fn write(&self, i: usize, out: &mut String) {
        let i = match &self.keys {
            Some(k) if self.array.is_valid(k[i]) => k[i],
            Some(_) => return,
            None => i,
        };
        if self.array.is_null(i) {
            return;
        }
        let a = &self.array;
        let _ = match a.data_type() {
            DataType::Utf8 => write!(out, "{}", a.as_string::<i32>().value(i)),
            DataType::LargeUtf8 => write!(out, "{}", a.as_string::<i64>().value(i)),
            DataType::Utf8View => write!(out, "{}", a.as_string_view().value(i)),
            DataType::Boolean => write!(out, "{}", a.as_boolean().value(i)),
            DataType::Int8 => write!(out, "{}", a.as_primitive::<Int8Type>().value(i)),
            DataType::Int16 => write!(out, "{}", a.as_primitive::<Int16Type>().value(i)),
            DataType::Int32 => write!(out, "{}", a.as_primitive::<Int32Type>().value(i)),
            DataType::Int64 => write!(out, "{}", a.as_primitive::<Int64Type>().value(i)),
            DataType::UInt8 => write!(out, "{}", a.as_primitive::<UInt8Type>().value(i)),
            DataType::UInt16 => write!(out, "{}", a.as_primitive::<UInt16Type>().value(i)),
            DataType::UInt32 => write!(out, "{}", a.as_primitive::<UInt32Type>().value(i)),
            DataType::UInt64 => write!(out, "{}", a.as_primitive::<UInt64Type>().value(i)),
            DataType::Float32 => write!(out, "{}", a.as_primitive::<Float32Type>().value(i)),
            DataType::Float64 => write!(out, "{}", a.as_primitive::<Float64Type>().value(i)),
            DataType::Decimal128(_, _) => {
                write!(
                    out,
                    "{}",
                    a.as_primitive::<Decimal128Type>().value_as_string(i)
                )
            }
            DataType::Decimal256(_, _) => {
                write!(
                    out,
                    "{}",
                    a.as_primitive::<Decimal256Type>().value_as_string(i)
                )
            }
            DataType::Date32 => write!(
                out,
                "{}",
                i64::from(a.as_primitive::<Date32Type>().value(i)) * 86_400
            ),
            DataType::Date64 => write!(
                out,
                "{}",
                a.as_primitive::<Date64Type>().value(i).div_euclid(1_000)
            ),
            DataType::Timestamp(unit, _) => {
                let (v, per_s) = match unit {
                    TimeUnit::Second => (a.as_primitive::<TimestampSecondType>().value(i), 1),
                    TimeUnit::Millisecond => {
                        (a.as_primitive::<TimestampMillisecondType>().value(i), 1_000)
                    }
                    TimeUnit::Microsecond => (
                        a.as_primitive::<TimestampMicrosecondType>().value(i),
                        1_000_000,
                    ),
                    TimeUnit::Nanosecond => (
                        a.as_primitive::<TimestampNanosecondType>().value(i),
                        1_000_000_000,
                    ),
                };
                write!(out, "{}", v.div_euclid(per_s))
            }
            _ => Ok(()),
        };
    }
}

/// Whether a cell of type `t` can be rendered.
fn readable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _)
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
    )
}
