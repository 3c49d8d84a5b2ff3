//! A payroll file from outside (WPS SIF or CSV): reading and reconciling it never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::recruit_payroll::run(data));
