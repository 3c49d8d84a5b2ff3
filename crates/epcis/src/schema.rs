//! The EPCIS 2.0 JSON Schema (GS1, draft-07, `schema/EPCIS-JSON-Schema.json`), compiled once:
//! a document that breaks it is refused with the JSON pointer of the offending member and
//! the schema's rule.

use crate::event::{EpcisError, at};
use serde_json::Value;
use std::sync::LazyLock;

/// The schema's text, as GS1 publishes it.
pub const SCHEMA: &str = include_str!("../schema/EPCIS-JSON-Schema.json");

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the bundled schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the bundled schema compiles")
});

/// Every way `document` breaks the schema, each with its pointer and rule (empty: valid).
pub fn validate(document: &Value) -> Vec<EpcisError> {
    VALIDATOR
        .iter_errors(document)
        .map(|e| {
            at(
                e.instance_path().as_str(),
                format!("{e} (schema rule at {})", e.schema_path().as_str()),
            )
        })
        .collect()
}
