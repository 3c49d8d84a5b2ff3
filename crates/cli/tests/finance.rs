//! `unchain finance` end to end: synthetic data written, scanned, every injected typology
//! found and scored against the ground truth, alerts written as JSON and CSV; malformed
//! rows stop the scan naming line, column and reason, or are skipped and reported.

mod common;

use common::*;

#[test]
fn synthetic_data_is_scanned_and_scored_against_its_ground_truth() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().display().to_string();
    let synth = unchain(&[
        "finance",
        "synth",
        "--out",
        &out,
        "--accounts",
        "2000",
        "--transactions",
        "20000",
        "--per-typology",
        "10",
    ]);
    assert!(synth.ok, "{}", synth.stderr);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let truth = dir.path().join("truth.csv").display().to_string();
    let json = dir.path().join("alerts.json").display().to_string();
    let csv = dir.path().join("alerts.csv").display().to_string();
    let scan = unchain(&[
        "finance", "scan", &tx, "--truth", &truth, "--json", &json, "--csv", &csv,
    ]);
    assert!(scan.ok, "{}", scan.stderr);
    for typology in ["fan_in", "fan_out", "pass_through", "structuring", "cycle"] {
        let line = scan
            .stdout
            .lines()
            .find(|l| l.starts_with(typology) && l.contains(" 10 "))
            .unwrap_or_else(|| panic!("no score for {typology}: {}", scan.stdout));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], "10", "{line}");
        assert_eq!(cols[2], "10", "every instance found: {line}");
    }
    let alerts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("alerts JSON");
    let first = &alerts[0];
    assert!(
        first["evidence"].as_array().expect("evidence").len() >= 2,
        "{first}"
    );
    assert!(first["explanation"].as_str().expect("why").len() > 20);
    let rows = std::fs::read_to_string(&csv).expect("csv");
    assert_eq!(
        rows.lines().count(),
        alerts.as_array().expect("list").len() + 1
    );
}

#[test]
fn malformed_rows_are_named_or_skipped_and_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("bank.csv");
    std::fs::write(
        &path,
        "id,timestamp,from,to,amount,currency,channel\n\
         a,2026-01-01T10:00:00Z,ACC1,ACC2,100.00,THB,wire\n\
         b,2026-01-01T11:00:00Z,ACC1,ACC2,1O0.00,THB,wire\n\
         c,2026-01-01T12:00:00Z,ACC2,ACC3,50,THB,wire\n",
    )
    .expect("write");
    let p = path.display().to_string();
    let strict = unchain(&["finance", "scan", &p]);
    assert!(!strict.ok);
    assert!(
        strict
            .stderr
            .contains("line 3, column amount: \"1O0.00\" is not a decimal number"),
        "{}",
        strict.stderr
    );
    let lenient = unchain(&["finance", "scan", &p, "--skip-bad-rows"]);
    assert!(lenient.ok, "{}", lenient.stderr);
    assert!(
        lenient.stderr.contains("skipped: line 3, column amount"),
        "{}",
        lenient.stderr
    );
    assert!(
        lenient.stderr.contains("2 transactions (1 skipped)"),
        "{}",
        lenient.stderr
    );
    let missing = dir.path().join("nochannel.csv");
    std::fs::write(&missing, "id,timestamp,from,to,amount,currency\n").expect("write");
    let r = unchain(&["finance", "scan", &missing.display().to_string()]);
    assert!(
        !r.ok && r.stderr.contains("no `channel` column"),
        "{}",
        r.stderr
    );
}

#[test]
fn trace_follows_money_forward_and_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("flows.csv");
    std::fs::write(
        &path,
        "id,timestamp,from,to,amount,currency,channel\n\
         t0,1767225600,X,B,100,USD,wire\n\
         t1,1767229200,A,B,100,USD,wire\n\
         t2,1767232800,B,C,100,USD,wire\n\
         t3,1767236400,B,D,100,USD,wire\n\
         t4,1767240000,D,E,80,USD,wire\n",
    )
    .expect("write");
    let p = path.display().to_string();
    let fwd = unchain(&["finance", "trace", &p, "--from", "A"]);
    assert!(fwd.ok, "{}", fwd.stderr);
    assert!(
        fwd.stdout.contains("hop 2  t2  B -> C  50 of 100 USD"),
        "{}",
        fwd.stdout
    );
    assert!(
        fwd.stdout.contains("hop 3  t4  D -> E  40 of 80 USD"),
        "{}",
        fwd.stdout
    );
    let fifo = unchain(&["finance", "trace", &p, "--from", "A", "--fifo"]);
    assert!(
        fifo.stdout.contains("hop 2  t3  B -> D  100 of 100 USD"),
        "{}",
        fifo.stdout
    );
    assert!(!fifo.stdout.contains("B -> C"), "{}", fifo.stdout);
    let back = unchain(&["finance", "trace", &p, "--from", "E", "--backward"]);
    assert!(
        back.stdout.contains("hop 2  t3  B -> D  80 of 100 USD"),
        "{}",
        back.stdout
    );
    let nobody = unchain(&["finance", "trace", &p, "--from", "Z"]);
    assert!(
        !nobody.ok
            && nobody
                .stderr
                .contains("--from: account \"Z\" is in no transaction"),
        "{}",
        nobody.stderr
    );
}
