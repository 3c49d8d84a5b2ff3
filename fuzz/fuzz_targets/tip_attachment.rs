//! A file a stranger attached to a tip: recognising it and stripping its metadata never
//! panics, and what comes out is never larger than what went in.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(clean) = unchain_tips::strip::clean(data) {
        assert!(clean.bytes.len() <= data.len());
    }
});
