//! Blind-index tokens: normalised identifiers under a keyed HMAC (DESIGN.md decision 5).
//!
//! Two agencies that write the same identifier differently (`+66 81 234 5678` and
//! `0812345678` in Thailand) must get the same token, so every kind has one normal form:
//!
//! | kind | normal form |
//! | --- | --- |
//! | `phone` | E.164 (`+66812345678`), parsed with libphonenumber's metadata; a national number needs its country |
//! | `passport` | `CC:NUMBER`: ISO 3166 alpha-2 issuing country, number upper-cased without spaces or dashes |
//! | `iban` | electronic form, upper case, checksum verified |
//! | `crypto` | `0x` Ethereum addresses and bech32 addresses lower-cased; base58 kept as written (it is case-sensitive) |
//! | `url` | host (lower case, no `www.`) + path (no trailing `/`) + query; scheme, port and fragment dropped |
//! | `email` | lower case |
//! | `name_dob` | name transliterated to ASCII, case-folded, punctuation removed, words sorted; then `|YYYY-MM-DD` |
//!
//! The token is `HMAC-SHA256(matching key, "unchain/blind/v1\0" ‖ kind ‖ "\0" ‖ normal form)`.
//! Without the key a token reveals nothing; with it, anyone can test a guessed identifier,
//! which is why only members hold the key and why match queries are logged and rate-limited
//! (`docs/vault.md`, threat model).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::str::FromStr;
use unchain_types::Hash32;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// What kind of identifier a token stands for. The kind is public; the identifier is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A telephone number.
    Phone,
    /// A passport: issuing country and number.
    Passport,
    /// An international bank account number.
    Iban,
    /// A cryptocurrency wallet address.
    Crypto,
    /// A web address (an advertisement, a profile).
    Url,
    /// An e-mail address.
    Email,
    /// A person's name with their date of birth.
    NameDob,
}

impl IdentifierKind {
    /// Every kind.
    pub const ALL: [IdentifierKind; 7] = [
        IdentifierKind::Phone,
        IdentifierKind::Passport,
        IdentifierKind::Iban,
        IdentifierKind::Crypto,
        IdentifierKind::Url,
        IdentifierKind::Email,
        IdentifierKind::NameDob,
    ];

    /// The kind's name in transactions and on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::Passport => "passport",
            IdentifierKind::Iban => "iban",
            IdentifierKind::Crypto => "crypto",
            IdentifierKind::Url => "url",
            IdentifierKind::Email => "email",
            IdentifierKind::NameDob => "name_dob",
        }
    }
}

impl FromStr for IdentifierKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        IdentifierKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown identifier kind {s:?} (known: {})",
                    IdentifierKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })
    }
}

/// An identifier that has no normal form: names the kind and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {reason}")]
pub struct NormalizeError {
    /// The kind being normalised.
    pub kind: &'static str,
    /// What is wrong, and what is expected.
    pub reason: String,
}

fn err(kind: IdentifierKind, reason: impl Into<String>) -> NormalizeError {
    NormalizeError {
        kind: kind.as_str(),
        reason: reason.into(),
    }
}

/// Longest identifier accepted, in bytes.
pub const MAX_IDENTIFIER: usize = 512;

/// The normal form of `raw` as a `kind`. `country` (ISO 3166 alpha-2) is where a phone
/// number written without its country code was dialled, or a passport's issuing country
/// when `raw` does not start with `CC:`.
pub fn normalize(
    kind: IdentifierKind,
    raw: &str,
    country: Option<&str>,
) -> Result<String, NormalizeError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(err(kind, "is empty"));
    }
    if raw.len() > MAX_IDENTIFIER {
        return Err(err(kind, format!("is longer than {MAX_IDENTIFIER} bytes")));
    }
    let normal = match kind {
        IdentifierKind::Phone => phone(raw, country),
        IdentifierKind::Passport => passport(raw, country),
        IdentifierKind::Iban => iban::Iban::from_str(&raw.replace(' ', "").to_ascii_uppercase())
            .map(|i| iban::IbanLike::electronic_str(&i).to_owned())
            .map_err(|e| err(kind, format!("is not a valid IBAN ({e})"))),
        IdentifierKind::Crypto => crypto(raw),
        IdentifierKind::Url => web_address(raw),
        IdentifierKind::Email => email(raw),
        IdentifierKind::NameDob => name_dob(raw),
    }?;
    if normal.len() > MAX_IDENTIFIER {
        return Err(err(
            kind,
            format!("is longer than {MAX_IDENTIFIER} bytes once normalised"),
        ));
    }
    Ok(normal)
}

fn phone(raw: &str, country: Option<&str>) -> Result<String, NormalizeError> {
    let kind = IdentifierKind::Phone;
    let international = raw.starts_with('+') || raw.starts_with("00");
    let raw = match raw.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => raw.to_owned(),
    };
    let id = match country {
        Some(c) => Some(
            phonenumber::country::Id::from_str(&c.to_ascii_uppercase()).map_err(|_| {
                err(
                    kind,
                    format!("country {c:?} is not an ISO 3166 alpha-2 code"),
                )
            })?,
        ),
        None if international => None,
        None => {
            return Err(err(
                kind,
                "a number without +country code needs the country it was dialled in (e.g. TH)",
            ));
        }
    };
    let number = phonenumber::parse(id, &raw)
        .map_err(|e| err(kind, format!("cannot be parsed as a phone number ({e})")))?;
    if !phonenumber::is_valid(&number) {
        return Err(err(
            kind,
            "is not a valid number (wrong length or prefix for its country)",
        ));
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    // The normal form must normalise to itself, or two spellings that met once would not
    // meet again: a national number written with leading zeros can lose them in E.164 and
    // then be another, invalid number (found by the `blind_identifier` fuzz target).
    let again = phonenumber::parse(id, &e164)
        .ok()
        .filter(phonenumber::is_valid);
    if again.map(|n| n.format().mode(phonenumber::Mode::E164).to_string()) != Some(e164.clone()) {
        return Err(err(
            kind,
            "is not a valid number (its digits do not survive as an international number)",
        ));
    }
    Ok(e164)
}

fn passport(raw: &str, country: Option<&str>) -> Result<String, NormalizeError> {
    let kind = IdentifierKind::Passport;
    let (cc, number) = match raw.split_once(':') {
        Some((cc, n)) => (cc.trim().to_ascii_uppercase(), n),
        None => (
            country
                .ok_or_else(|| {
                    err(
                        kind,
                        "needs the issuing country: write CC:NUMBER (e.g. TH:AA1234567)",
                    )
                })?
                .to_ascii_uppercase(),
            raw,
        ),
    };
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(err(
            kind,
            format!("issuing country {cc:?} must be an ISO 3166 alpha-2 code"),
        ));
    }
    let number: String = number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=20).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(err(kind, "number must be 5 to 20 letters and digits"));
    }
    Ok(format!("{cc}:{number}"))
}

fn crypto(raw: &str) -> Result<String, NormalizeError> {
    let kind = IdentifierKind::Crypto;
    let lower = raw.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(lower);
        }
        return Err(err(kind, "an 0x address must have 40 hex digits"));
    }
    for hrp in ["bc1", "tb1", "ltc1"] {
        if lower.starts_with(hrp) {
            if lower.bytes().all(|b| b.is_ascii_alphanumeric()) && (14..=90).contains(&lower.len())
            {
                return Ok(lower);
            }
            return Err(err(
                kind,
                "a bech32 address must be 14 to 90 letters and digits",
            ));
        }
    }
    const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    if (25..=64).contains(&raw.len()) && raw.chars().all(|c| BASE58.contains(c)) {
        return Ok(raw.to_owned());
    }
    Err(err(
        kind,
        "is not an 0x, bech32 or base58 address (base58 excludes 0, O, I and l)",
    ))
}

fn web_address(raw: &str) -> Result<String, NormalizeError> {
    let kind = IdentifierKind::Url;
    // A scheme only at the start (RFC 3986 §3.1): "://" later in the text is part of the
    // path, and treating it as a scheme made some normal forms fail to normalise again
    // (found by the `blind_identifier` fuzz target).
    let has_scheme = raw.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let with_scheme = if has_scheme {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| err(kind, format!("is not a web address ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(kind, "only http and https addresses are matched"));
    }
    let host = url.host_str().ok_or_else(|| err(kind, "has no host"))?;
    let mut host = host;
    while let Some(rest) = host.strip_prefix("www.") {
        host = rest;
    }
    let path = url.path().trim_end_matches('/');
    let mut out = format!("{host}{path}");
    if let Some(q) = url.query().filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

fn email(raw: &str) -> Result<String, NormalizeError> {
    let lower = raw.to_lowercase();
    match lower.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !lower.contains(char::is_whitespace) =>
        {
            Ok(lower)
        }
        _ => Err(err(
            IdentifierKind::Email,
            "is not an address of the form name@domain.tld",
        )),
    }
}

fn name_dob(raw: &str) -> Result<String, NormalizeError> {
    let kind = IdentifierKind::NameDob;
    let (name, dob) = raw.rsplit_once('|').ok_or_else(|| {
        err(
            kind,
            "write NAME|YYYY-MM-DD (e.g. Somchai Jaidee|1990-01-31)",
        )
    })?;
    let dob = dob.trim();
    if !unchain_types::date::is_calendar_date(dob) {
        return Err(err(
            kind,
            format!("date of birth {dob:?} must be a real date as YYYY-MM-DD"),
        ));
    }
    let ascii = deunicode::deunicode(name).to_lowercase();
    let mut words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Err(err(kind, "name has no letters"));
    }
    words.sort_unstable();
    Ok(format!("{}|{dob}", words.join(" ")))
}

/// The consortium's matching key: 32 random bytes, wrapped for each member at genesis.
/// Wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MatchingKey([u8; 32]);

impl std::fmt::Debug for MatchingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MatchingKey(…)")
    }
}

/// A blind-index token.
pub type Token = Hash32;

impl MatchingKey {
    /// A fresh random key (for genesis or rotation).
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut crate::os_rng(), &mut key);
        MatchingKey(key)
    }

    /// The key with these bytes (an unwrapped key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MatchingKey(bytes)
    }

    /// The key's bytes, for wrapping.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The token of an identifier already in normal form.
    pub fn token(&self, kind: IdentifierKind, normal_form: &str) -> Token {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"unchain/blind/v1\0");
        mac.update(kind.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(normal_form.as_bytes());
        Hash32(mac.finalize().into_bytes().into())
    }

    /// Normalises `raw` and returns its token.
    pub fn blind(
        &self,
        kind: IdentifierKind,
        raw: &str,
        country: Option<&str>,
    ) -> Result<Token, NormalizeError> {
        Ok(self.token(kind, &normalize(kind, raw, country)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdentifierKind::*;

    fn n(kind: IdentifierKind, raw: &str, country: Option<&str>) -> String {
        normalize(kind, raw, country).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn the_same_phone_written_two_ways_is_one_token() {
        assert_eq!(n(Phone, "+66 81 234 5678", None), "+66812345678");
        assert_eq!(n(Phone, "0812345678", Some("TH")), "+66812345678");
        assert_eq!(n(Phone, "0066-81-234-5678", None), "+66812345678");
        assert_eq!(n(Phone, "(081) 234-5678", Some("th")), "+66812345678");
        let key = MatchingKey::generate();
        assert_eq!(
            key.blind(Phone, "+66 81 234 5678", None).expect("valid"),
            key.blind(Phone, "0812345678", Some("TH")).expect("valid")
        );
        // Another key gives another token: tokens are useless without the key.
        assert_ne!(
            key.blind(Phone, "0812345678", Some("TH")).expect("valid"),
            MatchingKey::generate()
                .blind(Phone, "0812345678", Some("TH"))
                .expect("valid")
        );
    }

    #[test]
    fn phone_errors_say_what_is_wrong() {
        let e = normalize(Phone, "0812345678", None).expect_err("no country");
        assert!(
            e.to_string()
                .starts_with("phone: a number without +country code needs"),
            "{e}"
        );
        assert!(normalize(Phone, "+66 12", None).is_err());
        // Leading zeros after the country code (the fuzz target's find): refused, not a
        // normal form that fails to normalise again.
        for raw in ["00470008571646", "+47 0008571646"] {
            if let Ok(n) = normalize(Phone, raw, Some("TH")) {
                assert_eq!(normalize(Phone, &n, Some("TH")).expect(&n), n, "{raw}");
            }
        }
        assert!(
            normalize(Phone, "0812345678", Some("XX"))
                .expect_err("bad country")
                .to_string()
                .contains("XX")
        );
    }

    #[test]
    fn other_kinds_normalise() {
        assert_eq!(n(Passport, "th: aa 123-4567", None), "TH:AA1234567");
        assert_eq!(n(Passport, "AA1234567", Some("th")), "TH:AA1234567");
        assert!(normalize(Passport, "AA1234567", None).is_err());
        assert_eq!(
            n(Iban, "GB82 WEST 1234 5698 7654 32", None),
            "GB82WEST12345698765432"
        );
        assert_eq!(
            n(Iban, "gb82 west 1234 5698 7654 32", None),
            "GB82WEST12345698765432",
            "as written by hand"
        );
        assert!(
            normalize(Iban, "GB82 WEST 1234 5698 7654 33", None).is_err(),
            "bad checksum"
        );
        assert_eq!(
            n(Crypto, "0x52908400098527886E0F7030069857D2E4169EE7", None),
            "0x52908400098527886e0f7030069857d2e4169ee7"
        );
        assert_eq!(
            n(Crypto, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", None),
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        );
        assert_eq!(
            n(Crypto, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", None),
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
        );
        assert!(normalize(Crypto, "0OIl0OIl0OIl0OIl0OIl0OIl0OIl", None).is_err());
        assert_eq!(
            n(Url, "HTTP://WWW.Example.com:80/ads/123/?id=9#top", None),
            "example.com/ads/123?id=9"
        );
        assert_eq!(n(Url, "example.com/ads/123", None), "example.com/ads/123");
        assert_eq!(n(Url, "www.www.example.com/", None), "example.com");
        assert_eq!(n(Url, "example.com/für", None), "example.com/f%C3%BCr");
        assert_eq!(n(Url, "example.com/f%C3%BCr", None), "example.com/f%C3%BCr");
        assert_eq!(
            n(Email, " Recruiter@Example.COM ", None),
            "recruiter@example.com"
        );
        assert_eq!(
            n(NameDob, "JAIDEE, Somchai|1990-01-31", None),
            "jaidee somchai|1990-01-31"
        );
        assert_eq!(
            n(NameDob, "Somchai  Jaidée | 1990-01-31", None),
            "jaidee somchai|1990-01-31"
        );
        assert!(n(NameDob, "สมชาย ใจดี|1990-01-31", None).ends_with("|1990-01-31"));
        assert!(normalize(NameDob, "Somchai|1990-13-01", None).is_err());
        // Days that do not exist are not dates of birth (one spelling could never meet).
        for dob in ["1990-02-31", "1990-02-29", "1990-04-31", "1990-01-00"] {
            let e = normalize(NameDob, &format!("Somchai|{dob}"), None)
                .expect_err(dob)
                .to_string();
            assert!(e.contains("real date"), "{dob}: {e}");
        }
        assert!(normalize(NameDob, "Somchai|1992-02-29", None).is_ok());
    }

    #[test]
    fn a_web_address_with_a_scheme_later_in_its_path_is_a_fixed_point() {
        for raw in [
            "example.com/go?to=https://x.org",
            "example.com/a\\b:\\\\c:/d/",
            "W/W\\\\\u{4}W/W\\\\@:\\\\:/\u{1a}/",
            "http://example.com/x://y",
        ] {
            let once = normalize(IdentifierKind::Url, raw, None).expect(raw);
            assert_eq!(
                normalize(IdentifierKind::Url, &once, None).expect(&once),
                once,
                "{raw:?}"
            );
        }
        assert!(
            normalize(IdentifierKind::Url, "ftp://example.com/f", None)
                .expect_err("ftp")
                .to_string()
                .contains("only http and https")
        );
    }

    proptest::proptest! {
        /// A normal form normalises to itself, so two spellings that meet once always meet.
        #[test]
        fn normal_forms_are_fixed_points(k in 0usize..7, raw in "\\PC{0,80}", th in proptest::bool::ANY) {
            let kind = IdentifierKind::ALL[k];
            let country = th.then_some("TH");
            if let Ok(normal) = normalize(kind, &raw, country) {
                proptest::prop_assert_eq!(normalize(kind, &normal, country), Ok(normal));
            }
        }
    }

    #[test]
    fn kinds_parse_and_separate_tokens() {
        assert_eq!("name_dob".parse::<IdentifierKind>(), Ok(NameDob));
        assert!(
            "ssn"
                .parse::<IdentifierKind>()
                .expect_err("unknown")
                .contains("known: phone")
        );
        let key = MatchingKey::generate();
        assert_ne!(key.token(Email, "a@b.c"), key.token(Url, "a@b.c"));
    }
}
