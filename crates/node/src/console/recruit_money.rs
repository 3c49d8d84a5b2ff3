//! Wages and fees on the console's recruitment page: for a licensed employer, every month
//! of pay it reported with what reconciliation found; for a licensed recruiter, every fee a
//! worker paid it, with what is still owed and where its remediation stands.

use super::layout::{Ctx, short};
use maud::{Markup, html};
use unchain_ledger::StateReader;
use unchain_recruit::body::PartyKind;
use unchain_recruit::state::{self, FeeStatus};
use unchain_recruit::terms::money;

fn wages(ctx: &Ctx, reader: &StateReader, me: &str) -> Markup {
    let mut rows = Vec::new();
    for month in state::payroll_months(reader, me).unwrap_or_default() {
        for worker in state::payroll_workers(reader, me, &month).unwrap_or_default() {
            if let Ok(Some(w)) = state::wage(reader, &worker, &month) {
                rows.push((month.clone(), worker, w));
            }
        }
    }
    html! {
        h3 { (ctx.ta("recruit-wages", &[("party", me)])) }
        @if rows.is_empty() { p.empty { (ctx.t("recruit-wages-none")) } }
        @else {
            table.list #recruit-wages {
                thead { tr {
                    th scope="col" { (ctx.t("recruit-month")) }
                    th scope="col" { (ctx.t("recruit-worker")) }
                    th scope="col" { (ctx.t("recruit-wage-findings")) }
                } }
                tbody {
                    @for (month, worker, w) in &rows {
                        tr class=(if w.findings.is_empty() { "paid" } else { "finding" }) {
                            td { (month) }
                            td { code { (worker) } }
                            td {
                                @if w.findings.is_empty() { (ctx.t("recruit-wage-ok")) }
                                @else {
                                    ul { @for f in &w.findings {
                                        li { (format!("{:?}", f.kind).to_lowercase()) ": " (f.expected) " → " (f.paid) }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn fees(ctx: &Ctx, reader: &StateReader, me: &str) -> Markup {
    let records: Vec<_> = state::fees_of(reader, me)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|id| Some((id, state::fee(reader, &id).ok()??)))
        .collect();
    html! {
        h3 { (ctx.ta("recruit-fees", &[("party", me)])) }
        @if records.is_empty() { p.empty { (ctx.t("recruit-fees-none")) } }
        @else {
            table.list #recruit-fees {
                thead { tr {
                    th scope="col" { (ctx.t("recruit-fee")) }
                    th scope="col" { (ctx.t("recruit-worker")) }
                    th scope="col" { (ctx.t("recruit-fee-amount")) }
                    th scope="col" { (ctx.t("recruit-fee-owed")) }
                    th scope="col" { (ctx.t("recruit-standing")) }
                } }
                tbody {
                    @for (id, f) in &records {
                        @let status = match f.status {
                            FeeStatus::Owed => "owed",
                            FeeStatus::Repaid => "repaid",
                            FeeStatus::Remediated => "remediated",
                        };
                        tr class=(status) {
                            td { a href=(format!("/console/ledger/tx/{id}")) { (short(&id.to_string())) } }
                            td { code { (f.fee.worker) } }
                            td { (money(f.fee.amount, &f.fee.currency)) }
                            td { (money(f.owed(), &f.fee.currency)) }
                            td { (ctx.t(&format!("recruit-fee-status-{status}"))) }
                        }
                    }
                }
            }
        }
    }
}

/// What workers reported paying `me` in the survey, in published months.
fn reported(ctx: &Ctx, reader: &StateReader, me: &str, now_ms: u64, k: u32) -> Markup {
    let months =
        unchain_recruit::voice_state::fees_reported(reader, me, now_ms, k).unwrap_or_default();
    html! {
        h3 { (ctx.ta("recruit-fees-reported", &[("k", &k.to_string())])) }
        @if months.is_empty() { p.empty { (ctx.t("recruit-published-none")) } }
        @else {
            table.list #recruit-fees-reported {
                thead { tr {
                    th scope="col" { (ctx.t("recruit-month")) }
                    th scope="col" { (ctx.t("recruit-voice-count")) }
                    th scope="col" { (ctx.t("recruit-fee-amount")) }
                } }
                tbody {
                    @for m in &months {
                        tr {
                            td { (m.month) }
                            td { (m.count) }
                            td { (m.fees.iter().map(|(c, t)| format!("{} × {}", t.count, money(t.total, c))).collect::<Vec<_>>().join("; ")) }
                        }
                    }
                }
            }
        }
    }
}

/// The section for member `me`, licensed as `kind` (nothing for an unlicensed member), at
/// ledger time `now_ms` with worker voice published for groups of `k` or more.
pub fn section(
    ctx: &Ctx,
    reader: &StateReader,
    me: &str,
    kind: Option<PartyKind>,
    (now_ms, k): (u64, u32),
) -> Markup {
    match kind {
        Some(PartyKind::Employer) => wages(ctx, reader, me),
        Some(PartyKind::Recruiter) => html! {
            (fees(ctx, reader, me))
            (reported(ctx, reader, me, now_ms, k))
        },
        None => html! {},
    }
}
