//! Signed API requests' outside input: RFC 9421 signature fields and RFC 9530 digests.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::http_signature::run(data));
