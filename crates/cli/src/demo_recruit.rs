//! The demo's migration corridor, Nepal → Qatar: Nepal's Department of Foreign Employment
//! and Qatar's Ministry of Labour (each admitted by vote with the recruitment role) license
//! a Kathmandu recruitment agency and a Doha construction firm; the agency registers an
//! offer for a worker; on arrival the firm registers a worse contract (lower wage, no rest
//! day, a "recruitment loan" deducted) — caught term by term; the worker had paid the
//! agency a fee, which is reported and still owed; March's wage is paid late and short; a
//! worker tells of a held passport and short pay through the first node's worker page (in
//! Nepali), and the firm promises a remedy by a date.
//! Every organisation, person and figure is invented.

use crate::demo_supply::admit;
use crate::session::{Session, Who};
use anyhow::Context as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use unchain_client::Client;

/// What the guide points to.
pub struct RecruitSeeded {
    /// The offer whose contract was substituted.
    pub offer: String,
    /// The key files of Nepal's and Qatar's regulators.
    pub np_regulator: PathBuf,
    /// Qatar's.
    pub qa_regulator: PathBuf,
    /// The employer's key file (it answers grievances).
    pub employer: PathBuf,
    /// The grievance a worker sent through the first node's worker page, if it went.
    pub grievance: Option<String>,
    /// The Employer Pays agreement between the firm and the agency, broken by the fee.
    pub agreement: String,
}

const WORKER: &str = "w-demo-5e1a77c0";

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

/// Seeds the corridor through `clients[0]`, th-dsi (`key_files[0]`) proposing each member.
pub async fn seed_recruit(
    dir: &Path,
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<RecruitSeeded> {
    let mut keys = Vec::new();
    for (name, display, country) in [
        ("np-dofe", "Department of Foreign Employment (Nepal)", "NP"),
        ("qa-mol", "Ministry of Labour (Qatar)", "QA"),
        (
            "np-himalaya-manpower",
            "Himalaya Manpower Pvt. Ltd. (recruitment agency)",
            "NP",
        ),
        ("qa-doha-build", "Doha Build W.L.L. (construction)", "QA"),
    ] {
        let path = admit(
            dir,
            key_files,
            clients,
            (name, display, country, &["recruitment", "agreements"]),
            "a party to the Nepal → Qatar labour migration corridor",
        )
        .await
        .with_context(|| format!("admitting {name}"))?;
        keys.push(path);
    }
    let node = clients[0].base().to_owned();
    let open = |i: usize, actor: &str| {
        let who = Who {
            key: keys[i].clone(),
            node: node.clone(),
            actor: actor.into(),
        };
        async move { Session::open(&who).await }
    };
    let (np, qa, agency, firm) = (
        open(0, "u-dofe-licensing").await?,
        open(1, "u-mol-inspection").await?,
        open(2, "u-agency-desk").await?,
        open(3, "u-firm-hr").await?,
    );
    let licence = |party: &str, kind: &str, country: &str| {
        json!({"party": party, "kind": kind, "name": party, "country": country,
            "licence": "DEMO-0042", "status": "active", "valid_until": "2028-07-15"})
    };
    np.submit_quiet(
        "recruit.licence",
        licence("np-himalaya-manpower", "recruiter", "NP"),
    )
    .await?;
    qa.submit_quiet(
        "recruit.licence",
        licence("qa-doha-build", "employer", "QA"),
    )
    .await?;
    let offer = agency
        .submit_quiet(
            "recruit.offer",
            json!({"worker": WORKER, "terms": terms(),
                "terms_hash": unchain_types::Hash32::digest(b"FICTIONAL DEMO: the offer signed in Kathmandu").to_hex()}),
        )
        .await
        .context("the offer")?;
    let mut worse = terms();
    worse["wage"]["amount"] = json!(120000);
    worse["rest_days_per_week"] = json!(0);
    worse["deductions"] = json!([{"name": "social_insurance", "cap": 5000},
        {"name": "recruitment_loan", "cap": 40000}]);
    firm.submit_quiet(
        "recruit.contract",
        json!({"offer": offer.id, "terms": worse,
            "terms_hash": unchain_types::Hash32::digest(b"FICTIONAL DEMO: the contract handed over in Doha").to_hex()}),
    )
    .await
    .context("the substituted contract")?;
    qa.submit_quiet(
        "recruit.fee",
        json!({"worker": WORKER, "recruiter": "np-himalaya-manpower", "amount": 15_000_000,
            "currency": "NPR", "source": "worker",
            "evidence": unchain_types::Hash32::digest(b"FICTIONAL DEMO: the worker's statement").to_hex()}),
    )
    .await
    .context("the fee")?;
    let agreement = employer_pays(&firm, &agency, &qa).await?;
    firm.submit_quiet(
        "recruit.payroll",
        json!({"month": "2026-03", "records": [{"worker": WORKER, "month": "2026-03",
            "currency": "QAR", "basic": 110000, "deductions": [["social_insurance", 5000],
            ["recruitment_loan", 40000]], "paid_on": "2026-04-28",
            "account": unchain_types::Hash32::digest(b"FICTIONAL DEMO: account").to_hex()}]}),
    )
    .await
    .context("March's payroll")?;
    let grievance = grievance_through_the_page(&node, &firm).await?;
    if let Some(id) = &grievance {
        // The firm promises to return the passports and pay what it owes within a month.
        let by = unchain_recruit::voice::date_of_ms(crate::session::now_ms() + 30 * 86_400_000);
        firm.submit_quiet(
            "recruit.answer",
            json!({"voice": id, "response": "remedy",
                "remedies": ["passport_returned", "wages_paid"], "by": by}),
        )
        .await
        .context("the firm's answer")?;
    }
    Ok(RecruitSeeded {
        offer: offer.id,
        np_regulator: keys[0].clone(),
        qa_regulator: keys[1].clone(),
        employer: keys[3].clone(),
        grievance,
        agreement,
    })
}

/// The Employer Pays agreement from its template, between the firm (which proposes it)
/// and the agency, Qatar's ministry the arbiter: signed, evaluated over the fee the worker
/// paid (still owed: broken, a penalty recorded) and its outcome attested into the log.
async fn employer_pays(firm: &Session, agency: &Session, qa: &Session) -> anyhow::Result<String> {
    let template = include_str!("../../../templates/agreements/employer-pays.json")
        .replace("\"brand\"", "\"qa-doha-build\"")
        .replace("\"recruiter\"", "\"np-himalaya-manpower\"")
        .replace("\"regulator\"", "\"qa-mol\"");
    let proposal = unchain_agree::client::propose(serde_json::from_str(&template)?);
    let id = proposal["agreement"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    firm.submit_quiet("agree.propose", proposal)
        .await
        .context("proposing Employer Pays")?;
    agency
        .submit_quiet("agree.sign", unchain_agree::client::sign(&id))
        .await
        .context("signing Employer Pays")?;
    qa.submit_quiet(
        "agree.evaluate",
        unchain_agree::client::evaluate(&id, "employer-pays"),
    )
    .await
    .context("evaluating Employer Pays")?;
    let view: Value = firm.get(&format!("/v1/agreements/{id}")).await?;
    let body =
        unchain_agree::client::attest(&id, 0, &view["outcomes"][0]).map_err(anyhow::Error::msg)?;
    firm.submit_quiet("agree.attest", body)
        .await
        .context("attesting the breach")?;
    Ok(id)
}

/// A worker tells of a held passport and unpaid wages in Nepali through `node`'s worker
/// page, as a browser would (the form's token, then the post); the grievance's id once the
/// ledger has it. `None` if the node serves no worker pages.
async fn grievance_through_the_page(node: &str, firm: &Session) -> anyhow::Result<Option<String>> {
    let http = reqwest::Client::new();
    let form = http
        .get(format!("{node}/work/grievance?lang=ne"))
        .send()
        .await?;
    if !form.status().is_success() {
        return Ok(None);
    }
    let html = form.text().await?;
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the worker page's form has no token")?
        .to_owned();
    let sent = http
        .post(format!("{node}/work/grievance"))
        .form(&[
            ("lang", "ne"),
            ("token", token.as_str()),
            ("pow", ""),
            ("employer", "qa-doha-build"),
            ("problem", "retention_of_identity_documents"),
            ("problem", "withholding_of_wages"),
            (
                "words",
                "FICTIONAL DEMO: the site office keeps our passports; March's pay was short.",
            ),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        sent.status().is_success(),
        "the worker page refused the demo grievance: {}",
        sent.status()
    );
    // The page waited for the ledger; the firm (which must answer) finds it there.
    for _ in 0..100 {
        let list: Vec<Value> = firm
            .get("/v1/recruit/employers/qa-doha-build/grievances")
            .await?;
        if let Some(id) = list.first().and_then(|g| g["voice"].as_str()) {
            return Ok(Some(id.to_owned()));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the demo grievance never reached the ledger")
}
