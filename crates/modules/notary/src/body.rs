//! The body of `notary.anchor`, both directions: parsed from a transaction with errors that
//! name the field, and built by a client.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_types::Hash32;
use unchain_types::body::BodyError;
use unchain_types::body::{body_only, body_str};

/// Longest description, in bytes.
pub const MAX_DESCRIPTION: usize = 200;

/// The body of any `notary.*` kind (there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NotaryBody {
    /// `notary.anchor`.
    Anchor(AnchorBody),
}

/// `notary.anchor`: a document's hash, its type, and optionally a short public description
/// and the document's own date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorBody {
    /// SHA-256 of the document.
    pub hash: Hash32,
    /// What kind of document: 1 to 40 characters of `a-z`, `0-9`, `_` and `-`.
    pub doc_type: String,
    /// A short public description (no personal data); empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The document's own date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_date: Option<String>,
}

/// Parses and checks a `notary.anchor` body.
pub fn parse(body: &Value) -> Result<AnchorBody, BodyError> {
    body_only(body, &["hash", "doc_type", "description", "document_date"])?;
    let hash = Hash32::from_hex(body_str(body, "hash", 64)?)
        .map_err(|e| BodyError::new("hash", e.to_string()))?;
    let doc_type = body_str(body, "doc_type", 40)?;
    if doc_type.is_empty()
        || !doc_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(BodyError::new(
            "doc_type",
            "must be 1 to 40 characters of a-z, 0-9, '_' and '-' (e.g. \"report\", \"photo\")",
        ));
    }
    let description = match body.get("description") {
        None => String::new(),
        Some(_) => body_str(body, "description", MAX_DESCRIPTION)?.to_owned(),
    };
    let document_date = match body.get("document_date") {
        None => None,
        Some(_) => {
            let d = body_str(body, "document_date", 10)?;
            if !unchain_types::date::is_calendar_date(d) {
                return Err(BodyError::new(
                    "document_date",
                    "must be a real date as YYYY-MM-DD",
                ));
            }
            Some(d.to_owned())
        }
    };
    Ok(AnchorBody {
        hash,
        doc_type: doc_type.to_owned(),
        description,
        document_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client;
    use serde_json::json;

    #[test]
    fn body_errors_name_the_field() {
        let ok = json!({"hash": "ab".repeat(32), "doc_type": "report"});
        assert!(parse(&ok).is_ok());
        // What a client builds is what the ledger parses.
        let built = client::anchor(
            Hash32::digest(b"doc"),
            "report",
            Some("an inspection report"),
            Some("2026-03-14"),
        );
        assert_eq!(
            parse(&built).expect("a client's body parses"),
            serde_json::from_value::<AnchorBody>(built).expect("and deserialises")
        );
        let cases = [
            (json!({"doc_type": "report"}), "body.hash: is missing"),
            (
                json!({"hash": "xyz", "doc_type": "report"}),
                "body.hash: not hexadecimal",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "Report!"}),
                "body.doc_type: must be",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "description": "x".repeat(201)}),
                "body.description: is 201 bytes",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "document_date": "2024-13-01"}),
                "body.document_date",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "document_date": "2026-02-31"}),
                "body.document_date: must be a real date",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "document_date": "2025-02-29"}),
                "body.document_date: must be a real date",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "document_date": "2026-04-31"}),
                "body.document_date: must be a real date",
            ),
            (
                json!({"hash": "ab".repeat(32), "doc_type": "r", "victim_name": "x"}),
                "body.victim_name: is not allowed",
            ),
        ];
        for (body, want) in cases {
            let err = parse(&body).expect_err(want).to_string();
            assert!(err.starts_with(want), "want {want:?}, got {err:?}");
        }
    }
}
