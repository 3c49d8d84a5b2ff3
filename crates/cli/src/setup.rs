//! `unchain keygen` and `unchain init`.

use anyhow::{Context as _, bail};
use clap::Args;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use unchain_ledger::genesis::Sector;
use unchain_ledger::{Genesis, Member, Role};
use unchain_node::NodeConfig;
use unchain_types::KeyFile;

/// Arguments of `unchain keygen`.
#[derive(Args)]
pub struct KeygenArgs {
    /// The organisation's member name (a-z, 0-9, '-').
    #[arg(long)]
    pub name: String,
    /// Where to write the key file.
    #[arg(long, short)]
    pub out: PathBuf,
    /// A new signing key only, keeping the encryption key of this existing key file: for a
    /// signing key rotated by governance (`unchain governance propose --rotate-key`), whose
    /// member's records stay sealed to the same encryption key.
    #[arg(long, value_name = "OLD_KEY_FILE")]
    pub rotate_signing_of: Option<PathBuf>,
}

/// Writes `keys` to `path`, readable only by its owner.
pub fn write_key_file(path: &Path, keys: &KeyFile) -> anyhow::Result<()> {
    if path.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key file",
            path.display()
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(keys)?)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// `unchain keygen`.
pub fn keygen(a: KeygenArgs) -> anyhow::Result<()> {
    let mut keys = KeyFile::generate(&a.name, &mut rand::thread_rng());
    if let Some(old) = &a.rotate_signing_of {
        let old = unchain_node::run::load_keys(old)?;
        anyhow::ensure!(
            old.name == a.name,
            "{} holds {}'s keys, not {}'s",
            a.rotate_signing_of
                .as_deref()
                .unwrap_or(Path::new(""))
                .display(),
            old.name,
            a.name
        );
        keys.encryption_secret = old.encryption_secret;
    }
    write_key_file(&a.out, &keys)?;
    println!("wrote {} (keep it secret)", a.out.display());
    println!("signing key:    {}", keys.signing_key()?.public_key());
    println!(
        "encryption key: {}",
        keys.encryption_key()?.public_key().to_hex()
    );
    Ok(())
}

/// Arguments of `unchain init`.
#[derive(Args, Clone)]
pub struct InitArgs {
    /// Directory to create the chain in (keys/, genesis.json, node.toml, data/).
    pub dir: PathBuf,
    /// The chain id every transaction names.
    #[arg(long, default_value = "unchain-local")]
    pub chain_id: String,
    /// An organisation as NAME:COUNTRY (ISO 3166-1 alpha-2) or NAME:COUNTRY:SECTOR, e.g.
    /// `th-dsi:TH` or `th-dcy:TH:child_protection` (what sharing policies may name: one of
    /// law_enforcement, prosecution, judiciary, labour_inspection, child_protection, border,
    /// financial_intelligence, regulator, ngo, intergovernmental, company). Repeat for
    /// each. The first holds every role; the others hold the governance, notary, records,
    /// cases, custody, identity, tips, supply, recruitment and agreements roles.
    #[arg(long = "org", default_value = "local-org:GB")]
    pub orgs: Vec<String>,
    /// How many of the organisations, from the first, run a validator.
    #[arg(long, default_value_t = 1)]
    pub validators: usize,
    /// HTTP API address of the first node; the others take the following ports.
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub api: std::net::SocketAddr,
    /// p2p address of the first node; the others take the following ports.
    #[arg(long, default_value = "127.0.0.1:7800")]
    pub p2p: std::net::SocketAddr,
    /// Blocks per consensus epoch: a change to the validator set (added, removed, key
    /// rotated) takes effect at the end of the epoch it is decided in. Default 1 000.
    #[arg(long, value_parser = clap::value_parser!(u64).range(4..=1_000_000))]
    pub epoch_length: Option<u64>,
}

/// `addr` with its port moved up by `offset` (port 0, "any", stays 0).
fn port_plus(addr: std::net::SocketAddr, offset: usize) -> std::net::SocketAddr {
    let mut a = addr;
    if a.port() != 0 {
        a.set_port(a.port() + offset as u16);
    }
    a
}

/// What `init` created.
pub struct InitOutput {
    /// The first validator's node config file (`DIR/node.toml`).
    pub config_path: PathBuf,
    /// Every organisation's node config file, in genesis order: `DIR/node.toml`, then
    /// `DIR/node-NAME.toml` for the others. The first `validators` run validators; the
    /// others are followers.
    pub configs: Vec<PathBuf>,
    /// The genesis.
    pub genesis: Genesis,
    /// Each organisation's key file path, in order.
    pub key_files: Vec<(String, PathBuf)>,
}

/// An `--org` argument: NAME:COUNTRY or NAME:COUNTRY:SECTOR.
fn parse_org(org: &str) -> anyhow::Result<(&str, &str, Option<Sector>)> {
    let mut parts = org.split(':');
    let (Some(name), Some(country)) = (parts.next(), parts.next()) else {
        bail!("--org {org:?} must be NAME:COUNTRY or NAME:COUNTRY:SECTOR, e.g. th-dsi:TH");
    };
    let sector = match parts.next() {
        None => None,
        Some(s) => Some(Sector::parse(s).with_context(|| {
            let all: Vec<&str> = Sector::ALL.iter().map(Sector::as_str).collect();
            format!(
                "--org {org:?}: sector {s:?} is not one of {}",
                all.join(", ")
            )
        })?),
    };
    if parts.next().is_some() {
        bail!("--org {org:?} must be NAME:COUNTRY or NAME:COUNTRY:SECTOR");
    }
    Ok((name, country, sector))
}

/// `unchain init`.
pub fn init(a: InitArgs) -> anyhow::Result<InitOutput> {
    let dir = &a.dir;
    if dir.join("genesis.json").exists() {
        bail!(
            "{} already holds a chain (genesis.json exists)",
            dir.display()
        );
    }
    if a.validators == 0 || a.validators > a.orgs.len() {
        bail!(
            "--validators {} must be between 1 and the number of organisations ({})",
            a.validators,
            a.orgs.len()
        );
    }
    std::fs::create_dir_all(dir.join("keys"))?;
    let mut members = Vec::new();
    let mut key_files = Vec::new();
    for (i, org) in a.orgs.iter().enumerate() {
        let (name, country, sector) = parse_org(org)?;
        let keys = KeyFile::generate(name, &mut rand::thread_rng());
        let path = dir.join("keys").join(format!("{name}.json"));
        write_key_file(&path, &keys)?;
        let roles: BTreeSet<Role> = if i == 0 {
            Role::ALL.into_iter().collect()
        } else {
            [
                Role::Governance,
                Role::Notary,
                Role::Records,
                Role::Cases,
                Role::Custody,
                Role::Identity,
                Role::Tips,
                Role::Supply,
                Role::Recruitment,
                Role::Agreements,
            ]
            .into_iter()
            .collect()
        };
        members.push(Member {
            name: name.into(),
            display_name: name.into(),
            jurisdiction: country.to_ascii_uppercase(),
            sector,
            roles,
            signing_key: keys.signing_key()?.public_key(),
            encryption_key: keys.encryption_key()?.public_key(),
            validator: i < a.validators,
        });
        key_files.push((name.to_owned(), path));
    }
    // The consortium's matching key (blind-index tokens), wrapped for every member; the
    // plain key exists only in this process's memory.
    let matching = unchain_seal::MatchingKey::generate();
    let matching_key = unchain_ledger::genesis::MatchingKeyGrant {
        epoch: 1,
        wrapped: members
            .iter()
            .map(|m| {
                let info = unchain_seal::matching_key_info(&a.chain_id, 1, &m.name);
                let wrapped =
                    unchain_seal::WrappedKey::wrap(matching.as_bytes(), &m.encryption_key, &info);
                (m.name.clone(), wrapped)
            })
            .collect(),
    };
    let genesis = Genesis {
        matching_key: Some(matching_key),
        epoch_length: a.epoch_length,
        log_origin: format!("unchain/{}", a.chain_id),
        chain_id: a.chain_id.clone(),
        genesis_time_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis() as u64,
        members,
    };
    genesis.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(
        dir.join("genesis.json"),
        serde_json::to_vec_pretty(&genesis)?,
    )?;
    // Every organisation gets a node: the first `validators` run validators, the others
    // follow. Each lists every other node under [[peers]].
    let nodes: Vec<(String, PathBuf, std::net::SocketAddr, std::net::SocketAddr)> = key_files
        .iter()
        .enumerate()
        .map(|(i, (name, key))| {
            let rel = key.strip_prefix(dir).expect("under dir").to_path_buf();
            (name.clone(), rel, port_plus(a.api, i), port_plus(a.p2p, i))
        })
        .collect();
    let mut configs = Vec::new();
    for (i, (name, key, api, p2p)) in nodes.iter().enumerate() {
        let (file, data) = if i == 0 {
            ("node.toml".to_owned(), "data".to_owned())
        } else {
            (format!("node-{name}.toml"), format!("data-{name}"))
        };
        let mut cfg = NodeConfig::new(data.into(), "genesis.json".into(), key.clone());
        cfg.api_listen = *api;
        cfg.p2p_listen = *p2p;
        let country = a
            .orgs
            .get(i)
            .and_then(|o| parse_org(o).ok())
            .map(|(_, c, _)| c)
            .unwrap_or("");
        cfg.tips.emergency = emergency_number(country).into();
        cfg.peers = nodes
            .iter()
            .filter(|(other, ..)| other != name)
            .map(|(other, _, _, p2p)| unchain_node::config::PeerAddress {
                name: other.clone(),
                p2p: *p2p,
            })
            .collect();
        // Where this node carries its organisation's blind token requests: every other
        // validator's API (the token key's holders are the validators). Unknown when the
        // API ports are chosen at start (port 0).
        if a.api.port() != 0 {
            cfg.token_holders = nodes
                .iter()
                .take(a.validators)
                .filter(|(other, ..)| other != name)
                .map(|(other, _, api, _)| (other.clone(), format!("http://{api}")))
                .collect();
        }
        let path = dir.join(file);
        std::fs::write(&path, cfg.to_toml())?;
        configs.push(path);
    }
    Ok(InitOutput {
        config_path: configs[0].clone(),
        configs,
        genesis,
        key_files,
    })
}

/// The emergency number the tip form shows for an organisation's country (ISO 3166
/// alpha-2); 112 (the EU's and many networks' number) where none is listed here.
pub fn emergency_number(country: &str) -> &'static str {
    match country.to_ascii_uppercase().as_str() {
        "TH" => "191",
        "PH" | "US" | "CA" | "MX" => "911",
        "GB" | "MY" | "HK" => "999",
        "AU" => "000",
        _ => "112",
    }
}
