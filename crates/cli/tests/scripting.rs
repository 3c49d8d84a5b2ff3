//! The command line for scripts: a version that names its commit, statuses a script can
//! tell apart, and the key file from the environment like the node and the user.

mod common;

use common::{Run, bin};
use std::process::Command;

fn unchain(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::of(&mut cmd)
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let v = unchain(&["--version"], &[]);
    assert!(v.ok, "{}", v.stderr);
    let expected = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(
        v.stdout.trim(),
        format!("unchain {} (commit {expected})", env!("CARGO_PKG_VERSION"))
    );
    // Every subcommand says the same.
    let sub = unchain(&["finance", "--version"], &[]);
    assert!(sub.stdout.contains(&expected), "{}", sub.stdout);
}

#[test]
fn usage_errors_exit_2_and_failures_1() {
    let usage = unchain(&["no-such-command"], &[]);
    assert_eq!(usage.code, Some(2), "{}", usage.stderr);
    let bad_value = unchain(&["finance", "scan", "x.csv", "--slice-days", "many"], &[]);
    assert_eq!(bad_value.code, Some(2), "{}", bad_value.stderr);
    let missing = unchain(&["finance", "scan", "/nonexistent/payments.csv"], &[]);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("/nonexistent/payments.csv"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_key_file_comes_from_unchain_key_when_not_given() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("absent-key.json").display().to_string();
    // Without --key or UNCHAIN_KEY: a usage error naming the option.
    let none = unchain(&["tips", "list", "--actor", "u-1"], &[]);
    assert_eq!(none.code, Some(2), "{}", none.stderr);
    assert!(none.stderr.contains("--key"), "{}", none.stderr);
    // With UNCHAIN_KEY: that file is the one read (and, absent, named in the failure).
    let env = unchain(
        &["tips", "list", "--actor", "u-1"],
        &[("UNCHAIN_KEY", key.as_str())],
    );
    assert_eq!(env.code, Some(1), "{}", env.stderr);
    assert!(env.stderr.contains("absent-key.json"), "{}", env.stderr);
}

#[test]
fn completions_are_scripts_the_shell_reads_and_name_every_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let bash = unchain(&["completions", "bash"], &[]);
    assert!(bash.ok, "{}", bash.stderr);
    for word in ["complete -F _unchain", "finance", "--slice-days", "border"] {
        assert!(
            bash.stdout.contains(word),
            "no {word:?} in the bash completions"
        );
    }
    // bash itself parses the script.
    let script = dir.path().join("unchain.bash");
    std::fs::write(&script, &bash.stdout).expect("write");
    let parsed = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let zsh = unchain(&["completions", "zsh"], &[]);
    assert!(zsh.stdout.starts_with("#compdef unchain"), "{}", zsh.stdout);
    let unknown = unchain(&["completions", "tcsh"], &[]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
}

#[test]
fn manual_pages_for_every_command_that_groff_formats_without_a_warning() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("man1");
    let made = unchain(&["man", "--out", &out.display().to_string()], &[]);
    assert!(made.ok, "{}", made.stderr);
    for page in [
        "unchain.1",
        "unchain-finance.1",
        "unchain-finance-scan.1",
        "unchain-border-check.1",
    ] {
        let text =
            std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH "), "{page}");
    }
    let scan = std::fs::read_to_string(out.join("unchain-finance-scan.1")).expect("page");
    assert!(scan.contains("slice\\-days"), "the options are in the page");
    // groff (installed by .ci/run) formats every page as `man` does (`-k`: the UTF-8 text
    // through preconv) with every warning on, and warns of nothing.
    let mut pages = 0;
    for entry in std::fs::read_dir(&out).expect("pages") {
        let page = entry.expect("entry").path();
        let formatted = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
            .expect("groff (Debian's groff-base)");
        assert!(
            formatted.status.success() && formatted.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&formatted.stderr)
        );
        pages += 1;
    }
    assert!(pages > 50, "{pages} pages");
}
