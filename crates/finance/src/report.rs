//! The HTML report: a page a person reads — what was found, which accounts are riskiest,
//! and for each alert its explanation, a flow graph (SVG, drawn here, no script) and the
//! transactions behind it. Self-contained: no fonts, scripts or images from elsewhere.

use crate::alert::{Alert, decimal};
use crate::graph::Graph;
use crate::input::Names;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the report says about where the alerts came from.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    /// The file scanned.
    pub source: String,
    /// Transactions read.
    pub transactions: usize,
    /// Accounts.
    pub accounts: usize,
    /// Alerts drawn one by one, strongest first (the rest are counted).
    pub max_alerts: usize,
    /// The detectors' parameters as run.
    pub params: crate::detect::Params,
    /// The parameters derived from the file, with why.
    pub derived: Vec<crate::detect::Setting>,
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn short(name: &str) -> String {
    if name.chars().count() <= 18 {
        name.to_owned()
    } else {
        let head: String = name.chars().take(8).collect();
        let tail: String = name
            .chars()
            .rev()
            .take(7)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

/// An amount for a label: two decimals from 1 up (the table has the exact amounts).
fn rounded(millionths: i64) -> String {
    if millionths >= crate::input::SCALE {
        let cents = (millionths + 5_000) / 10_000;
        decimal(cents * 10_000)
    } else {
        decimal(millionths)
    }
}

/// Most accounts one flow graph draws.
pub const MAX_NODES: usize = 40;

/// A flow between two accounts: the evidence payments from one to the other, summed.
struct Flow {
    from: u32,
    to: u32,
    amount: i64,
    count: usize,
}

/// The flow graph of `alert` as an SVG element: accounts as circles (the alert's account
/// in red), payments as arrows labelled with their sum and count, laid out left to right
/// in the order money moved, or on a circle when it goes round.
pub fn flow_svg(g: &Graph, names: &Names, alert: &Alert, id: &str) -> String {
    let mut flows: BTreeMap<(u32, u32), Flow> = BTreeMap::new();
    for &e in &alert.evidence {
        let e = e as usize;
        let f = flows.entry((g.from[e], g.to[e])).or_insert(Flow {
            from: g.from[e],
            to: g.to[e],
            amount: 0,
            count: 0,
        });
        f.amount = f.amount.saturating_add(g.amount[e]);
        f.count += 1;
    }
    // Keep the accounts moving most (and always the alert's own).
    let mut volume: BTreeMap<u32, i64> = BTreeMap::new();
    for f in flows.values() {
        *volume.entry(f.from).or_default() += f.amount;
        *volume.entry(f.to).or_default() += f.amount;
    }
    let total_nodes = volume.len();
    let mut ranked: Vec<(u32, i64)> = volume.into_iter().collect();
    ranked.sort_by_key(|&(a, v)| (a != alert.account, std::cmp::Reverse(v), a));
    let kept: BTreeSet<u32> = ranked.iter().take(MAX_NODES).map(|x| x.0).collect();
    let flows: Vec<Flow> = flows
        .into_values()
        .filter(|f| kept.contains(&f.from) && kept.contains(&f.to))
        .collect();
    let nodes: Vec<u32> = kept.iter().copied().collect();
    let pos = layout(&nodes, &flows);
    let (w, h) = pos
        .values()
        .fold((0f64, 0f64), |(w, h), &(x, y)| (w.max(x), h.max(y)));
    let (w, h) = (w + 140.0, h + 60.0);
    let max_amount = flows.iter().map(|f| f.amount).max().unwrap_or(1).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##,
        esc(&format!(
            "{} around {}",
            alert.detector,
            names.accounts.name(alert.account)
        )),
        esc(&format!(
            "{} accounts and {} flows; {}",
            nodes.len(),
            flows.len(),
            alert.explanation
        )),
    );
    for f in &flows {
        let (x1, y1) = pos[&f.from];
        let (x2, y2) = pos[&f.to];
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Stop at the circles' edges (radius 14).
        let (sx, sy) = (x1 + dx / len * 14.0, y1 + dy / len * 14.0);
        let (ex, ey) = (x2 - dx / len * 16.0, y2 - dy / len * 16.0);
        let width = 1.0 + 4.0 * (f.amount as f64 / max_amount).sqrt();
        let label = if f.count > 1 {
            format!("{} (×{})", rounded(f.amount), f.count)
        } else {
            rounded(f.amount)
        };
        let _ = write!(
            s,
            r##"<g><title>{}</title><line x1="{sx:.1}" y1="{sy:.1}" x2="{ex:.1}" y2="{ey:.1}" stroke="#555" stroke-width="{width:.1}" marker-end="url(#{id}-arrow)"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#222" paint-order="stroke" stroke="#fff" stroke-width="3">{}</text></g>"##,
            esc(&format!(
                "{} → {}: {label}",
                names.accounts.name(f.from),
                names.accounts.name(f.to)
            )),
            (sx + ex) / 2.0,
            (sy + ey) / 2.0 - 4.0,
            esc(&label)
        );
    }
    for &n in &nodes {
        let (x, y) = pos[&n];
        let (fill, stroke) = if n == alert.account {
            ("#c62828", "#7f0000")
        } else {
            ("#e3f2fd", "#1565c0")
        };
        let name = names.accounts.name(n);
        let _ = write!(
            s,
            r##"<g><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="14" fill="{fill}" stroke="{stroke}" stroke-width="2"/><text x="{x:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#111">{}</text></g>"##,
            esc(name),
            y + 28.0,
            esc(&short(name))
        );
    }
    if total_nodes > nodes.len() {
        let _ = write!(
            s,
            r##"<text x="10" y="{:.0}" font-size="12" fill="#555">{} more accounts not drawn (the table lists every payment)</text>"##,
            h - 8.0,
            total_nodes - nodes.len()
        );
    }
    s.push_str("</svg>");
    s
}

/// Positions: columns in the order money moved (longest path from the accounts nothing
/// was paid to), or a circle when the flows go round.
fn layout(nodes: &[u32], flows: &[Flow]) -> BTreeMap<u32, (f64, f64)> {
    let index: BTreeMap<u32, usize> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut indegree = vec![0usize; nodes.len()];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for f in flows {
        let (a, b) = (index[&f.from], index[&f.to]);
        next[a].push(b);
        indegree[b] += 1;
    }
    let mut layer = vec![0usize; nodes.len()];
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| indegree[i] == 0).collect();
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &j in &next[i] {
            layer[j] = layer[j].max(layer[i] + 1);
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(j);
            }
        }
    }
    let mut pos = BTreeMap::new();
    if done < nodes.len() {
        let r = (nodes.len() as f64 * 70.0 / std::f64::consts::TAU).max(90.0);
        for (i, &n) in nodes.iter().enumerate() {
            let a =
                std::f64::consts::TAU * i as f64 / nodes.len() as f64 - std::f64::consts::FRAC_PI_2;
            pos.insert(n, (70.0 + r + r * a.cos(), 30.0 + r + r * a.sin()));
        }
        return pos;
    }
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut in_layer: BTreeMap<usize, usize> = BTreeMap::new();
    for &l in &layer {
        *in_layer.entry(l).or_default() += 1;
    }
    let tallest = in_layer.values().copied().max().unwrap_or(1);
    for (i, &n) in nodes.iter().enumerate() {
        let l = layer[i];
        let in_layer = in_layer[&l];
        let row = rows.entry(l).or_default();
        // Centre short columns against the tallest.
        let offset = (tallest - in_layer) as f64 * 25.0;
        pos.insert(
            n,
            (70.0 + l as f64 * 230.0, 30.0 + offset + *row as f64 * 50.0),
        );
        *row += 1;
    }
    pos
}

/// The whole report.
pub fn html(
    g: &Graph,
    names: &Names,
    alerts: &[Alert],
    risk: &[crate::rank::Ranked],
    meta: &ReportMeta,
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Money flows — {source}</title><style>
body{{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#111;background:#fff}}
h1{{font-size:1.5rem}} h2{{font-size:1.2rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}}
table{{border-collapse:collapse;margin:.5rem 0}} th,td{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;font-variant-numeric:tabular-nums}}
th{{background:#f0f0f0}} .score{{font-weight:bold;color:#b71c1c}} .graph{{overflow-x:auto;border:1px solid #ddd;border-radius:4px;padding:.5rem;background:#fafafa}}
.note{{color:#444}} details{{margin:.5rem 0}}
</style></head><body><h1>Money flows: {n} alerts</h1><p class="note">{tx} transactions among {acc} accounts, read from <code>{source}</code>. Alerts are red flags for a person to review, not findings: each says what pattern was seen and shows the payments behind it.</p>"#,
        source = esc(&meta.source),
        n = alerts.len(),
        tx = meta.transactions,
        acc = meta.accounts,
    );
    s.push_str("<h2>What was found</h2><table><tr><th scope=\"col\">Detector</th><th scope=\"col\">Alerts</th></tr>");
    for d in crate::detect::DETECTORS {
        let n = alerts.iter().filter(|a| a.detector == d).count();
        let _ = write!(s, "<tr><td>{d}</td><td>{n}</td></tr>");
    }
    s.push_str("</table>");
    if !meta.derived.is_empty() {
        s.push_str("<h2>Parameters</h2><p class=\"note\">Derived from this file's own distributions (those set by hand are kept).</p><table><tr><th scope=\"col\">Parameter</th><th scope=\"col\">Value</th><th scope=\"col\">Why</th></tr>");
        for d in &meta.derived {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.name,
                esc(&d.value),
                esc(&d.why)
            );
        }
        s.push_str("</table>");
    }
    if !risk.is_empty() {
        s.push_str("<h2>Accounts by risk</h2><p class=\"note\">Each account against its peers (accounts with about as many payments) and the whole file: the score is −log10 of the chance that an ordinary account looks as unusual, so 2 means one in a hundred.</p><table><tr><th scope=\"col\">Score</th><th scope=\"col\">Account</th><th scope=\"col\">Why</th><th scope=\"col\">Alerts</th></tr>");
        for r in risk.iter().take(25) {
            let _ = write!(
                s,
                "<tr><td class=\"score\">{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.score,
                esc(names.accounts.name(r.account)),
                esc(&r.explanation(&meta.params)),
                r.detectors.join(", ")
            );
        }
        s.push_str("</table>");
    }
    for (i, a) in alerts.iter().take(meta.max_alerts).enumerate() {
        let id = format!("a{i}");
        let _ = write!(
            s,
            r#"<section aria-labelledby="{id}-h"><h2 id="{id}-h">{n}. {det} — {acct} <span class="score">score {score:.2}</span></h2><p>{expl}</p><div class="graph">{svg}</div><details><summary>{count} payments</summary><table><tr><th scope="col">Id</th><th scope="col">Time (UTC)</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Amount</th><th scope="col">Channel</th></tr>"#,
            n = i + 1,
            det = a.detector,
            acct = esc(names.accounts.name(a.account)),
            score = a.score,
            expl = esc(&a.explanation),
            svg = flow_svg(g, names, a, &id),
            count = a.evidence.len(),
        );
        for &e in a.evidence.iter().take(200) {
            let e = e as usize;
            let when = humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(g.ts[e].max(0) as u64),
            );
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{when}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                esc(&names.ids[g.record[e] as usize]),
                esc(names.accounts.name(g.from[e])),
                esc(names.accounts.name(g.to[e])),
                decimal(g.amount[e]),
                esc(names.currencies.name(g.currency[e] as u32)),
                esc(names.channels.name(g.channel[e] as u32)),
            );
        }
        s.push_str("</table></details></section>");
    }
    if alerts.len() > meta.max_alerts {
        let _ = write!(
            s,
            "<p class=\"note\">{} weaker alerts are not drawn here; the JSON and CSV outputs hold them all.</p>",
            alerts.len() - meta.max_alerts
        );
    }
    s.push_str("</body></html>\n");
    s
}
