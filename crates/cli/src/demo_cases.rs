//! The demo's cases and evidence: a labour-trafficking investigation across two countries
//! (Filipino fishers exploited on a Thai vessel), referred by Thailand's DSI to the
//! Philippines' IACAT with the seized phone handed over between them, and a set of
//! fictitious HTCDS cases for the statistics export. Every name is invented.

use crate::casecmd::{CasePolicy, open_case};
use crate::session::{Session, Who};
use serde_json::{Value, json};
use std::path::PathBuf;
use unchain_client::Client;
use unchain_types::Hash32;

/// What the guide points to.
pub struct CasesSeeded {
    /// The investigation.
    pub case: String,
    /// The seized phone.
    pub item: Hash32,
}

/// The investigation's HTCDS document.
fn investigation() -> Value {
    json!({
        "htcds_version": "2.0",
        "case": {"cas_Status": "Active", "cas_ReasonForIncomingReferral": "Other"},
        "consent": {"con_Consent": true},
        "persons": [
            {
                "id": "p1", "role": "victim",
                "prs_FirstName": "Jomar", "prs_SecondName": "Demo-Dalisay", "prs_Birthdate": "1998-05-17",
                "prs_Gender": "Masculine", "prs_Citizenship": ["PH"], "prs_MobilePhone": "+63 917 234 0142",
                "vic_TraffickingStatus": "ActualVictimOfTrafficking", "vic_TraffickingStatusDecisionMakingOrg": "Police",
                "vic_AgeWhenTrafficked": 26, "vic_RelationshipToTrafficker": "Acquainted",
                "vic_MethodOfRecruitment": ["ThroughOnlineSocialNetworks"], "vic_RecruitmentWebsitesAndApps": ["Facebook"],
                "vic_MethodsOfControl": ["DebtBondage", "WithholdsDocuments", "ExcessiveWorkingHours"],
                "vic_TypeOfExploitation": ["ForcedLabour"], "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing"
            },
            {
                "id": "p2", "role": "perpetrator",
                "prs_FirstName": "Anan", "prs_SecondName": "Demo-Broker", "prs_MobilePhone": "+66 81 234 0199",
                "per_RoleInProcess": ["RecruiterOrIntermediary", "Exploiter"]
            }
        ],
        "events": [
            {"person": "p1", "hte_Type": "Recruitment", "hte_Country": "PH", "hte_City": "General Santos", "hte_Date": "2024-11-02"},
            {"person": "p1", "hte_Type": "Transit", "hte_Country": "ID", "hte_Date": "2024-12-10"},
            {"person": "p1", "hte_Type": "Exploitation", "hte_Country": "TH", "hte_City": "Songkhla", "hte_Date": "2025-01-05"}
        ],
        "support_plans": [{"person": "p1", "spl_Type": "LabourExploitationRehabilitation"}]
    })
}

/// Seeds the cases and the hand-over. `key_files[i]` and `clients[i]` are organisation `i`
/// of the demo: 0 th-dsi, 2 ph-iacat.
pub async fn seed_cases(
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<CasesSeeded> {
    let who = |i: usize, actor: &str| Who {
        key: key_files[i].1.clone(),
        node: clients[i].base().to_owned(),
        actor: actor.into(),
    };
    let dsi = Session::open(&who(0, "u-dsi-investigator")).await?;
    let iacat = Session::open(&who(2, "u-iacat-forensics")).await?;
    let case = "TH-DSI-2026-0042";
    let doc = unchain_htcds::validate(&investigation())?;
    let policy = |country: Option<&str>| CasePolicy {
        country: country.map(str::to_owned),
        retention_days: 3650,
        subject: None,
        consent_required: false,
    };
    let record = open_case(&dsi, case, "investigation", &doc, &policy(Some("TH"))).await?;
    dsi.submit_quiet(
        "cases.transition",
        unchain_cases::client::transition(case, "open", "active", None, None, &dsi.actor),
    )
    .await?;
    let grant = dsi
        .grant_body(
            &record,
            "ph-iacat",
            "repatriation and prosecution in the Philippines",
            "public_task",
            false,
        )
        .await?;
    dsi.submit_quiet("vault.grant", grant).await?;
    dsi.submit_quiet(
        "cases.refer",
        unchain_cases::client::refer(case, "ph-iacat", "MigrationOrChangeOfLocation", &dsi.actor),
    )
    .await?;

    // The recruiter's phone, seized on the vessel, handed over to IACAT for the trial there.
    let item = Hash32(rand::random());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let hour = 3_600_000;
    let event = |prev: Option<String>, at: u64, location: &str, extra: Value| {
        let mut b = json!({
            "item": item, "at_ms": at, "location": location,
            "reason": format!("evidence in {case}"),
        });
        if let Some(p) = prev {
            b["prev"] = json!(p);
        }
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let photo =
        Hash32::digest(b"FICTIONAL DEMO: photograph of a black Android phone, evidence tag 117");
    let mut head = dsi
        .submit_quiet(
            "custody.collect",
            event(
                None,
                now - 48 * hour,
                "Fishing vessel, Songkhla port",
                json!({
                    "case": case, "evidence": "physical", "content_hash": photo,
                    "description": "Android phone, black, recruiter's (evidence tag 117)",
                }),
            ),
        )
        .await?
        .id;
    head = dsi
        .submit_quiet(
            "custody.seal",
            event(
                Some(head),
                now - 47 * hour,
                "DSI evidence room, Bangkok",
                json!({"seal_number": "TH-DSI-EV-000117"}),
            ),
        )
        .await?
        .id;
    head = dsi
        .submit_quiet(
            "custody.transfer",
            event(
                Some(head),
                now - 24 * hour,
                "Suvarnabhumi airport, diplomatic pouch",
                json!({"to": "ph-iacat"}),
            ),
        )
        .await?
        .id;
    head = iacat
        .submit_quiet(
            "custody.receive",
            event(
                Some(head),
                now - 20 * hour,
                "IACAT evidence room, Manila",
                json!({}),
            ),
        )
        .await?
        .id;
    iacat
        .submit_quiet(
            "custody.analyse",
            event(Some(head), now - 2 * hour, "NBI digital forensics laboratory, Manila", json!({
                "method": "logical extraction", "result_hash": Hash32::digest(b"FICTIONAL DEMO forensic report"),
            })),
        )
        .await?;

    // Fictitious cases for the statistics export.
    for (i, doc) in unchain_htcds::sample::documents(2026, 24)
        .into_iter()
        .enumerate()
    {
        let doc = unchain_htcds::validate(&doc)?;
        open_case(
            &dsi,
            &format!("TH-DSI-2026-{:04}", 100 + i),
            "case",
            &doc,
            &policy(None),
        )
        .await?;
    }
    Ok(CasesSeeded {
        case: case.into(),
        item,
    })
}
