//! `Content-Digest` (RFC 9530): the body's digest, as a structured-field dictionary of
//! algorithm to byte sequence.

use crate::{CONTENT_DIGEST, Refusal};
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};

/// The `Content-Digest` value for `body`: `sha-256=:BASE64:`.
pub fn content_digest(body: &[u8]) -> String {
    use base64::Engine;
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
    )
}

/// Checks a `Content-Digest` value against `body`. At least one of `sha-256` and `sha-512`
/// must be present and every one present must match; other algorithms are ignored.
pub fn check_content_digest(value: &str, body: &[u8]) -> Result<(), Refusal> {
    let dict: Dictionary = Parser::new(value).parse().map_err(|e| {
        Refusal::new(
            CONTENT_DIGEST,
            format!("not a structured-field dictionary (RFC 9530): {e}"),
        )
    })?;
    let mut checked = 0;
    for (algorithm, entry) in &dict {
        let expected: Vec<u8> = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        let ListEntry::Item(item) = entry else {
            return Err(Refusal::new(
                CONTENT_DIGEST,
                format!("{algorithm} must be a byte sequence (:BASE64:), not a list"),
            ));
        };
        let BareItem::ByteSequence(got) = &item.bare_item else {
            return Err(Refusal::new(
                CONTENT_DIGEST,
                format!("{algorithm} must be a byte sequence (:BASE64:)"),
            ));
        };
        if *got != expected {
            return Err(Refusal::new(
                CONTENT_DIGEST,
                format!(
                    "the body's {algorithm} digest does not match: the body was changed or the digest is of other bytes"
                ),
            ));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(Refusal::new(
            CONTENT_DIGEST,
            "names neither sha-256 nor sha-512, the algorithms this node checks",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9530's example body, and the digests RFC 9530 (section 2) and RFC 9421 (B.2)
    /// print for it.
    const BODY: &[u8] = br#"{"hello": "world"}"#;
    const SHA256: &str = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    const SHA512: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    #[test]
    fn the_rfc_examples_digest_as_published() {
        assert_eq!(content_digest(BODY), SHA256);
        check_content_digest(SHA256, BODY).expect("sha-256");
        check_content_digest(SHA512, BODY).expect("sha-512");
        check_content_digest(&format!("{SHA256}, {SHA512}"), BODY).expect("both");
        check_content_digest(&format!("md5=:AAAA:, {SHA512}"), BODY).expect("unknown ignored");
    }

    #[test]
    fn a_changed_body_or_a_bad_value_is_refused_naming_the_field() {
        for (value, body, why) in [
            (SHA256, &br#"{"hello": "World"}"#[..], "does not match"),
            (
                &format!("{SHA256}, sha-512=:AAAA:") as &str,
                BODY,
                "sha-512 digest does not match",
            ),
            ("sha-256=\"text\"", BODY, "byte sequence"),
            ("sha-256=(:AAAA:)", BODY, "not a list"),
            ("md5=:AAAA:", BODY, "neither sha-256 nor sha-512"),
            ("", BODY, "neither"),
            ("sha-256=:X48E9q", BODY, "dictionary"),
        ] {
            let e = check_content_digest(value, body).expect_err(value);
            assert_eq!(e.field, CONTENT_DIGEST);
            assert!(e.reason.contains(why), "{value}: {e}");
        }
    }
}
