//! What the supply module costs on a real ledger holding a million EPCIS events and
//! 100 000 lots in five tiers (each lot above the first made from two lots of the tier
//! below), the rest of the events being shipments of those lots:
//!
//! - `capture_block`: one block with four `supply.capture`s of 250 new events each;
//! - `finding`: one finding at a second-tier facility, spread to every lot downstream;
//! - `query_*`: one page of an EPCIS simple event query (by lot, through the goods index;
//!   by business step, scanning in capture order; events of one type in a time window).
//!
//! - then, outside criterion, 1 000 queries of each of four kinds with random values, timed
//!   one by one: their p50 and p99.
//!
//! `SUPPLY_BENCH_EVENTS` sets the number of events (default 1 000 000; at least 100 000).
#![allow(missing_docs)]
// A benchmark reads the clock and its settings; execution, which it measures, never does.
#![allow(clippy::disallowed_methods)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use unchain_epcis::query::Query;
use unchain_ledger::Role;
use unchain_supply::SupplyModule;
use unchain_supply::client::capture_body;
use unchain_testkit::{Chain, Org};

const TIERS: usize = 5;
const LOTS_PER_TIER: usize = 20_000;
const FACILITIES_PER_TIER: usize = 200;
/// Events per `supply.capture` (a transaction holds at most 256 KiB).
const PER_TX: usize = 250;

fn site(n: usize) -> String {
    format!("urn:epc:id:sgln:4012345.{n:05}.0")
}

fn lot(tier: usize, i: usize) -> String {
    format!("urn:epc:class:lgtin:4012345.0{:05}.L{i}", 10_000 + tier)
}

fn time(second: usize) -> String {
    let t = 1_767_225_600 + second as i64; // 2026-01-01
    let dt = time::OffsetDateTime::from_unix_timestamp(t).expect("time");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

fn qty(class: &str) -> Value {
    json!({"epcClass": class, "quantity": 10, "uom": "KGM"})
}

/// The `k`-th event of the generated chain.
fn event(k: usize) -> Value {
    let lots = TIERS * LOTS_PER_TIER;
    if k < LOTS_PER_TIER {
        return json!({"type": "ObjectEvent", "eventTime": time(k), "eventTimeZoneOffset": "+00:00",
            "action": "ADD", "epcList": [], "bizStep": "commissioning", "quantityList": [qty(&lot(0, k))],
            "bizLocation": {"id": site(k % FACILITIES_PER_TIER)}});
    }
    if k < lots {
        let (tier, i) = (k / LOTS_PER_TIER, k % LOTS_PER_TIER);
        let a = (i * 7_919) % LOTS_PER_TIER;
        let b = (i * 104_729 + 13) % LOTS_PER_TIER;
        return json!({"type": "TransformationEvent", "eventTime": time(k), "eventTimeZoneOffset": "+00:00",
            "bizStep": "commissioning",
            "inputQuantityList": [qty(&lot(tier - 1, a)), qty(&lot(tier - 1, b))],
            "outputQuantityList": [qty(&lot(tier, i))],
            "bizLocation": {"id": site(tier * 1_000 + i % FACILITIES_PER_TIER)}});
    }
    json!({"type": "ObjectEvent", "eventTime": time(k), "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE", "epcList": [], "bizStep": "shipping", "quantityList": [qty(&lot(4, k % LOTS_PER_TIER))],
        "readPoint": {"id": site(9_000 + k % 50)}})
}

struct World {
    chain: Chain,
    org: Org,
    next: usize,
    _dir: tempfile::TempDir,
}

fn world(events: usize) -> World {
    let dir = tempfile::tempdir().expect("tmp");
    let org = Org::new(
        "supply-bench",
        1,
        "brand",
        &[Role::Governance, Role::Supply],
    );
    let chain = Chain::new(dir.path(), &[&org], |_| vec![Arc::new(SupplyModule)]);
    let mut w = World {
        chain,
        org,
        next: 0,
        _dir: dir,
    };
    let facility = site(1_000 + 7);
    let tx = w.org.tx(
        "supply.facility",
        json!({"id": facility, "name": "Spinner 7", "country": "TH", "sector": "spinning"}),
    );
    w.chain.ok(&tx);
    let started = Instant::now();
    while w.next < events {
        let txs: Vec<_> = (0..10)
            .filter_map(|_| {
                let end = (w.next + PER_TX).min(events);
                if w.next >= end {
                    return None;
                }
                let batch: Vec<Value> = (w.next..end).map(event).collect();
                w.next = end;
                Some(
                    w.org
                        .tx("supply.capture", capture_body(&batch, &Value::Null)),
                )
            })
            .collect();
        let refs: Vec<_> = txs.iter().collect();
        let out = w.chain.apply(&refs);
        assert!(out.iter().all(Option::is_none), "{out:?}");
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let stored = unchain_supply::state::event_count(&reader).expect("count");
    assert_eq!(stored, events as u64, "every event is on the ledger");
    drop(reader);
    eprintln!(
        "set-up: {events} events captured in {:.1} s ({:.0} events/s, blocks of 10 transactions of {PER_TX})",
        started.elapsed().as_secs_f64(),
        events as f64 / started.elapsed().as_secs_f64()
    );
    w
}

fn bench(c: &mut Criterion) {
    let events: usize = std::env::var("SUPPLY_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
        .max(TIERS * LOTS_PER_TIER);
    let mut w = world(events);
    let mut group = c.benchmark_group("supply");
    group.sample_size(10);
    group.bench_function("capture_block_1000_events", |b| {
        b.iter(|| {
            let txs: Vec<_> = (0..1_000 / PER_TX)
                .map(|_| {
                    let batch: Vec<Value> = (w.next..w.next + PER_TX).map(event).collect();
                    w.next += PER_TX;
                    w.org
                        .tx("supply.capture", capture_body(&batch, &Value::Null))
                })
                .collect();
            let refs: Vec<_> = txs.iter().collect();
            assert!(w.chain.apply(&refs).iter().all(Option::is_none));
        })
    });
    let finding = |w: &mut World| {
        w.org.tx(
            "supply.finding",
            json!({
                "target": {"facility": site(1_000 + 7)}, "indicator": "debt_bondage", "severity": "high",
                "description": "bench", "evidence": {"hash": "ab".repeat(32)}}),
        )
    };
    let first = finding(&mut w);
    w.chain.ok(&first);
    let reader = w.chain.ledger.state_reader().expect("state");
    let record = unchain_supply::state::finding(&reader, &first.id())
        .expect("read")
        .expect("the finding");
    eprintln!(
        "one finding at a second-tier facility flags {} nodes",
        record.flagged
    );
    drop(reader);
    group.bench_function("finding_at_a_second_tier_facility", |b| {
        b.iter(|| {
            let tx = finding(&mut w);
            assert_eq!(w.chain.apply(&[&tx])[0], None);
        })
    });
    let reader = w.chain.ledger.state_reader().expect("state");
    let queries = [
        (
            "query_one_lot_by_index",
            format!("MATCH_epcClass={}", lot(2, 4_242)),
        ),
        (
            "query_bizstep_page_of_30",
            "EQ_bizStep=commissioning&perPage=30".to_owned(),
        ),
        (
            "query_worst_page_examines_100000",
            "EQ_bizStep=shipping&perPage=30".to_owned(),
        ),
        (
            "query_type_and_window_page_of_30",
            format!(
                "eventType=TransformationEvent&GE_eventTime={}&perPage=30",
                time(60_000)
            ),
        ),
    ];
    for (name, qs) in queries {
        let pairs: Vec<(&str, &str)> = qs.split('&').filter_map(|p| p.split_once('=')).collect();
        let q = Query::from_pairs(pairs).expect("query");
        group.bench_function(name, |b| {
            b.iter(|| {
                let page = unchain_supply::query::page(
                    &reader,
                    &q,
                    0,
                    q.per_page.unwrap_or(30) as usize,
                    100_000,
                )
                .expect("page");
                // The worst page examines MAX_EXAMINED events and may come back empty, with
                // a next-page token.
                assert!(!page.events.is_empty() || page.next.is_some());
            })
        });
    }
    group.finish();
    latency_mix(&reader, events);
}

/// Makes one query (its string and where its page starts) from a source of random numbers
/// below a bound.
type MakeQuery<'a> = Box<dyn FnMut(&mut dyn FnMut(usize) -> usize) -> (String, u64) + 'a>;

/// Query latency as users meet it: 1 000 queries of each kind, each with other values (a
/// random lot, a random page of a business step, a random time window), timed one by one;
/// prints p50 and p99 per kind.
fn latency_mix(reader: &impl unchain_ledger::state::StateRead, events: usize) {
    // A fixed xorshift: the same mix on every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let kinds: [(&str, MakeQuery<'_>); 4] = [
        (
            "one lot (MATCH_epcClass, goods index)",
            Box::new(|r| {
                (
                    format!("MATCH_epcClass={}", lot(r(TIERS), r(LOTS_PER_TIER))),
                    0,
                )
            }),
        ),
        (
            "page of 30 at a random place, EQ_bizStep=commissioning",
            Box::new(|r| {
                (
                    "EQ_bizStep=commissioning&perPage=30".into(),
                    r(LOTS_PER_TIER) as u64,
                )
            }),
        ),
        (
            "page of 30, eventType=ObjectEvent in a random one-hour window",
            Box::new(|r| {
                let from = r(events);
                (
                    format!(
                        "eventType=ObjectEvent&GE_eventTime={}&LT_eventTime={}&perPage=30",
                        time(from),
                        time(from + 3_600)
                    ),
                    0,
                )
            }),
        ),
        (
            "page of 30 at a random place, EQ_bizLocation (one facility)",
            Box::new(|r| {
                // Tier 0's facilities are sites 0…199, tier t's t·1000…t·1000+199.
                let facility = r(TIERS) * 1_000 + r(FACILITIES_PER_TIER);
                (format!("EQ_bizLocation={}&perPage=30", site(facility)), 0)
            }),
        ),
    ];
    for (name, mut make) in kinds {
        let mut took: Vec<f64> = (0..1_000)
            .map(|_| {
                let (qs, after) = make(&mut next);
                let pairs: Vec<(&str, &str)> =
                    qs.split('&').filter_map(|p| p.split_once('=')).collect();
                let q = Query::from_pairs(pairs).expect("query");
                let t = Instant::now();
                let page =
                    unchain_supply::query::page(reader, &q, after, 30, 100_000).expect("page");
                let ms = t.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(page);
                ms
            })
            .collect();
        took.sort_by(f64::total_cmp);
        eprintln!(
            "latency {name}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (1 000 queries)",
            took[499], took[989], took[999]
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
