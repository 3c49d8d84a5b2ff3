//! `unchain node --sync-from URL`: a new node starts from a peer's state snapshot, with a
//! progress bar over the chunks, before it runs.

use unchain_node::snapshots::{SyncEvent, sync_from_peer};

/// Fetches, checks and restores the newest snapshot of the nodes at `urls` into the data
/// directory of `cfg`, unless it already holds a ledger.
pub async fn sync_from(cfg: &unchain_node::NodeConfig, urls: &[String]) -> anyhow::Result<()> {
    let url = urls.join(", ");
    let bar = indicatif::ProgressBar::hidden();
    let progress = |event: SyncEvent<'_>| match event {
        SyncEvent::Waiting(seconds) => {
            eprintln!("no snapshot ready yet at {url}; asking again in {seconds} s")
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
    match sync_from_peer(cfg, urls, &progress).await? {
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

/// `unchain backup`: asks this organisation's running node for a backup (signed with its
/// key), and copies it to `out` if given.
pub async fn backup(
    cfg: &unchain_node::NodeConfig,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let keys = unchain_node::run::load_keys(&cfg.key_file)?;
    let signer = unchain_client::auth::RequestSigner {
        member: keys.name.clone(),
        key: keys.signing_key()?,
        actor: None,
    };
    // The address the node is listening on (it writes it when the API is up).
    let addr = std::fs::read_to_string(cfg.data_dir.join("api.addr"))
        .map(|a| a.trim().to_owned())
        .unwrap_or_else(|_| cfg.api_listen.to_string());
    let client = unchain_client::Client::new(&format!("http://{addr}"));
    let written: unchain_node::api::BackupWritten = client
        .post_signed_json(&signer, "/v1/backups", &serde_json::json!({}))
        .await
        .with_context(|| format!("asking the node at {addr} for a backup"))?;
    eprintln!(
        "backup of {}'s node at height {}: {} files of its own data ({} bytes) and the \
         chain state, in {}",
        keys.name, written.height, written.files, written.bytes, written.path
    );
    if let Some(out) = out {
        copy_tree(std::path::Path::new(&written.path), out)?;
        eprintln!("copied to {}", out.display());
    }
    println!("{}", out.map_or(written.path, |o| o.display().to_string()));
    Ok(())
}

/// Copies the directory `from` to `to` (which must not exist).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if to.exists() {
        anyhow::bail!(
            "{} exists: name a new directory to copy the backup to",
            to.display()
        );
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying to {}", target.display()))?;
        }
    }
    Ok(())
}

/// `unchain restore`: puts a backup back into the empty data directory of the node of
/// `cfg`.
pub fn restore(cfg: &unchain_node::NodeConfig, from: &std::path::Path) -> anyhow::Result<()> {
    let r = unchain_node::backup::restore_backup(cfg, from)?;
    eprintln!(
        "restored the chain state at height {} ({} entries; state root {} matches the \
         checkpoint cosigned by {}) and {} files of the node's own data ({} bytes) into {}",
        r.ledger.height,
        r.ledger.entries,
        r.ledger.state_root,
        r.ledger.signers.join(", "),
        r.files,
        r.bytes,
        cfg.data_dir.display()
    );
    eprintln!(
        "start the node (unchain node --config ...): it fetches the blocks since height {} \
         from its peers, and deletes any ciphertext the chain erased since the backup",
        r.ledger.height
    );
    Ok(())
}
