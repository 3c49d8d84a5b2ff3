//! `membership.*` (validator-set changes and key rotations among them), `cases.*`,
//! `custody.*`, `tips.*`, `recruit.*` and `agree.*` transaction bodies: checking never
//! panics on any JSON.

use unchain_ledger::Module;

/// One input.
pub fn run(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let membership = unchain_ledger::membership::MembershipModule;
    for k in membership.kinds() {
        let _ = membership.parse_body(k.kind, &body);
    }
    for k in unchain_cases::KINDS {
        let _ = unchain_cases::CasesModule.parse_body(k.kind, &body);
    }
    for k in unchain_custody::KINDS {
        let _ = unchain_custody::CustodyModule.parse_body(k.kind, &body);
    }
    for k in unchain_tips::KINDS {
        let _ = unchain_tips::TipsModule.parse_body(k.kind, &body);
    }
    for k in unchain_recruit::KINDS {
        let _ = unchain_recruit::RecruitModule.parse_body(k.kind, &body);
    }
    for k in unchain_agree::KINDS {
        let _ = unchain_agree::AgreeModule.parse_body(k.kind, &body);
    }
}
