//! Pictures drawn on the server as SVG: an evidence item's custody across organisations,
//! a case's history, and which validators signed the latest cosigned checkpoint. Each is a
//! `role="img"` with a title and a description, so a screen reader says what it shows.

use super::Ctx;
use super::layout::when;
use maud::{Markup, html};
use unchain_cases::CaseEvent;
use unchain_custody::EventRecord;

const STEP: f64 = 150.0;
const LANE: f64 = 56.0;
const LEFT: f64 = 150.0;

/// An item's events, one column each, on one lane per organisation: the line follows the
/// evidence from holder to holder; a hand-over waiting for the receiver is dashed.
pub(crate) fn custody_timeline(ctx: &Ctx, events: &[EventRecord]) -> Markup {
    let mut lanes: Vec<String> = Vec::new();
    for e in events {
        if !lanes.contains(&e.member) {
            lanes.push(e.member.clone());
        }
        if let Some(to) = &e.event.to
            && !lanes.contains(to)
        {
            lanes.push(to.clone());
        }
    }
    let width = LEFT + STEP * events.len().max(1) as f64 + 40.0;
    let height = 40.0 + LANE * lanes.len().max(1) as f64 + 30.0;
    let lane_y = |m: &str| 40.0 + LANE * lanes.iter().position(|l| l == m).unwrap_or(0) as f64;
    let x = |i: usize| LEFT + STEP * i as f64 + STEP / 2.0;
    let points: Vec<(f64, f64)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (x(i), lane_y(&e.member)))
        .collect();
    let last_transfer_pending = events
        .last()
        .is_some_and(|e| e.action == unchain_custody::body::Action::Transfer);
    let desc = events
        .iter()
        .map(|e| format!("{} {} {}", when(e.event.at_ms), e.member, e.action.past()))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.picture {
            svg #custody-picture xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="cp-t cp-d"
                viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) {
                title #cp-t { (ctx.t("item-timeline")) }
                desc #cp-d { (desc) }
                @for (i, l) in lanes.iter().enumerate() {
                    @let y = 40.0 + LANE * i as f64;
                    line.lane x1=(LEFT - 10.0) y1=(y) x2=(width - 20.0) y2=(y) {}
                    text.lane-name x="8" y=(y + 4.0) { (l) }
                }
                @for w in points.windows(2) {
                    path.custody-line d=(format!("M{} {} C{} {} {} {} {} {}", w[0].0, w[0].1, w[0].0 + STEP / 2.0, w[0].1, w[1].0 - STEP / 2.0, w[1].1, w[1].0, w[1].1)) {}
                }
                @if last_transfer_pending {
                    @if let (Some(e), Some(p)) = (events.last(), points.last()) {
                        @if let Some(to) = &e.event.to {
                            line.pending x1=(p.0) y1=(p.1) x2=(p.0 + STEP / 2.0) y2=(lane_y(to)) {}
                            circle.pending cx=(p.0 + STEP / 2.0) cy=(lane_y(to)) r="6" {}
                        }
                    }
                }
                @for (i, e) in events.iter().enumerate() {
                    @let (cx, cy) = points[i];
                    g.event {
                        circle class={"dot " (e.action.kind().trim_start_matches("custody."))} cx=(cx) cy=(cy) r="9" {
                            title { (e.action.past()) " · " (when(e.event.at_ms)) " · " (e.event.actor) }
                        }
                        text.event-label x=(cx) y=(cy - 14.0) text-anchor="middle" { (e.action.past()) }
                        text.event-time x=(cx) y=(height - 10.0) text-anchor="middle" { (when(e.event.at_ms).get(5..16).unwrap_or("")) }
                    }
                }
            }
        }
    }
}

/// A case's events on one line, oldest left.
pub(crate) fn case_timeline(ctx: &Ctx, events: &[CaseEvent]) -> Markup {
    let status = |s: &str| ctx.t(&format!("status-{s}"));
    let width = 40.0 + STEP * events.len().max(1) as f64;
    let height = 90.0;
    let x = |i: usize| 20.0 + STEP * i as f64 + STEP / 2.0;
    let label = |e: &CaseEvent| match &e.change {
        unchain_cases::Change::Opened { status: s } => status(s),
        unchain_cases::Change::Transitioned { to, .. } => status(to),
        unchain_cases::Change::Referred { to, .. } => format!("→ {to}"),
        unchain_cases::Change::Updated { version } => format!("v{version}"),
    };
    let desc = events
        .iter()
        .map(|e| format!("{} {}", when(e.time_ms), label(e)))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.picture {
            svg #case-picture xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="ct-t ct-d"
                viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) {
                title #ct-t { (ctx.t("case-timeline")) }
                desc #ct-d { (desc) }
                line.lane x1="20" y1="45" x2=(width - 20.0) y2="45" {}
                @for (i, e) in events.iter().enumerate() {
                    g.event {
                        circle.dot cx=(x(i)) cy="45" r="8" {}
                        text.event-label x=(x(i)) y="28" text-anchor="middle" { (label(e)) }
                        text.event-time x=(x(i)) y="75" text-anchor="middle" { (when(e.time_ms).get(5..16).unwrap_or("")) }
                    }
                }
            }
        }
    }
}

/// The validators round a circle: filled when it signed the latest cosigned checkpoint.
pub(crate) fn cluster_health(ctx: &Ctx, validators: &[(String, bool)]) -> Markup {
    let n = validators.len().max(1) as f64;
    let (w, h, r) = (360.0, 220.0, 70.0);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (cx + r * a.cos(), cy + r * a.sin())
    };
    let signed = validators.iter().filter(|v| v.1).count();
    let desc = validators
        .iter()
        .map(|(name, ok)| {
            format!(
                "{name}: {}",
                if *ok {
                    ctx.t("answer-yes")
                } else {
                    ctx.t("answer-no")
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.picture {
            svg #health-picture xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="hp-t hp-d"
                viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) {
                title #hp-t { (ctx.t("health-title")) }
                desc #hp-d { (desc) }
                text.quorum x=(cx) y=(cy + 5.0) text-anchor="middle" { (signed) " / " (validators.len()) }
                @for (i, (name, ok)) in validators.iter().enumerate() {
                    @let (x, y) = at(i);
                    @for (j, _) in validators.iter().enumerate().skip(i + 1) {
                        @let (x2, y2) = at(j);
                        line.link x1=(x) y1=(y) x2=(x2) y2=(y2) {}
                    }
                    circle class={"node " (if *ok { "signed" } else { "missing" })} cx=(x) cy=(y) r="14" {}
                    text.node-name x=(x) y=(if y < cy { y - 20.0 } else { y + 30.0 }) text-anchor="middle" { (name) }
                }
            }
        }
    }
}

/// One thing a case links to, for [`case_links`].
pub(crate) struct Link {
    /// What kind of thing: `agency`, `item`, `match`, `parent`.
    pub kind: &'static str,
    /// Its label.
    pub label: String,
    /// What joins it to the case.
    pub edge: String,
    /// Where it leads in the console.
    pub href: Option<String>,
}

/// The case in the middle, what it links to around it: the agencies it was referred to,
/// its evidence, the other agencies' records that matched it, the case it follows from.
pub(crate) fn case_links(ctx: &Ctx, case: &str, links: &[Link]) -> Markup {
    let n = links.len().max(1) as f64;
    let (w, h) = (640.0, 340.0);
    let (cx, cy, rx, ry) = (w / 2.0, h / 2.0, 230.0, 120.0);
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (cx + rx * a.cos(), cy + ry * a.sin())
    };
    let desc = links
        .iter()
        .map(|l| format!("{}: {}", l.edge, l.label))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.picture {
            svg #links-picture xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="lp-t lp-d"
                viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) {
                title #lp-t { (ctx.t("case-links")) }
                desc #lp-d { (desc) }
                @for (i, l) in links.iter().enumerate() {
                    @let (x, y) = at(i);
                    line class={"link " (l.kind)} x1=(cx) y1=(cy) x2=(x) y2=(y) {}
                    text.edge-label x=((cx + x) / 2.0) y=((cy + y) / 2.0 - 4.0) text-anchor="middle" { (l.edge) }
                }
                g.case-node {
                    rect x=(cx - 70.0) y=(cy - 16.0) width="140" height="32" rx="6" {}
                    text x=(cx) y=(cy + 5.0) text-anchor="middle" { (case) }
                }
                @for (i, l) in links.iter().enumerate() {
                    @let (x, y) = at(i);
                    @let label = if l.label.chars().count() > 22 { format!("{}…", l.label.chars().take(21).collect::<String>()) } else { l.label.clone() };
                    circle class={"node " (l.kind)} cx=(x) cy=(y) r="12" {}
                    text.node-name x=(x) y=(y + 28.0) text-anchor="middle" { (label) }
                }
            }
        }
        // The same links as a list, for keyboards and screen readers (an image holds no
        // links).
        ul.links {
            @for l in links {
                li {
                    (l.edge) ": "
                    @if let Some(href) = &l.href { a href=(href) { (l.label) } } @else { (l.label) }
                }
            }
        }
    }
}
