//! Starting real `unchain` processes for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use unchain_client::{Client, RequestSigner};
use unchain_types::{KeyFile, SigningKey, Transaction, UnsignedTransaction};

/// The `unchain` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_unchain")
}

/// The lowest port the kernel hands out as an outgoing connection's source port.
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// The first of `n` consecutive loopback ports that are free now, below the kernel's
/// ephemeral range. A port from that range can be given to some outgoing connection as its
/// source port while a killed node is down, and the node then cannot listen on it again
/// when it restarts: the cluster test saw a restarted validator die with "failed to bind
/// listener" about one run in twenty on a busy machine.
pub fn free_ports(n: usize) -> u16 {
    use rand::Rng as _;
    let top = ephemeral_low().saturating_sub(n as u16);
    assert!(top > 10_000, "no room below the ephemeral ports ({top})");
    for _ in 0..200 {
        let base = rand::thread_rng().gen_range(10_000..top);
        if (0..n as u16).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no {n} consecutive free ports below {top}");
}

/// A chain created with `unchain init` in a temporary directory.
pub struct Chain {
    pub dir: tempfile::TempDir,
    pub chain_id: String,
    /// The organisations' names, in genesis order.
    pub orgs: Vec<String>,
}

impl Chain {
    pub fn init(orgs: &[&str]) -> Chain {
        Chain::init_validators(orgs, 1)
    }

    /// A chain whose first `validators` organisations run validators and the others
    /// follow, every node on consecutive free p2p ports.
    pub fn init_validators(orgs: &[&str], validators: usize) -> Chain {
        Chain::init_at(orgs, validators, "127.0.0.1:0")
    }

    /// Like [`Chain::init_validators`], every node's API on consecutive free ports, so
    /// that each node's config lists the validators' APIs (`[token_holders]`).
    pub fn init_validators_with_apis(orgs: &[&str], validators: usize) -> Chain {
        Chain::init_at(
            orgs,
            validators,
            &format!("127.0.0.1:{}", free_ports(orgs.len())),
        )
    }

    /// Like [`Chain::init_validators`], with `epoch_length` blocks per consensus epoch.
    pub fn init_with_epochs(orgs: &[&str], validators: usize, epoch_length: u64) -> Chain {
        Chain::init_with(orgs, validators, "127.0.0.1:0", Some(epoch_length))
    }

    fn init_at(orgs: &[&str], validators: usize, api: &str) -> Chain {
        Chain::init_with(orgs, validators, api, None)
    }

    fn init_with(orgs: &[&str], validators: usize, api: &str, epoch_length: Option<u64>) -> Chain {
        let dir = tempfile::tempdir().expect("tmp");
        let mut cmd = Command::new(bin());
        cmd.arg("init").arg(dir.path()).args([
            "--chain-id",
            "e2e-chain",
            "--api",
            api,
            "--validators",
            &validators.to_string(),
            "--p2p",
        ]);
        cmd.arg(format!("127.0.0.1:{}", free_ports(orgs.len())));
        if let Some(l) = epoch_length {
            cmd.args(["--epoch-length", &l.to_string()]);
        }
        for o in orgs {
            cmd.args(["--org", o]);
        }
        let out = cmd.output().expect("run unchain init");
        assert!(
            out.status.success(),
            "unchain init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Chain {
            dir,
            chain_id: "e2e-chain".into(),
            orgs: orgs
                .iter()
                .map(|o| o.split(':').next().unwrap_or(o).to_owned())
                .collect(),
        }
    }

    /// Who signs `name`'s reads (blocks, leaves and proofs are for members).
    pub fn signer(&self, name: &str) -> RequestSigner {
        RequestSigner {
            member: name.to_owned(),
            key: self.key(name),
            actor: None,
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("node.toml")
    }

    pub fn genesis(&self) -> PathBuf {
        self.dir.path().join("genesis.json")
    }

    pub fn key(&self, name: &str) -> SigningKey {
        let kf: KeyFile = serde_json::from_slice(
            &std::fs::read(self.dir.path().join("keys").join(format!("{name}.json")))
                .expect("key file"),
        )
        .expect("json");
        kf.signing_key().expect("key")
    }

    pub fn seed_hex(&self, name: &str) -> String {
        let kf: KeyFile = serde_json::from_slice(
            &std::fs::read(self.dir.path().join("keys").join(format!("{name}.json")))
                .expect("key file"),
        )
        .expect("json");
        kf.signing_seed
    }

    pub fn tx(
        &self,
        key: &SigningKey,
        nonce: u64,
        kind: &str,
        body: serde_json::Value,
    ) -> Transaction {
        UnsignedTransaction {
            chain_id: self.chain_id.clone(),
            sender: key.public_key(),
            nonce,
            kind: kind.into(),
            body,
        }
        .sign(key)
        .expect("sign")
    }

    /// Starts the first validator's `unchain node` and waits until its API answers.
    pub async fn start(&self) -> Node {
        self.start_validator(None).await
    }

    /// Starts the `unchain node` of validator `name` (`None`: the first) and waits until
    /// its API answers. Its log goes to `DIR/log-NAME-N.txt`.
    pub async fn start_validator(&self, name: Option<&str>) -> Node {
        self.start_node(name, &[]).await
    }

    /// [`Chain::start_validator`] with more arguments to `unchain node`.
    pub async fn start_node(&self, name: Option<&str>, extra: &[&str]) -> Node {
        let (config, data) = match name {
            None => (self.config(), self.dir.path().join("data")),
            Some(n) => (
                self.dir.path().join(format!("node-{n}.toml")),
                self.dir.path().join(format!("data-{n}")),
            ),
        };
        let addr_file = data.join("api.addr");
        let _ = std::fs::remove_file(&addr_file);
        let log = std::fs::File::create(self.dir.path().join(format!(
            "log-{}-{}.txt",
            name.unwrap_or("first"),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos()
        )))
        .expect("log");
        let child = Command::new(bin())
            .args(["node", "--config"])
            .arg(config)
            .args(extra)
            .env("UNCHAIN_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn unchain node");
        let mut node = Node {
            child,
            client: None,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = node.child.try_wait().expect("try_wait") {
                panic!("unchain node exited while starting: {status}");
            }
            if let Ok(addr) = std::fs::read_to_string(&addr_file) {
                let org = name.unwrap_or(&self.orgs[0]);
                let client = Client::new(&format!("http://{addr}")).with_signer(self.signer(org));
                if client.status().await.is_ok() {
                    node.client = Some(client);
                    return node;
                }
            }
            assert!(Instant::now() < deadline, "node did not answer within 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A running node process; killed when dropped.
pub struct Node {
    pub child: Child,
    client: Option<Client>,
}

impl Node {
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("started")
    }

    /// SIGKILL, no chance to flush anything.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET of `url` signed by `signer` (the members-only endpoints).
pub async fn member_get(signer: &RequestSigner, url: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(url);
    for (name, value) in signer.headers("GET", url, b"") {
        req = req.header(name, value);
    }
    req.send().await.expect("signed get")
}

/// The value of cookie `name` that `r` sets.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))?
                .split(';')
                .next()
                .map(str::to_owned)
        })
}

/// The value of hidden form field `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').expect("end")].to_owned()
}

/// One sign-in through the console's login form at `base` (with its nonce cookie and
/// CSRF token, as a browser sends it).
pub async fn console_sign_in(base: &str, user: &str, password: &str) -> reqwest::Response {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = c
        .get(format!("{base}/console/login"))
        .send()
        .await
        .expect("login page");
    let nonce = set_cookie(&page, "unchain_login").expect("nonce");
    let token = hidden(&page.text().await.expect("html"), "csrf");
    c.post(format!("{base}/console/login"))
        .header("cookie", format!("unchain_login={nonce}"))
        .form(&[("user", user), ("password", password), ("csrf", &token)])
        .send()
        .await
        .expect("login")
}

/// The Python interpreter with the project's test requirements (see `.ci/run`).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("UNCHAIN_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python environment at {}: run `bash .ci/run` (or `python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt`)",
        venv.display()
    );
    venv
}

/// `unchain finance synth` into `dir`: `accounts` and `transactions` of background,
/// `per_typology` planted instances of each typology, and the ground truth.
pub fn finance_synth(dir: &Path, accounts: u32, transactions: u32, per_typology: u32) {
    let run = unchain(&[
        "finance",
        "synth",
        "--out",
        &dir.display().to_string(),
        "--accounts",
        &accounts.to_string(),
        "--transactions",
        &transactions.to_string(),
        "--per-typology",
        &per_typology.to_string(),
    ]);
    assert!(run.ok, "{}", run.stderr);
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The last `lines` lines of every node log in the chain directory whose name contains
/// `name` (`log-NAME-…`), newest file last: what a failing test prints to say why.
pub fn log_tails(chain: &Chain, name: &str, lines: usize) -> String {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(chain.dir.path())
        .expect("chain dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("log-") && n.contains(name))
        })
        .collect();
    logs.sort();
    let mut out = String::new();
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        out.push_str(&format!("==> {} ({} lines)\n", log.display(), all.len()));
        for l in &all[all.len().saturating_sub(lines)..] {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Polls `done` every 100 ms until it holds; fails the test after `secs` seconds.
pub async fn wait_until(what: &str, secs: u64, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every file under `dir`, recursively.
pub fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The files and directories under the chain's node data directories (`data*`) that
/// anyone but their owner may read, write or enter, with their modes.
pub fn not_private(chain_dir: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = std::fs::read_dir(chain_dir)
        .expect("chain dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("data"))
        })
        .collect();
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).expect("metadata");
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            out.push(format!("{} is {mode:03o}", p.display()));
        }
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&p)
                    .expect("dir")
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    out
}

/// A valid one-page PDF (with its cross-reference table) whose document information
/// names `author`, and whose page says `text`.
pub fn pdf_with_author(author: &str, text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 20 50 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        format!("<< /Author ({author}) /Title (job advert) >>"),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// What a CLI run printed, and whether it succeeded.
pub struct Run {
    pub ok: bool,
    /// The exit status (none when killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to completion.
    pub fn of(cmd: &mut Command) -> Run {
        let out = cmd.output().expect("run unchain");
        Run {
            ok: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `r`, which must have succeeded.
pub fn must(r: Run, what: &str) -> Run {
    assert!(r.ok, "{what} failed:\n{}\n{}", r.stdout, r.stderr);
    r
}

/// Starts `cmd` (an `unchain watch --json`) with its standard output piped; returns the
/// process and the events it prints, one JSON value each, as they come.
pub fn spawn_watch(cmd: &mut Command) -> (Child, std::sync::mpsc::Receiver<serde_json::Value>) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    (child, rx)
}

/// `unchain user ARGS --config` for the chain's first node; its standard output.
pub fn user_cmd(chain: &Chain, args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(["--log", "warn", "user"])
        .args(args)
        .arg("--config")
        .arg(chain.config())
        .output()
        .expect("run unchain user");
    assert!(
        out.status.success(),
        "unchain user {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value after `name` in `unchain user` output (`token     …`).
pub fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in {out}"))
        .split_whitespace()
        .next()
        .expect("value")
        .to_owned()
}

/// `unchain ARGS` (logs at warn) acting as the pseudonymous user `u-clerk`.
pub fn unchain(args: &[&str]) -> Run {
    Run::of(
        Command::new(bin())
            .args(["--log", "warn"])
            .env("UNCHAIN_ACTOR", "u-clerk")
            .args(args),
    )
}

/// The value of the first `attr="…"` after `marker` in `html`.
pub fn attr_after(html: &str, marker: &str, attr: &str) -> String {
    let from = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[from..];
    let start = rest.find(&format!("{attr}=\"")).expect("attribute") + attr.len() + 2;
    rest[start..start + rest[start..].find('"').expect("end")].to_owned()
}

/// A tip form's challenge token and the bits of work it asks.
pub async fn challenge(http: &reqwest::Client, base: &str) -> (String, u8) {
    let html = http
        .get(format!("{base}/tips/report"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let token = attr_after(&html, "name=\"token\"", "value");
    let bits = attr_after(&html, "<form method=\"post\"", "data-bits")
        .parse()
        .expect("bits");
    (token, bits)
}

/// A filled-in tip form.
pub fn report_form(token: &str, pow: &str, description: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("lang", "en")
        .text("token", token.to_owned())
        .text("pow", pow.to_owned())
        .text("seen", "forced_work")
        .text("location", "Pier 9")
        .text("when", "last night")
        .text("danger", "unsure")
        .text("description", description.to_owned())
        .text("contacts", "+66 81 234 5678")
}

/// The receipt code on a receipt page.
pub fn code_of(html: &str) -> String {
    let list = &html[html.find("id=\"receipt-code\">").expect("a receipt code")..];
    let list = &list[..list.find("</ol>").expect("end")];
    list.split("<li>")
        .skip(1)
        .map(|w| w.trim_end_matches("</li>"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `unchain ARGS` as the NGO's intake officer, against `node`.
pub fn as_ngo(chain: &Chain, node: &str, args: &[&str]) -> Run {
    let key = chain.dir.path().join("keys/th-ngo.json");
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend([
        "--key".into(),
        key.display().to_string(),
        "--node".into(),
        node.into(),
        "--actor".into(),
        "u-intake01".into(),
    ]);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    unchain(&refs)
}

/// Adds console user `name` with `roles` (comma-separated) on the node of `config`, its
/// password given on standard input; the password and what `unchain user add` printed.
pub fn add_console_user(config: &Path, name: &str, roles: &str) -> (String, String) {
    use std::io::Write as _;
    let password = format!("correct horse {name} battery");
    let mut child = Command::new(bin())
        .args([
            "--log",
            "warn",
            "user",
            "add",
            name,
            "--role",
            roles,
            "--password-stdin",
        ])
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unchain user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(password.as_bytes())
        .expect("password");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (password, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `unchain vault ARGS` as `org` (its key file in the chain's `keys/`), against `node`,
/// acting as user `u-case-worker`.
pub fn vault_as(chain: &Chain, node: &str, org: &str, args: &[&str]) -> Run {
    let key = chain.dir.path().join("keys").join(format!("{org}.json"));
    Run::of(
        Command::new(bin())
            .args(["--log", "warn", "vault"])
            .args(args)
            .args(["--actor", "u-case-worker", "--key"])
            .arg(key)
            .args(["--node", node]),
    )
}

/// The commitment of the first version of sealed record `record`, read through `node` as
/// `signer` (a recipient).
pub async fn record_commitment(
    node: &Client,
    signer: &RequestSigner,
    record: &str,
) -> unchain_types::Hash32 {
    let view: serde_json::Value = node
        .get_signed(signer, &format!("/v1/vault/records/{record}"))
        .await
        .expect("record view");
    unchain_types::Hash32::from_hex(
        view["versions"][0]["commitment"]
            .as_str()
            .expect("commitment"),
    )
    .expect("hash")
}

/// The record id `unchain vault seal` printed.
pub fn sealed_record(r: &Run) -> String {
    r.stderr
        .lines()
        .find_map(|l| l.strip_prefix("record id: "))
        .expect("seal prints the record id")
        .trim()
        .to_owned()
}
