//! Node configuration: a TOML file, with environment overrides for what differs between
//! deployments of the same file.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A peer validator's p2p address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerAddress {
    /// Member name (as in genesis).
    pub name: String,
    /// Its p2p address.
    pub p2p: SocketAddr,
}

/// Everything a node needs to start. Relative paths are relative to the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Directory for the ledger and consensus storage. Env: `UNCHAIN_DATA_DIR`.
    pub data_dir: PathBuf,
    /// The genesis file.
    pub genesis: PathBuf,
    /// This organisation's key file.
    pub key_file: PathBuf,
    /// HTTP API listen address. Env: `UNCHAIN_API_LISTEN`. Default 127.0.0.1:7700.
    #[serde(default = "default_api")]
    pub api_listen: SocketAddr,
    /// p2p listen address. Env: `UNCHAIN_P2P_LISTEN`. Default 127.0.0.1:7800.
    #[serde(default = "default_p2p")]
    pub p2p_listen: SocketAddr,
    /// Other validators' p2p addresses (this node's own comes from `p2p_listen`).
    #[serde(default)]
    pub peers: Vec<PeerAddress>,
    /// The token key holders' node API URLs, by member name (e.g. `th-ngo =
    /// "https://node.ngo.example"`): where this node carries its organisation's blinded
    /// token requests. A holder missing here is not asked.
    #[serde(default)]
    pub token_holders: std::collections::BTreeMap<String, String>,
    /// Mempool capacity in transactions. Default 50 000.
    #[serde(default = "default_mempool_txs")]
    pub mempool_max_txs: usize,
    /// Most transactions in one block. Default 5 000.
    #[serde(default = "default_block_txs")]
    pub max_block_txs: usize,
    /// How long a `wait_ms` status request may wait, at most. Default 30 000 ms.
    #[serde(default = "default_max_wait")]
    pub max_wait_ms: u64,
    /// Worker threads of the runtime. Default 2.
    #[serde(default = "default_threads")]
    pub worker_threads: usize,
    /// The public tip form.
    #[serde(default)]
    pub tips: TipsConfig,
    /// The agency console.
    #[serde(default)]
    pub console: ConsoleConfig,
    /// Time limits on HTTP requests (the API, the console and the tip form).
    #[serde(default)]
    pub http: HttpConfig,
}

/// Time limits on HTTP requests, so that a slow or silent client cannot hold a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Longest wait for a request's head (line and headers). Default 10 000 ms.
    pub header_timeout_ms: u64,
    /// Longest wait for the next piece of a request body. Default 15 000 ms.
    pub body_idle_timeout_ms: u64,
    /// Longest a whole request may take before it is answered 408. Must exceed
    /// `max_wait_ms` (long polls). Default 120 000 ms.
    pub request_timeout_ms: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        let d = crate::serve::HttpLimits::default();
        HttpConfig {
            header_timeout_ms: d.header_timeout.as_millis() as u64,
            body_idle_timeout_ms: d.body_idle_timeout.as_millis() as u64,
            request_timeout_ms: d.request_timeout.as_millis() as u64,
        }
    }
}

impl HttpConfig {
    /// The limits to serve with.
    pub fn limits(&self) -> crate::serve::HttpLimits {
        use std::time::Duration;
        crate::serve::HttpLimits {
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            body_idle_timeout: Duration::from_millis(self.body_idle_timeout_ms),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
        }
    }
}

/// The agency console (`/console`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Whether the console seals and opens sealed records (cases' details, tips) with the
    /// organisation's key on this node. Default true. An organisation that keeps sealed
    /// content off its node sets false, and its users seal and open with `unchain vault`
    /// and `unchain tips` on their own machines; the console still shows everything else.
    pub sealed: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { sealed: true }
    }
}

/// The public tip form (`/tips/…`): which forms this node serves for its organisation, the
/// emergency number they show, and the abuse limits. Limits count submissions, never who
/// sent them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TipsConfig {
    /// Form ids (`a-z`, `0-9`, `-`), each at `/tips/ID`. Default `["report"]`; empty: no
    /// public form.
    pub forms: Vec<String>,
    /// The emergency number every form shows. Default 112.
    pub emergency: String,
    /// A second listener that serves only the public form (for an onion service or a
    /// reverse proxy), so the agencies' API need not be exposed. Env:
    /// `UNCHAIN_TIPS_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// Tips accepted per minute, all forms together. Default 60.
    pub global_per_minute: u32,
    /// Tips accepted per minute on one form. Default 30.
    pub form_per_minute: u32,
    /// Tips a form takes in 10 minutes before proof of work is required. Default 30.
    pub calm_per_10_minutes: u32,
    /// Proof-of-work bits always required (0: none while calm). Default 0.
    pub pow_floor_bits: u8,
    /// Days after a tip's last activity (a message, a triage) when it is erased from every
    /// node, recorded with each tip this node receives. Default 730; 0: kept until the
    /// intake erases it (`unchain tips erase`).
    pub retention_days: u32,
    /// Serve the worker pages (`/work/…`: offer check, grievances, surveys) beside the
    /// tip form. Default true.
    pub worker_pages: bool,
    /// The least number of workers of one employer in one month whose grievances (or
    /// survey answers) are published as an aggregate. Default 11; at least 5.
    pub voice_min_group: u32,
}

impl Default for TipsConfig {
    fn default() -> Self {
        TipsConfig {
            forms: vec!["report".into()],
            emergency: "112".into(),
            listen: None,
            global_per_minute: 60,
            form_per_minute: 30,
            calm_per_10_minutes: 30,
            pow_floor_bits: 0,
            retention_days: 730,
            worker_pages: true,
            voice_min_group: unchain_recruit::voice::MIN_GROUP,
        }
    }
}

fn default_api() -> SocketAddr {
    "127.0.0.1:7700".parse().expect("literal address")
}
fn default_p2p() -> SocketAddr {
    "127.0.0.1:7800".parse().expect("literal address")
}
fn default_mempool_txs() -> usize {
    50_000
}
fn default_block_txs() -> usize {
    5_000
}
fn default_max_wait() -> u64 {
    30_000
}
fn default_threads() -> usize {
    2
}

impl NodeConfig {
    /// A config with defaults for the given paths.
    pub fn new(data_dir: PathBuf, genesis: PathBuf, key_file: PathBuf) -> Self {
        NodeConfig {
            data_dir,
            genesis,
            key_file,
            api_listen: default_api(),
            p2p_listen: default_p2p(),
            peers: Vec::new(),
            token_holders: Default::default(),
            mempool_max_txs: default_mempool_txs(),
            max_block_txs: default_block_txs(),
            max_wait_ms: default_max_wait(),
            worker_threads: default_threads(),
            tips: TipsConfig::default(),
            console: ConsoleConfig::default(),
            http: HttpConfig::default(),
        }
    }

    /// Reads `path`, resolves relative paths against its directory, applies environment
    /// overrides.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        let mut cfg: NodeConfig = toml::from_str(&text)
            .with_context(|| format!("parsing config file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut cfg.data_dir, &mut cfg.genesis, &mut cfg.key_file] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        cfg.apply_env(|k| std::env::var(k).ok())?;
        let max = unchain_tips::body::MAX_RETENTION_DAYS;
        anyhow::ensure!(
            cfg.tips.retention_days <= max,
            "{}: tips.retention_days is {}; it must be 0 (kept until erased) to {max} days",
            path.display(),
            cfg.tips.retention_days
        );
        let floor = unchain_recruit::voice::MIN_GROUP_FLOOR;
        anyhow::ensure!(
            cfg.tips.voice_min_group >= floor,
            "{}: tips.voice_min_group is {}; it must be at least {floor}, or single workers could be picked out of what is published",
            path.display(),
            cfg.tips.voice_min_group
        );
        Ok(cfg)
    }

    /// Applies `UNCHAIN_*` overrides read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        use anyhow::Context as _;
        if let Some(v) = get("UNCHAIN_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("UNCHAIN_API_LISTEN") {
            self.api_listen = v.parse().context("UNCHAIN_API_LISTEN must be host:port")?;
        }
        if let Some(v) = get("UNCHAIN_P2P_LISTEN") {
            self.p2p_listen = v.parse().context("UNCHAIN_P2P_LISTEN must be host:port")?;
        }
        if let Some(v) = get("UNCHAIN_TIPS_LISTEN") {
            self.tips.listen = Some(v.parse().context("UNCHAIN_TIPS_LISTEN must be host:port")?);
        }
        Ok(())
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_win_and_bad_values_are_named() {
        let mut cfg = NodeConfig::new("d".into(), "g.json".into(), "k.json".into());
        cfg.apply_env(|k| (k == "UNCHAIN_API_LISTEN").then(|| "127.0.0.1:9999".into()))
            .expect("override");
        assert_eq!(cfg.api_listen.port(), 9999);
        let err = cfg
            .apply_env(|k| (k == "UNCHAIN_P2P_LISTEN").then(|| "nope".into()))
            .expect_err("bad");
        assert!(err.to_string().contains("UNCHAIN_P2P_LISTEN"));
        let back: NodeConfig = toml::from_str(&cfg.to_toml()).expect("round trip");
        assert_eq!(back, cfg);
    }

    #[test]
    fn a_tip_retention_past_a_century_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("node.toml");
        let write = |days: u32| {
            std::fs::write(
                &path,
                format!(
                    "data_dir = \"d\"\ngenesis = \"g.json\"\nkey_file = \"k.json\"\n[tips]\nretention_days = {days}\n"
                ),
            )
            .expect("write")
        };
        for (days, ok) in [
            (0, true),
            (1, true),
            (36_500, true),
            (36_501, false),
            (u32::MAX, false),
        ] {
            write(days);
            match NodeConfig::load(&path) {
                Ok(cfg) => {
                    assert!(ok, "{days} days accepted");
                    assert_eq!(cfg.tips.retention_days, days);
                }
                Err(e) => {
                    assert!(!ok, "{days} days refused: {e}");
                    assert!(e.to_string().contains("tips.retention_days"), "{e}");
                }
            }
        }
        std::fs::write(
            &path,
            "data_dir = \"d\"\ngenesis = \"g.json\"\nkey_file = \"k.json\"\n",
        )
        .expect("write");
        assert_eq!(
            NodeConfig::load(&path).expect("load").tips.retention_days,
            730
        );
    }
}
