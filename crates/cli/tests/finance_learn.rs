//! `unchain finance learn` end to end: a model trained on the earlier payments of a
//! labelled file and judged on the later ones; the features, scores and parts written as
//! CSV, from which scikit-learn (PyPI) recomputes Unchain's threshold and F1 and trains its
//! own gradient boosting on the same features; files without labels, and bad settings,
//! refused with the reason.

mod common;

use common::*;

#[test]
fn a_model_learns_from_labelled_payments_and_scikit_learn_agrees_on_its_f1() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 2000, 20000, 10);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let truth = dir.path().join("truth.csv").display().to_string();
    let features = dir.path().join("features.csv").display().to_string();
    let json = dir.path().join("learn.json").display().to_string();
    let run = unchain(&[
        "finance",
        "learn",
        &tx,
        "--truth",
        &truth,
        "--features",
        &features,
        "--json",
        &json,
    ]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains("labels: "), "{}", run.stdout);
    for part in ["train", "validation", "test"] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(part)),
            "no {part} line: {}",
            run.stdout
        );
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid JSON");
    let test = &doc["parts"]["test"];
    let f1 = test["f1"].as_f64().expect("f1");
    let counts = &test["counts"];
    let (tp, fp, fn_) = (
        counts["true_positives"].as_u64().expect("tp") as f64,
        counts["false_positives"].as_u64().expect("fp") as f64,
        counts["false_negatives"].as_u64().expect("fn") as f64,
    );
    assert!(
        tp + fn_ > 0.0,
        "the test part has laundering payments: {doc}"
    );
    assert!(
        (f1 - 2.0 * tp / (2.0 * tp + fp + fn_)).abs() < 1e-12,
        "{doc}"
    );
    // The planted typologies are learnable: most of the test part's laundering is found.
    assert!(f1 >= 0.8, "test F1 {f1}: {}", run.stdout);
    // Every payment of the file has a row, with its part in time order.
    let text = std::fs::read_to_string(&features).expect("features");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with("id,time,part,label,score,log10 amount,"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.len() as u64,
        doc["labels"]["payments"].as_u64().expect("n")
    );
    let latest_train = rows
        .iter()
        .filter(|r| r[2] == "train")
        .map(|r| r[1].parse::<i64>().expect("time"))
        .max();
    let earliest_test = rows
        .iter()
        .filter(|r| r[2] == "test")
        .map(|r| r[1].parse::<i64>().expect("time"))
        .min();
    assert!(latest_train < earliest_test, "the split is by time");
    // scikit-learn recomputes the threshold and F1 from the scores (and fails if they
    // differ from what Unchain reported), then learns from the same features.
    let py = std::process::Command::new(python())
        .arg(repo_root().join("tests/python/finance_learn_baseline.py"))
        .arg(&features)
        .arg(&json)
        .output()
        .expect("python");
    let stdout = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_str(&stdout).expect("baseline JSON");
    let sk = theirs["sklearn"]["test_f1"].as_f64().expect("sklearn f1");
    assert!(
        sk >= 0.8,
        "scikit-learn's F1 on the same features: {theirs}"
    );
}

#[test]
fn a_file_without_labels_or_with_bad_settings_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    finance_synth(dir.path(), 500, 3000, 2);
    let tx = dir.path().join("transactions.csv").display().to_string();
    let no_labels = unchain(&["finance", "learn", &tx]);
    assert!(!no_labels.ok);
    assert!(
        no_labels.stderr.contains("no labels") && no_labels.stderr.contains("--truth"),
        "{}",
        no_labels.stderr
    );
    let truth = dir.path().join("truth.csv").display().to_string();
    let rate = unchain(&[
        "finance",
        "learn",
        &tx,
        "--truth",
        &truth,
        "--learning-rate",
        "0",
    ]);
    assert!(!rate.ok);
    assert!(rate.stderr.contains("--learning-rate"), "{}", rate.stderr);
    let trees = unchain(&["finance", "learn", &tx, "--truth", &truth, "--trees", "0"]);
    assert!(!trees.ok);
    assert!(trees.stderr.contains("--trees"), "{}", trees.stderr);
}
