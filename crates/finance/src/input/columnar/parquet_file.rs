//! Parquet through the parquet crate (60.2), with the checks it lacks on hostile files.
//!
//! The crate panics on some malformed files and sizes some allocations by counts the file
//! claims; the fuzzer found each of these (issue 24). Before any row is read, every column
//! chunk must lie within the file and every dictionary page must hold at least as many
//! bytes as its values need; each call into the crate is guarded, and a panic becomes
//! this file's refusal.

use super::{Batches, Container, broken};
use crate::input::InputError;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Type as Physical;
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::serialized_reader::SerializedPageReader;
use std::sync::Arc;

/// Rows per batch read.
const BATCH: usize = super::BATCH;

/// A Parquet file's batches and row count: the file's metadata read and checked
/// ([`check_chunks`], [`check_dictionaries`]) before a reader is built on it.
pub(super) fn parquet_batches<T: ChunkReader + 'static>(
    source: T,
    container: Container,
) -> Result<Batches, InputError> {
    let metadata = guarded(|| {
        ArrowReaderMetadata::load(&source, ArrowReaderOptions::default()).map_err(|e| e.to_string())
    })
    .map_err(|e| broken(container, e))?;
    check_chunks(metadata.metadata(), source.len()).map_err(|e| broken(container, e))?;
    guarded(|| check_dictionaries(&source, metadata.metadata()))
        .map_err(|e| broken(container, e))?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(source, metadata);
    let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let mut reader = guarded(|| {
        builder
            .with_batch_size(BATCH)
            .build()
            .map_err(|e| e.to_string())
    })
    .map_err(|e| broken(container, e))?;
    let mut failed = false;
    let batches = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        match guarded(|| Ok(reader.next())) {
            Ok(Some(Ok(batch))) => Some(Ok(batch)),
            Ok(None) => None,
            Ok(Some(Err(e))) => {
                failed = true;
                Some(Err(e.to_string()))
            }
            Err(e) => {
                failed = true;
                Some(Err(e))
            }
        }
    });
    Ok((Box::new(batches), rows))
}

/// Every column chunk's byte range lies within the file (`len` bytes). The parquet crate
/// panics on a negative offset or size (its `byte_range`) and, reading from a file,
/// allocates a chunk's claimed size before reading it.
fn check_chunks(metadata: &ParquetMetaData, len: u64) -> Result<(), String> {
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for (c, column) in group.columns().iter().enumerate() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or_else(|| column.data_page_offset());
            let size = column.compressed_size();
            let within = u64::try_from(start)
                .ok()
                .zip(u64::try_from(size).ok())
                .and_then(|(s, n)| s.checked_add(n))
                .is_some_and(|end| end <= len);
            if !within {
                return Err(format!(
                    "row group {g}, column {c}: its chunk claims {size} bytes at offset {start}, \
                     outside the file's {len} bytes"
                ));
            }
        }
    }
    Ok(())
}

/// Every dictionary page holds at least the bytes its values need (4 per value of text,
/// 8 per 64-bit integer, …). The parquet crate sizes a dictionary by the count its page
/// header claims before decoding it: the fuzzer's finding, a 3.8 KB file whose dictionary
/// claimed 300 million values took 9.6 GB. Only page headers and dictionary pages are
/// read; data pages are skipped.
fn check_dictionaries<T: ChunkReader>(
    source: &T,
    metadata: &ParquetMetaData,
) -> Result<(), String> {
    let source = Arc::new(Borrowed(source));
    let schema = metadata.file_metadata().schema_descr();
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let rows = usize::try_from(group.num_rows()).unwrap_or(0);
        for (c, column) in group.columns().iter().enumerate() {
            let descr = schema.column(c);
            let width = match descr.physical_type() {
                Physical::BOOLEAN => None,
                Physical::INT32 | Physical::FLOAT | Physical::BYTE_ARRAY => Some(4),
                Physical::INT64 | Physical::DOUBLE => Some(8),
                Physical::INT96 => Some(12),
                Physical::FIXED_LEN_BYTE_ARRAY => Some(descr.type_length().max(1) as u64),
            };
            let mut pages = SerializedPageReader::new(source.clone(), column, rows, None)
                .map_err(|e| format!("row group {g}, column {c}: {e}"))?;
            while let Some(page) = pages
                .peek_next_page()
                .map_err(|e| format!("row group {g}, column {c}: {e}"))?
            {
                if !page.is_dict {
                    pages
                        .skip_next_page()
                        .map_err(|e| format!("row group {g}, column {c}: {e}"))?;
                    continue;
                }
                let Some(Page::DictionaryPage {
                    buf, num_values, ..
                }) = pages
                    .get_next_page()
                    .map_err(|e| format!("row group {g}, column {c}: {e}"))?
                else {
                    continue;
                };
                let need = match width {
                    Some(w) => u64::from(num_values) * w,
                    None => u64::from(num_values).div_ceil(8),
                };
                if need > buf.len() as u64 {
                    return Err(format!(
                        "row group {g}, column {c}: its dictionary page claims {num_values} \
                         values, which need at least {need} bytes; the page holds {}",
                        buf.len()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A borrowed reader, for the page readers of [`check_dictionaries`] (the parquet crate
/// wants its readers in an `Arc`, and the file must stay with the caller).
struct Borrowed<'a, T>(&'a T);

impl<T: ChunkReader> Length for Borrowed<'_, T> {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl<T: ChunkReader> ChunkReader for Borrowed<'_, T> {
    type T = T::T;

    fn get_read(&self, start: u64) -> parquet::errors::Result<T::T> {
        self.0.get_read(start)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.0.get_bytes(start, length)
    }
}

/// `f`, with a panic inside it turned into an error naming the parquet crate.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Err(format!(
            "the file is malformed (the parquet reader failed: {why})"
        ))
    })
}
