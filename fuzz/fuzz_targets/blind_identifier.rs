//! Identifier normalisation (phone, passport, IBAN, wallet, URL, e-mail, name with date of
//! birth): never panics, and a normal form is a fixed point (normalising it again gives it
//! back), so two spellings that meet once always meet.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::blind_identifier::run(data));
