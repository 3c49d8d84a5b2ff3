//! A bank's or an exchange's export handed to `unchain finance scan`: reading it row by
//! row never panics, whatever the bytes; what reads builds a graph the detectors run on.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = unchain_finance::input::read_all(data, true, |_| {}) {
        let g = unchain_finance::Graph::build(&loaded.records, &loaded.names);
        let _ = unchain_finance::detect::run_all(&g, &Default::default());
    }
});
