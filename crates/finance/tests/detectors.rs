//! Each detector on small hand-built graphs: found when the pattern is there, not found
//! when it is not (or just short of it); and recall and precision on synthetic data with
//! injected typologies.

use unchain_finance::detect::{self, Params};
use unchain_finance::input::{Loaded, read_all};
use unchain_finance::synth::{self, Spec};
use unchain_finance::{Alert, Graph};

const DAY: i64 = 86_400;
const T0: i64 = 1_767_225_600;

/// `(seconds after T0, from, to, amount)` as a loaded graph.
fn graph(rows: &[(i64, &str, &str, &str)]) -> (Graph, Loaded) {
    let mut csv = String::from("id,timestamp,from,to,amount,currency,channel\n");
    for (i, (t, f, to, a)) in rows.iter().enumerate() {
        csv.push_str(&format!("t{i},{},{f},{to},{a},USD,wire\n", T0 + t));
    }
    let loaded = read_all(csv.as_bytes(), false, |_| {}).expect("valid rows");
    let g = Graph::build(&loaded.records, loaded.names.accounts.len());
    (g, loaded)
}

fn flagged(alerts: &[Alert], l: &Loaded) -> Vec<String> {
    let mut v: Vec<String> = alerts
        .iter()
        .map(|a| l.names.accounts.name(a.account).to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn star(n: usize, spread: i64, inward: bool) -> Vec<(i64, String, String)> {
    (0..n)
        .map(|i| {
            let other = format!("P{i}");
            let t = i as i64 * spread;
            if inward {
                (t, other, "HUB".to_owned())
            } else {
                (t, "HUB".to_owned(), other)
            }
        })
        .collect()
}

fn rows_of<'a>(
    v: &'a [(i64, String, String)],
    amount: &'static str,
) -> Vec<(i64, &'a str, &'a str, &'static str)> {
    v.iter()
        .map(|(t, f, to)| (*t, f.as_str(), to.as_str(), amount))
        .collect()
}

#[test]
fn fan_in_and_fan_out_need_enough_distinct_parties_inside_the_window() {
    let p = Params::default();
    for inward in [true, false] {
        let detector = if inward {
            detect::fan_in
        } else {
            detect::fan_out
        };
        // 12 parties within 12 hours: found, with all 12 payments as evidence.
        let (g, l) = graph(&rows_of(&star(12, 3600, inward), "50"));
        let alerts = detector(&g, &p);
        assert_eq!(flagged(&alerts, &l), vec!["HUB"], "inward {inward}");
        assert_eq!(alerts[0].evidence.len(), 12);
        assert!((alerts[0].score - 1.2).abs() < 1e-9);
        // 12 parties spread over 24 days: never 10 inside 3 days.
        let (g, _) = graph(&rows_of(&star(12, 2 * DAY, inward), "50"));
        assert!(detector(&g, &p).is_empty(), "inward {inward}, spread out");
        // 9 parties, even at once: one short.
        let (g, _) = graph(&rows_of(&star(9, 60, inward), "50"));
        assert!(detector(&g, &p).is_empty(), "inward {inward}, nine");
        // The same party twelve times is one party.
        let same: Vec<(i64, String, String)> = (0..12)
            .map(|i| {
                if inward {
                    (i * 60, "P0".into(), "HUB".into())
                } else {
                    (i * 60, "HUB".into(), "P0".into())
                }
            })
            .collect();
        let (g, _) = graph(&rows_of(&same, "50"));
        assert!(detector(&g, &p).is_empty(), "inward {inward}, one party");
    }
}

#[test]
fn pass_through_is_money_leaving_soon_in_nearly_the_same_amount() {
    let p = Params::default();
    let mut rows = Vec::new();
    for i in 0..3 {
        rows.push((i * 3 * DAY, "SRC", "MULE", "1000"));
        rows.push((i * 3 * DAY + 4 * 3600, "MULE", "DST", "950"));
    }
    let (g, l) = graph(&rows);
    let alerts = detect::pass_through(&g, &p);
    assert_eq!(flagged(&alerts, &l), vec!["MULE"]);
    assert_eq!(alerts[0].evidence.len(), 6);
    // Two days later is not "soon".
    let slow: Vec<_> = rows
        .iter()
        .map(|&(t, f, to, a)| {
            if f == "MULE" {
                (t + 2 * DAY, f, to, a)
            } else {
                (t, f, to, a)
            }
        })
        .collect();
    assert!(detect::pass_through(&graph(&slow).0, &p).is_empty());
    // A tenth leaving is spending, not passing through.
    let small: Vec<_> = rows
        .iter()
        .map(|&(t, f, to, a)| {
            if f == "MULE" {
                (t, f, to, "100")
            } else {
                (t, f, to, a)
            }
        })
        .collect();
    assert!(detect::pass_through(&graph(&small).0, &p).is_empty());
    // Twice is not a pattern yet.
    assert!(detect::pass_through(&graph(&rows[..4]).0, &p).is_empty());
}

#[test]
fn structuring_is_repeated_amounts_just_under_the_threshold() {
    let p = Params::default();
    let rows = [
        (0, "DEP", "BANK", "9500"),
        (DAY, "DEP", "BANK", "9800"),
        (2 * DAY, "DEP", "BANK", "9999.99"),
        (3 * DAY, "DEP", "BANK", "12000"),
    ];
    let (g, l) = graph(&rows);
    let alerts = detect::structuring(&g, &p);
    assert_eq!(flagged(&alerts, &l), vec!["BANK", "DEP"], "payer and payee");
    assert!(alerts.iter().all(|a| a.evidence.len() == 3));
    // At or over the threshold, or well under it, is not structuring.
    let honest = [
        (0, "DEP", "BANK", "10000"),
        (DAY, "DEP", "BANK", "8000"),
        (2 * DAY, "DEP", "BANK", "9500"),
        (3 * DAY, "DEP", "BANK", "9600"),
    ];
    assert!(detect::structuring(&graph(&honest).0, &p).is_empty());
    // Three just-under amounts over three weeks are outside one window.
    let slow = [
        (0, "DEP", "BANK", "9500"),
        (8 * DAY, "DEP", "BANK", "9500"),
        (16 * DAY, "DEP", "BANK", "9500"),
    ];
    assert!(detect::structuring(&graph(&slow).0, &p).is_empty());
}

#[test]
fn cycles_must_respect_time_and_the_window() {
    let p = Params::default();
    let ring = [
        (0, "A", "B", "5000"),
        (3600, "B", "C", "4900"),
        (7200, "C", "D", "4800"),
        (10_800, "D", "A", "4700"),
    ];
    let (g, l) = graph(&ring);
    let alerts = detect::cycles(&g, &p);
    assert_eq!(alerts.len(), 1, "reported once, not once per account");
    assert_eq!(flagged(&alerts, &l), vec!["A"]);
    assert_eq!(alerts[0].evidence.len(), 4);
    // The last payment before the first: money did not go round.
    let backwards = [
        (3600, "A", "B", "5000"),
        (7200, "B", "C", "4900"),
        (10_800, "C", "D", "4800"),
        (0, "D", "A", "4700"),
    ];
    assert!(detect::cycles(&graph(&backwards).0, &p).is_empty());
    // Round, but over three weeks.
    let slow: Vec<_> = ring
        .iter()
        .map(|&(t, f, to, a)| (t * 24 * 7, f, to, a))
        .collect();
    assert!(detect::cycles(&graph(&slow).0, &p).is_empty());
    // Longer than five accounts.
    let long: Vec<(i64, String, String)> = (0..7)
        .map(|i| {
            (
                i as i64 * 3600,
                format!("R{i}"),
                format!("R{}", (i + 1) % 7),
            )
        })
        .collect();
    assert!(detect::cycles(&graph(&rows_of(&long, "100")).0, &p).is_empty());
    let mut longer = p.clone();
    longer.cycle_max_len = 7;
    assert_eq!(
        detect::cycles(&graph(&rows_of(&long, "100")).0, &longer).len(),
        1
    );
    // Payments that merely close a loop, unrelated in size, are not the same money.
    let unrelated = [
        (0, "A", "B", "5000"),
        (3600, "B", "C", "120"),
        (7200, "C", "D", "118"),
        (10_800, "D", "A", "117"),
    ];
    assert!(detect::cycles(&graph(&unrelated).0, &p).is_empty());
    // A there-and-back pair is a cycle of two.
    let pair = [(0, "X", "Y", "100"), (60, "Y", "X", "100")];
    assert_eq!(detect::cycles(&graph(&pair).0, &p).len(), 1);
}

#[test]
fn every_injected_typology_is_found_with_few_false_alerts() {
    let spec = Spec::default();
    let (rows, truth) = synth::generate(&spec);
    let mut csv = Vec::new();
    synth::write_csv(&rows, &mut csv).expect("write");
    let loaded = read_all(csv.as_slice(), false, |_| {}).expect("the generator writes valid rows");
    let g = Graph::build(&loaded.records, loaded.names.accounts.len());
    let alerts = detect::run_all(&g, &Params::default());
    let scores = synth::evaluate(&alerts, &loaded.names, &truth);
    for s in &scores {
        eprintln!(
            "{:<13} injected {:>3} found {:>3} recall {:.2}  alerts {:>4} true {:>4} precision {:.2}",
            s.typology,
            s.injected,
            s.found,
            s.recall(),
            s.alerts,
            s.true_alerts,
            s.precision()
        );
        assert_eq!(s.injected, spec.per_typology);
        assert!(s.recall() >= 0.95, "{s:?}");
        assert!(s.precision() >= 0.9, "{s:?}");
    }
    // The same seed gives the same data.
    assert_eq!(synth::generate(&spec).0, rows);
}
