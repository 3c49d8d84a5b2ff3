//! The cycle detector: time-respecting, amount-carrying loops, found whatever order the
//! file lists its rows in and whichever account it names first, with ties at the file's
//! time resolution, and through hubs along a bounded number of their payments.

mod common;

use common::*;
use unchain_finance::detect::{self, Params};
use unchain_finance::input::Loaded;
use unchain_finance::{Alert, Graph};

/// Each alert's payments as `from>to@seconds`, in the cycle's order.
fn described(alerts: &[Alert], g: &Graph, l: &Loaded) -> Vec<(String, Vec<String>)> {
    alerts
        .iter()
        .map(|a| {
            let hops = a
                .evidence
                .iter()
                .map(|&e| {
                    let e = e as usize;
                    format!(
                        "{}>{}@{}",
                        l.names.accounts.name(g.from[e]),
                        l.names.accounts.name(g.to[e]),
                        g.ts[e] - T0
                    )
                })
                .collect();
            (l.names.accounts.name(a.account).to_owned(), hops)
        })
        .collect()
}

/// Every order of `v` (Heap's algorithm).
fn permutations<T: Clone>(v: &[T]) -> Vec<Vec<T>> {
    fn go<T: Clone>(k: usize, v: &mut Vec<T>, out: &mut Vec<Vec<T>>) {
        if k <= 1 {
            out.push(v.clone());
            return;
        }
        for i in 0..k {
            go(k - 1, v, out);
            let j = if k.is_multiple_of(2) { i } else { 0 };
            v.swap(j, k - 1);
        }
    }
    let mut out = Vec::new();
    go(v.len(), &mut v.to_vec(), &mut out);
    out
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
    // Times that never go round the loop in order: no money went round.
    let jumbled = [
        (7200, "A", "B", "5000"),
        (3600, "B", "C", "4900"),
        (10_800, "C", "D", "4800"),
        (0, "D", "A", "4700"),
    ];
    assert!(detect::cycles(&graph(&jumbled).0, &p).is_empty());
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
fn a_cycle_is_found_once_whatever_order_the_file_lists_it_in() {
    let p = Params::default();
    // C pays first; B is named first in some orders, A (the smallest name) in others.
    let ring = [
        (0, "C", "A", "5000"),
        (3600, "A", "D", "4900"),
        (7200, "D", "B", "4800"),
        (10_800, "B", "C", "4700"),
    ];
    // Background that makes the accounts' numbering depend on the order too.
    let noise = [(20 * DAY, "B", "Z", "10"), (21 * DAY, "A", "Y", "10")];
    let want = vec![(
        "C".to_owned(),
        ["C>A@0", "A>D@3600", "D>B@7200", "B>C@10800"]
            .map(String::from)
            .to_vec(),
    )];
    let orders = permutations(&[&ring[..], &noise[..]].concat());
    assert_eq!(orders.len(), 720);
    for rows in orders {
        let (g, l) = graph(&rows);
        let alerts = detect::cycles(&g, &p);
        assert_eq!(
            described(&alerts, &g, &l),
            want,
            "rows in the order {rows:?}"
        );
    }
}

#[test]
fn payments_stamped_at_the_same_time_are_ties_and_a_coarser_resolution_widens_them() {
    let p = Params::default();
    // An export that stamps a day's payments at midnight: every hop at the same time.
    let midnight = [
        (DAY, "B", "C", "4900"),
        (DAY, "C", "A", "4800"),
        (DAY, "A", "B", "5000"),
    ];
    let (g, l) = graph(&midnight);
    let alerts = detect::cycles(&g, &p);
    assert_eq!(
        alerts.len(),
        1,
        "once, not once per account: {:?}",
        described(&alerts, &g, &l)
    );
    assert_eq!(alerts[0].evidence.len(), 3);
    // Hours of one day out of order: ties only at a day's resolution.
    let same_day = [
        (DAY + 10 * 3600, "A", "B", "5000"),
        (DAY + 9 * 3600, "B", "C", "4900"),
        (DAY + 11 * 3600, "C", "A", "4800"),
    ];
    assert!(detect::cycles(&graph(&same_day).0, &p).is_empty());
    let daily = Params {
        time_resolution_s: DAY,
        ..Params::default()
    };
    let (g, l) = graph(&same_day);
    let alerts = detect::cycles(&g, &daily);
    assert_eq!(
        flagged(&alerts, &l).len(),
        1,
        "{:?}",
        described(&alerts, &g, &l)
    );
    // A day's resolution does not let a hop go back to an earlier day.
    let across = [
        (2 * DAY, "A", "B", "5000"),
        (DAY, "B", "C", "4900"),
        (3 * DAY, "C", "A", "4800"),
    ];
    assert!(detect::cycles(&graph(&across).0, &daily).is_empty());
}

#[test]
fn hubs_are_counted_by_counterparties_and_walked_through_along_a_few_payments() {
    let p = Params::default();
    let ring = |via: &'static str| {
        vec![
            (0, "A".to_owned(), via.to_owned(), "5000"),
            (600, via.to_owned(), "C".to_owned(), "4900"),
            (1200, "C".to_owned(), "A".to_owned(), "4800"),
        ]
    };
    let rows = |v: &[(i64, String, String, &'static str)]| -> (Graph, Loaded) {
        let refs: Vec<(i64, &str, &str, &str)> = v
            .iter()
            .map(|(t, f, to, a)| (*t, f.as_str(), to.as_str(), *a))
            .collect();
        graph(&refs)
    };
    // A processor paying 1 500 merchants: a hub, but the cycle through it is found.
    let mut processor = ring("PSP");
    for i in 0..1_500 {
        processor.push((2 * DAY + i, "PSP".into(), format!("M{i}"), "10"));
    }
    let (g, l) = rows(&processor);
    assert_eq!(flagged(&detect::cycles(&g, &p), &l), ["A"]);
    // A payer of 1 500 payments to two landlords is no hub at all.
    let mut rent = ring("R");
    for i in 0..1_500 {
        rent.push((2 * DAY + i, "R".into(), format!("L{}", i % 2), "10"));
    }
    let (g, l) = rows(&rent);
    assert_eq!(flagged(&detect::cycles(&g, &p), &l), ["A"]);
    // Through a hub only the first `cycle_hub_expand` payments that carry the amount on
    // are followed: twenty earlier look-alike payments hide the way back.
    let mut hidden = ring("PSP");
    hidden[1].0 = 900;
    for i in 0..20 {
        hidden.push((700 + i, "PSP".into(), format!("X{i}"), "4900"));
    }
    for i in 0..1_500 {
        hidden.push((2 * DAY + i, "PSP".into(), format!("M{i}"), "10"));
    }
    let (g, _) = rows(&hidden);
    assert!(detect::cycles(&g, &p).is_empty());
    let wider = Params {
        cycle_hub_expand: 32,
        ..Params::default()
    };
    let (g, l) = rows(&hidden);
    assert_eq!(flagged(&detect::cycles(&g, &wider), &l), ["A"]);
}

#[test]
fn a_typology_is_found_only_by_an_alert_whose_evidence_holds_its_transactions() {
    use unchain_finance::synth::{Injected, evaluate};
    let p = Params::default();
    // The labelled instance: A, B and C pass money round, but the sizes are unrelated, so
    // no cycle of it is detected. A is also in a real cycle with D and E.
    let rows = [
        (0, "A", "B", "5000"),
        (600, "B", "C", "120"),
        (1200, "C", "A", "118"),
        (DAY, "A", "D", "900"),
        (DAY + 600, "D", "E", "880"),
        (DAY + 1200, "E", "A", "870"),
    ];
    let (g, l) = graph(&rows);
    let alerts = detect::cycles(&g, &p);
    assert_eq!(flagged(&alerts, &l), ["A"], "the D–E cycle flags A");
    let instance = |transactions: &[&str]| Injected {
        typology: "cycle",
        accounts: ["A", "B", "C"].map(String::from).to_vec(),
        transactions: transactions.iter().map(|t| t.to_string()).collect(),
    };
    let cycle = |truth: &[Injected]| {
        evaluate(&g, &alerts, &l.names, truth)
            .into_iter()
            .find(|s| s.typology == "cycle")
            .expect("scored")
    };
    // By its transactions, the instance was not found, whatever A was flagged for.
    let by_tx = cycle(&[instance(&["t0", "t1", "t2"])]);
    assert_eq!((by_tx.found, by_tx.by_account), (0, 0));
    // The D–E cycle itself, as a labelled instance, is found.
    let real = Injected {
        accounts: ["A", "D", "E"].map(String::from).to_vec(),
        ..instance(&["t3", "t4", "t5"])
    };
    assert_eq!(cycle(&[real]).found, 1);
    // A truth without transactions is scored by account, and says so.
    let by_account = cycle(&[instance(&[])]);
    assert_eq!((by_account.found, by_account.by_account), (1, 1));
    // Account by account: A, B and C labelled of five; A flagged. Nothing ranks: among
    // five accounts, no behaviour is rare enough to mean anything (see tests/rank.rs).
    let ranking = unchain_finance::rank::rank(&g, &p, &alerts);
    let labelled = unchain_finance::truth::labelled_accounts(&l.names, &[instance(&[])], &[]);
    let acc = unchain_finance::truth::evaluate_accounts(&alerts, &ranking, &labelled);
    assert_eq!(
        (
            acc.accounts,
            acc.labelled,
            acc.flagged,
            acc.flagged_labelled,
            acc.k,
            acc.top_k_labelled
        ),
        (5, 3, 1, 1, 3, 0)
    );
    assert!((acc.base_rate() - 0.6).abs() < 1e-9 && (acc.recall() - 1.0 / 3.0).abs() < 1e-9);
}
