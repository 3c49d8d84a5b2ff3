//! Transaction gossip from peers: decoding never panics, never returns more transactions
//! than allowed, and every slice it returns lies inside the message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unchain_consensus::gossip::decode_batch;

fuzz_target!(|data: &[u8]| {
    if let Ok(txs) = decode_batch(data, 64) {
        assert!(txs.len() <= 64);
        let total: usize = txs.iter().map(|t| t.len()).sum();
        assert!(total <= data.len());
    }
});
