//! Agreements on a real ledger with a second validator that must reach the same state root
//! at every height: proposed with every clause checked, in force once every party signed,
//! evaluated on schedule over the facts at that height — a breach applies its consequence
//! on both validators at the same height, no breach applies none.

mod common;

use common::{CHAIN, World, employer_pays, world};
use serde_json::{Value, json};
use std::sync::Arc;
use unchain_agree::AgreeModule;
use unchain_agree::body::Consequence;
use unchain_agree::state::{Standing, agreement, outcomes, penalties_of};
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_testkit::{Chain, Org};

#[test]
fn a_fee_still_owed_breaks_the_employer_pays_agreement_on_every_validator() {
    let mut w = world();
    // A bad clause is refused at proposal, pointing into it.
    let why = w.chain.refused(
        &mut w.brand,
        "agree.propose",
        employer_pays("recruit.fess.all(f, f.owed == 0)"),
    );
    assert!(
        why.contains("clauses[0].cel") && why.contains("unknown fact field `fess`"),
        "{why}"
    );
    // Only a party proposes.
    let why = w.chain.refused(
        &mut w.employer,
        "agree.propose",
        employer_pays("recruit.fees.all(f, f.owed == 0)"),
    );
    assert!(why.contains("only an agreement it is a party to"), "{why}");
    let tx = w.brand.tx(
        "agree.propose",
        employer_pays("recruit.fees.all(f, f.owed == 0)"),
    );
    w.chain.ok(&tx);
    let evaluate = json!({"agreement": "a-0000000000000000e001", "clause": "employer-pays"});
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", evaluate.clone());
    assert!(why.contains("not in force"), "{why}");
    let tx = w
        .recruiter
        .tx("agree.sign", json!({"agreement": "a-0000000000000000e001"}));
    w.chain.ok(&tx);

    // No fee: kept, nothing owed.
    let tx = w.qa.tx("agree.evaluate", evaluate.clone());
    w.chain.ok(&tx);
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", evaluate.clone());
    assert!(why.contains("is not due at height"), "{why}");
    // The worker paid the agency a fee; ten blocks on, the clause is broken.
    let tx = w.qa.tx(
        "recruit.fee",
        json!({"worker": "w-5e1a77c0aa", "recruiter": "np-himalaya-manpower",
            "amount": 15000000, "currency": "NPR", "source": "worker", "evidence": "ab".repeat(32)}),
    );
    w.chain.ok(&tx);
    for _ in 0..10 {
        w.chain.apply(&[]);
    }
    let tx = w.qa.tx("agree.evaluate", evaluate);
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let all = outcomes(&reader, "a-0000000000000000e001").expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].kept.clone(), all[0].consequence.clone()),
        (Ok(true), None)
    );
    assert_eq!(all[1].kept, Ok(false));
    assert!(matches!(
        all[1].consequence,
        Some(Consequence::Penalty { amount: 500000, .. })
    ));
    assert_ne!(all[0].facts, all[1].facts, "the facts changed");
    assert_eq!(
        penalties_of(&reader, "np-himalaya-manpower").expect("read"),
        [("a-0000000000000000e001".to_owned(), 1)]
    );
    assert!(
        penalties_of(&reader, "gb-threads")
            .expect("read")
            .is_empty()
    );
    // Both parties are told of the breach on their event streams; no one else is.
    for party in ["gb-threads", "np-himalaya-manpower"] {
        let told = unchain_agree::state::notices(&reader, party).expect("read");
        assert_eq!(told.len(), 1, "{party}: {told:?}");
        assert_eq!(
            (told[0].kind.as_str(), told[0].outcome),
            ("agreement_breach", 1)
        );
        assert_eq!(told[0].detail["kind"], "penalty");
    }
    assert!(
        unchain_agree::state::notices(&reader, "qa-mol")
            .expect("read")
            .is_empty()
    );
    drop(reader);

    // The breach is attested into the log, field by field as recorded, and re-checked from
    // its bundle offline.
    let view = serde_json::to_value(&all[1]).expect("json");
    let body = unchain_agree::client::attest("a-0000000000000000e001", 1, &view).expect("body");
    let mut forged = body.clone();
    forged["result"] = json!("kept");
    let why = w.chain.refused(&mut w.brand, "agree.attest", forged);
    assert!(
        why.contains("result: outcome 1 recorded Breached, the attestation says Kept"),
        "{why}"
    );
    let mut forged = body.clone();
    forged["facts"] = json!(all[0].facts.to_hex());
    let why = w.chain.refused(&mut w.brand, "agree.attest", forged);
    assert!(why.starts_with("facts: outcome 1 recorded"), "{why}");
    let tx = w.brand.tx("agree.attest", body.clone());
    w.chain.ok(&tx);
    let why = w.chain.refused(&mut w.recruiter, "agree.attest", body);
    assert!(why.contains("was attested by"), "{why}");

    let (note, size) = w.chain.checkpoint();
    let bundle =
        unchain_agree::bundle::build(&w.chain.ledger, "a-0000000000000000e001", 1, note, size)
            .expect("read")
            .expect("an attested outcome has a bundle");
    assert_eq!(
        bundle.entries.len(),
        4,
        "proposal, signature, evaluation, attestation"
    );
    let validators = w.chain.genesis.checkpoint_verifiers();
    let re = unchain_agree::bundle::verify(&bundle, &validators, 1, &bundle.members, None)
        .expect("the outcome follows");
    assert_eq!(re.result, unchain_agree::body::Verdict::Breached);
    assert!(matches!(
        re.consequence,
        Some(Consequence::Penalty { amount: 500000, .. })
    ));
    // Tampered: the fee repaid in the facts, the attested result, the clause as proposed.
    let mut t = bundle.clone();
    t.facts["recruit"]["fees"][0]["owed"] = json!(0);
    let why = unchain_agree::bundle::verify(&t, &validators, 1, &bundle.members, None)
        .expect_err("facts changed")
        .to_string();
    assert!(why.starts_with("the facts changed"), "{why}");
    let mut t = bundle.clone();
    let last = t.entries.len() - 1;
    t.entries[last].leaf = t.entries[last].leaf.replace("\"breached\"", "\"kept\"");
    let why = unchain_agree::bundle::verify(&t, &validators, 1, &bundle.members, None)
        .expect_err("result changed")
        .to_string();
    assert!(
        why.starts_with("entry 4") && why.contains("altered"),
        "{why}"
    );
    let mut t = bundle.clone();
    t.entries[0].leaf = t.entries[0].leaf.replace("f.owed == 0", "f.owed >= 0");
    let why = unchain_agree::bundle::verify(&t, &validators, 1, &bundle.members, None)
        .expect_err("clause changed")
        .to_string();
    assert!(why.starts_with("entry 1"), "{why}");
    let mut t = bundle.clone();
    t.outcome = 0;
    let why = unchain_agree::bundle::verify(&t, &validators, 1, &bundle.members, None)
        .expect_err("another outcome")
        .to_string();
    assert!(why.contains("the bundle is for outcome 0"), "{why}");
}

#[test]
fn a_passport_held_past_the_deadline_suspends_the_agreement() {
    let mut w = world();
    let due = w.chain.time_ms + 60_000;
    let tx = w.brand.tx(
        "agree.propose",
        json!({
            "agreement": "a-0000000000000000e002",
            "title": "No passport retention at the Doha sites",
            "parties": ["gb-threads", "qa-doha-build"],
            "arbiter": "qa-mol",
            "schema": 1,
            "clauses": [{"id": "no-passports", "text": "No worker's passport is held by the employer.",
                "cel": "size(recruit.passports_held) == 0", "due_ms": due,
                "consequence": {"kind": "suspend"}}]
        }),
    );
    w.chain.ok(&tx);
    let tx = w
        .employer
        .tx("agree.sign", json!({"agreement": "a-0000000000000000e002"}));
    w.chain.ok(&tx);
    let evaluate = json!({"agreement": "a-0000000000000000e002", "clause": "no-passports"});
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", evaluate.clone());
    assert!(why.contains("is not due"), "{why}");
    let tx = w.qa.tx(
        "recruit.passport",
        json!({"worker": "w-5e1a77c0aa", "employer": "qa-doha-build", "status": "held",
            "evidence": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    w.chain.time_ms = due;
    let tx = w.qa.tx("agree.evaluate", evaluate.clone());
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let a = agreement(&reader, "a-0000000000000000e002")
        .expect("read")
        .expect("there");
    assert_eq!(a.standing, Standing::Suspended);
    assert_eq!(
        a.history.last().map(|(s, _, why)| (*s, why.as_str())),
        Some((Standing::Suspended, "clause no-passports"))
    );
    drop(reader);
    // A deadline clause is evaluated once; and a suspended agreement is not evaluated.
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", evaluate.clone());
    assert!(why.contains("not in force"), "{why}");
    // The employer contests; the arbiter upholds the suspension.
    let tx = w.employer.tx(
        "agree.contest",
        json!({"agreement": "a-0000000000000000e002", "outcome": 0,
            "reason": "the passport was in a safe at the worker's own request"}),
    );
    w.chain.ok(&tx);
    let tx = w.qa.tx(
        "agree.decide",
        json!({"agreement": "a-0000000000000000e002", "outcome": 0, "uphold": true,
            "reason": "a worker's request does not permit retention under Qatari law"}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let a = agreement(&reader, "a-0000000000000000e002")
        .expect("read")
        .expect("there");
    assert_eq!(a.standing, Standing::Suspended, "upheld: still suspended");
    // The arbiter was told of the contest; the parties of the breach, the contest and the
    // decision.
    let kinds = |m: &str| -> Vec<String> {
        unchain_agree::state::notices(&reader, m)
            .expect("read")
            .into_iter()
            .map(|n| n.kind)
            .collect()
    };
    assert_eq!(kinds("qa-mol"), ["agreement_contested"]);
    assert_eq!(
        kinds("gb-threads"),
        [
            "agreement_breach",
            "agreement_contested",
            "agreement_decided"
        ]
    );
}

#[test]
fn an_overturned_breach_lifts_the_suspension_it_caused() {
    let mut w = world();
    let due = w.chain.time_ms + 5_000;
    let tx = w.brand.tx(
        "agree.propose",
        json!({
            "agreement": "a-0000000000000000e003",
            "title": "No passport retention",
            "parties": ["gb-threads", "qa-doha-build"],
            "arbiter": "qa-mol",
            "schema": 1,
            "clauses": [{"id": "no-passports", "text": "No passport held.",
                "cel": "size(recruit.passports_held) == 0", "due_ms": due,
                "consequence": {"kind": "suspend"}}]
        }),
    );
    w.chain.ok(&tx);
    let tx = w
        .employer
        .tx("agree.sign", json!({"agreement": "a-0000000000000000e003"}));
    w.chain.ok(&tx);
    let tx = w.qa.tx(
        "recruit.passport",
        json!({"worker": "w-5e1a77c0bb", "employer": "qa-doha-build", "status": "held",
            "evidence": "ef".repeat(32)}),
    );
    w.chain.ok(&tx);
    w.chain.time_ms = due;
    let tx = w.qa.tx(
        "agree.evaluate",
        json!({"agreement": "a-0000000000000000e003", "clause": "no-passports"}),
    );
    w.chain.ok(&tx);
    let tx = w.employer.tx(
        "agree.contest",
        json!({"agreement": "a-0000000000000000e003", "outcome": 0,
            "reason": "the report named the wrong employer"}),
    );
    w.chain.ok(&tx);
    let tx = w.qa.tx(
        "agree.decide",
        json!({"agreement": "a-0000000000000000e003", "outcome": 0, "uphold": false,
            "reason": "the inspection found the passport with the worker"}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let a = agreement(&reader, "a-0000000000000000e003")
        .expect("read")
        .expect("there");
    assert_eq!(a.standing, Standing::InForce);
    assert!(
        a.history
            .last()
            .is_some_and(|(_, _, why)| why == "outcome 0 overturned by qa-mol"),
        "{:?}",
        a.history
    );
}

/// The data-sharing template on a ledger with the vault and cases: a record shared by one
/// party with the other, its case closed; 31 days on, not erased, the clause is broken and
/// escalated, on both validators at the same height; once erased, it is kept again.
#[test]
fn a_record_kept_past_thirty_days_after_its_case_closed_breaks_data_sharing() {
    use unchain_agree::state::outcome;
    let vault_modules = |g: &Genesis| -> Vec<Arc<dyn AnyModule>> {
        vec![
            Arc::new(unchain_vault::VaultModule::new(g)),
            Arc::new(unchain_cases::CasesModule),
            Arc::new(unchain_supply::SupplyModule),
            Arc::new(unchain_recruit::RecruitModule),
            Arc::new(AgreeModule),
        ]
    };
    let roles = [
        Role::Governance,
        Role::Records,
        Role::Cases,
        Role::Recruitment,
        Role::Agreements,
    ];
    let mut police = Org::new(CHAIN, 11, "th-police", &roles);
    let mut ngo = Org::new(CHAIN, 12, "th-ngo", &roles);
    let dpa = Org::new(CHAIN, 13, "th-pdpc", &roles);
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let mut chain = Chain::new(dirs.0.path(), &[&police, &ngo, &dpa], vault_modules);
    chain.add_replica(dirs.1.path(), vault_modules);

    let (record, _) = chain.seal(&mut police, "shared record", "htcds.person", b"FICTIONAL");
    chain.grant(&mut police, &ngo, &record);
    let case = |police: &mut Org, body: Value, kind: &str| police.tx(kind, body);
    let open = unchain_cases::client::open(
        "TH-0001",
        unchain_cases::workflow::CaseKind::Investigation,
        record,
        None,
        "u-1",
    );
    chain.ok(&case(&mut police, open, "cases.open"));
    for (from, to, outcome) in [
        ("open", "active", None),
        ("active", "closed", Some("charges_filed")),
    ] {
        let t = unchain_cases::client::transition("TH-0001", from, to, outcome, None, "u-1");
        chain.ok(&case(&mut police, t, "cases.transition"));
    }
    let closed_at = chain.time_ms;

    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../templates/agreements/data-sharing.json"
    ))
    .expect("template")
    .replace("\"owner\"", "\"th-police\"")
    .replace("\"recipient\"", "\"th-ngo\"")
    .replace("\"regulator\"", "\"th-pdpc\"");
    let mut proposal: Value = serde_json::from_str(&text).expect("JSON");
    let id = "a-0000000000000000d5a1";
    proposal["agreement"] = json!(id);
    proposal["clauses"][0]["every_blocks"] = json!(1);
    chain.ok(&police.tx("agree.propose", proposal));
    chain.ok(&ngo.tx("agree.sign", json!({"agreement": id})));
    let evaluate = json!({"agreement": id, "clause": "erase-after-close"});

    // Ten days after the case closed: kept.
    chain.time_ms = closed_at + 10 * 86_400_000;
    chain.ok(&ngo.tx("agree.evaluate", evaluate.clone()));
    let reader = chain.ledger.state_reader().expect("state");
    assert_eq!(
        outcome(&reader, id, 0).expect("read").expect("0").kept,
        Ok(true)
    );
    let facts: Value = serde_json::from_slice(
        &unchain_agree::state::outcome_facts(&reader, id, 0)
            .expect("read")
            .expect("facts"),
    )
    .expect("JSON");
    // The sealed record's rows (a survivor's key, its blind-index tokens) and the case
    // were read, but are withheld from any bundle: committed to, never disclosed.
    let reads: unchain_agree::fact_proofs::ReadsRecord = serde_json::from_slice(
        &reader
            .get(unchain_agree::fact_proofs::reads_key(id, 0).as_bytes())
            .expect("read")
            .expect("reads"),
    )
    .expect("JSON");
    assert!(
        reads.withheld.rows >= 3
            && reads
                .rows
                .iter()
                .all(|(k, _)| !k.starts_with("vault/") && !k.starts_with("cases/")),
        "{reads:?}"
    );
    drop(reader);
    let shared = &facts["vault"]["shared"][0];
    assert_eq!(shared["recipient"], "th-ngo", "{facts}");
    assert_eq!(shared["case"], "TH-0001");
    assert_eq!(shared["case_status"], "closed");
    assert_eq!(shared["case_closed_ms"], json!(closed_at));

    // Thirty-one days after: broken, escalated to the data protection authority.
    chain.time_ms = closed_at + 31 * 86_400_000;
    chain.ok(&ngo.tx("agree.evaluate", evaluate.clone()));
    let reader = chain.ledger.state_reader().expect("state");
    let broken = outcome(&reader, id, 1).expect("read").expect("1");
    assert_eq!(broken.kept, Ok(false));
    assert_eq!(
        broken.consequence,
        Some(Consequence::Escalate {
            to: "th-pdpc".into()
        })
    );
    drop(reader);

    // Erased everywhere: kept again.
    chain.ok(&police.tx(
        "vault.erase",
        json!({"record": record.to_hex(), "reason": "owner_request"}),
    ));
    chain.ok(&ngo.tx("agree.evaluate", evaluate));
    let reader = chain.ledger.state_reader().expect("state");
    assert_eq!(
        outcome(&reader, id, 2).expect("read").expect("2").kept,
        Ok(true)
    );
}

/// Amended and ended only with every party's signature: an amendment waits while the terms
/// in force still apply, takes effect with the last signature (a new party's included),
/// and its outcome's bundle re-checks against the amended clause; an ending stops every
/// evaluation.
#[test]
fn an_agreement_is_amended_and_ended_only_with_every_partys_signature() {
    use unchain_agree::client;
    let mut w = world();
    let id = "a-0000000000000000e004";
    let tx = w.brand.tx(
        "agree.propose",
        json!({"agreement": id, "title": "Employer pays", "parties": ["gb-threads", "np-himalaya-manpower"],
            "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "fees", "text": "no fee", "cel": "recruit.fees.all(f, f.owed == 0)",
                "every_blocks": 1, "consequence": {"kind": "suspend"}}]}),
    );
    w.chain.ok(&tx);
    let tx = w.recruiter.tx("agree.sign", client::sign(id));
    w.chain.ok(&tx);
    let terms = json!({"title": "Employer pays, and no passports held",
        "parties": ["gb-threads", "np-himalaya-manpower", "qa-doha-build"], "arbiter": "qa-mol", "schema": 1,
        "clauses": [{"id": "passports", "text": "no passport held", "cel": "size(recruit.passports_held) == 0",
            "every_blocks": 1, "consequence": {"kind": "suspend"}}]});
    let amend = client::amend(id, 1, "the employer joins", Some(terms.clone()));
    // Only a party amends, with the next number, and terms that check.
    let why = w
        .chain
        .refused(&mut w.employer, "agree.amend", amend.clone());
    assert!(why.contains("qa-doha-build is not a party"), "{why}");
    let why = w.chain.refused(
        &mut w.brand,
        "agree.amend",
        client::amend(id, 2, "skipping", Some(terms.clone())),
    );
    assert!(why.contains("the next amendment of"), "{why}");
    let mut typo = terms.clone();
    typo["clauses"][0]["cel"] = json!("size(recruit.passport_held) == 0");
    let why = w.chain.refused(
        &mut w.brand,
        "agree.amend",
        client::amend(id, 1, "typo", Some(typo)),
    );
    assert!(why.contains("body.terms.clauses[0].cel"), "{why}");
    let tx = w.brand.tx("agree.amend", amend);
    w.chain.ok(&tx);
    let why = w.chain.refused(
        &mut w.recruiter,
        "agree.amend",
        client::amend(id, 2, "another", None),
    );
    assert!(
        why.contains("amendment 1 is still waiting for np-himalaya-manpower, qa-doha-build"),
        "{why}"
    );
    // While it waits, the terms in force apply.
    let tx = w.qa.tx("agree.evaluate", client::evaluate(id, "fees"));
    w.chain.ok(&tx);
    for org in [&mut w.recruiter, &mut w.employer] {
        let tx = org.tx("agree.sign", client::sign_amendment(id, 1));
        w.chain.ok(&tx);
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let a = agreement(&reader, id).expect("read").expect("there");
    assert_eq!(a.proposal.parties.len(), 3);
    assert_eq!(a.proposal.clauses[0].id, "passports");
    assert!(a.amendments[0].applied.is_some());
    assert_eq!(a.history.last().map(|h| h.2.as_str()), Some("amendment 1"));
    drop(reader);
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", client::evaluate(id, "fees"));
    assert!(why.contains("has no clause fees"), "{why}");
    let tx = w.qa.tx("agree.evaluate", client::evaluate(id, "passports"));
    w.chain.ok(&tx);

    // The amended clause's outcome re-checks offline against the amended terms.
    let reader = w.chain.ledger.state_reader().expect("state");
    let o = unchain_agree::state::outcome(&reader, id, 1)
        .expect("read")
        .expect("1");
    drop(reader);
    let view = serde_json::to_value(&o).expect("json");
    let tx = w
        .brand
        .tx("agree.attest", client::attest(id, 1, &view).expect("body"));
    w.chain.ok(&tx);
    let (note, size) = w.chain.checkpoint();
    let bundle = unchain_agree::bundle::build(&w.chain.ledger, id, 1, note, size)
        .expect("read")
        .expect("bundle");
    let validators = w.chain.genesis.checkpoint_verifiers();
    let re = unchain_agree::bundle::verify(&bundle, &validators, 1, &bundle.members, None)
        .expect("the amended outcome follows");
    assert_eq!(re.clause.cel, "size(recruit.passports_held) == 0");
    assert_eq!(re.parties.len(), 3);

    // Ended by every party: nothing more is evaluated.
    let tx = w
        .employer
        .tx("agree.amend", client::amend(id, 2, "the site closed", None));
    w.chain.ok(&tx);
    for org in [&mut w.brand, &mut w.recruiter] {
        let tx = org.tx("agree.sign", client::sign_amendment(id, 2));
        w.chain.ok(&tx);
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let a = agreement(&reader, id).expect("read").expect("there");
    assert_eq!(a.standing, Standing::Ended);
    drop(reader);
    let why = w.chain.refused(
        &mut w.qa,
        "agree.evaluate",
        client::evaluate(id, "passports"),
    );
    assert!(why.contains("not in force"), "{why}");
}

/// A clause evaluated when a fact list it watches changes: due once (never evaluated),
/// then not until a fee is recorded, then due again; a list that is no fact list is
/// refused at proposal.
#[test]
fn a_clause_watching_the_fees_is_due_when_they_change_and_not_before() {
    let mut w = world();
    let id = "a-0000000000000000e005";
    let proposal = |on_change: Value| {
        json!({"agreement": id, "title": "Employer pays, on every fee", "parties": ["gb-threads", "np-himalaya-manpower"],
            "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "fees", "text": "no fee", "cel": "recruit.fees.all(f, f.owed == 0)",
                "on_change": on_change, "consequence": {"kind": "suspend"}}]})
    };
    let why = w.chain.refused(
        &mut w.brand,
        "agree.propose",
        proposal(json!(["recruit.fee"])),
    );
    assert!(
        why.contains("clauses[0].on_change[0]") && why.contains("recruit.fees"),
        "{why}"
    );
    let tx = w
        .brand
        .tx("agree.propose", proposal(json!(["recruit.fees"])));
    w.chain.ok(&tx);
    let tx = w.recruiter.tx("agree.sign", json!({"agreement": id}));
    w.chain.ok(&tx);
    let evaluate = json!({"agreement": id, "clause": "fees"});
    let tx = w.qa.tx("agree.evaluate", evaluate.clone());
    w.chain.ok(&tx);
    let why = w
        .chain
        .refused(&mut w.qa, "agree.evaluate", evaluate.clone());
    assert!(why.contains("none of recruit.fees changed since"), "{why}");
    let tx = w.qa.tx(
        "recruit.fee",
        json!({"worker": "w-5e1a77c0bb", "recruiter": "np-himalaya-manpower",
            "amount": 9000000, "currency": "NPR", "source": "worker", "evidence": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    let tx = w.qa.tx("agree.evaluate", evaluate);
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let all = outcomes(&reader, id).expect("read");
    assert_eq!(
        all.iter().map(|o| o.kept.clone()).collect::<Vec<_>>(),
        [Ok(true), Ok(false)]
    );
}

/// A template from `templates/agreements/`, its parties named, evaluated every block.
fn from_template(name: &str, id: &str, names: &[(&str, &str)]) -> Value {
    let path = format!(
        "{}/../../../templates/agreements/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = std::fs::read_to_string(&path).expect("template");
    for (placeholder, party) in names {
        text = text.replace(&format!("\"{placeholder}\""), &format!("\"{party}\""));
    }
    let mut v: Value = serde_json::from_str(&text).expect("JSON");
    v["agreement"] = json!(id);
    v["clauses"][0]["every_blocks"] = json!(1);
    v
}

/// The other three templates on the ledger, each kept and then broken by a fact, its
/// consequence applied on both validators (the chain's replica checks every root):
/// remediation within 30 days (suspended), the annual audit (the brand notified), wages in
/// full (a penalty owed).
#[test]
fn remediation_audit_and_wage_templates_break_on_the_ledger() {
    use unchain_agree::client;
    const DAY: u64 = 86_400_000;
    let mut w = world();
    // The employer's site, registered with the supply module, audited by the ministry.
    let site = "urn:epc:id:sgln:4012345.00001.0";
    let tx = w.employer.tx(
        "supply.facility",
        json!({"id": site, "name": "Doha site", "country": "QA", "sector": "construction"}),
    );
    w.chain.ok(&tx);
    let tx = w.qa.tx(
        "supply.audit",
        json!({"facility": site, "standard": "SA8000", "scope": "labour conditions",
            "from": "2026-03-02", "to": "2026-03-03", "outcome": "conformant"}),
    );
    w.chain.ok(&tx);
    let names = [
        ("brand", "gb-threads"),
        ("supplier", "qa-doha-build"),
        ("employer", "qa-doha-build"),
        ("auditor", "qa-mol"),
        ("regulator", "qa-mol"),
    ];
    let ids = [
        (
            "remediation",
            "a-0000000000000000f001",
            "remediate-in-30-days",
        ),
        (
            "annual-audit",
            "a-0000000000000000f002",
            "audited-every-year",
        ),
        ("wages-in-full", "a-0000000000000000f003", "wages-in-full"),
    ];
    for (name, id, _) in ids {
        let tx = w.brand.tx("agree.propose", from_template(name, id, &names));
        w.chain.ok(&tx);
        let tx = w.employer.tx("agree.sign", client::sign(id));
        w.chain.ok(&tx);
    }
    let evaluate_all = |w: &mut World| {
        for (_, id, _) in ids {
            let reader = w.chain.ledger.state_reader().expect("state");
            let a = agreement(&reader, id).expect("read").expect("there");
            drop(reader);
            let clause = a.proposal.clauses[0].id.clone();
            if a.standing == Standing::InForce {
                let tx = w.qa.tx("agree.evaluate", client::evaluate(id, &clause));
                w.chain.ok(&tx);
            }
        }
    };
    // Kept: no finding, an audit this year, no wage finding.
    evaluate_all(&mut w);
    let last = |w: &World, id: &str| {
        let reader = w.chain.ledger.state_reader().expect("state");
        outcomes(&reader, id)
            .expect("read")
            .pop()
            .expect("an outcome")
    };
    for (name, id, _) in ids {
        assert_eq!(last(&w, id).kept, Ok(true), "{name} kept");
    }

    // The facts that break them: a finding left open, a year without an audit, a month
    // paid short.
    let tx = w.qa.tx(
        "supply.finding",
        json!({"target": {"facility": site}, "indicator": "retention_of_identity_documents",
            "severity": "high", "description": "passports kept in the site office",
            "evidence": {"hash": "ef".repeat(32)}}),
    );
    w.chain.ok(&tx);
    let terms = json!({"employer": "qa-doha-build", "position": "Steel fixer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 160000, "currency": "QAR", "period": "month"},
        "hours_per_week": 48, "overtime_rate_percent": 125, "rest_days_per_week": 1,
        "deductions": [], "accommodation": "free", "food": "free", "contract_months": 24,
        "language": "ne"});
    let tx = w.recruiter.tx(
        "recruit.offer",
        json!({"worker": "w-0ffe12aa01", "terms": terms, "terms_hash": "01".repeat(32)}),
    );
    let offer = w.chain.ok(&tx);
    let tx = w.employer.tx(
        "recruit.contract",
        json!({"offer": offer.to_string(), "terms": terms, "terms_hash": "02".repeat(32)}),
    );
    w.chain.ok(&tx);
    let tx = w.employer.tx(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [{"worker": "w-0ffe12aa01", "month": "2026-03",
            "currency": "QAR", "basic": 120000, "deductions": [], "paid_on": "2026-04-05",
            "account": "03".repeat(32)}]}),
    );
    w.chain.ok(&tx);
    w.chain.time_ms += 400 * DAY;
    evaluate_all(&mut w);
    let reader = w.chain.ledger.state_reader().expect("state");
    let suspended = agreement(&reader, ids[0].1).expect("read").expect("there");
    assert_eq!(
        suspended.standing,
        Standing::Suspended,
        "remediation: suspended"
    );
    let told = unchain_agree::state::notices(&reader, "gb-threads").expect("read");
    assert!(
        told.iter()
            .any(|n| n.agreement == ids[1].1 && n.detail["kind"] == "notify"),
        "annual audit: the brand is notified: {told:?}"
    );
    assert!(
        penalties_of(&reader, "qa-doha-build")
            .expect("read")
            .contains(&(ids[2].1.to_owned(), 1)),
        "wages in full: a penalty owed"
    );
    drop(reader);
    for (name, id, _) in ids {
        assert_eq!(last(&w, id).kept, Ok(false), "{name} broken");
    }
}
