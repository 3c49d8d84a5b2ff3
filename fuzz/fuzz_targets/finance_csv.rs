//! A bank's or an exchange's export handed to `unchain finance scan`: reading it row by
//! row, in every format the reader knows (recognised by header, or forced), never panics,
//! whatever the bytes; what reads builds a graph the detectors run on. AMLSim's alerts
//! file, read as ground truth, never panics either.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::finance_csv::run(data));
