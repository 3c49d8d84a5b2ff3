//! State snapshots between nodes: the snapshots this node writes and serves to members
//! (`GET /v1/snapshot`, `GET /v1/snapshot/{height}/chunks/{index}`), and the start of a new
//! node from a peer's (`unchain node --sync-from URL`).
//!
//! A snapshot is written on demand, when a member asks and the newest one here is more than
//! [`SNAPSHOT_INTERVAL`] blocks behind the newest cosigned checkpoint, in a background thread
//! (the export reads one consistent version of the ledger while blocks keep being applied).
//! Files: `DATA/snapshots/HEIGHT/manifest.json` and `chunk-NNNNN`; a snapshot being written
//! is `HEIGHT.partial` until complete. The newest two are kept; a snapshot more than
//! [`unchain_ledger::authenticated::RETAINED_VERSIONS`] blocks behind the head is deleted,
//! like the state versions it holds, so state that blocks have since erased does not stay
//! on disk in a snapshot file.

use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing::{info, warn};
use unchain_ledger::snapshot::{CHUNK_TARGET_BYTES, Restored, SnapshotManifest};
use unchain_ledger::{Ledger, authenticated::RETAINED_VERSIONS};

/// A new snapshot is written once the newest is this many blocks behind the newest cosigned
/// checkpoint's state.
pub const SNAPSHOT_INTERVAL: u64 = 256;

/// How many snapshots are kept.
const KEPT: usize = 2;

/// The snapshots this node has written, and the one it is writing.
pub struct SnapshotStore {
    dir: PathBuf,
    ledger: Arc<Ledger>,
    /// True while a snapshot is being written.
    writing: Mutex<bool>,
    /// Why the last attempt wrote nothing, if it failed.
    last_failure: Mutex<Option<String>>,
    /// The height of the newest block that erased state: no snapshot before it is kept.
    erased_at: Mutex<u64>,
    /// Held while snapshot files are read or shredded: a prune (from a request, the
    /// minute task or an erasure) never removes a file another thread is reading, and two
    /// prunes never shred the same directory (the contract test's generated requests met
    /// that race as a 500).
    files: Mutex<()>,
}

/// What a member asking for a snapshot gets.
pub enum Offer {
    /// The newest snapshot's manifest.
    Ready(Box<SnapshotManifest>),
    /// None is ready: one is being written (with why the previous attempt failed, if it
    /// did: no checkpoint cosigned yet, say).
    Writing(Option<String>),
}

/// Overwrites every file under `dir` with zeros, syncs it, and removes the directory.
fn shred_dir(dir: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            shred_dir(&path)?;
            continue;
        }
        let len = std::fs::metadata(&path)?.len();
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .with_context(|| format!("overwriting {}", path.display()))?;
        let zeros = [0u8; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            f.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        f.sync_all()?;
    }
    std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))
}

pub(crate) fn chunk_name(index: usize) -> String {
    format!("chunk-{index:05}")
}

impl SnapshotStore {
    /// Opens `dir` (created private if missing), removing any snapshot left half-written.
    pub fn open(dir: &Path, ledger: Arc<Ledger>) -> anyhow::Result<Self> {
        crate::private::data_dir(dir)?;
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "partial") {
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
        Ok(SnapshotStore {
            dir: dir.to_owned(),
            ledger,
            writing: Mutex::new(false),
            last_failure: Mutex::new(None),
            erased_at: Mutex::new(0),
            files: Mutex::new(()),
        })
    }

    /// The heights of the complete snapshots here, newest first.
    fn heights(&self) -> Vec<u64> {
        let mut heights: Vec<u64> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        heights.sort_unstable_by(|a, b| b.cmp(a));
        heights
    }

    /// The manifest of the snapshot at `height`, if it is here.
    pub fn manifest(&self, height: u64) -> anyhow::Result<Option<SnapshotManifest>> {
        let _files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.dir.join(height.to_string()).join("manifest.json");
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes)
                    .with_context(|| format!("reading {}", path.display()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Chunk `index` of the snapshot at `height`, if it is here.
    pub fn chunk(&self, height: u64, index: usize) -> anyhow::Result<Option<Vec<u8>>> {
        let _files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.dir.join(height.to_string()).join(chunk_name(index));
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The newest snapshot, starting a new one in the background when it is missing or
    /// more than [`SNAPSHOT_INTERVAL`] blocks old.
    pub fn offer(self: &Arc<Self>) -> anyhow::Result<Offer> {
        self.prune()?;
        let newest = match self.heights().first() {
            Some(h) => self.manifest(*h)?,
            None => None,
        };
        let cosigned = self
            .ledger
            .latest_checkpoint()?
            .and_then(|note| unchain_log::SignedNote::parse(&note).ok())
            .and_then(|n| unchain_log::Checkpoint::parse_body(&n.body).ok())
            .and_then(|cp| cp.state)
            .map_or(0, |s| s.height);
        let stale = newest
            .as_ref()
            .is_none_or(|m| cosigned >= m.height + SNAPSHOT_INTERVAL);
        if stale {
            self.start_writing();
        }
        Ok(match newest {
            Some(m) => Offer::Ready(Box::new(m)),
            None => Offer::Writing(self.last_failure.lock().expect("lock").clone()),
        })
    }

    fn start_writing(self: &Arc<Self>) {
        {
            let mut writing = self.writing.lock().expect("lock");
            if *writing {
                return;
            }
            *writing = true;
        }
        let store = self.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let result = store.write();
            *store.last_failure.lock().expect("lock") =
                result.as_ref().err().map(|e| format!("{e:#}"));
            match result {
                Ok(m) => info!(
                    height = m.height,
                    entries = m.entries,
                    chunks = m.chunks.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "state snapshot written"
                ),
                Err(e) => warn!("state snapshot not written: {e:#}"),
            }
            *store.writing.lock().expect("lock") = false;
        });
    }

    /// Writes a snapshot of the newest cosigned state.
    pub fn write(&self) -> anyhow::Result<SnapshotManifest> {
        let partial = self
            .dir
            .join(format!("{}.partial", self.ledger.head()?.height));
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let result = (|| {
            let manifest = self
                .ledger
                .export_snapshot(CHUNK_TARGET_BYTES, &mut |index, bytes| {
                    std::fs::write(partial.join(chunk_name(index)), bytes)
                })?;
            std::fs::write(
                partial.join("manifest.json"),
                serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
            )?;
            let done = self.dir.join(manifest.height.to_string());
            if done.exists() {
                std::fs::remove_dir_all(&partial)?;
            } else {
                std::fs::rename(&partial, &done)?;
            }
            anyhow::Ok(manifest)
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&partial);
        }
        let manifest = result?;
        self.prune()?;
        Ok(manifest)
    }

    /// Deletes all but the newest [`KEPT`] snapshots, any more than [`RETAINED_VERSIONS`]
    /// blocks behind the head, and any written before the newest erasure. Each file is
    /// overwritten before it is removed.
    pub fn prune(&self) -> anyhow::Result<()> {
        let head = self.ledger.head()?.height;
        let _files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let erased_at = *self.erased_at.lock().expect("erased_at lock");
        for (i, height) in self.heights().into_iter().enumerate() {
            if i >= KEPT || height + RETAINED_VERSIONS < head || height < erased_at {
                shred_dir(&self.dir.join(height.to_string()))?;
            }
        }
        Ok(())
    }

    /// A block at `height` erased state: the snapshots written before it hold what it
    /// erased, so they go now (and one being written at an earlier height goes when it
    /// is done).
    pub fn erased_at(&self, height: u64) -> anyhow::Result<()> {
        {
            let mut at = self.erased_at.lock().expect("erased_at lock");
            *at = (*at).max(height);
        }
        self.prune()
    }
}

/// What a start from a peer's snapshot reports as it goes.
pub enum SyncEvent<'a> {
    /// The peer is writing a snapshot; asking again after this many seconds.
    Waiting(u64),
    /// The manifest arrived and its checkpoint verified.
    Manifest(&'a SnapshotManifest),
    /// A chunk arrived and matched its hash (index, bytes).
    Chunk(usize, u64),
    /// The state is being rebuilt and checked against the checkpoint's root.
    Rebuilding,
}

/// Creates this node's ledger from the newest snapshot of the member nodes at `urls`
/// (the manifest from the first that has one; each chunk from the peers in turn, another
/// peer when one fails or lacks it, every chunk checked against the manifest's hash),
/// unless the data directory already holds a ledger (then it returns `None` and the node
/// starts from what it holds). The requests are signed with the node's member key:
/// snapshots are for members only.
pub async fn sync_from_peer(
    cfg: &crate::NodeConfig,
    urls: &[String],
    progress: &(dyn Fn(SyncEvent<'_>) + Sync),
) -> anyhow::Result<Option<Restored>> {
    let ledger_path = cfg.data_dir.join("ledger.redb");
    if ledger_path.exists() {
        return Ok(None);
    }
    if urls.is_empty() {
        bail!("no peer to sync from");
    }
    let genesis = crate::run::load_genesis(&cfg.genesis)?;
    let keys = crate::run::load_keys(&cfg.key_file)?;
    let signing = keys.signing_key().context("key file: signing_seed")?;
    // A member added by governance is not in genesis: its key file names it, and the
    // serving node checks the signature against the members in its state.
    let member = keys.name.clone();
    if member.is_empty() {
        bail!(
            "the key file {} names no member: snapshots are served to members only",
            cfg.key_file.display()
        );
    }
    crate::private::private_by_default();
    crate::private::data_dir(&cfg.data_dir)?;
    let signer = unchain_client::auth::RequestSigner {
        member,
        key: signing.clone(),
        actor: None,
    };
    let peers: Vec<unchain_client::Client> = urls
        .iter()
        .map(|u| unchain_client::Client::new(u).with_signer(signer.clone()))
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let (source, manifest): (usize, SnapshotManifest) = 'found: loop {
        let mut wait = None;
        let mut failures = Vec::new();
        for (i, peer) in peers.iter().enumerate() {
            match peer.get_json::<SnapshotManifest>("/v1/snapshot").await {
                Ok(m) => match unchain_ledger::snapshot::check_manifest(&genesis, &m) {
                    // Refuse a snapshot of another chain, or one the validators did not
                    // vouch for, before downloading it; another peer may offer a good one.
                    Ok(_) => break 'found (i, m),
                    Err(e) => failures.push(format!("{}: {e}", urls[i])),
                },
                Err(unchain_client::ClientError::Problem {
                    status: 503,
                    retry_after,
                    ..
                }) => wait = Some(wait.unwrap_or(u64::MAX).min(retry_after.unwrap_or(2))),
                Err(e) => failures.push(format!("{}: {e}", urls[i])),
            }
        }
        match wait {
            Some(seconds) if std::time::Instant::now() < deadline => {
                progress(SyncEvent::Waiting(seconds));
                tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
            }
            _ => bail!(
                "no peer offered a snapshot this node can trust:\n  {}",
                failures.join("\n  ")
            ),
        }
    };
    progress(SyncEvent::Manifest(&manifest));
    let download = cfg.data_dir.join("snapshot-download");
    if download.exists() {
        std::fs::remove_dir_all(&download)?;
    }
    crate::private::data_dir(&download)?;
    for (index, info) in manifest.chunks.iter().enumerate() {
        let path = format!("/v1/snapshot/{}/chunks/{index}", manifest.height);
        // Spread the chunks over the peers, the manifest's source last resort for none.
        let order = (0..peers.len()).map(|k| (index + source + k) % peers.len());
        let mut failures = Vec::new();
        let mut fetched = None;
        for i in order {
            match peers[i].get_signed_bytes(&signer, &path).await {
                Ok(bytes) if unchain_types::Hash32::digest(&bytes) == info.sha256 => {
                    fetched = Some(bytes);
                    break;
                }
                Ok(_) => failures.push(format!(
                    "{}: the chunk does not match its hash in the manifest",
                    urls[i]
                )),
                Err(e) => failures.push(format!("{}: {e}", urls[i])),
            }
        }
        let Some(bytes) = fetched else {
            bail!(
                "no peer served snapshot chunk {index} intact:\n  {}",
                failures.join("\n  ")
            );
        };
        std::fs::write(download.join(chunk_name(index)), &bytes)?;
        progress(SyncEvent::Chunk(index, bytes.len() as u64));
    }
    progress(SyncEvent::Rebuilding);
    let modules = crate::modules(&genesis);
    let chunks_dir = download.clone();
    let restored = tokio::task::spawn_blocking(move || {
        Ledger::restore_snapshot(
            &ledger_path,
            genesis,
            modules,
            None,
            &manifest,
            &mut |index| {
                std::fs::read(chunks_dir.join(chunk_name(index))).map_err(|e| e.to_string())
            },
            &mut |_, _| {},
        )
        .map(|(_, restored)| restored)
    })
    .await?;
    std::fs::remove_dir_all(&download)?;
    Ok(Some(restored.context("restoring the snapshot")?))
}
