//! SD-JWT presentations, disclosures, DIDs and status lists from outside (a wallet at a
//! border post, an issuer's status list): parsing and verifying never panic, and nothing
//! but a presentation signed by the issuer key verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::sd_jwt::run(data));
