//! The demo's anonymous tip: someone reports a car wash in the UK through Unseen's public
//! form (`gb-unseen`, the helpline charity), over plain HTTP as a browser would with
//! JavaScript off; Unseen's intake officer answers. The guide shows the form, the receipt
//! code to come back with, and the agency's commands. The report is invented.

use crate::session::{Session, Who};
use anyhow::{Context as _, bail};
use std::path::PathBuf;
use unchain_client::Client;

/// The number the tipster gives: libphonenumber's example British mobile number, valid
/// but assigned to no one (Ofcom's drama range, 07700 900xxx, is refused as a phone number,
/// so a tip giving it would index nothing). `seed_vault` seals it at ph-iacat too, so the
/// tip converted into a case matches that record.
pub const TIP_PHONE: &str = "+44 7400 123456";

/// What the guide points to.
pub struct TipsSeeded {
    /// The public form's URL.
    pub form: String,
    /// The tip's id.
    pub tip: String,
    /// The reporter's receipt code.
    pub code: String,
}

/// The value of the first `attr="…"` after `marker` in `html`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(rest[start..start + rest[start..].find('"')?].to_owned())
}

/// Sends a tip to organisation `intake` (index into `key_files`) and answers it.
pub async fn seed_tips(
    key_files: &[(String, PathBuf)],
    clients: &[Client],
    intake: usize,
) -> anyhow::Result<TipsSeeded> {
    let base = clients[intake].base().to_owned();
    let form = format!("{base}/tips/report");
    let http = reqwest::Client::new();
    let page = http.get(&form).send().await?.text().await?;
    let token = attr_after(&page, "name=\"token\"", "value").context("the form has no token")?;
    let parts = reqwest::multipart::Form::new()
        .text("lang", "en")
        .text("token", token)
        .text("pow", "")
        .text("seen", "forced_work")
        .text("seen", "documents_taken")
        .text("seen", "locked_in")
        .text(
            "location",
            "Hand car wash behind the retail park, Northfield Road",
        )
        .text("when", "Most evenings since September")
        .text("danger", "unsure")
        .text(
            "description",
            "Six men work from 7am to 10pm every day. They sleep in a container behind the wash. \
             One told me their boss keeps their passports and they owe him for the journey.",
        )
        .text("contacts", TIP_PHONE);
    // The guide promises that converting the tip indexes its number: check it would.
    let (persons, _) = unchain_tips::client::contact_persons(TIP_PHONE, Some("GB"));
    anyhow::ensure!(
        persons.len() == 1,
        "the demo tip's number {TIP_PHONE} would not be indexed for matching"
    );
    let receipt = http.post(&form).multipart(parts).send().await?;
    if !receipt.status().is_success() {
        bail!("the tip form answered {}", receipt.status());
    }
    let html = receipt.text().await?;
    let list = &html[html
        .find("id=\"receipt-code\">")
        .context("no receipt code")?..];
    let code = list[..list.find("</ol>").context("receipt code")?]
        .split("<li>")
        .skip(1)
        .map(|w| w.trim_end_matches("</li>"))
        .collect::<Vec<_>>()
        .join(" ");
    let s = Session::open(&Who {
        key: key_files[intake].1.clone(),
        node: base,
        actor: "u-unseen-intake".into(),
    })
    .await?;
    let tips: Vec<unchain_tips::Tip> = s.get("/v1/tips").await?;
    let tip = tips.last().context("the tip was not recorded")?.tip.clone();
    crate::tipscmd::reply(
        &s,
        &tip,
        "Thank you for telling us. Do you know if any of the men are under 18?",
    )
    .await?;
    Ok(TipsSeeded { form, tip, code })
}
