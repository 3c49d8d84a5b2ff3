//! Per-fact proofs: every row of ledger state an evaluation read is recorded by every
//! validator, kept provable by the node at the first cosigned state after the block (long
//! after the tree pruned that version), carried in the outcome's bundle and checked
//! offline — and every way of tampering with them is refused by name.

mod common;

use common::{employer_pays, world};
use serde_json::json;
use unchain_agree::bundle::{OutcomeBundle, verify};
use unchain_agree::fact_proofs::{ReadsRecord, RowStanding};
use unchain_bundle::state::StateValue;
use unchain_ledger::authenticated::RETAINED_VERSIONS;
use unchain_types::Hash32;

const ID: &str = "a-0000000000000000e001";

fn fp(t: &mut OutcomeBundle) -> &mut unchain_agree::fact_proofs::FactProofs {
    t.fact_proofs.as_mut().expect("proofs")
}

fn check(b: &OutcomeBundle, validators: &[unchain_log::NoteVerifier]) -> Result<(), String> {
    verify(b, validators, 1, &b.members, None)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn the_rows_an_outcome_read_are_proven_long_after_the_tree_pruned_them() {
    let mut w = world();
    let tx = w.brand.tx(
        "agree.propose",
        employer_pays("recruit.fees.all(f, f.owed == 0)"),
    );
    w.chain.ok(&tx);
    let tx = w.recruiter.tx("agree.sign", json!({"agreement": ID}));
    w.chain.ok(&tx);
    // A facility of someone outside the agreement: searched, never disclosed.
    let tx = w.employer.tx(
        "supply.facility",
        json!({"id": "urn:epc:id:sgln:0614141.00002.0", "name": "Doha site", "country": "QA", "sector": "construction"}),
    );
    w.chain.ok(&tx);
    let fee = w.qa.tx(
        "recruit.fee",
        json!({"worker": "w-5e1a77c0aa", "recruiter": "np-himalaya-manpower",
            "amount": 15000000, "currency": "NPR", "source": "worker", "evidence": "ab".repeat(32)}),
    );
    let fee_id = w.chain.ok(&fee);
    let tx = w.qa.tx(
        "agree.evaluate",
        json!({"agreement": ID, "clause": "employer-pays"}),
    );
    w.chain.ok(&tx);
    let evaluated_at = w.chain.ledger.head().expect("head").height;
    // Every validator recorded the same rows: the replica reached the same state root.
    let reader = w.chain.ledger.state_reader().expect("state");
    let outcome = unchain_agree::state::outcome(&reader, ID, 0)
        .expect("read")
        .expect("outcome 0");
    assert_eq!(outcome.kept, Ok(false), "the fee is owed");
    let reads: ReadsRecord = serde_json::from_slice(
        &reader
            .get(unchain_agree::fact_proofs::reads_key(ID, 0).as_bytes())
            .expect("read")
            .expect("the rows read are recorded"),
    )
    .expect("a reads record");
    let fee_row = format!("recruit/fee/{fee_id}");
    assert!(
        reads.rows.iter().any(|(k, h)| *k == fee_row && h.is_some()),
        "the fee's row is among those read: {:?}",
        reads.rows
    );
    assert!(
        reads.scans.iter().any(|s| s.starts_with("recruit/")),
        "{:?}",
        reads.scans
    );
    assert!(
        reads.withheld.rows >= 1
            && !reads
                .rows
                .iter()
                .any(|(k, _)| k.starts_with("supply/facility/")),
        "the employer's facility is searched, not disclosed: {reads:?}"
    );
    drop(reader);

    // After the evaluation part of the fee is repaid: its row changes.
    let tx = w.recruiter.tx(
        "recruit.repay",
        json!({"fee": fee_id.to_string(), "amount": 5000000, "evidence": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    let view = serde_json::to_value(&outcome).expect("json");
    let body = unchain_agree::client::attest(ID, 0, &view).expect("body");
    let tx = w.brand.tx("agree.attest", body);
    w.chain.ok(&tx);
    let validators = w.chain.genesis.checkpoint_verifiers();
    {
        let (note, size) = w.chain.checkpoint();
        // A node that kept no proofs (this replica signs no checkpoints) proves the rows at
        // the bundle's own state: the fee's row changed since, which it says, and the rest
        // stand as read.
        let replica = &w.chain.replicas[0];
        let bundle = unchain_agree::bundle::build(replica, ID, 0, note.clone(), size)
            .expect("read")
            .expect("a bundle");
        let proofs = bundle.fact_proofs.as_ref().expect("proofs");
        assert_eq!((proofs.tree_size, proofs.consistency.len()), (size, 0));
        let re = verify(&bundle, &validators, 1, &bundle.members, None).expect("verifies");
        let rows = re.fact_proofs.expect("rows").rows;
        let changed: Vec<&String> = rows
            .iter()
            .filter(|(_, s)| *s == RowStanding::Changed)
            .map(|(k, _)| k)
            .collect();
        assert!(changed.contains(&&fee_row), "{changed:?}");
        assert!(
            rows.len() > changed.len(),
            "the unchanged rows stand as read"
        );
        // Once a quorum's checkpoint reaches it, the replica keeps its proofs there: at
        // the first cosigned state after the evaluation, where the fee's row has changed.
        assert!(replica.waiting_proof_requests().expect("read") > 0);
        let body = replica
            .checkpoint_body_at(size)
            .expect("read")
            .expect("reached");
        let mut cosigned = unchain_log::SignedNote::new(body.body());
        cosigned.sign(&w.qa.name, &w.qa.key).expect("sign");
        replica
            .store_cosigned_checkpoint(&cosigned)
            .expect("cosigned");
        assert_eq!(replica.waiting_proof_requests().expect("read"), 0);
        let bundle = unchain_agree::bundle::build(replica, ID, 0, note.clone(), size)
            .expect("read")
            .expect("a bundle");
        let proofs = bundle.fact_proofs.as_ref().expect("proofs");
        assert!(proofs.state_height > evaluated_at);
        let re = verify(&bundle, &validators, 1, &bundle.members, None).expect("verifies");
        let rows = re.fact_proofs.expect("rows").rows;
        assert!(
            rows.iter()
                .any(|(k, s)| *k == fee_row && *s == RowStanding::Changed),
            "{rows:?}"
        );
    }

    // Far beyond the tree's window: the version the evaluation read is pruned.
    for _ in 0..RETAINED_VERSIONS + 8 {
        w.chain.apply(&[]);
    }
    assert_eq!(
        w.chain.ledger.state_root_at(evaluated_at).expect("read"),
        None,
        "the tree pruned the evaluation's version"
    );
    assert_eq!(w.chain.ledger.waiting_proof_requests().expect("read"), 0);

    let (note, size) = w.chain.checkpoint();
    let bundle = unchain_agree::bundle::build(&w.chain.ledger, ID, 0, note.clone(), size)
        .expect("read")
        .expect("an attested outcome has a bundle");
    let proofs = bundle
        .fact_proofs
        .clone()
        .expect("the bundle proves its rows");
    assert_eq!(
        proofs.state_height, evaluated_at,
        "a lone validator cosigns its own block"
    );
    assert!(proofs.tree_size < size && !proofs.consistency.is_empty());
    let re = verify(&bundle, &validators, 1, &bundle.members, None).expect("verifies");
    let proven = re.fact_proofs.expect("rows proven");
    assert_eq!(proven.rows.len(), reads.rows.len());
    assert!(
        proven
            .rows
            .iter()
            .all(|(_, s)| matches!(s, RowStanding::AsRead(_))),
        "every row as read: {:?}",
        proven.rows
    );
    let (_, fee_value) = proven
        .rows
        .iter()
        .find(|(k, _)| *k == fee_row)
        .expect("the fee row");
    let RowStanding::AsRead(Some(value)) = fee_value else {
        panic!("the fee row holds a value");
    };
    let value: serde_json::Value = serde_json::from_slice(value).expect("json");
    assert_eq!(value["fee"]["amount"], 15000000, "{value}");
    assert_eq!(proven.withheld, reads.withheld);
    let carried = serde_json::to_string(&bundle).expect("json");
    assert!(
        !carried.contains("Doha site"),
        "a withheld row is never in the bundle"
    );

    // Tampering, each refused by name.
    let tampered = |f: &dyn Fn(&mut OutcomeBundle)| {
        let mut t = bundle.clone();
        f(&mut t);
        check(&t, &validators).expect_err("tampered")
    };
    let at = |t: &OutcomeBundle, key: &str| {
        t.fact_proofs
            .as_ref()
            .expect("proofs")
            .proofs
            .iter()
            .position(|p| p.key == key)
            .expect("a proof of the key")
    };
    // A row's value edited: its proof no longer holds.
    let why = tampered(&|t| {
        let i = at(t, &fee_row);
        let Some(StateValue::Utf8(text)) = &fp(t).proofs[i].value else {
            panic!("a text value");
        };
        let edited = text.replace("15000000", "1");
        fp(t).proofs[i].value = Some(StateValue::Utf8(edited));
    });
    assert!(
        why.contains(&format!("state proof of `{fee_row}`")),
        "{why}"
    );
    // A row left out.
    let why = tampered(&|t| {
        let i = at(t, &fee_row);
        fp(t).proofs.remove(i);
    });
    assert!(
        why.contains("no proof of a row the evaluation read") && why.contains(&fee_row),
        "{why}"
    );
    // A row proven twice.
    let why = tampered(&|t| {
        let i = at(t, &fee_row);
        let copy = fp(t).proofs[i].clone();
        fp(t).proofs.push(copy);
    });
    assert!(why.contains("twice"), "{why}");
    // The record of what was read edited (a row dropped from it).
    let why = tampered(&|t| {
        let i = at(t, &unchain_agree::fact_proofs::reads_key(ID, 0));
        let Some(StateValue::Utf8(text)) = &fp(t).proofs[i].value else {
            panic!("a text value");
        };
        let mut record: ReadsRecord = serde_json::from_str(text).expect("record");
        record.rows.retain(|(k, _)| *k != fee_row);
        fp(t).proofs[i].value = Some(StateValue::Utf8(
            serde_json::to_string(&record).expect("json"),
        ));
    });
    assert!(why.contains("state proof of `agree/reads/"), "{why}");
    // Another state height than the checkpoint's.
    let why = tampered(&|t| fp(t).state_height += 1);
    assert!(why.contains("the fact proofs say height"), "{why}");
    // A checkpoint not shown to be of the bundle's log.
    let why = tampered(&|t| fp(t).consistency[0] = Hash32::ZERO);
    assert!(why.contains("not of the bundle's log"), "{why}");
    // The facts edited: they no longer match the attested digest.
    let why = tampered(&|t| {
        t.facts["recruit"]["fees"][0]["owed"] = json!(0);
    });
    assert!(why.starts_with("the facts changed"), "{why}");
}
