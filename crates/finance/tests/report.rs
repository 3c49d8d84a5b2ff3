//! The HTML report: every alert drawn as a flow graph whose circles and arrows are the
//! alert's accounts and payments, names escaped, no script and nothing from elsewhere.

use unchain_finance::Graph;
use unchain_finance::detect::{self, Params};
use unchain_finance::input::read_all;
use unchain_finance::report::{self, ReportMeta};

fn scan(
    csv: &str,
) -> (
    Graph,
    unchain_finance::input::Loaded,
    Vec<unchain_finance::Alert>,
) {
    let loaded = read_all(csv.as_bytes(), false, |_| {}).expect("valid");
    let g = Graph::build(&loaded.records, &loaded.names);
    let alerts = detect::run_all(&g, &Params::default());
    (g, loaded, alerts)
}

#[test]
fn a_cycle_is_drawn_round_with_every_account_and_payment() {
    let (g, l, alerts) = scan(
        "id,timestamp,from,to,amount,currency,channel\n\
         a,0,<A&Co>,B,5000,USD,wire\nb,3600,B,C,4900,USD,wire\nc,7200,C,<A&Co>,4800,USD,wire\n",
    );
    let cycle = alerts
        .iter()
        .find(|a| a.detector == "cycle")
        .expect("found");
    let svg = report::flow_svg(&g, &l.names, cycle, "x");
    assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
    assert_eq!(svg.matches("<line").count(), 3, "{svg}");
    assert!(
        svg.contains("&lt;A&amp;Co&gt;") && !svg.contains("<A&Co>"),
        "escaped"
    );
    assert!(svg.contains(">4900<"), "amounts on the arrows");
    assert!(
        svg.contains(r##"fill="#c62828""##),
        "the alert's account in red"
    );
    // Round: the three circles are not in one column or row.
    let xs: Vec<&str> = svg
        .match_indices("cx=\"")
        .map(|(i, _)| &svg[i + 4..i + 9])
        .collect();
    assert!(xs.iter().any(|x| *x != xs[0]), "{xs:?}");
}

#[test]
fn a_fan_in_is_drawn_in_columns_and_the_page_holds_every_alert() {
    let mut csv = String::from("id,timestamp,from,to,amount,currency,channel\n");
    for i in 0..12 {
        csv.push_str(&format!("t{i},{},P{i},HUB,50,USD,mobile\n", i * 60));
    }
    let (g, l, alerts) = scan(&csv);
    let fan = alerts
        .iter()
        .find(|a| a.detector == "fan_in")
        .expect("found");
    let svg = report::flow_svg(&g, &l.names, fan, "f");
    assert_eq!(svg.matches("<circle").count(), 13);
    let hub_x = {
        let at = svg.find(r##"fill="#c62828""##).expect("hub");
        let cx = svg[..at].rfind("cx=\"").expect("cx");
        svg[cx + 4..].split('"').next().expect("x").to_owned()
    };
    assert_eq!(
        hub_x, "300.0",
        "payers in the first column, the hub in the second"
    );
    let params = Params::default();
    let risk = unchain_finance::rank::rank(&g, &params, &alerts);
    let meta = ReportMeta {
        source: "bank.csv".into(),
        transactions: g.len(),
        accounts: g.accounts,
        max_alerts: 100,
        derived: unchain_finance::detect::derive(&g, &params, &Default::default()).1,
        params,
    };
    let page = report::html(&g, &l.names, &alerts, &risk, &meta);
    assert_eq!(page.matches("<svg").count(), alerts.len());
    assert!(!page.contains("<script"));
    assert_eq!(
        page.matches("http").count(),
        page.matches("http://www.w3.org/2000/svg").count(),
        "nothing from elsewhere: the only address is the SVG namespace"
    );
    assert!(page.contains("12 payments"));
}
