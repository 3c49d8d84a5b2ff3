//! `cases.*` and `custody.*` transaction bodies: checking never panics on any JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::module_bodies::run(data));
