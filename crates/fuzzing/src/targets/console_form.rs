//! The console's outside input: the `Cookie` header, the `next` path after login, and the
//! new-case form turned into an HTCDS document. Never panics; a cookie value never spans
//! two cookies; login never leads outside the console; a document is either refused naming
//! a form field, or passes the standard's own check again unchanged.

use unchain_node::console::session::{COOKIE, cookie};
use unchain_node::console::{case_document, safe_next};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = text.split('\u{1f}').collect();
    let at = |i: usize| parts.get(i).copied().unwrap_or("");
    if let Some(v) = cookie(at(0), COOKIE) {
        assert!(!v.contains(';'), "{v:?}");
    }
    let next = safe_next(Some(at(1)));
    assert!(
        next.starts_with("/console") && !next.starts_with("//"),
        "{next:?}"
    );
    match case_document(at(2), at(3), at(4), at(5), at(6)) {
        Ok(doc) => {
            let again = unchain_htcds::document::validate(&doc).expect("a checked document checks");
            assert_eq!(again, doc);
        }
        Err((field, why)) => {
            assert!(
                ["", "summary", "first_name", "birthdate", "phone", "email"].contains(&field),
                "{field}"
            );
            assert!(!why.is_empty());
        }
    }
}
