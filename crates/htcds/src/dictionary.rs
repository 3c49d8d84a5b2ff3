//! The HTCDS v2.0 field dictionary (IOM with Tech Against Trafficking, CC BY 4.0), read
//! from the standard's own field list (`data/htcds_v2_fields.tsv`): section, status, core
//! flag, field name, type and picklist values.

use std::sync::OnceLock;

/// The dictionary as published.
pub const TSV: &str = include_str!("../data/htcds_v2_fields.tsv");

/// How a field's value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// A short string.
    Text,
    /// A long string.
    LongText,
    /// `YYYY-MM-DD`.
    Date,
    /// A number.
    Number,
    /// `true` or `false`.
    Checkbox,
    /// A latitude or longitude in degrees.
    Geolocation,
    /// A reference to a user, person or organisation.
    Lookup,
    /// One of the listed values.
    Picklist(Vec<String>),
    /// Any of the listed values, without repeats.
    Multiselect(Vec<String>),
    /// An ISO 3166-1 alpha-2 country code.
    Country,
    /// ISO 3166-1 alpha-2 country codes, without repeats.
    Countries,
    /// An ISO 639 language code (two or three lower-case letters).
    Language,
}

/// One field of the standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The section: `Person`, `Person - Victim Context`, `Case`, …
    pub section: String,
    /// `DRAFT` or `DEPRECATED`.
    pub status: String,
    /// Whether it is a core field.
    pub core: bool,
    /// Its name, e.g. `vic_MethodsOfControl`.
    pub name: String,
    /// How its value is written.
    pub ty: FieldType,
}

fn parse_type(ty: &str, values: &str) -> FieldType {
    let listed = || values.split_whitespace().map(str::to_owned).collect();
    let iso_country = values.contains("ISO 3166");
    match ty {
        "Text" | "Picklist or Text" if iso_country => FieldType::Country,
        "Text" | "Picklist or Text" => FieldType::Text,
        "Long Text" => FieldType::LongText,
        "Date" => FieldType::Date,
        "Number" => FieldType::Number,
        "Checkbox" => FieldType::Checkbox,
        "Geolocation" => FieldType::Geolocation,
        t if t.starts_with("Lookup") => FieldType::Lookup,
        "Picklist" if values.contains("ISO 639") => FieldType::Language,
        "Multiselect Picklist" if iso_country => FieldType::Countries,
        "Picklist" => FieldType::Picklist(listed()),
        "Multiselect Picklist" => FieldType::Multiselect(listed()),
        other => panic!("HTCDS dictionary: unknown field type {other:?}"),
    }
}

/// Every field, in the dictionary's order.
pub fn fields() -> &'static [Field] {
    static FIELDS: OnceLock<Vec<Field>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        TSV.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let cols: Vec<&str> = line.split('\t').collect();
                assert!(cols.len() >= 5, "HTCDS dictionary line {line:?}");
                Field {
                    section: cols[0].to_owned(),
                    status: cols[1].to_owned(),
                    core: cols[2] == "Core",
                    name: cols[3].to_owned(),
                    ty: parse_type(cols[4], cols.get(5).copied().unwrap_or("")),
                }
            })
            .collect()
    })
}

/// The field named `name`.
pub fn field(name: &str) -> Option<&'static Field> {
    fields().iter().find(|f| f.name == name)
}
