//! HTCDS documents and spreadsheet tables from outside: checking never panics, and a
//! document that passes is a fixed point of checking.

use std::collections::BTreeMap;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(checked) = unchain_htcds::validate(&doc)
    {
        assert_eq!(
            unchain_htcds::validate(&checked).ok(),
            Some(checked.clone())
        );
        let _ = unchain_htcds::ctdc::rows(&checked, 2026);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let tables: BTreeMap<String, String> = [("persons".to_owned(), text.to_owned())].into();
        let _ = unchain_htcds::tables::from_tables(&tables);
    }
}
