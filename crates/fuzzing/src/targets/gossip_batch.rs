//! Transaction gossip from peers: decoding never panics, never returns more transactions
//! than allowed, every slice it returns lies inside the message, and each slice goes on as
//! the node takes it — parsed as a transaction, its signature checked — without a panic.

use unchain_consensus::gossip::decode_batch;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(txs) = decode_batch(data, 64) {
        assert!(txs.len() <= 64);
        let total: usize = txs.iter().map(|t| t.len()).sum();
        assert!(total <= data.len());
        for leaf in txs {
            if let Ok(tx) = unchain_types::Transaction::parse(leaf) {
                let _ = tx.verify_signature();
            }
        }
    }
}
