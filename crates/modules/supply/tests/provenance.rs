//! The provenance bundle of a brand's retail lot: built from the ledger, it verifies with no
//! network and shows the tiers back to the farm and the open finding at the spinner with
//! its path; after the corrective action is verified it shows the finding remediated and
//! no flag. A tampered bundle is refused naming the entry and what is wrong, and the page
//! rendered from a verified bundle holds no finding's free text.

mod common;

use common::*;
use serde_json::json;
use unchain_supply::bundle::{
    self, NamedKey, ProvenanceBundle, ProvenanceError, VerifiedProvenance,
};
use unchain_supply::report;

fn bundle_of(w: &World, goods: &str) -> ProvenanceBundle {
    let (note, size) = w.chain.checkpoint();
    bundle::build(&w.chain.ledger, goods, note, size)
        .expect("build")
        .expect("the goods are named by an event")
}

fn check(b: &ProvenanceBundle) -> Result<VerifiedProvenance, ProvenanceError> {
    let validators = b.envelope.carried_validators();
    bundle::verify(b, &validators, validators.len(), &b.members)
}

fn world_with_finding() -> (World, unchain_types::TxId) {
    let mut w = world();
    capture(&mut w, &apparel_chain());
    let audit = w.inspector.tx(
        "supply.audit",
        json!({"facility": site(SPINNER_1), "standard": "SA8000", "scope": "labour conditions",
               "from": "2026-03-02", "to": "2026-03-03", "outcome": "critical"}),
    );
    w.chain.ok(&audit);
    let id = spinner_finding(&mut w);
    (w, id)
}

#[test]
fn a_retail_lots_bundle_verifies_and_shows_the_tiers_and_the_finding_that_reaches_it() {
    let (mut w, id) = world_with_finding();
    let r1 = lot_node("retail", "R1");
    let v = check(&bundle_of(&w, &r1)).expect("verifies");
    // Tiers: R1, then G1a, then Y1, B1, C1 — back to the farm, each where it was made.
    let tier = |n: &str| {
        v.tiers
            .iter()
            .find(|t| t.node == n)
            .unwrap_or_else(|| panic!("{n} in {:?}", v.tiers))
    };
    assert_eq!(tier(&r1).depth, 0);
    assert_eq!(tier(&lot_node("garment", "G1a")).depth, 1);
    assert_eq!(tier(&lot_node("yarn", "Y1")).depth, 2);
    assert_eq!(tier(&lot_node("cotton", "C1")).depth, 4);
    assert_eq!(
        tier(&lot_node("yarn", "Y1")).facility.as_deref(),
        Some(facility(SPINNER_1).as_str())
    );
    assert_eq!(
        tier(&lot_node("cotton", "C1"))
            .registered
            .as_ref()
            .map(|f| f.sector.as_str()),
        Some("cotton-farming")
    );
    assert!(
        !v.tiers.iter().any(|t| t.node == lot_node("yarn", "Y2")),
        "the other line is not upstream"
    );
    // The finding reaches R1, with its path from the yarn.
    let flags: Vec<_> = v.flags().collect();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].id, id);
    assert_eq!(
        flags[0].path.first().map(|s| s.node.clone()),
        Some(lot_node("yarn", "Y1"))
    );
    assert!(
        v.standing
            .iter()
            .any(|(f, what, _)| f == &facility(SPINNER_1) && what.contains("sa8000"))
    );
    // The page: the verdict, a red box, the indicator — and not the finding's free text.
    let page = report::html(&v);
    assert!(
        page.contains("1 open finding of forced labour reaches these goods"),
        "{page}"
    );
    assert!(page.contains(r#"class="flagged""#));
    assert!(page.contains("Retention of identity documents"));
    assert!(
        !page.to_lowercase().contains("passports"),
        "a finding's description stays off the page"
    );

    // Remediated: the same goods, no flag, the finding shown as remediated.
    let plan = w.spinner.tx(
        "supply.plan",
        json!({"finding": id.to_string(), "actions": "Passports returned", "due": "2026-06-30"}),
    );
    w.chain.ok(&plan);
    let verify = w.inspector.tx(
        "supply.verify",
        json!({"finding": id.to_string(), "verified": true, "note": "Site visit"}),
    );
    w.chain.ok(&verify);
    let v = check(&bundle_of(&w, &r1)).expect("verifies");
    assert_eq!(v.flags().count(), 0);
    assert!(
        v.findings
            .iter()
            .any(|f| f.id == id && f.remediated && f.plans == 1)
    );
    assert!(report::html(&v).contains("No open finding of forced labour reaches these goods"));
}

#[test]
fn a_tampered_bundle_is_refused_naming_what_changed() {
    let (w, _) = world_with_finding();
    let good = bundle_of(&w, &lot_node("retail", "R3"));
    check(&good).expect("the original verifies");
    let capture_at = good
        .entries
        .iter()
        .position(|e| e.leaf.contains("supply.capture"))
        .expect("a capture");

    // An event's quantity changed inside a capture.
    let mut b = good.clone();
    b.entries[capture_at].leaf =
        b.entries[capture_at]
            .leaf
            .replacen("\\\"quantity\\\":100", "\\\"quantity\\\":90", 1);
    assert_ne!(
        b.entries[capture_at].leaf, good.entries[capture_at].leaf,
        "the edit applies"
    );
    let e = check(&b).expect_err("altered").to_string();
    assert!(
        e.contains(&format!("entry {}", capture_at + 1)) && e.contains("altered"),
        "{e}"
    );

    // The proof of an entry does not lead to the checkpoint.
    let mut b = good.clone();
    b.entries[0].leaf_index += 1;
    let e = check(&b).expect_err("wrong leaf").to_string();
    assert!(e.starts_with("entry 1"), "{e}");

    // Entries swapped: out of log order.
    let mut b = good.clone();
    b.entries.swap(0, 1);
    let e = check(&b).expect_err("reordered").to_string();
    assert!(e.contains("out of log order"), "{e}");

    // A signer the verifier does not know.
    let mut b = good.clone();
    b.members.retain(|m| m.name != "labour-inspectorate");
    let e = check(&b).expect_err("unknown signer").to_string();
    assert!(e.contains("not a known member key"), "{e}");

    // Other goods than the bundle's events name.
    let mut b = good.clone();
    b.goods = lot_node("retail", "R9");
    assert!(matches!(check(&b), Err(ProvenanceError::Unknown(_))));

    // A checkpoint with its signature changed.
    let mut b = good.clone();
    b.envelope.checkpoint = b.envelope.checkpoint.replacen("— ", "— x", 1);
    assert!(matches!(check(&b), Err(ProvenanceError::Envelope(_))));

    // Against another consortium's keys.
    let other = NamedKey {
        name: "impostor".into(),
        key: unchain_types::SigningKey::from_seed([9; 32]).public_key(),
    };
    let e = bundle::verify(&good, &[other.verifier()], 1, &good.members);
    assert!(matches!(e, Err(ProvenanceError::Envelope(_))));
}

#[test]
fn a_shipments_dossier_covers_what_it_holds_and_says_which_parts_a_finding_reaches() {
    let (w, id) = world_with_finding();
    // Pallet 1 holds G1a (made from the spinner's yarn) and G2 (from the other line).
    let v = check(&bundle_of(&w, &pallet_node(1))).expect("verifies");
    let covered: Vec<(&str, bool)> = unchain_supply::dossier::covered(&v)
        .iter()
        .map(|t| (t.node.as_str(), t.flagged_by.contains(&id)))
        .collect();
    let g1a = lot_node("garment", "G1a");
    let g2 = lot_node("garment", "G2");
    assert_eq!(covered.len(), 2, "{covered:?}");
    assert!(covered.contains(&(g1a.as_str(), true)), "{covered:?}");
    assert!(covered.contains(&(g2.as_str(), false)), "{covered:?}");
    let page = unchain_supply::dossier::html(&v, "feedface");
    assert!(page.contains("Due-diligence dossier: forced labour"));
    assert!(page.contains("1 of 2"), "one of the two lots is reached");
    assert!(page.contains("FLAGGED: Retention of identity documents"));
    assert!(page.contains("feedface"), "names the bundle it came from");
    assert!(
        !page.to_lowercase().contains("passports"),
        "no finding's free text"
    );
    // A lot's dossier covers the lot itself.
    let v = check(&bundle_of(&w, &lot_node("retail", "R2"))).expect("verifies");
    let covered = unchain_supply::dossier::covered(&v);
    assert_eq!(covered.len(), 1);
    assert!(
        covered[0].flagged_by.is_empty(),
        "R2 comes from the other line"
    );
}
