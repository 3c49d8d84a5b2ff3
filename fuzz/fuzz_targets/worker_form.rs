//! What a worker's browser posts to the worker pages: a grievance, a survey. Reading never
//! panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::worker_form::run(data));
