//! An HTCDS case document: the JSON shape Unchain seals as a case record and exports for
//! HTCDS tools, checked field by field against the dictionary.
//!
//! ```json
//! {
//!   "htcds_version": "2.0",
//!   "case":          { "cas_Status": "Active", "cas_ReferringOrganisation": "…" },
//!   "consent":       { "con_Consent": true },
//!   "persons":       [ { "id": "p1", "role": "victim", "prs_FirstName": "…", "vic_MethodsOfControl": ["DebtBondage"] } ],
//!   "events":        [ { "person": "p1", "hte_Type": "Recruitment", "hte_Country": "MM", "hte_Date": "2025-03-01" } ],
//!   "support_plans": [ { "person": "p1", "spl_Type": "Legal" } ],
//!   "comments":      [ { "cco_CaseComment": "…" } ],
//!   "organizations": [ { "id": "o1", "org_Name": "…", "org_Type": "NGO" } ]
//! }
//! ```
//!
//! Field names are the standard's; `id`, `role` and `person` link the parts. Multiselect
//! picklists are JSON arrays (or, as HTCDS spreadsheets write them, one string with values
//! separated by `;`, which is read as the array).

use crate::dictionary::{FieldType, field};
use serde_json::{Map, Value};

/// The HTCDS version this code reads and writes.
pub const VERSION: &str = "2.0";
/// Longest `Text` value, in bytes.
pub const MAX_TEXT: usize = 255;
/// Longest `Long Text` value, in bytes.
pub const MAX_LONG_TEXT: usize = 32 * 1024;
/// Most entries in one part (persons, events, …).
pub const MAX_ENTRIES: usize = 500;

/// The roles a person plays in a case.
pub const ROLES: [&str; 4] = ["victim", "perpetrator", "witness", "other"];

/// A field that does not meet the standard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// Where: `persons[0].vic_MethodsOfControl[1]`.
    pub field: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// One part of a document: its member name, the dictionary sections its fields come from,
/// whether it is a list, and the linking members it may carry.
struct Part {
    name: &'static str,
    sections: &'static [&'static str],
    list: bool,
    links: &'static [&'static str],
}

const PARTS: [Part; 7] = [
    Part {
        name: "case",
        sections: &["Case", "Referral Details"],
        list: false,
        links: &[],
    },
    Part {
        name: "consent",
        sections: &["Consent"],
        list: false,
        links: &[],
    },
    Part {
        name: "persons",
        sections: &[
            "Person",
            "Person - Victim Context",
            "Person - Perpetrator Context",
        ],
        list: true,
        links: &["id", "role"],
    },
    Part {
        name: "events",
        sections: &["Historic Trafficking Events"],
        list: true,
        links: &["person"],
    },
    Part {
        name: "support_plans",
        sections: &["Support Plan"],
        list: true,
        links: &["person"],
    },
    Part {
        name: "comments",
        sections: &["Case Comment"],
        list: true,
        links: &[],
    },
    Part {
        name: "organizations",
        sections: &["Organization"],
        list: true,
        links: &["id"],
    },
];

fn one_of(values: &[String]) -> String {
    if values.len() > 12 {
        format!(
            "one of {}, … ({} values)",
            values[..12].join(", "),
            values.len()
        )
    } else {
        format!("one of {}", values.join(", "))
    }
}

/// Reads a multiselect value: an array, or a `;`-separated string.
fn multi(path: &str, name: &str, v: &Value) -> Result<Vec<String>, FieldError> {
    let items: Vec<String> = match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("{path}[{i}]"), "must be a string"))
            })
            .collect::<Result<_, _>>()?,
        Value::String(s) => s
            .split(';')
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect(),
        _ => {
            return Err(err(
                path,
                format!(
                    "{name} is a multiselect: a list of values, or one string separated by ';'"
                ),
            ));
        }
    };
    for (i, x) in items.iter().enumerate() {
        if items[..i].contains(x) {
            return Err(err(
                format!("{path}[{i}]"),
                format!("{x:?} is listed twice"),
            ));
        }
    }
    Ok(items)
}

/// Checks one field's value and returns it in normal form.
fn check_value(path: &str, name: &str, ty: &FieldType, v: &Value) -> Result<Value, FieldError> {
    let text = |max: usize| -> Result<Value, FieldError> {
        let s = v
            .as_str()
            .ok_or_else(|| err(path, format!("{name} must be a string")))?;
        if s.len() > max {
            return Err(err(
                path,
                format!("is {} bytes; {name} takes at most {max}", s.len()),
            ));
        }
        Ok(Value::String(s.to_owned()))
    };
    match ty {
        FieldType::Text | FieldType::Lookup => text(MAX_TEXT),
        FieldType::LongText => text(MAX_LONG_TEXT),
        FieldType::Date => {
            let s = v.as_str().unwrap_or("");
            if !unchain_types::date::is_calendar_date(s) {
                return Err(err(
                    path,
                    format!("{name} must be a date as YYYY-MM-DD, got {v}"),
                ));
            }
            Ok(v.clone())
        }
        FieldType::Number => {
            if !v.is_number() {
                return Err(err(path, format!("{name} must be a number, got {v}")));
            }
            Ok(v.clone())
        }
        FieldType::Checkbox => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(err(
                path,
                format!("{name} is a checkbox: true or false, got {v}"),
            )),
        },
        FieldType::Geolocation => {
            let limit = if name.ends_with("Latitude") {
                90.0
            } else {
                180.0
            };
            match v.as_f64() {
                Some(x) if x.abs() <= limit => Ok(v.clone()),
                _ => Err(err(
                    path,
                    format!("{name} must be degrees within ±{limit}, got {v}"),
                )),
            }
        }
        FieldType::Picklist(values) => {
            let s = v.as_str().unwrap_or("");
            if !values.iter().any(|x| x == s) {
                return Err(err(
                    path,
                    format!("{v} is not a value of {name} ({})", one_of(values)),
                ));
            }
            Ok(v.clone())
        }
        FieldType::Multiselect(values) => {
            let items = multi(path, name, v)?;
            for (i, x) in items.iter().enumerate() {
                if !values.contains(x) {
                    return Err(err(
                        format!("{path}[{i}]"),
                        format!("{x:?} is not a value of {name} ({})", one_of(values)),
                    ));
                }
            }
            Ok(Value::from(items))
        }
        FieldType::Country => {
            let s = v.as_str().unwrap_or("");
            if !unchain_types::country::is_alpha2(s) {
                return Err(err(
                    path,
                    format!(
                        "{name} must be an ISO 3166-1 alpha-2 country code such as TH, got {v}"
                    ),
                ));
            }
            Ok(v.clone())
        }
        FieldType::Countries => {
            let items = multi(path, name, v)?;
            for (i, x) in items.iter().enumerate() {
                if !unchain_types::country::is_alpha2(x) {
                    return Err(err(
                        format!("{path}[{i}]"),
                        format!("{x:?} is not an ISO 3166-1 alpha-2 country code"),
                    ));
                }
            }
            Ok(Value::from(items))
        }
        FieldType::Language => {
            let s = v.as_str().unwrap_or("");
            if !(2..=3).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(err(
                    path,
                    format!("{name} must be an ISO 639 language code such as th or tha, got {v}"),
                ));
            }
            Ok(v.clone())
        }
    }
}

fn check_entry(part: &Part, path: &str, v: &Value) -> Result<Value, FieldError> {
    let map = v
        .as_object()
        .ok_or_else(|| err(path, "must be an object of HTCDS fields"))?;
    let mut out = Map::new();
    for (k, x) in map {
        let at = format!("{path}.{k}");
        if part.links.contains(&k.as_str()) {
            let s = x
                .as_str()
                .filter(|s| (1..=64).contains(&s.len()))
                .ok_or_else(|| err(&at, "must be a string of 1 to 64 characters"))?;
            if k == "role" && !ROLES.contains(&s) {
                return Err(err(
                    &at,
                    format!("{s:?} is not a role (one of {})", ROLES.join(", ")),
                ));
            }
            out.insert(k.clone(), x.clone());
            continue;
        }
        let f = field(k).ok_or_else(|| err(&at, "is not an HTCDS v2.0 field"))?;
        if !part.sections.contains(&f.section.as_str()) {
            return Err(err(
                &at,
                format!(
                    "is an HTCDS field of section {:?}, which belongs elsewhere in the document",
                    f.section
                ),
            ));
        }
        if x.is_null() {
            continue;
        }
        out.insert(k.clone(), check_value(&at, k, &f.ty, x)?);
    }
    Ok(Value::Object(out))
}

/// Checks `doc` against the standard and returns it in normal form (multiselects as
/// arrays, checkboxes as booleans, nulls dropped). The first problem is named by its path.
pub fn validate(doc: &Value) -> Result<Value, FieldError> {
    let map = doc
        .as_object()
        .ok_or_else(|| err("", "an HTCDS document must be a JSON object"))?;
    let mut out = Map::new();
    for (k, v) in map {
        if k == "htcds_version" {
            if v.as_str() != Some(VERSION) {
                return Err(err(k, format!("must be \"{VERSION}\", got {v}")));
            }
            continue;
        }
        let part = PARTS.iter().find(|p| p.name == k).ok_or_else(|| {
            err(
                k,
                format!(
                    "is not a part of an HTCDS document (one of htcds_version, {})",
                    PARTS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        let checked = if part.list {
            let items = v.as_array().ok_or_else(|| err(k, "must be a list"))?;
            if items.len() > MAX_ENTRIES {
                return Err(err(
                    k,
                    format!("has {} entries; at most {MAX_ENTRIES}", items.len()),
                ));
            }
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| check_entry(part, &format!("{k}[{i}]"), x))
                    .collect::<Result<_, _>>()?,
            )
        } else {
            check_entry(part, k, v)?
        };
        out.insert(k.clone(), checked);
    }
    check_links(&out)?;
    out.insert("htcds_version".into(), Value::from(VERSION));
    Ok(Value::Object(out))
}

/// Every `person` link names a person's `id`, and ids are unique.
fn check_links(doc: &Map<String, Value>) -> Result<(), FieldError> {
    let empty = Vec::new();
    let persons = doc
        .get("persons")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut ids: Vec<&str> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        if let Some(id) = p.get("id").and_then(Value::as_str) {
            if ids.contains(&id) {
                return Err(err(
                    format!("persons[{i}].id"),
                    format!("{id:?} is used twice"),
                ));
            }
            ids.push(id);
        }
    }
    for part in ["events", "support_plans"] {
        for (i, e) in doc
            .get(part)
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .iter()
            .enumerate()
        {
            if let Some(p) = e.get("person").and_then(Value::as_str)
                && !ids.contains(&p)
            {
                return Err(err(
                    format!("{part}[{i}].person"),
                    format!("no person has id {p:?}"),
                ));
            }
        }
    }
    Ok(())
}

/// The identifiers in a checked document that cross-agency matching blinds, as
/// `(field, kind, value)` with the kinds of `unchain_seal::IdentifierKind`: phone numbers,
/// e-mail addresses, and names with dates of birth. Only their tokens leave the sealing
/// machine.
pub fn identifiers(doc: &Value) -> Vec<(String, &'static str, String)> {
    let mut out: Vec<(String, &'static str, String)> = Vec::new();
    let empty = Vec::new();
    let persons = doc
        .get("persons")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for (i, p) in persons.iter().enumerate() {
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let at = |k: &str| format!("persons[{i}].{k}");
        for k in ["prs_MobilePhone", "prs_HomePhone"] {
            if let Some(v) = s(k) {
                out.push((at(k), "phone", v.to_owned()));
            }
        }
        if let Some(v) = s("prs_Email") {
            out.push((at("prs_Email"), "email", v.to_owned()));
        }
        if let (Some(first), Some(dob)) = (s("prs_FirstName"), s("prs_Birthdate")) {
            let name = [Some(first), s("prs_MiddleName"), s("prs_SecondName")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            out.push((at("prs_FirstName"), "name_dob", format!("{name}|{dob}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_field_and_the_reason() {
        let cases = [
            (
                json!({"case": {"cas_Status": "Open"}}),
                "case.cas_Status: \"Open\" is not a value of cas_Status",
            ),
            (
                json!({"persons": [{"vic_MethodsOfControl": ["DebtBondage", "Beating"]}]}),
                "persons[0].vic_MethodsOfControl[1]: \"Beating\" is not a value",
            ),
            (
                json!({"persons": [{"prs_Birthdate": "1990-02-30"}]}),
                "persons[0].prs_Birthdate: prs_Birthdate must be a date",
            ),
            (
                json!({"persons": [{"prs_Citizenship": ["MM", "XX"]}]}),
                "persons[0].prs_Citizenship[1]: \"XX\" is not an ISO 3166-1",
            ),
            (
                json!({"persons": [{"prs_Nickname": "x"}]}),
                "persons[0].prs_Nickname: is not an HTCDS v2.0 field",
            ),
            (
                json!({"case": {"prs_FirstName": "x"}}),
                "case.prs_FirstName: is an HTCDS field of section \"Person\"",
            ),
            (
                json!({"events": [{"person": "p9", "hte_Type": "Transit"}]}),
                "events[0].person: no person has id \"p9\"",
            ),
            (
                json!({"persons": [{"role": "boss"}]}),
                "persons[0].role: \"boss\" is not a role",
            ),
            (
                json!({"victims": []}),
                "victims: is not a part of an HTCDS document",
            ),
            (
                json!({"htcds_version": "1.0"}),
                "htcds_version: must be \"2.0\"",
            ),
            (
                json!({"persons": [{"vic_MethodsOfControl": "DebtBondage;DebtBondage"}]}),
                "persons[0].vic_MethodsOfControl[1]: \"DebtBondage\" is listed twice",
            ),
            (
                json!({"events": [{"hte_Latitude": 91}]}),
                "events[0].hte_Latitude: hte_Latitude must be degrees within ±90",
            ),
        ];
        for (doc, want) in cases {
            let got = validate(&doc).expect_err(want).to_string();
            assert!(got.starts_with(want), "want {want:?}, got {got:?}");
        }
    }

    #[test]
    fn spreadsheet_multiselects_and_checkboxes_are_read_into_normal_form() {
        let doc = json!({"persons": [{"vic_MethodsOfControl": "DebtBondage; WithholdsDocuments", "prs_Deceased": "FALSE"}]});
        let v = validate(&doc).expect("valid");
        assert_eq!(
            v["persons"][0]["vic_MethodsOfControl"],
            json!(["DebtBondage", "WithholdsDocuments"])
        );
        assert_eq!(v["persons"][0]["prs_Deceased"], json!(false));
        assert_eq!(v["htcds_version"], json!("2.0"));
        assert_eq!(validate(&v).expect("normal form is valid"), v);
    }
}
