//! Prints the pre-hash string and the CBV 2.0 hash of every event of an EPCIS document, one
//! per line: `cargo run -p unchain-epcis --example prehash FILE`. For comparing with other
//! implementations of the algorithm.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: prehash FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    // Read without the schema: the comparison is about the hash, not validity.
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let ns = unchain_epcis::hash::namespaces(v.get("@context").unwrap_or(&serde_json::Value::Null));
    let list = v
        .pointer("/epcisBody/eventList")
        .or_else(|| v.pointer("/epcisBody/queryResults/resultsBody/eventList"))
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, e) in list.iter().enumerate() {
        match unchain_epcis::event::parse_event(e, &format!("/{i}")) {
            Ok(event) => {
                println!("{}", unchain_epcis::hash::event_hash(&event, &ns));
                println!("{}", unchain_epcis::hash::pre_hash(&event, &ns));
            }
            Err(err) => println!("ERROR {err}"),
        }
    }
}
