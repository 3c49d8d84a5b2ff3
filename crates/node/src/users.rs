//! An organisation's user accounts, kept by its node in `DATA/users.json`: who may act for
//! the organisation, in which roles, under which pseudonymous id.
//!
//! A user logs in with a password (the console) or presents an API token (programs).
//! Passwords are hashed with Argon2id (PHC strings, a random salt each); API tokens are 256
//! random bits shown once, stored as their SHA-256. The login name never leaves the node:
//! transactions and audit entries carry the user's pseudonymous id (`u-` and 10 hex
//! digits), so the chain shows *that* one person did several things, and only the
//! organisation knows who. Administrators manage accounts with `unchain user …` on the
//! node's machine; the node rereads the file when it changes.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use unchain_types::Hash32;

/// What a user may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Works cases and evidence; reads sealed content; reads audit trails.
    Investigator,
    /// Holds and hands over evidence.
    Custodian,
    /// Reads cases and sealed content for analysis and statistics; changes nothing.
    Analyst,
    /// Receives and assesses allegations; reads sealed content.
    IntakeOfficer,
    /// Manages accounts and reads audit trails; never reads sealed content.
    Administrator,
    /// Checks travellers' credentials at a border post: fetches trust bundles and runs
    /// border checks; reads no case, record or evidence.
    BorderOfficer,
    /// Records and reads supply-chain events, facilities, audits and forced-labour findings;
    /// reads no case, record or evidence.
    ComplianceOfficer,
}

impl UserRole {
    /// Every role.
    pub const ALL: [UserRole; 7] = [
        UserRole::Investigator,
        UserRole::Custodian,
        UserRole::Analyst,
        UserRole::IntakeOfficer,
        UserRole::Administrator,
        UserRole::BorderOfficer,
        UserRole::ComplianceOfficer,
    ];

    /// Its name: `investigator`, `custodian`, `analyst`, `intake_officer`, `administrator`,
    /// `border_officer`, `compliance_officer`.
    pub fn name(self) -> &'static str {
        match self {
            UserRole::Investigator => "investigator",
            UserRole::Custodian => "custodian",
            UserRole::Analyst => "analyst",
            UserRole::IntakeOfficer => "intake_officer",
            UserRole::Administrator => "administrator",
            UserRole::BorderOfficer => "border_officer",
            UserRole::ComplianceOfficer => "compliance_officer",
        }
    }
}

impl std::str::FromStr for UserRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        UserRole::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a role (one of {})",
                    UserRole::ALL.map(UserRole::name).join(", ")
                )
            })
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The login name (never leaves the node).
    pub name: String,
    /// The pseudonymous id transactions and audit entries carry.
    pub id: String,
    /// What it may do.
    pub roles: Vec<UserRole>,
    /// Argon2id PHC string of the password.
    pub password: String,
    /// SHA-256 (hex) of the current API token, if one was issued.
    pub token: Option<String>,
    /// Disabled accounts can neither log in nor use their token.
    pub disabled: bool,
    /// When it was created (ms since the Unix epoch).
    pub created_ms: u64,
}

impl User {
    /// Whether it holds any of `roles`.
    pub fn may(&self, roles: &[UserRole]) -> bool {
        !self.disabled && self.roles.iter().any(|r| roles.contains(r))
    }
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not a user list.
    #[error("{path} is not a user list: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A bad request: an existing name, an unknown user, a short password.
    #[error("{0}")]
    Invalid(String),
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// How API tokens begin, so that a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "unchain_";

fn hash_password(password: &str) -> Result<String, UserError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::Invalid(format!(
            "the password must be at least {MIN_PASSWORD} characters"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Invalid(format!("hashing the password: {e}")))
}

fn token_hash(token: &str) -> String {
    Hash32::digest(token.as_bytes()).to_hex()
}

/// A new random API token.
fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// A generated password: 20 characters from an unambiguous alphabet (about 100 bits).
pub fn generate_password() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Default)]
struct Cache {
    modified: Option<SystemTime>,
    users: Vec<User>,
}

/// Failed sign-ins allowed per login name within [`LOCKOUT`] before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long failures count, and how long a locked name stays locked after the last one.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Failed sign-ins by login name: after [`MAX_FAILURES`] within [`LOCKOUT`], the name is
/// refused without looking at the password until [`LOCKOUT`] has passed since the last
/// failure (password guessing, one name at a time). A successful sign-in clears it.
#[derive(Default)]
pub struct Throttle(Mutex<BTreeMap<String, (u32, u64)>>);

impl Throttle {
    /// Minutes left while `name` is locked at `now_ms`; `None` when it may try.
    pub fn locked(&self, name: &str, now_ms: u64) -> Option<u64> {
        let map = self.0.lock().expect("throttle lock");
        let (n, last) = *map.get(&name.to_lowercase())?;
        let left = (last + LOCKOUT.as_millis() as u64).saturating_sub(now_ms);
        (n >= MAX_FAILURES && left > 0).then(|| left.div_ceil(60_000))
    }

    /// Notes a failure of `name` at `now_ms`.
    pub fn failed(&self, name: &str, now_ms: u64) {
        let mut map = self.0.lock().expect("throttle lock");
        map.retain(|_, (_, last)| now_ms.saturating_sub(*last) < LOCKOUT.as_millis() as u64);
        let e = map.entry(name.to_lowercase()).or_insert((0, now_ms));
        e.0 += 1;
        e.1 = now_ms;
    }

    /// Clears `name` after a successful sign-in.
    pub fn succeeded(&self, name: &str) {
        self.0
            .lock()
            .expect("throttle lock")
            .remove(&name.to_lowercase());
    }
}

/// The answer to a sign-in.
#[derive(Debug)]
pub enum SignIn {
    /// The password is right and the account enabled.
    Accepted(User),
    /// Wrong name or password, or a disabled account (which, is not said).
    Refused,
    /// Too many failures for this name: refused for this many more minutes without
    /// looking at the password.
    Locked {
        /// Minutes until the name may try again.
        minutes: u64,
    },
}

/// The accounts file, and the one sign-in throttle that every way in (the console's login
/// form, `POST /v1/login`) goes through.
pub struct UserStore {
    path: PathBuf,
    cache: Mutex<Cache>,
    throttle: Throttle,
}

impl UserStore {
    /// The store in data directory `dir` (the file need not exist yet).
    pub fn open(dir: &Path) -> Self {
        UserStore {
            path: dir.join("users.json"),
            cache: Mutex::new(Cache::default()),
            throttle: Throttle::default(),
        }
    }

    fn io(&self, source: std::io::Error) -> UserError {
        UserError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Every account, reread if the file changed.
    pub fn list(&self) -> Result<Vec<User>, UserError> {
        let modified = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m.modified().map_err(|e| self.io(e))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(self.io(e)),
        };
        let mut cache = self.cache.lock().expect("user cache lock");
        if cache.modified != modified || cache.modified.is_none() {
            cache.users = match modified {
                None => Vec::new(),
                Some(_) => {
                    let text = std::fs::read(&self.path).map_err(|e| self.io(e))?;
                    serde_json::from_slice(&text).map_err(|e| UserError::Corrupt {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    })?
                }
            };
            cache.modified = modified;
        }
        Ok(cache.users.clone())
    }

    fn save(&self, users: &[User]) -> Result<(), UserError> {
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(users).expect("users serialise"),
        )
        .map_err(|e| self.io(e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| self.io(e))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))?;
        // The next read rereads, even within one tick of the file's modification time.
        self.cache.lock().expect("user cache lock").modified = None;
        Ok(())
    }

    fn update<T>(
        &self,
        f: impl FnOnce(&mut Vec<User>) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        let mut users = self.list()?;
        let out = f(&mut users)?;
        self.save(&users)?;
        Ok(out)
    }

    /// Creates an account; returns it and its first API token.
    pub fn add(
        &self,
        name: &str,
        roles: &[UserRole],
        password: &str,
    ) -> Result<(User, String), UserError> {
        let name_ok = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
        if !name_ok {
            return Err(UserError::Invalid(format!(
                "login name {name:?}: 1 to 64 characters of letters, digits, '.', '_', '@' and '-'"
            )));
        }
        if roles.is_empty() {
            return Err(UserError::Invalid("give the user at least one role".into()));
        }
        let password = hash_password(password)?;
        let token = new_token();
        let user = self.update(|users| {
            if users.iter().any(|u| u.name == name) {
                return Err(UserError::Invalid(format!("user {name} already exists")));
            }
            let bytes: [u8; 5] = rand::random();
            let mut roles = roles.to_vec();
            roles.sort();
            roles.dedup();
            let user = User {
                name: name.into(),
                id: format!("u-{}", hex::encode(bytes)),
                roles,
                password,
                token: Some(token_hash(&token)),
                disabled: false,
                created_ms: now_ms(),
            };
            users.push(user.clone());
            Ok(user)
        })?;
        Ok((user, token))
    }

    fn change(&self, name: &str, f: impl FnOnce(&mut User)) -> Result<User, UserError> {
        self.update(|users| {
            let u = users
                .iter_mut()
                .find(|u| u.name == name)
                .ok_or_else(|| UserError::Invalid(format!("no user named {name}")))?;
            f(u);
            Ok(u.clone())
        })
    }

    /// Issues a new API token; the old one stops working at once.
    pub fn rotate_token(&self, name: &str) -> Result<String, UserError> {
        let token = new_token();
        let hash = token_hash(&token);
        self.change(name, |u| u.token = Some(hash))?;
        Ok(token)
    }

    /// Sets a new password.
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), UserError> {
        let hash = hash_password(password)?;
        self.change(name, |u| u.password = hash).map(|_| ())
    }

    /// Disables (or re-enables) an account.
    pub fn set_disabled(&self, name: &str, disabled: bool) -> Result<User, UserError> {
        self.change(name, |u| u.disabled = disabled)
    }

    /// Signs `name` in with `password` at `now_ms`: every way in calls this, so that one
    /// throttle counts the failures of all of them ([`MAX_FAILURES`] per [`LOCKOUT`]).
    pub fn sign_in(&self, name: &str, password: &str, now_ms: u64) -> Result<SignIn, UserError> {
        if let Some(minutes) = self.throttle.locked(name, now_ms) {
            return Ok(SignIn::Locked { minutes });
        }
        Ok(match self.check_password(name, password)? {
            Some(user) => {
                self.throttle.succeeded(name);
                SignIn::Accepted(user)
            }
            None => {
                self.throttle.failed(name, now_ms);
                SignIn::Refused
            }
        })
    }

    /// The enabled user with this login and password (no throttle: see [`Self::sign_in`]).
    fn check_password(&self, name: &str, password: &str) -> Result<Option<User>, UserError> {
        let Some(user) = self.list()?.into_iter().find(|u| u.name == name) else {
            // Spend the same time as a real check, so that timing does not tell names apart.
            let _ = Argon2::default().verify_password(
                password.as_bytes(),
                &PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r1PpHtPe9kBHBU7P7mz2bWq+NdBDpHkCjmO1Yl2zlo")
                    .expect("a valid PHC string"),
            );
            return Ok(None);
        };
        let ok = PasswordHash::new(&user.password)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        Ok((ok && !user.disabled).then_some(user))
    }

    /// The enabled user with this login name (a live session's).
    pub fn by_name(&self, name: &str) -> Result<Option<User>, UserError> {
        Ok(self
            .list()?
            .into_iter()
            .find(|u| u.name == name && !u.disabled))
    }

    /// The enabled user whose API token this is.
    pub fn by_token(&self, token: &str) -> Result<Option<User>, UserError> {
        let hash = token_hash(token);
        Ok(self
            .list()?
            .into_iter()
            .find(|u| u.token.as_deref() == Some(hash.as_str()) && !u.disabled))
    }
}

/// The roles that may reach an API path.
pub fn roles_for_path(method: &str, path: &str) -> &'static [UserRole] {
    use UserRole::*;
    if path.starts_with("/v1/vault/ciphertexts/") {
        if method == "PUT" {
            &[Investigator, IntakeOfficer]
        } else {
            &[Investigator, Analyst, IntakeOfficer]
        }
    } else if path.starts_with("/v1/vault/") {
        &[Investigator, Analyst, IntakeOfficer, Administrator]
    } else if path.starts_with("/v1/custody/") {
        &[Custodian, Investigator, Analyst]
    } else if path.starts_with("/v1/cases/") && path.ends_with("/audit") {
        &[Investigator, Administrator]
    } else if path.starts_with("/v1/cases") {
        &[Investigator, Analyst, IntakeOfficer, Administrator]
    } else if path.starts_with("/v1/tips") {
        &[IntakeOfficer, Investigator]
    } else if path.starts_with("/v1/border/") || path == "/v1/identity/trust-bundle" {
        &[BorderOfficer, Investigator]
    } else if path == "/epcis/capture" && method == "POST" {
        &[ComplianceOfficer]
    } else if path.starts_with("/epcis/") || path.starts_with("/v1/supply/") {
        &[ComplianceOfficer, Analyst, Investigator]
    } else if path.starts_with("/v1/events") {
        &[
            Investigator,
            Custodian,
            Analyst,
            IntakeOfficer,
            Administrator,
        ]
    } else {
        &UserRole::ALL
    }
}

/// The roles that may submit a kind through `/v1/act` (none: not through the node).
pub fn roles_for_kind(kind: &str) -> &'static [UserRole] {
    use UserRole::*;
    if kind.starts_with("custody.") {
        &[Custodian, Investigator]
    } else if kind.starts_with("cases.") {
        &[Investigator, IntakeOfficer]
    } else if kind.starts_with("supply.") {
        &[ComplianceOfficer]
    } else if kind == "tips.triage" || kind == "tips.convert" {
        // Replies are sealed to the reporter in the client: not through the node.
        &[IntakeOfficer, Investigator]
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_750_000_000_000;

    impl UserStore {
        fn login(&self, name: &str, password: &str) -> Result<Option<User>, UserError> {
            self.check_password(name, password)
        }
    }

    #[test]
    fn a_name_is_locked_after_five_failures_and_unlocked_after_a_quarter_hour() {
        let t = Throttle::default();
        for i in 0..MAX_FAILURES {
            assert_eq!(t.locked("Anna", T0 + u64::from(i)), None);
            t.failed("anna", T0 + u64::from(i));
        }
        let last = T0 + u64::from(MAX_FAILURES - 1);
        assert_eq!(t.locked("ANNA", last + 1), Some(15));
        assert_eq!(
            t.locked("bob", last + 1),
            None,
            "other names are not locked"
        );
        let lock = LOCKOUT.as_millis() as u64;
        assert_eq!(t.locked("anna", last + lock - 1), Some(1));
        assert_eq!(t.locked("anna", last + lock), None);
        t.failed("carl", T0);
        t.succeeded("carl");
        for i in 0..MAX_FAILURES - 1 {
            t.failed("carl", T0 + u64::from(i));
        }
        assert_eq!(
            t.locked("carl", T0 + 10),
            None,
            "a success starts the count again"
        );
    }

    #[test]
    fn sign_in_locks_a_name_after_failures_whatever_the_password_then_frees_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = UserStore::open(dir.path());
        store
            .add("anna", &[UserRole::Investigator], "correct horse battery")
            .expect("add");
        for i in 0..MAX_FAILURES {
            assert!(matches!(
                store.sign_in("anna", "wrong password!!", T0 + u64::from(i)),
                Ok(SignIn::Refused)
            ));
        }
        // Locked: the right password is not even looked at, under any spelling of the name.
        for name in ["anna", "ANNA", "Anna"] {
            assert!(
                matches!(
                    store.sign_in(name, "correct horse battery", T0 + 10),
                    Ok(SignIn::Locked { minutes: 15 })
                ),
                "{name} was not locked"
            );
        }
        let after = T0 + u64::from(MAX_FAILURES - 1) + LOCKOUT.as_millis() as u64;
        assert!(matches!(
            store.sign_in("anna", "correct horse battery", after),
            Ok(SignIn::Accepted(_))
        ));
        // Unknown names count too, so that guessing names is throttled the same way.
        for i in 0..MAX_FAILURES {
            let _ = store.sign_in("nobody", "whatever password", T0 + u64::from(i));
        }
        assert!(matches!(
            store.sign_in("nobody", "whatever password", T0 + 10),
            Ok(SignIn::Locked { .. })
        ));
    }

    #[test]
    fn accounts_log_in_rotate_and_disable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = UserStore::open(dir.path());
        let (user, token) = store
            .add(
                "somchai",
                &[UserRole::Investigator],
                "correct horse battery",
            )
            .expect("add");
        assert!(user.id.starts_with("u-") && user.id.len() == 12);
        assert!(user.password.starts_with("$argon2id$"), "{}", user.password);
        let file = std::fs::read_to_string(dir.path().join("users.json")).expect("file");
        assert!(!file.contains("correct horse battery") && !file.contains(&token));
        assert!(
            store
                .add("somchai", &[UserRole::Analyst], "another long password")
                .is_err()
        );
        assert!(
            store
                .add("short", &[UserRole::Analyst], "tooshort")
                .is_err()
        );

        assert_eq!(
            store
                .login("somchai", "correct horse battery")
                .expect("login")
                .map(|u| u.id),
            Some(user.id.clone())
        );
        assert!(
            store
                .login("somchai", "wrong password!!")
                .expect("login")
                .is_none()
        );
        assert!(
            store
                .login("nobody", "correct horse battery")
                .expect("login")
                .is_none()
        );
        assert_eq!(
            store.by_token(&token).expect("token").map(|u| u.id),
            Some(user.id.clone())
        );

        let fresh = store.rotate_token("somchai").expect("rotate");
        assert!(
            store.by_token(&token).expect("token").is_none(),
            "the old token still works"
        );
        assert!(store.by_token(&fresh).expect("token").is_some());

        // Another process (the CLI) changes the file: the store sees it.
        let other = UserStore::open(dir.path());
        other.set_disabled("somchai", true).expect("disable");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = UserStore::open(dir.path());
        assert!(again.by_token(&fresh).expect("token").is_none());
        assert!(
            again
                .login("somchai", "correct horse battery")
                .expect("login")
                .is_none()
        );
    }
}
