//! A node's private ciphertext store: one file per ciphertext, named by its commitment,
//! under `DATA/vault/`, separate from the ledger.
//!
//! Files, not a database, so that erasure is real: a deleted redb value can survive in a
//! free page, while [`BlobStore::delete`] overwrites the file with zeros, syncs it, unlinks it
//! and syncs the directory, so no file under the data directory holds the ciphertext
//! afterwards. (What a disk's firmware or a filesystem journal keeps of overwritten blocks is
//! beyond any file API; full-disk encryption of the data directory covers that.)

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use unchain_types::Hash32;

/// Why a ciphertext was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The bytes do not hash to the commitment.
    #[error("ciphertext does not match its commitment: SHA-256 is {got}, expected {expected}")]
    CommitmentMismatch {
        /// The commitment claimed.
        expected: Hash32,
        /// The SHA-256 of the bytes received.
        got: Hash32,
    },
    /// Disk I/O failed.
    #[error("vault store: {0}")]
    Io(#[from] io::Error),
}

/// The ciphertexts this node holds.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens (or creates) the store in `dir` (mode 0700: ciphertexts are the organisation's
    /// alone), removing half-written files left by a crash.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
        #[cfg(unix)]
        fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "partial") {
                fs::remove_file(&path)?;
            }
        }
        Ok(BlobStore {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, commitment: &Hash32) -> PathBuf {
        self.dir.join(format!("{commitment}.sealed"))
    }

    /// Whether the ciphertext is here.
    pub fn has(&self, commitment: &Hash32) -> bool {
        self.path(commitment).exists()
    }

    /// The ciphertext, if here.
    pub fn get(&self, commitment: &Hash32) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path(commitment)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores `bytes` after checking they hash (SHA-256, as every commitment) to `commitment`;
    /// durable on return.
    pub fn put(&self, commitment: &Hash32, bytes: &[u8]) -> Result<(), StoreError> {
        let got = Hash32::digest(bytes);
        if got != *commitment {
            return Err(StoreError::CommitmentMismatch {
                expected: *commitment,
                got,
            });
        }
        if self.has(commitment) {
            return Ok(());
        }
        let partial = self.dir.join(format!("{commitment}.partial"));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&partial)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&partial, self.path(commitment))?;
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    /// Overwrites the ciphertext with zeros, then removes it. Returns whether it was here.
    pub fn delete(&self, commitment: &Hash32) -> io::Result<bool> {
        let path = self.path(commitment);
        let len = match fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        {
            let mut f = OpenOptions::new().write(true).open(&path)?;
            io::copy(&mut io::repeat(0).take_exact(len), &mut f)?;
            f.sync_all()?;
        }
        fs::remove_file(&path)?;
        File::open(&self.dir)?.sync_all()?;
        Ok(true)
    }

    /// Every ciphertext here, with its age.
    pub fn list(&self) -> io::Result<Vec<(Hash32, Duration)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(hex) = name.to_str().and_then(|n| n.strip_suffix(".sealed")) else {
                continue;
            };
            let Ok(c) = Hash32::from_hex(hex) else {
                continue;
            };
            // The node's disk store, not execution: it may read the clock.
            let age = entry
                .metadata()?
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or_default();
            out.push((c, age));
        }
        out.sort();
        Ok(out)
    }
}

trait TakeExact {
    fn take_exact(self, n: u64) -> io::Take<io::Repeat>;
}

impl TakeExact for io::Repeat {
    fn take_exact(self, n: u64) -> io::Take<io::Repeat> {
        io::Read::take(self, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_checks_the_commitment_and_delete_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BlobStore::open(dir.path()).expect("open");
        let blob = b"ciphertext bytes that must vanish".to_vec();
        let c = unchain_seal::commitment(&blob);
        let wrong = unchain_seal::commitment(b"other");
        assert!(matches!(
            store.put(&wrong, &blob),
            Err(StoreError::CommitmentMismatch { .. })
        ));
        assert!(!store.has(&wrong));
        store.put(&c, &blob).expect("stored");
        assert_eq!(store.get(&c).expect("read"), Some(blob.clone()));
        assert_eq!(store.list().expect("list").len(), 1);
        assert!(store.delete(&c).expect("deleted"));
        assert!(!store.delete(&c).expect("second delete is a no-op"));
        assert_eq!(store.get(&c).expect("read"), None);
        for entry in fs::read_dir(dir.path()).expect("dir") {
            let bytes = fs::read(entry.expect("entry").path()).expect("read");
            assert!(!bytes.windows(blob.len()).any(|w| w == blob.as_slice()));
        }
    }

    /// Under the common umask 022, the store and its ciphertexts are still the owner's only.
    #[cfg(unix)]
    #[test]
    fn the_store_and_its_ciphertexts_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        let dir = tempfile::tempdir().expect("tempdir");
        let loose = dir.path().join("vault");
        fs::create_dir(&loose).expect("mkdir");
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o755)).expect("chmod");
        let store = BlobStore::open(&loose).expect("open");
        assert_eq!(mode(&loose), 0o700, "an existing store is tightened");
        let blob = b"sealed".to_vec();
        let c = unchain_seal::commitment(&blob);
        store.put(&c, &blob).expect("stored");
        assert_eq!(mode(&store.path(&c)), 0o600);
        let fresh = dir.path().join("a/b/tips");
        BlobStore::open(&fresh).expect("open");
        assert_eq!(mode(&fresh), 0o700);
    }
}
