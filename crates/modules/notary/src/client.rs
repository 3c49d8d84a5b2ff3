//! For the organisation's side (CLI, console, tests): building a `notary.anchor` body. No I/O.

use crate::body::AnchorBody;
use serde_json::Value;
use unchain_types::Hash32;

/// The `notary.anchor` body for a document whose SHA-256 is `hash`.
pub fn anchor(
    hash: Hash32,
    doc_type: &str,
    description: Option<&str>,
    document_date: Option<&str>,
) -> Value {
    serde_json::to_value(AnchorBody {
        hash,
        doc_type: doc_type.to_owned(),
        description: description.unwrap_or_default().to_owned(),
        document_date: document_date.map(str::to_owned),
    })
    .expect("an anchor body serialises")
}
