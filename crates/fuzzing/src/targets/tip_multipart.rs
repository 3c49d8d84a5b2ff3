//! A tip request's multipart body as a stranger sends it (the first line is the boundary,
//! the rest the body): reading it, checking its challenge before anything else, bounding
//! each field and cleaning its files never panics, and never reads more than the form's
//! file limit.

use unchain_node::tipform::guard::{Guard, Limits};

/// One input.
pub fn run(data: &[u8]) {
    let (boundary, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"X"[..], data),
    };
    let Ok(boundary) = std::str::from_utf8(boundary) else {
        return;
    };
    let guard = Guard::new(
        &["report".into()],
        Limits {
            global_per_minute: 1_000,
            form_per_minute: 1_000,
            calm_per_10_minutes: 1_000,
            floor_bits: 0,
        },
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let read = futures::executor::block_on(unchain_node::tipform::multipart::read_tip_body(
        &guard,
        "report",
        &content_type,
        body.to_vec(),
    ));
    if let Ok(files) = read {
        assert!(files <= unchain_tips::report::MAX_FILES);
    }
}
