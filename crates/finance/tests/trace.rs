//! Tracing money forward and backward with proportional and FIFO attribution, hops and
//! time windows, on a hand-built graph whose answers are worked out by hand.

use unchain_finance::Graph;
use unchain_finance::input::{Loaded, SCALE, read_all};
use unchain_finance::trace::{Attribution, Direction, TraceSpec, trace};

const H: i64 = 3600;

fn graph(rows: &[(i64, &str, &str, &str)]) -> (Graph, Loaded) {
    let mut csv = String::from("id,timestamp,from,to,amount,currency,channel\n");
    for (i, (t, f, to, a)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "t{i},{},{f},{to},{a},USD,wire\n",
            1_767_225_600 + t
        ));
    }
    let loaded = read_all(csv.as_bytes(), false, |_| {}).expect("rows");
    (Graph::build(&loaded.records, &loaded.names), loaded)
}

/// `(hop, id, traced units)` of each step.
fn run(
    rows: &[(i64, &str, &str, &str)],
    from: &str,
    dir: Direction,
    how: Attribution,
    window: i64,
) -> Vec<(usize, String, i64)> {
    let (g, l) = graph(rows);
    let spec = TraceSpec {
        start: l.names.accounts.get(from).expect("account"),
        direction: dir,
        hops: 3,
        attribution: how,
        window_s: window,
    };
    trace(&g, &spec)
        .into_iter()
        .map(|s| {
            (
                s.hop,
                l.names.ids[g.record[s.edge as usize] as usize].to_owned(),
                s.traced / SCALE,
            )
        })
        .collect()
}

/// X's 100 reaches B before A's; B then pays C and D 100 each; D pays E.
const ROWS: [(i64, &str, &str, &str); 5] = [
    (0, "X", "B", "100"),
    (H, "A", "B", "100"),
    (2 * H, "B", "C", "100"),
    (3 * H, "B", "D", "100"),
    (4 * H, "D", "E", "80"),
];

#[test]
fn forward_proportional_splits_the_pool_and_fifo_takes_the_oldest_first() {
    let day = 86_400;
    assert_eq!(
        run(
            &ROWS,
            "A",
            Direction::Forward,
            Attribution::Proportional,
            day
        ),
        vec![
            (1, "t1".into(), 100),
            (2, "t2".into(), 50),
            (2, "t3".into(), 50),
            (3, "t4".into(), 40),
        ]
    );
    assert_eq!(
        run(&ROWS, "A", Direction::Forward, Attribution::Fifo, day),
        vec![
            (1, "t1".into(), 100),
            (2, "t3".into(), 100),
            (3, "t4".into(), 80)
        ],
        "X's older 100 left first, to C"
    );
}

#[test]
fn payments_outside_the_window_and_before_the_money_arrived_carry_none() {
    // B pays D two days after A's money arrived: outside a one-day window.
    let late = [
        (0, "A", "B", "100"),
        (2 * 86_400, "B", "D", "100"),
        (-H, "B", "C", "30"),
    ];
    assert_eq!(
        run(
            &late,
            "A",
            Direction::Forward,
            Attribution::Proportional,
            86_400
        ),
        vec![(1, "t0".into(), 100)]
    );
    assert_eq!(
        run(
            &late,
            "A",
            Direction::Forward,
            Attribution::Proportional,
            3 * 86_400
        ),
        vec![(1, "t0".into(), 100), (2, "t1".into(), 100)]
    );
}

#[test]
fn backward_follows_where_the_money_came_from() {
    let day = 86_400;
    let got = run(
        &ROWS,
        "E",
        Direction::Backward,
        Attribution::Proportional,
        day,
    );
    assert_eq!(got[0], (1, "t4".into(), 80));
    assert_eq!(got[1], (2, "t3".into(), 80), "D's 80 came from B's payment");
    let hop3: Vec<&(usize, String, i64)> = got.iter().filter(|s| s.0 == 3).collect();
    assert_eq!(hop3.len(), 2, "B's pool held X's and A's money: {got:?}");
    assert_eq!(hop3.iter().map(|s| s.2).sum::<i64>(), 80, "{got:?}");
}
