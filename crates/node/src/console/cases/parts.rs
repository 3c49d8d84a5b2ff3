//! The parts of a case's page: its links, its audit trail, its history in words, and an
//! opened HTCDS document.

use crate::console::Ctx;
use crate::console::layout::when;
use maud::{Markup, html};
use serde_json::Value;
use unchain_cases::{Case, Change};

/// What the case links to: the case it follows from, the agencies it was referred to,
/// its evidence, and other agencies' records that matched its record.
pub(super) fn case_links(
    ctx: &Ctx,
    c: &Case,
    items: &[unchain_custody::rules::Item],
    reader: Option<&unchain_ledger::StateReader>,
) -> Vec<crate::console::svg::Link> {
    use crate::console::svg::Link;
    let mut links = Vec::new();
    if let Some(p) = &c.parent {
        links.push(Link {
            kind: "parent",
            label: p.clone(),
            edge: ctx.t("link-follows"),
            href: Some(format!(
                "/console/case?id={}",
                crate::console::url_encode(p)
            )),
        });
    }
    for to in &c.referred_to {
        links.push(Link {
            kind: "agency",
            label: to.clone(),
            edge: ctx.t("link-referred"),
            href: None,
        });
    }
    for it in items {
        links.push(Link {
            kind: "item",
            label: it.description.clone(),
            edge: ctx.t("link-evidence"),
            href: Some(format!("/console/custody/item/{}", it.item)),
        });
    }
    if let Some(r) = reader {
        for a in unchain_vault::state::alerts(r, &ctx.state.node_name).unwrap_or_default() {
            if a.record == c.record {
                links.push(Link {
                    kind: "match",
                    label: a.other_member.clone(),
                    edge: ctx.t(&format!("identifier-{}", a.kind.as_str())),
                    href: Some("/console/alerts".into()),
                });
            }
        }
    }
    links
}

pub(super) fn audit_section(
    ctx: &Ctx,
    c: &Case,
    record: Option<&unchain_vault::state::RecordView>,
) -> Markup {
    let reads = ctx.state.audit.reads_of(&c.record).unwrap_or_default();
    html! {
        section aria-labelledby="audit-h" {
            h2 #audit-h { (ctx.t("audit-title")) }
            h3 { (ctx.t("audit-grants")) }
            ul {
                @for a in record.map(|r| r.access.as_slice()).unwrap_or(&[]) {
                    li { (a.member) " · " (a.purpose) @if a.revoked.is_some() { " · " (ctx.t("access-revoked")) } }
                }
            }
            h3 { (ctx.ta("audit-reads", &[("org", &ctx.state.node_name)])) }
            table.list #audit-reads {
                thead { tr {
                    th scope="col" { (ctx.t("audit-when")) }
                    th scope="col" { (ctx.t("audit-who")) }
                    th scope="col" { (ctx.t("audit-version")) }
                    th scope="col" { (ctx.t("audit-verdict")) }
                } }
                tbody {
                    @for r in reads.iter().rev() {
                        tr class=(if r.allowed { "ok" } else { "refused" }) {
                            td { (when(r.time_ms)) }
                            td { (r.member) " · " (r.actor.as_deref().unwrap_or("—")) }
                            td { (r.version.map(|v| v.to_string()).unwrap_or_default()) }
                            td { (if r.allowed { ctx.t("audit-served") } else { ctx.t("audit-refused") }) }
                        }
                    }
                }
            }
        }
    }
}

/// A workflow status in the page's language.
pub(super) fn status_name(ctx: &Ctx, status: &str) -> String {
    ctx.t(&format!("status-{status}"))
}

pub(super) fn change_text(ctx: &Ctx, c: &Change) -> String {
    match c {
        Change::Opened { status } => {
            ctx.ta("change-opened", &[("status", &status_name(ctx, status))])
        }
        Change::Transitioned { from, to, .. } => ctx.ta(
            "change-moved",
            &[
                ("status", &status_name(ctx, from)),
                ("to", &status_name(ctx, to)),
            ],
        ),
        Change::Referred { to, .. } => ctx.ta("change-referred", &[("to", to)]),
        Change::Updated { version } => ctx.ta("change-updated", &[("count", &version.to_string())]),
    }
}

/// An HTCDS name for people: `prs_FirstName` → `First name`, `comments` → `Comments`.
pub(super) fn humane(name: &str) -> String {
    let bare = name.split_once('_').map_or(name, |(_, rest)| rest);
    let mut out = String::new();
    for (i, c) in bare.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An HTCDS document as headed lists of its fields.
pub(super) fn render_document(doc: &Value) -> Markup {
    let Some(map) = doc.as_object() else {
        return html! { pre { (doc.to_string()) } };
    };
    html! {
        @for (part, v) in map {
            @if part != "htcds_version" {
                h3 { (humane(part)) }
                @for entry in v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]) {
                    dl.facts {
                        @for (k, x) in entry.as_object().cloned().unwrap_or_default() {
                            dt title=(k) { (humane(&k)) }
                            dd { (x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string())) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htcds_names_read_as_words() {
        assert_eq!(humane("prs_FirstName"), "First name");
        assert_eq!(humane("cco_CaseComment"), "Case comment");
        assert_eq!(humane("comments"), "Comments");
    }
}
