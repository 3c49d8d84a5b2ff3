//! Transaction gossip from peers: decoding never panics, never returns more transactions
//! than allowed, and every slice it returns lies inside the message.

use unchain_consensus::gossip::decode_batch;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(txs) = decode_batch(data, 64) {
        assert!(txs.len() <= 64);
        let total: usize = txs.iter().map(|t| t.len()).sum();
        assert!(total <= data.len());
    }
}
