//! What the detector tests share: small graphs written as rows.
#![allow(dead_code)]

use unchain_finance::input::{Loaded, read_all};
use unchain_finance::{Alert, Graph};

pub const DAY: i64 = 86_400;
pub const T0: i64 = 1_767_225_600;

/// `(seconds after T0, from, to, amount)` as a loaded graph.
pub fn graph(rows: &[(i64, &str, &str, &str)]) -> (Graph, Loaded) {
    let mut csv = String::from("id,timestamp,from,to,amount,currency,channel\n");
    for (i, (t, f, to, a)) in rows.iter().enumerate() {
        csv.push_str(&format!("t{i},{},{f},{to},{a},USD,wire\n", T0 + t));
    }
    let loaded = read_all(csv.as_bytes(), false, |_| {}).expect("valid rows");
    let g = Graph::build(&loaded.records, &loaded.names);
    (g, loaded)
}

pub fn flagged(alerts: &[Alert], l: &Loaded) -> Vec<String> {
    let mut v: Vec<String> = alerts
        .iter()
        .map(|a| l.names.accounts.name(a.account).to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Rows with owned names, all of one amount.
pub fn rows_of<'a>(
    v: &'a [(i64, String, String)],
    amount: &'static str,
) -> Vec<(i64, &'a str, &'a str, &'static str)> {
    v.iter()
        .map(|(t, f, to)| (*t, f.as_str(), to.as_str(), amount))
        .collect()
}
