//! The chain-of-custody report a person reads: one self-contained HTML page (no scripts,
//! no external resources) rendered from a *verified* bundle, so the page never says more
//! than the proof does.

use crate::body::{Action, Event};
use crate::bundle::VerifiedCustody;
use crate::rules::Status;
use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

/// Formats ms since the Unix epoch as RFC 3339 UTC, to the second.
pub fn utc(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

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

/// The action-specific part of an event, in words.
pub fn details(action: Action, e: &Event) -> String {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    match action {
        Action::Collect => format!(
            "{} ({}); content SHA-256 {}{}",
            opt(&e.description),
            match e.evidence {
                Some(crate::body::EvidenceKind::Digital) => "digital",
                _ => "physical",
            },
            e.content_hash.map(|h| h.to_hex()).unwrap_or_default(),
            e.case
                .as_ref()
                .map(|c| format!("; case {c}"))
                .unwrap_or_default()
        ),
        Action::Transfer => format!(
            "to {}{}",
            opt(&e.to),
            e.to_actor
                .as_ref()
                .map(|a| format!(" (user {a})"))
                .unwrap_or_default()
        ),
        Action::Receive | Action::Cancel => String::new(),
        Action::Analyse => format!(
            "method: {}{}",
            opt(&e.method),
            e.result_hash
                .map(|h| format!("; report SHA-256 {h}"))
                .unwrap_or_default()
        ),
        Action::Seal => format!("seal number {}", opt(&e.seal_number)),
        Action::Present => format!("{}, {}", opt(&e.court), opt(&e.proceeding)),
        Action::Return => format!("to {}", opt(&e.returned_to)),
        Action::Destroy => format!("method: {}", opt(&e.method)),
    }
}

/// Renders the report.
pub fn html(v: &VerifiedCustody) -> String {
    let s = v.state();
    let status = match s.status {
        Status::Held => format!("held by {}", s.holder),
        Status::InTransit => format!(
            "being handed over from {} to {}",
            s.holder,
            s.pending.as_ref().map(|p| p.to.as_str()).unwrap_or("?")
        ),
        Status::Returned => "returned to its owner".into(),
        Status::Destroyed => "destroyed".into(),
    };
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Chain of custody: {item}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#111}}
table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #bbb;padding:.35em .5em;text-align:left;vertical-align:top}}
th{{background:#eee}} code{{font-size:12px;word-break:break-all}}
.ok{{color:#05631d;font-weight:bold}}
</style></head><body>
<h1>Chain of custody</h1>
<p class="ok">Verified: every event below is a transaction signed by the organisation named, included in the transparency log whose checkpoint the validators signed, and follows the one before it without a gap.</p>
<table>
<tr><th>Item</th><td><code>{item}</code></td></tr>
<tr><th>Description</th><td>{desc}</td></tr>
<tr><th>Case</th><td>{case}</td></tr>
<tr><th>Content SHA-256</th><td><code>{hash}</code></td></tr>
<tr><th>Collected by</th><td>{collected}</td></tr>
<tr><th>Now</th><td>{status}</td></tr>
<tr><th>Events</th><td>{n} — {complete}</td></tr>
<tr><th>Log</th><td>{origin}, checkpoint of size {size}, root <code>{root}</code>, signed by {signers}</td></tr>
</table>
<h2>Timeline</h2>
<table>
<tr><th>#</th><th>What</th><th>When (stated by the organisation, UTC)</th><th>Who</th><th>Where</th><th>Why</th><th>Details</th><th>Transaction (log leaf)</th></tr>
"#,
        item = v.item,
        desc = esc(&s.description),
        case = esc(s.case.as_deref().unwrap_or("—")),
        hash = s.content_hash,
        collected = esc(&s.collected_by.to_string()),
        status = esc(&status),
        n = v.events.len(),
        complete = esc(&completeness(v)),
        origin = esc(&v.log_origin),
        size = v.tree_size,
        root = v.root,
        signers = esc(&v.signers.join(", ")),
    );
    for e in &v.events {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}<br><small>recorded {}</small></td><td>{}<br><small>user {}</small></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code> ({})</td></tr>",
            e.number,
            e.action.past(),
            utc(e.event.at_ms),
            utc(e.recorded_ms),
            esc(&e.member),
            esc(&e.event.actor),
            esc(&e.event.location),
            esc(&e.event.reason),
            esc(&details(e.action, &e.event)),
            e.tx.id(),
            e.leaf_index,
        );
    }
    h.push_str(
        "</table>\n<p><small>“Recorded” is the block time the issuing node reports; it is not part of the proof. \
A bundle proves the events it holds up to its checkpoint; it cannot show that no event came after. \
Check it yourself, offline: <code>unchain verify custody BUNDLE --genesis GENESIS</code>.</small></p>\n</body></html>\n",
    );
    h
}

/// Whether the events are proven to be all of the item's, in one sentence.
pub fn completeness(v: &VerifiedCustody) -> String {
    match v.complete_at {
        Some(height) => format!(
            "all of the item's events as of the checkpoint: the item's state after block \
             {height}, which the validators cosigned, counts exactly these"
        ),
        None => "not proven to be all of the item's events: the checkpoint predates state \
                 proofs"
            .into(),
    }
}
