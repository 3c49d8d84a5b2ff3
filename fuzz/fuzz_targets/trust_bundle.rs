//! A trust bundle from outside (a border post loads it from a file) and the identity
//! bodies in it: verifying never panics, whatever the bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::trust_bundle::run(data));
