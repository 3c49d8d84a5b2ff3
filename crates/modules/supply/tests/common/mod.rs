//! A five-tier apparel chain as EPCIS 2.0 events — cotton farm → gin → spinner → garment
//! factory → brand — with a second, separate line of goods beside it, so that tests can
//! tell what a finding must reach from what it must not.
//!
//! ```text
//! farm-1: C1 ─ gin: B1 ─ spinner-1: Y1 ─┬─ factory: G1a ─ P1 (pallet, with G2) ─ brand: R1
//!                                       └─ factory: G1b ─────────────────────── brand: R3
//! farm-2: C2 ─ gin: B2 ─ spinner-2: Y2 ─── factory: G2 ─┬─ P1
//!                                                       └─ P2 (pallet) ─ brand: R2
//! ```
//!
//! Y1 is split into two garment lots (G1a, G1b); pallet P1 holds G1a and G2; the brand
//! unpacks the pallets and relabels each garment lot as a retail lot.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::Role;
use unchain_supply::SupplyModule;
use unchain_supply::client::capture_body;
use unchain_testkit::{Chain, Org};
use unchain_types::TxId;

/// Company prefix of every identifier here.
const CP: &str = "4012345";

/// The SGLN URN of location `n` (5-digit location reference).
pub fn site(n: u32) -> String {
    format!("urn:epc:id:sgln:{CP}.{n:05}.0")
}

/// The facility id the ledger keeps for location `n` (its GLN's Digital Link).
pub fn facility(n: u32) -> String {
    let digits = format!("{CP}{n:05}");
    format!("https://id.gs1.org/414/{digits}{}", check(&digits))
}

/// GS1 check digit of `digits`.
fn check(digits: &str) -> u8 {
    unchain_epcis::gs1::check_digit(digits).expect("digits")
}

/// Item reference (with indicator digit) of each product.
fn item_ref(product: &str) -> &'static str {
    match product {
        "cotton" => "010001",
        "bale" => "010002",
        "yarn" => "010003",
        "garment" => "010004",
        "retail" => "010005",
        _ => "010009",
    }
}

/// The LGTIN URN of `product`'s lot `lot`.
pub fn lot(product: &str, lot: &str) -> String {
    format!("urn:epc:class:lgtin:{CP}.{}.{lot}", item_ref(product))
}

/// The Digital Link the ledger keeps for that lot.
pub fn lot_node(product: &str, lot: &str) -> String {
    let gtin13 = format!("{}{CP}{}", &item_ref(product)[..1], &item_ref(product)[1..]);
    format!("https://id.gs1.org/01/{gtin13}{}/10/{lot}", check(&gtin13))
}

/// The SSCC URN of pallet `n`.
pub fn pallet(n: u32) -> String {
    format!("urn:epc:id:sscc:{CP}.{n:010}")
}

/// The Digital Link the ledger keeps for pallet `n`.
pub fn pallet_node(n: u32) -> String {
    let digits = format!("0{CP}{n:09}");
    format!("https://id.gs1.org/00/{digits}{}", check(&digits))
}

fn time(day: u32) -> String {
    format!("2026-03-{day:02}T08:00:00.000Z")
}

fn qty(class: &str) -> Value {
    json!({"epcClass": class, "quantity": 100, "uom": "KGM"})
}

/// An ObjectEvent ADD: `lots` commissioned at `loc` on `day`.
pub fn commission(day: u32, loc: u32, lots: &[&str]) -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": time(day),
        "eventTimeZoneOffset": "+07:00",
        "epcList": [],
        "action": "ADD",
        "bizStep": "commissioning",
        "quantityList": lots.iter().map(|l| qty(l)).collect::<Vec<_>>(),
        "readPoint": {"id": site(loc)},
        "bizLocation": {"id": site(loc)},
    })
}

/// A TransformationEvent at `loc` on `day`.
pub fn transform(day: u32, loc: u32, inputs: &[&str], outputs: &[&str]) -> Value {
    json!({
        "type": "TransformationEvent",
        "eventTime": time(day),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "inputQuantityList": inputs.iter().map(|l| qty(l)).collect::<Vec<_>>(),
        "outputQuantityList": outputs.iter().map(|l| qty(l)).collect::<Vec<_>>(),
        "readPoint": {"id": site(loc)},
        "bizLocation": {"id": site(loc)},
    })
}

/// An AggregationEvent: `lots` packed into (ADD) or unpacked from (DELETE) `parent`.
pub fn aggregate(day: u32, loc: u32, action: &str, parent: &str, lots: &[&str]) -> Value {
    json!({
        "type": "AggregationEvent",
        "eventTime": time(day),
        "eventTimeZoneOffset": "+07:00",
        "parentID": parent,
        "childEPCs": [],
        "action": action,
        "bizStep": if action == "ADD" { "packing" } else { "unpacking" },
        "childQuantityList": lots.iter().map(|l| qty(l)).collect::<Vec<_>>(),
        "readPoint": {"id": site(loc)},
        "bizLocation": {"id": site(loc)},
    })
}

/// An ObjectEvent OBSERVE: `epcs` shipped from or received at `loc`.
pub fn observe(day: u32, loc: u32, step: &str, epcs: &[&str]) -> Value {
    json!({
        "type": "ObjectEvent",
        "eventTime": time(day),
        "eventTimeZoneOffset": "+07:00",
        "epcList": epcs,
        "action": "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": site(loc)},
    })
}

/// Location numbers.
pub const FARM_1: u32 = 1;
/// The second farm.
pub const FARM_2: u32 = 2;
/// The gin (both lines).
pub const GIN: u32 = 3;
/// The spinner the inspector visits.
pub const SPINNER_1: u32 = 4;
/// The other spinner.
pub const SPINNER_2: u32 = 5;
/// The garment factory (both lines).
pub const FACTORY: u32 = 6;
/// The brand's distribution centre.
pub const BRAND: u32 = 7;

/// The chain's events, in the order they happened.
pub fn apparel_chain() -> Vec<Value> {
    let (c1, c2) = (lot("cotton", "C1"), lot("cotton", "C2"));
    let (b1, b2) = (lot("bale", "B1"), lot("bale", "B2"));
    let (y1, y2) = (lot("yarn", "Y1"), lot("yarn", "Y2"));
    let (g1a, g1b, g2) = (
        lot("garment", "G1a"),
        lot("garment", "G1b"),
        lot("garment", "G2"),
    );
    let (p1, p2) = (pallet(1), pallet(2));
    vec![
        commission(1, FARM_1, &[&c1]),
        commission(1, FARM_2, &[&c2]),
        transform(2, GIN, &[&c1], &[&b1]),
        transform(2, GIN, &[&c2], &[&b2]),
        transform(4, SPINNER_1, &[&b1], &[&y1]),
        transform(4, SPINNER_2, &[&b2], &[&y2]),
        transform(6, FACTORY, &[&y1], &[&g1a, &g1b]),
        transform(6, FACTORY, &[&y2], &[&g2]),
        aggregate(7, FACTORY, "ADD", &p1, &[&g1a, &g2]),
        aggregate(7, FACTORY, "ADD", &p2, &[&g2]),
        observe(8, FACTORY, "shipping", &[&p1, &p2]),
        observe(10, BRAND, "receiving", &[&p1, &p2]),
        aggregate(10, BRAND, "DELETE", &p1, &[&g1a, &g2]),
        aggregate(10, BRAND, "DELETE", &p2, &[&g2]),
        transform(11, BRAND, &[&g1a], &[&lot("retail", "R1")]),
        transform(11, BRAND, &[&g2], &[&lot("retail", "R2")]),
        transform(11, BRAND, &[&g1b], &[&lot("retail", "R3")]),
    ]
}

/// The goods nodes a finding at spinner 1 must reach, and how (`true`: direct).
pub fn reached_from_spinner_1() -> Vec<(String, bool)> {
    vec![
        (lot_node("yarn", "Y1"), true),
        (lot_node("garment", "G1a"), true),
        (lot_node("garment", "G1b"), true),
        (pallet_node(1), false),
        (lot_node("retail", "R1"), true),
        (lot_node("retail", "R3"), true),
    ]
}

/// Goods nodes of the chain a finding at spinner 1 must not reach.
pub fn not_reached_from_spinner_1() -> Vec<String> {
    vec![
        lot_node("cotton", "C1"),
        lot_node("cotton", "C2"),
        lot_node("bale", "B1"),
        lot_node("bale", "B2"),
        lot_node("yarn", "Y2"),
        lot_node("garment", "G2"),
        pallet_node(2),
        lot_node("retail", "R2"),
    ]
}

const CHAIN: &str = "supply-test";

/// A chain of three members with a second validator beside the first, and the chain's
/// facilities registered (the spinner by its operator).
pub struct World {
    pub chain: Chain,
    pub brand: Org,
    pub spinner: Org,
    pub inspector: Org,
    pub _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A new world.
pub fn world() -> World {
    let brand = Org::new(CHAIN, 1, "brand", &[Role::Governance, Role::Supply]);
    let spinner = Org::new(CHAIN, 2, "spinner-co", &[Role::Supply]);
    let inspector = Org::new(CHAIN, 3, "labour-inspectorate", &[Role::Supply]);
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let modules = |_: &_| vec![Arc::new(SupplyModule) as Arc<dyn unchain_ledger::AnyModule>];
    let mut chain = Chain::new(dirs.0.path(), &[&brand, &spinner, &inspector], modules);
    chain.add_replica(dirs.1.path(), modules);
    let mut w = World {
        chain,
        brand,
        spinner,
        inspector,
        _dirs: dirs,
    };
    for (n, sector) in [
        (FARM_1, "cotton-farming"),
        (FARM_2, "cotton-farming"),
        (GIN, "ginning"),
        (SPINNER_2, "spinning"),
        (FACTORY, "garment-making"),
        (BRAND, "distribution"),
    ] {
        let tx = w
            .brand
            .tx("supply.facility", facility_body(n, sector, None));
        w.chain.ok(&tx);
    }
    let tx = w.spinner.tx(
        "supply.facility",
        facility_body(SPINNER_1, "spinning", Some("spinner-co")),
    );
    w.chain.ok(&tx);
    w
}

/// A `supply.facility` body for location `n`.
pub fn facility_body(n: u32, sector: &str, operator: Option<&str>) -> Value {
    let mut b = json!({
        "id": site(n),
        "name": format!("Site {n}"),
        "country": "TH",
        "sector": sector,
    });
    if let Some(op) = operator {
        b["operator"] = json!(op);
    }
    b
}

/// Captures `events` as the brand.
pub fn capture(w: &mut World, events: &[Value]) -> TxId {
    let tx = w
        .brand
        .tx("supply.capture", capture_body(events, &Value::Null));
    w.chain.ok(&tx)
}

/// The inspectorate's finding at spinner 1.
pub fn spinner_finding(w: &mut World) -> TxId {
    let tx = w.inspector.tx(
        "supply.finding",
        json!({
            "target": {"facility": site(SPINNER_1)},
            "indicator": "retention_of_identity_documents",
            "severity": "high",
            "description": "Workers' passports held in the office safe",
            "evidence": {"hash": "ab".repeat(32)},
        }),
    );
    w.chain.ok(&tx)
}
