//! The risk ranking against peers, parameters derived from the file, split payments, and
//! AMLSim's 2019 sample format with its account labels.

mod common;

use common::*;
use std::collections::BTreeSet;
use unchain_finance::detect::{self, Params};
use unchain_finance::input::{self, Format, Options};
use unchain_finance::{Graph, rank, truth};

/// 100 busy shops (300 payments each, from ten customers a day), 150 quiet accounts (40
/// payments, one every day and a half from a new payer), and a mule of the quiet
/// accounts' activity that receives from eight distinct payers within a day once.
fn town() -> Vec<(i64, String, String, String)> {
    let mut rows = Vec::new();
    for s in 0..100 {
        for i in 0..300i64 {
            rows.push((
                i * DAY / 10,
                format!("C{}", (s * 7 + i) % 1000),
                format!("SHOP{s}"),
                "20".to_owned(),
            ));
        }
    }
    for q in 0..150 {
        for i in 0..40i64 {
            rows.push((
                i * 3 * DAY / 2,
                format!("P{q}-{i}"),
                format!("QUIET{q}"),
                "300".to_owned(),
            ));
        }
    }
    for i in 0..32i64 {
        rows.push((i * 2 * DAY, format!("M-{i}"), "MULE".into(), "300".into()));
    }
    for i in 0..8i64 {
        rows.push((
            70 * DAY + i * 3600,
            format!("B-{i}"),
            "MULE".into(),
            "450".into(),
        ));
    }
    rows
}

fn load(rows: &[(i64, String, String, String)]) -> (Graph, input::Loaded) {
    let borrowed: Vec<(i64, &str, &str, &str)> = rows
        .iter()
        .map(|(t, f, to, a)| (*t, f.as_str(), to.as_str(), a.as_str()))
        .collect();
    graph(&borrowed)
}

#[test]
fn an_account_is_ranked_against_peers_of_its_activity_and_the_file_not_by_volume() {
    let (g, l) = load(&town());
    let p = Params::default();
    let ranked = rank::rank(&g, &p, &[]);
    let name = |r: &rank::Ranked| l.names.accounts.name(r.account).to_owned();
    let first = ranked.first().expect("something is unusual");
    assert_eq!(name(first), "MULE", "{:?}", &ranked[..3]);
    assert_eq!(rank::feature_name(first.feature), "payers in a window");
    assert_eq!(first.value, 8);
    // Every shop receives from about 30 payers in three days, far more than the mule's 8,
    // but that is ordinary for a shop: no shop ranks near the mule, and each is at most
    // mildly unusual (one account in seventy of the file is a shop, none is unusual
    // among shops).
    let mule_p = first.p;
    for shop in ranked.iter().filter(|r| name(r).starts_with("SHOP")) {
        assert!(shop.p > 0.05 && shop.p > 10.0 * mule_p, "{shop:?}");
        assert!(
            shop.among_all,
            "a shop is unusual only in the file: {shop:?}"
        );
    }
    assert!(first.peers >= rank::MIN_PEERS as u32 && !first.among_all);
    let why = first.explanation(&p);
    assert!(
        why.starts_with("received from 8 distinct accounts within 3 days; 1 of its "),
        "{why}"
    );
    // Counting the mule's payers globally would bury it under the shops: the control.
    let global_fans: Vec<u32> = (0..g.accounts as u32)
        .map(|a| {
            let starts: Vec<i64> = g.in_edges(a).iter().map(|&e| g.ts[e as usize]).collect();
            starts
                .into_iter()
                .map(|t| {
                    let mut payers: Vec<u32> = g
                        .in_edges_between(a, t, t + 3 * DAY)
                        .iter()
                        .map(|&e| g.from[e as usize])
                        .collect();
                    payers.sort_unstable();
                    payers.dedup();
                    payers.len() as u32
                })
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mule = l.names.accounts.get("MULE").expect("mule");
    assert!(
        global_fans
            .iter()
            .filter(|&&n| n > global_fans[mule as usize])
            .count()
            >= 100,
        "the shops out-fan the mule in absolute terms"
    );
    // The mule shows one behaviour only, so its p-value combines that behaviour's two
    // tail shares: among its peers, and among all the file's accounts.
    let in_file = global_fans
        .iter()
        .filter(|&&n| n >= global_fans[mule as usize])
        .count() as f64
        / g.accounts as f64;
    let among_peers = first.as_high as f64 / first.peers as f64;
    let expected = -rank::fisher([among_peers, in_file].into_iter()).log10();
    assert!((first.score - expected).abs() < 1e-9, "{first:?}");
}

#[test]
fn fisher_combines_p_values_as_the_chi_squared_tail() {
    // One p-value is itself; two of 0.05 combine to about 0.0175 (χ² = 11.98, 4 dof).
    assert!((rank::fisher([0.3].into_iter()) - 0.3).abs() < 1e-12);
    assert!((rank::fisher([0.05, 0.05].into_iter()) - 0.017_479).abs() < 1e-5);
    assert_eq!(rank::fisher(std::iter::empty()), 1.0);
    assert_eq!(rank::fisher([1.0, 1.0].into_iter()), 1.0);
}

#[test]
fn a_file_too_small_to_compare_ranks_nothing() {
    let (g, _) = graph(&[
        (0, "A", "B", "10"),
        (60, "B", "C", "10"),
        (90, "C", "A", "9"),
    ]);
    let p = Params::default();
    assert!(rank::rank(&g, &p, &detect::run_all(&g, &p)).is_empty());
}

#[test]
fn windows_and_the_fan_threshold_come_from_the_file_unless_set_by_hand() {
    // Dates only, an account paying every four days: a day is one slot, the windows widen.
    let rows = town();
    let dated: Vec<(i64, String, String, String)> = rows
        .iter()
        .map(|(t, f, to, a)| (t - t % DAY, f.clone(), to.clone(), a.clone()))
        .collect();
    let (g, _) = load(&dated);
    let (p, why) = detect::derive(&g, &Params::default(), &BTreeSet::new());
    let named: Vec<&str> = why.iter().map(|s| s.name).collect();
    assert_eq!(p.time_resolution_s, DAY);
    assert!(named.contains(&"time_resolution_s") && named.contains(&"fan_min"));
    assert!(p.fan_window_s >= DAY && p.fan_window_s <= 30 * DAY);
    assert!(p.cycle_window_s >= 4 * p.fan_window_s);
    assert!(p.fan_min >= 4);
    // Most accounts here pay a few shops: the 95th percentile is small, and the threshold
    // stays under the mule's burst of 8.
    let fan = why.iter().find(|s| s.name == "fan_min").expect("fan_min");
    assert!(
        fan.why.starts_with("95% of accounts reach at most "),
        "{}",
        fan.why
    );
    assert!(p.fan_min <= 8, "{}", p.fan_min);
    let mule_alerts = detect::fan_in(&g, &p);
    assert!(mule_alerts.iter().any(|a| a.evidence.len() >= 8));
    // A parameter named by hand is kept.
    let fixed: BTreeSet<String> = ["fan_min".to_owned(), "time_resolution_s".to_owned()].into();
    let given = Params {
        fan_min: 3,
        ..Params::default()
    };
    let (kept, why) = detect::derive(&g, &given, &fixed);
    assert_eq!((kept.fan_min, kept.time_resolution_s), (3, 1));
    assert!(why.iter().all(|s| !fixed.contains(s.name)));
}

#[test]
fn split_payments_are_repeated_payments_to_one_account_close_together() {
    let p = Params::default();
    let rows = [
        (0, "A", "B", "250"),
        (600, "A", "B", "250"),
        (1200, "A", "B", "250"),
        (1800, "A", "C", "250"),
        // Three equal payments, but a week apart: rent.
        (0, "R", "L", "900"),
        (7 * DAY, "R", "L", "900"),
        (14 * DAY, "R", "L", "900"),
        // Three payments the same day, of different amounts: a sum in parts too.
        (0, "S", "T", "10"),
        (60, "S", "T", "11"),
        (120, "S", "T", "12"),
    ];
    let (g, l) = graph(&rows);
    let alerts = detect::split_payments(&g, &p);
    // On the payer and on the payee, with the same evidence.
    assert_eq!(flagged(&alerts, &l), ["A", "B", "S", "T"]);
    let on = |name: &str| {
        alerts
            .iter()
            .find(|a| l.names.accounts.name(a.account) == name)
            .expect("an alert")
    };
    assert_eq!(on("A").evidence, on("B").evidence);
    assert_eq!(on("A").evidence.len(), 3);
    let why = &on("A").explanation;
    assert!(
        why.contains("3 times") && why.contains("the same amount (250)"),
        "{why}"
    );
    let why = &on("T").explanation;
    assert!(
        why.contains("was paid") && why.contains("10 to 12 each, 33 in all"),
        "{why}"
    );
    // Two are not enough.
    let (g, _) = graph(&rows[..2]);
    assert!(detect::split_payments(&g, &p).is_empty());
    // Card purchases are not counted: the same café three times a day is ordinary.
    let csv = "id,timestamp,from,to,amount,currency,channel,mcc\n\
               c1,1767225600,ANN,CAFE,4,USD,card,5814\n\
               c2,1767229200,ANN,CAFE,4,USD,card,5814\n\
               c3,1767232800,ANN,CAFE,4,USD,card,5814\n";
    let loaded = input::read_all(csv.as_bytes(), false, |_| {}).expect("valid rows");
    let g = Graph::build(&loaded.records, &loaded.names);
    assert!(detect::split_payments(&g, &p).is_empty());
}

#[test]
fn the_split_threshold_comes_from_how_often_pairs_pay_each_other() {
    // 600 pairs that each pay twice a day (a morning and an evening transfer): three a day
    // is ordinary here, five is not.
    let mut rows: Vec<(i64, String, String, String)> = Vec::new();
    for i in 0..600 {
        for t in [3600, 12 * 3600] {
            rows.push((t, format!("X{i}"), format!("Y{i}"), "40".into()));
        }
    }
    for k in 0..3 {
        rows.push((3600 * (k + 1), "P".into(), "Q".into(), "40".into()));
    }
    for k in 0..5 {
        rows.push((3600 * (k + 1), "S".into(), "T".into(), "40".into()));
    }
    let (g, l) = load(&rows);
    let (p, why) = detect::derive(&g, &Params::default(), &BTreeSet::new());
    assert_eq!(p.split_min, 5);
    let split = why
        .iter()
        .find(|s| s.name == "split_min")
        .expect("split_min");
    assert!(
        split
            .why
            .starts_with("99% of paying pairs make at most 2 payments within 24 hours"),
        "{}",
        split.why
    );
    assert_eq!(flagged(&detect::split_payments(&g, &p), &l), ["S", "T"]);
    // The constant flags the ordinary three-a-day pair too.
    let constant = detect::split_payments(&g, &Params::default());
    assert_eq!(flagged(&constant, &l), ["P", "Q", "S", "T"]);
}

#[test]
fn amlsim_2019_samples_read_steps_as_days_and_nodes_as_labels() {
    let transactions =
        "sourceNodeId,targetNodeId,value,time\n1,2,16.09,25\n2,3,16.09,26\n3,3,5,26\n";
    let loaded =
        input::read_with(transactions.as_bytes(), Options::default(), |_| {}).expect("reads");
    assert_eq!(loaded.format, Format::AmlSim2019);
    assert_eq!(loaded.records.len(), 2, "the self-transfer is left out");
    assert_eq!(loaded.records[0].ts, 25 * DAY);
    assert_eq!(loaded.records[0].amount, 16_090_000);
    assert_eq!(
        loaded.names.channels.name(loaded.records[0].channel as u32),
        "transfer"
    );
    assert_eq!(&loaded.names.ids[0], "line 2");
    let bad = "sourceNodeId,targetNodeId,value,time\n1,2,16.09,2.5\n";
    let err = input::read_with(bad.as_bytes(), Options::default(), |_| {}).expect_err("no step");
    assert_eq!(
        err.to_string(),
        "line 2, column time: \"2.5\" is not a simulation step (a whole number)"
    );
    let nodes = "nodeid,isFraud,init_balance,fraudStep\n1,1,10.0,25\n2,0,1.0,-1\n3,1,2.0,-1\n";
    assert_eq!(
        truth::read_labelled_accounts(nodes.as_bytes()).expect("labels"),
        ["1", "3"]
    );
    let labelled = truth::labelled_accounts(&loaded.names, &[], &["1".into(), "3".into()]);
    assert_eq!(labelled, [true, false, true]);
    let wrong = "nodeid,fraud\n1,1\n";
    assert_eq!(
        truth::read_labelled_accounts(wrong.as_bytes())
            .expect_err("no label column")
            .to_string(),
        "line 1: the header has no `isFraud` or `is_sar` or `is_fraud` or `label` column"
    );
    let odd = "nodeid,isFraud\n1,yes\n";
    assert_eq!(
        truth::read_labelled_accounts(odd.as_bytes())
            .expect_err("odd label")
            .to_string(),
        "line 2: \"yes\" is not a label (1/0, true/false)"
    );
}
