//! Worker voice on a real ledger with a second validator: a grievance through the tip
//! machinery answered by the employer and followed to a remedy or to the regulator; every
//! refusal; surveys; and aggregates that publish a month only when eleven workers spoke and
//! the month has closed.

use serde_json::{Value, json};
use std::sync::Arc;
use unchain_ledger::{AnyModule, Genesis, Role};
use unchain_recruit::RecruitModule;
use unchain_recruit::voice::{
    MIN_GROUP, Standing, VoiceKind, date_of_ms, month_of_ms, new_voice_id,
};
use unchain_recruit::voice_state::{escalated_for, published, voice, voice_of_tip};
use unchain_testkit::{Chain, Org};
use unchain_tips::TipsModule;
use unchain_tips::client;

const CHAIN: &str = "voice-test";
const DAY: u64 = 86_400_000;

fn modules(_: &Genesis) -> Vec<Arc<dyn AnyModule>> {
    vec![
        Arc::new(TipsModule),
        Arc::new(RecruitModule),
        Arc::new(unchain_supply::SupplyModule),
    ]
}

struct World {
    chain: Chain,
    qa_regulator: Org,
    employer: Org,
    ngo: Org,
    other_ngo: Org,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn world() -> World {
    let qa_regulator =
        Org::new(CHAIN, 1, "qa-mol", &[Role::Governance, Role::Recruitment]).in_country("QA");
    let employer = Org::new(CHAIN, 2, "qa-doha-build", &[Role::Recruitment]).in_country("QA");
    let ngo = Org::new(
        CHAIN,
        3,
        "migrant-rights",
        &[Role::Tips, Role::Recruitment, Role::Supply],
    );
    let other_ngo = Org::new(CHAIN, 4, "workers-hub", &[Role::Tips, Role::Recruitment]);
    let dirs = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let mut chain = Chain::new(
        dirs.0.path(),
        &[&qa_regulator, &employer, &ngo, &other_ngo],
        modules,
    );
    chain.add_replica(dirs.1.path(), modules);
    let mut w = World {
        chain,
        qa_regulator,
        employer,
        ngo,
        other_ngo,
        _dirs: dirs,
    };
    let tx = w.qa_regulator.tx(
        "recruit.licence",
        json!({"party": "qa-doha-build", "kind": "employer", "name": "Doha Build W.L.L.",
            "country": "QA", "licence": "QA-1234", "status": "active"}),
    );
    w.chain.ok(&tx);
    w
}

/// A grievance as the worker page records it: the words sealed in a tip to `intake`, then
/// `recruit.voice` naming the tip. Returns (voice id, tip id).
fn grievance(w: &mut World, indicators: &[&str]) -> (String, String) {
    let content = json!({"type": "report", "form": "worker-voice", "lang": "ne", "seen": [],
        "location": "qa-doha-build", "when": "", "danger": "unsure",
        "description": "They keep our passports and pay half.", "contacts": "", "attachments": []});
    let new = client::new_tip(
        CHAIN,
        ("migrant-rights", &w.ngo.enc.public_key()),
        "worker-voice",
        &content,
        &[],
        w.chain.time_ms + 1000,
    );
    let tx = w.ngo.tx("tips.receive", new.body.clone());
    w.chain.ok(&tx);
    let id = new_voice_id();
    let tx = w.ngo.tx(
        "recruit.voice",
        json!({"voice": id, "employer": "qa-doha-build", "kind": "grievance",
            "indicators": indicators, "tip": new.tip}),
    );
    w.chain.ok(&tx);
    (id, new.tip)
}

fn survey(w: &mut World, indicators: &[&str]) {
    let tx = w.ngo.tx(
        "recruit.voice",
        json!({"voice": new_voice_id(), "employer": "qa-doha-build", "kind": "survey",
            "indicators": indicators}),
    );
    w.chain.ok(&tx);
}

fn answer(id: &str, by: &str) -> Value {
    json!({"voice": id, "response": "remedy", "remedies": ["passport_returned", "wages_paid"], "by": by})
}

fn standing_now(w: &World, id: &str) -> Standing {
    let reader = w.chain.ledger.state_reader().expect("state");
    voice(&reader, id)
        .expect("read")
        .expect("recorded")
        .standing(w.chain.time_ms)
        .expect("a grievance has a standing")
}

#[test]
fn a_grievance_is_answered_by_the_employer_and_the_worker_says_whether_it_was_remedied() {
    let mut w = world();
    let (id, tip) = grievance(
        &mut w,
        &["retention_of_identity_documents", "withholding_of_wages"],
    );
    let reader = w.chain.ledger.state_reader().expect("state");
    let rec = voice_of_tip(&reader, &tip)
        .expect("read")
        .expect("the tip's");
    drop(reader);
    assert_eq!(rec.voice.voice, id);
    assert_eq!(
        rec.month,
        month_of_ms(w.chain.time_ms),
        "the month of the block"
    );
    let day = |n: u64| date_of_ms(w.chain.time_ms + n * DAY);
    let (in_a_month, in_a_year, later) = (day(30), day(365), day(35));
    assert!(matches!(
        standing_now(&w, &id),
        Standing::AwaitingAnswer { .. }
    ));

    // Only the employer answers, and only with a date within 90 days.
    let why = w.chain.refused(
        &mut w.qa_regulator,
        "recruit.answer",
        answer(&id, &in_a_month),
    );
    assert!(why.contains("only the employer it is about"), "{why}");
    let why = w
        .chain
        .refused(&mut w.employer, "recruit.answer", answer(&id, &in_a_year));
    assert!(
        why.contains(&format!("by: {in_a_year} is not between today")),
        "{why}"
    );
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.outcome",
        json!({"voice": id, "remedied": true}),
    );
    assert!(why.contains("has no answer yet"), "{why}");
    let tx = w.employer.tx("recruit.answer", answer(&id, &in_a_month));
    w.chain.ok(&tx);
    assert_eq!(
        standing_now(&w, &id),
        Standing::RemedyPromised { by: in_a_month }
    );
    let why = w
        .chain
        .refused(&mut w.employer, "recruit.answer", answer(&id, &later));
    assert!(why.contains("is already answered"), "{why}");

    // The worker's word comes only through the intake that holds their receipt code.
    let why = w.chain.refused(
        &mut w.other_ngo,
        "recruit.outcome",
        json!({"voice": id, "remedied": true}),
    );
    assert!(why.contains("only its intake (migrant-rights)"), "{why}");
    let tx = w
        .ngo
        .tx("recruit.outcome", json!({"voice": id, "remedied": false}));
    w.chain.ok(&tx);
    assert_eq!(
        standing_now(&w, &id),
        Standing::Escalated {
            reason: "not_remedied".into()
        }
    );
    let tx = w
        .ngo
        .tx("recruit.outcome", json!({"voice": id, "remedied": true}));
    w.chain.ok(&tx);
    assert_eq!(standing_now(&w, &id), Standing::Remedied);
}

#[test]
fn an_unanswered_or_disputed_grievance_reaches_the_regulator_that_licensed_the_employer() {
    let mut w = world();
    let (silent, _) = grievance(&mut w, &["excessive_overtime"]);
    let (disputed, _) = grievance(&mut w, &["deception"]);
    let tx = w.employer.tx(
        "recruit.answer",
        json!({"voice": disputed, "response": "dispute"}),
    );
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let now = escalated_for(&reader, "qa-mol", w.chain.time_ms).expect("read");
    assert_eq!(now.len(), 1, "only the disputed one so far");
    assert_eq!(now[0].0.voice.voice, disputed);
    // Fifteen days on, the silent one is overdue too; a member that licensed nothing here
    // sees neither.
    let later = w.chain.time_ms + 15 * DAY;
    let ids: Vec<_> = escalated_for(&reader, "qa-mol", later)
        .expect("read")
        .into_iter()
        .map(|(v, s)| (v.voice.voice, s))
        .collect();
    assert!(ids.contains(&(
        silent.clone(),
        Standing::Escalated {
            reason: "no_answer".into()
        }
    )));
    assert_eq!(ids.len(), 2);
    assert!(
        escalated_for(&reader, "migrant-rights", later)
            .expect("read")
            .is_empty()
    );
}

#[test]
fn what_a_voice_may_name_and_who_may_record_it_is_checked() {
    let mut w = world();
    let (id, tip) = grievance(&mut w, &[]);
    // A tip carries one grievance; another intake's tip carries none of ours.
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.voice",
        json!({"voice": new_voice_id(), "employer": "qa-doha-build", "kind": "grievance",
            "indicators": [], "tip": tip}),
    );
    assert!(why.contains("already carries a grievance"), "{why}");
    let why = w.chain.refused(
        &mut w.other_ngo,
        "recruit.voice",
        json!({"voice": new_voice_id(), "employer": "qa-doha-build", "kind": "grievance",
            "indicators": [], "tip": tip}),
    );
    assert!(why.contains("was received by migrant-rights"), "{why}");
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.voice",
        json!({"voice": id, "employer": "qa-doha-build", "kind": "survey", "indicators": []}),
    );
    assert!(why.contains("already exists"), "{why}");
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.voice",
        json!({"voice": new_voice_id(), "employer": "qa-unknown", "kind": "survey", "indicators": []}),
    );
    assert!(why.contains("qa-unknown holds no licence"), "{why}");
    let why = w.chain.refused(
        &mut w.ngo,
        "recruit.voice",
        json!({"voice": new_voice_id(), "employer": "qa-doha-build", "kind": "survey",
            "indicators": ["unhappy"]}),
    );
    assert!(
        why.contains("indicators") && why.contains("not an ILO forced-labour indicator"),
        "{why}"
    );
    survey(&mut w, &["debt_bondage"]);
    let reader = w.chain.ledger.state_reader().expect("state");
    let surveys = unchain_recruit::voice_state::voices_about(&reader, "qa-doha-build")
        .expect("read")
        .into_iter()
        .filter(|v| v.voice.kind == VoiceKind::Survey)
        .count();
    assert_eq!(surveys, 1);
}

#[test]
fn a_month_is_published_only_when_closed_and_only_with_eleven_workers_of_a_kind() {
    let mut w = world();
    // This month: ten grievances (not published) and eleven surveys (published).
    for i in 0..10 {
        let inds: &[&str] = if i % 2 == 0 {
            &["withholding_of_wages"]
        } else {
            &[]
        };
        grievance(&mut w, inds);
    }
    for i in 0..11 {
        let inds: &[&str] = if i < 4 { &["debt_bondage"] } else { &[] };
        survey(&mut w, inds);
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let open = published(&reader, "qa-doha-build", w.chain.time_ms, MIN_GROUP).expect("read");
    assert!(open.is_empty(), "the month is still open: {open:?}");
    let february = w.chain.time_ms + 40 * DAY;
    let closed = published(&reader, "qa-doha-build", february, MIN_GROUP).expect("read");
    assert_eq!(
        closed.len(),
        1,
        "the ten grievances stay unpublished: {closed:?}"
    );
    assert_eq!(closed[0].kind, VoiceKind::Survey);
    assert_eq!(closed[0].count, 11);
    assert_eq!(closed[0].indicators["debt_bondage"], 4);
    drop(reader);
    // An eleventh grievance in the same month publishes the grievances too.
    grievance(&mut w, &["withholding_of_wages"]);
    let reader = w.chain.ledger.state_reader().expect("state");
    let closed = published(&reader, "qa-doha-build", february, MIN_GROUP).expect("read");
    let g = closed
        .iter()
        .find(|m| m.kind == VoiceKind::Grievance)
        .expect("eleven grievances are published");
    assert_eq!((g.count, g.indicators["withholding_of_wages"]), (11, 6));
    assert_eq!(g.escalated, 11, "none answered within 14 days");
}

#[test]
fn a_published_month_where_half_the_workers_signal_an_indicator_weighs_on_the_linked_facility() {
    let mut w = world();
    let site = "urn:epc:id:sgln:4012345.00077.0";
    let tx = w.ngo.tx(
        "supply.facility",
        json!({"id": site, "name": "Doha Build yard 7", "country": "QA", "sector": "construction"}),
    );
    w.chain.ok(&tx);
    // The NGO here also buys: it links itself, as a brand, to the employer and its yard.
    let tx = w.ngo.tx(
        "recruit.link",
        json!({"employer": "qa-doha-build", "facility": site}),
    );
    w.chain.ok(&tx);
    for i in 0..12 {
        let inds: &[&str] = if i < 6 {
            &["retention_of_identity_documents"]
        } else {
            &[]
        };
        survey(&mut w, inds);
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let facility = unchain_supply::body::facility_id("facility", site).expect("an id");
    let now = unchain_recruit::voice_state::facility_concerns(
        &reader,
        &facility,
        w.chain.time_ms,
        MIN_GROUP,
    )
    .expect("read");
    assert!(now.is_empty(), "the month is still open: {now:?}");
    let later = w.chain.time_ms + 40 * DAY;
    let found =
        unchain_recruit::voice_state::facility_concerns(&reader, &facility, later, MIN_GROUP)
            .expect("read");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "qa-doha-build");
    let c = &found[0].1[0];
    assert_eq!(
        (c.indicator.as_str(), c.count, c.of),
        ("retention_of_identity_documents", 6, 12)
    );
    // Another facility hears nothing of it.
    assert!(
        unchain_recruit::voice_state::facility_concerns(
            &reader,
            "urn:epc:id:sgln:4012345.00078.0",
            later,
            MIN_GROUP
        )
        .expect("read")
        .is_empty()
    );
}

#[test]
fn fees_workers_report_paying_an_agency_are_published_only_for_eleven_in_a_closed_month() {
    let mut w = world();
    let tx = w.qa_regulator.tx(
        "recruit.licence",
        json!({"party": "qa-gulf-staffing", "kind": "recruiter", "name": "Gulf Staffing",
            "country": "QA", "licence": "QA-R-7", "status": "active"}),
    );
    w.chain.ok(&tx);
    let paid = |recruiter: &str, amount: u64| {
        json!({"voice": new_voice_id(), "employer": "qa-doha-build", "kind": "survey",
            "indicators": ["debt_bondage"],
            "fee": {"amount": amount, "currency": "NPR", "recruiter": recruiter}})
    };
    let why = w
        .chain
        .refused(&mut w.ngo, "recruit.voice", paid("qa-nobody", 100));
    assert!(
        why.contains("fee.recruiter: qa-nobody holds no licence"),
        "{why}"
    );
    let mut no_fee_answer = paid("qa-gulf-staffing", 100);
    no_fee_answer["indicators"] = json!([]);
    let why = w.chain.refused(&mut w.ngo, "recruit.voice", no_fee_answer);
    assert!(
        why.contains("fee: only a survey that answered yes"),
        "{why}"
    );
    for i in 0..10u64 {
        let tx = w
            .ngo
            .tx("recruit.voice", paid("qa-gulf-staffing", 15_000_000 + i));
        w.chain.ok(&tx);
    }
    let reader = w.chain.ledger.state_reader().expect("state");
    let later = w.chain.time_ms + 40 * DAY;
    let ten =
        unchain_recruit::voice_state::fees_reported(&reader, "qa-gulf-staffing", later, MIN_GROUP)
            .expect("read");
    assert!(ten.is_empty(), "ten reports are not published: {ten:?}");
    drop(reader);
    let tx = w
        .ngo
        .tx("recruit.voice", paid("qa-gulf-staffing", 15_000_000));
    w.chain.ok(&tx);
    let reader = w.chain.ledger.state_reader().expect("state");
    let eleven =
        unchain_recruit::voice_state::fees_reported(&reader, "qa-gulf-staffing", later, MIN_GROUP)
            .expect("read");
    assert_eq!(eleven.len(), 1, "{eleven:?}");
    assert_eq!(eleven[0].count, 11);
    assert_eq!(eleven[0].fees["NPR"].total, 165_000_045);
    // The employer's survey month shows the fees too, without the agency.
    let months = published(&reader, "qa-doha-build", later, MIN_GROUP).expect("read");
    assert_eq!(months[0].fees["NPR"].count, 11);
}
