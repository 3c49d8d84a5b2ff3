//! What a stranger types into the tip form: a receipt code, a challenge token with its
//! proof of work, the report's fields. Parsing and checking never panic.

/// One input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = unchain_tips::receipt::ReceiptCode::parse(text);
    let (token, pow) = text.split_once('\n').unwrap_or((text, ""));
    let guard = unchain_node::tipform::guard::Guard::new(
        &["report".into()],
        unchain_node::tipform::guard::Limits {
            global_per_minute: 10,
            form_per_minute: 10,
            calm_per_10_minutes: 10,
            floor_bits: 0,
        },
    );
    let _ = guard.check("report", token, pow);
    let _ = unchain_node::tipform::guard::work_ok(token, pow, 8);
    if let Ok(report) = serde_json::from_str::<unchain_tips::report::Report>(text) {
        let _ = report.check();
    }
    let _ = unchain_tips::report::check_text(text);
}
