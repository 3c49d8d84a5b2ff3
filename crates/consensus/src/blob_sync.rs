//! Moving ciphertexts between nodes: only to organisations the ledger says may hold them.
//!
//! Two kinds of ciphertext travel this way, each on its own channel with its own store and
//! its own rules ([`Holdings`], which the node provides): the vault's sealed records, which
//! reach only the recipients of each version (`unchain_vault::holdings::VaultHoldings`),
//! and tip messages, of which every member's node keeps an opaque copy (the node crate's
//! rules).
//!
//! Each node follows its ledger's feed of what its member should hold. For every
//! ciphertext it may hold and lacks, it asks the node of the organisation the ciphertext
//! came from first, then every node whose organisation may hold it, over the
//! authenticated channel, retrying with back-off until it has it, or it is erased, or the
//! member's access revoked. A node missed while down — or one that lost its data
//! directory — catches up the same way when it restarts.
//!
//! The rules are checked at both ends against the ledger, never against the message:
//! a node serves a ciphertext only to a peer whose authenticated p2p key is a member that
//! may hold it; a node stores a ciphertext only if its own member may hold it and the
//! bytes hash to the commitment the ledger recorded. A request for a commitment this node's
//! ledger does not know yet (the asker executed the entitling block first) waits up to
//! 10 s and is answered — or refused — once this node has executed further. It also deletes
//! every ciphertext the ledger lists as erased, and uploads that were never recorded within
//! an hour.

use crate::application::{Applied, block_or_tick};
use crate::blob_store::BlobStore;
use bytes::{Buf, BufMut};
use commonware_codec::{
    Decode as _, Encode as _, EncodeSize, Error as CodecError, RangeCfg, Read, ReadExt as _, Write,
};
use commonware_cryptography::ed25519;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use prometheus_client::metrics::counter::Counter;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tracing::{debug, info, warn};
use unchain_ledger::Ledger;
use unchain_ledger::holdings::{Entitled, Holdings};
use unchain_types::Hash32;

/// What a node's ciphertext sync needs.
#[derive(Clone)]
pub struct SyncConfig {
    /// This node's member name (whose feed it follows).
    pub member: String,
    /// Its ciphertext store.
    pub store: BlobStore,
    /// The ledger's rules for these ciphertexts.
    pub holdings: Arc<dyn Holdings>,
    /// Largest ciphertext accepted from a peer.
    pub max_blob: usize,
    /// How often, when no block arrives, it looks again at what is still wanted (retries
    /// back off from 100 ms). New ledger entries are read as soon as their block is applied:
    /// the actor is told, not polling. Default 100 ms.
    pub tick: Duration,
    /// How long an upload may wait for its record before it is deleted. Default 1 hour.
    pub unsealed_upload_ttl: Duration,
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("member", &self.member)
            .field("store", &self.store)
            .field("max_blob", &self.max_blob)
            .finish_non_exhaustive()
    }
}

impl SyncConfig {
    /// A sync for `member` over `store` under `holdings`, with defaults.
    pub fn new(
        member: String,
        store: BlobStore,
        holdings: Arc<dyn Holdings>,
        max_blob: usize,
    ) -> Self {
        SyncConfig {
            member,
            store,
            holdings,
            max_blob,
            tick: Duration::from_millis(100),
            unsealed_upload_ttl: Duration::from_secs(3600),
        }
    }
}

/// A message on a ciphertext channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobMessage {
    /// "Send me this ciphertext."
    Want(Hash32),
    /// A ciphertext.
    Blob(Hash32, Vec<u8>),
}

/// In commonware's codec: a tag byte (0 want, 1 blob), the commitment, and for a blob its
/// bytes with a varint length, at most the channel's `max_blob` (the read config).
impl Write for BlobMessage {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            BlobMessage::Want(c) => {
                0u8.write(buf);
                c.0.write(buf);
            }
            BlobMessage::Blob(c, bytes) => {
                1u8.write(buf);
                c.0.write(buf);
                bytes.write(buf);
            }
        }
    }
}

impl EncodeSize for BlobMessage {
    fn encode_size(&self) -> usize {
        1 + 32
            + match self {
                BlobMessage::Want(_) => 0,
                BlobMessage::Blob(_, bytes) => bytes.encode_size(),
            }
    }
}

impl Read for BlobMessage {
    type Cfg = usize;

    fn read_cfg(buf: &mut impl Buf, max_blob: &usize) -> Result<Self, CodecError> {
        let tag = u8::read(buf)?;
        let c = Hash32(<[u8; 32]>::read(buf)?);
        match tag {
            0 => Ok(BlobMessage::Want(c)),
            1 => {
                let bytes = Vec::<u8>::read_cfg(buf, &(RangeCfg::new(..=*max_blob), ()))?;
                Ok(BlobMessage::Blob(c, bytes))
            }
            t => Err(CodecError::InvalidEnum(t)),
        }
    }
}

/// Counts of what a ciphertext channel did (counts only: nothing about records or people).
#[derive(Clone, Default)]
struct SyncMetrics {
    received: Counter,
    served: Counter,
    refused: Counter,
    erased: Counter,
}

impl SyncMetrics {
    fn register(context: &impl Metrics) -> Self {
        let m = SyncMetrics::default();
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
            "ciphertexts deleted because the ledger erased them",
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

/// A request waiting for this node's ledger or store to catch up.
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

/// Starts the sync loops (follow the ledger and ask; answer and store).
pub fn start<E, S, R>(
    context: E,
    cfg: SyncConfig,
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
    let mut answer = sender.clone();
    let (in_cfg, in_ledger) = (cfg.clone(), ledger.clone());
    let metrics = SyncMetrics::register(&context);
    let in_metrics = metrics.clone();
    let pending: Arc<std::sync::Mutex<Vec<PendingWant>>> = Arc::default();
    let in_pending = pending.clone();
    let follow = context.with_label("follow").spawn(move |ctx| async move {
        // Cursors: the last feed and erasure keys handled (empty: none yet).
        let mut feed_seen = Vec::new();
        let mut erased_seen = Vec::new();
        let mut height = u64::MAX;
        let mut wanted: BTreeMap<Hash32, Wanted> = BTreeMap::new();
        let mut last_sweep = ctx.current();
        loop {
            block_or_tick(&ctx, &mut applied, cfg.tick).await;
            let now = ctx.current();
            let head = match ledger.head() {
                Ok(h) => h.height,
                Err(e) => {
                    warn!(error = %e, "ciphertext sync cannot read the ledger");
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
                    warn!(error = %e, "ciphertext sync cannot read the ledger");
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
    let serve = context.with_label("serve").spawn(move |ctx| async move {
        while let Ok((peer, msg)) = receiver.recv().await {
            match BlobMessage::decode_cfg(msg.as_ref(), &in_cfg.max_blob) {
                Ok(BlobMessage::Want(c)) => {
                    match serve_want(&in_ledger, &in_cfg, &in_metrics, &peer, &c) {
                        Verdict::Send(blob) => {
                            send_blob(&mut answer, &in_metrics, peer, c, blob).await
                        }
                        Verdict::NotYet => {
                            let mut waiting = in_pending.lock().expect("pending lock");
                            let known = waiting.iter().any(|w| w.peer == peer && w.commitment == c);
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
                Ok(BlobMessage::Blob(c, bytes)) => {
                    receive_blob(&in_ledger, &in_cfg, &in_metrics, &peer, &c, &bytes)
                }
                Err(e) => warn!(%peer, error = %e, "malformed ciphertext-channel message"),
            }
        }
        debug!("ciphertext channel closed");
    });
    vec![follow, serve]
}

async fn send_blob<S: Sender<PublicKey = ed25519::PublicKey>>(
    sender: &mut S,
    metrics: &SyncMetrics,
    peer: ed25519::PublicKey,
    c: Hash32,
    blob: Vec<u8>,
) {
    metrics.served.inc();
    let reply = BlobMessage::Blob(c, blob).encode();
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
    cfg: &SyncConfig,
    metrics: &SyncMetrics,
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
    cfg: &SyncConfig,
    metrics: &SyncMetrics,
    feed_seen: &mut Vec<u8>,
    erased_seen: &mut Vec<u8>,
    wanted: &mut BTreeMap<Hash32, Wanted>,
    now: SystemTime,
) -> Result<(), unchain_ledger::LedgerError> {
    let reader = ledger.state_reader()?;
    let holdings = &cfg.holdings;
    for (key, entry) in holdings.erased(&reader, erased_seen)? {
        for c in &entry.commitments {
            wanted.remove(c);
            match cfg.store.delete(c) {
                Ok(true) => {
                    metrics.erased.inc();
                    info!(what = %entry.what, "erased a ciphertext")
                }
                Ok(false) => {}
                Err(e) => warn!(what = %entry.what, error = %e, "cannot erase a ciphertext"),
            }
        }
        *erased_seen = key;
    }
    for (key, commitment) in holdings.feed(&reader, &cfg.member, feed_seen)? {
        *feed_seen = key;
        if cfg.store.has(&commitment) {
            continue;
        }
        if let Entitled::Yes { source, .. } =
            holdings.may_hold(&reader, &commitment, &cfg.member)?
        {
            wanted.insert(
                commitment,
                Wanted {
                    owner: source,
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
    cfg: &SyncConfig,
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
        let may = |member: &str| {
            matches!(
                cfg.holdings.may_hold(&reader, &c, member),
                Ok(Entitled::Yes { .. })
            )
        };
        if cfg.store.has(&c) || !may(&cfg.member) {
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
                .filter(|m| may(&m.name))
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
        let msg = BlobMessage::Want(c).encode();
        if let Err(e) = sender.send(Recipients::Some(holders), msg, false).await {
            debug!(error = ?e, "cannot ask for a ciphertext");
        }
    }
}

/// The ciphertext to send `peer`, if its member may hold it and this node has it.
fn serve_want(
    ledger: &Ledger,
    cfg: &SyncConfig,
    metrics: &SyncMetrics,
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
        warn!(%peer, "ciphertext request from a node that is no member");
        return Verdict::Refuse;
    };
    let Ok(reader) = ledger.state_reader() else {
        return Verdict::NotYet;
    };
    match cfg.holdings.may_hold(&reader, c, &member.name) {
        Ok(Entitled::Yes { .. }) => match cfg.store.get(c) {
            Ok(Some(blob)) => Verdict::Send(blob),
            _ => Verdict::NotYet,
        },
        Ok(Entitled::Unknown) => Verdict::NotYet,
        Ok(Entitled::No(why)) => {
            metrics.refused.inc();
            warn!(member = %member.name, reason = %why, "refused a ciphertext request");
            Verdict::Refuse
        }
        Err(e) => {
            warn!(error = %e, "ciphertext sync cannot read the ledger");
            Verdict::NotYet
        }
    }
}

/// Stores a ciphertext a peer sent, if this node's member may hold it and it matches.
fn receive_blob(
    ledger: &Ledger,
    cfg: &SyncConfig,
    metrics: &SyncMetrics,
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
    match cfg.holdings.may_hold(&reader, c, &cfg.member) {
        Ok(Entitled::Yes { what, .. }) => match cfg.store.put(c, bytes) {
            Ok(()) => {
                metrics.received.inc();
                info!(%what, from = %peer, "received a ciphertext")
            }
            Err(e) => {
                metrics.refused.inc();
                warn!(%peer, error = %e, "refused a ciphertext from a peer")
            }
        },
        Ok(Entitled::Unknown) => {
            metrics.refused.inc();
            debug!(%peer, "dropped a ciphertext the ledger does not know")
        }
        Ok(Entitled::No(why)) => {
            metrics.refused.inc();
            debug!(%peer, reason = %why, "dropped an unrequested ciphertext")
        }
        Err(e) => warn!(error = %e, "ciphertext sync cannot read the ledger"),
    }
}

/// Deletes uploads older than the time-to-live that the ledger never recorded.
fn sweep_unsealed(ledger: &Ledger, cfg: &SyncConfig) {
    let (Ok(reader), Ok(list)) = (ledger.state_reader(), cfg.store.list()) else {
        return;
    };
    for (c, age) in list {
        if age > cfg.unsealed_upload_ttl
            && matches!(cfg.holdings.is_committed(&reader, &c), Ok(false))
        {
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
        for m in [BlobMessage::Want(c), BlobMessage::Blob(c, vec![1, 2, 3])] {
            assert_eq!(
                BlobMessage::decode_cfg(m.encode(), &10).expect("round trip"),
                m
            );
        }
        assert!(matches!(
            BlobMessage::decode_cfg(&[0u8; 10][..], &10),
            Err(CodecError::EndOfBuffer)
        ));
        let mut want = BlobMessage::Want(c).encode().to_vec();
        want.push(0);
        assert!(matches!(
            BlobMessage::decode_cfg(&want[..], &10),
            Err(CodecError::ExtraData(1))
        ));
        let big = BlobMessage::Blob(c, vec![0; 11]).encode();
        assert!(matches!(
            BlobMessage::decode_cfg(big, &10),
            Err(CodecError::InvalidLength(11))
        ));
        let mut bad = BlobMessage::Want(c).encode().to_vec();
        bad[0] = 9;
        assert!(matches!(
            BlobMessage::decode_cfg(&bad[..], &10),
            Err(CodecError::InvalidEnum(9))
        ));
    }
}
