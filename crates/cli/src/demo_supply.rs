//! The demo's supply chain: a UK apparel brand (`gb-threads`, admitted to the consortium
//! by a 3-of-4 vote with the supply role alone; it runs no node and submits through
//! Thailand's) traces two lines of T-shirts through five tiers — cotton
//! farm → gin → spinner → garment factory → the brand's distribution centre — as EPCIS 2.0
//! events. Thailand's DSI audits the first spinner, finds workers' passports held, and its
//! finding reaches the brand's retail lots; the brand files a corrective-action plan and DSI
//! verifies it, which clears them. A second finding, excessive overtime at the other line's
//! spinner, stays open. Every company and place is invented.

use crate::session::{Session, Who};
use anyhow::Context as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use unchain_client::Client;

/// What the guide points to.
pub struct SupplySeeded {
    /// The public page of the lot whose finding was remediated.
    pub remediated_page: String,
    /// The public page of the lot an open finding reaches.
    pub flagged_page: String,
    /// The lot an open finding reaches, as an EPC URN (for `unchain supply trace`).
    pub flagged_lot: String,
}

const CP: &str = "5012345";

fn site(n: u32) -> String {
    format!("urn:epc:id:sgln:{CP}.{n:05}.0")
}

fn lot(item: &str, lot: &str) -> String {
    format!("urn:epc:class:lgtin:{CP}.{item}.{lot}")
}

fn qty(class: &str, kg: &str) -> Value {
    json!({"epcClass": class, "quantity": kg.parse::<f64>().unwrap_or(1.0), "uom": "KGM"})
}

fn event(kind: &str, day: u32, loc: u32, step: &str, extra: Value) -> Value {
    let mut e = json!({
        "type": kind,
        "eventTime": format!("2026-09-{day:02}T09:00:00+07:00"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": step,
        "readPoint": {"id": site(loc)},
        "bizLocation": {"id": site(loc)},
    });
    for (k, v) in extra.as_object().expect("object") {
        e[k] = v.clone();
    }
    e
}

fn make(day: u32, loc: u32, inputs: &[(&str, &str)], outputs: &[(&str, &str)]) -> Value {
    let list = |l: &[(&str, &str)]| l.iter().map(|(c, q)| qty(c, q)).collect::<Vec<_>>();
    event(
        "TransformationEvent",
        day,
        loc,
        "commissioning",
        json!({
        "inputQuantityList": list(inputs), "outputQuantityList": list(outputs)}),
    )
}

/// The facilities: (location, name, country, sector).
const FACILITIES: [(u32, &str, &str, &str); 7] = [
    (1, "Sunfield Cotton Cooperative", "IN", "cotton-farming"),
    (2, "Deccan Ginning Works", "IN", "ginning"),
    (3, "Riverbend Spinning Mill", "TH", "spinning"),
    (4, "Hillside Yarns", "TH", "spinning"),
    (5, "Lotus Garment Factory", "TH", "garment-making"),
    (6, "Threads UK distribution centre", "GB", "distribution"),
    (7, "Kaveri Organic Farms", "IN", "cotton-farming"),
];

/// Admits the brand: a new key file in `dir/keys/gb-threads.json`, proposed by th-dsi and
/// approved by ng-naptip and ph-iacat.
/// Admits a member by the demo's 3-of-4 vote (the first organisation proposes, the next two
/// approve), with a fresh key file in `dir/keys/{name}.json`; the key file's path.
pub(crate) async fn admit(
    dir: &Path,
    key_files: &[(String, PathBuf)],
    clients: &[Client],
    member: (&str, &str, &str, &[&str]),
    reason: &str,
) -> anyhow::Result<PathBuf> {
    let (name, display_name, jurisdiction, roles) = member;
    let keys = unchain_types::KeyFile::generate(name, &mut rand::thread_rng());
    let path = dir.join("keys").join(format!("{name}.json"));
    crate::setup::write_key_file(&path, &keys)?;
    let member = json!({
        "name": name, "display_name": display_name, "jurisdiction": jurisdiction,
        "roles": roles, "signing_key": keys.signing_key()?.public_key().to_hex(),
        "encryption_key": keys.encryption_key()?.public_key().to_hex(), "validator": false
    });
    let client = &clients[0];
    let signing = |i: usize| -> anyhow::Result<unchain_types::SigningKey> {
        Ok(unchain_node::run::load_keys(&key_files[i].1)?.signing_key()?)
    };
    let propose = client
        .build(
            &signing(0)?,
            "membership.propose",
            json!({"change": {"action": "add", "member": member}, "reason": reason}),
        )
        .await?;
    client.submit(&propose).await?;
    client
        .wait_for(&propose.id(), Duration::from_secs(30))
        .await?;
    for i in 1..3 {
        let approve = client
            .build(
                &signing(i)?,
                "membership.approve",
                json!({"proposal": propose.id().to_string()}),
            )
            .await?;
        client.submit(&approve).await?;
        client
            .wait_for(&approve.id(), Duration::from_secs(30))
            .await?;
    }
    Ok(path)
}

/// Seeds the chain: admits the brand, then th-dsi (`key_files[0]`) inspects; both submit
/// through `clients[0]`.
pub async fn seed_supply(
    dir: &Path,
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<SupplySeeded> {
    let brand_key = admit(
        dir,
        key_files,
        clients,
        (
            "gb-threads",
            "Threads UK (apparel brand)",
            "GB",
            &["supply"],
        ),
        "traces its cotton supply chain on the ledger",
    )
    .await
    .context("admitting the brand")?;
    let node = clients[0].base().to_owned();
    let brand = Session::open(&Who {
        key: brand_key,
        node: node.clone(),
        actor: "u-threads-sourcing".into(),
    })
    .await?;
    let dsi = Session::open(&Who {
        key: key_files[0].1.clone(),
        node,
        actor: "u-dsi-labour".into(),
    })
    .await?;
    for (n, name, country, sector) in FACILITIES {
        brand
            .submit_quiet(
                "supply.facility",
                json!({"id": site(n), "name": name, "country": country, "sector": sector}),
            )
            .await
            .with_context(|| format!("registering {name}"))?;
    }
    let (c1, c2) = (lot("010001", "IN-26-C1"), lot("010001", "IN-26-C2"));
    let (b1, b2) = (lot("010002", "DG-2609-B1"), lot("010002", "DG-2609-B2"));
    let (y1, y2) = (lot("010003", "RB-Y1"), lot("010003", "HY-Y2"));
    let (g1, g2, g3) = (
        lot("010004", "LT-G1"),
        lot("010004", "LT-G2"),
        lot("010004", "LT-G3"),
    );
    let (r1, r2, r3) = (
        lot("010005", "TS-R1"),
        lot("010005", "TS-R2"),
        lot("010005", "TS-R3"),
    );
    let pallet = format!("urn:epc:id:sscc:{CP}.0000000042");
    let events = vec![
        event(
            "ObjectEvent",
            1,
            1,
            "commissioning",
            json!({"action": "ADD", "epcList": [], "quantityList": [qty(&c1, "2400")]}),
        ),
        event(
            "ObjectEvent",
            1,
            7,
            "commissioning",
            json!({"action": "ADD", "epcList": [], "quantityList": [qty(&c2, "1800")]}),
        ),
        make(3, 2, &[(&c1, "2400")], &[(&b1, "850.5")]),
        make(3, 2, &[(&c2, "1800")], &[(&b2, "640")]),
        make(6, 3, &[(&b1, "850.5")], &[(&y1, "780")]),
        make(6, 4, &[(&b2, "640")], &[(&y2, "590")]),
        make(9, 5, &[(&y1, "780")], &[(&g1, "410"), (&g2, "350")]),
        make(9, 5, &[(&y2, "590")], &[(&g3, "560")]),
        event(
            "AggregationEvent",
            10,
            5,
            "packing",
            json!({"action": "ADD", "parentID": pallet, "childEPCs": [],
            "childQuantityList": [qty(&g1, "410"), qty(&g3, "560")]}),
        ),
        event(
            "ObjectEvent",
            11,
            5,
            "shipping",
            json!({"action": "OBSERVE", "epcList": [pallet]}),
        ),
        event(
            "ObjectEvent",
            24,
            6,
            "receiving",
            json!({"action": "OBSERVE", "epcList": [pallet]}),
        ),
        event(
            "AggregationEvent",
            24,
            6,
            "unpacking",
            json!({"action": "DELETE", "parentID": pallet, "childEPCs": [],
            "childQuantityList": [qty(&g1, "410"), qty(&g3, "560")]}),
        ),
        make(25, 6, &[(&g1, "410")], &[(&r1, "410")]),
        make(25, 6, &[(&g2, "350")], &[(&r2, "350")]),
        make(25, 6, &[(&g3, "560")], &[(&r3, "560")]),
    ];
    brand
        .submit_quiet(
            "supply.capture",
            unchain_supply::client::capture_body(&events, &Value::Null),
        )
        .await
        .context("capturing the chain")?;
    dsi.submit_quiet("supply.audit", json!({"facility": site(3), "standard": "Thai Labour Standard TLS 8001",
        "scope": "recruitment, wages, documents, working hours", "from": "2026-10-01", "to": "2026-10-02", "outcome": "critical"}))
        .await?;
    let evidence =
        unchain_types::Hash32::digest(b"FICTIONAL DEMO: inspection report DSI-LAB-2026-117");
    let finding = dsi
        .submit_quiet(
            "supply.finding",
            json!({"target": {"facility": site(3)}, "indicator": "retention_of_identity_documents",
            "severity": "high", "description": "Migrant workers' passports kept in the mill office",
            "evidence": {"hash": evidence.to_hex()}}),
        )
        .await
        .context("the finding at the spinner")?;
    brand
        .submit_quiet("supply.plan", json!({"finding": finding.id, "actions": "Passports returned to every worker; personal lockers fitted; policy signed by the mill",
            "due": "2026-11-15"}))
        .await?;
    dsi.submit_quiet(
        "supply.verify",
        json!({"finding": finding.id, "verified": true,
        "note": "Follow-up visit: lockers in use, passports held by workers"}),
    )
    .await?;
    dsi.submit_quiet("supply.finding", json!({"target": {"facility": site(4)}, "indicator": "excessive_overtime",
        "severity": "medium", "description": "Shifts of 14 hours, seven days a week, in peak season",
        "evidence": {"hash": unchain_types::Hash32::digest(b"FICTIONAL DEMO: time records").to_hex()}}))
        .await?;
    let base = clients[0].base();
    let gtin13 = format!("0{CP}10005");
    let check = unchain_epcis::gs1::check_digit(&gtin13).unwrap_or(0);
    let page = |l: &str| format!("{base}/01/{gtin13}{check}/10/{l}");
    Ok(SupplySeeded {
        remediated_page: page("TS-R1"),
        flagged_page: page("TS-R3"),
        flagged_lot: r3,
    })
}
