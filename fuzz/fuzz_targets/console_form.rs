//! The console's outside input: the `Cookie` header, the `next` path after login, and the
//! new-case form turned into an HTCDS document. Never panics; a cookie value never spans
//! two cookies; login never leads outside the console; a document is either refused naming
//! a form field, or passes the standard's own check again unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::console_form::run(data));
