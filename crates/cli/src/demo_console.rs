//! The demo's console accounts: on every organisation's node, an investigator (who also
//! handles evidence) and a custodian (who handles evidence but cannot read sealed
//! content), with fresh passwords printed once.

use anyhow::Context as _;
use std::path::PathBuf;
use unchain_node::users::{UserRole, UserStore, generate_password};

/// One console account the demo made.
pub struct ConsoleLogin {
    /// The organisation.
    pub org: String,
    /// The login name.
    pub user: &'static str,
    /// Its password.
    pub password: String,
    /// Its roles, as `unchain user` names them.
    pub roles: String,
}

/// Creates the accounts in each node's data directory (the node rereads them).
pub fn seed_console_users(configs: &[PathBuf]) -> anyhow::Result<Vec<ConsoleLogin>> {
    let mut out = Vec::new();
    for config in configs {
        let cfg = unchain_node::NodeConfig::load(config)?;
        let keys = unchain_node::run::load_keys(&cfg.key_file)?;
        let store = UserStore::open(&cfg.data_dir);
        for (user, roles) in [
            (
                "investigator",
                &[UserRole::Investigator, UserRole::Custodian][..],
            ),
            ("custodian", &[UserRole::Custodian][..]),
        ] {
            let password = generate_password();
            store
                .add(user, roles, &password)
                .with_context(|| format!("adding the console user {user} of {}", keys.name))?;
            out.push(ConsoleLogin {
                org: keys.name.clone(),
                user,
                password,
                roles: roles
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(out)
}
