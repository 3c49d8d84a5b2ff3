//! Opening a ciphertext from a peer or a disk: never panics, and nothing but the genuine
//! ciphertext opens under its key.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::sealed_payload::run(data));
