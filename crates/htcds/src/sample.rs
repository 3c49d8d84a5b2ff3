//! Realistic, entirely fictitious HTCDS case documents, the same for the same seed: the
//! demo seeds its chain with them and the tests export statistics from them. Names are
//! drawn from short lists of common given and family names; no real person is meant.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const GIVEN: [&str; 16] = [
    "Aung", "Mya", "Sokha", "Dara", "Bounmy", "Noy", "Thanh", "Lan", "Maria", "Jose", "Ngozi",
    "Chinedu", "Somchai", "Malee", "Hnin", "Kyaw",
];
const FAMILY: [&str; 12] = [
    "Win",
    "Oo",
    "Chan",
    "Sok",
    "Phommachanh",
    "Nguyen",
    "Tran",
    "Santos",
    "Reyes",
    "Okafor",
    "Jaidee",
    "Htun",
];
/// (citizenship, mobile number prefix): with a three- and a four-digit group after it, a
/// number libphonenumber accepts as valid.
const ORIGINS: [(&str, &str); 5] = [
    ("MM", "+95 9 25"),
    ("KH", "+855 12"),
    ("LA", "+856 20 5"),
    ("VN", "+84 91"),
    ("PH", "+63 917"),
];
const DESTINATIONS: [&str; 2] = ["TH", "MY"];
const CONTROL: [&str; 8] = [
    "DebtBondage",
    "WithholdsDocuments",
    "TakesEarnings",
    "ExcessiveWorkingHours",
    "PhysicalThreats",
    "FalsePromises",
    "RestrictsFinancialAccess",
    "PsychologicalAbuse",
];
const INDUSTRIES: [&str; 4] = [
    "A_AgricultureForestryAndFishing",
    "C_Manufacturing",
    "F_Construction",
    "T_ActivitiesOfHouseholdsAsEmployers",
];

/// One labour-trafficking case document: a victim recruited in their country and
/// exploited in Thailand or Malaysia, a recruiter, the recruitment and exploitation events.
pub fn document(rng: &mut StdRng) -> Value {
    let (citizenship, prefix) = *ORIGINS.choose(rng).expect("origins");
    let destination = *DESTINATIONS.choose(rng).expect("destinations");
    let born = rng.gen_range(1975..=2006);
    let trafficked_at = rng.gen_range(2022..=2025);
    let how_many = rng.gen_range(1..=3);
    let mut control: Vec<&str> = CONTROL.choose_multiple(rng, how_many).copied().collect();
    control.sort_by_key(|c| CONTROL.iter().position(|x| x == c));
    let sex = rng.gen_bool(0.15);
    let relation = *["Acquainted", "Unaquainted", "Familial"]
        .choose(rng)
        .expect("relation");
    let method = *[
        "ThroughOnlineSocialNetworks",
        "ThroughFriendsOrSocialEvents",
        "AtWork",
    ]
    .choose(rng)
    .expect("method");
    let app = *["Facebook", "Telegram", "WhatsApp"]
        .choose(rng)
        .expect("app");
    let mut victim = json!({
        "id": "p1",
        "role": "victim",
        "prs_FirstName": GIVEN.choose(rng).expect("given"),
        "prs_SecondName": FAMILY.choose(rng).expect("family"),
        "prs_Birthdate": format!("{born}-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28)),
        "prs_Gender": if rng.gen_bool(0.55) { "Masculine" } else { "Feminine" },
        "prs_Citizenship": [citizenship],
        "prs_MobilePhone": format!("{prefix} {:03} {:04}", rng.gen_range(100..999), rng.gen_range(0..9999)),
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickingStatusDecisionMakingOrg": "Police",
        "vic_AgeWhenTrafficked": trafficked_at - born,
        "vic_RelationshipToTrafficker": relation,
        "vic_MethodOfRecruitment": [method],
        "vic_RecruitmentWebsitesAndApps": [app],
        "vic_MethodsOfControl": control,
        "vic_TypeOfExploitation": if sex { json!(["SexualExploitation"]) } else { json!(["ForcedLabour"]) },
    });
    if sex {
        victim["vic_TypeOfSexExploitation"] = json!(["Prostitution"]);
    } else {
        victim["vic_ForcedLabourIndustry"] = json!(INDUSTRIES.choose(rng).expect("industry"));
    }
    json!({
        "htcds_version": "2.0",
        "case": {
            "cas_Status": "Active",
            "cas_ReasonForIncomingReferral": "AdditionalServicesRequired",
        },
        "consent": {"con_Consent": true},
        "persons": [
            victim,
            {
                "id": "p2",
                "role": "perpetrator",
                "prs_FirstName": GIVEN.choose(rng).expect("given"),
                "prs_SecondName": FAMILY.choose(rng).expect("family"),
                "per_RoleInProcess": ["RecruiterOrIntermediary"],
            },
        ],
        "events": [
            {"person": "p1", "hte_Type": "Recruitment", "hte_Country": citizenship, "hte_Date": format!("{trafficked_at}-0{}-15", rng.gen_range(1..=9))},
            {"person": "p1", "hte_Type": "Exploitation", "hte_Country": destination, "hte_Date": format!("{trafficked_at}-1{}-01", rng.gen_range(0..=2))},
        ],
        "support_plans": [{"person": "p1", "spl_Type": "Legal"}],
    })
}

/// `n` documents from `seed`.
pub fn documents(seed: u64, n: usize) -> Vec<Value> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| document(&mut rng)).collect()
}
