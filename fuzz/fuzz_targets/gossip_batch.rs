//! Transaction gossip from peers: decoding never panics, never returns more transactions
//! than allowed, and every slice it returns lies inside the message.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::gossip_batch::run(data));
