//! Sidecars: the erasable members of transactions ([`unchain_types::sidecar`]), kept by
//! every node in a deletable store beside the ledger, fetched from peers when gossip missed
//! them, and deleted everywhere when the ledger erases them.
//!
//! A block carries only leaf bytes, so consensus's block archive (append-only) never holds
//! an erasable member. Each node keeps the sidecars it admitted or fetched under
//! `DATA/sidecars/`, one file per digest ([`BlobStore`]: a delete overwrites, then unlinks).
//! A validator votes for a block only when it holds every sidecar the block's transactions
//! commit to (a data-availability rule: [`SidecarStore::wait_for`] in
//! [`crate::application`]); a node that must execute a finalized block without one asks its
//! peers on the sidecar channel and waits. A peer answers any member's node — every member's
//! node holds every sidecar anyway — but never with one the ledger lists as erased. A
//! sidecar whose transaction has not committed an hour after it arrived (refused at
//! execution, or never taken into a block) is swept.

use crate::application::{Applied, block_or_tick};
use crate::blob_store::{BlobStore, StoreError};
use crate::blob_sync::BlobMessage;
use commonware_codec::{Decode as _, Encode as _};
use commonware_cryptography::ed25519;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use futures::channel::oneshot;
use prometheus_client::metrics::counter::Counter;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::{debug, info, warn};
use unchain_ledger::Ledger;
use unchain_types::Hash32;
use unchain_types::sidecar::Sidecar;

/// The largest sidecar accepted from a peer (a transaction's limit).
const MAX_SIDECAR: usize = unchain_types::MAX_TX_BYTES;

/// How often wanted sidecars are asked for again, and erasures looked for.
const TICK: Duration = Duration::from_millis(200);

/// How long a sidecar whose transaction has not committed is kept (it may still be in a
/// pool, or in a block not yet executed here), and how often the store is swept for ones
/// older than that.
const UNCOMMITTED_TTL: Duration = Duration::from_secs(3600);
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// A node's sidecars, and who waits for one.
pub struct SidecarStore {
    files: BlobStore,
    /// Digests execution is waiting for.
    wanted: Mutex<BTreeSet<Hash32>>,
    /// Woken whenever a sidecar arrives.
    waiters: Mutex<Vec<oneshot::Sender<()>>>,
}

impl std::fmt::Debug for SidecarStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl SidecarStore {
    /// Opens (or creates) the store in `dir` (mode 0700).
    pub fn open(dir: &std::path::Path) -> std::io::Result<Self> {
        Ok(SidecarStore {
            files: BlobStore::open(dir)?,
            wanted: Mutex::default(),
            waiters: Mutex::default(),
        })
    }

    /// Keeps `sidecar` (durable on return) and wakes whoever waits for one.
    pub fn put(&self, sidecar: &Sidecar) -> Result<(), StoreError> {
        self.files.put(&sidecar.digest(), sidecar.bytes())?;
        self.wanted
            .lock()
            .expect("wanted lock")
            .remove(&sidecar.digest());
        for waiter in std::mem::take(&mut *self.waiters.lock().expect("waiters lock")) {
            let _ = waiter.send(());
        }
        Ok(())
    }

    /// The sidecar with `digest`, if this node holds it.
    pub fn get(&self, digest: &Hash32) -> Option<Sidecar> {
        let bytes = self.files.get(digest).ok().flatten()?;
        Sidecar::from_bytes(&bytes).ok()
    }

    /// Whether this node holds the sidecar with `digest`.
    pub fn has(&self, digest: &Hash32) -> bool {
        self.files.has(digest)
    }

    /// Overwrites and deletes the sidecar with `digest`. Returns whether it was here.
    pub fn delete(&self, digest: &Hash32) -> std::io::Result<bool> {
        self.wanted.lock().expect("wanted lock").remove(digest);
        self.files.delete(digest)
    }

    /// Every digest held.
    pub fn list(&self) -> std::io::Result<Vec<Hash32>> {
        Ok(self.files.list()?.into_iter().map(|(d, _)| d).collect())
    }

    /// Deletes the sidecars older than `ttl` whose transaction has not committed (refused
    /// at execution, or never taken into a block). Returns how many went. (A node that
    /// executes a block more than `ttl` after its sidecar came asks for it again.)
    pub fn sweep(&self, ledger: &Ledger, ttl: Duration) -> std::io::Result<usize> {
        let mut swept = 0;
        for (digest, age) in self.files.list()? {
            if age >= ttl
                && !ledger.sidecar_committed(&digest).unwrap_or(true)
                && self.files.delete(&digest)?
            {
                swept += 1;
            }
        }
        Ok(swept)
    }

    /// Asks peers for the sidecar with `digest` (the sync actor sends the request) and
    /// returns a receiver that fires when any sidecar arrives (or at once if this one is
    /// already here): the caller looks again.
    pub fn want(&self, digest: Hash32) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("waiters lock").push(tx);
        if self.has(&digest) {
            for waiter in std::mem::take(&mut *self.waiters.lock().expect("waiters lock")) {
                let _ = waiter.send(());
            }
        } else {
            self.wanted.lock().expect("wanted lock").insert(digest);
        }
        rx
    }

    fn wanted(&self) -> Vec<Hash32> {
        self.wanted
            .lock()
            .expect("wanted lock")
            .iter()
            .copied()
            .collect()
    }
}

/// Counts of what the sidecar channel did (counts only).
#[derive(Clone, Default)]
struct SidecarMetrics {
    received: Counter,
    served: Counter,
    erased: Counter,
    swept: Counter,
}

impl SidecarMetrics {
    fn register(context: &impl Metrics) -> Self {
        let m = SidecarMetrics::default();
        context.register(
            "received",
            "sidecars received from peers and stored",
            m.received.clone(),
        );
        context.register("served", "sidecars sent to peers", m.served.clone());
        context.register(
            "erased",
            "sidecars deleted because the ledger erased them",
            m.erased.clone(),
        );
        context.register(
            "swept",
            "sidecars deleted because their transaction never committed",
            m.swept.clone(),
        );
        m
    }
}

/// Starts the sidecar loops: ask for what execution waits on and delete what the ledger
/// erased; answer peers and store what they send.
pub fn start<E, S, R>(
    context: E,
    store: Arc<SidecarStore>,
    ledger: Arc<Ledger>,
    mut applied: Applied,
    mut sender: S,
    mut receiver: R,
) -> Vec<Handle<()>>
where
    E: Clock + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey> + Clone,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let metrics = SidecarMetrics::register(&context);
    let (in_store, in_ledger, in_metrics) = (store.clone(), ledger.clone(), metrics.clone());
    let mut answer = sender.clone();
    erase_held(&store, &ledger, &metrics);
    let ask = context.with_label("ask").spawn(move |ctx| async move {
        let mut height = ledger.head().map(|h| h.height).unwrap_or(0);
        let mut last_sweep = ctx.current();
        loop {
            block_or_tick(&ctx, &mut applied, TICK).await;
            let now = ctx.current();
            if now.duration_since(last_sweep).unwrap_or_default() > SWEEP_EVERY {
                last_sweep = now;
                match store.sweep(&ledger, UNCOMMITTED_TTL) {
                    Ok(n) => {
                        metrics.swept.inc_by(n as u64);
                    }
                    Err(e) => warn!(error = %e, "cannot sweep the sidecar store"),
                }
            }
            // Erasures in the blocks applied since the last look.
            let head = ledger.head().map(|h| h.height).unwrap_or(height);
            while height < head {
                height += 1;
                match ledger.block(height) {
                    Ok(Some(record)) => {
                        for digest in &record.erased_sidecars {
                            erase_one(&store, digest, &metrics);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => warn!(height, error = %e, "sidecar sync cannot read a block"),
                }
            }
            for digest in store.wanted() {
                let msg = BlobMessage::Want(digest).encode();
                if let Err(e) = sender.send(Recipients::All, msg, false).await {
                    debug!(error = ?e, "cannot ask for a sidecar");
                }
            }
        }
    });
    let serve = context.with_label("serve").spawn(move |_| async move {
        while let Ok((peer, msg)) = receiver.recv().await {
            match BlobMessage::decode_cfg(msg.as_ref(), &MAX_SIDECAR) {
                Ok(BlobMessage::Want(digest)) => {
                    // Never an erased one: the ledger's list, not the file's absence, is
                    // the rule (a crash may leave a file the next start deletes).
                    if in_ledger.sidecar_erased(&digest).unwrap_or(true) {
                        continue;
                    }
                    let Some(sidecar) = in_store.get(&digest) else {
                        continue;
                    };
                    in_metrics.served.inc();
                    let reply = BlobMessage::Blob(digest, sidecar.bytes().to_vec()).encode();
                    if let Err(e) = answer
                        .send(Recipients::One(peer.clone()), reply, false)
                        .await
                    {
                        debug!(%peer, error = ?e, "cannot send a sidecar");
                    }
                }
                Ok(BlobMessage::Blob(digest, bytes)) => {
                    let asked = in_store.wanted.lock().expect("wanted lock").contains(&digest);
                    if !asked || in_ledger.sidecar_erased(&digest).unwrap_or(true) {
                        continue;
                    }
                    match Sidecar::from_bytes(&bytes) {
                        Ok(s) if s.digest() == digest => match in_store.put(&s) {
                            Ok(()) => {
                                in_metrics.received.inc();
                                debug!(%peer, %digest, "sidecar received");
                            }
                            Err(e) => warn!(%digest, error = %e, "cannot store a sidecar"),
                        },
                        _ => warn!(%peer, %digest, "a peer sent a sidecar that is not the one asked for"),
                    }
                }
                Err(e) => warn!(%peer, error = %e, "malformed sidecar-channel message"),
            }
        }
        debug!("sidecar channel closed");
    });
    vec![ask, serve]
}

/// Deletes every held sidecar the ledger lists as erased: at start, for an erasure applied
/// just before a crash, or restored from a backup taken before it.
fn erase_held(store: &SidecarStore, ledger: &Ledger, metrics: &SidecarMetrics) {
    match store.list() {
        Ok(held) => {
            for digest in held {
                if ledger.sidecar_erased(&digest).unwrap_or(false) {
                    erase_one(store, &digest, metrics);
                }
            }
        }
        Err(e) => warn!(error = %e, "cannot list the sidecar store"),
    }
}

fn erase_one(store: &SidecarStore, digest: &Hash32, metrics: &SidecarMetrics) {
    match store.delete(digest) {
        Ok(true) => {
            metrics.erased.inc();
            info!(%digest, "sidecar erased");
        }
        Ok(false) => {}
        Err(e) => warn!(%digest, error = %e, "cannot erase a sidecar"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeSet;
    use unchain_ledger::{Genesis, Member, Role};
    use unchain_types::{EncryptionSecretKey, SigningKey, Transaction, UnsignedTransaction};

    fn seal(key: &SigningKey, nonce: u64, record: u8) -> Transaction {
        UnsignedTransaction {
            chain_id: "sweep".into(),
            sender: key.public_key(),
            nonce,
            kind: "vault.seal".into(),
            body: json!({"record": Hash32([record; 32]), "version": 1, "schema": "case.note",
                "commitment": Hash32([record ^ 0xff; 32]), "size": 1,
                "recipients": {"ngo": "ab".repeat(80)},
                "policy": {"retention_days": 30, "consent_required": false},
                "subject": SigningKey::from_seed([record; 32]).public_key()}),
        }
        .sign(key)
        .expect("sign")
    }

    #[test]
    fn a_sweep_keeps_the_sidecars_of_committed_transactions_and_deletes_the_rest() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = SigningKey::from_seed([5; 32]);
        let genesis = Genesis {
            chain_id: "sweep".into(),
            log_origin: "unchain/sweep".into(),
            matching_key: None,
            epoch_length: None,
            genesis_time_ms: 0,
            members: vec![Member {
                name: "ngo".into(),
                display_name: "NGO".into(),
                jurisdiction: "GB".into(),
                sector: None,
                roles: BTreeSet::from([Role::Governance, Role::Records]),
                signing_key: key.public_key(),
                encryption_key: EncryptionSecretKey::generate(&mut rand::thread_rng()).public_key(),
                validator: true,
            }],
        };
        let vault = Arc::new(unchain_vault::VaultModule::new(&genesis));
        let ledger =
            Ledger::open(&dir.path().join("l.redb"), genesis, vec![vault], None).expect("ledger");
        let store = SidecarStore::open(&dir.path().join("sidecars")).expect("store");
        let (committed, orphan) = (seal(&key, 1, 1), seal(&key, 2, 2));
        for t in [&committed, &orphan] {
            store.put(t.sidecar().expect("sidecar")).expect("kept");
        }
        let head = ledger.head().expect("head");
        let block = head.next_block(1000, key.public_key(), &[&committed]);
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        let out = ledger
            .apply_block_with(&block, digest, &|_| None, &|d| store.get(d))
            .expect("applies");
        assert_eq!(out.record.committed, vec![committed.id()]);
        let d = |t: &Transaction| t.erasable().expect("digest");
        assert!(ledger.sidecar_committed(&d(&committed)).expect("read"));
        // Younger than the time to live: nothing goes.
        assert_eq!(store.sweep(&ledger, UNCOMMITTED_TTL).expect("sweep"), 0);
        assert_eq!(store.sweep(&ledger, Duration::ZERO).expect("sweep"), 1);
        assert!(store.has(&d(&committed)));
        assert!(!store.has(&d(&orphan)));
    }
}
