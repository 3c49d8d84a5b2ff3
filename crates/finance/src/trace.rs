//! Following money: from an account forward (where did its money go?) or backward (where
//! did the money it received come from?), hop by hop, with the amount of the traced money
//! each transaction carried.
//!
//! Each account the trace reaches is a pool. **Proportional** attribution: a payment out
//! carries traced money in the share the pool holds at that moment. **FIFO**: payments
//! out take the oldest money in first. Money the account already held before the data
//! begins is not seen; a payment out of an empty pool carries none of the traced money.
//! Only payments within `window_s` after the traced money first arrived count. Backward
//! tracing applies the same rules with time reversed: an account's payments in, latest
//! first, are attributed to the traced payments it made afterwards.

use crate::graph::Graph;
use crate::input::Amount;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Which way to follow the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Where it went.
    Forward,
    /// Where it came from.
    Backward,
}

/// How a pool's payments are attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    /// In proportion to what the pool holds.
    Proportional,
    /// Oldest money first.
    Fifo,
}

/// What to trace.
#[derive(Debug, Clone, Copy)]
pub struct TraceSpec {
    /// The account.
    pub start: u32,
    /// Which way.
    pub direction: Direction,
    /// How many hops.
    pub hops: usize,
    /// How.
    pub attribution: Attribution,
    /// How long after the traced money arrives a payment still counts, seconds.
    pub window_s: i64,
}

/// One transaction the traced money moved through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The edge.
    pub edge: u32,
    /// The hop it was first reached at (1: the start account's own payments).
    pub hop: usize,
    /// The traced money it carried, in millionths.
    pub traced: Amount,
}

/// One money event at an account, in the trace's time (reversed when going backward).
struct Event {
    t: i64,
    edge: u32,
    amount: Amount,
    /// Money coming into the pool (`Some(traced part)`), or going out (`None`).
    source: Option<Amount>,
}

/// Attributes the pool's outgoing events; returns `(edge, traced)` for those carrying some.
fn attribute(mut events: Vec<Event>, how: Attribution, window: i64) -> Vec<(u32, Amount)> {
    events.sort_by_key(|e| (e.t, e.source.is_none(), e.edge));
    let first = events
        .iter()
        .find(|e| e.source.is_some_and(|x| x > 0))
        .map(|e| e.t);
    let Some(first) = first else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut total, mut traced) = (0i128, 0i128);
    let mut lots: VecDeque<(Amount, Amount)> = VecDeque::new();
    for e in events {
        match e.source {
            Some(x) => {
                total += e.amount as i128;
                traced += x as i128;
                lots.push_back((e.amount, x));
            }
            None => {
                if e.t <= first || e.t - first > window || total <= 0 {
                    continue;
                }
                let take = (e.amount as i128).min(total);
                let carried = match how {
                    Attribution::Proportional => take * traced / total,
                    Attribution::Fifo => {
                        let (mut left, mut c) = (take, 0i128);
                        while left > 0 {
                            let Some((amt, x)) = lots.front_mut() else {
                                break;
                            };
                            let used = left.min(*amt as i128);
                            let part = used * (*x as i128) / (*amt as i128).max(1);
                            c += part;
                            *x -= part as Amount;
                            *amt -= used as Amount;
                            left -= used;
                            if *amt == 0 {
                                lots.pop_front();
                            }
                        }
                        c
                    }
                };
                total -= take;
                traced -= carried;
                if carried > 0 {
                    out.push((e.edge, carried as Amount));
                }
            }
        }
    }
    out
}

/// Traces `spec` through `g`: every transaction the traced money moved through, by hop.
pub fn trace(g: &Graph, spec: &TraceSpec) -> Vec<Step> {
    let forward = spec.direction == Direction::Forward;
    let mut steps: BTreeMap<u32, Step> = BTreeMap::new();
    // Hop 1: every payment of the start account (in the direction), all of it traced.
    let first: Vec<u32> = if forward {
        g.out_edges(spec.start).map(|e| e as u32).collect()
    } else {
        g.in_edges(spec.start).to_vec()
    };
    let mut frontier = BTreeSet::new();
    for e in first {
        steps.insert(
            e,
            Step {
                edge: e,
                hop: 1,
                traced: g.amount[e as usize],
            },
        );
        let next = if forward {
            g.to[e as usize]
        } else {
            g.from[e as usize]
        };
        if next != spec.start {
            frontier.insert(next);
        }
    }
    let mut seen: BTreeSet<u32> = [spec.start].into();
    for hop in 2..=spec.hops {
        let mut next_frontier = BTreeSet::new();
        for &a in &frontier {
            seen.insert(a);
            let (sources, sinks): (Vec<u32>, Vec<u32>) = if forward {
                (
                    g.in_edges(a).to_vec(),
                    g.out_edges(a).map(|e| e as u32).collect(),
                )
            } else {
                (
                    g.out_edges(a).map(|e| e as u32).collect(),
                    g.in_edges(a).to_vec(),
                )
            };
            let t = |e: u32| {
                if forward {
                    g.ts[e as usize]
                } else {
                    -g.ts[e as usize]
                }
            };
            let mut events: Vec<Event> = sources
                .iter()
                .map(|&e| Event {
                    t: t(e),
                    edge: e,
                    amount: g.amount[e as usize],
                    source: Some(steps.get(&e).map(|s| s.traced).unwrap_or(0)),
                })
                .collect();
            events.extend(sinks.iter().map(|&e| Event {
                t: t(e),
                edge: e,
                amount: g.amount[e as usize],
                source: None,
            }));
            for (e, traced) in attribute(events, spec.attribution, spec.window_s) {
                let step = steps.entry(e).or_insert(Step {
                    edge: e,
                    hop,
                    traced: 0,
                });
                step.traced = step.traced.max(traced);
                let next = if forward {
                    g.to[e as usize]
                } else {
                    g.from[e as usize]
                };
                if !seen.contains(&next) {
                    next_frontier.insert(next);
                }
            }
        }
        frontier = next_frontier;
    }
    let mut out: Vec<Step> = steps.into_values().collect();
    out.sort_by_key(|s| (s.hop, g.ts[s.edge as usize], s.edge));
    out
}
