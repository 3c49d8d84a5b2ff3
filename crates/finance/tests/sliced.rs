//! A scan a time slice at a time finds what the whole scan finds: every planted pattern,
//! the same flagged accounts, no alert twice, and each slice holds only part of the file.

use std::collections::BTreeSet;
use unchain_finance::detect::{self, Params};
use unchain_finance::input::{InputError, Options, read_with};
use unchain_finance::sliced::{self, Plan};
use unchain_finance::{Graph, synth};

const DAY: i64 = 86_400;

fn file() -> (Vec<u8>, Vec<synth::Injected>) {
    let spec = synth::Spec {
        accounts: 3_000,
        transactions: 40_000,
        per_typology: 5,
        ..synth::Spec::default()
    };
    synth::generate_csv(&spec)
}

fn plan(days: i64) -> Plan {
    Plan {
        slice_s: days * DAY,
        params: Params::default(),
        fixed: BTreeSet::new(),
        derive: false,
        strongest: 10,
    }
}

/// Whether an alert of the instance's typology holds at least half its transactions.
fn found(alerts: &[(String, BTreeSet<String>)], t: &synth::Injected) -> bool {
    alerts.iter().any(|(d, ids)| {
        d == t.typology
            && 2 * t.transactions.iter().filter(|x| ids.contains(*x)).count()
                >= t.transactions.len()
    })
}

#[test]
fn slices_find_what_the_whole_scan_finds() {
    let (csv, truth) = file();
    let whole = read_with(csv.as_slice(), Options::default(), |_| {}).expect("reads");
    let g = Graph::build(&whole.records, &whole.names);
    let all = detect::run_all(&g, &Params::default());
    let whole_views: Vec<(String, BTreeSet<String>)> = all
        .iter()
        .map(|a| {
            let v = a.view(&g, &whole.names);
            (
                v.detector.to_owned(),
                v.evidence.into_iter().map(|e| e.id).collect(),
            )
        })
        .collect();
    let whole_flagged: BTreeSet<(String, String)> = all
        .iter()
        .map(|a| {
            (
                a.detector.to_owned(),
                whole.names.accounts.name(a.account).to_owned(),
            )
        })
        .collect();

    let mut heard = 0;
    let mut alerts = Vec::new();
    let s = sliced::scan(
        |o, _| read_with(csv.as_slice(), o, |_| {}),
        &Options::default(),
        &plan(20),
        |_, found| {
            heard += 1;
            assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
            alerts.extend_from_slice(found);
        },
    )
    .expect("scans");
    // 90 days in slices of 20: five slices, each read with 30 days before it (the
    // indicators' window, the longest), each holding well under the whole file.
    assert_eq!(s.slices.len(), 5);
    assert_eq!(heard, 5);
    assert_eq!(s.lookback_s, 30 * DAY);
    for sl in &s.slices {
        assert!(sl.transactions < whole.records.len() * 3 / 5, "{sl:?}");
    }
    assert_eq!(s.slices.iter().map(|x| x.alerts).sum::<usize>(), s.alerts);
    assert_eq!(alerts.len(), s.alerts);
    // The strongest ten, strongest first, are the strongest of all the slices' alerts.
    let mut scores: Vec<f64> = alerts.iter().map(|a| a.score).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    let top: Vec<f64> = s.strongest.iter().map(|a| a.score).collect();
    assert_eq!(top, scores[..10]);
    assert!(s.strongest.iter().all(|a| a.evidence.is_empty()));
    let views: Vec<(String, BTreeSet<String>)> = alerts
        .iter()
        .map(|v| {
            (
                v.detector.to_owned(),
                v.evidence.iter().map(|e| e.id.clone()).collect(),
            )
        })
        .collect();
    // No alert twice.
    let distinct: BTreeSet<(String, String, Vec<String>)> = alerts
        .iter()
        .map(|v| {
            (
                v.detector.to_owned(),
                v.account.clone(),
                v.evidence.iter().map(|e| e.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(distinct.len(), alerts.len());
    // Every planted pattern the whole scan finds, the slices find.
    let mut planted = 0;
    for t in &truth {
        if found(&whole_views, t) {
            planted += 1;
            assert!(
                found(&views, t),
                "{} {:?} lost in slices",
                t.typology,
                t.accounts
            );
        }
    }
    assert!(
        planted >= truth.len() * 9 / 10,
        "{planted} of {}",
        truth.len()
    );
    // And every account the whole scan flags for a windowed pattern, the slices flag for
    // it too (pass-through, cash intensity and peel chains count within a slice).
    let sliced_flagged: BTreeSet<(String, String)> = alerts
        .iter()
        .map(|v| (v.detector.to_owned(), v.account.clone()))
        .collect();
    let unwindowed = ["pass_through", "cash_intensive", "peel_chain"];
    let lost: Vec<_> = whole_flagged
        .iter()
        .filter(|(d, _)| !unwindowed.contains(&d.as_str()))
        .filter(|x| !sliced_flagged.contains(*x))
        .collect();
    assert!(lost.is_empty(), "{lost:?}");
    assert!(!s.ranked.is_empty());
    assert!(s.ranked[0].why.contains("slice's"), "{}", s.ranked[0].why);
    let accounts: BTreeSet<&str> = s.ranked.iter().map(|r| r.account.as_str()).collect();
    assert_eq!(accounts.len(), s.ranked.len(), "each account once");
}

#[test]
fn a_bad_row_is_reported_once_and_a_short_slice_refused() {
    let (csv, _) = file();
    let mut text = String::from_utf8(csv).expect("utf-8");
    let second = text.find('\n').expect("header") + 1;
    text.insert_str(second, "bad,yesterday,A,B,1,USD,wire,\n");
    let skip = Options {
        skip_bad_rows: true,
        ..Options::default()
    };
    let s = sliced::scan(
        |o, _| read_with(text.as_bytes(), o, |_| {}),
        &skip,
        &plan(30),
        |_, _| {},
    )
    .expect("scans");
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert_eq!(s.skipped[0].line, 2);
    let err = sliced::scan(
        |o, _| read_with(text.as_bytes(), o, |_| {}),
        &skip,
        &Plan {
            slice_s: 3_600,
            ..plan(1)
        },
        |_, _| {},
    )
    .expect_err("an hour");
    assert!(matches!(err, InputError::Sliced(_)), "{err}");
}

/// A quiet month (accounts paying about once a month) before two busy ones: what the
/// first slice says about the file is not what the file says.
fn quiet_then_busy() -> Vec<u8> {
    let quiet = synth::Spec {
        seed: 1,
        accounts: 3_000,
        transactions: 1_500,
        per_typology: 0,
        days: 30,
        ..synth::Spec::default()
    };
    let busy = synth::Spec {
        seed: 2,
        accounts: 3_000,
        transactions: 60_000,
        per_typology: 5,
        start: quiet.start + 30 * DAY,
        days: 60,
    };
    let mut rows = synth::generate(&quiet).0;
    rows.extend(synth::generate(&busy).0);
    let mut csv = Vec::new();
    synth::write_csv(&rows, &mut csv).expect("to memory");
    csv
}

fn derived_from(csv: &[u8], times: Option<std::ops::Range<i64>>) -> Vec<detect::Setting> {
    let o = Options {
        times,
        ..Options::default()
    };
    let loaded = read_with(csv, o, |_| {}).expect("reads");
    let g = Graph::build(&loaded.records, &loaded.names);
    detect::derive(&g, &Params::default(), &BTreeSet::new()).1
}

#[test]
fn a_sliced_scan_derives_its_parameters_from_the_whole_file() {
    let csv = quiet_then_busy();
    let whole = derived_from(&csv, None);
    let start = synth::Spec::default().start;
    let first = derived_from(&csv, Some(start..start + 30 * DAY));
    let value = |settings: &[detect::Setting], name: &str| {
        settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.clone())
    };
    // The file is one where the first slice misleads.
    assert_ne!(
        value(&whole, "fan_window_s"),
        value(&first, "fan_window_s"),
        "whole {whole:?}\nfirst {first:?}"
    );
    let mut passes = Vec::new();
    let s = sliced::scan(
        |o, what| {
            passes.push(what);
            read_with(csv.as_slice(), o, |_| {})
        },
        &Options::default(),
        &Plan {
            derive: true,
            ..plan(30)
        },
        |_, _| {},
    )
    .expect("scans");
    // Every setting as the whole file gives it, with its reason; the split threshold's
    // percentile counts a pair once per slice it pays in, and gives the same value here.
    assert_eq!(s.derived, whole);
    assert_eq!(
        s.params.fan_window_s.to_string(),
        value(&whole, "fan_window_s").expect("derived")
    );
    // The span, then each slice measured twice and scanned once.
    use sliced::Pass;
    let n = s.slices.len();
    assert!(n >= 3, "{n}");
    let mut expected = vec![Pass::Span];
    expected.extend((0..n).map(|k| Pass::Timing(k, n)));
    expected.extend((0..n).map(|k| Pass::Spread(k, n)));
    expected.extend((0..n).map(|k| Pass::Scan(k, n)));
    assert_eq!(passes, expected);
    // Parameters given by hand stay as given, and with derivation off nothing is measured.
    let mut fixed = BTreeSet::new();
    fixed.insert("fan_min".to_owned());
    let given = sliced::scan(
        |o, _| read_with(csv.as_slice(), o, |_| {}),
        &Options::default(),
        &Plan {
            derive: true,
            fixed,
            ..plan(30)
        },
        |_, _| {},
    )
    .expect("scans");
    assert_eq!(given.params.fan_min, Params::default().fan_min);
    assert!(given.derived.iter().all(|d| d.name != "fan_min"));
    let mut reads = 0;
    sliced::scan(
        |o, _| {
            reads += 1;
            read_with(csv.as_slice(), o, |_| {})
        },
        &Options::default(),
        &plan(30),
        |_, _| {},
    )
    .expect("scans");
    assert_eq!(reads, 1 + n);
}

#[test]
fn time_stamps_measured_slice_by_slice_are_the_whole_files() {
    let csv = quiet_then_busy();
    let loaded = read_with(csv.as_slice(), Options::default(), |_| {}).expect("reads");
    let whole = detect::Timing::of(&Graph::build(&loaded.records, &loaded.names));
    let start = synth::Spec::default().start;
    // Slices of uneven length, one of them empty, in time order.
    let cuts = [
        i64::MIN,
        start + 7 * DAY,
        start + 7 * DAY,
        start + 40 * DAY,
        i64::MAX,
    ];
    let mut sliced = detect::Timing::default();
    let mut last = std::collections::BTreeMap::new();
    for w in cuts.windows(2) {
        let o = Options {
            times: Some(w[0]..w[1]),
            ..Options::default()
        };
        let part = read_with(csv.as_slice(), o, |_| {}).expect("reads");
        sliced.add_slice(
            &Graph::build(&part.records, &part.names),
            &part.names,
            &mut last,
        );
    }
    assert!(whole.gaps.len() > 50_000, "{}", whole.gaps.len());
    assert_eq!(sliced.all_midnight, whole.all_midnight);
    assert_eq!(sliced.gaps.len(), whole.gaps.len());
    assert!(
        sliced == whole,
        "the same number of gaps, not the same gaps"
    );
}
