//! EPCIS simple event queries over the ledger's events, a page at a time.
//!
//! A page walks one list of candidate events in capture order and keeps those the query
//! matches ([`Query::matches`], on the event read back). The list is the narrowest the
//! query allows ([`plan`]): the events that name its exact identifiers; else those with its
//! one business location, disposition, business step or event type (the `ix/` indexes,
//! whose entries carry the event time, so a time window is applied before an event is
//! read); else the whole stream. The next page goes on after the last event examined.

use crate::state::{self, EventRecord, SPACE};
use unchain_epcis::event::{Event, parse_event};
use unchain_epcis::query::{Pattern, Query};
use unchain_ledger::state::{StateRead, decode};

/// One page of a query's results.
#[derive(Debug)]
pub struct Page {
    /// The matching events, in capture order.
    pub events: Vec<EventRecord>,
    /// The token of the next page (the place in the stream to go on after), if any event
    /// is left to examine.
    pub next: Option<u64>,
}

/// The fields indexed under `ix/{field}/{value}\0{seq}`, each with the event's value.
pub fn index_values(e: &Event) -> Vec<(&'static str, String)> {
    let mut out = vec![("type", e.event_type.as_str().to_owned())];
    if let Some(l) = &e.biz_location {
        out.push(("loc", l.canonical()));
    }
    if let Some(d) = &e.disposition {
        out.push(("disp", d.clone()));
    }
    if let Some(s) = &e.biz_step {
        out.push(("step", s.clone()));
    }
    out
}

/// The key of an index entry.
pub(crate) fn ix_key(field: &str, value: &str, seq: u64) -> Vec<u8> {
    SPACE.key(format_args!("ix/{field}/{value}\0{seq:020}"))
}

/// Which candidates a query walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The events that name these goods (the union).
    Goods(Vec<String>),
    /// The events under one index entry: field and value.
    Index(&'static str, String),
    /// Every event.
    Stream,
}

/// The narrowest list of candidates for `q`.
pub fn plan(q: &Query) -> Plan {
    if let Some(ids) = exact_ids(q) {
        return Plan::Goods(ids);
    }
    let one = |v: &[String]| (v.len() == 1).then(|| v[0].clone());
    if let Some(l) = one(&q.biz_locations) {
        return Plan::Index("loc", l);
    }
    if let Some(d) = one(&q.dispositions) {
        return Plan::Index("disp", d);
    }
    if let Some(s) = one(&q.biz_steps) {
        return Plan::Index("step", s);
    }
    if let [t] = q.event_types.as_slice() {
        return Plan::Index("type", t.as_str().to_owned());
    }
    Plan::Stream
}

/// Candidates read from storage at a time.
const BATCH: usize = 1_000;

/// Up to `per_page` events matching `q` after place `after` of the event stream, having
/// examined at most `max_examined` candidates.
pub fn page(
    state: &impl StateRead,
    q: &Query,
    after: u64,
    per_page: usize,
    max_examined: u64,
) -> Result<Page, redb::StorageError> {
    let in_window = |t: i64| q.from_ms.is_none_or(|f| t >= f) && q.until_ms.is_none_or(|u| t < u);
    let mut events = Vec::new();
    let mut examined = 0u64;
    let mut last = after;
    let mut more = true;
    let plan = plan(q);
    let goods: Option<Vec<u64>> = match &plan {
        Plan::Goods(ids) => {
            let mut seqs = Vec::new();
            for id in ids {
                seqs.extend(state::events_naming(state, id)?);
            }
            seqs.sort_unstable();
            seqs.dedup();
            seqs.retain(|s| *s > after);
            Some(seqs)
        }
        _ => None,
    };
    let mut cursor = 0;
    while more && events.len() < per_page && examined < max_examined {
        // The next batch of candidates: (place in the stream, event time if known).
        let batch: Vec<(u64, Option<i64>)> = match (&plan, &goods) {
            (_, Some(seqs)) => {
                let end = (cursor + BATCH).min(seqs.len());
                let b = seqs[cursor..end].iter().map(|s| (*s, None)).collect();
                cursor = end;
                b
            }
            (Plan::Index(field, value), None) => {
                let prefix = SPACE.key(format_args!("ix/{field}/{value}\0"));
                state
                    .scan_page(&prefix, &ix_key(field, value, last), BATCH)?
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let seq = std::str::from_utf8(&k[prefix.len()..]).ok()?.parse().ok()?;
                        Some((seq, Some(decode::<i64>(&v))))
                    })
                    .collect()
            }
            _ => {
                let count = state::event_count(state)?;
                (last + 1..=count.min(last + BATCH as u64))
                    .map(|s| (s, None))
                    .collect()
            }
        };
        if batch.is_empty() {
            more = false;
        }
        for (seq, time) in batch {
            if events.len() == per_page || examined == max_examined {
                break;
            }
            examined += 1;
            last = seq;
            if time.is_some_and(|t| !in_window(t)) {
                continue;
            }
            if let Some(record) = state::event_at(state, seq)?
                && matches(q, &record)
            {
                events.push(record);
            }
        }
    }
    let next = if more {
        has_after(state, &plan, goods.as_deref(), last)?
    } else {
        false
    };
    Ok(Page {
        events,
        next: next.then_some(last),
    })
}

/// Whether any candidate of `plan` comes after place `last`.
fn has_after(
    state: &impl StateRead,
    plan: &Plan,
    goods: Option<&[u64]>,
    last: u64,
) -> Result<bool, redb::StorageError> {
    Ok(match (plan, goods) {
        (_, Some(seqs)) => seqs.iter().any(|s| *s > last),
        (Plan::Index(field, value), None) => {
            let prefix = SPACE.key(format_args!("ix/{field}/{value}\0"));
            !state
                .scan_page(&prefix, &ix_key(field, value, last), 1)?
                .is_empty()
        }
        _ => state::event_count(state)? > last,
    })
}

/// Whether an event parsed from state matches (an unreadable one never does).
pub fn matches(q: &Query, record: &EventRecord) -> bool {
    parse_event(&record.event, "").is_ok_and(|e: Event| q.matches(&e))
}

/// The exact identifiers of the query's identifier filters, where one filter lists only
/// exact values: a page then walks only the events that name them.
pub fn exact_ids(q: &Query) -> Option<Vec<String>> {
    [&q.any, &q.epc, &q.parent, &q.input, &q.output, &q.epc_class]
        .into_iter()
        .filter(|list| !list.is_empty())
        .find_map(|list| {
            list.iter()
                .map(|p| match p {
                    Pattern::Exact(id) => Some(id.clone()),
                    Pattern::Gtin(_) => None,
                })
                .collect()
        })
}
