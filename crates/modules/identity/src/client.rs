//! For the organisation's and the holder's side — the CLI, the demo, tests: the issuing
//! DID's key file, signing a credential with the `identity.issue` body that records it, and
//! the holder's wallet (keys, stored credentials, presentations). No I/O: callers read and
//! write the files (a key file is written `0600`) and submit the bodies.

use crate::body::Issue;
use crate::credential::{self, Draft, Issued, selective_claims};
use crate::rules::{DidState, current_key};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use unchain_credentials::did::{did_key, multikey};
use unchain_credentials::jose::Jwk;
use unchain_credentials::sdjwt::{self, SdJwt};
use unchain_types::SigningKey;

/// Why an issuer's or a holder's step failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A key in a file is not a key.
    #[error("{what}: {reason}")]
    BadKey {
        /// Which key.
        what: String,
        /// Why.
        reason: String,
    },
    /// The DID was deactivated.
    #[error("{did} was deactivated ({reason}); it issues nothing")]
    Deactivated {
        /// The DID.
        did: String,
        /// Why it was.
        reason: String,
    },
    /// The key file is not the DID's current key.
    #[error(
        "the issuer key file holds {file_key} but the DID's current key is {current}: use the file that rotated it"
    )]
    NotCurrentKey {
        /// The key id in the file.
        file_key: String,
        /// The DID's current key id.
        current: String,
    },
    /// The wallet has no such key.
    #[error("the wallet has no key labelled {0:?}")]
    NoKey(String),
    /// The wallet has a key of that label already.
    #[error("the wallet already has a key labelled {0:?}")]
    KeyExists(String),
    /// The wallet has no such credential.
    #[error("credential {number}: the wallet holds {held}")]
    NoCredential {
        /// The number asked for (from 1).
        number: usize,
        /// How many it holds.
        held: usize,
    },
    /// A claim the credential's type cannot disclose.
    #[error("--disclose {claim}: a {vct} credential has no such claim (it has: {has})")]
    NoClaim {
        /// The claim.
        claim: String,
        /// The credential's type.
        vct: String,
        /// The claims it may disclose.
        has: String,
    },
    /// Not a credential this wallet can store.
    #[error("the credential: {0}")]
    Credential(String),
}

/// An issuing DID's key file: the current key's id and seed, and retired keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerFile {
    /// The DID.
    pub did: String,
    /// The current key's id (its fragment).
    pub key_id: String,
    /// The current key's Ed25519 seed, hex.
    pub seed: String,
    /// Keys it rotated away from.
    #[serde(default)]
    pub retired: Vec<RetiredKey>,
    /// The origin (`https://node.example`) that serves this DID's Status List Token to
    /// outside verifiers; the credentials it issues name their list there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_origin: Option<String>,
}

/// A key an issuer rotated away from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetiredKey {
    /// Its id.
    pub key_id: String,
    /// Its seed, hex.
    pub seed: String,
}

impl IssuerFile {
    /// The current signing key.
    pub fn key(&self) -> Result<SigningKey, ClientError> {
        SigningKey::from_hex(&self.seed).map_err(|e| ClientError::BadKey {
            what: format!("issuer key file of {}", self.did),
            reason: e.to_string(),
        })
    }

    /// Checks that `state` (the DID as the ledger holds it) is active and that this file
    /// holds its current key.
    pub fn check_current(&self, state: &DidState) -> Result<(), ClientError> {
        if let Some(d) = &state.deactivated {
            return Err(ClientError::Deactivated {
                did: state.did.clone(),
                reason: d.reason.clone(),
            });
        }
        let (kid, mk) = current_key(state);
        if kid != self.key_id || mk != multikey(&self.key()?.public_key()) {
            return Err(ClientError::NotCurrentKey {
                file_key: self.key_id.clone(),
                current: kid.to_owned(),
            });
        }
        Ok(())
    }
}

/// Signs `draft` with the issuer's current key and builds the `identity.issue` body that
/// records it (its digest, type and index — never its claims), dated `at_ms`.
pub fn issue<R: RngCore + CryptoRng>(
    issuer: &DidState,
    key: &SigningKey,
    draft: &Draft,
    child: Option<&str>,
    at_ms: u64,
    rng: &mut R,
) -> (Issued, Issue) {
    let issued = credential::issue(issuer, key, draft, rng);
    let body = Issue {
        issuer: issuer.did.clone(),
        idx: draft.idx,
        vct: draft.vct.clone(),
        digest: issued.digest,
        child: child.map(str::to_owned),
        at_ms,
        actor: None,
    };
    (issued, body)
}

/// A holder's wallet: Ed25519 keys (each a `did:key`) and the credentials bound to them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Wallet {
    /// The format's version (1).
    pub version: u32,
    /// The keys.
    pub keys: Vec<WalletKey>,
    /// The stored credentials, numbered from 1 in this order.
    pub credentials: Vec<StoredCredential>,
}

/// A key in a wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalletKey {
    /// Its label (`me`, `child-1`, …).
    pub label: String,
    /// Its `did:key`.
    pub did: String,
    /// Its Ed25519 seed, hex.
    pub seed: String,
}

/// A credential in a wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCredential {
    /// The label of the key it is bound to.
    pub key: String,
    /// Its type.
    pub vct: String,
    /// Its issuer.
    pub iss: String,
    /// The child it is about, if any.
    pub child_id: Option<String>,
    /// When it expires, seconds.
    pub exp: Option<u64>,
    /// The SD-JWT as issued.
    pub sd_jwt: String,
}

impl Wallet {
    /// An empty wallet.
    pub fn new() -> Wallet {
        Wallet {
            version: 1,
            ..Wallet::default()
        }
    }

    /// The key labelled `label`.
    pub fn key(&self, label: &str) -> Result<SigningKey, ClientError> {
        let k = self
            .keys
            .iter()
            .find(|k| k.label == label)
            .ok_or_else(|| ClientError::NoKey(label.to_owned()))?;
        SigningKey::from_hex(&k.seed).map_err(|e| ClientError::BadKey {
            what: format!("wallet key {label:?}"),
            reason: e.to_string(),
        })
    }

    /// Adds a fresh key labelled `label`; returns its did:key.
    pub fn add_key<R: RngCore + CryptoRng>(
        &mut self,
        label: &str,
        rng: &mut R,
    ) -> Result<String, ClientError> {
        if self.keys.iter().any(|k| k.label == label) {
            return Err(ClientError::KeyExists(label.to_owned()));
        }
        let key = SigningKey::generate(rng);
        let did = did_key(&key.public_key());
        self.keys.push(WalletKey {
            label: label.into(),
            did: did.clone(),
            seed: hex::encode(key.seed()),
        });
        Ok(did)
    }

    /// Adds a key for the subject of one vault record, labelled `subject-N` (the next
    /// free N), and returns its label and public key. Each record about the holder gets
    /// its own key, so no two records share one (nothing on chain links them); the key is
    /// derived from the wallet's first key and N, so a backup of that one key recovers
    /// every record's. The holder later signs consents and subject proofs with it.
    pub fn add_subject_key(&mut self) -> Result<(String, unchain_types::PublicKey), ClientError> {
        let first = self
            .keys
            .first()
            .ok_or_else(|| ClientError::NoKey("(the wallet has no key)".into()))?;
        let master = SigningKey::from_hex(&first.seed).map_err(|e| ClientError::BadKey {
            what: format!("wallet key {:?}", first.label),
            reason: e.to_string(),
        })?;
        let n = (1..)
            .find(|n| !self.keys.iter().any(|k| k.label == format!("subject-{n}")))
            .expect("a free number");
        let label = format!("subject-{n}");
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        sha2::Digest::update(&mut h, b"unchain/wallet/subject-key/v1\0");
        sha2::Digest::update(&mut h, master.seed());
        sha2::Digest::update(&mut h, (n as u64).to_be_bytes());
        let key = SigningKey::from_seed(sha2::Digest::finalize(h).into());
        self.keys.push(WalletKey {
            label: label.clone(),
            did: did_key(&key.public_key()),
            seed: hex::encode(key.seed()),
        });
        Ok((label, key.public_key()))
    }

    /// Stores an issued credential bound to one of the wallet's keys; returns its number.
    pub fn store(&mut self, text: &str) -> Result<usize, ClientError> {
        let bad = |e: &dyn std::fmt::Display| ClientError::Credential(e.to_string());
        let parsed = SdJwt::parse(text).map_err(|e| bad(&e))?;
        if parsed.kb_jwt.is_some() {
            return Err(ClientError::Credential(
                "that is a presentation (it ends in a key-binding JWT), not an issued credential"
                    .into(),
            ));
        }
        let jws = parsed.unverified().map_err(|e| bad(&e))?;
        let cnf = jws
            .payload
            .get("cnf")
            .and_then(|c| c.get("jwk"))
            .ok_or_else(|| ClientError::Credential("it names no holder key (cnf.jwk)".into()))?;
        let holder = Jwk::from_value(cnf)
            .and_then(|j| j.key())
            .map_err(|e| bad(&e))?;
        let key = self
            .keys
            .iter()
            .find(|k| SigningKey::from_hex(&k.seed).is_ok_and(|s| s.public_key() == holder))
            .ok_or_else(|| {
                ClientError::Credential(format!(
                    "it is bound to {}, which this wallet does not hold",
                    did_key(&holder)
                ))
            })?
            .label
            .clone();
        let get = |k: &str| {
            jws.payload
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        self.credentials.push(StoredCredential {
            key,
            vct: get("vct").unwrap_or_default(),
            iss: get("iss").unwrap_or_default(),
            child_id: get("child_id"),
            exp: jws.payload.get("exp").and_then(|v| v.as_u64()),
            sd_jwt: text.trim().to_owned(),
        });
        Ok(self.credentials.len())
    }

    /// Credential `number` (from 1).
    pub fn credential(&self, number: usize) -> Result<&StoredCredential, ClientError> {
        number
            .checked_sub(1)
            .and_then(|i| self.credentials.get(i))
            .ok_or(ClientError::NoCredential {
                number,
                held: self.credentials.len(),
            })
    }

    /// A presentation of credential `number` disclosing only `disclose`, bound to the
    /// verifier's `aud` and `nonce`, dated `iat_s`.
    pub fn present(
        &self,
        number: usize,
        disclose: &[&str],
        aud: &str,
        nonce: &str,
        iat_s: u64,
    ) -> Result<String, ClientError> {
        let c = self.credential(number)?;
        // The claims this credential can disclose: those its type defines, and any other its
        // issuer made disclosable (another module's credential, such as an employment offer).
        let mut allowed: Vec<String> = selective_claims(&c.vct)
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        if let Ok(parsed) = unchain_credentials::sdjwt::SdJwt::parse(&c.sd_jwt) {
            for d in &parsed.disclosures {
                if let Ok(Some(name)) =
                    unchain_credentials::sdjwt::Disclosure::parse(d).map(|d| d.name)
                    && !allowed.contains(&name)
                {
                    allowed.push(name);
                }
            }
        }
        if let Some(bad) = disclose.iter().find(|d| !allowed.iter().any(|a| a == *d)) {
            return Err(ClientError::NoClaim {
                claim: (*bad).to_owned(),
                vct: c.vct.clone(),
                has: allowed.join(", "),
            });
        }
        let key = self.key(&c.key)?;
        sdjwt::present(&c.sd_jwt, disclose, &key, aud, nonce, iat_s)
            .map_err(|e| ClientError::Credential(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::DidCreate;
    use crate::credential::CHILD;
    use rand::SeedableRng;
    use unchain_types::{Hash32, TxId};

    fn issuer(rng: &mut rand::rngs::StdRng) -> (IssuerFile, SigningKey, DidState) {
        let key = SigningKey::generate(rng);
        let state = crate::rules::create(
            &TxId(Hash32::digest(b"did tx")),
            "th-registry",
            &DidCreate {
                key: multikey(&key.public_key()),
                label: "civil registry".into(),
                at_ms: 1,
                actor: None,
            },
            0,
        );
        let file = IssuerFile {
            did: state.did.clone(),
            key_id: current_key(&state).0.to_owned(),
            seed: hex::encode(key.seed()),
            retired: Vec::new(),
            status_origin: None,
        };
        (file, key, state)
    }

    #[test]
    fn an_issued_credential_is_stored_and_presented_with_only_what_is_disclosed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (file, key, state) = issuer(&mut rng);
        file.check_current(&state)
            .expect("the file holds the current key");

        let mut wallet = Wallet::new();
        let child_did = wallet.add_key("child-1", &mut rng).expect("a key");
        assert!(matches!(
            wallet.add_key("child-1", &mut rng),
            Err(ClientError::KeyExists(_))
        ));
        let holder = wallet.key("child-1").expect("key").public_key();
        assert_eq!(child_did, did_key(&holder));

        let draft = Draft {
            vct: CHILD.into(),
            idx: 42,
            status_origin: None,
            holder,
            iat: 1_800_000_000,
            nbf: None,
            exp: 1_900_000_000,
            always: [("child_id".to_owned(), "c-1".into())]
                .into_iter()
                .collect(),
            selective: vec![
                ("given_name".into(), "Dao".into()),
                ("birth_date".into(), "2022".into()),
            ],
        };
        let (issued, body) = issue(&state, &key, &draft, Some("c-1"), 5, &mut rng);
        // The body records the issuance, never the claims.
        assert_eq!(
            (body.idx, body.digest, body.child.as_deref()),
            (42, issued.digest, Some("c-1"))
        );
        let json = serde_json::to_string(&body).expect("json");
        assert!(!json.contains("Dao") && !json.contains("2022"), "{json}");

        assert_eq!(wallet.store(&issued.sd_jwt).expect("stored"), 1);
        assert_eq!(wallet.credentials[0].child_id.as_deref(), Some("c-1"));
        let shown = wallet
            .present(1, &["given_name"], "post-1", "n-1", 1_800_000_100)
            .expect("a presentation");
        let disclosed: Vec<String> = SdJwt::parse(&shown)
            .expect("parses")
            .disclosures
            .iter()
            .map(|d| {
                String::from_utf8(unchain_credentials::jose::unb64(d).expect("base64url"))
                    .expect("JSON")
            })
            .collect();
        assert!(disclosed.iter().any(|d| d.contains("Dao")), "{disclosed:?}");
        assert!(
            !disclosed.iter().any(|d| d.contains("2022")),
            "{disclosed:?}"
        );
        assert!(matches!(
            wallet.present(1, &["eye_colour"], "post-1", "n-1", 1),
            Err(ClientError::NoClaim { .. })
        ));
        assert!(matches!(
            wallet.present(2, &[], "post-1", "n-1", 1),
            Err(ClientError::NoCredential { number: 2, held: 1 })
        ));
        // A credential bound to a key the wallet does not hold is refused.
        let mut other = Wallet::new();
        other.add_key("me", &mut rng).expect("key");
        assert!(matches!(
            other.store(&issued.sd_jwt),
            Err(ClientError::Credential(_))
        ));
    }

    #[test]
    fn an_issuer_file_that_is_not_the_current_key_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let (mut file, _, state) = issuer(&mut rng);
        file.seed = hex::encode(SigningKey::generate(&mut rng).seed());
        assert!(matches!(
            file.check_current(&state),
            Err(ClientError::NotCurrentKey { .. })
        ));
    }
}
