//! Every committed fuzz corpus replayed through its target, as `cargo fuzz run TARGET
//! -runs=0` would, with no fuzzing toolchain: an input that once passed and now panics
//! fails the ordinary test suite. Also checks that `fuzz/Cargo.toml`, `fuzz/fuzz_targets/`
//! and this crate name the same targets, each with a corpus.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn every_target_has_a_wrapper_a_manifest_entry_and_a_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("manifest");
    let mut declared: Vec<String> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "unchain-fuzz")
        .map(str::to_owned)
        .collect();
    declared.sort();
    let mut ours: Vec<String> = unchain_fuzzing::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    ours.sort();
    assert_eq!(
        declared, ours,
        "fuzz/Cargo.toml and unchain_fuzzing::TARGETS differ"
    );
    for name in &ours {
        let wrapper = fuzz_dir().join(format!("fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&wrapper)
            .unwrap_or_else(|e| panic!("{}: {e}", wrapper.display()));
        assert!(
            text.contains(&format!("unchain_fuzzing::targets::{name}::run")),
            "{} does not call its target",
            wrapper.display()
        );
        let corpus = fuzz_dir().join(format!("corpus/{name}"));
        let n = std::fs::read_dir(&corpus)
            .unwrap_or_else(|e| panic!("no corpus for {name} at {}: {e}", corpus.display()))
            .count();
        assert!(n > 0, "the corpus of {name} is empty");
    }
}

#[test]
fn every_corpus_replays_without_a_panic() {
    let mut replayed = 0;
    for (name, run) in unchain_fuzzing::TARGETS {
        let corpus = fuzz_dir().join(format!("corpus/{name}"));
        let Ok(entries) = std::fs::read_dir(&corpus) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            // A fuzzer running beside this test may replace an input it just reduced.
            let data = match std::fs::read(&file) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", file.display()),
            };
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} panics (replay: cargo fuzz run -s none {name} {})",
                file.display(),
                file.display()
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no corpus input was replayed");
}

/// The `snapshot` target's seeds reach its deepest path: the real snapshot restores, and
/// the one with a changed chunk is refused (so the fuzzer starts from both sides of it).
#[test]
fn the_snapshot_seeds_restore_and_are_refused_as_built() {
    use unchain_fuzzing::targets::snapshot::{genesis, split};
    let restore = |name: &str| {
        let data = std::fs::read(fuzz_dir().join("corpus/snapshot").join(name)).expect("seed");
        let parts = split(&data);
        let manifest = serde_json::from_slice(parts[0]).expect("manifest");
        unchain_ledger::snapshot::check_manifest(&genesis(), &manifest).expect("vouched");
        let dir = tempfile::tempdir().expect("tmp");
        unchain_ledger::Ledger::restore_snapshot(
            &dir.path().join("l.redb"),
            genesis(),
            Vec::new(),
            None,
            &manifest,
            &mut |i| Ok(parts[1 + i].to_vec()),
            &mut |_, _| {},
        )
        .map(|(_, r)| r.entries)
    };
    assert!(restore("seed-six-blocks").expect("restores") > 6);
    let err = restore("seed-changed-chunk").expect_err("refused");
    assert!(err.to_string().contains("SHA-256"), "{err}");
}
