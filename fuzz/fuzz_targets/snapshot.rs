//! State snapshots from a peer: checking the manifest, parsing the chunks and restoring
//! them never panic, and a restore rebuilds the vouched-for root or leaves nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::snapshot::run(data));
