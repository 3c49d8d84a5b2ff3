//! Arrow IPC through arrow-rs (60.2), with the checks it lacks on hostile files: arrow-rs
//! allocates the lengths a file claims (a block's, a message's) before reading them, so
//! every length is checked against the bytes there are first (the fuzzer's findings,
//! issue 24).

use super::{Batches, Container, broken};
use crate::input::InputError;
use arrow_array::RecordBatch;
use std::io::{Read, Seek, SeekFrom};

/// An Arrow IPC file's or stream's batches (the file's footer or the stream's framing
/// checked first); IPC does
/// not say how many rows it holds.
pub(super) fn ipc_batches<R: Read + Seek + Send + 'static>(
    mut r: R,
    container: Container,
) -> Result<Batches, InputError> {
    let batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send> = match container {
        Container::ArrowFile => {
            check_ipc_footer(&mut r).map_err(|e| broken(container, e))?;
            Box::new(
                arrow_ipc::reader::FileReader::try_new(r, None)
                    .map_err(|e| broken(container, e))?
                    .map(|b| b.map_err(|e| e.to_string())),
            )
        }
        _ => {
            check_ipc_stream(&mut r).map_err(|e| broken(container, e))?;
            Box::new(
                arrow_ipc::reader::StreamReader::try_new(std::io::BufReader::new(r), None)
                    .map_err(|e| broken(container, e))?
                    .map(|b| b.map_err(|e| e.to_string())),
            )
        }
    };
    Ok((batches, 0))
}

/// Checks that every block an Arrow IPC file's footer lists lies within the file, and
/// leaves the reader at its start. arrow-rs 60 allocates each block's claimed body length
/// before reading it, so a damaged or hostile footer of a few bytes could take gigabytes
/// (the fuzzer's finding: a 3 KB file, 3.4 GB).
fn check_ipc_footer<R: Read + Seek>(r: &mut R) -> Result<(), String> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    if len < 18 {
        return Err("too short for a file (magic, footer and its length)".into());
    }
    let mut tail = [0u8; 10];
    r.seek(SeekFrom::End(-10)).map_err(|e| e.to_string())?;
    r.read_exact(&mut tail).map_err(|e| e.to_string())?;
    if &tail[4..] != b"ARROW1" {
        return Err("the file does not end with ARROW1: it is cut short".into());
    }
    let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let room = len - 10 - 8;
    if footer_len <= 0 || footer_len as u64 > room {
        return Err(format!(
            "the footer claims {footer_len} bytes; the file has room for {room}"
        ));
    }
    let mut footer = vec![0u8; footer_len as usize];
    r.seek(SeekFrom::End(-10 - i64::from(footer_len)))
        .map_err(|e| e.to_string())?;
    r.read_exact(&mut footer).map_err(|e| e.to_string())?;
    let footer = arrow_ipc::root_as_footer(&footer).map_err(|e| format!("the footer: {e}"))?;
    let end = len - 10 - footer_len as u64;
    let blocks = footer
        .recordBatches()
        .into_iter()
        .flatten()
        .chain(footer.dictionaries().into_iter().flatten());
    for b in blocks {
        let fits = b.offset() >= 8
            && b.metaDataLength() >= 0
            && b.bodyLength() >= 0
            && (b.offset() as u64)
                .checked_add(b.metaDataLength() as u64)
                .and_then(|x| x.checked_add(b.bodyLength() as u64))
                .is_some_and(|x| x <= end);
        if !fits {
            return Err(format!(
                "a block at offset {} claims {} bytes of metadata and {} of body, past the end of the file ({end} bytes before the footer)",
                b.offset(),
                b.metaDataLength(),
                b.bodyLength()
            ));
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(())
}

/// Checks that every message of an Arrow IPC stream claims no more metadata and body than
/// the stream holds after it, and leaves the reader at its start. arrow-rs 60 allocates a
/// message's claimed metadata length before reading it (the fuzzer's finding: a 3.8 KB
/// stream claimed 962 MB).
fn check_ipc_stream<R: Read + Seek>(r: &mut R) -> Result<(), String> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    let mut at = 0u64;
    let mut message = 0usize;
    while at < len {
        r.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
        let mut word = [0u8; 4];
        if len - at < 4 {
            return Err(format!("{} stray bytes at the end", len - at));
        }
        r.read_exact(&mut word).map_err(|e| e.to_string())?;
        at += 4;
        if word == [0xFF; 4] {
            if len - at < 4 {
                return Err("the stream ends inside a message's length".into());
            }
            r.read_exact(&mut word).map_err(|e| e.to_string())?;
            at += 4;
        }
        let meta = i32::from_le_bytes(word);
        if meta == 0 {
            break; // the end-of-stream marker
        }
        if meta < 0 || meta as u64 > len - at {
            return Err(format!(
                "message {message} claims {meta} bytes of metadata; {} remain",
                len - at
            ));
        }
        let mut buf = vec![0u8; meta as usize];
        r.read_exact(&mut buf).map_err(|e| e.to_string())?;
        at += meta as u64;
        let body = arrow_ipc::root_as_message(&buf)
            .map_err(|e| format!("message {message}: {e}"))?
            .bodyLength();
        if body < 0 || body as u64 > len - at {
            return Err(format!(
                "message {message} claims {body} bytes of body; {} remain",
                len - at
            ));
        }
        at += body as u64;
        message += 1;
    }
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(())
}
