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

use super::{InputError, Layout, Loaded, Options, Sink, parse_fields};
use crate::input::Format;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use ipc::ipc_batches;
use parquet_file::parquet_batches;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Rows per batch read.
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
pub(super) type Batches = (Box<dyn Iterator<Item = Result<RecordBatch, String>>>, u64);

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

/// Every row of `batches` through the CSV formats' row parser.
fn load(
    (batches, total_rows): Batches,
    container: Container,
    options: Options,
    mut progress: impl FnMut(u64),
) -> Result<Loaded, InputError> {
    let mut loaded = Loaded {
        format: Format::Generic,
        records: Vec::new(),
        names: Default::default(),
        skipped: Vec::new(),
        ignored: BTreeMap::new(),
        labelled: Vec::new(),
    };
    let mut layout: Option<Layout> = None;
    let mut row = csv::StringRecord::new();
    let mut cell = String::new();
    let mut line = 1u64;
    for batch in batches {
        let batch = batch.map_err(|e| broken(container, e))?;
        let schema = batch.schema();
        let l = match &layout {
            Some(l) => l,
            None => {
                let header: Vec<String> =
                    schema.fields().iter().map(|f| f.name().clone()).collect();
                let format = options.format.unwrap_or_else(|| Format::detect(&header));
                loaded.format = format;
                layout.insert(Layout::new(format, header)?)
            }
        };
        let used = l.used();
        let columns: Vec<Option<Column>> = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .enumerate()
            .map(|(i, (a, f))| {
                used.contains(&i)
                    .then(|| Column::new(a, f.name()))
                    .transpose()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| broken(container, e))?;
        for i in 0..batch.num_rows() {
            line += 1;
            row.clear();
            for c in &columns {
                cell.clear();
                if let Some(c) = c {
                    c.write(i, &mut cell);
                }
                row.push_field(&cell);
            }
            let mut sink = Sink {
                names: &mut loaded.names,
                ignored: &mut loaded.ignored,
                labelled: &mut loaded.labelled,
            };
            match parse_fields(&row, line, l, &options, &mut sink) {
                Ok(Some(r)) => loaded.records.push(r),
                Ok(None) => {}
                Err(e) if options.skip_bad_rows => loaded.skipped.push(e),
                Err(e) => return Err(InputError::Row(e)),
            }
        }
        if let Some(share) = ((line - 1) * 1000).checked_div(total_rows) {
            progress(share);
        }
    }
    if layout.is_none() {
        return Err(broken(container, "the file holds no rows"));
    }
    Ok(loaded)
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
