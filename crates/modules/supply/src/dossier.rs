//! The due-diligence dossier: a printable page an importer hands to a customs or
//! market-surveillance authority with a shipment (a logistic unit, its SSCC) or a lot —
//! what it holds, where each part was made back to the raw material, every finding of
//! forced labour that reaches it and every remediation, each facility's audits — rendered,
//! like the provenance page, only from a *verified* bundle ([`crate::bundle::verify`]),
//! and naming the bundle by its SHA-256 so the authority can check the same file offline.
//! [`json`] is the same dossier for machines: the summary, the goods covered and the
//! verified view itself, naming the same bundle.

use crate::bundle::{Tier, VerifiedProvenance};
use crate::report::{esc, facilities, label, route, svg};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What the dossier covers: a shipment's contents (the goods packed into it, one tier up),
/// or the goods themselves.
pub fn covered(v: &VerifiedProvenance) -> Vec<&Tier> {
    let shipment = label(&v.goods).starts_with("SSCC");
    let contents: Vec<&Tier> = v
        .tiers
        .iter()
        .filter(|t| shipment && t.depth == 1)
        .collect();
    if contents.is_empty() {
        v.tiers.iter().filter(|t| t.depth == 0).collect()
    } else {
        contents
    }
}

fn status(v: &VerifiedProvenance, t: &Tier) -> String {
    if t.flagged_by.is_empty() {
        return "no open finding of forced labour reaches it".into();
    }
    t.flagged_by
        .iter()
        .filter_map(|id| v.findings.iter().find(|f| f.id == *id))
        .map(|f| {
            format!(
                "FLAGGED: {} ({:?}), finding {}",
                f.indicator.title(),
                f.severity,
                f.id
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The dossier, as one self-contained printable HTML page. `bundle_sha256` names the
/// bundle it was rendered from.
pub fn html(v: &VerifiedProvenance, bundle_sha256: &str) -> String {
    let covered = covered(v);
    let flagged = covered.iter().filter(|t| !t.flagged_by.is_empty()).count();
    let countries: BTreeSet<&str> = v
        .tiers
        .iter()
        .filter_map(|t| t.registered.as_ref().map(|f| f.country.as_str()))
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Due-diligence dossier: {goods}</title><style>
body{{font-family:sans-serif;margin:2em;color:#222;max-width:60em}} table{{border-collapse:collapse;margin:.8em 0;width:100%}} td,th{{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.92em}}
h2{{border-bottom:1px solid #999;margin-top:1.6em}} .flagged{{background:#fde2e1}} .ok{{background:#e3f4e5}} code{{font-size:.85em;word-break:break-all}}
@media print{{body{{margin:0}} h2,table{{break-inside:avoid}}}}
</style></head><body>
<h1>Due-diligence dossier: forced labour</h1>
<p><strong>{goods}</strong><br><code>{id}</code></p>
<p>Prepared from the record of the Unchain consortium <code>{chain}</code>, log size {size}, checkpoint signed by {signers}. For import controls on products made with forced labour (such as Regulation (EU) 2024/3015, which applies to every stage of a product's supply chain).</p>
<h2>1. Summary</h2><table>
<tr><th>Goods covered</th><td>{n}</td></tr>
<tr><th>Reached by an open finding of forced labour</th><td class="{class}">{flagged} of {n}</td></tr>
<tr><th>Tiers recorded upstream</th><td>{depth}</td></tr>
<tr><th>Countries of production</th><td>{countries}</td></tr>
<tr><th>Findings in the record</th><td>{open} open, {remediated} remediated (corrective action verified by the finding's author)</td></tr>
</table>"#,
        goods = esc(&label(&v.goods)),
        id = esc(&v.goods),
        chain = esc(&v.chain_id),
        size = v.tree_size,
        signers = esc(&v.signers.join(", ")),
        n = covered.len(),
        class = if flagged == 0 { "ok" } else { "flagged" },
        depth = v.tiers.iter().map(|t| t.depth).max().unwrap_or(0),
        countries = esc(&countries.into_iter().collect::<Vec<_>>().join(", ")),
        open = v.findings.iter().filter(|f| !f.remediated).count(),
        remediated = v.findings.iter().filter(|f| f.remediated).count(),
    );
    out.push_str(
        "<h2>2. Goods covered</h2><table><tr><th>Goods</th><th>Made at</th><th>Status</th></tr>",
    );
    for t in &covered {
        let _ = write!(
            out,
            "<tr class=\"{}\"><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            if t.flagged_by.is_empty() {
                "ok"
            } else {
                "flagged"
            },
            esc(&label(&t.node)),
            esc(&t.node),
            esc(&made(t)),
            esc(&status(v, t))
        );
    }
    let _ = write!(out, "</table><h2>3. Supply chain</h2>{}", svg(v));
    out.push_str(
        "<table><tr><th>Tier</th><th>Goods</th><th>Made at</th><th>Open findings</th></tr>",
    );
    for t in &v.tiers {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t.depth,
            esc(&label(&t.node)),
            esc(&made(t)),
            t.flagged_by.len()
        );
    }
    out.push_str("</table><h2>4. Findings and remediation</h2>");
    if v.findings.is_empty() {
        out.push_str("<p>The record holds no finding about these goods or the facilities that made them.</p>");
    } else {
        out.push_str("<table><tr><th>Finding</th><th>Indicator (ILO)</th><th>Severity</th><th>By</th><th>Status</th></tr>");
        for f in &v.findings {
            let status = if f.remediated {
                format!(
                    "remediated: {} plan(s), verified by the finding's author",
                    f.plans
                )
            } else if f.path.is_empty() {
                format!("open ({} plan(s)); does not reach the goods above", f.plans)
            } else {
                format!(
                    "open ({} plan(s)); reaches the goods through {}",
                    f.plans,
                    route(&f.path)
                )
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td></tr>",
                f.id,
                esc(f.indicator.title()),
                f.severity,
                esc(&f.author),
                esc(&status)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>5. Facilities: audits and certifications</h2><table><tr><th>Facility</th><th>Country</th><th>Recorded</th></tr>");
    for (id, f, standing) in facilities(v) {
        let _ = write!(
            out,
            "<tr><td>{} ({})<br><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            esc(&f.sector),
            esc(id),
            esc(&f.country),
            if standing.is_empty() {
                "none recorded".into()
            } else {
                esc(&standing.join("; "))
            }
        );
    }
    let _ = write!(
        out,
        "</table><h2>6. How to check this dossier</h2><p>It was rendered from the provenance bundle with SHA-256 <code>{}</code>, after that bundle verified: {} EPCIS events and the facilities, audits and findings beside them, each in a transaction signed by a member and proven included in the consortium's log. Run <code>unchain verify provenance BUNDLE --genesis GENESIS --dossier dossier.html</code> (or the stand-alone <code>unchain-verify</code>) on the same file: it needs no network and renders this page again. What the bundle cannot prove: that no other event or finding exists.</p></body></html>",
        esc(bundle_sha256),
        v.events
    );
    out
}

/// The dossier's JSON version: `type`, the bundle's SHA-256, a summary, the goods covered
/// with their status, and the whole verified view (`verified`).
pub fn json(v: &VerifiedProvenance, bundle_sha256: &str) -> serde_json::Value {
    let covered = covered(v);
    let countries: BTreeSet<&str> = v
        .tiers
        .iter()
        .filter_map(|t| t.registered.as_ref().map(|f| f.country.as_str()))
        .collect();
    serde_json::json!({
        "type": "UnchainDueDiligenceDossier",
        "version": 1,
        "goods": v.goods,
        "label": label(&v.goods),
        "chain_id": v.chain_id,
        "tree_size": v.tree_size,
        "signers": v.signers,
        "bundle_sha256": bundle_sha256,
        "summary": {
            "covered": covered.len(),
            "flagged": covered.iter().filter(|t| !t.flagged_by.is_empty()).count(),
            "tiers_upstream": v.tiers.iter().map(|t| t.depth).max().unwrap_or(0),
            "countries": countries,
            "findings_open": v.findings.iter().filter(|f| !f.remediated).count(),
            "findings_remediated": v.findings.iter().filter(|f| f.remediated).count(),
        },
        "covered": covered.iter().map(|t| serde_json::json!({
            "goods": t.node,
            "label": label(&t.node),
            "made_at": made(t),
            "flagged_by": t.flagged_by,
            "status": status(v, t),
        })).collect::<Vec<_>>(),
        "verified": v,
    })
}

fn made(t: &Tier) -> String {
    match (&t.registered, &t.facility) {
        (Some(f), _) => format!("{}, {} ({})", f.name, f.country, f.sector),
        (None, Some(id)) => id.clone(),
        (None, None) => "not in the record".into(),
    }
}
