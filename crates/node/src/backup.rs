//! Backups of a running node, and restoring one into an empty data directory.
//!
//! What a node holds falls in two parts. The **chain** (ledger, consensus journals) is the
//! same on every node, so a backup keeps only a state snapshot of it (the newest cosigned
//! checkpoint's state, [`unchain_ledger::snapshot`]): a restored node starts from there
//! and fetches the blocks since from its peers, as after `--sync-from`. The **node's own
//! data** — sealed ciphertexts, tip messages, the audit log of reads, console users,
//! named queries, token evaluations, the tip form's keys — exists nowhere else, so a
//! backup copies it, with each file's SHA-256 in `backup.json`.
//!
//! Consistency while the node runs: the snapshot is one redb read of a cosigned state;
//! the node's own files are immutable once written (ciphertexts are content-addressed and
//! renamed into place), replaced atomically (the JSON stores), or append-only (the audit
//! log, copied up to its last complete line, so its hash chain checks on restore). So each
//! file is copied whole and the backup's own data is at or after its chain state.
//!
//! Erasure: a backup keeps a ciphertext erased after it was taken, until the backup is
//! deleted — keep backups no longer than the consortium's retention allows. Restoring one
//! re-applies every erasure the chain recorded: the restored node's ciphertext sync deletes
//! each erased ciphertext it holds as soon as it starts and as it catches up.

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use unchain_ledger::Ledger;
use unchain_ledger::snapshot::{CHUNK_TARGET_BYTES, Restored, SnapshotManifest};
use unchain_types::Hash32;

/// The backup format this version writes and reads.
pub const BACKUP_FORMAT: u32 = 1;

/// The node's own files and directories (relative to the data directory), which no peer
/// can give back.
pub const OWN_DATA: &[&str] = &[
    "vault",
    "tips",
    "audit",
    "users.json",
    "epcis-queries.json",
    "token-evaluations.json",
    "tips-guard.key",
    "tips-spent",
];

/// What `backup.json` records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupManifest {
    /// [`BACKUP_FORMAT`].
    pub format: u32,
    /// The chain.
    pub chain_id: String,
    /// The member whose node this is.
    pub member: String,
    /// The snapshot's height (the chain state the backup restores to).
    pub height: u64,
    /// Every file of the node's own data, relative to the data directory.
    pub files: Vec<BackedFile>,
}

/// One file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackedFile {
    /// Its path relative to the data directory (`/`-separated).
    pub path: String,
    /// Its length.
    pub bytes: u64,
    /// SHA-256 of its content.
    pub sha256: Hash32,
}

/// The files under `root/rel` (a file or a directory), relative to `root`, sorted.
fn files_under(root: &Path, rel: &str) -> anyhow::Result<Vec<String>> {
    let path = root.join(rel);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if meta.is_file() {
        return Ok(vec![rel.to_owned()]);
    }
    if !meta.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&path).with_context(|| format!("reading {}", path.display()))? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        // Files half-written by a store are not part of it.
        if name.ends_with(".partial") {
            continue;
        }
        out.extend(files_under(root, &format!("{rel}/{name}"))?);
    }
    out.sort();
    Ok(out)
}

/// Copies `from` to `to` (created private), returning what was written. An append-only
/// log (`.jsonl`) is copied up to its last complete line.
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<(u64, Hash32)> {
    let mut bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    if from.extension().is_some_and(|e| e == "jsonl") {
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(end);
    }
    if let Some(parent) = to.parent() {
        crate::private::data_dir(parent)?;
    }
    std::fs::write(to, &bytes).with_context(|| format!("writing {}", to.display()))?;
    Ok((bytes.len() as u64, Hash32::digest(&bytes)))
}

/// Writes a backup of the node at `data_dir` (member `member`, ledger `ledger`) into
/// `DATA/backups/HEIGHT-N/`, and returns its directory and manifest.
pub fn write_backup(
    data_dir: &Path,
    ledger: &Ledger,
    member: &str,
) -> anyhow::Result<(PathBuf, BackupManifest)> {
    let backups = data_dir.join("backups");
    crate::private::data_dir(&backups)?;
    let partial = backups.join(format!("{}.partial", ledger.head()?.height));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    crate::private::data_dir(&partial.join("snapshot"))?;
    let result = (|| {
        let snapshot = partial.join("snapshot");
        let manifest = ledger.export_snapshot(CHUNK_TARGET_BYTES, &mut |index, bytes| {
            std::fs::write(snapshot.join(crate::snapshots::chunk_name(index)), bytes)
        })?;
        std::fs::write(
            snapshot.join("manifest.json"),
            serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
        )?;
        let mut files = Vec::new();
        for rel in OWN_DATA {
            for path in files_under(data_dir, rel)? {
                let (bytes, sha256) =
                    copy_file(&data_dir.join(&path), &partial.join("own").join(&path))?;
                files.push(BackedFile {
                    path,
                    bytes,
                    sha256,
                });
            }
        }
        let backup = BackupManifest {
            format: BACKUP_FORMAT,
            chain_id: ledger.genesis().chain_id.clone(),
            member: member.to_owned(),
            height: manifest.height,
            files,
        };
        std::fs::write(
            partial.join("backup.json"),
            serde_json::to_vec_pretty(&backup).expect("backup serialises"),
        )?;
        // A name no other backup has: the height, then a counter.
        let mut n = 0;
        let done = loop {
            let candidate = backups.join(format!("{}-{n}", manifest.height));
            if !candidate.exists() {
                break candidate;
            }
            n += 1;
        };
        std::fs::rename(&partial, &done)?;
        anyhow::Ok((done, backup))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    result
}

/// What a restore did.
#[derive(Debug)]
pub struct RestoredBackup {
    /// The ledger's restore.
    pub ledger: Restored,
    /// Files of the node's own data put back.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
}

impl BackupManifest {
    /// Parses `backup.json` and checks it against the node restoring it: this format, this
    /// chain, this member, and every file a path of the node's own data ([`OWN_DATA`]:
    /// relative, no `.` or `..` component, no control character or backslash), none
    /// twice and none inside another. Errors name the field.
    pub fn parse(bytes: &[u8], chain_id: &str, member: &str) -> anyhow::Result<BackupManifest> {
        let backup: BackupManifest =
            serde_json::from_slice(bytes).context("backup.json is not an Unchain backup")?;
        if backup.format != BACKUP_FORMAT {
            bail!(
                "backup.json field `format`: {} is not the format this version reads ({BACKUP_FORMAT})",
                backup.format
            );
        }
        if backup.chain_id != chain_id {
            bail!(
                "backup.json field `chain_id`: the backup is of chain {:?}, this node's genesis is \
                 chain {chain_id:?}",
                backup.chain_id
            );
        }
        if backup.member != member {
            bail!(
                "backup.json field `member`: the backup is {}'s node, the key file is {member}'s",
                backup.member
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &backup.files {
            if !is_own_data_path(&f.path) {
                bail!(
                    "backup.json field `files`: {:?} is not a path of the node's own data",
                    f.path
                );
            }
            if !seen.insert(f.path.as_str()) {
                bail!("backup.json field `files`: {:?} is listed twice", f.path);
            }
        }
        for path in &seen {
            for (i, _) in path.match_indices('/') {
                if seen.contains(&path[..i]) {
                    bail!(
                        "backup.json field `files`: {path:?} is inside {:?}, which is listed as a file",
                        &path[..i]
                    );
                }
            }
        }
        Ok(backup)
    }
}

/// Whether `path` names a file of the node's own data: `/`-separated, relative, under one
/// of [`OWN_DATA`], each component a plain name.
pub fn is_own_data_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && !c.chars().any(|ch| ch.is_control() || ch == '\\')
        })
        && OWN_DATA
            .iter()
            .any(|top| path == *top || path.starts_with(&format!("{top}/")))
}

/// Streams `from` into `to` (when given), returning its length and SHA-256.
fn hash_copy(from: &Path, to: Option<&Path>) -> anyhow::Result<(u64, Hash32)> {
    use sha2::Digest as _;
    use std::io::{Read as _, Write as _};
    let mut input =
        std::fs::File::open(from).with_context(|| format!("reading {}", from.display()))?;
    let mut output = match to {
        Some(to) => {
            Some(std::fs::File::create(to).with_context(|| format!("writing {}", to.display()))?)
        }
        None => None,
    };
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("reading {}", from.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(out) = output.as_mut() {
            out.write_all(&buf[..n])
                .with_context(|| format!("writing {}", to.expect("a target").display()))?;
        }
        total += n as u64;
    }
    if let Some(out) = output {
        out.sync_all()?;
    }
    Ok((total, Hash32(hasher.finalize().into())))
}

/// Restores the backup in `from` into the empty data directory of `cfg`: checks that it
/// is this chain's and this member's, that every file has the size and hash `backup.json`
/// records, and the snapshot as a sync from a peer would ([`Ledger::restore_snapshot`]);
/// then puts the node's own files back, streaming (a node's ciphertexts may be larger
/// than its memory). Nothing is left behind unless every step passes: a failed ledger
/// restore leaves no ledger, and a failure while copying the own files removes the ledger
/// and what was copied.
pub fn restore_backup(cfg: &crate::NodeConfig, from: &Path) -> anyhow::Result<RestoredBackup> {
    let ledger_path = cfg.data_dir.join("ledger.redb");
    if ledger_path.exists() {
        bail!(
            "{} already holds a ledger: restore a backup only into a new data directory (move \
             the old one aside first)",
            cfg.data_dir.display()
        );
    }
    let genesis = crate::run::load_genesis(&cfg.genesis)?;
    let keys = crate::run::load_keys(&cfg.key_file)?;
    let read = |name: &str| {
        let path = from.join(name);
        std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let backup = BackupManifest::parse(&read("backup.json")?, &genesis.chain_id, &keys.name)
        .with_context(|| format!("{}: not a backup this node can restore", from.display()))?;
    let damaged = |f: &BackedFile| {
        anyhow::anyhow!(
            "backup file {} does not match its size and SHA-256 in backup.json: the backup is \
             damaged",
            f.path
        )
    };
    for f in &backup.files {
        let (bytes, sha256) = hash_copy(&from.join("own").join(&f.path), None)?;
        if bytes != f.bytes || sha256 != f.sha256 {
            return Err(damaged(f));
        }
    }
    let manifest: SnapshotManifest = serde_json::from_slice(&read("snapshot/manifest.json")?)
        .context("the backup's snapshot/manifest.json")?;
    if manifest.height != backup.height {
        bail!(
            "backup.json field `height`: {} but the snapshot is at height {}",
            backup.height,
            manifest.height
        );
    }
    crate::private::private_by_default();
    crate::private::data_dir(&cfg.data_dir)?;
    let snapshot = from.join("snapshot");
    let (_, restored) = Ledger::restore_snapshot(
        &ledger_path,
        genesis.clone(),
        crate::modules(&genesis),
        None,
        &manifest,
        &mut |index| {
            std::fs::read(snapshot.join(crate::snapshots::chunk_name(index)))
                .map_err(|e| e.to_string())
        },
        &mut |_, _| {},
    )
    .context("restoring the backup's snapshot")?;
    let mut written: Vec<PathBuf> = Vec::new();
    let copied = (|| {
        let mut bytes = 0;
        for f in &backup.files {
            let to = cfg.data_dir.join(&f.path);
            if let Some(parent) = to.parent() {
                crate::private::data_dir(parent)?;
            }
            written.push(to.clone());
            let (n, sha256) = hash_copy(&from.join("own").join(&f.path), Some(&to))?;
            if n != f.bytes || sha256 != f.sha256 {
                return Err(damaged(f));
            }
            bytes += n;
        }
        anyhow::Ok(bytes)
    })();
    match copied {
        Ok(bytes) => Ok(RestoredBackup {
            ledger: restored,
            files: backup.files.len(),
            bytes,
        }),
        Err(e) => {
            for path in written.iter().rev() {
                let _ = std::fs::remove_file(path);
            }
            let _ = std::fs::remove_file(&ledger_path);
            Err(e.context("putting the node's own files back (the restore was undone)"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(paths: &[&str]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "format": BACKUP_FORMAT, "chain_id": "c", "member": "m", "height": 3,
            "files": paths.iter().map(|p| serde_json::json!({
                "path": p, "bytes": 0, "sha256": Hash32::digest(b"").to_hex()
            })).collect::<Vec<_>>(),
        }))
        .expect("json")
    }

    #[test]
    fn backup_json_is_checked_field_by_field() {
        let ok = BackupManifest::parse(&manifest(&["vault/ab", "users.json"]), "c", "m")
            .expect("parses");
        assert_eq!(ok.files.len(), 2);
        for (paths, why) in [
            (&["../ledger.redb"][..], "not a path of the node's own data"),
            (
                &["vault/../../etc/passwd"],
                "not a path of the node's own data",
            ),
            (&["/etc/passwd"], "not a path of the node's own data"),
            (&["ledger.redb"], "not a path of the node's own data"),
            (&["vault//x"], "not a path of the node's own data"),
            (&["vault/a\\b"], "not a path of the node's own data"),
            (&["vault/a\nb"], "not a path of the node's own data"),
            (&["vaultx/a"], "not a path of the node's own data"),
            (&["vault/a", "vault/a"], "listed twice"),
            (&["vault/a", "vault/a/b"], "inside \"vault/a\""),
            (&["vault", "vault/b"], "inside \"vault\""),
        ] {
            let err = BackupManifest::parse(&manifest(paths), "c", "m")
                .expect_err(why)
                .to_string();
            assert!(
                err.contains("field `files`") && err.contains(why),
                "{paths:?}: {err}"
            );
        }
        let err = BackupManifest::parse(&manifest(&[]), "other", "m").expect_err("chain");
        assert!(err.to_string().contains("field `chain_id`"), "{err}");
        let err = BackupManifest::parse(&manifest(&[]), "c", "other").expect_err("member");
        assert!(err.to_string().contains("field `member`"), "{err}");
        let err = BackupManifest::parse(b"{\"format\": 1}", "c", "m").expect_err("fields");
        assert!(format!("{err:#}").contains("missing field"), "{err:#}");
    }
}
