//! Identifier normalisation (phone, passport, IBAN, wallet, URL, e-mail, name with date of
//! birth): never panics, and a normal form is a fixed point (normalising it again gives it
//! back), so two spellings that meet once always meet.

use unchain_seal::IdentifierKind;
use unchain_seal::blind::normalize;

/// One input.
pub fn run(data: &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let kind = IdentifierKind::ALL[k as usize % IdentifierKind::ALL.len()];
    let Ok(raw) = std::str::from_utf8(rest) else {
        return;
    };
    let country = if k & 0x80 != 0 { Some("TH") } else { None };
    if let Ok(normal) = normalize(kind, raw, country) {
        let again = normalize(kind, &normal, country).expect("a normal form normalises");
        assert_eq!(again, normal, "{kind:?} {raw:?}");
    }
}
