//! Checkpoints from peers and bundles: note parsing never panics and round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::signed_note::run(data));
