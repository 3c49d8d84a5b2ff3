//! Transaction gossip: what a client submits to any node reaches whichever validator leads
//! next.
//!
//! A node sends the transactions admitted through its own API, in batches, to every other
//! validator; a receiver parses them, verifies their signatures (a whole batch at once) and
//! admits them to its mempool without sending them on. Every validator thus holds every
//! pending transaction, and when a block arrives carrying them the verifier finds them
//! already parsed and checked.

use crate::mempool::Mempool;
use bytes::{Buf, BufMut};
use commonware_codec::{EncodeSize, ReadExt, Write, varint::UInt};
use commonware_cryptography::ed25519;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Metrics, Spawner};
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, warn};
use unchain_ledger::Ledger;
use unchain_types::{MAX_TX_BYTES, Transaction};

/// Gossip batching.
#[derive(Debug, Clone, Copy)]
pub struct GossipConfig {
    /// How often the outbox is sent. Default 5 ms.
    pub flush_interval: Duration,
    /// Most transactions in one message. Default 2 000.
    pub max_batch_txs: usize,
    /// Most transaction bytes in one message. Default 4 MiB.
    pub max_batch_bytes: usize,
    /// How often transactions submitted here and still waiting are sent again. Default 2 s.
    pub resend_interval: Duration,
}

impl Default for GossipConfig {
    fn default() -> Self {
        GossipConfig {
            flush_interval: Duration::from_millis(5),
            max_batch_txs: 2_000,
            max_batch_bytes: 4 * 1024 * 1024,
            resend_interval: Duration::from_secs(2),
        }
    }
}

/// Encodes a batch: a varint count, then each transaction's wire bytes (its leaf bytes,
/// with its sidecar when it has one) with a varint length.
pub fn encode_batch(txs: &[Arc<Transaction>]) -> Vec<u8> {
    let size = UInt(txs.len() as u64).encode_size()
        + txs
            .iter()
            .map(|t| {
                let n = t.wire_bytes().len();
                UInt(n as u64).encode_size() + n
            })
            .sum::<usize>();
    let mut buf = Vec::with_capacity(size);
    UInt(txs.len() as u64).write(&mut buf);
    for t in txs {
        UInt(t.wire_bytes().len() as u64).write(&mut buf);
        buf.put_slice(t.wire_bytes());
    }
    buf
}

/// Decodes a batch, refusing more than `max_txs` transactions, any over the transaction size
/// limit, and trailing bytes.
pub fn decode_batch(mut buf: &[u8], max_txs: usize) -> Result<Vec<&[u8]>, String> {
    let count = UInt::<u64>::read(&mut buf)
        .map_err(|e| format!("count: {e}"))?
        .0;
    if count > max_txs as u64 {
        return Err(format!("{count} transactions, at most {max_txs}"));
    }
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        let len = UInt::<u64>::read(&mut buf)
            .map_err(|e| format!("transaction {i} length: {e}"))?
            .0;
        if len > MAX_TX_BYTES as u64 || len > buf.remaining() as u64 {
            return Err(format!("transaction {i}: {len} bytes is too long"));
        }
        let (tx, rest) = buf.split_at(len as usize);
        out.push(tx);
        buf = rest;
    }
    if !buf.is_empty() {
        return Err(format!("{} trailing bytes", buf.len()));
    }
    Ok(out)
}

/// Starts the two gossip loops (send and receive) on the transaction channel.
pub fn start<E, S, R>(
    context: E,
    cfg: GossipConfig,
    ledger: Arc<Ledger>,
    mempool: Arc<Mempool>,
    mut sender: S,
    mut receiver: R,
) -> Vec<Handle<()>>
where
    E: Clock + Spawner + Metrics,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let out_pool = mempool.clone();
    let outbound = context
        .with_label("tx_gossip_out")
        .spawn(move |ctx| async move {
            // Transactions that arrived before `resend_mark` and still wait at the next
            // resend tick are sent again (a peer that was not connected lost them).
            let mut resend_mark = out_pool.arrivals();
            let mut last_resend = ctx.current();
            loop {
                ctx.sleep(cfg.flush_interval).await;
                let mut txs = out_pool.take_outbox();
                let now = ctx.current();
                if now.duration_since(last_resend).unwrap_or_default() >= cfg.resend_interval {
                    let again = out_pool.own_waiting_before(resend_mark, cfg.max_batch_txs);
                    if !again.is_empty() {
                        debug!(
                            count = again.len(),
                            "re-gossiping transactions still waiting"
                        );
                    }
                    txs.extend(again);
                    resend_mark = out_pool.arrivals();
                    last_resend = now;
                }
                let mut start = 0;
                while start < txs.len() {
                    let mut end = start;
                    let mut bytes = 0;
                    while end < txs.len()
                        && end - start < cfg.max_batch_txs
                        && (end == start
                            || bytes + txs[end].wire_bytes().len() <= cfg.max_batch_bytes)
                    {
                        bytes += txs[end].wire_bytes().len();
                        end += 1;
                    }
                    let msg = encode_batch(&txs[start..end]);
                    if let Err(e) = sender.send(Recipients::All, msg, false).await {
                        warn!(error = ?e, "cannot gossip transactions");
                    }
                    start = end;
                }
            }
        });
    let inbound = context
        .with_label("tx_gossip_in")
        .spawn(move |_| async move {
            while let Ok((peer, msg)) = receiver.recv().await {
                admit_batch(&ledger, &mempool, &peer, msg.as_ref(), cfg.max_batch_txs);
            }
            debug!("transaction gossip channel closed");
        });
    vec![outbound, inbound]
}

/// Admits a peer's batch: parse, drop what is already pending, batch-verify signatures (one
/// by one only when the batch fails, to find the bad ones), then admit each.
fn admit_batch(
    ledger: &Ledger,
    mempool: &Mempool,
    peer: &ed25519::PublicKey,
    msg: &[u8],
    max_txs: usize,
) {
    let leaves = match decode_batch(msg, max_txs) {
        Ok(l) => l,
        Err(e) => {
            warn!(%peer, error = %e, "malformed transaction gossip");
            return;
        }
    };
    let chain = &ledger.genesis().chain_id;
    let mut txs = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        match Transaction::parse(leaf) {
            Ok(tx) if tx.chain_id() == chain => {
                if !mempool.contains(&tx.id()) {
                    txs.push(tx);
                }
            }
            _ => warn!(%peer, "peer gossiped a malformed or foreign transaction"),
        }
    }
    let all_valid = unchain_types::keys::verify_batch(
        txs.iter()
            .map(|t| (t.sender(), t.signature(), t.signing_bytes())),
    );
    if !all_valid {
        warn!(%peer, "peer gossiped a transaction with a bad signature");
        txs.retain(|t| t.verify_signature().is_ok());
    }
    for tx in txs {
        if let Err(e) = mempool.admit_from_peer(ledger, tx) {
            debug!(%peer, error = %e, "gossiped transaction not admitted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_round_trip_and_bad_ones_are_refused() {
        let key = unchain_types::SigningKey::from_seed([3; 32]);
        let txs: Vec<Arc<Transaction>> = (1..=3)
            .map(|n| {
                Arc::new(
                    unchain_types::UnsignedTransaction {
                        chain_id: "g".into(),
                        sender: key.public_key(),
                        nonce: n,
                        kind: "notary.anchor".into(),
                        body: serde_json::json!({"n": n}),
                    }
                    .sign(&key)
                    .expect("sign"),
                )
            })
            .collect();
        let bytes = encode_batch(&txs);
        let back = decode_batch(&bytes, 10).expect("decodes");
        assert_eq!(back.len(), 3);
        for (a, b) in txs.iter().zip(&back) {
            assert_eq!(a.wire_bytes(), *b);
        }
        assert!(
            decode_batch(&bytes, 2)
                .expect_err("refused")
                .contains("at most 2")
        );
        assert!(
            decode_batch(&bytes[..bytes.len() - 1], 10)
                .expect_err("refused")
                .contains("too long")
        );
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(
            decode_batch(&extra, 10)
                .expect_err("refused")
                .contains("trailing")
        );
    }
}
