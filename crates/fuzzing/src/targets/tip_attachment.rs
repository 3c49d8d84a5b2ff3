//! A file a stranger attached to a tip: recognising it and rebuilding it never panics;
//! what comes out is recognised again as the same kind, and rebuilt again without error
//! (nothing the rebuild writes is something it cannot read).

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(clean) = unchain_tips::strip::clean(data) {
        let again = unchain_tips::strip::clean(&clean.bytes).expect("a rebuilt file rebuilds");
        assert_eq!(again.media_type, clean.media_type);
    }
}
