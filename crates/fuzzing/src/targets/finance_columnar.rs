//! A Parquet or Arrow IPC export handed to `unchain finance scan`: read as each columnar
//! container (the one its first bytes name, and each forced), in every format the
//! reader knows, never panics, whatever the bytes; what reads builds a graph the
//! detectors run on.

use unchain_finance::input::{Container, Format, Options, read_columnar_bytes};

/// One input.
pub fn run(data: &[u8]) {
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
