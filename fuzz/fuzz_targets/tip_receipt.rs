//! A proof of receipt from outside (anyone checks one they were handed) and the tips
//! bodies: verifying never panics, whatever the bundle holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::tip_receipt::run(data));
