//! A Parquet or Arrow IPC export handed to `unchain finance scan`: reading it as each
//! columnar container, in every format, never panics, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::finance_columnar::run(data));
