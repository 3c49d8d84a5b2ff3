//! What a node does once a block has erased state (`vault.erase`): the ledger has already
//! purged the erased rows' history and listed the sidecars every node deletes (the
//! consensus crate's sidecar actor deletes them). Two copies remain on this node's disk,
//! and this task removes them:
//!
//! - **snapshots** written before the erasure hold the erased rows: they are overwritten
//!   and removed ([`crate::snapshots::SnapshotStore::erased_at`]);
//! - **the ledger's storage file** keeps deleted values in free pages and deleted keys as
//!   B-tree separators: it is rewritten ([`Ledger::compact`]: live entries into a fresh
//!   file, the old one overwritten). That needs no read in progress; it is tried again
//!   each second until it runs.

use crate::snapshots::SnapshotStore;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracing::{info, warn};
use unchain_ledger::{BlockRecord, Ledger};

/// Whether applying `record` erased state this node must clear from its disk.
pub fn erased_something(record: &BlockRecord) -> bool {
    record.purged_keys > 0 || !record.erased_sidecars.is_empty()
}

/// Runs until `erasures` closes: for each height at which a block erased state, removes
/// the earlier snapshots and compacts the ledger's storage.
pub async fn run(
    ledger: Arc<Ledger>,
    snapshots: Arc<SnapshotStore>,
    mut erasures: mpsc::UnboundedReceiver<u64>,
) {
    while let Some(mut height) = erasures.recv().await {
        // Several erasures in a row need one pass.
        while let Ok(next) = erasures.try_recv() {
            height = height.max(next);
        }
        if let Err(e) = snapshots.erased_at(height) {
            warn!(height, error = %e, "cannot remove the snapshots written before an erasure");
        }
        for attempt in 1.. {
            let started = Instant::now();
            let ledger = ledger.clone();
            match tokio::task::spawn_blocking(move || ledger.compact()).await {
                Ok(Ok(true)) => {
                    info!(
                        height,
                        compact_ms = started.elapsed().as_millis() as u64,
                        "storage rewritten after an erasure"
                    );
                    break;
                }
                Ok(Ok(false)) if attempt < 600 => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Ok(Ok(false)) => {
                    warn!(
                        height,
                        "storage not rewritten after an erasure: reads never paused for 10 minutes; it is tried after the next one"
                    );
                    break;
                }
                Ok(Err(e)) => {
                    warn!(height, error = %e, "cannot rewrite the storage after an erasure");
                    break;
                }
                Err(e) => {
                    warn!(height, error = %e, "the compaction task failed");
                    break;
                }
            }
        }
    }
}
