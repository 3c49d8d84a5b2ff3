//! The demo's identities: a (fictional) civil registry office in Thailand registers a
//! child with no birth certificate and links her mother as guardian; the mother's wallet
//! holds both credentials, ready to present at a border post. Every name is invented.

use crate::identitycmd::IssueTo;
use crate::issuing::{create_did, fetch_trust_bundle, link_guardian, register};
use crate::session::{Session, Who};
use crate::walletcmd::save_wallet;
use serde_json::Value;
use std::path::{Path, PathBuf};
use unchain_client::Client;
use unchain_identity::client::Wallet;

/// What the guide points to.
pub struct IdentitySeeded {
    /// The registry's DID.
    pub did: String,
    /// The child's pseudonymous id.
    pub child: String,
    /// The mother's wallet.
    pub wallet: PathBuf,
    /// The child's printable card.
    pub card: PathBuf,
    /// The issuer key file.
    pub issuer_key: PathBuf,
    /// The guardian link's status index.
    pub link_idx: u32,
    /// A trust bundle saved after seeding, for an offline border check.
    pub trust: PathBuf,
}

/// Seeds the identities in `dir/identity/`, issued by organisation 0 (th-dsi).
pub async fn seed_identity(
    dir: &Path,
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<IdentitySeeded> {
    let out = dir.join("identity");
    std::fs::create_dir_all(&out)?;
    let s = Session::open(&Who {
        key: key_files[0].1.clone(),
        node: clients[0].base().to_owned(),
        actor: "u-registrar-1".into(),
    })
    .await?;
    let issuer_key = out.join("registry-did.json");
    let did = create_did(
        &s,
        "TH civil registry (demo), Tak office",
        &issuer_key,
        None,
    )
    .await?;
    let wallet = out.join("mother-wallet.json");
    let mut w = Wallet::new();
    let mother = w.add_key("me", &mut rand::thread_rng())?;
    let child_key = w.add_key("child-1", &mut rand::thread_rng())?;
    let card = out.join("child-card.html");
    let child_cred = out.join("child.sd-jwt");
    let claims = vec![
        ("given_name".to_owned(), Value::from("Dao")),
        ("family_name".to_owned(), Value::from("Demo-Kaewmanee")),
        ("birth_date".to_owned(), Value::from("2022")),
        ("sex".to_owned(), Value::from("F")),
        (
            "registered_at".to_owned(),
            Value::from("Mae Sot registration desk (demo)"),
        ),
    ];
    let to = |holder: &str, file: &Path| IssueTo {
        issuer_key: issuer_key.clone(),
        holder: holder.to_owned(),
        out: file.to_owned(),
    };
    let child = register(&s, &to(&child_key, &child_cred), claims, 5, Some(&card)).await?;
    let link = out.join("guardian-link.sd-jwt");
    let link_idx = link_guardian(
        &s,
        &to(&mother, &link),
        &child,
        "mother",
        Some("Ploy Demo-Kaewmanee"),
        None,
        "2031-12-31",
    )
    .await?;
    w.store(&std::fs::read_to_string(&child_cred)?)?;
    w.store(&std::fs::read_to_string(&link)?)?;
    save_wallet(&w, &wallet)?;
    let trust = out.join("trust.json");
    let bundle = fetch_trust_bundle(&s).await?;
    std::fs::write(&trust, serde_json::to_vec_pretty(&bundle)?)?;
    Ok(IdentitySeeded {
        trust,
        did,
        child,
        wallet,
        card,
        issuer_key,
        link_idx,
    })
}
