//! The notary module: `notary.anchor` records that a document with a given SHA-256 hash
//! existed, what kind of document it is and who anchored it, at the block's time; anyone
//! with the hash can look it up and get the anchoring transaction's inclusion proof.
//!
//! The document itself never touches the chain — only its hash. The short `description`
//! is public to every member: it must not hold personal data (the console and CLI say so).
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_ledger::module::{body_only, body_str};
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, StateReader};
use unchain_types::{Hash32, Transaction, TxId};

/// Longest description, in bytes.
pub const MAX_DESCRIPTION: usize = 200;

/// One anchoring of a document hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// SHA-256 of the document.
    pub hash: Hash32,
    /// What kind of document (`report`, `photo`, `contract`, …).
    pub doc_type: String,
    /// A short public description (no personal data).
    pub description: String,
    /// The document's own date (`YYYY-MM-DD`), if given.
    pub document_date: Option<String>,
    /// The member that anchored it.
    pub anchored_by: String,
    /// The anchoring transaction.
    pub tx_id: TxId,
    /// Block height.
    pub height: u64,
    /// Block time (ms since the Unix epoch): when the chain learned of the document.
    pub timestamp_ms: u64,
    /// Leaf index of the anchoring transaction in the transparency log.
    pub log_index: u64,
}

/// The notary module.
pub struct NotaryModule;

const KINDS: &[KindSpec] = &[KindSpec {
    kind: "notary.anchor",
    role: Role::Notary,
    summary: "anchor a document's SHA-256 hash with its type and a short public description",
}];

fn anchor_key(hash: &Hash32, log_index: u64) -> Vec<u8> {
    format!("notary/{}/{log_index:020}", hash.to_hex()).into_bytes()
}

fn parse(body: &Value) -> Result<(Hash32, String, String, Option<String>), BodyError> {
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
    Ok((hash, doc_type.to_owned(), description, document_date))
}

impl Module for NotaryModule {
    fn name(&self) -> &'static str {
        "notary"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn check_body(&self, _kind: &str, body: &Value) -> Result<(), BodyError> {
        parse(body).map(|_| ())
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, tx: &Transaction) -> Result<(), ExecError> {
        let (hash, doc_type, description, document_date) =
            parse(tx.body()).map_err(|e| ExecError::Rejected(e.to_string()))?;
        let anchor = Anchor {
            hash,
            doc_type,
            description,
            document_date,
            anchored_by: ctx.sender.name.clone(),
            tx_id: ctx.tx_id,
            height: ctx.height,
            timestamp_ms: ctx.timestamp_ms,
            log_index: ctx.log_index,
        };
        let json = serde_json::to_vec(&anchor).expect("anchor serialises");
        ctx.state.put(&anchor_key(&hash, ctx.log_index), &json)?;
        Ok(())
    }
}

/// Every anchoring of `hash`, oldest first.
pub fn anchors(reader: &StateReader, hash: &Hash32) -> Result<Vec<Anchor>, redb::StorageError> {
    Ok(reader
        .scan_prefix(format!("notary/{}/", hash.to_hex()).as_bytes())?
        .into_iter()
        .map(|(_, v)| serde_json::from_slice(&v).expect("anchor JSON written by this module"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_errors_name_the_field() {
        let ok = json!({"hash": "ab".repeat(32), "doc_type": "report"});
        assert!(parse(&ok).is_ok());
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
