//! What the tips tests share: a chain of an NGO (the intake) and the police, and a report.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::Role;
use unchain_testkit::{Chain, Org};
use unchain_tips::TipsModule;

pub const CHAIN: &str = "tips-test";
pub const SECRET_WORDS: &str = "the men sleep in the boat hold at pier nine";

pub fn report() -> Value {
    json!({
        "type": "report", "form": "report", "lang": "th",
        "seen": ["forced_work", "locked_in"], "location": "Samut Sakhon, pier 9",
        "when": "last week", "danger": "yes", "description": SECRET_WORDS,
        "contacts": "+66 81 234 5678", "attachments": [],
    })
}

pub struct World {
    pub chain: Chain,
    pub ngo: Org,
    pub police: Org,
    pub _dir: tempfile::TempDir,
}

pub fn world() -> World {
    let dir = tempfile::tempdir().expect("tmp");
    let ngo = Org::new(
        CHAIN,
        1,
        "ngo",
        &[Role::Governance, Role::Tips, Role::Cases, Role::Records],
    );
    let police = Org::new(CHAIN, 2, "police", &[Role::Tips]);
    let chain = Chain::new(dir.path(), &[&ngo, &police], |g| {
        vec![
            Arc::new(unchain_vault::VaultModule::new(g)),
            Arc::new(unchain_cases::CasesModule),
            Arc::new(TipsModule),
        ]
    });
    World {
        chain,
        ngo,
        police,
        _dir: dir,
    }
}

pub fn at(c: &Chain) -> u64 {
    c.time_ms + 1000
}

pub fn reader(c: &Chain) -> unchain_ledger::StateReader {
    c.ledger.state_reader().expect("reader")
}

/// A new tip of [`report`] to the NGO, at the next block's time.
pub fn new_report(w: &World) -> unchain_tips::client::NewTip {
    unchain_tips::client::new_tip(
        CHAIN,
        ("ngo", &w.ngo.enc.public_key()),
        "report",
        &report(),
        &[],
        at(&w.chain),
    )
}

/// The NGO's reply `text` to `tip` (sealed, and its `tips.message` body), as `u-intake01`.
pub fn ngo_reply(w: &World, tip: &str, text: &str) -> (unchain_tips::message::Sealed, Value) {
    let view = unchain_tips::tip(&reader(&w.chain), tip)
        .expect("read")
        .expect("tip");
    unchain_tips::client::reply(
        CHAIN,
        &view.tip,
        &w.ngo.enc.public_key(),
        text,
        "u-intake01",
        at(&w.chain),
    )
}
