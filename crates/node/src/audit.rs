//! The node's audit log of sealed-content reads: every request for a ciphertext, allowed or
//! refused, with the organisation, the user, the record and the time. Reads happen off
//! chain, so they are recorded here, one JSON line per read in `DATA/audit/reads.jsonl`,
//! each line carrying the SHA-256 of the previous one: a line removed or edited breaks the
//! chain, which [`AuditLog::open`] checks on start.
//!
//! No content, identifier or name is ever written here: record ids, commitments, member
//! names and pseudonymous user ids only.

use serde::{Deserialize, Serialize};
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use unchain_types::Hash32;

/// One read of sealed content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadEntry {
    /// 1, 2, 3, … in this node's log.
    pub seq: u64,
    /// When (this node's clock, ms since the Unix epoch).
    pub time_ms: u64,
    /// The organisation that asked.
    pub member: String,
    /// The user it asked for, when stated.
    pub actor: Option<String>,
    /// The record, when the ciphertext belongs to one.
    pub record: Option<Hash32>,
    /// Its version.
    pub version: Option<u32>,
    /// The ciphertext asked for.
    pub commitment: Hash32,
    /// Whether it was served.
    pub allowed: bool,
    /// SHA-256 of the previous line (zeros for the first).
    pub prev: Hash32,
}

/// Why the audit log cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading or writing the file failed.
    #[error("audit log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A line does not follow from the one before: the log was edited.
    #[error(
        "audit log {path}, line {line}: {reason} — the log was altered; keep the file for investigation"
    )]
    Broken {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

struct Tail {
    seq: u64,
    hash: Hash32,
    file: std::fs::File,
}

/// The append-only, hash-chained log of reads.
pub struct AuditLog {
    path: PathBuf,
    tail: Mutex<Tail>,
}

impl AuditLog {
    /// Opens (or creates) the log in `dir`, checking the whole chain.
    pub fn open(dir: &Path) -> Result<Self, AuditError> {
        let path = dir.join("reads.jsonl");
        let io = |source| AuditError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (seq, hash) = Self::check(&path)?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io)?;
        Ok(AuditLog {
            path,
            tail: Mutex::new(Tail { seq, hash, file }),
        })
    }

    /// Checks the chain; returns the last sequence number and line hash.
    fn check(path: &Path) -> Result<(u64, Hash32), AuditError> {
        let mut seq = 0;
        let mut hash = Hash32([0; 32]);
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((seq, hash)),
            Err(source) => {
                return Err(AuditError::Io {
                    path: path.into(),
                    source,
                });
            }
        };
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let broken = |reason: String| AuditError::Broken {
                path: path.into(),
                line: i + 1,
                reason,
            };
            let line = line.map_err(|source| AuditError::Io {
                path: path.into(),
                source,
            })?;
            let e: ReadEntry =
                serde_json::from_str(&line).map_err(|e| broken(format!("not an entry ({e})")))?;
            if e.prev != hash {
                return Err(broken("does not follow from the line before".into()));
            }
            if e.seq != seq + 1 {
                return Err(broken(format!("is entry {}, expected {}", e.seq, seq + 1)));
            }
            seq = e.seq;
            hash = Hash32::digest(line.as_bytes());
        }
        Ok((seq, hash))
    }

    /// Appends a read and syncs it to disk before returning.
    #[allow(clippy::too_many_arguments)]
    pub fn record_read(
        &self,
        time_ms: u64,
        member: &str,
        actor: Option<&str>,
        record: Option<(Hash32, u32)>,
        commitment: Hash32,
        allowed: bool,
    ) -> Result<(), AuditError> {
        let mut tail = self.tail.lock().expect("audit log lock");
        let entry = ReadEntry {
            seq: tail.seq + 1,
            time_ms,
            member: member.into(),
            actor: actor.map(str::to_owned),
            record: record.map(|r| r.0),
            version: record.map(|r| r.1),
            commitment,
            allowed,
            prev: tail.hash,
        };
        let line = serde_json::to_string(&entry).expect("entry serialises");
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        tail.file
            .write_all(format!("{line}\n").as_bytes())
            .map_err(io)?;
        tail.file.sync_data().map_err(io)?;
        tail.seq = entry.seq;
        tail.hash = Hash32::digest(line.as_bytes());
        Ok(())
    }

    /// Every read of `record`, oldest first.
    pub fn reads_of(&self, record: &Hash32) -> Result<Vec<ReadEntry>, AuditError> {
        let _tail = self.tail.lock().expect("audit log lock");
        let text = std::fs::read_to_string(&self.path).map_err(|source| AuditError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str::<ReadEntry>(l).ok())
            .filter(|e| e.record.as_ref() == Some(record))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chain_and_an_edited_line_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        let r = Hash32::digest(b"record");
        for (i, actor) in ["u-1", "u-2", "u-3"].iter().enumerate() {
            log.record_read(i as u64, "th-police", Some(actor), Some((r, 1)), r, i != 1)
                .expect("append");
        }
        log.record_read(9, "th-ngo", None, None, Hash32::digest(b"x"), false)
            .expect("append");
        let reads = log.reads_of(&r).expect("reads");
        assert_eq!(reads.len(), 3);
        assert_eq!(reads[1].actor.as_deref(), Some("u-2"));
        assert!(!reads[1].allowed);
        drop(log);
        assert!(AuditLog::open(dir.path()).is_ok(), "an intact log reopens");
        let path = dir.path().join("reads.jsonl");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replacen("u-2", "u-9", 1)).expect("write");
        let err = AuditLog::open(dir.path())
            .err()
            .expect("an edited log is refused")
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("was altered"),
            "{err}"
        );
    }
}
