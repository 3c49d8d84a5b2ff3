//! `unchain bench-vault`: how long a sealed record takes to reach a recipient.
//!
//! One organisation seals records for a second one, one at a time, through its own node;
//! for each it measures the sealing on the client (encryption and key wrapping), the time
//! until the seal is committed, and the time from submitting the seal until the
//! recipient's node serves the ciphertext to the recipient (commit, then the p2p transfer
//! between the vaults).

use crate::bench::{chain_configs, finish_throwaway, free_ports, percentile, running_node};
use crate::demo::start_node;
use crate::setup::{InitArgs, init};
use anyhow::Context as _;
use clap::Args;
use std::time::{Duration, Instant};
use unchain_client::{Client, ClientError, RequestSigner};
use unchain_ledger::Member;
use unchain_types::{Hash32, KeyFile};

/// Arguments of `unchain bench-vault`.
#[derive(Args)]
pub struct BenchVaultArgs {
    /// Records to seal, one after another.
    #[arg(long, default_value_t = 100)]
    pub records: usize,
    /// Plaintext bytes per record.
    #[arg(long, default_value_t = 4096)]
    pub size: usize,
    /// Validators of the throwaway two-organisation chain (1 or 2; with 1 the recipient's
    /// node is a follower).
    #[arg(long, default_value_t = 2)]
    pub validators: usize,
    /// Instead, use the running chain `unchain init` made in this directory: its first
    /// organisation seals for its second.
    #[arg(long, conflicts_with = "validators")]
    pub chain: Option<std::path::PathBuf>,
}

struct Org {
    keys: KeyFile,
    client: Client,
    signer: RequestSigner,
}

fn org(key_file: &std::path::Path, client: Client) -> anyhow::Result<Org> {
    let keys = unchain_node::run::load_keys(key_file)?;
    let signer = RequestSigner {
        actor: None,
        member: keys.name.clone(),
        key: keys.signing_key()?,
    };
    Ok(Org {
        keys,
        client,
        signer,
    })
}

/// `unchain bench-vault`.
pub fn bench_vault(a: BenchVaultArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.records >= 1, "--records must be at least 1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The in-process nodes run until the process exits (see `finish_throwaway`).
    let mut running = Vec::new();
    let mut throwaway = None;
    let dir = match &a.chain {
        Some(d) => d.clone(),
        None => {
            anyhow::ensure!(
                (1..=2).contains(&a.validators),
                "--validators must be 1 or 2"
            );
            let tmp = tempfile::Builder::new()
                .prefix("unchain-bench-vault-")
                .tempdir()?;
            let out = init(InitArgs {
                dir: tmp.path().to_path_buf(),
                chain_id: "unchain-bench-vault".into(),
                orgs: vec!["sealer:GB".into(), "recipient:TH".into()],
                validators: a.validators,
                api: "127.0.0.1:0".parse().expect("literal address"),
                p2p: free_ports(2)?,
                epoch_length: None,
            })?;
            for config in &out.configs {
                running.push(start_node(config, &rt)?.0);
            }
            let d = tmp.path().to_path_buf();
            throwaway = Some(tmp);
            d
        }
    };
    let configs = chain_configs(&dir, true)?;
    anyhow::ensure!(
        configs.len() >= 2,
        "{} has fewer than two nodes",
        dir.display()
    );
    let genesis = unchain_node::run::load_genesis(&dir.join("genesis.json"))?;
    let names: Vec<&str> = genesis
        .members
        .iter()
        .map(|m| m.name.as_str())
        .take(2)
        .collect();
    let sealer = org(
        &dir.join("keys").join(format!("{}.json", names[0])),
        running_node(&configs[0])?,
    )?;
    let recipient = org(
        &dir.join("keys").join(format!("{}.json", names[1])),
        running_node(&configs[1])?,
    )?;
    rt.block_on(run(a, &genesis.chain_id, &sealer, &recipient))?;
    finish_throwaway(throwaway);
    drop(running);
    Ok(())
}

async fn run(
    a: BenchVaultArgs,
    chain_id: &str,
    sealer: &Org,
    recipient: &Org,
) -> anyhow::Result<()> {
    let members: Vec<Member> = sealer.client.get_json("/v1/members").await?;
    let key_of = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| (name.to_owned(), m.encryption_key))
            .with_context(|| format!("{name} is not a member"))
    };
    let to = [key_of(&sealer.keys.name)?, key_of(&recipient.keys.name)?];
    let signing = sealer.keys.signing_key()?;
    let plaintext = vec![0x42u8; a.size];
    let (mut seal_ms, mut commit_ms, mut available_ms) = (Vec::new(), Vec::new(), Vec::new());
    println!(
        "sealing {} records of {} bytes from {} (node {}) for {} (node {})",
        a.records,
        a.size,
        sealer.keys.name,
        sealer.client.base(),
        recipient.keys.name,
        recipient.client.base()
    );
    let bar = indicatif::ProgressBar::new(a.records as u64);
    for _ in 0..a.records {
        let mut id = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
        let id = Hash32(id);
        let t0 = Instant::now();
        let sealed = unchain_vault::client::prepare_seal(unchain_vault::client::SealPlan {
            chain_id,
            record: id,
            version: 1,
            schema: "bench.record",
            plaintext: &plaintext,
            recipients: &to,
            tokens: Vec::new(),
            policy: Some(unchain_vault::body::Policy {
                retention_days: 1,
                consent_required: false,
                subject_minor: false,
            }),
            subject: None,
            actor: None,
        });
        seal_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        let c = sealed.body.commitment;
        sealer
            .client
            .upload_ciphertext(&sealer.signer, &c, sealed.ciphertext)
            .await?;
        let body = unchain_vault::client::to_json(&sealed.body);
        let tx = sealer.client.build(&signing, "vault.seal", body).await?;
        let submitted = Instant::now();
        sealer.client.submit(&tx).await?;
        let status = sealer
            .client
            .wait_for(&tx.id(), Duration::from_secs(60))
            .await?;
        anyhow::ensure!(
            status.status == "committed",
            "seal {}: {:?}",
            tx.id(),
            status
        );
        commit_ms.push(submitted.elapsed().as_secs_f64() * 1e3);
        loop {
            match recipient
                .client
                .fetch_ciphertext(&recipient.signer, &c)
                .await
            {
                Ok(_) => break,
                Err(ClientError::Problem {
                    status: 503 | 404, ..
                }) => {}
                Err(e) => return Err(e.into()),
            }
            anyhow::ensure!(
                submitted.elapsed() < Duration::from_secs(60),
                "record {id} never reached the recipient"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        available_ms.push(submitted.elapsed().as_secs_f64() * 1e3);
        bar.inc(1);
    }
    bar.finish_and_clear();
    for v in [&mut seal_ms, &mut commit_ms, &mut available_ms] {
        v.sort_by(f64::total_cmp);
    }
    let row = |name: &str, v: &[f64]| {
        println!(
            "  {name:<36} median {:>8.2} ms   p90 {:>8.2} ms   max {:>8.2} ms",
            percentile(v, 0.5),
            percentile(v, 0.9),
            v[v.len() - 1]
        );
    };
    println!("{} records:", a.records);
    row("seal on the client (2 recipients)", &seal_ms);
    row("submit → committed at the sealer", &commit_ms);
    row("submit → served by recipient's node", &available_ms);
    Ok(())
}
