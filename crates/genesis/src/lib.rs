//! Genesis: the chain's identity and its founding members. Every node opens its ledger
//! from this document ([`Genesis::check`] first), and every offline verifier pins a bundle
//! to it: [`Genesis::checkpoint_verifiers`] are the keys whose cosignatures make a
//! checkpoint the chain's, and [`read`] loads a file with errors that name it.
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use unchain_seal::WrappedKey;
use unchain_types::{EncryptionPublicKey, PublicKey};

/// What a member may do. Each transaction kind names the role it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Votes on membership changes.
    Governance,
    /// Anchors document hashes.
    Notary,
    /// Records cases (cases module).
    Cases,
    /// Records evidence custody (custody module).
    Custody,
    /// Issues identities and credentials (identity module).
    Identity,
    /// Receives anonymous tips (tips module).
    Tips,
    /// Records supply-chain events (supply module).
    Supply,
    /// Registers recruitment contracts (recruitment module).
    Recruitment,
    /// Proposes, signs and evaluates compliance agreements (agree module).
    Agreements,
    /// Shares financial-intelligence alerts (finance module).
    Finance,
    /// Seals, shares and erases records in the vault.
    Records,
}

impl Role {
    /// Every role, for help texts and error messages.
    pub const ALL: [Role; 11] = [
        Role::Governance,
        Role::Notary,
        Role::Cases,
        Role::Custody,
        Role::Identity,
        Role::Tips,
        Role::Supply,
        Role::Recruitment,
        Role::Agreements,
        Role::Finance,
        Role::Records,
    ];

    /// The role's name as written in genesis and transactions.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Governance => "governance",
            Role::Notary => "notary",
            Role::Cases => "cases",
            Role::Custody => "custody",
            Role::Identity => "identity",
            Role::Tips => "tips",
            Role::Supply => "supply",
            Role::Recruitment => "recruitment",
            Role::Agreements => "agreements",
            Role::Finance => "finance",
            Role::Records => "records",
        }
    }
}

/// What kind of body an organisation is, in law: what a jurisdiction's sharing policy
/// names when it says who may receive a record ("records about a child go only to child
/// protection or law enforcement"). Roles say what a member may do on the ledger; the
/// sector says what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Police and other criminal investigators.
    LawEnforcement,
    /// Public prosecutors.
    Prosecution,
    /// Courts.
    Judiciary,
    /// Labour inspectorates and ministries of labour.
    LabourInspection,
    /// Child-protection and social-welfare authorities.
    ChildProtection,
    /// Border and immigration services.
    Border,
    /// Financial intelligence units.
    FinancialIntelligence,
    /// Licensing and other regulators.
    Regulator,
    /// Non-governmental organisations (shelters, hotlines, legal aid).
    Ngo,
    /// United Nations and other intergovernmental agencies.
    Intergovernmental,
    /// Companies (brands, suppliers, recruiters, banks).
    Company,
}

impl Sector {
    /// Every sector, for help texts and error messages.
    pub const ALL: [Sector; 11] = [
        Sector::LawEnforcement,
        Sector::Prosecution,
        Sector::Judiciary,
        Sector::LabourInspection,
        Sector::ChildProtection,
        Sector::Border,
        Sector::FinancialIntelligence,
        Sector::Regulator,
        Sector::Ngo,
        Sector::Intergovernmental,
        Sector::Company,
    ];

    /// The sector's name as written in genesis, transactions and sharing policies.
    pub fn as_str(&self) -> &'static str {
        match self {
            Sector::LawEnforcement => "law_enforcement",
            Sector::Prosecution => "prosecution",
            Sector::Judiciary => "judiciary",
            Sector::LabourInspection => "labour_inspection",
            Sector::ChildProtection => "child_protection",
            Sector::Border => "border",
            Sector::FinancialIntelligence => "financial_intelligence",
            Sector::Regulator => "regulator",
            Sector::Ngo => "ngo",
            Sector::Intergovernmental => "intergovernmental",
            Sector::Company => "company",
        }
    }

    /// The sector named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// An organisation in the consortium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Short unique name: `[a-z0-9-]{2,40}`, e.g. `th-police`.
    pub name: String,
    /// Human-readable name of the organisation.
    pub display_name: String,
    /// ISO 3166-1 alpha-2 country code of its jurisdiction, e.g. `TH`.
    pub jurisdiction: String,
    /// What kind of body it is, where declared: sharing policies may name it. A member
    /// without one matches no policy rule that asks for a sector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// What it may do.
    pub roles: BTreeSet<Role>,
    /// Its Ed25519 transaction-signing key.
    pub signing_key: PublicKey,
    /// Its X25519 key for records sealed to it.
    pub encryption_key: EncryptionPublicKey,
    /// Whether it runs a validator.
    #[serde(default)]
    pub validator: bool,
}

impl Member {
    /// Checks the fields a transaction or genesis file could get wrong.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = (2..=40).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(format!(
                "member name {:?} must be 2 to 40 characters of a-z, 0-9 and '-'",
                self.name
            ));
        }
        self.signing_key
            .check_point()
            .map_err(|e| format!("member {}: signing_key: {e}", self.name))?;
        if self.display_name.trim().is_empty() || self.display_name.len() > 120 {
            return Err(format!(
                "member {}: display_name must be 1 to 120 characters",
                self.name
            ));
        }
        if self.jurisdiction.len() != 2 || !unchain_types::country::is_alpha2(&self.jurisdiction) {
            return Err(format!(
                "member {}: jurisdiction {:?} is not an ISO 3166-1 alpha-2 code (e.g. TH, GB, NG)",
                self.name, self.jurisdiction
            ));
        }
        Ok(())
    }
}

/// The genesis document every node of a chain starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain id every transaction must name.
    pub chain_id: String,
    /// The transparency log's origin line in checkpoints.
    pub log_origin: String,
    /// Timestamp of the genesis block, milliseconds since the Unix epoch.
    pub genesis_time_ms: u64,
    /// The founding members.
    pub members: Vec<Member>,
    /// The consortium's blind-index matching key, wrapped for every founding member
    /// (DESIGN.md decision 5). Absent: this chain does no matching until a rotation sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_key: Option<MatchingKeyGrant>,
    /// Blocks per consensus epoch (absent: [`DEFAULT_EPOCH_LENGTH`]). A change to the
    /// validator set takes effect at the first epoch boundary after it is applied: epoch `e`
    /// is heights `e × L` to `(e + 1) × L − 1`, and its validators are those in state after
    /// the last block of epoch `e − 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch_length: Option<u64>,
}

/// Blocks per epoch when genesis names none: about four minutes of an idle chain (four
/// blocks a second), less under load.
pub const DEFAULT_EPOCH_LENGTH: u64 = 1_000;

/// The range genesis may set `epoch_length` in: long enough that an epoch is more than its
/// own transition, short enough that a governance decision takes effect the same day.
pub const EPOCH_LENGTH_RANGE: std::ops::RangeInclusive<u64> = 4..=1_000_000;

/// A matching key epoch, wrapped for each member with HPKE
/// ([`unchain_seal::matching_key_info`] names the chain, the epoch and the member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingKeyGrant {
    /// The key's epoch: 1 at genesis, one more at each rotation. Tokens name their epoch.
    pub epoch: u32,
    /// The key wrapped for each member, by member name.
    pub wrapped: BTreeMap<String, WrappedKey>,
}

impl Genesis {
    /// Blocks per consensus epoch.
    pub fn epoch_length(&self) -> u64 {
        self.epoch_length.unwrap_or(DEFAULT_EPOCH_LENGTH)
    }

    /// The epoch that height `height` belongs to.
    pub fn epoch_of(&self, height: u64) -> u64 {
        height / self.epoch_length()
    }

    /// The validators as checkpoint note verifiers (key name = member name), in genesis
    /// order: the keys whose signatures make a checkpoint the chain's.
    pub fn checkpoint_verifiers(&self) -> Vec<unchain_log::NoteVerifier> {
        self.validator_keys()
            .iter()
            .map(unchain_log::NamedKey::verifier)
            .collect()
    }

    /// The validators with their names, in genesis order: epoch 0's set, from which every
    /// later epoch's is proven (`unchain_bundle::epochs`).
    pub fn validator_keys(&self) -> Vec<unchain_log::NamedKey> {
        self.members
            .iter()
            .filter(|m| m.validator)
            .map(|m| unchain_log::NamedKey {
                name: m.name.clone(),
                key: m.signing_key,
            })
            .collect()
    }

    /// Checks the document: unique names and keys, valid members, at least one validator
    /// and one governance member.
    pub fn check(&self) -> Result<(), String> {
        if self.chain_id.is_empty()
            || self.chain_id.len() > 64
            || !self
                .chain_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("chain_id must be 1 to 64 characters of a-z, 0-9 and '-'".into());
        }
        if self.log_origin.is_empty() || self.log_origin.contains(char::is_whitespace) {
            return Err("log_origin must be non-empty with no whitespace".into());
        }
        let mut names = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for m in &self.members {
            m.check()?;
            if !names.insert(m.name.clone()) {
                return Err(format!("member name {} appears twice", m.name));
            }
            if !keys.insert(m.signing_key) {
                return Err(format!(
                    "member {}: signing key is used by another member",
                    m.name
                ));
            }
        }
        if let Some(mk) = &self.matching_key {
            if mk.epoch == 0 {
                return Err("matching_key.epoch must be at least 1".into());
            }
            if let Some(m) = self
                .members
                .iter()
                .find(|m| !mk.wrapped.contains_key(&m.name))
            {
                return Err(format!(
                    "matching_key.wrapped has no key for member {}",
                    m.name
                ));
            }
            if let Some(n) = mk.wrapped.keys().find(|n| !names.contains(*n)) {
                return Err(format!(
                    "matching_key.wrapped names {n}, which is not a member"
                ));
            }
        }
        if let Some(l) = self.epoch_length
            && !EPOCH_LENGTH_RANGE.contains(&l)
        {
            return Err(format!(
                "epoch_length {l} must be between {} and {} blocks",
                EPOCH_LENGTH_RANGE.start(),
                EPOCH_LENGTH_RANGE.end()
            ));
        }
        if !self.members.iter().any(|m| m.validator) {
            return Err("genesis needs at least one validator".into());
        }
        if !self
            .members
            .iter()
            .any(|m| m.roles.contains(&Role::Governance))
        {
            return Err("genesis needs at least one member with the governance role".into());
        }
        Ok(())
    }
}

/// Why a genesis file cannot be used. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum GenesisFileError {
    /// The file cannot be read.
    #[error("reading genesis file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a genesis document.
    #[error("parsing genesis file {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why (serde names the line and column).
        source: serde_json::Error,
    },
    /// The document parses but breaks a rule of [`Genesis::check`].
    #[error("genesis file {}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The rule broken.
        reason: String,
    },
    /// The file is another chain's than the bundle or request it should anchor.
    #[error("genesis file {} is chain {found}, not {expected}", path.display())]
    OtherChain {
        /// The file.
        path: PathBuf,
        /// The chain it is for.
        found: String,
        /// The chain asked for.
        expected: String,
    },
}

/// Reads and checks the genesis file at `path`.
pub fn read(path: &Path) -> Result<Genesis, GenesisFileError> {
    let text = std::fs::read(path).map_err(|source| GenesisFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let genesis: Genesis =
        serde_json::from_slice(&text).map_err(|source| GenesisFileError::Parse {
            path: path.to_owned(),
            source,
        })?;
    genesis
        .check()
        .map_err(|reason| GenesisFileError::Invalid {
            path: path.to_owned(),
            reason,
        })?;
    Ok(genesis)
}

/// Reads the genesis file at `path` as the trust anchor for something that names
/// `chain_id` (a bundle, a checkpoint): refused if it is another chain's.
pub fn read_pinned(path: &Path, chain_id: &str) -> Result<Genesis, GenesisFileError> {
    let genesis = read(path)?;
    if genesis.chain_id != chain_id {
        return Err(GenesisFileError::OtherChain {
            path: path.to_owned(),
            found: genesis.chain_id,
            expected: chain_id.to_owned(),
        });
    }
    Ok(genesis)
}
