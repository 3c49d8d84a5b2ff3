//! A tip request's multipart body (see `unchain_fuzzing::targets::tip_multipart`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::tip_multipart::run(data));
