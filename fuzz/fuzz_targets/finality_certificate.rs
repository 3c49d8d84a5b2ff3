//! Finalization certificates from an untrusted node: decoding and verifying never panic,
//! and one that verifies carries a quorum of the validators it was checked against.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::finality_certificate::run(data));
