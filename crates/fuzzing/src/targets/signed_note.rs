//! Checkpoints from peers and bundles: note parsing never panics and round-trips.

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(note) = unchain_log::SignedNote::parse(text)
    {
        assert_eq!(
            unchain_log::SignedNote::parse(&note.to_text()).expect("round trip"),
            note
        );
        let _ = unchain_log::Checkpoint::parse_body(&note.body);
    }
}
