//! JSON from outside read as I-JSON: never panics; whatever it accepts, `serde_json`
//! reads as the same value; whatever `serde_json` reads that it refuses names a repeated
//! member; a batch read item by item agrees with the whole array.

/// One input.
pub fn run(data: &[u8]) {
    let strict = unchain_types::ijson::from_slice(data);
    let loose = serde_json::from_slice::<serde_json::Value>(data);
    match (&strict, &loose) {
        (Ok(s), Ok(l)) => assert_eq!(s, l),
        (Ok(_), Err(e)) => panic!("I-JSON accepted what serde_json refused: {e}"),
        (Err(e), Ok(_)) => assert!(e.to_string().contains("duplicate member"), "{e}"),
        (Err(_), Err(_)) => {}
    }
    let mut items = Vec::new();
    let each = unchain_types::ijson::each_array_item(data, 64, |i, v| items.push((i, v)));
    if let (Ok(n), Ok(serde_json::Value::Array(all))) = (each, &strict) {
        assert_eq!(n, all.len());
        assert!(items.iter().map(|(_, v)| v).eq(all.iter()));
    }
}
