//! Outside JSON read as I-JSON (see `unchain_fuzzing::targets::ijson`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::ijson::run(data));
