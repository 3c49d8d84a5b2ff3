//! A clause as a party proposes it: compiling and evaluating never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::agree_clause::run(data));
