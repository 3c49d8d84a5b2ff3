//! `unchain finance` end to end: synthetic data written, scanned, every injected typology
//! found and scored against the ground truth, alerts written as JSON and CSV; malformed
//! rows stop the scan naming line, column and reason, or are skipped and reported.

mod common;

use common::*;

#[test]
fn synthetic_data_is_scanned_and_scored_against_its_ground_truth() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 2000, 20000, 10);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let truth = dir.path().join("truth.csv").display().to_string();
    let json = dir.path().join("alerts.json").display().to_string();
    let csv = dir.path().join("alerts.csv").display().to_string();
    let html = dir.path().join("report.html").display().to_string();
    let scan = unchain(&[
        "finance", "scan", &tx, "--truth", &truth, "--json", &json, "--csv", &csv, "--html", &html,
    ]);
    assert!(scan.ok, "{}", scan.stderr);
    for typology in unchain_finance::detect::DETECTORS {
        let line = scan
            .stdout
            .lines()
            .find(|l| l.starts_with(typology) && l.contains(" 10 "))
            .unwrap_or_else(|| panic!("no score for {typology}: {}", scan.stdout));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], "10", "{line}");
        assert_eq!(cols[2], "10", "every instance found: {line}");
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("alerts JSON");
    let alerts = &doc["alerts"];
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
    // Accounts by risk: the most unusual first, each with a p-value and why.
    let accounts = doc["accounts"].as_array().expect("accounts");
    for pair in accounts.windows(2) {
        assert!(pair[0]["risk"].as_f64() >= pair[1]["risk"].as_f64());
    }
    for a in accounts {
        let p = a["p"].as_f64().expect("p");
        assert!(p > 0.0 && p < 1.0, "{a}");
        let why = a["why"].as_str().expect("why");
        assert!(
            why.contains(" peers (accounts with ") || why.contains(" of the file's "),
            "{a}"
        );
    }
    // The parameters as run, and those derived from the file with why.
    let derived = doc["parameters"]["derived"].as_array().expect("derived");
    let fan_min = derived
        .iter()
        .find(|d| d["name"] == "fan_min")
        .expect("fan_min derived");
    assert_eq!(
        fan_min["value"].as_str().expect("value"),
        doc["parameters"]["run"]["fan_min"].to_string()
    );
    assert!(
        scan.stderr.contains("parameter fan_min = "),
        "{}",
        scan.stderr
    );
    assert!(scan.stdout.contains("precision at K"), "{}", scan.stdout);
    let page = std::fs::read_to_string(&html).expect("report");
    assert_eq!(
        page.matches("<svg").count(),
        100,
        "the 100 strongest alerts drawn"
    );
    assert!(page.contains("weaker alerts are not drawn"));
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

#[test]
fn published_formats_are_recognised_and_scored_against_their_labels() {
    let dir = tempfile::tempdir().expect("tmp");
    // AMLSim: transactions.csv with accounts.csv beside it, alerts.csv as the truth.
    std::fs::write(
        dir.path().join("accounts.csv"),
        "acct_id,dsply_nm,type,acct_stat,acct_rptng_crncy,branch_id\n1,C_1,I,A,EUR,1\n",
    )
    .expect("write");
    let mut tx = String::from(
        "tran_id,tran_timestamp,base_amt,tx_type,is_frgn_trxn,orig_acct,bene_acct,is_sar,alert_id\n",
    );
    let mut alerts = String::from(
        "alert_id,alert_type,is_sar,tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp\n",
    );
    for i in 0..12 {
        tx.push_str(&format!(
            "{i},2017-01-01T{i:02}:00:00Z,100,TRANSFER,false,1,{},true,7\n",
            10 + i
        ));
        alerts.push_str(&format!(
            "7,fan_out,true,{i},1,{},TRANSFER,100,2017-01-01T{i:02}:00:00Z\n",
            10 + i
        ));
    }
    let path = dir.path().join("transactions.csv");
    std::fs::write(&path, tx).expect("write");
    let truth = dir.path().join("alerts.csv");
    std::fs::write(&truth, alerts).expect("write");
    let json = dir.path().join("out.json");
    let scan = unchain(&[
        "finance",
        "scan",
        &path.display().to_string(),
        "--truth",
        &truth.display().to_string(),
        "--json",
        &json.display().to_string(),
    ]);
    assert!(scan.ok, "{}", scan.stderr);
    assert!(scan.stderr.contains("read as amlsim"), "{}", scan.stderr);
    assert!(
        scan.stderr
            .contains("ad_payments     0  (cannot apply: the file has no merchant categories"),
        "a detector that cannot apply says so: {}",
        scan.stderr
    );
    assert!(
        scan.stdout
            .contains("against the file's own laundering labels (12 labelled transactions)"),
        "{}",
        scan.stdout
    );
    let fan_out = scan
        .stdout
        .lines()
        .find(|l| l.starts_with("fan_out ") && l.contains("1.000"))
        .unwrap_or_else(|| panic!("fan_out found against alerts.csv: {}", scan.stdout));
    assert!(fan_out.contains(" 1 "), "{fan_out}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("JSON");
    assert_eq!(
        doc["alerts"][0]["evidence"][0]["currency"], "EUR",
        "from accounts.csv"
    );
    // A truth file that is neither the synthetic truth nor AMLSim's alerts (here the
    // accounts file, and a truncated alerts file) is refused before any scanning, naming the
    // file and what it lacks.
    let short = dir.path().join("alerts-short.csv");
    std::fs::write(
        &short,
        "alert_id,alert_type
7,fan_out
",
    )
    .expect("write");
    for (bad, lacks) in [
        (dir.path().join("accounts.csv"), "no `alert_id` column"),
        (short, "neither `orig_acct` and `bene_acct`"),
    ] {
        let refused = unchain(&[
            "finance",
            "scan",
            &path.display().to_string(),
            "--truth",
            &bad.display().to_string(),
        ]);
        assert!(!refused.ok, "{}", refused.stdout);
        assert!(
            refused.stderr.contains(&bad.display().to_string()) && refused.stderr.contains(lacks),
            "{}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("read as") && refused.stdout.is_empty(),
            "refused before reading the transactions: {}{}",
            refused.stdout,
            refused.stderr
        );
    }
    // IBM's AML data, forced to be read as crypto: the missing column is named.
    let altman = dir.path().join("HI-Small_Trans.csv");
    std::fs::write(
        &altman,
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n\
         2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n\
         2022/09/01 00:22,010,8000EBD30,011,8000EBD31,10.5,US Dollar,10.5,US Dollar,Wire,1\n",
    )
    .expect("write");
    let a = altman.display().to_string();
    let ok = unchain(&["finance", "scan", &a]);
    assert!(ok.ok, "{}", ok.stderr);
    assert!(ok.stderr.contains("read as altman"), "{}", ok.stderr);
    assert!(
        ok.stderr.contains("left out: 1 self-transfers"),
        "{}",
        ok.stderr
    );
    let wrong = unchain(&["finance", "scan", &a, "--format", "crypto"]);
    assert!(
        !wrong.ok
            && wrong
                .stderr
                .contains("no `from_address` column, which the crypto format needs"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn a_parquet_file_written_by_duckdb_scans_as_its_csv_does() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 1000, 8000, 3);
    let csv = dir.path().join("transactions.csv");
    let parquet = dir.path().join("transactions.parquet");
    // DuckDB (PyPI) types the columns itself: BIGINT times, DOUBLE amounts, VARCHAR names.
    let py = std::process::Command::new(python())
        .arg("-c")
        .arg(format!(
            "import duckdb; duckdb.sql(\"copy (select * from read_csv('{}', header = true)) to '{}' (format parquet, compression zstd)\")",
            csv.display(),
            parquet.display()
        ))
        .output()
        .expect("python");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let json = |name: &str, input: &std::path::Path| {
        let path = dir.path().join(name);
        let run = unchain(&[
            "finance",
            "scan",
            &input.display().to_string(),
            "--json",
            &path.display().to_string(),
        ]);
        assert!(run.ok, "{}", run.stderr);
        (std::fs::read(path).expect("json"), run.stderr)
    };
    let (from_csv, _) = json("csv.json", &csv);
    let (from_parquet, stderr) = json("parquet.json", &parquet);
    assert!(stderr.contains("read as Parquet"), "{stderr}");
    assert!(
        from_csv == from_parquet,
        "the same alerts, evidence and ranking"
    );
    // A Parquet file cut short is refused, naming the container.
    let bytes = std::fs::read(&parquet).expect("parquet");
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let run = unchain(&["finance", "scan", &cut.display().to_string()]);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("cut.parquet: Parquet: "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_is_scanned_a_time_slice_at_a_time() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 2000, 20000, 5);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let json = dir.path().join("sliced.json").display().to_string();
    let csv = dir.path().join("sliced.csv").display().to_string();
    let scan = unchain(&[
        "finance",
        "scan",
        &tx,
        "--slice-days",
        "30",
        "--json",
        &json,
        "--csv",
        &csv,
    ]);
    assert!(scan.ok, "{}", scan.stderr);
    // 90 days: three slices, each named with its dates and what it held.
    assert!(
        scan.stderr
            .contains("3 slices of 30 days from 2026-01-01 to 2026-03-31"),
        "{}",
        scan.stderr
    );
    assert_eq!(
        scan.stderr.matches("\nslice 2026-").count() + 1,
        3,
        "{}",
        scan.stderr
    );
    // The parameters come from the whole file, not from its first slice.
    assert!(
        scan.stderr.contains("parameter fan_min = ")
            && scan.stderr.contains("(measured over the whole file)")
            && !scan.stderr.contains("first slice"),
        "{}",
        scan.stderr
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("sliced JSON");
    let slices = doc["slices"].as_array().expect("slices");
    assert_eq!(slices.len(), 3);
    let alerts = doc["alerts"].as_array().expect("alerts");
    let per_slice: u64 = slices
        .iter()
        .map(|s| s["alerts"].as_u64().expect("n"))
        .sum();
    assert_eq!(per_slice as usize, alerts.len());
    assert!(alerts.len() > 20, "{}", alerts.len());
    assert!(doc["accounts"][0]["why"].as_str().expect("why").len() > 20);
    let rows = csv::Reader::from_path(&csv).expect("csv").records().count();
    assert_eq!(rows, alerts.len());
    // Every typology the generator planted is alerted on somewhere.
    for d in [
        "fan_in",
        "cycle",
        "gather_scatter",
        "wage_siphoning",
        "split_payments",
    ] {
        assert!(alerts.iter().any(|a| a["detector"] == d), "no {d}");
    }
    // What needs the whole file's graph is refused, naming the flag.
    let html = dir.path().join("r.html").display().to_string();
    let refused = unchain(&[
        "finance",
        "scan",
        &tx,
        "--slice-days",
        "30",
        "--html",
        &html,
    ]);
    assert!(!refused.ok);
    assert!(
        refused
            .stderr
            .contains("--html cannot be used with --slice-days"),
        "{}",
        refused.stderr
    );
    // A year of payments (synth's `--days`) in slices of 120 days.
    let year = dir.path().join("year");
    let made = unchain(&[
        "finance",
        "synth",
        "--out",
        &year.display().to_string(),
        "--accounts",
        "500",
        "--transactions",
        "5000",
        "--per-typology",
        "1",
        "--days",
        "365",
    ]);
    assert!(made.ok, "{}", made.stderr);
    let scan = unchain(&[
        "finance",
        "scan",
        &year.join("transactions.csv").display().to_string(),
        "--slice-days",
        "120",
    ]);
    assert!(
        scan.stderr
            .contains("4 slices of 120 days from 2026-01-01 to 2026-12-31"),
        "{}",
        scan.stderr
    );
    let refused = unchain(&["finance", "scan", &tx, "--slice-days", "0"]);
    assert!(
        !refused.ok && refused.stderr.contains("--slice-days"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_dash_sends_an_output_to_standard_output_and_the_table_to_standard_error() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 1500, 12000, 2);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let run_in_dir = |args: &[&str]| {
        Run::of(
            std::process::Command::new(bin())
                .args(["--log", "warn"])
                .args(args)
                .current_dir(dir.path()),
        )
    };
    for sliced in [false, true] {
        let mut args = vec!["finance", "scan", tx.as_str(), "--json", "-", "--top", "3"];
        if sliced {
            args.extend(["--slice-days", "30"]);
        }
        let scan = run_in_dir(&args);
        assert!(scan.ok, "{}", scan.stderr);
        // Standard output is the JSON document alone; the table went to standard error.
        let doc: serde_json::Value = serde_json::from_str(&scan.stdout)
            .unwrap_or_else(|e| panic!("sliced {sliced}: not JSON ({e}): {}", scan.stdout));
        assert!(
            doc["alerts"].as_array().is_some_and(|a| !a.is_empty()),
            "{doc}"
        );
        assert!(scan.stderr.contains("accounts by risk"), "{}", scan.stderr);
        assert!(
            scan.stderr.contains("written to standard output"),
            "{}",
            scan.stderr
        );
        assert!(!dir.path().join("-").exists(), "a file named - was written");
    }
    let csv = run_in_dir(&["finance", "scan", &tx, "--csv", "-", "--top", "0"]);
    assert!(csv.ok, "{}", csv.stderr);
    assert!(
        csv.stdout
            .starts_with("detector,account,score,explanation,evidence"),
        "{}",
        csv.stdout
    );
    let both = run_in_dir(&["finance", "scan", &tx, "--json", "-", "--csv", "-"]);
    assert_eq!(both.code, Some(1), "{}", both.stderr);
    assert!(
        both.stderr
            .contains("--json and --csv name standard output"),
        "{}",
        both.stderr
    );
    assert!(both.stdout.is_empty(), "{}", both.stdout);
}

#[test]
fn a_table_cut_short_by_its_reader_ends_quietly() {
    // `unchain finance scan … | head -1`: the reader is gone before the table is written.
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 1500, 12000, 2);
    for json in [None, Some("-")] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut cmd = std::process::Command::new(bin());
        cmd.args(["--log", "warn", "finance", "scan"])
            .arg(dir.path().join("transactions.csv"));
        if let Some(out) = json {
            cmd.args(["--json", out]);
        }
        let out = cmd
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run unchain finance scan");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Error"),
            "{stderr}"
        );
        assert_eq!(out.status.code(), Some(141), "--json {json:?}: {stderr}");
    }
}
