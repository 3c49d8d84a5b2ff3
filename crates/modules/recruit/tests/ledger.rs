//! The recruit module on a real ledger, with a second validator that executes every block
//! beside the first and must reach the same state root: a Nepal → Qatar corridor where
//! each country's regulator licenses its own parties, a licensed recruiter in Kathmandu
//! registers an offer, and the employer in Doha registers a worse contract — caught term by
//! term.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_recruit::RecruitModule;
use unchain_recruit::body::LicenceStatus;
use unchain_recruit::state;
use unchain_testkit::{Chain, Org};
use unchain_types::TxId;

const CHAIN: &str = "recruit-test";

fn modules(_: &Genesis) -> Vec<Arc<dyn AnyModule>> {
    vec![Arc::new(RecruitModule)]
}

struct World {
    chain: Chain,
    np_regulator: Org,
    qa_regulator: Org,
    recruiter: Org,
    employer: Org,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn world() -> World {
    let np_regulator =
        Org::new(CHAIN, 1, "np-dofe", &[Role::Governance, Role::Recruitment]).in_country("NP");
    let qa_regulator = Org::new(CHAIN, 2, "qa-mol", &[Role::Recruitment]).in_country("QA");
    let recruiter =
        Org::new(CHAIN, 3, "np-himalaya-manpower", &[Role::Recruitment]).in_country("NP");
    let employer = Org::new(CHAIN, 4, "qa-doha-build", &[Role::Recruitment]).in_country("QA");
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let mut chain = Chain::new(
        dirs.0.path(),
        &[&np_regulator, &qa_regulator, &recruiter, &employer],
        modules,
    );
    chain.add_replica(dirs.1.path(), modules);
    World {
        chain,
        np_regulator,
        qa_regulator,
        recruiter,
        employer,
        _dirs: dirs,
    }
}

fn licence(party: &str, kind: &str, country: &str, status: &str) -> Value {
    json!({"party": party, "kind": kind, "name": format!("{party} Pvt. Ltd."), "country": country,
        "licence": "1234/075", "status": status, "valid_until": "2028-07-15"})
}

fn terms() -> Value {
    json!({
        "employer": "qa-doha-build",
        "position": "Construction labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
        "hours_per_week": 48,
        "overtime_rate_percent": 125,
        "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free",
        "food": "free",
        "contract_months": 24,
        "language": "ne"
    })
}

fn offer(worker: &str, terms: Value) -> Value {
    json!({"worker": worker, "terms": terms, "terms_hash": "ab".repeat(32)})
}

/// Licenses the recruiter in Nepal and the employer in Qatar.
fn licensed(w: &mut World) {
    let tx = w.np_regulator.tx(
        "recruit.licence",
        licence("np-himalaya-manpower", "recruiter", "NP", "active"),
    );
    w.chain.ok(&tx);
    let tx = w.qa_regulator.tx(
        "recruit.licence",
        licence("qa-doha-build", "employer", "QA", "active"),
    );
    w.chain.ok(&tx);
}

#[test]
fn a_regulator_licenses_only_in_its_own_jurisdiction_and_keeps_the_history() {
    let mut w = world();
    let why = w.chain.refused(
        &mut w.np_regulator,
        "recruit.licence",
        licence("qa-doha-build", "employer", "QA", "active"),
    );
    assert!(
        why.contains("np-dofe licenses in NP only, not in QA"),
        "{why}"
    );
    licensed(&mut w);
    // Relicensing from another country, or as another kind, is refused.
    let why = w.chain.refused(
        &mut w.np_regulator,
        "recruit.licence",
        licence("qa-doha-build", "recruiter", "NP", "active"),
    );
    assert!(why.contains("licensed as an employer in QA"), "{why}");
    let tx = w.qa_regulator.tx(
        "recruit.licence",
        licence("qa-doha-build", "employer", "QA", "suspended"),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let p = state::party(&reader, "qa-doha-build")
        .expect("read")
        .expect("licensed");
    assert_eq!(p.licence.status, LicenceStatus::Suspended);
    let statuses: Vec<_> = p
        .history
        .iter()
        .map(|(s, r)| (*s, r.member.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (LicenceStatus::Active, "qa-mol".to_owned()),
            (LicenceStatus::Suspended, "qa-mol".to_owned())
        ]
    );
    drop(reader);
    // A suspended employer cannot be named in a new offer.
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.offer",
        offer("w-7f3a9c21e0", terms()),
    );
    assert!(
        why.contains("terms.employer: qa-doha-build's licence is suspended"),
        "{why}"
    );
}

#[test]
fn only_licensed_recruiters_offer_and_only_for_licensed_employers() {
    let mut w = world();
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.offer",
        offer("w-7f3a9c21e0", terms()),
    );
    assert!(
        why.contains("sender: np-himalaya-manpower holds no licence"),
        "{why}"
    );
    licensed(&mut w);
    let mut other = terms();
    other["employer"] = json!("qa-unknown-co");
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.offer",
        offer("w-7f3a9c21e0", other),
    );
    assert!(
        why.contains("terms.employer: qa-unknown-co holds no licence"),
        "{why}"
    );
    // The employer is licensed, but as an employer: it does not recruit.
    let why = w.chain.refused(
        &mut w.employer,
        "recruit.offer",
        offer("w-7f3a9c21e0", terms()),
    );
    assert!(
        why.contains("is licensed as an employer, not as a recruiter"),
        "{why}"
    );
    // A worker is a pseudonymous id, never a name.
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.offer",
        offer("Ram Bahadur", terms()),
    );
    assert!(why.contains("worker"), "{why}");
}

#[test]
fn a_worse_contract_at_destination_is_caught_term_by_term_on_every_validator() {
    let mut w = world();
    licensed(&mut w);
    let tx = w
        .recruiter
        .tx("recruit.offer", offer("w-7f3a9c21e0", terms()));
    let offer_id = w.chain.ok(&tx);
    // The recruiter cannot register the employer's contract.
    let contract = |t: Value, offer: &TxId| json!({"offer": offer.to_string(), "terms": t, "terms_hash": "cd".repeat(32)});
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.contract",
        contract(terms(), &offer_id),
    );
    assert!(
        why.contains("only its employer qa-doha-build registers"),
        "{why}"
    );
    // On arrival: a lower wage, no rest day, and food now charged.
    let mut worse = terms();
    worse["wage"]["amount"] = json!(110000);
    worse["rest_days_per_week"] = json!(0);
    worse["food"] = json!({"charged": 25000});
    let tx = w
        .employer
        .tx("recruit.contract", contract(worse.clone(), &offer_id));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let c = state::contract(&reader, &offer_id)
        .expect("read")
        .expect("registered");
    let found: Vec<(&str, &str, &str)> = c
        .substitutions
        .iter()
        .map(|s| (s.term.as_str(), s.offered.as_str(), s.contracted.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("wage.amount", "1500.00 QAR", "1100.00 QAR"),
            ("rest_days_per_week", "1", "0"),
            ("food", "free", "charged 250.00 QAR a month"),
        ]
    );
    assert_eq!(
        state::offers_to(&reader, "w-7f3a9c21e0").expect("read"),
        [offer_id]
    );
    assert_eq!(
        state::offers_naming(&reader, "qa-doha-build").expect("read"),
        [offer_id]
    );
    drop(reader);
    // One contract per offer.
    let why = w.chain.refused(
        &mut w.employer,
        "recruit.contract",
        contract(worse, &offer_id),
    );
    assert!(why.contains("already has its contract"), "{why}");
    // The same terms at destination: no substitution.
    let tx = w
        .recruiter
        .tx("recruit.offer", offer("w-0b1c2d3e4f", terms()));
    let second = w.chain.ok(&tx);
    let tx = w
        .employer
        .tx("recruit.contract", contract(terms(), &second));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let c = state::contract(&reader, &second)
        .expect("read")
        .expect("registered");
    assert!(c.substitutions.is_empty(), "{:?}", c.substitutions);
}

#[test]
fn a_fee_charged_to_the_worker_is_recorded_in_the_offer_and_again_in_the_contract() {
    let mut w = world();
    licensed(&mut w);
    let mut with_fee = terms();
    with_fee["worker_fees"] = json!(800_000);
    let tx = w
        .recruiter
        .tx("recruit.offer", offer("w-feefeefee1", with_fee.clone()));
    let id = w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let o = state::offer(&reader, &id).expect("read").expect("offer");
    let fee = o.fee.expect("the Employer Pays Principle is broken");
    assert_eq!(fee.contracted, "8000.00 QAR");
    drop(reader);
    let tx = w.employer.tx(
        "recruit.contract",
        json!({"offer": id.to_string(), "terms": with_fee, "terms_hash": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let c = state::contract(&reader, &id)
        .expect("read")
        .expect("contract");
    assert_eq!(c.substitutions.len(), 1);
    assert_eq!(c.substitutions[0].term, "worker_fees");
    assert!(c.substitutions[0].rule.contains("Employer Pays Principle"));
}

/// A pay record for `worker` in March 2026, paid as the contract says.
fn pay(worker: &str, account: &str) -> Value {
    json!({"worker": worker, "month": "2026-03", "currency": "QAR", "basic": 150000,
        "deductions": [["social_insurance", 5000]], "paid_on": "2026-04-05", "account": account})
}

/// An offer for `worker` and its contract, as offered.
fn contracted(w: &mut World, worker: &str) -> TxId {
    let tx = w.recruiter.tx("recruit.offer", offer(worker, terms()));
    let id = w.chain.ok(&tx);
    let tx = w.employer.tx(
        "recruit.contract",
        json!({"offer": id.to_string(), "terms": terms(), "terms_hash": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    id
}

#[test]
fn a_months_payroll_is_reconciled_against_each_contract_on_every_validator() {
    let mut w = world();
    licensed(&mut w);
    let workers = [
        "w-0000000001",
        "w-0000000002",
        "w-0000000003",
        "w-0000000004",
    ];
    for worker in workers {
        contracted(&mut w, worker);
    }
    // A worker without a contract with this employer refuses the whole payroll.
    let why = w.chain.refused(
        &mut w.employer,
        "recruit.payroll",
        json!({"month": "2026-03", "records": [pay("w-0000000001", "a1"), pay("w-0000000099", "a9")]}),
    );
    assert!(
        why.contains("records[1].worker: w-0000000099 has no contract with qa-doha-build"),
        "{why}"
    );
    let reader = w.chain.ledger.state_reader().expect("state");
    assert_eq!(
        state::wage(&reader, "w-0000000001", "2026-03").expect("read"),
        None,
        "nothing written"
    );
    drop(reader);
    // The recruiter is not the employer.
    let why = w.chain.refused(
        &mut w.recruiter,
        "recruit.payroll",
        json!({"month": "2026-03", "records": [pay("w-0000000001", "a1")]}),
    );
    assert!(
        why.contains("sender: np-himalaya-manpower is licensed as a recruiter"),
        "{why}"
    );

    let mut underpaid = pay("w-0000000002", "acct-2");
    underpaid["basic"] = json!(120000);
    let mut late_and_loan = pay("w-0000000003", "acct-3");
    late_and_loan["paid_on"] = json!("2026-04-20");
    late_and_loan["deductions"] = json!([["social_insurance", 5000], ["recruitment_loan", 30000]]);
    let mut withheld = pay("w-0000000004", "acct-4");
    withheld["paid_on"] = Value::Null;
    let tx = w.employer.tx(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [pay("w-0000000001", "acct-1"), underpaid, late_and_loan, withheld]}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let found = |worker: &str| -> Vec<(String, String, String)> {
        state::wage(&reader, worker, "2026-03")
            .expect("read")
            .expect("reported")
            .findings
            .into_iter()
            .map(|f| (format!("{:?}", f.kind), f.expected, f.paid))
            .collect()
    };
    assert_eq!(found("w-0000000001"), []);
    assert_eq!(
        found("w-0000000002"),
        [(
            "Underpaid".to_owned(),
            "1500.00 QAR".to_owned(),
            "1200.00 QAR".to_owned()
        )]
    );
    let kinds: Vec<String> = found("w-0000000003").into_iter().map(|f| f.0).collect();
    assert_eq!(kinds, ["DeductionNotAllowed", "Late"]);
    assert_eq!(found("w-0000000004")[0].0, "Withheld");
    assert_eq!(
        state::payroll_workers(&reader, "qa-doha-build", "2026-03").expect("read"),
        workers
    );
    drop(reader);
    // A month is reported once.
    let why = w.chain.refused(
        &mut w.employer,
        "recruit.payroll",
        json!({"month": "2026-03", "records": [pay("w-0000000001", "acct-1")]}),
    );
    assert!(why.contains("already reported"), "{why}");
}

#[test]
fn wages_landing_in_one_account_are_flagged_for_every_worker_paid_into_it() {
    let mut w = world();
    licensed(&mut w);
    for worker in ["w-0000000001", "w-0000000002", "w-0000000003"] {
        contracted(&mut w, worker);
    }
    let tx = w.employer.tx(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [
            pay("w-0000000001", "tok-recruiter"), pay("w-0000000002", "tok-recruiter"),
            pay("w-0000000003", "tok-recruiter")]}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    for worker in ["w-0000000001", "w-0000000002", "w-0000000003"] {
        let r = state::wage(&reader, worker, "2026-03")
            .expect("read")
            .expect("reported");
        assert_eq!(r.findings.len(), 1, "{worker}: {:?}", r.findings);
        assert!(
            r.findings[0].paid.contains("3 workers' wages"),
            "{:?}",
            r.findings
        );
    }
}

#[test]
fn a_payroll_body_is_checked_field_by_field() {
    let mut w = world();
    licensed(&mut w);
    for (body, field) in [
        (
            json!({"month": "2026-3", "records": [pay("w-0000000001", "a")]}),
            "month",
        ),
        (json!({"month": "2026-03", "records": []}), "records"),
        (
            json!({"month": "2026-04", "records": [pay("w-0000000001", "a")]}),
            "records[0].month",
        ),
        (
            json!({"month": "2026-03", "records": [pay("w-0000000001", "AE16 0240 0435")]}),
            "records[0].account",
        ),
        (
            json!({"month": "2026-03", "records": [pay("w-0000000001", "a"), pay("w-0000000001", "b")]}),
            "records[1].worker",
        ),
    ] {
        let why = w
            .chain
            .refused(&mut w.employer, "recruit.payroll", body.clone());
        assert!(why.contains(field), "{body}: {why}");
    }
}

#[test]
fn a_fee_is_owed_until_repaid_in_full_and_verified_by_the_recruiters_regulator() {
    let mut w = world();
    licensed(&mut w);
    contracted(&mut w, "w-7f3a9c21e0");
    // An auditor (here Qatar's ministry) reports the NPR 120 000 the worker paid in Kathmandu.
    let tx = w.qa_regulator.tx(
        "recruit.fee",
        json!({"worker": "w-7f3a9c21e0", "recruiter": "np-himalaya-manpower", "amount": 12_000_000,
            "currency": "NPR", "source": "auditor", "evidence": "ee".repeat(32)}),
    );
    let fee = w.chain.ok(&tx);
    // Only the recruiter discloses its own fees as the recruiter.
    let why = w.chain.refused(
        &mut w.employer,
        "recruit.fee",
        json!({"worker": "w-7f3a9c21e0", "recruiter": "np-himalaya-manpower", "amount": 1,
            "currency": "NPR", "source": "recruiter", "evidence": "ee".repeat(32)}),
    );
    assert!(why.contains("only np-himalaya-manpower discloses"), "{why}");
    let repay = |amount: u64| json!({"fee": fee.to_string(), "amount": amount, "evidence": "aa".repeat(32)});
    // Verification before repayment is refused; so is repaying more than is owed.
    let why = w.chain.refused(
        &mut w.np_regulator,
        "recruit.remediate",
        json!({"fee": fee.to_string(), "verified": true, "note": "bank statement seen"}),
    );
    assert!(why.contains("still owed"), "{why}");
    let why = w
        .chain
        .refused(&mut w.recruiter, "recruit.repay", repay(12_000_001));
    assert!(why.contains("more than the 12000000 still owed"), "{why}");
    // The recruiter repays half; the employer the rest.
    let tx = w.recruiter.tx("recruit.repay", repay(6_000_000));
    w.chain.ok(&tx);
    let tx = w.employer.tx("recruit.repay", repay(6_000_000));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let f = state::fee(&reader, &fee).expect("read").expect("fee");
    assert_eq!((f.owed(), f.status), (0, state::FeeStatus::Repaid));
    drop(reader);
    // Qatar's regulator cannot verify a Nepali recruiter's repayment; Nepal's can.
    let verify = |verified: bool| json!({"fee": fee.to_string(), "verified": verified, "note": "bank statement seen"});
    let why = w
        .chain
        .refused(&mut w.qa_regulator, "recruit.remediate", verify(true));
    assert!(why.contains("only the regulator in NP"), "{why}");
    // Not verified: owed again, the repayments kept in the history.
    let tx = w.np_regulator.tx("recruit.remediate", verify(false));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let f = state::fee(&reader, &fee).expect("read").expect("fee");
    assert_eq!(
        (f.owed(), f.status, f.repayments.len()),
        (12_000_000, state::FeeStatus::Owed, 2)
    );
    drop(reader);
    let tx = w.recruiter.tx("recruit.repay", repay(12_000_000));
    w.chain.ok(&tx);
    let tx = w.np_regulator.tx("recruit.remediate", verify(true));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let f = state::fee(&reader, &fee).expect("read").expect("fee");
    assert_eq!(f.status, state::FeeStatus::Remediated);
    assert_eq!(
        state::fees_of(&reader, "np-himalaya-manpower").expect("read"),
        [fee]
    );
    drop(reader);
    let why = w.chain.refused(&mut w.recruiter, "recruit.repay", repay(1));
    assert!(why.contains("already repaid in full"), "{why}");
}

#[test]
fn the_worker_disputes_the_contract_with_their_wallet_key_through_any_member() {
    use unchain_recruit::body::{Respond, Response};
    let mut w = world();
    licensed(&mut w);
    let wallet = unchain_types::SigningKey::from_seed([42; 32]);
    let mut with_holder = offer("w-7f3a9c21e0", terms());
    with_holder["holder"] = json!(wallet.public_key().to_hex());
    let tx = w.recruiter.tx("recruit.offer", with_holder);
    let offer_id = w.chain.ok(&tx);
    let mut worse = terms();
    worse["wage"]["amount"] = json!(110000);
    let contract_hash = unchain_types::Hash32::digest(b"the contract handed over in Doha");
    let tx = w.employer.tx(
        "recruit.contract",
        json!({"offer": offer_id.to_string(), "terms": worse, "terms_hash": contract_hash.to_hex()}),
    );
    w.chain.ok(&tx);
    let answer = |key: &unchain_types::SigningKey, contract: unchain_types::Hash32| {
        let message = Respond::message(&offer_id, &contract, Response::Dispute, Some("wage"));
        json!({"offer": offer_id.to_string(), "contract": contract.to_hex(), "response": "dispute",
            "term": "wage", "signature": key.sign(&message).to_hex()})
    };
    // Someone else's key, or an answer about another contract, is refused.
    let stranger = unchain_types::SigningKey::from_seed([7; 32]);
    let why = w.chain.refused(
        &mut w.qa_regulator,
        "recruit.respond",
        answer(&stranger, contract_hash),
    );
    assert!(why.contains("signature: not the worker's"), "{why}");
    let other = unchain_types::Hash32::digest(b"another contract");
    let why = w.chain.refused(
        &mut w.qa_regulator,
        "recruit.respond",
        answer(&wallet, other),
    );
    assert!(why.contains("not the contract registered"), "{why}");
    // The worker's own signature, relayed by Qatar's ministry: recorded with the contract.
    let tx = w
        .qa_regulator
        .tx("recruit.respond", answer(&wallet, contract_hash));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let c = state::contract(&reader, &offer_id)
        .expect("read")
        .expect("contract");
    assert_eq!(c.responses.len(), 1);
    assert_eq!(c.responses[0].0, Response::Dispute);
    assert_eq!(c.responses[0].1.as_deref(), Some("wage"));
    assert_eq!(c.responses[0].2.member, "qa-mol");
    drop(reader);
    // An offer that names no wallet key cannot be answered for the worker.
    let tx = w
        .recruiter
        .tx("recruit.offer", offer("w-0b1c2d3e4f", terms()));
    let bare = w.chain.ok(&tx);
    let message = Respond::message(&bare, &contract_hash, Response::Confirm, None);
    let why = w.chain.refused(
        &mut w.qa_regulator,
        "recruit.respond",
        json!({"offer": bare.to_string(), "contract": contract_hash.to_hex(), "response": "confirm",
            "signature": wallet.sign(&message).to_hex()}),
    );
    assert!(why.contains("names no wallet key"), "{why}");
}

#[test]
fn a_held_passport_stays_held_until_someone_other_than_the_employer_records_its_return() {
    let mut w = world();
    licensed(&mut w);
    let report = |status: &str| {
        json!({"worker": "w-7f3a9c21e0", "employer": "qa-doha-build", "status": status,
            "evidence": "bb".repeat(32)})
    };
    let why = w
        .chain
        .refused(&mut w.qa_regulator, "recruit.passport", report("returned"));
    assert!(why.contains("no report says qa-doha-build holds"), "{why}");
    let tx = w.qa_regulator.tx("recruit.passport", report("held"));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    assert_eq!(
        state::passports_held(&reader, "qa-doha-build").expect("read"),
        ["w-7f3a9c21e0"]
    );
    drop(reader);
    // The employer does not clear itself.
    let why = w
        .chain
        .refused(&mut w.employer, "recruit.passport", report("returned"));
    assert!(why.contains("not by the employer"), "{why}");
    let tx = w.qa_regulator.tx("recruit.passport", report("returned"));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    assert!(
        state::passports_held(&reader, "qa-doha-build")
            .expect("read")
            .is_empty()
    );
    let p = state::passport(&reader, "qa-doha-build", "w-7f3a9c21e0")
        .expect("read")
        .expect("reports");
    assert_eq!(p.reports.len(), 2, "every report kept");
    drop(reader);
    // Reports name a licensed employer.
    let mut unknown = report("held");
    unknown["employer"] = json!("qa-unknown-co");
    let why = w
        .chain
        .refused(&mut w.qa_regulator, "recruit.passport", unknown);
    assert!(
        why.contains("employer: qa-unknown-co holds no licence"),
        "{why}"
    );
}

#[test]
fn each_regulator_sees_the_alerts_about_the_parties_it_licensed() {
    let mut w = world();
    licensed(&mut w);
    let mut with_fee = terms();
    with_fee["worker_fees"] = json!(50_000);
    let tx = w
        .recruiter
        .tx("recruit.offer", offer("w-7f3a9c21e0", with_fee.clone()));
    let offer_id = w.chain.ok(&tx);
    let mut worse = with_fee;
    worse["rest_days_per_week"] = json!(0);
    let tx = w.employer.tx(
        "recruit.contract",
        json!({"offer": offer_id.to_string(), "terms": worse, "terms_hash": "cd".repeat(32)}),
    );
    w.chain.ok(&tx);
    let tx = w.qa_regulator.tx(
        "recruit.fee",
        json!({"worker": "w-7f3a9c21e0", "recruiter": "np-himalaya-manpower", "amount": 50_000,
            "currency": "QAR", "source": "auditor", "evidence": "ee".repeat(32)}),
    );
    w.chain.ok(&tx);
    let tx = w.qa_regulator.tx(
        "recruit.passport",
        json!({"worker": "w-7f3a9c21e0", "employer": "qa-doha-build", "status": "held",
            "evidence": "bb".repeat(32)}),
    );
    w.chain.ok(&tx);
    let mut late = pay("w-7f3a9c21e0", "acct-1");
    late["paid_on"] = json!("2026-05-01");
    let tx = w.employer.tx(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [late]}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let kinds = |country: &str| -> Vec<(String, String)> {
        state::alerts(&reader, country)
            .expect("read")
            .into_iter()
            .map(|a| (a.kind, a.party))
            .collect()
    };
    let np = |k: &str| (k.to_owned(), "np-himalaya-manpower".to_owned());
    let qa = |k: &str| (k.to_owned(), "qa-doha-build".to_owned());
    // Nepal's regulator, of its recruiter: the fee in the offer; the contract's substitution
    // (the origin regulator hears of it too) and the fee it still carries; the fee owed.
    assert_eq!(
        kinds("NP"),
        [
            np("fee_in_offer"),
            np("substitution"),
            np("substitution"),
            np("fee_owed")
        ]
    );
    // Qatar's, of its employer: the same contract, the late wage, the passport it holds.
    assert_eq!(
        kinds("QA"),
        [
            qa("substitution"),
            qa("substitution"),
            qa("wage"),
            qa("passport_held")
        ]
    );
    let substitutions: Vec<String> = state::alerts(&reader, "QA")
        .expect("read")
        .into_iter()
        .filter(|a| a.kind == "substitution")
        .map(|a| a.detail)
        .collect();
    assert_eq!(
        substitutions[0],
        "rest_days_per_week: offered 1, contract 0"
    );
    assert!(
        substitutions[1].starts_with("worker_fees:"),
        "{substitutions:?}"
    );
    let wage = state::alerts(&reader, "QA").expect("read").remove(2);
    assert_eq!(
        wage.detail,
        "2026-03 late: expected by 15 days after the month, paid on 2026-05-01"
    );
    assert!(kinds("TH").is_empty());
}

#[test]
fn a_brand_linked_to_an_employer_and_its_facility_hears_of_its_alerts() {
    let brand =
        Org::new(CHAIN, 5, "gb-threads", &[Role::Recruitment, Role::Supply]).in_country("GB");
    let np = Org::new(CHAIN, 1, "np-dofe", &[Role::Governance, Role::Recruitment]).in_country("NP");
    let qa = Org::new(CHAIN, 2, "qa-mol", &[Role::Recruitment]).in_country("QA");
    let recruiter =
        Org::new(CHAIN, 3, "np-himalaya-manpower", &[Role::Recruitment]).in_country("NP");
    let employer = Org::new(CHAIN, 4, "qa-doha-build", &[Role::Recruitment]).in_country("QA");
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let both = |_: &Genesis| -> Vec<Arc<dyn AnyModule>> {
        vec![
            Arc::new(RecruitModule),
            Arc::new(unchain_supply::SupplyModule),
        ]
    };
    let mut chain = Chain::new(
        dirs.0.path(),
        &[&np, &qa, &recruiter, &employer, &brand],
        both,
    );
    chain.add_replica(dirs.1.path(), both);
    let mut w = World {
        chain,
        np_regulator: np,
        qa_regulator: qa,
        recruiter,
        employer,
        _dirs: dirs,
    };
    let mut brand = brand;
    licensed(&mut w);
    // Only a licensed employer, and only a facility the supply module registered.
    let site = "urn:epc:id:sgln:4012345.00077.0";
    let why = w.chain.refused(
        &mut brand,
        "recruit.link",
        json!({"employer": "qa-doha-build", "facility": site}),
    );
    assert!(
        why.contains("not a facility the supply module registered"),
        "{why}"
    );
    let tx = brand.tx(
        "supply.facility",
        json!({"id": site, "name": "Doha Build yard 7", "country": "QA", "sector": "construction"}),
    );
    w.chain.ok(&tx);
    let why = w.chain.refused(
        &mut brand,
        "recruit.link",
        json!({"employer": "np-himalaya-manpower"}),
    );
    assert!(why.contains("licensed as a recruiter"), "{why}");
    let tx = brand.tx(
        "recruit.link",
        json!({"employer": "qa-doha-build", "facility": site}),
    );
    w.chain.ok(&tx);
    let tx = w.qa_regulator.tx(
        "recruit.passport",
        json!({"worker": "w-7f3a9c21e0", "employer": "qa-doha-build",
            "status": "held", "evidence": "bb".repeat(32)}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    assert_eq!(
        state::linked_employers(&reader, "gb-threads").expect("read"),
        ["qa-doha-build"]
    );
    let alerts = state::brand_alerts(&reader, "gb-threads").expect("read");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "passport_held");
    assert!(
        state::brand_alerts(&reader, "another-brand")
            .expect("read")
            .is_empty()
    );
}
