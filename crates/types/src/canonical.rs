//! RFC 8785 JSON Canonicalization Scheme (JCS), with the I-JSON number rule.
//!
//! JCS serialises numbers the way ECMAScript does, so a value such as `1e300` or `0.1` is
//! canonical but easy for clients in other languages to get subtly wrong. Unchain therefore
//! accepts only integers within ±(2^53 − 1) anywhere in a signed object (RFC 7493 §2.2):
//! decimal quantities go in strings. This keeps every client — Python, a browser, a court's
//! verifier — producing the same bytes.

use serde_json::Value;

/// The largest integer that every JSON implementation represents exactly (RFC 7493 §2.2).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why a value cannot be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A number that is not an integer within ±(2^53 − 1).
    #[error(
        "number at {path} is not an integer within ±(2^53 − 1); put decimal or large quantities in a string"
    )]
    UnsafeNumber {
        /// JSON pointer (RFC 6901) to the number.
        path: String,
    },
}

/// Checks that every number in `value` is a safe integer; returns the path of the first that is not.
pub fn check_numbers(value: &Value) -> Result<(), CanonicalError> {
    fn walk(v: &Value, path: &mut String) -> Result<(), CanonicalError> {
        match v {
            Value::Number(n) => {
                let ok = n
                    .as_i64()
                    .map(|i| (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i))
                    .or_else(|| n.as_u64().map(|u| u <= MAX_SAFE_INTEGER as u64))
                    .unwrap_or(false);
                if ok {
                    Ok(())
                } else {
                    Err(CanonicalError::UnsafeNumber {
                        path: if path.is_empty() {
                            "/".into()
                        } else {
                            path.clone()
                        },
                    })
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&i.to_string());
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(value, &mut String::new())
}

/// The RFC 8785 canonical bytes of `value`, after checking its numbers.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    check_numbers(value)?;
    Ok(canonicalise_checked(value))
}

/// The RFC 8785 canonical bytes of a value whose numbers the caller has already checked.
pub(crate) fn canonicalise_checked(value: &Value) -> Vec<u8> {
    // With only safe integers, serialisation cannot fail: every key is a string and every
    // number has an exact ECMAScript representation.
    serde_json_canonicalizer::to_vec(value).expect("safe-integer JSON always canonicalises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_by_utf16_code_units_and_whitespace_removed() {
        // RFC 8785 §3.2.3: sorting is by UTF-16 code units, so U+20AC (€) sorts before
        // U+1F600 (😀, surrogates D83D…) even though its UTF-8 bytes are larger.
        let v: Value =
            serde_json::from_str(r#"{ "😀": 1, "€": 2, "a": [ true, null ], "B": "x" }"#)
                .expect("valid json");
        let out = String::from_utf8(to_canonical_bytes(&v).expect("canonical")).expect("utf8");
        assert_eq!(out, r#"{"B":"x","a":[true,null],"€":2,"😀":1}"#);
    }

    #[test]
    fn string_escaping_follows_rfc8785() {
        let v = json!({"s": "\u{0007}\n\"\\/é"});
        let out = String::from_utf8(to_canonical_bytes(&v).expect("canonical")).expect("utf8");
        assert_eq!(out, "{\"s\":\"\\u0007\\n\\\"\\\\/é\"}");
    }

    #[test]
    fn fractional_and_huge_numbers_are_refused_with_their_path() {
        let v = json!({"body": {"amounts": [1, 2.5]}});
        assert_eq!(
            to_canonical_bytes(&v),
            Err(CanonicalError::UnsafeNumber {
                path: "/body/amounts/1".into()
            })
        );
        let v = json!({"n": 9_007_199_254_740_992u64});
        assert!(to_canonical_bytes(&v).is_err());
        let v = json!({"n": -9_007_199_254_740_991i64});
        assert!(to_canonical_bytes(&v).is_ok());
    }
}
