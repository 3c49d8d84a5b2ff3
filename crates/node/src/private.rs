//! What a node writes is its organisation's alone: data directories are 0700 and files
//! 0600, whoever else has an account on the machine, and a key file that others can read
//! is refused at start-up, as ssh refuses a private key with loose permissions.
//!
//! The node sets its process's file-creation mask to `077` before it opens anything, so
//! every file it or its libraries create (the ledger's redb file, consensus journals,
//! ciphertexts, tip files, the read audit log, `api.addr`) is private by construction;
//! the stores that hold sealed content also set their modes themselves.

use anyhow::{Context as _, bail};
use std::path::Path;

/// Makes every file and directory this process creates from now on private to its owner
/// (umask 077).
pub fn private_by_default() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Creates the data directory `dir` (0700), or tightens an existing one to 0700.
pub fn data_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            tracing::warn!(
                dir = %dir.display(),
                "the data directory was mode {mode:o}: tightened to 700 (sealed content and keys live here)"
            );
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("chmod 700 {}", dir.display()))?;
        }
    }
    Ok(())
}

/// Refuses key file `path` if its group or others may read or write it.
pub fn check_key_file(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading key file {}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "key file {} is mode {mode:03o}: others on this machine could read the \
                 organisation's keys. Run `chmod 600 {}` (and check who has read it)",
                path.display(),
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("org.json");
        std::fs::write(&key, b"{}").expect("write");
        for (mode, ok) in [
            (0o600, true),
            (0o400, true),
            (0o644, false),
            (0o640, false),
            (0o604, false),
            (0o620, false),
            (0o666, false),
        ] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let answer = check_key_file(&key);
            assert_eq!(answer.is_ok(), ok, "mode {mode:o}: {answer:?}");
            if let Err(e) = answer {
                assert!(e.to_string().contains("chmod 600"), "{e}");
            }
        }
    }

    #[test]
    fn data_directories_are_made_or_tightened_to_0700() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = dir.path().join("a/b/data");
        data_dir(&fresh).expect("create");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), 0o700);
        let loose = dir.path().join("loose");
        std::fs::create_dir(&loose).expect("mkdir");
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        data_dir(&loose).expect("tighten");
        assert_eq!(mode(&loose), 0o700);
    }
}
