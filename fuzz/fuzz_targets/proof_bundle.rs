//! A transaction's proof bundle from outside (a court or a reporter receives it as a file):
//! verifying never panics, whatever the bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::proof_bundle::run(data));
