//! `supply.*` transaction bodies and the goods graph: reading one and spreading a finding
//! over its events never panics, and every flagged node's path leads back to the finding.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::supply_capture::run(data));
