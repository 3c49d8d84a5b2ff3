//! HTCDS documents as spreadsheet tables, the way HTCDS templates (Excel, XLSForm,
//! Salesforce exports) lay them out: one CSV table per part (`case`, `consent`, `persons`,
//! `events`, `support_plans`, `comments`, `organizations`), a header row of HTCDS field
//! names, a `case_id` column tying rows to their case, multiselect values joined by `;`.

use crate::dictionary::{FieldType, field};
use crate::document::{FieldError, validate};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The parts, in the order tables are written.
pub const PARTS: [&str; 7] = [
    "case",
    "consent",
    "persons",
    "events",
    "support_plans",
    "comments",
    "organizations",
];

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// Writes `docs` (case id, checked document) as one CSV table per part that has rows.
pub fn to_tables(docs: &[(String, Value)]) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for part in PARTS {
        let rows: Vec<(&str, &Map<String, Value>)> = docs
            .iter()
            .flat_map(|(id, doc)| {
                let entries: Vec<&Map<String, Value>> = match doc.get(part) {
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
                    Some(Value::Object(m)) => vec![m],
                    _ => Vec::new(),
                };
                entries.into_iter().map(move |m| (id.as_str(), m))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut columns: Vec<&str> = Vec::new();
        for (_, m) in &rows {
            for k in m.keys() {
                if !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let header: Vec<&str> = std::iter::once("case_id")
            .chain(columns.iter().copied())
            .collect();
        w.write_record(&header).expect("write to memory");
        for (id, m) in rows {
            let record: Vec<String> = std::iter::once(id.to_owned())
                .chain(
                    columns
                        .iter()
                        .map(|c| m.get(*c).map(cell).unwrap_or_default()),
                )
                .collect();
            w.write_record(&record).expect("write to memory");
        }
        let bytes = w.into_inner().expect("flush to memory");
        out.insert(
            part,
            String::from_utf8(bytes).expect("CSV of UTF-8 strings"),
        );
    }
    out
}

/// Reads one cell back into a JSON value by its field's type.
fn value(table: &str, row: usize, column: &str, s: &str) -> Result<Value, FieldError> {
    let at = || format!("{table}.csv row {row}, column {column}");
    let Some(f) = field(column) else {
        return Ok(Value::String(s.to_owned()));
    };
    Ok(match &f.ty {
        FieldType::Number | FieldType::Geolocation => {
            let n: serde_json::Number = s.parse().map_err(|_| FieldError {
                field: at(),
                reason: format!("{column} must be a number, got {s:?}"),
            })?;
            Value::Number(n)
        }
        // Checkboxes stay "true"/"false" strings: the document check reads them.
        _ => Value::String(s.to_owned()),
    })
}

/// Reads tables written by [`to_tables`] (or by a spreadsheet in the same layout) back
/// into checked documents, in order of first appearance of each case id.
pub fn from_tables(tables: &BTreeMap<String, String>) -> Result<Vec<(String, Value)>, FieldError> {
    let mut docs: Vec<(String, Map<String, Value>)> = Vec::new();
    for (table, text) in tables {
        let part = PARTS
            .iter()
            .find(|p| **p == table.as_str())
            .ok_or_else(|| FieldError {
                field: format!("{table}.csv"),
                reason: format!("is not an HTCDS table (one of {})", PARTS.join(", ")),
            })?;
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r
            .headers()
            .map_err(|e| FieldError {
                field: format!("{table}.csv"),
                reason: e.to_string(),
            })?
            .iter()
            .map(str::to_owned)
            .collect();
        if header.first().map(String::as_str) != Some("case_id") {
            return Err(FieldError {
                field: format!("{table}.csv"),
                reason: "the first column must be case_id".into(),
            });
        }
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| FieldError {
                field: format!("{table}.csv row {}", i + 1),
                reason: e.to_string(),
            })?;
            let id = rec.get(0).unwrap_or_default().to_owned();
            let mut entry = Map::new();
            for (c, s) in header.iter().zip(rec.iter()).skip(1) {
                if !s.is_empty() {
                    entry.insert(c.clone(), value(table, i + 1, c, s)?);
                }
            }
            let doc = match docs.iter_mut().find(|(d, _)| *d == id) {
                Some((_, d)) => d,
                None => {
                    docs.push((id, Map::new()));
                    &mut docs.last_mut().expect("just pushed").1
                }
            };
            if matches!(*part, "case" | "consent") {
                doc.insert(part.to_string(), Value::Object(entry));
            } else {
                doc.entry(part.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
                    .expect("parts are lists")
                    .push(Value::Object(entry));
            }
        }
    }
    docs.into_iter()
        .map(|(id, d)| {
            let checked = validate(&Value::Object(d)).map_err(|e| FieldError {
                field: format!("case {id}: {}", e.field),
                reason: e.reason,
            })?;
            Ok((id, checked))
        })
        .collect()
}
