//! The node's front ends — the HTTP API, the console and the tip form — are siblings over
//! the service layer: none imports another, and the service (nor the named-query delivery
//! beside it) imports none of them.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Whether `line` names module `m` of this crate.
fn names(line: &str, m: &str) -> bool {
    [
        format!("crate::{m}::"),
        format!("crate::{m};"),
        format!("crate::{m}}}"),
        format!("crate::{m},"),
    ]
    .iter()
    .any(|p| line.contains(p.as_str()))
}

/// Every `file:line` under `src/{module}` that names one of the `forbidden` modules.
fn imports(module: &str, forbidden: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(module);
    let mut found = Vec::new();
    for file in rust_files(&dir) {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|f| names(line, f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_front_ends_do_not_import_each_other() {
    for (module, forbidden) in [
        ("api", &["console", "tipform"][..]),
        ("console", &["api", "tipform"][..]),
        ("tipform", &["api", "console"][..]),
        ("service", &["api", "console", "tipform"][..]),
        ("named_queries", &["api", "console", "tipform"][..]),
    ] {
        let found = imports(module, forbidden);
        assert!(
            found.is_empty(),
            "{module} imports {forbidden:?}:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_check_sees_an_import() {
    // The scan is only worth something if it finds what it looks for: the router that
    // joins the front ends names all three.
    let serve = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/serve.rs"))
        .expect("serve.rs");
    for m in ["api", "console", "tipform"] {
        assert!(serve.lines().any(|l| names(l, m)), "{m}");
    }
}
