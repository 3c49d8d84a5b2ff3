//! A named EPCIS query or a subscription from outside: reading it never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::epcis_subscription::run(data));
