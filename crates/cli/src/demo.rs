//! `unchain demo`: a local chain with realistic sample activity, and a guide to it.

use crate::setup::{InitArgs, init};
use anyhow::Context as _;
use clap::Args;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use unchain_client::Client;
use unchain_types::{Hash32, SigningKey};

/// Arguments of `unchain demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// HTTP API address.
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub api: SocketAddr,
    /// p2p address of the validator.
    #[arg(long, default_value = "127.0.0.1:7800")]
    pub p2p: SocketAddr,
    /// Keep the chain in this directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Stop after seeding instead of running until Ctrl-C (for scripts and tests).
    #[arg(long)]
    pub exit_after_seed: bool,
}

const ORGS: [&str; 4] = [
    "th-dsi:TH:law_enforcement",
    "ng-naptip:NG:law_enforcement",
    "ph-iacat:PH:law_enforcement",
    "gb-unseen:GB:ngo",
];

/// Starts a node from `config` on a background thread and waits until its API answers.
pub fn start_node(
    config: &std::path::Path,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<(std::thread::JoinHandle<anyhow::Result<()>>, Client)> {
    let cfg = unchain_node::NodeConfig::load(config)?;
    let addr_file = cfg.data_dir.join("api.addr");
    let _ = std::fs::remove_file(&addr_file);
    let handle = std::thread::Builder::new()
        .name("node".into())
        .spawn(move || unchain_node::run(cfg))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let client = loop {
        if handle.is_finished() {
            return match handle.join() {
                Ok(Err(e)) => Err(e.context("the node stopped while starting")),
                _ => Err(anyhow::anyhow!("the node stopped while starting")),
            };
        }
        if let Ok(addr) = std::fs::read_to_string(&addr_file) {
            let client = Client::new(&format!("http://{addr}"));
            if rt.block_on(client.status()).is_ok() {
                break client;
            }
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the node did not answer within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok((handle, client))
}

/// The first of `n` consecutive ports free on `ip`.
fn consecutive_free_ports(ip: std::net::IpAddr, n: usize) -> anyhow::Result<u16> {
    for _ in 0..100 {
        let first = std::net::TcpListener::bind((ip, 0))?.local_addr()?.port();
        let Some(last) = first.checked_add(n as u16 - 1) else {
            continue;
        };
        if (first..=last).all(|p| std::net::TcpListener::bind((ip, p)).is_ok()) {
            return Ok(first);
        }
    }
    anyhow::bail!("found no {n} consecutive free ports on {ip}")
}

/// `unchain demo`.
pub fn demo(a: DemoArgs) -> anyhow::Result<()> {
    let tmp;
    let dir = match a.dir {
        Some(d) => d,
        None => {
            tmp = tempfile::Builder::new().prefix("unchain-demo-").tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    // Each node must know the others' API addresses before it starts (it carries its
    // organisation's blind token requests to them): "port 0" becomes four free ports.
    let api = if a.api.port() == 0 {
        SocketAddr::new(a.api.ip(), consecutive_free_ports(a.api.ip(), ORGS.len())?)
    } else {
        a.api
    };
    let out = init(InitArgs {
        dir: dir.clone(),
        chain_id: "unchain-demo".into(),
        orgs: ORGS.iter().map(|s| s.to_string()).collect(),
        validators: ORGS.len(),
        api,
        p2p: a.p2p,
        epoch_length: None,
    })?;
    let rt = crate::runtime()?;
    let mut nodes = Vec::new();
    let mut clients = Vec::new();
    for config in &out.configs {
        let (node, client) = start_node(config, &rt)
            .with_context(|| format!("starting the node of {}", config.display()))?;
        nodes.push(node);
        clients.push(client);
    }
    let client = clients[0].clone();
    let keys: Vec<(String, SigningKey)> = out
        .key_files
        .iter()
        .map(|(name, path)| {
            Ok((
                name.clone(),
                unchain_node::run::load_keys(path)?.signing_key()?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let seeded = rt
        .block_on(seed(&client, &keys))
        .context("seeding the demo chain")?;
    rt.block_on(token_key(&client, &keys))
        .context("making the demo's threshold token key")?;
    let vault = rt
        .block_on(seed_vault(&dir, &out.key_files, &clients))
        .context("seeding the demo vault")?;
    let cases = rt
        .block_on(crate::demo_cases::seed_cases(&out.key_files, &clients))
        .context("seeding the demo cases and evidence")?;
    let identity = rt
        .block_on(crate::demo_identity::seed_identity(
            &dir,
            &out.key_files,
            &clients,
        ))
        .context("seeding the demo identities")?;
    let tips = rt
        .block_on(crate::demo_tips::seed_tips(&out.key_files, &clients, 3))
        .context("seeding the demo tip")?;
    let supply = rt
        .block_on(crate::demo_supply::seed_supply(
            &dir,
            &out.key_files,
            &clients,
        ))
        .context("seeding the demo supply chain")?;
    let recruit = rt
        .block_on(crate::demo_recruit::seed_recruit(
            &dir,
            &out.key_files,
            &clients,
        ))
        .context("seeding the demo recruitment corridor")?;
    // Last, once every seeded share is made: Thailand's sharing policy governs what follows.
    rt.block_on(publish_sharing_policy(&out.key_files, &clients))
        .context("publishing Thailand's sharing policy")?;
    let logins = crate::demo_console::seed_console_users(&out.configs)
        .context("adding the demo's console users")?;
    let base = client.base().to_owned();
    println!();
    println!(
        "Unchain demo consortium `unchain-demo` is running: 4 organisations (TH, NG, PH, GB), each running a validator."
    );
    println!("Data directory: {}", dir.display());
    println!();
    println!("Nodes:");
    for ((name, _), c) in out.key_files.iter().zip(&clients) {
        println!("  {name:<12} {}", c.base());
    }
    println!();
    println!("The console (each organisation signs in at its own node; passwords shown once):");
    for l in &logins {
        let url = out
            .key_files
            .iter()
            .zip(&clients)
            .find(|((name, _), _)| *name == l.org)
            .map(|(_, c)| c.base().to_owned())
            .unwrap_or_default();
        println!(
            "  {url}/console   {:<10} {:<13} {:<24} ({})",
            l.org, l.user, l.password, l.roles
        );
    }
    println!();
    println!("Open (public: any node answers the same, to anyone):");
    println!("  {base}/v1/status                 the chain at a glance");
    println!(
        "  {base}/v1/checkpoint             the C2SP checkpoint, cosigned by at least 3 of the 4 validators"
    );
    println!(
        "  {base}/v1/proofs/consistency?old=1   that the log only grew (what witnesses check)"
    );
    println!(
        "  {base}/v1/members                the consortium (ke-dci was admitted by a 3-of-4 vote)"
    );
    println!("  {base}/v1/openapi.json           the API");
    println!("  {base}/metrics                   Prometheus metrics");
    println!();
    println!("Try:");
    println!(
        "  unchain status --chain {}   the whole consortium at a glance",
        dir.display()
    );
    println!(
        "  unchain proof {} --key {} --node {base} --genesis {} --out bundle.json",
        seeded.tx_id,
        out.key_files[0].1.display(),
        dir.join("genesis.json").display()
    );
    println!(
        "  (blocks, leaves and proofs are for members: the console's ledger page, or signed requests;"
    );
    println!(
        "   document {} was anchored twice: see it with a member's key at /v1/notary/…)",
        seeded.doc_hash
    );
    println!(
        "  unchain verify bundle.json --genesis {}",
        dir.join("genesis.json").display()
    );
    println!(
        "  unchain tx anchor README.md --key {} --doc-type readme --node {base}",
        out.key_files[1].1.display()
    );
    println!();
    println!("The vault (sealed records; every command signs with the organisation's key):");
    let key_of = |i: usize| out.key_files[i].1.display().to_string();
    println!(
        "  unchain vault alerts --key {} --node {} --actor u-dsi-analyst   th-dsi and gb-unseen recorded the same phone number",
        key_of(0),
        clients[0].base()
    );
    println!(
        "  unchain vault open {} --key {} --node {} --actor u-naptip-caseworker   ng-naptip opens the survivor record shared with consent",
        vault.survivor_record,
        key_of(1),
        clients[1].base()
    );
    println!(
        "  unchain vault open {} --key {} --node {} --actor u-iacat-forensics   ph-iacat has no grant: refused",
        vault.survivor_record,
        key_of(2),
        clients[2].base()
    );
    println!(
        "  unchain vault show {} --key {} --node {} --actor u-dsi-analyst   metadata, access and consent, never content",
        vault.survivor_record,
        key_of(0),
        clients[0].base()
    );
    println!();
    println!("Cases and evidence (TH investigation referred to PH; the seized phone handed over):");
    let as_user = |i: usize, user: &str| {
        format!(
            "--key {} --node {} --actor {user}",
            key_of(i),
            clients[i].base()
        )
    };
    let dsi = as_user(0, "u-dsi-investigator");
    let iacat = as_user(2, "u-iacat-forensics");
    println!("  unchain case list {dsi}");
    println!(
        "  unchain case show {} {dsi}   the investigation's workflow and history",
        cases.case
    );
    println!(
        "  unchain case export {} --out case.json {iacat}   ph-iacat reads the referred case (HTCDS JSON)",
        cases.case
    );
    println!(
        "  unchain case export {} --out case.json {}   ng-naptip was not referred: refused",
        cases.case,
        as_user(1, "u-naptip-1")
    );
    println!(
        "  unchain case audit {} {dsi}   every change, grant and read, with user and time",
        cases.case
    );
    println!("  unchain case stats --out ctdc.csv {dsi}   k-anonymised CTDC statistics (k = 11)");
    println!(
        "  unchain custody bundle {} --out custody.json --html custody.html {iacat}",
        cases.item
    );
    println!(
        "  unchain verify custody custody.json --genesis {}   offline, as a court would",
        dir.join("genesis.json").display()
    );
    println!("  unchain watch {iacat}   live: referrals, shared records, hand-overs, match alerts");
    println!();
    println!(
        "Identity (a child with no birth certificate, her mother as guardian; the border check works offline):"
    );
    let genesis = dir.join("genesis.json");
    let w = identity.wallet.display();
    let trust = &identity.trust;
    println!("  unchain identity resolve {} --node {base}", identity.did);
    println!("  unchain wallet show --wallet {w}");
    println!(
        "  {}   the child's printable card (QR)",
        identity.card.display()
    );
    println!(
        "  unchain identity trust-bundle --out {} {}   refresh the border post's trust bundle",
        trust.display(),
        as_user(1, "u-naptip-border")
    );
    println!("  N=$(unchain border challenge)");
    println!(
        "  unchain wallet present 1 --wallet {w} --aud post-mae-sot --nonce $N --out child.txt"
    );
    println!(
        "  unchain wallet present 2 --wallet {w} --disclose relationship --aud post-mae-sot --nonce $N --out adult.txt"
    );
    println!(
        "  unchain border check --bundle {} --genesis {} --child child.txt --adult adult.txt --aud post-mae-sot --nonce $N",
        trust.display(),
        genesis.display()
    );
    println!(
        "  {base}/border   the border check page (a border_officer's token: unchain user add NAME --role border_officer --config {})",
        dir.join("node.toml").display()
    );
    println!(
        "  unchain identity missing {} --reason \"reported missing\" {}   then refresh the bundle and check again",
        identity.child,
        as_user(1, "u-naptip-1")
    );
    println!(
        "  unchain identity set-status --issuer-key {} --idx {} --status revoked --reason \"court order\" {dsi}",
        identity.issuer_key.display(),
        identity.link_idx
    );
    println!();
    println!(
        "Anonymous tips (a car wash reported to Unseen through its public form; Unseen answered):"
    );
    println!(
        "  {}   the public form (works with JavaScript off; English, Spanish, Thai)",
        tips.form
    );
    println!(
        "  {}/return   come back with the receipt code: {}",
        tips.form, tips.code
    );
    let unseen = as_user(3, "u-unseen-intake");
    println!("  unchain tips list {unseen}");
    println!("  unchain tips show {} {unseen}", tips.tip);
    println!(
        "  unchain tips triage {} --priority high --category forced_labour --indicator retention_of_identity_documents --indicator debt_bondage {unseen}",
        tips.tip
    );
    println!(
        "  unchain tips convert {} --country GB {unseen}   a case from the tip: its phone number matches a record ph-iacat holds (then: unchain vault alerts {unseen})",
        tips.tip
    );
    println!(
        "  unchain verify tip-receipt proof-of-receipt-{}.json --genesis {}   the reporter's proof of receipt (download it from the return page)",
        tips.tip,
        genesis.display()
    );
    println!();
    println!(
        "Supply chains (a UK brand's T-shirts from Indian cotton through Thai mills; DSI's finding at a spinner, remediated; another open):"
    );
    println!(
        "  {}   public: a retail lot whose finding was remediated",
        supply.remediated_page
    );
    println!(
        "  {}   public: a retail lot an open finding reaches",
        supply.flagged_page
    );
    println!(
        "  unchain supply trace {} {dsi}   the finding's path and the tiers",
        supply.flagged_lot
    );
    println!(
        "  curl -s '{}?format=bundle' > provenance.json && unchain verify provenance provenance.json --genesis {}",
        supply.flagged_page,
        genesis.display()
    );
    println!(
        "  unchain supply query EQ_bizStep=shipping {dsi}   EPCIS events (also GET {base}/epcis/events)"
    );
    println!(
        "  {base}/console/supply   as an investigator: the facility risk map, the findings and their reach, a lot's trace"
    );
    println!();
    println!(
        "Recruitment (Nepal → Qatar: a worker's contract substituted on arrival, a fee paid to the agency, March's wage late and short):"
    );
    println!(
        "  unchain recruit show {} --key {} --actor u-you   the offer, the contract, every worse term",
        recruit.offer,
        recruit.qa_regulator.display()
    );
    println!(
        "  unchain recruit alerts QA --key {} --actor u-you   Qatar's ministry: substitutions, wages",
        recruit.qa_regulator.display()
    );
    println!(
        "  unchain recruit alerts NP --key {} --actor u-you   Nepal's department: the same contract, the fee still owed",
        recruit.np_regulator.display()
    );
    println!(
        "  {base}/work?lang=ne   the worker's own pages (Nepali; also Bengali, Burmese, Khmer, Indonesian, Tagalog, Arabic): check an offer, tell of a problem, six questions"
    );
    if let Some(g) = &recruit.grievance {
        println!(
            "  unchain recruit voice list qa-doha-build --key {} --actor u-you   the firm's grievances to answer ({g} answered with a promise)",
            recruit.employer.display()
        );
    }
    println!();
    println!(
        "Compliance agreements (Employer Pays between the firm and the agency, arbitrated by Qatar's ministry; the fee still owed broke it):"
    );
    println!(
        "  unchain agreement show {} --key {} --actor u-you   the clause in words and in CEL, the breach, the penalty owed",
        recruit.agreement,
        recruit.employer.display()
    );
    println!(
        "  unchain agreement bundle {} 0 --out outcome.json --key {} --actor u-you && unchain verify agreement outcome.json --genesis {}   the breach, re-checked offline",
        recruit.agreement,
        recruit.employer.display(),
        genesis.display()
    );
    println!(
        "  unchain vault policy show TH --key {} --node {}   Thailand's sharing policy: children's records, companies, where records may be held",
        key_of(0),
        base
    );
    println!(
        "  unchain vault grant {} --to gb-unseen --purpose referral --legal-basis public_task --key {} --node {} --actor u-you   refused: rule `residency`",
        vault.survivor_record,
        key_of(0),
        base
    );
    println!(
        "  unchain supply dossier {} --out for-customs --genesis {}   the due-diligence dossier, verified",
        supply.flagged_lot,
        genesis.display()
    );
    println!();
    if a.exit_after_seed {
        println!("(--exit-after-seed: stopping)");
        return Ok(());
    }
    println!("Press Ctrl-C to stop.");
    let mut result = Ok(());
    for node in nodes {
        match node.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => result = Err(e),
            Err(_) => result = Err(anyhow::anyhow!("a node thread panicked")),
        }
    }
    result
}

struct VaultSeeded {
    survivor_record: Hash32,
}

/// Seeds the vault: a (fictional) survivor record sealed by th-dsi with the survivor's
/// consent required, a hotline note by gb-unseen naming the same phone number written
/// another way (a match alert for both), and the survivor's consent to share with
/// ng-naptip, then the grant.
async fn seed_vault(
    dir: &std::path::Path,
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<VaultSeeded> {
    use crate::session::{Session, Who};
    use crate::vaultcmd::{SealSpec, seal_with};
    let who = |i: usize| Who {
        key: key_files[i].1.clone(),
        node: clients[i].base().to_owned(),
        actor: "u-demo-intake".into(),
    };
    let survivor = unchain_types::KeyFile::generate("survivor-demo", &mut rand::thread_rng());
    crate::setup::write_key_file(&dir.join("keys").join("survivor-demo.json"), &survivor)?;
    let subject = survivor.signing_key()?.public_key();
    let spec = |schema: &str, identifiers: &[&str], subject: Option<String>| SealSpec {
        schema: schema.into(),
        to: Vec::new(),
        subject: subject.clone(),
        consent_required: subject.is_some(),
        minor: false,
        retention_days: 3650,
        identifiers: identifiers.iter().map(|s| s.to_string()).collect(),
        country: Some("TH".into()),
        record: None,
    };
    let dsi = Session::open(&who(0)).await?;
    let person = json!({
        "note": "FICTIONAL DEMO RECORD",
        "name": "Ananda Demo",
        "date_of_birth": "1999-02-03",
        "phone": "+66 81 234 5678",
        "account": "recruited through an online advertisement for restaurant work abroad",
    });
    let (record, _) = seal_with(
        &dsi,
        person.to_string().as_bytes(),
        &spec(
            "htcds.person",
            &["phone:+66 81 234 5678", "name_dob:Ananda Demo|1999-02-03"],
            Some(subject.to_hex()),
        ),
    )
    .await?;
    let unseen = Session::open(&who(3)).await?;
    seal_with(
        &unseen,
        b"FICTIONAL DEMO: hotline caller reports a recruiter using this number",
        &spec("case.note", &["phone:0812345678"], None),
    )
    .await?;
    // The car wash's number, which the demo's tip gives: IACAT holds it from a Filipino
    // worker's phone, so Unseen's case from the tip matches IACAT's record.
    let iacat = Session::open(&who(2)).await?;
    let tip_phone = format!("phone:{}", crate::demo_tips::TIP_PHONE);
    seal_with(
        &iacat,
        b"FICTIONAL DEMO: a returned worker's phone holds this UK number, saved as 'boss car wash'",
        &spec("case.note", &[tip_phone.as_str()], None),
    )
    .await?;
    // The guide promises this match: check it happened (the tokens were evaluated blind by
    // three of the four validators, and still matched across the two ways of writing).
    // (th-dsi's node may apply gb-unseen's seal a moment after gb-unseen's node did.)
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let alerts: Vec<serde_json::Value> = dsi.get("/v1/vault/alerts").await?;
        if alerts.iter().any(|a| a["other_member"] == "gb-unseen") {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "th-dsi's and gb-unseen's records of the same phone number raised no match alert: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let purpose = "victim support and shelter referral";
    let statement = unchain_vault::body::consent_statement(
        &dsi.chain_id,
        &record,
        "ng-naptip",
        purpose,
        unchain_vault::body::Decision::Allow,
    );
    dsi.submit_quiet(
        "vault.consent",
        json!({"record": record, "recipient": "ng-naptip", "purpose": purpose, "decision": "allow",
               "signature": survivor.signing_key()?.sign(&statement)}),
    )
    .await?;
    let grant = dsi
        .grant_body(&record, "ng-naptip", purpose, "consent", false)
        .await?;
    dsi.submit_quiet("vault.grant", grant).await?;
    Ok(VaultSeeded {
        survivor_record: record,
    })
}

/// Thailand's sharing policy for the demo, published by th-dsi (its governance member):
/// the example template's rules, and records held only in the demo's partner countries
/// (Thailand, Nigeria, the Philippines, Malaysia), so that a Thai record never reaches the
/// British charity's node.
async fn publish_sharing_policy(
    key_files: &[(String, PathBuf)],
    clients: &[Client],
) -> anyhow::Result<()> {
    use crate::session::{Session, Who};
    let mut policy: serde_json::Value =
        serde_json::from_str(include_str!("../../../templates/sharing/example-th.json"))?;
    policy["title"] = json!(
        "Demo sharing policy for Thai members (fictional, not legal advice): children's records to child protection and justice only; abroad on a legal basis other than consent; held only in TH, NG, PH and MY; records about people never to companies"
    );
    policy["residency"] = json!(["MY", "NG", "PH", "TH"]);
    let dsi = Session::open(&Who {
        key: key_files[0].1.clone(),
        node: clients[0].base().to_owned(),
        actor: "u-dsi-legal".into(),
    })
    .await?;
    dsi.submit_quiet("vault.sharing_policy", policy).await?;
    Ok(())
}

struct Seeded {
    doc_hash: Hash32,
    tx_id: String,
}

/// Opens the first token-key round with the four validators as key holders and waits for
/// their nodes to run it: from then on no member holds a key that computes tokens, and
/// every seal's tokens are evaluated blind by three of the four.
async fn token_key(client: &Client, keys: &[(String, SigningKey)]) -> anyhow::Result<()> {
    let players: Vec<&str> = keys
        .iter()
        .take(ORGS.len())
        .map(|(n, _)| n.as_str())
        .collect();
    let tx = client
        .build(
            &keys[0].1,
            "vault.token_key_round",
            json!({"round": 0, "players": players}),
        )
        .await?;
    client.submit(&tx).await?;
    client.wait_for(&tx.id(), Duration::from_secs(30)).await?;
    let signer = unchain_client::RequestSigner {
        member: keys[0].0.clone(),
        key: keys[0].1.clone(),
        actor: None,
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let key: Result<serde_json::Value, _> =
            client.get_signed(&signer, "/v1/vault/token-key").await;
        if key.is_ok() {
            return Ok(());
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the validators did not finish the token-key round within 90 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn seed(client: &Client, keys: &[(String, SigningKey)]) -> anyhow::Result<Seeded> {
    let docs = [
        (
            0,
            "report",
            "labour inspection report, fishing vessel, Songkhla province",
            "2026-03-14",
        ),
        (
            1,
            "report",
            "referral summary from a shelter intake",
            "2026-04-02",
        ),
        (
            2,
            "photo",
            "photograph of a recruitment advertisement",
            "2026-05-20",
        ),
        (
            3,
            "contract",
            "destination employment contract, hospitality sector",
            "2026-06-11",
        ),
        (
            0,
            "photo",
            "evidence photograph, seized passports (hash only)",
            "2026-07-01",
        ),
    ];
    let mut ids = Vec::new();
    let mut first_hash = None;
    for (org, doc_type, description, date) in docs {
        let hash = Hash32(Sha256::digest(format!("{doc_type}:{description}").as_bytes()).into());
        first_hash.get_or_insert(hash);
        let tx = client
            .build(&keys[org].1, "notary.anchor", json!({"hash": hash.to_hex(), "doc_type": doc_type, "description": description, "document_date": date}))
            .await?;
        client.submit(&tx).await?;
        client.wait_for(&tx.id(), Duration::from_secs(30)).await?;
        ids.push(tx.id());
    }
    // A second agency anchors the same report it received: two independent attestations.
    let doc_hash = first_hash.expect("at least one document");
    let tx = client
        .build(&keys[1].1, "notary.anchor", json!({"hash": doc_hash.to_hex(), "doc_type": "report", "description": "copy received through referral"}))
        .await?;
    client.submit(&tx).await?;
    client.wait_for(&tx.id(), Duration::from_secs(30)).await?;

    // Governance: admit a fifth organisation with 3 of 4 approvals.
    let newcomer = unchain_types::KeyFile::generate("ke-dci", &mut rand::thread_rng());
    let member = json!({
        "name": "ke-dci", "display_name": "Kenya Directorate of Criminal Investigations", "jurisdiction": "KE",
        "roles": ["notary"], "signing_key": newcomer.signing_key()?.public_key().to_hex(),
        "encryption_key": newcomer.encryption_key()?.public_key().to_hex(), "validator": false
    });
    let propose = client
        .build(&keys[0].1, "membership.propose", json!({"change": {"action": "add", "member": member}, "reason": "joins the East Africa referral pilot"}))
        .await?;
    client.submit(&propose).await?;
    client
        .wait_for(&propose.id(), Duration::from_secs(30))
        .await?;
    for k in &keys[1..3] {
        let approve = client
            .build(
                &k.1,
                "membership.approve",
                json!({"proposal": propose.id().to_string()}),
            )
            .await?;
        client.submit(&approve).await?;
        client
            .wait_for(&approve.id(), Duration::from_secs(30))
            .await?;
    }
    Ok(Seeded {
        doc_hash,
        tx_id: ids[0].to_string(),
    })
}
