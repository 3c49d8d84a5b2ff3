//! `unchain`: keys, genesis, the node, transactions, proofs, offline verification, the demo
//! and the load generator. Argument parsing and output only; the work lives in the crates.
#![forbid(unsafe_code)]

mod agreementcmd;
mod bench;
mod benchvault;
mod blockcmd;
mod casecmd;
mod custodycmd;
mod demo;
mod demo_cases;
mod demo_console;
mod demo_identity;
mod demo_recruit;
mod demo_supply;
mod demo_tips;
mod financecmd;
mod financelearn;
mod financeshare;
mod financeslice;
mod govcmd;
mod identitycmd;
mod issuing;
mod output;
mod recruit_voice;
mod recruitcmd;
mod session;
mod setup;
mod statecmd;
mod status;
mod supplycmd;
mod synccmd;
mod tipscmd;
mod txcmd;
mod usercmd;
mod vaultcmd;
mod vaultpolicy;
mod vaulttokens;
mod wallet_payslip;
mod walletcmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The version and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("UNCHAIN_COMMIT"),
    ")"
);

/// Unchain: a shared, tamper-evident record for the organisations that fight human trafficking.
///
/// Start with `unchain demo` to run a local chain with sample data, or `unchain init` to
/// create the keys and genesis of a new chain and `unchain node` to run it.
#[derive(Parser)]
#[command(name = "unchain", version = VERSION, propagate_version = true)]
struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    log_json: bool,
    /// Log filter (tracing env-filter syntax), e.g. `debug` or `unchain=debug`. Env: UNCHAIN_LOG.
    #[arg(
        long,
        global = true,
        env = "UNCHAIN_LOG",
        default_value = "info,commonware=warn"
    )]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an organisation's key file (Ed25519 signing key, X25519 encryption key).
    Keygen(setup::KeygenArgs),
    /// Create a new chain: keys for each organisation, the genesis file and a node config.
    Init(setup::InitArgs),
    /// Run a node from its config file.
    Node {
        /// The node's TOML config (written by `unchain init`).
        #[arg(long, short, default_value = "node.toml")]
        config: PathBuf,
        /// Start a new node from the newest state snapshot of the member node at this API
        /// URL instead of replaying every block since genesis (repeat the flag to name more
        /// peers: the chunks are spread over them, and a peer that fails is replaced by
        /// another). The snapshot is checked against the checkpoint the validators cosigned
        /// before it is kept. Ignored when the data directory already holds a ledger.
        #[arg(long, value_name = "URL")]
        sync_from: Vec<String>,
    },
    /// Back up this organisation's running node: a snapshot of the chain state and a copy
    /// of the node's own data (ciphertexts, tip messages, the audit log, users), each file
    /// with its SHA-256. Prints the backup's directory.
    Backup {
        /// The node's TOML config.
        #[arg(long, short, default_value = "node.toml")]
        config: PathBuf,
        /// Also copy the backup to this new directory (another disk, say).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore a backup into the node's empty data directory; started, the node fetches the
    /// blocks since the backup from its peers.
    Restore {
        /// The node's TOML config.
        #[arg(long, short, default_value = "node.toml")]
        config: PathBuf,
        /// The backup's directory (what `unchain backup` printed).
        #[arg(long)]
        from: PathBuf,
    },
    /// Build, sign and submit transactions, and follow them.
    #[command(subcommand)]
    Tx(txcmd::TxCommand),
    /// Membership and validator-set changes: propose, approve (more than two thirds of the
    /// governance members decide; who validates changes at the next epoch boundary).
    #[command(subcommand)]
    Governance(govcmd::GovernanceCommand),
    /// Sealed records: seal, open, grant, revoke, consent, erase, match alerts.
    #[command(subcommand)]
    Vault(vaultcmd::VaultCommand),
    /// Cases: import HTCDS documents, move them through their workflow, refer them, export
    /// them, read their audit trail, publish k-anonymised CTDC statistics.
    #[command(subcommand)]
    Case(casecmd::CaseCommand),
    /// Follow your organisation's live events: match alerts, records shared with you, cases
    /// referred to you, hand-overs waiting for your signature.
    Watch(casecmd::WatchArgs),
    /// The organisation's user accounts (on the node's machine): add, list, rotate-token,
    /// set-password, disable, enable.
    #[command(subcommand)]
    User(usercmd::UserCommand),
    /// Evidence chain of custody: collect, hand over, receive, analyse, seal, present,
    /// return, destroy; hand-overs waiting for you; the bundle and report for a court.
    #[command(subcommand)]
    Custody(custodycmd::CustodyCommand),
    /// Proofs of the ledger's state: a key's value, or its absence, as of the latest
    /// checkpoint the validators cosigned (`unchain verify state` checks them offline).
    #[command(subcommand)]
    State(statecmd::StateCommand),
    /// Identity: DIDs, child registration and guardian links, survivor credentials,
    /// revocation, missing-child flags, the trust bundle for border posts.
    #[command(subcommand)]
    Identity(identitycmd::IdentityCommand),
    /// A holder's wallet: keys (did:key), credentials, selective-disclosure presentations,
    /// consent signatures.
    #[command(subcommand)]
    Wallet(walletcmd::WalletCommand),
    /// The border post, offline: a nonce for the wallets, and the check of a child's and
    /// an adult's presentations against a trust bundle.
    #[command(subcommand)]
    Border(unchain_verify::border::BorderCommand),
    /// Anonymous tips handed to your organisation: list, open, triage, reply, convert into
    /// a case.
    #[command(subcommand)]
    Tips(tipscmd::TipsCommand),
    /// Money flows: scan transactions (CSV) for trafficking red flags — fan-in, fan-out,
    /// pass-through, structuring, cycles — and write synthetic data with ground truth.
    #[command(subcommand)]
    Finance(financecmd::FinanceCommand),
    /// Supply chains: EPCIS 2.0 documents (for now, `check` one offline).
    #[command(subcommand)]
    Supply(supplycmd::SupplyCommand),
    /// Ethical recruitment: licences, offers at origin, contracts at destination compared
    /// term by term.
    #[command(subcommand)]
    Recruit(recruitcmd::RecruitCommand),
    /// Compliance agreements: clauses in CEL over the ledger's facts, signed by every
    /// party, evaluated on schedule, each outcome recorded.
    #[command(subcommand)]
    Agreement(agreementcmd::AgreementCommand),
    /// Fetch a committed transaction's proof bundle and verify it.
    Proof(txcmd::ProofArgs),
    /// Verify a saved proof bundle fully offline: signatures, inclusion, checkpoint
    /// (`unchain verify custody BUNDLE` for a chain-of-custody bundle).
    Verify(txcmd::VerifyArgs),
    /// Start a local chain in a temporary directory, seed it with sample activity, and show
    /// what to open and try.
    Demo(demo::DemoArgs),
    /// Load generator: signed transactions from concurrent clients against a fresh local
    /// chain of one or more validators, or a running one; reports committed tx/s, latency,
    /// and this machine's Ed25519 bound.
    Bench(bench::BenchArgs),
    /// Vault latency: time from sealing a record to its ciphertext being served by a
    /// recipient's node, on a fresh two-organisation chain or a running one.
    BenchVault(benchvault::BenchVaultArgs),
    /// Every node's height, log, cosigned checkpoint, mempool and consensus health, and
    /// whether they agree.
    Status(status::StatusArgs),
    /// Shell completions on standard output, for bash, zsh, fish, elvish or powershell
    /// (e.g. `unchain completions bash > ~/.local/share/bash-completion/completions/unchain`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Manual pages (roff), one per command, into a directory (e.g. `unchain man --out
    /// ~/.local/share/man/man1`, then `man unchain-finance-scan`).
    Man {
        /// The directory to write `unchain.1`, `unchain-finance.1`, … into (created if
        /// missing).
        #[arg(long)]
        out: PathBuf,
    },
}

fn init_logging(json: bool, filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("warning: log filter {filter:?} is invalid ({e}); using \"info\"");
        tracing_subscriber::EnvFilter::new("info")
    });
    // Colour only for a person at a terminal (and not even then under NO_COLOR): a file,
    // a pipe or a log collector gets plain text.
    use std::io::IsTerminal as _;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> std::process::ExitCode {
    unchain_verify::exit::quiet_on_closed_stdout();
    let cli = Cli::parse();
    init_logging(cli.log_json, &cli.log);
    match run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => unchain_verify::exit::report(&e),
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Keygen(a) => setup::keygen(a),
        Command::Init(a) => {
            let out = setup::init(a)?;
            println!(
                "created chain {} in {}",
                out.genesis.chain_id,
                out.config_path
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            for (name, path) in &out.key_files {
                println!("  key file of {name}: {}", path.display());
            }
            println!("start each node with:");
            for c in &out.configs {
                println!("  unchain node --config {}", c.display());
            }
            // The token key: made by the validators, once their nodes run.
            let validators: Vec<&str> = out
                .genesis
                .members
                .iter()
                .filter(|m| m.validator)
                .map(|m| m.name.as_str())
                .collect();
            if let (Some(first), Some((_, key))) = (validators.first(), out.key_files.first()) {
                let players: Vec<String> =
                    validators.iter().map(|v| format!("--player {v}")).collect();
                println!(
                    "then have the validators make the blind-index token key (no member will hold it):"
                );
                println!(
                    "  unchain vault token-key open {} --key {} --actor YOUR-USER   (as {first}, a governance member)",
                    players.join(" "),
                    key.display()
                );
            }
            Ok(())
        }
        Command::Node { config, sync_from } => {
            let cfg = unchain_node::NodeConfig::load(&config)?;
            if !sync_from.is_empty() {
                runtime()?.block_on(synccmd::sync_from(&cfg, &sync_from))?;
            }
            unchain_node::run(cfg)
        }
        Command::Backup { config, out } => runtime()?.block_on(synccmd::backup(
            &unchain_node::NodeConfig::load(&config)?,
            out.as_deref(),
        )),
        Command::Restore { config, from } => {
            synccmd::restore(&unchain_node::NodeConfig::load(&config)?, &from)
        }
        Command::Tx(c) => runtime()?.block_on(txcmd::tx(c)),
        Command::Governance(c) => runtime()?.block_on(govcmd::governance(c)),
        Command::Vault(c) => runtime()?.block_on(vaultcmd::vault(c)),
        Command::Proof(a) => runtime()?.block_on(txcmd::proof(a)),
        Command::Case(c) => runtime()?.block_on(casecmd::case(c)),
        Command::Watch(a) => runtime()?.block_on(casecmd::watch(a)),
        Command::User(c) => usercmd::user(c),
        Command::Custody(c) => runtime()?.block_on(custodycmd::custody(c)),
        Command::State(c) => runtime()?.block_on(statecmd::state(c)),
        Command::Identity(c) => runtime()?.block_on(identitycmd::identity(c)),
        Command::Tips(c) => runtime()?.block_on(tipscmd::tips(c)),
        Command::Finance(c) => financecmd::finance(c),
        Command::Supply(c) => supplycmd::supply(c),
        Command::Recruit(c) => recruitcmd::recruit(c),
        Command::Agreement(c) => agreementcmd::agreement(c),
        Command::Wallet(c) => walletcmd::wallet(c),
        Command::Border(c) => match unchain_verify::border::border(c)? {
            0 => Ok(()),
            // The verdict is printed; the status tells scripts it was not VALID.
            code => std::process::exit(code),
        },
        Command::Verify(a) => match a.what {
            Some(txcmd::VerifyWhat::Custody(c)) => unchain_verify::custody::run(&c),
            Some(txcmd::VerifyWhat::Provenance(p)) => unchain_verify::provenance::run(&p),
            Some(txcmd::VerifyWhat::TipReceipt(r)) => unchain_verify::receipt::run(&r),
            Some(txcmd::VerifyWhat::Agreement(r)) => unchain_verify::agreement::run(&r),
            Some(txcmd::VerifyWhat::State(r)) => unchain_verify::state::run(&r),
            Some(txcmd::VerifyWhat::Block(b)) => runtime()?.block_on(blockcmd::verify_block(b)),
            Some(txcmd::VerifyWhat::Presentation(p)) => {
                match unchain_verify::border::verify_presentation(p)? {
                    0 => Ok(()),
                    code => std::process::exit(code),
                }
            }
            None => unchain_verify::proof::run(&unchain_verify::proof::ProofArgs {
                bundle: a
                    .bundle
                    .ok_or_else(|| anyhow::anyhow!("a bundle file is required"))?,
                genesis: a.genesis,
            }),
        },
        Command::Demo(a) => demo::demo(a),
        Command::Bench(a) => bench::bench(a),
        Command::BenchVault(a) => benchvault::bench_vault(a),
        Command::Status(a) => runtime()?.block_on(status::status(a)),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "unchain",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man { out } => man_pages(&out),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Writes a manual page for `unchain` and for each of its subcommands into `dir`.
fn man_pages(dir: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use clap::CommandFactory as _;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("writing manual pages into {}", dir.display()))?;
    let pages = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".1"))
        })
        .count();
    eprintln!("{pages} manual pages in {}", dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    /// clap checks its definitions only when a command is used; check them all at once.
    #[test]
    fn every_command_definition_is_valid() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
