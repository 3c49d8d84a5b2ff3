//! Moving ciphertexts between vaults: only to organisations the ledger names as recipients.
//!
//! Each node follows its own member's vault feed (`vault/feed/<member>/…`, written by the
//! ledger when a record version is sealed to it or granted to it). For every ciphertext
//! it may hold and lacks, it asks the nodes of the organisations that hold it — the owner
//! first, then every recipient — over the authenticated vault channel, retrying with
//! back-off until it has it, or the record is erased, or its access revoked. A node missed
//! while down catches up the same way when it restarts.
//!
//! The rules are checked at both ends against the ledger, never against the message:
//! a node serves a ciphertext only to a peer whose authenticated p2p key is a member that
//! [`unchain_vault::state::may_hold`] it (a recipient of that version, not revoked, record
//! not erased); a node stores a ciphertext only if its own member may hold it and the
//! bytes hash to the commitment the ledger recorded. A request for a commitment this node's
//! ledger does not know yet (the asker executed the entitling block first) waits up to
//! 10 s and is answered — or refused — once this node has executed further. It also deletes every ciphertext the
//! ledger lists as erased, and uploads that were never sealed within an hour.

use bytes::{Buf, BufMut};
use commonware_cryptography::ed25519;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use prometheus_client::metrics::counter::Counter;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tracing::{debug, info, warn};
use unchain_ledger::Ledger;
use unchain_types::Hash32;
use unchain_vault::state::{self, Denied};
use unchain_vault::store::BlobStore;

/// What a node's vault sync needs.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// This node's member name (whose feed it follows).
    pub member: String,
    /// Its ciphertext store.
    pub store: BlobStore,
    /// How often it looks for new ledger entries (one head read). Default 10 ms.
    pub poll: Duration,
    /// How long an upload may wait for its seal before it is deleted. Default 1 hour.
    pub unsealed_upload_ttl: Duration,
}

impl VaultConfig {
    /// Defaults for `member` and `store`.
    pub fn new(member: String, store: BlobStore) -> Self {
        VaultConfig {
            member,
            store,
            poll: Duration::from_millis(10),
            unsealed_upload_ttl: Duration::from_secs(3600),
        }
    }
}

/// A message on the vault channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultMessage {
    /// "Send me this ciphertext."
    Want(Hash32),
    /// A ciphertext.
    Blob(Hash32, Vec<u8>),
}

impl VaultMessage {
    /// `0 ‖ commitment` or `1 ‖ commitment ‖ bytes`.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            VaultMessage::Want(c) => {
                let mut b = Vec::with_capacity(33);
                b.put_u8(0);
                b.put_slice(&c.0);
                b
            }
            VaultMessage::Blob(c, bytes) => {
                let mut b = Vec::with_capacity(33 + bytes.len());
                b.put_u8(1);
                b.put_slice(&c.0);
                b.put_slice(bytes);
                b
            }
        }
    }

    /// Parses a message, refusing unknown tags, short messages, a `Want` with trailing
    /// bytes and a blob over `max_blob` bytes.
    pub fn decode(mut buf: &[u8], max_blob: usize) -> Result<Self, String> {
        if buf.len() < 33 {
            return Err(format!("{} bytes is shorter than a message", buf.len()));
        }
        let tag = buf.get_u8();
        let c = Hash32(buf[..32].try_into().expect("32 bytes"));
        buf.advance(32);
        match tag {
            0 if buf.is_empty() => Ok(VaultMessage::Want(c)),
            0 => Err("want with trailing bytes".into()),
            1 if buf.len() > max_blob => Err(format!("blob of {} bytes is too large", buf.len())),
            1 => Ok(VaultMessage::Blob(c, buf.to_vec())),
            t => Err(format!("unknown message tag {t}")),
        }
    }
}

/// Largest ciphertext accepted from a peer.
const MAX_BLOB: usize = unchain_vault::body::MAX_CIPHERTEXT as usize;

/// Counts of what the vault channel did (counts only: nothing about records or people).
#[derive(Clone, Default)]
struct VaultMetrics {
    received: Counter,
    served: Counter,
    refused: Counter,
    erased: Counter,
}

impl VaultMetrics {
    fn register(context: &impl Metrics) -> Self {
        let m = VaultMetrics::default();
        context.register(
            "ciphertexts_received",
            "ciphertexts received from peers and stored",
            m.received.clone(),
        );
        context.register(
            "ciphertexts_served",
            "ciphertexts sent to entitled peers",
            m.served.clone(),
        );
        context.register(
            "requests_refused",
            "requests and ciphertexts refused because the ledger does not entitle them",
            m.refused.clone(),
        );
        context.register(
            "ciphertexts_erased",
            "ciphertexts deleted because their record was erased",
            m.erased.clone(),
        );
        m
    }
}

/// What to do with a peer's request.
enum Verdict {
    /// Send it this ciphertext.
    Send(Vec<u8>),
    /// Not yet: this node has not executed the block naming the commitment, or has not
    /// received the ciphertext itself. The request waits for the next blocks.
    NotYet,
    /// The ledger does not entitle the peer (or it is no member).
    Refuse,
}

/// A request waiting for this node's ledger or vault to catch up.
struct PendingWant {
    peer: ed25519::PublicKey,
    commitment: Hash32,
    until: SystemTime,
}

/// Most requests kept waiting, and for how long.
const MAX_PENDING_WANTS: usize = 1024;
const PENDING_WANT_TTL: Duration = Duration::from_secs(10);

struct Wanted {
    owner: String,
    attempts: u32,
    next_try: SystemTime,
}

/// Starts the vault sync loops (follow the ledger and ask; answer and store).
pub fn start<E, S, R>(
    context: E,
    cfg: VaultConfig,
    ledger: Arc<Ledger>,
    mut sender: S,
    mut receiver: R,
) -> Vec<Handle<()>>
where
    E: Clock + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey> + Clone,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let mut answer = sender.clone();
    let (in_cfg, in_ledger) = (cfg.clone(), ledger.clone());
    let metrics = VaultMetrics::register(&context);
    let in_metrics = metrics.clone();
    let pending: Arc<std::sync::Mutex<Vec<PendingWant>>> = Arc::default();
    let in_pending = pending.clone();
    let follow = context
        .with_label("vault_follow")
        .spawn(move |ctx| async move {
            // Cursors: the last feed and erasure keys handled (empty: none yet).
            let mut feed_seen = Vec::new();
            let mut erased_seen = Vec::new();
            let mut height = u64::MAX;
            let mut wanted: BTreeMap<Hash32, Wanted> = BTreeMap::new();
            let mut last_sweep = ctx.current();
            loop {
                ctx.sleep(cfg.poll).await;
                let now = ctx.current();
                let head = match ledger.head() {
                    Ok(h) => h.height,
                    Err(e) => {
                        warn!(error = %e, "vault sync cannot read the ledger");
                        continue;
                    }
                };
                if head != height {
                    height = head;
                    if let Err(e) = follow_ledger(
                        &ledger,
                        &cfg,
                        &metrics,
                        &mut feed_seen,
                        &mut erased_seen,
                        &mut wanted,
                        now,
                    ) {
                        warn!(error = %e, "vault sync cannot read the ledger");
                        continue;
                    }
                    answer_pending(&ledger, &cfg, &metrics, &pending, &mut sender, now).await;
                }
                ask(&ledger, &cfg, &mut wanted, &mut sender, now).await;
                if now.duration_since(last_sweep).unwrap_or_default() > Duration::from_secs(60) {
                    last_sweep = now;
                    sweep_unsealed(&ledger, &cfg);
                }
            }
        });
    let serve = context
        .with_label("vault_serve")
        .spawn(move |ctx| async move {
            while let Ok((peer, msg)) = receiver.recv().await {
                match VaultMessage::decode(msg.as_ref(), MAX_BLOB) {
                    Ok(VaultMessage::Want(c)) => {
                        match serve_want(&in_ledger, &in_cfg, &in_metrics, &peer, &c) {
                            Verdict::Send(blob) => {
                                send_blob(&mut answer, &in_metrics, peer, c, blob).await
                            }
                            Verdict::NotYet => {
                                let mut waiting = in_pending.lock().expect("pending lock");
                                let known =
                                    waiting.iter().any(|w| w.peer == peer && w.commitment == c);
                                if !known && waiting.len() < MAX_PENDING_WANTS {
                                    waiting.push(PendingWant {
                                        peer,
                                        commitment: c,
                                        until: ctx.current() + PENDING_WANT_TTL,
                                    });
                                }
                            }
                            Verdict::Refuse => {}
                        }
                    }
                    Ok(VaultMessage::Blob(c, bytes)) => {
                        receive_blob(&in_ledger, &in_cfg, &in_metrics, &peer, &c, &bytes)
                    }
                    Err(e) => warn!(%peer, error = %e, "malformed vault message"),
                }
            }
            debug!("vault channel closed");
        });
    vec![follow, serve]
}

async fn send_blob<S: Sender<PublicKey = ed25519::PublicKey>>(
    sender: &mut S,
    metrics: &VaultMetrics,
    peer: ed25519::PublicKey,
    c: Hash32,
    blob: Vec<u8>,
) {
    metrics.served.inc();
    let reply = VaultMessage::Blob(c, blob).encode();
    if let Err(e) = sender
        .send(Recipients::One(peer.clone()), reply, false)
        .await
    {
        debug!(%peer, error = ?e, "cannot send a ciphertext");
    }
}

/// Answers the requests that waited for this node to catch up, now that it executed more.
async fn answer_pending<S: Sender<PublicKey = ed25519::PublicKey>>(
    ledger: &Ledger,
    cfg: &VaultConfig,
    metrics: &VaultMetrics,
    pending: &std::sync::Mutex<Vec<PendingWant>>,
    sender: &mut S,
    now: SystemTime,
) {
    let waiting = std::mem::take(&mut *pending.lock().expect("pending lock"));
    let mut keep = Vec::new();
    for w in waiting {
        if w.until < now {
            continue;
        }
        match serve_want(ledger, cfg, metrics, &w.peer, &w.commitment) {
            Verdict::Send(blob) => send_blob(sender, metrics, w.peer, w.commitment, blob).await,
            Verdict::NotYet => keep.push(w),
            Verdict::Refuse => {}
        }
    }
    pending.lock().expect("pending lock").extend(keep);
}

/// Reads new feed and erasure entries: queues what this node should fetch, deletes what
/// the ledger erased.
fn follow_ledger(
    ledger: &Ledger,
    cfg: &VaultConfig,
    metrics: &VaultMetrics,
    feed_seen: &mut Vec<u8>,
    erased_seen: &mut Vec<u8>,
    wanted: &mut BTreeMap<Hash32, Wanted>,
    now: SystemTime,
) -> Result<(), unchain_ledger::LedgerError> {
    let reader = ledger.state_reader()?;
    for (key, entry) in state::erased(&reader, erased_seen)? {
        for c in &entry.commitments {
            wanted.remove(c);
            match cfg.store.delete(c) {
                Ok(true) => {
                    metrics.erased.inc();
                    info!(record = %entry.record, "erased a ciphertext from the vault")
                }
                Ok(false) => {}
                Err(e) => warn!(record = %entry.record, error = %e, "cannot erase a ciphertext"),
            }
        }
        *erased_seen = key;
    }
    for (key, entry) in state::feed(&reader, &cfg.member, feed_seen)? {
        *feed_seen = key;
        if cfg.store.has(&entry.commitment) {
            continue;
        }
        if let Ok((record, _)) = state::may_hold(&reader, &entry.commitment, &cfg.member)? {
            wanted.insert(
                entry.commitment,
                Wanted {
                    owner: record.owner,
                    attempts: 0,
                    next_try: now,
                },
            );
        }
    }
    Ok(())
}

/// Asks for every wanted ciphertext whose retry time has come: the owner's node first, then
/// every node whose organisation holds it.
async fn ask<S: Sender<PublicKey = ed25519::PublicKey>>(
    ledger: &Ledger,
    cfg: &VaultConfig,
    wanted: &mut BTreeMap<Hash32, Wanted>,
    sender: &mut S,
    now: SystemTime,
) {
    let due: Vec<Hash32> = wanted
        .iter()
        .filter(|(_, w)| w.next_try <= now)
        .map(|(c, _)| *c)
        .collect();
    if due.is_empty() {
        return;
    }
    let (Ok(reader), Ok(members)) = (ledger.state_reader(), ledger.members()) else {
        return;
    };
    let key_of = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| crate::validator::to_ed25519(&m.signing_key))
    };
    for c in due {
        if cfg.store.has(&c) || !matches!(state::may_hold(&reader, &c, &cfg.member), Ok(Ok(_))) {
            wanted.remove(&c);
            continue;
        }
        let w = wanted.get_mut(&c).expect("due entry");
        let holders: Vec<ed25519::PublicKey> = if w.attempts == 0 {
            key_of(&w.owner).into_iter().collect()
        } else {
            members
                .iter()
                .filter(|m| m.name != cfg.member)
                .filter(|m| matches!(state::may_hold(&reader, &c, &m.name), Ok(Ok(_))))
                .filter_map(|m| key_of(&m.name))
                .collect()
        };
        w.attempts += 1;
        // 100 ms, 200 ms, 400 ms, … up to 10 s: the first answer is often "not yet" because
        // the holder has not executed the block that entitles this node.
        w.next_try = now
            + Duration::from_millis(100 << (w.attempts - 1).min(7)).min(Duration::from_secs(10));
        if holders.is_empty() {
            continue;
        }
        let msg = VaultMessage::Want(c).encode();
        if let Err(e) = sender.send(Recipients::Some(holders), msg, false).await {
            debug!(error = ?e, "cannot ask for a ciphertext");
        }
    }
}

/// The ciphertext to send `peer`, if its member may hold it and this node has it.
fn serve_want(
    ledger: &Ledger,
    cfg: &VaultConfig,
    metrics: &VaultMetrics,
    peer: &ed25519::PublicKey,
    c: &Hash32,
) -> Verdict {
    let Some(key) = <[u8; 32]>::try_from(peer.as_ref())
        .ok()
        .and_then(|b| unchain_types::PublicKey::from_bytes(b).ok())
    else {
        return Verdict::Refuse;
    };
    let Ok(Some((member, _))) = ledger.sender_and_next_nonce(&key) else {
        metrics.refused.inc();
        warn!(%peer, "vault request from a node that is no member");
        return Verdict::Refuse;
    };
    let Ok(reader) = ledger.state_reader() else {
        return Verdict::NotYet;
    };
    match state::may_hold(&reader, c, &member.name) {
        Ok(Ok(_)) => match cfg.store.get(c) {
            Ok(Some(blob)) => Verdict::Send(blob),
            _ => Verdict::NotYet,
        },
        Ok(Err(Denied::Unknown)) => Verdict::NotYet,
        Ok(Err(why)) => {
            metrics.refused.inc();
            warn!(member = %member.name, reason = %why, "refused a vault request");
            Verdict::Refuse
        }
        Err(e) => {
            warn!(error = %e, "vault sync cannot read the ledger");
            Verdict::NotYet
        }
    }
}

/// Stores a ciphertext a peer sent, if this node's member may hold it and it matches.
fn receive_blob(
    ledger: &Ledger,
    cfg: &VaultConfig,
    metrics: &VaultMetrics,
    peer: &ed25519::PublicKey,
    c: &Hash32,
    bytes: &[u8],
) {
    if cfg.store.has(c) {
        return;
    }
    let Ok(reader) = ledger.state_reader() else {
        return;
    };
    match state::may_hold(&reader, c, &cfg.member) {
        Ok(Ok((record, version))) => match cfg.store.put(c, bytes) {
            Ok(()) => {
                metrics.received.inc();
                info!(record = %record.record, version = version.version, from = %peer, "received a ciphertext")
            }
            Err(e) => {
                metrics.refused.inc();
                warn!(%peer, error = %e, "refused a ciphertext from a peer")
            }
        },
        Ok(Err(why)) => {
            metrics.refused.inc();
            debug!(%peer, reason = %why, "dropped an unrequested ciphertext")
        }
        Err(e) => warn!(error = %e, "vault sync cannot read the ledger"),
    }
}

/// Deletes uploads older than the time-to-live that no committed record version names.
fn sweep_unsealed(ledger: &Ledger, cfg: &VaultConfig) {
    let (Ok(reader), Ok(list)) = (ledger.state_reader(), cfg.store.list()) else {
        return;
    };
    for (c, age) in list {
        if age > cfg.unsealed_upload_ttl && matches!(state::is_committed(&reader, &c), Ok(false)) {
            match cfg.store.delete(&c) {
                Ok(_) => info!(commitment = %c, "deleted an upload that was never sealed"),
                Err(e) => warn!(error = %e, "cannot delete an unsealed upload"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_ones_are_refused() {
        let c = Hash32([7; 32]);
        for m in [VaultMessage::Want(c), VaultMessage::Blob(c, vec![1, 2, 3])] {
            assert_eq!(VaultMessage::decode(&m.encode(), 10), Ok(m));
        }
        assert!(VaultMessage::decode(&[0; 10], 10).is_err());
        let mut want = VaultMessage::Want(c).encode();
        want.push(0);
        assert!(
            VaultMessage::decode(&want, 10)
                .expect_err("trailing")
                .contains("trailing")
        );
        let big = VaultMessage::Blob(c, vec![0; 11]).encode();
        assert!(
            VaultMessage::decode(&big, 10)
                .expect_err("big")
                .contains("too large")
        );
        let mut bad = VaultMessage::Want(c).encode();
        bad[0] = 9;
        assert!(
            VaultMessage::decode(&bad, 10)
                .expect_err("tag")
                .contains("unknown")
        );
    }
}
