//! A file a stranger attached to a tip: recognising it and stripping its metadata never
//! panics, and what comes out is never larger than what went in.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::tip_attachment::run(data));
