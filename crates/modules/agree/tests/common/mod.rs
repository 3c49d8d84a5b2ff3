//! The world of the agreement tests: a consortium with a regulator, a recruiter, a brand
//! and an employer, on a ledger with a second validator that must reach the same state
//! root at every height.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_agree::AgreeModule;
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_testkit::{Chain, Org};

pub const CHAIN: &str = "agree-test";

pub fn modules(_: &Genesis) -> Vec<Arc<dyn AnyModule>> {
    vec![
        Arc::new(unchain_supply::SupplyModule),
        Arc::new(unchain_recruit::RecruitModule),
        Arc::new(AgreeModule),
    ]
}

pub struct World {
    pub chain: Chain,
    pub qa: Org,
    pub brand: Org,
    pub recruiter: Org,
    pub employer: Org,
    pub dirs: (tempfile::TempDir, tempfile::TempDir),
}

pub fn world() -> World {
    let qa = Org::new(
        CHAIN,
        1,
        "qa-mol",
        &[
            Role::Governance,
            Role::Recruitment,
            Role::Agreements,
            Role::Supply,
        ],
    )
    .in_country("QA");
    let np = Org::new(CHAIN, 2, "np-dofe", &[Role::Recruitment, Role::Agreements]).in_country("NP");
    let brand = Org::new(
        CHAIN,
        3,
        "gb-threads",
        &[Role::Recruitment, Role::Supply, Role::Agreements],
    )
    .in_country("GB");
    let recruiter = Org::new(
        CHAIN,
        4,
        "np-himalaya-manpower",
        &[Role::Recruitment, Role::Agreements],
    )
    .in_country("NP");
    let employer = Org::new(
        CHAIN,
        5,
        "qa-doha-build",
        &[Role::Recruitment, Role::Agreements, Role::Supply],
    )
    .in_country("QA");
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let mut chain = Chain::new(
        dirs.0.path(),
        &[&qa, &np, &brand, &recruiter, &employer],
        modules,
    );
    chain.add_replica(dirs.1.path(), modules);
    let (mut qa, mut np) = (qa, np);
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
    World {
        chain,
        qa,
        brand,
        recruiter,
        employer,
        dirs,
    }
}

pub fn employer_pays(cel: &str) -> Value {
    json!({
        "agreement": "a-0000000000000000e001",
        "title": "No recruitment fee charged to a worker",
        "parties": ["gb-threads", "np-himalaya-manpower"],
        "arbiter": "qa-mol",
        "schema": 1,
        "clauses": [{
            "id": "employer-pays",
            "text": "No worker recruited for the brand's suppliers pays a fee; a fee paid is repaid in full.",
            "cel": cel,
            "every_blocks": 10,
            "consequence": {"kind": "penalty", "amount": 500000, "currency": "USD",
                "owed_by": "np-himalaya-manpower", "owed_to": "gb-threads"}
        }]
    })
}
