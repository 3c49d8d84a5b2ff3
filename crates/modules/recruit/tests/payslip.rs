//! The worker's own payslip on a real ledger with a second validator: signed with the
//! wallet key the offer names, relayed by an NGO, reconciled against the contract, and
//! compared with the employer's own report of the month whichever comes first.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_recruit::RecruitModule;
use unchain_recruit::payroll::Kind;
use unchain_recruit::payslip::Payslip;
use unchain_recruit::payslip::ledger::payslip;
use unchain_recruit::state::{self, alerts};
use unchain_testkit::{Chain, Org};
use unchain_types::{SigningKey, TxId};

const CHAIN: &str = "payslip-test";

fn modules(_: &Genesis) -> Vec<Arc<dyn AnyModule>> {
    vec![Arc::new(RecruitModule)]
}

struct World {
    chain: Chain,
    employer: Org,
    ngo: Org,
    wallet: SigningKey,
    offers: Vec<TxId>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn terms() -> Value {
    json!({
        "employer": "qa-doha-build",
        "position": "Steel fixer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 160000, "currency": "QAR", "period": "month"},
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

/// Two workers' offers (each naming the same wallet key, for brevity) and their contracts
/// as offered.
fn world() -> World {
    let qa = Org::new(CHAIN, 1, "qa-mol", &[Role::Governance, Role::Recruitment]).in_country("QA");
    let np = Org::new(CHAIN, 2, "np-dofe", &[Role::Recruitment]).in_country("NP");
    let recruiter =
        Org::new(CHAIN, 3, "np-himalaya-manpower", &[Role::Recruitment]).in_country("NP");
    let employer = Org::new(CHAIN, 4, "qa-doha-build", &[Role::Recruitment]).in_country("QA");
    let ngo = Org::new(CHAIN, 5, "migrant-rights", &[Role::Recruitment]);
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let mut chain = Chain::new(
        dirs.0.path(),
        &[&qa, &np, &recruiter, &employer, &ngo],
        modules,
    );
    chain.add_replica(dirs.1.path(), modules);
    let (mut qa, mut np, mut recruiter, mut employer) = (qa, np, recruiter, employer);
    let licence = |party: &str, kind: &str, country: &str| {
        json!({"party": party, "kind": kind, "name": party, "country": country,
            "licence": "L-1", "status": "active"})
    };
    let tx = np.tx(
        "recruit.licence",
        licence("np-himalaya-manpower", "recruiter", "NP"),
    );
    chain.ok(&tx);
    let tx = qa.tx(
        "recruit.licence",
        licence("qa-doha-build", "employer", "QA"),
    );
    chain.ok(&tx);
    let wallet = SigningKey::from_seed([42; 32]);
    let mut offers = Vec::new();
    for worker in ["w-5e1a77c0aa", "w-5e1a77c0bb"] {
        let tx = recruiter.tx(
            "recruit.offer",
            json!({"worker": worker, "terms": terms(), "terms_hash": "ab".repeat(32),
                "holder": wallet.public_key().to_hex()}),
        );
        let id = chain.ok(&tx);
        let tx = employer.tx(
            "recruit.contract",
            json!({"offer": id.to_string(), "terms": terms(), "terms_hash": "cd".repeat(32)}),
        );
        chain.ok(&tx);
        offers.push(id);
    }
    World {
        chain,
        employer,
        ngo,
        wallet,
        offers,
        _dirs: dirs,
    }
}

/// March's payslip as the worker holds it: 1100.00 paid of 1600.00, a loan deducted.
fn slip(offer: TxId) -> Payslip {
    Payslip {
        offer,
        month: "2026-03".into(),
        currency: "QAR".into(),
        basic: 110_000,
        overtime_hours: 0,
        overtime_pay: 0,
        deductions: vec![("recruitment_loan".into(), 40_000)],
        paid_on: Some("2026-04-02".into()),
        signature: unchain_types::Signature::from_bytes([0; 64]),
        actor: None,
    }
}

fn kinds(findings: &[unchain_recruit::payroll::WageFinding]) -> Vec<Kind> {
    findings.iter().map(|f| f.kind).collect()
}

#[test]
fn a_workers_payslip_is_reconciled_and_contradicts_the_employers_report() {
    let mut w = world();
    let (first, second) = (w.offers[0], w.offers[1]);
    // Signed by someone else: refused.
    let forged = slip(first).sign(&SigningKey::from_seed([7; 32]));
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.payslip",
        serde_json::to_value(&forged).expect("json"),
    );
    assert!(why.contains("signature: not the worker's"), "{why}");
    // Signed by the worker, relayed by the NGO.
    let signed = slip(first).sign(&w.wallet);
    let tx = w.ngo.tx(
        "recruit.payslip",
        serde_json::to_value(&signed).expect("json"),
    );
    w.chain.ok(&tx);
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.payslip",
        serde_json::to_value(&signed).expect("json"),
    );
    assert!(why.contains("already recorded"), "{why}");
    // The employer reports the month as paid in full, on time: both records now say the
    // reports differ.
    let tx = w.employer.tx(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [
            {"worker": "w-5e1a77c0aa", "month": "2026-03", "currency": "QAR", "basic": 160000,
             "deductions": [["social_insurance", 5000]], "paid_on": "2026-04-02", "account": "a1"},
            {"worker": "w-5e1a77c0bb", "month": "2026-03", "currency": "QAR", "basic": 110000,
             "deductions": [["recruitment_loan", 40000]], "paid_on": "2026-04-02", "account": "a2"}]}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let theirs = payslip(&reader, "w-5e1a77c0aa", "2026-03")
        .expect("read")
        .expect("recorded");
    assert_eq!(
        kinds(&theirs.findings),
        [
            Kind::Underpaid,
            Kind::DeductionNotAllowed,
            Kind::ReportsDiffer
        ]
    );
    let differ = &theirs.findings[2];
    assert!(
        differ.paid.contains("basic 1600.00 QAR") && differ.expected.contains("basic 1100.00 QAR"),
        "{differ:?}"
    );
    let employers = state::wage(&reader, "w-5e1a77c0aa", "2026-03")
        .expect("read")
        .expect("reported");
    assert_eq!(kinds(&employers.findings), [Kind::ReportsDiffer]);
    drop(reader);

    // The other way round: the employer reported first (and truthfully); the payslip agrees.
    let agreeing = slip(second).sign(&w.wallet);
    let tx = w.ngo.tx(
        "recruit.payslip",
        serde_json::to_value(&agreeing).expect("json"),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let theirs = payslip(&reader, "w-5e1a77c0bb", "2026-03")
        .expect("read")
        .expect("recorded");
    assert_eq!(
        kinds(&theirs.findings),
        [Kind::Underpaid, Kind::DeductionNotAllowed]
    );
    // Qatar's regulator sees what the payslips show.
    let qa = alerts(&reader, "QA").expect("alerts");
    assert_eq!(
        qa.iter().filter(|a| a.kind == "payslip").count(),
        4,
        "{qa:?}"
    );
}
