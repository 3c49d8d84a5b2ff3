//! What the tests share: GS1's example documents.

use std::path::{Path, PathBuf};

/// The folder of GS1's JSON-LD examples.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/JSON")
}

/// Every GS1 JSON-LD example document (`*.jsonld`, in every subfolder), sorted.
pub fn examples() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![examples_dir()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("vectors") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonld") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
