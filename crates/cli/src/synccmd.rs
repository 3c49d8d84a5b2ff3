//! `unchain node --sync-from URL`: a new node starts from a peer's state snapshot, with a
//! progress bar over the chunks, before it runs.

use unchain_node::snapshots::{SyncEvent, sync_from_peer};

/// Fetches, checks and restores the newest snapshot of the node at `url` into the data
/// directory of `cfg`, unless it already holds a ledger.
pub async fn sync_from(cfg: &unchain_node::NodeConfig, url: &str) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::hidden();
    let progress = |event: SyncEvent<'_>| match event {
        SyncEvent::Waiting(seconds) => {
            eprintln!("{url} is writing a snapshot; asking again in {seconds} s")
        }
        SyncEvent::Manifest(m) => {
            let bytes: u64 = m.chunks.iter().map(|c| c.bytes).sum();
            eprintln!(
                "snapshot of chain {} at height {} (state root {}), vouched for by the \
                 checkpoint at log size {}: {} entries in {} chunks",
                m.chain_id,
                m.height,
                m.state_root,
                m.log_size,
                m.entries,
                m.chunks.len()
            );
            bar.set_length(bytes);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} fetched  {bytes_per_sec}  eta {eta}",
                )
                .expect("template"),
            );
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        SyncEvent::Chunk(_, bytes) => bar.inc(bytes),
        SyncEvent::Rebuilding => {
            bar.finish();
            eprintln!("rebuilding the state and checking its root against the checkpoint...");
        }
    };
    match sync_from_peer(cfg, url, &progress).await? {
        None => eprintln!(
            "{} already holds a ledger: starting from it, not from a snapshot",
            cfg.data_dir.display()
        ),
        Some(r) => {
            eprintln!(
                "restored {} state entries at height {}; state root {} matches the checkpoint \
                 cosigned by {}",
                r.entries,
                r.height,
                r.state_root,
                r.signers.join(", ")
            );
            if !r.sets_as_stated.is_empty() {
                eprintln!(
                    "note: the validator sets of epochs {:?} are as {url} stated them (a chain \
                     of proofs from the genesis set is not built yet); the checkpoint's \
                     signers are checked against them",
                    r.sets_as_stated
                );
            }
        }
    }
    Ok(())
}
