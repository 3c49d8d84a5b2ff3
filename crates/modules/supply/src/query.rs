//! EPCIS simple event queries over the ledger's events, a page at a time: by the index of the goods
//! they name where the query names exact identifiers, else in capture order.

use crate::state::{self, EventRecord};
use unchain_epcis::event::{Event, parse_event};
use unchain_epcis::query::{Pattern, Query};
use unchain_ledger::state::StateRead;

/// One page of a query's results.
#[derive(Debug)]
pub struct Page {
    /// The matching events, in capture order.
    pub events: Vec<EventRecord>,
    /// The token of the next page (the place in the stream to go on after), if any event
    /// is left to examine.
    pub next: Option<u64>,
}

/// Up to `per_page` events matching `q` after place `after` of the event stream, having
/// examined at most `max_examined` stored events.
pub fn page(
    state: &impl StateRead,
    q: &Query,
    after: u64,
    per_page: usize,
    max_examined: u64,
) -> Result<Page, redb::StorageError> {
    let candidates: Box<dyn Iterator<Item = u64>> = match indexed(q) {
        Some(ids) => {
            let mut seqs = Vec::new();
            for id in ids {
                seqs.extend(state::events_naming(state, &id)?);
            }
            seqs.sort_unstable();
            seqs.dedup();
            Box::new(seqs.into_iter().filter(move |s| *s > after))
        }
        None => Box::new(after + 1..=state::event_count(state)?),
    };
    let mut events = Vec::new();
    let mut examined = 0;
    let mut last = after;
    let mut candidates = candidates.peekable();
    for seq in candidates.by_ref() {
        examined += 1;
        last = seq;
        if let Some(record) = state::event_at(state, seq)?
            && matches(q, &record)
        {
            events.push(record);
        }
        if events.len() == per_page || examined == max_examined {
            break;
        }
    }
    let next = candidates.peek().is_some().then_some(last);
    Ok(Page { events, next })
}

/// Whether an event parsed from state matches (an unreadable one never does).
pub fn matches(q: &Query, record: &EventRecord) -> bool {
    parse_event(&record.event, "").is_ok_and(|e: Event| q.matches(&e))
}

/// The exact identifiers of the query's identifier filters, where one filter lists only
/// exact values: a page then walks only the events that name them.
pub fn indexed(q: &Query) -> Option<Vec<String>> {
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
