//! A Parquet or Arrow IPC export handed to `unchain finance scan`: read as each columnar
//! container (the one its first bytes name, and each forced), in every format the
//! reader knows, never panics, whatever the bytes; what reads builds a graph the
//! detectors run on.
//!
//! The parquet crate (60.2) panics on some malformed files; the reader guards its calls
//! and refuses such a file. libFuzzer's panic hook aborts on any panic before a guard
//! can catch it, so this target lets through the panics raised inside the parquet
//! crate's own sources (and only those): a panic anywhere else still aborts the run.

use std::sync::Once;
use unchain_finance::input::{Container, Format, Options, read_columnar_bytes};

static HOOK: Once = Once::new();

/// Installs, once, a panic hook that passes over panics inside the parquet crate.
fn let_parquet_panics_unwind() {
    HOOK.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parquet = info
                .location()
                .is_some_and(|l| l.file().contains("/parquet-"));
            if !in_parquet {
                abort(info);
            }
        }));
    });
}

/// One input.
pub fn run(data: &[u8]) {
    let_parquet_panics_unwind();
    let containers = [
        Container::Parquet,
        Container::ArrowFile,
        Container::ArrowStream,
    ];
    let sniffed = Container::sniff(data);
    for container in containers {
        // The container the bytes name, with every format; the others with the format
        // recognised by the header only (a broken container is refused before the rows).
        let formats: Vec<Option<Format>> = if Some(container) == sniffed {
            std::iter::once(None)
                .chain(Format::ALL.into_iter().map(Some))
                .collect()
        } else {
            vec![None]
        };
        for format in formats {
            let options = Options {
                format,
                skip_bad_rows: true,
                ..Options::default()
            };
            if let Ok(loaded) = read_columnar_bytes(data.to_vec(), container, options, |_| {}) {
                let g = unchain_finance::Graph::build(&loaded.records, &loaded.names);
                let _ = unchain_finance::detect::run_all(&g, &Default::default());
            }
        }
    }
}
