//! Worker voice on the console's recruitment page: an employer's grievances to answer, a
//! regulator's escalations about the employers it licensed, and the published months of
//! the organisation itself (an employer) and of the employers a brand linked itself to.
//! One grievance is shown with its month and deadlines only, never its block time.

use super::layout::Ctx;
use maud::{Markup, html};
use unchain_ledger::StateReader;
use unchain_recruit::voice::{MonthVoice, Standing, VoiceKind};
use unchain_recruit::voice_state::{self, VoiceRecord};

fn standing(ctx: &Ctx, s: &Standing) -> String {
    match s {
        Standing::AwaitingAnswer { due } => ctx.ta("recruit-standing-awaiting", &[("date", due)]),
        Standing::RemedyPromised { by } => ctx.ta("recruit-standing-promised", &[("date", by)]),
        Standing::Remedied => ctx.t("recruit-standing-remedied"),
        Standing::Escalated { reason } => ctx.ta(
            "recruit-standing-escalated",
            &[("reason", &reason.replace('_', " "))],
        ),
    }
}

fn grievance_table(ctx: &Ctx, id: &str, rows: &[(VoiceRecord, Standing)]) -> Markup {
    html! {
        table.list #(id) {
            thead { tr {
                th scope="col" { (ctx.t("recruit-grievance")) }
                th scope="col" { (ctx.t("recruit-party")) }
                th scope="col" { (ctx.t("recruit-month")) }
                th scope="col" { (ctx.t("recruit-indicators")) }
                th scope="col" { (ctx.t("recruit-standing")) }
            } }
            tbody {
                @for (r, s) in rows {
                    tr class=(if s.is_escalated() { "escalated" } else { "open" }) {
                        td { code { (r.voice.voice) } }
                        td { (r.voice.employer) }
                        td { (r.month) }
                        td { (r.voice.indicators.join(", ")) }
                        td { (standing(ctx, s)) }
                    }
                }
            }
        }
    }
}

fn published_table(ctx: &Ctx, rows: &[(String, MonthVoice)]) -> Markup {
    html! {
        table.list #recruit-voice {
            thead { tr {
                th scope="col" { (ctx.t("recruit-party")) }
                th scope="col" { (ctx.t("recruit-month")) }
                th scope="col" { (ctx.t("recruit-voice-kind")) }
                th scope="col" { (ctx.t("recruit-voice-count")) }
                th scope="col" { (ctx.t("recruit-indicators")) }
            } }
            tbody {
                @for (employer, m) in rows {
                    tr class=(if m.kind == VoiceKind::Grievance { "grievance" } else { "survey" }) {
                        td { (employer) }
                        td { (m.month) }
                        td { (ctx.t(if m.kind == VoiceKind::Grievance { "recruit-voice-grievances" } else { "recruit-voice-surveys" })) }
                        td { (m.count) }
                        td { (m.indicators.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
    }
}

/// The section for member `me` at ledger time `now_ms`, publishing groups of `k` or more.
pub fn section(ctx: &Ctx, reader: &StateReader, me: &str, now_ms: u64, k: u32) -> Markup {
    let with_standing = |records: Vec<VoiceRecord>| -> Vec<(VoiceRecord, Standing)> {
        records
            .into_iter()
            .filter_map(|r| r.standing(now_ms).map(|s| (r, s)))
            .collect()
    };
    let mine = with_standing(voice_state::voices_about(reader, me).unwrap_or_default());
    let escalated = voice_state::escalated_for(reader, me, now_ms).unwrap_or_default();
    // Only a regulator (a member that licensed some party) takes escalations up.
    let licenses = unchain_recruit::state::parties(reader)
        .unwrap_or_default()
        .iter()
        .any(|p| p.history.iter().any(|(_, r)| r.member == me));
    let mut watched = vec![me.to_owned()];
    watched.extend(unchain_recruit::state::linked_employers(reader, me).unwrap_or_default());
    let published: Vec<(String, MonthVoice)> = watched
        .iter()
        .flat_map(|e| {
            voice_state::published(reader, e, now_ms, k)
                .unwrap_or_default()
                .into_iter()
                .map(|m| (e.clone(), m))
        })
        .collect();
    html! {
        section aria-labelledby="voice-h" {
            h2 #voice-h { (ctx.t("recruit-voice-title")) }
            @if !mine.is_empty() {
                h3 { (ctx.ta("recruit-grievances", &[("party", me)])) }
                (grievance_table(ctx, "recruit-grievances", &mine))
            }
            @if licenses {
                h3 { (ctx.t("recruit-escalations")) }
                @if escalated.is_empty() { p.empty { (ctx.t("recruit-escalations-none")) } }
                @else { (grievance_table(ctx, "recruit-escalations", &escalated)) }
            }
            h3 { (ctx.ta("recruit-published", &[("k", &k.to_string())])) }
            @if published.is_empty() { p.empty { (ctx.t("recruit-published-none")) } }
            @else { (published_table(ctx, &published)) }
        }
    }
}
