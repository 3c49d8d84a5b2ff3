//! The supervised mode: labels from each source, the time-based split, the threshold rule,
//! F1, and a model that learns a pattern it was shown early and finds it later.

mod common;

use common::*;
use std::collections::BTreeSet;
use unchain_finance::detect::{self, Params};
use unchain_finance::learn::{self, Counts, Part, Settings, Split, features};
use unchain_finance::rank;

#[test]
fn f1_and_the_threshold_follow_their_definitions() {
    let c = Counts {
        true_positives: 6,
        false_positives: 2,
        false_negatives: 4,
        true_negatives: 88,
    };
    assert_eq!(c.precision(), 0.75);
    assert_eq!(c.recall(), 0.6);
    assert!((c.f1() - 12.0 / 18.0).abs() < 1e-12);
    assert_eq!(Counts::default().f1(), 0.0);
    // Flag 0.9 and 0.8: 2 of 3 positives, no false positive: F1 2·2/(2+3) = 0.8. Down to
    // 0.7 adds a false positive (4/6); down to 0.2 finds the third but with two false
    // positives (2·3/(5+3) = 0.75).
    let scored = vec![
        (0.9, true),
        (0.8, true),
        (0.7, false),
        (0.6, false),
        (0.2, true),
        (0.1, false),
    ];
    let (threshold, f1) = learn::best_threshold(scored);
    assert_eq!(threshold, 0.8);
    assert!((f1 - 0.8).abs() < 1e-12);
    // Equal scores are flagged together.
    let (threshold, _) = learn::best_threshold(vec![(0.5, true), (0.5, false), (0.1, false)]);
    assert_eq!(threshold, 0.5);
}

#[test]
fn the_split_is_by_time_and_keeps_a_time_stamp_in_one_part() {
    // Ten days, ten payments a day, all at midnight.
    let rows: Vec<(i64, String, String)> = (0..100)
        .map(|i| ((i / 10) * DAY, format!("A{i}"), format!("B{i}")))
        .collect();
    let (g, _) = graph(&rows_of(&rows, "10"));
    let split = Split::by_time(&g, 0.6, 0.2);
    assert_eq!(split.validation_from, T0 + 6 * DAY);
    assert_eq!(split.test_from, T0 + 8 * DAY);
    let parts: Vec<Part> = g.ts.iter().map(|&t| split.part(t)).collect();
    let count = |p: Part| parts.iter().filter(|&&x| x == p).count();
    assert_eq!(
        (
            count(Part::Train),
            count(Part::Validation),
            count(Part::Test)
        ),
        (60, 20, 20)
    );
}

#[test]
fn labels_come_from_records_ids_or_accounts() {
    let (g, l) = graph(&[
        (0, "A", "B", "10"),
        (1, "B", "C", "10"),
        (2, "C", "D", "10"),
    ]);
    // Record positions: the second row.
    let by_record = learn::labels_from_records(&g, &[1]);
    let named: Vec<bool> = (0..g.len())
        .map(|e| &l.names.ids[g.record[e] as usize] == "t1")
        .collect();
    assert_eq!(by_record, named);
    let ids: BTreeSet<&str> = ["t1"].into();
    assert_eq!(learn::labels_from_ids(&g, &l.names.ids, &ids), named);
    // Accounts B and C labelled: only the payment between them.
    let mut accounts = vec![false; g.accounts];
    for name in ["B", "C"] {
        accounts[l.names.accounts.get(name).expect("known") as usize] = true;
    }
    assert_eq!(learn::labels_from_accounts(&g, &accounts), named);
}

/// A town of ordinary payments over 40 days, and mules that each receive five transfers
/// in a burst from one sender, all through the period. Laundering: the mules' bursts.
fn town_with_mules() -> Vec<(i64, String, String, String)> {
    let mut rows = Vec::new();
    for i in 0..6_000i64 {
        let day = i % 40;
        rows.push((
            day * DAY + (i * 7_919) % DAY,
            format!("P{}", i % 900),
            format!("Q{}", (i * 31) % 700),
            format!("{}", 20 + (i * 13) % 400),
        ));
    }
    for m in 0..80i64 {
        let t = (m % 40) * DAY + 3_600;
        for k in 0..5 {
            rows.push((
                t + k * 600,
                format!("S{m}"),
                format!("MULE{m}"),
                format!("{}", 900 + k),
            ));
        }
    }
    rows
}

#[test]
fn a_model_trained_on_early_bursts_finds_later_ones() {
    let rows = town_with_mules();
    let borrowed: Vec<(i64, &str, &str, &str)> = rows
        .iter()
        .map(|(t, f, to, a)| (*t, f.as_str(), to.as_str(), a.as_str()))
        .collect();
    let (g, l) = graph(&borrowed);
    let labels: Vec<bool> = (0..g.len())
        .map(|e| l.names.accounts.name(g.to[e]).starts_with("MULE"))
        .collect();
    let p = Params::default();
    let alerts = detect::run_all(&g, &p);
    let ranked = rank::rank(&g, &p, &alerts);
    let columns = features::measure(&g, &p, &alerts, &ranked);
    assert_eq!(columns.len(), features::COUNT * g.len());
    let ev =
        learn::train_and_evaluate(&g, &columns, &labels, &Settings::default()).expect("trains");
    let [train, _, test] = ev.counts;
    assert!(train.labelled() > 0 && test.labelled() > 0);
    assert!(test.f1() >= 0.9, "{:?}", ev.counts);
    assert!(!ev.importance.is_empty());
    // The same payments with the labels scrambled across the file teach nothing that
    // holds later: the control.
    let scrambled: Vec<bool> = (0..g.len()).map(|e| (e * 7_919) % 14 == 0).collect();
    let noise =
        learn::train_and_evaluate(&g, &columns, &scrambled, &Settings::default()).expect("trains");
    assert!(noise.counts[2].f1() < 0.5, "{:?}", noise.counts);
}

#[test]
fn labels_only_in_the_early_part_are_refused_with_the_reason() {
    let rows = town_with_mules();
    let borrowed: Vec<(i64, &str, &str, &str)> = rows
        .iter()
        .map(|(t, f, to, a)| (*t, f.as_str(), to.as_str(), a.as_str()))
        .collect();
    let (g, _) = graph(&borrowed);
    let labels: Vec<bool> = g.ts.iter().map(|&t| t < T0 + 5 * DAY).collect();
    let p = Params::default();
    let columns = features::measure(&g, &p, &[], &[]);
    let err = learn::train_and_evaluate(&g, &columns, &labels, &Settings::default())
        .expect_err("no laundering in the later parts");
    let msg = err.to_string();
    assert!(
        msg.starts_with("the validation part (") && msg.contains("holds 0 labelled payments"),
        "{msg}"
    );
}
