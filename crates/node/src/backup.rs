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

/// Restores the backup in `from` into the empty data directory of `cfg`: checks that it
/// is this chain's and this member's, that every file has the hash `backup.json` records,
/// and the snapshot as a sync from a peer would ([`Ledger::restore_snapshot`]); then puts
/// the node's own files back. Nothing is written unless every check passes (a failed
/// ledger restore leaves no ledger; the own files are written only after it).
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
    let backup: BackupManifest = serde_json::from_slice(&read("backup.json")?)
        .with_context(|| format!("{}: not an Unchain backup", from.display()))?;
    if backup.format != BACKUP_FORMAT {
        bail!(
            "backup.json field `format`: {} is not the format this version reads ({BACKUP_FORMAT})",
            backup.format
        );
    }
    if backup.chain_id != genesis.chain_id {
        bail!(
            "backup.json field `chain_id`: the backup is of chain {:?}, this node's genesis is \
             chain {:?}",
            backup.chain_id,
            genesis.chain_id
        );
    }
    if backup.member != keys.name {
        bail!(
            "backup.json field `member`: the backup is {}'s node, the key file is {}'s",
            backup.member,
            keys.name
        );
    }
    let mut own = Vec::with_capacity(backup.files.len());
    for f in &backup.files {
        let safe = !f.path.is_empty()
            && f.path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..")
            && OWN_DATA
                .iter()
                .any(|top| f.path == *top || f.path.starts_with(&format!("{top}/")));
        if !safe {
            bail!(
                "backup.json field `files`: {:?} is not a path of the node's own data",
                f.path
            );
        }
        let bytes = read(&format!("own/{}", f.path))?;
        if bytes.len() as u64 != f.bytes || Hash32::digest(&bytes) != f.sha256 {
            bail!(
                "backup file {} does not match its size and SHA-256 in backup.json: the \
                 backup is damaged",
                f.path
            );
        }
        own.push((f.path.clone(), bytes));
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
    let mut bytes = 0;
    for (path, content) in &own {
        let to = cfg.data_dir.join(path);
        if let Some(parent) = to.parent() {
            crate::private::data_dir(parent)?;
        }
        std::fs::write(&to, content).with_context(|| format!("writing {}", to.display()))?;
        bytes += content.len() as u64;
    }
    Ok(RestoredBackup {
        ledger: restored,
        files: own.len(),
        bytes,
    })
}
