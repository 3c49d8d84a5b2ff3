//! `unchain user …`: an administrator manages the organisation's user accounts on the
//! node's machine (the node rereads the accounts file when it changes). Passwords and API
//! tokens are shown once, here, and stored only as hashes.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use std::io::Read as _;
use std::path::PathBuf;
use unchain_node::users::{UserRole, UserStore, generate_password};

/// Which node's accounts.
#[derive(Args)]
pub struct NodeArg {
    /// The node's TOML config (its data directory holds the accounts).
    #[arg(long, short, default_value = "node.toml")]
    pub config: PathBuf,
}

/// User commands.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user: prints its pseudonymous id, its password (unless read from stdin)
    /// and its API token, once.
    Add {
        /// The login name (stays on this node).
        name: String,
        /// investigator, custodian, analyst, intake_officer, administrator,
        /// border_officer or compliance_officer. Repeat or separate with commas.
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// Read the password from stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        node: NodeArg,
    },
    /// List users (never passwords or tokens).
    List {
        #[command(flatten)]
        node: NodeArg,
    },
    /// Issue a new API token; the old one stops working at once.
    RotateToken {
        /// The login name.
        name: String,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Set a new password (from stdin, or generated and printed).
    SetPassword {
        /// The login name.
        name: String,
        /// Read the password from stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Disable a user: no login, no token.
    Disable {
        /// The login name.
        name: String,
        #[command(flatten)]
        node: NodeArg,
    },
    /// Enable a disabled user again.
    Enable {
        /// The login name.
        name: String,
        #[command(flatten)]
        node: NodeArg,
    },
}

fn store(node: &NodeArg) -> anyhow::Result<UserStore> {
    let cfg = unchain_node::NodeConfig::load(&node.config)?;
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    Ok(UserStore::open(&cfg.data_dir))
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok((s.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((generate_password(), true))
    }
}

/// `unchain user …`.
pub fn user(c: UserCommand) -> anyhow::Result<()> {
    match c {
        UserCommand::Add {
            name,
            roles,
            password_stdin,
            node,
        } => {
            let roles = roles
                .iter()
                .map(|r| {
                    r.parse::<UserRole>()
                        .map_err(|e| anyhow::anyhow!("--role: {e}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (pw, generated) = password(password_stdin)?;
            let (user, token) = store(&node)?.add(&name, &roles, &pw)?;
            println!("user      {name}");
            println!(
                "id        {}   (what the chain and the audit log show)",
                user.id
            );
            println!(
                "roles     {}",
                user.roles
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if generated {
                println!("password  {pw}");
            }
            println!("token     {token}");
            eprintln!("Hand these over securely; they are not shown again.");
            Ok(())
        }
        UserCommand::List { node } => {
            for u in store(&node)?.list()? {
                println!(
                    "{:<20} {}  {:<40} {}",
                    u.name,
                    u.id,
                    u.roles
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(","),
                    if u.disabled { "disabled" } else { "active" }
                );
            }
            Ok(())
        }
        UserCommand::RotateToken { name, node } => {
            let token = store(&node)?.rotate_token(&name)?;
            println!("token     {token}");
            eprintln!("The previous token no longer works.");
            Ok(())
        }
        UserCommand::SetPassword {
            name,
            password_stdin,
            node,
        } => {
            let (pw, generated) = password(password_stdin)?;
            store(&node)?.set_password(&name, &pw)?;
            if generated {
                println!("password  {pw}");
            }
            Ok(())
        }
        UserCommand::Disable { name, node } => {
            store(&node)?.set_disabled(&name, true)?;
            eprintln!("{name} is disabled");
            Ok(())
        }
        UserCommand::Enable { name, node } => {
            store(&node)?.set_disabled(&name, false)?;
            eprintln!("{name} is enabled");
            Ok(())
        }
    }
}
