//! Parsing outside JSON as I-JSON (RFC 7493): an object with the same member name twice
//! is refused, naming the member and where it is.
//!
//! `serde_json` keeps the last of duplicate members, so `{"nonce":1,"nonce":2}` would be
//! read one way here and possibly another way by a different parser (RFC 8259 §4 leaves
//! it open). RFC 8785 (JCS) is defined over I-JSON, which forbids duplicates (RFC 7493
//! §2.3), so every JSON that enters from outside — transactions, batches, API request
//! bodies, credentials — is read with [`from_slice`] instead.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parses `bytes` as one JSON value, refusing any object with a repeated member name: the
/// error names the member and its path (`body.persons[2]`), e.g. `duplicate member "nonce"
/// in the top-level object`.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict { path: &Path::Root }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Parses `bytes` as I-JSON ([`from_slice`]) and then as a `T`.
pub fn from_slice_as<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_value(from_slice(bytes)?)
}

/// Why an array was not read to its end.
#[derive(Debug, thiserror::Error)]
pub enum ArrayError {
    /// More items than allowed (the rest was not parsed).
    #[error("more than {max} items; send at most {max} at once")]
    TooMany {
        /// Items allowed.
        max: usize,
    },
    /// Not a JSON array, not I-JSON, or malformed.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Parses `bytes` as one JSON array, handing each item (parsed as I-JSON) to `each` with
/// its index as soon as it is read, so that a large array is never held as values all at
/// once; refused once it has more than `max_items` items, before the rest is parsed.
/// Returns the number of items.
pub fn each_array_item(
    bytes: &[u8],
    max_items: usize,
    each: impl FnMut(usize, Value),
) -> Result<usize, ArrayError> {
    let too_many = std::cell::Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read = de::Deserializer::deserialize_seq(
        &mut de,
        Items {
            max_items,
            each,
            too_many: &too_many,
        },
    )
    .and_then(|n| de.end().map(|()| n));
    match read {
        Err(_) if too_many.get() => Err(ArrayError::TooMany { max: max_items }),
        other => Ok(other?),
    }
}

struct Items<'a, F> {
    max_items: usize,
    each: F,
    too_many: &'a std::cell::Cell<bool>,
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for Items<'_, F> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON array of at most {} items", self.max_items)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        loop {
            let path = Path::Item(&Path::Root, n);
            let Some(v) = seq.next_element_seed(Strict { path: &path })? else {
                return Ok(n);
            };
            if n == self.max_items {
                self.too_many.set(true);
                return Err(de::Error::custom("too many items"));
            }
            (self.each)(n, v);
            n += 1;
        }
    }
}

/// Where a value sits, built only on the way down and rendered only on an error.
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(Path::Root, name) => write!(f, "{name}"),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

struct Strict<'a> {
    path: &'a Path<'a>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let path = Path::Item(self.path, items.len());
            match seq.next_element_seed(Strict { path: &path })? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            if map.contains_key(&name) {
                let place = match self.path {
                    Path::Root => "the top-level object".to_owned(),
                    p => format!("object {p}"),
                };
                return Err(de::Error::custom(format!(
                    "duplicate member {name:?} in {place}: I-JSON (RFC 7493 §2.3) forbids repeating a name"
                )));
            }
            let path = Path::Member(self.path, &name);
            let value = access.next_value_seed(Strict { path: &path })?;
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_members_are_refused_with_their_name_and_place() {
        for (text, want) in [
            (
                r#"{"a":1,"a":2}"#,
                r#"duplicate member "a" in the top-level object"#,
            ),
            (
                r#"{"a":1,"b":{"c":1,"c":1}}"#,
                r#"duplicate member "c" in object b"#,
            ),
            (
                r#"{"x":[{"k":1},{"k":1,"k":null}]}"#,
                r#"duplicate member "k" in object x[1]"#,
            ),
            (
                r#"[{"n":{"o":{"p":0,"p":0}}}]"#,
                r#"duplicate member "p" in object [0].n.o"#,
            ),
            // The same name written with an escape is the same name.
            (
                r#"{"nonce":1,"non\u0063e":2}"#,
                r#"duplicate member "nonce""#,
            ),
        ] {
            let e = from_slice(text.as_bytes()).expect_err(text).to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn array_items_are_handed_over_one_by_one_up_to_a_limit() {
        let mut seen = Vec::new();
        let n = each_array_item(br#"[{"a":1},2,"x"]"#, 3, |i, v| seen.push((i, v)))
            .expect("three items");
        assert_eq!(n, 3);
        assert_eq!(seen[0], (0, serde_json::json!({"a": 1})));
        let mut count = 0;
        let e = each_array_item(b"[1,2,3,4,5]", 3, |_, _| count += 1).expect_err("too many");
        assert!(matches!(e, ArrayError::TooMany { max: 3 }), "{e}");
        assert_eq!(count, 3, "nothing past the limit is handed over");
        let e = each_array_item(br#"[{"k":1,"k":2}]"#, 3, |_, _| {}).expect_err("duplicate");
        assert!(
            e.to_string()
                .contains(r#"duplicate member "k" in object [0]"#),
            "{e}"
        );
        assert!(
            each_array_item(b"{}", 3, |_, _| {}).is_err(),
            "not an array"
        );
    }

    #[test]
    fn valid_json_parses_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[true,null,"s",{"a":2}],"c":{"a":3},"d":-1.5e3,"e":18446744073709551615}"#,
            "[]",
            "{}",
            "\"x\"",
            "0",
        ] {
            assert_eq!(
                from_slice(text.as_bytes()).expect(text),
                serde_json::from_str::<Value>(text).expect(text)
            );
        }
        assert!(from_slice(b"{} {}").is_err(), "trailing data");
        assert!(from_slice(b"{\"a\":1,}").is_err());
    }
}
