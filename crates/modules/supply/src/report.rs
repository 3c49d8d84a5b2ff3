//! The provenance page a person reads: one self-contained HTML page (no scripts, no
//! external resources) with the tiers back to the raw material as a picture (SVG), rendered
//! from a *verified* bundle ([`crate::bundle::verify`]), so the page never says more than
//! the proof does. It shows no personal data and no finding's free text: a finding appears
//! as its indicator, its severity, where it was made and whether it was remediated.

use crate::bundle::{Tier, VerifiedProvenance};
use crate::finding::Target;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values (`& < > " '`).
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

/// A short label for a goods identifier: `GTIN 04012345100044 lot G1`, `SSCC …`, or the
/// identifier itself.
pub fn label(node: &str) -> String {
    let path = node.strip_prefix("https://id.gs1.org/").unwrap_or(node);
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["01", gtin, "10", lot] => format!("GTIN {gtin} lot {lot}"),
        ["01", gtin, "21", serial] => format!("GTIN {gtin} serial {serial}"),
        ["00", sscc] => format!("SSCC {sscc}"),
        _ => node.to_owned(),
    }
}

const BOX_W: usize = 250;
const BOX_H: usize = 76;
const COL_GAP: usize = 40;
const ROW_GAP: usize = 16;

/// The tiers as a picture: raw material on the left, the goods on the right, each box a
/// lot or item with where it was made; boxes on a path from an open finding are red.
pub fn svg(v: &VerifiedProvenance) -> String {
    tiers_svg(v, true)
}

/// [`svg`], with its sizing as an inline style (for a standalone page) or without (for a
/// page whose content security policy refuses inline styles: its stylesheet sizes it).
pub fn tiers_svg(v: &VerifiedProvenance, inline_style: bool) -> String {
    let max_depth = v.tiers.iter().map(|t| t.depth).max().unwrap_or(0) as usize;
    let flagged: Vec<&str> = v
        .flags()
        .flat_map(|f| f.path.iter().map(|s| s.node.as_str()))
        .collect();
    let mut rows: BTreeMap<u32, usize> = BTreeMap::new();
    let mut pos: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for t in &v.tiers {
        let row = rows.entry(t.depth).or_default();
        let x = 10 + (max_depth - t.depth as usize) * (BOX_W + COL_GAP);
        let y = 40 + *row * (BOX_H + ROW_GAP);
        *row += 1;
        pos.insert(&t.node, (x, y));
    }
    let width = 20 + (max_depth + 1) * (BOX_W + COL_GAP);
    let height = 60 + rows.values().max().copied().unwrap_or(1) * (BOX_H + ROW_GAP);
    let style = if inline_style {
        format!(r#" style="width:100%;max-width:{width}px;height:auto""#)
    } else {
        format!(r#" width="{width}" height="{height}""#)
    };
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"{style} role="img" aria-label="supply tiers" font-family="sans-serif" font-size="12">"#
    );
    for d in 0..=max_depth {
        let x = 10 + (max_depth - d) * (BOX_W + COL_GAP);
        let title = if d == 0 {
            "these goods".to_owned()
        } else {
            format!("tier {d} upstream")
        };
        let _ = write!(
            out,
            r##"<text x="{x}" y="22" font-weight="bold" fill="#333">{title}</text>"##
        );
    }
    for t in &v.tiers {
        let (x, y) = pos[t.node.as_str()];
        for f in &t.from {
            if let Some((fx, fy)) = pos.get(f.as_str()) {
                let _ = write!(
                    out,
                    r##"<line x1="{}" y1="{}" x2="{x}" y2="{}" stroke="#888" stroke-width="1.5"/>"##,
                    fx + BOX_W,
                    fy + BOX_H / 2,
                    y + BOX_H / 2
                );
            }
        }
    }
    for t in &v.tiers {
        let (x, y) = pos[t.node.as_str()];
        let red = flagged.contains(&t.node.as_str());
        let (fill, stroke) = if red {
            ("#fde2e1", "#c0392b")
        } else {
            ("#ffffff", "#555")
        };
        let class = if red { "flagged" } else { "clear" };
        let _ = write!(
            out,
            r##"<g class="{class}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}"/><text x="{}" y="{}" font-weight="bold">{}</text><text x="{}" y="{}">{}</text><text x="{}" y="{}" fill="#555">{}</text><text x="{}" y="{}" fill="#555" font-size="10">{}</text></g>"##,
            x + 8,
            y + 17,
            esc(&short(&t.node)),
            x + 8,
            y + 34,
            esc(&made_at(t)),
            x + 8,
            y + 50,
            esc(&t
                .registered
                .as_ref()
                .map(|f| format!("{} · {}", f.sector, f.country))
                .unwrap_or_default()),
            x + 8,
            y + 66,
            esc(&product(&t.node)),
        );
    }
    out.push_str("</svg>");
    out
}

/// A box's first line: the lot, serial or unit.
fn short(node: &str) -> String {
    let l = label(node);
    match l.split_once(" lot ").or_else(|| l.split_once(" serial ")) {
        Some((_, id)) if l.contains(" lot ") => format!("lot {id}"),
        Some((_, id)) => format!("serial {id}"),
        None => l,
    }
}

/// A box's last line: the product, where the identifier names one.
fn product(node: &str) -> String {
    let l = label(node);
    match l.split_once(" lot ").or_else(|| l.split_once(" serial ")) {
        Some((gtin, _)) => gtin.to_owned(),
        None => String::new(),
    }
}

fn made_at(t: &Tier) -> String {
    match (&t.registered, &t.facility) {
        (Some(f), _) => format!("made at {}", f.name),
        (None, Some(id)) => format!("made at {id}"),
        (None, None) => "where made: not in the record".into(),
    }
}

/// The page.
pub fn html(v: &VerifiedProvenance) -> String {
    let mut out = String::new();
    let flags: Vec<_> = v.flags().collect();
    let verdict = if flags.is_empty() {
        r#"<p class="verdict ok">No open finding of forced labour reaches these goods in this record.</p>"#.to_owned()
    } else {
        format!(
            r#"<p class="verdict flagged">{} open finding{} of forced labour reach{} these goods.</p>"#,
            flags.len(),
            if flags.len() == 1 { "" } else { "s" },
            if flags.len() == 1 { "es" } else { "" }
        )
    };
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Provenance of {goods}</title><style>
body{{font-family:sans-serif;margin:2em;color:#222;max-width:75em}} table{{border-collapse:collapse;margin:1em 0}} td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}
.verdict{{font-size:1.2em;padding:.6em;border-radius:6px}} .ok{{background:#e3f4e5}} .flagged{{background:#fde2e1}} .svg{{overflow-x:auto;border:1px solid #ddd;padding:.5em}} small{{color:#555}}
</style></head><body><h1>Provenance of {goods}</h1><p><code>{id}</code></p>{verdict}<div class="svg">{svg}</div>"#,
        goods = esc(&label(&v.goods)),
        id = esc(&v.goods),
        svg = svg(v),
    );
    out.push_str("<h2>Findings</h2>");
    if v.findings.is_empty() {
        out.push_str("<p>The record holds no finding about these goods or the facilities that made them.</p>");
    } else {
        out.push_str("<table><tr><th>Indicator (ILO)</th><th>Severity</th><th>About</th><th>By</th><th>Status</th></tr>");
        for f in &v.findings {
            let about = match &f.target {
                Target::Facility(id) => format!("facility {}", facility_name(v, id)),
                Target::Goods(id) => label(id),
            };
            let status = if f.remediated {
                "remediated: corrective action verified by its author".to_owned()
            } else if f.path.is_empty() {
                format!(
                    "open; does not reach these goods ({} plan(s) filed)",
                    f.plans
                )
            } else {
                format!(
                    "open; reaches these goods through {} ({} plan(s) filed)",
                    route(&f.path),
                    f.plans
                )
            };
            let _ = write!(
                out,
                "<tr class=\"finding\"><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(f.indicator.title()),
                f.severity,
                esc(&about),
                esc(&f.author),
                esc(&status)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>Facilities</h2><table><tr><th>Facility</th><th>Country</th><th>Sector</th><th>Audits and certifications</th></tr>");
    for (id, f, standing) in facilities(v) {
        let _ = write!(
            out,
            "<tr><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            esc(id),
            esc(&f.country),
            esc(&f.sector),
            if standing.is_empty() {
                "none recorded".into()
            } else {
                esc(&standing.join("; "))
            }
        );
    }
    out.push_str("</table>");
    let _ = write!(
        out,
        "<h2>How to check this page</h2><p>Everything above was recomputed from the provenance bundle: {} EPCIS events and the facilities, audits and findings beside them, each in a signed transaction proven included in the log of chain <code>{}</code> at size {}, whose checkpoint was signed by {}. Download the bundle and run <code>unchain verify provenance BUNDLE --genesis GENESIS</code>: it needs no network. The bundle cannot prove that no other event or finding exists.</p></body></html>",
        v.events,
        esc(&v.chain_id),
        v.tree_size,
        esc(&v.signers.join(", "))
    );
    out
}

/// Each registered facility the tiers name, once, nearest first, with what the bundle
/// records of it: `"audit against … (by …)"`, `"certified … (by …)"`.
pub fn facilities(v: &VerifiedProvenance) -> Vec<(&str, &crate::body::Facility, Vec<String>)> {
    let mut out: Vec<(&str, &crate::body::Facility, Vec<String>)> = Vec::new();
    for t in &v.tiers {
        let (Some(id), Some(f)) = (&t.facility, &t.registered) else {
            continue;
        };
        if out.iter().any(|(listed, _, _)| *listed == id) {
            continue;
        }
        let standing = v
            .standing
            .iter()
            .filter(|(fac, _, _)| fac == id)
            .map(|(_, what, by)| format!("{what} (by {by})"))
            .collect();
        out.push((id, f, standing));
    }
    out
}

/// The goods on a finding's path, short: `Y1 → G1a → R1`.
pub fn route(path: &[crate::rules::Step]) -> String {
    path.iter()
        .filter(|s| !crate::graph::is_transformation(&s.node))
        .map(|s| {
            let l = label(&s.node);
            l.rsplit(' ').next().unwrap_or(&l).to_owned()
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

fn facility_name(v: &VerifiedProvenance, id: &str) -> String {
    v.tiers
        .iter()
        .find(|t| t.facility.as_deref() == Some(id))
        .and_then(|t| t.registered.as_ref())
        .map_or_else(|| id.to_owned(), |f| f.name.clone())
}
