//! The identity world the border tests share: a chain with a civil registry, a police
//! force and an NGO, the registry's issuer DID, a registered child, and helpers to issue,
//! present and check credentials.
#![allow(dead_code, unused_imports)]
#![allow(clippy::disallowed_methods)] // test keys come from randomness; the rule binds execution

pub use serde_json::{Map, Value, json};
pub use std::sync::Arc;
pub use unchain_credentials::did::did_key;
pub use unchain_credentials::did::multikey;
pub use unchain_credentials::sdjwt;
pub use unchain_credentials::status::Status;
pub use unchain_identity::border::{self, Challenge, Verdict};
pub use unchain_identity::credential::{self, CHILD, Draft, GUARDIAN_LINK};
pub use unchain_identity::rules::DidState;
pub use unchain_identity::trust::{self, TrustBundle, TrustState};
pub use unchain_identity::{IdentityModule, issued};
pub use unchain_ledger::Role;
pub use unchain_log::{hash_leaf, verify_inclusion};
pub use unchain_testkit::{Chain, Org};
pub use unchain_types::SigningKey;
pub use unchain_vault::VaultModule;

pub const CHAIN: &str = "identity-test";
pub const CHILD_NAME: &str = "Mali Sukprasert";
pub const BORDER: &str = "th-border-mae-sot";

pub struct World {
    pub chain: Chain,
    pub registry: Org,
    pub police: Org,
    pub other: Org,
    pub issuer: DidState,
    pub issuer_key: SigningKey,
    pub child_key: SigningKey,
    pub guardian_key: SigningKey,
    pub child: String,
}

pub fn now_s(c: &Chain) -> u64 {
    c.time_ms / 1000
}

pub fn at(c: &Chain) -> u64 {
    c.time_ms + 1000
}

pub fn create_did(c: &mut Chain, org: &mut Org, key: &SigningKey, label: &str) -> DidState {
    let body = json!({"key": multikey(&key.public_key()), "label": label, "at_ms": at(c)});
    let tx = org.tx("identity.did_create", body);
    c.ok(&tx);
    let did = unchain_identity::rules::did_of(&tx.id());
    unchain_identity::did(&c.ledger.state_reader().expect("reader"), &did)
        .expect("read")
        .expect("created")
}

pub fn world(dir: &std::path::Path) -> World {
    let roles = [Role::Governance, Role::Records, Role::Identity];
    let mut registry = Org::new(CHAIN, 1, "th-registry", &roles);
    let police = Org::new(CHAIN, 2, "th-police", &roles);
    let other = Org::new(CHAIN, 3, "my-ngo", &roles);
    let mut chain = Chain::new(dir, &[&registry, &police, &other], |g| {
        vec![Arc::new(VaultModule::new(g)), Arc::new(IdentityModule)]
    });
    let issuer_key = SigningKey::from_seed([11; 32]);
    let issuer = create_did(
        &mut chain,
        &mut registry,
        &issuer_key,
        "TH civil registry, Tak",
    );
    let plaintext =
        json!({"given_name": "Mali", "family_name": "Sukprasert", "birth_date": "2023-04-02"});
    let (record, _) = chain.seal(
        &mut registry,
        "child-1",
        "identity.child",
        plaintext.to_string().as_bytes(),
    );
    let child = "c-5f2a9e00112233445566".to_owned();
    let body = json!({"child": child, "record": record.to_hex(), "at_ms": at(&chain)});
    let tx = registry.tx("identity.child_register", body);
    chain.ok(&tx);
    World {
        chain,
        registry,
        police,
        other,
        issuer,
        issuer_key,
        child_key: SigningKey::from_seed([21; 32]),
        guardian_key: SigningKey::from_seed([22; 32]),
        child,
    }
}

impl World {
    /// Issues a credential and records it on the ledger; returns the SD-JWT and its index.
    pub fn issue(
        &mut self,
        vct: &str,
        holder: &SigningKey,
        child: &str,
        nbf: Option<u64>,
        exp: u64,
    ) -> (String, u32) {
        let reader = self.chain.ledger.state_reader().expect("reader");
        let idx = unchain_identity::next_index(&reader, &self.issuer.did)
            .expect("read")
            .expect("a free index");
        let mut always = Map::new();
        always.insert("child_id".into(), child.into());
        let selective: Vec<(String, Value)> = if vct == CHILD {
            vec![
                ("given_name".into(), "Mali".into()),
                ("family_name".into(), "Sukprasert".into()),
                ("birth_date".into(), "2023-04-02".into()),
            ]
        } else {
            vec![
                ("relationship".into(), "mother".into()),
                ("guardian_name".into(), "Somsri Sukprasert".into()),
            ]
        };
        let issued = credential::issue(
            &self.issuer,
            &self.issuer_key,
            &Draft {
                vct: vct.into(),
                idx,
                status_origin: None,
                holder: holder.public_key(),
                iat: now_s(&self.chain),
                nbf,
                exp,
                always,
                selective,
            },
            &mut rand::thread_rng(),
        );
        let body = json!({
            "issuer": self.issuer.did, "idx": idx, "vct": vct,
            "digest": issued.digest.to_hex(), "child": child, "at_ms": at(&self.chain),
        });
        let tx = self.registry.tx("identity.issue", body);
        self.chain.ok(&tx);
        (issued.sd_jwt, idx)
    }

    /// The child's registration credential, to the child's key, valid until `exp`.
    pub fn child_card(&mut self, exp: u64) -> (String, u32) {
        let (holder, child) = (self.child_key.clone(), self.child.clone());
        self.issue(CHILD, &holder, &child, None, exp)
    }

    /// A guardian link for the child to the guardian's key, valid from now until `exp`.
    pub fn link_guardian(&mut self, exp: u64) -> (String, u32) {
        let (guardian, child) = (self.guardian_key.clone(), self.child.clone());
        self.issue(GUARDIAN_LINK, &guardian, &child, None, exp)
    }

    /// The child's credential and `link`, presented now, checked against a fresh bundle.
    pub fn cross(&self, child_cred: &str, link: &str) -> border::BorderReport {
        let now = now_s(&self.chain);
        let child = present(child_cred, &self.child_key, &[], "n-1", now);
        check(
            self,
            &self.trust(),
            &child,
            &present(link, &self.guardian_key, &[], "n-1", now),
        )
    }

    pub fn bundle(&self) -> TrustBundle {
        let (note, size) = self.chain.checkpoint();
        trust::build(&self.chain.ledger, note, size, self.chain.time_ms).expect("build")
    }

    pub fn trust(&self) -> TrustState {
        let b = self.bundle();
        verify_bundle(&b).expect("the bundle verifies")
    }

    pub fn set_status(&mut self, idx: u32, status: &str, reason: &str) {
        let body = json!({"issuer": self.issuer.did, "idx": idx, "status": status, "reason": reason, "at_ms": at(&self.chain)});
        let tx = self.registry.tx("identity.status", body);
        self.chain.ok(&tx);
    }
}

/// A credential signed but never recorded on the ledger (a forgery, or a stolen key's).
#[allow(clippy::too_many_arguments)]
pub fn sign_off_ledger(
    issuer: &DidState,
    key: &SigningKey,
    vct: &str,
    idx: u32,
    holder: &SigningKey,
    child: &str,
    iat: u64,
    exp: u64,
) -> credential::Issued {
    credential::issue(
        issuer,
        key,
        &Draft {
            vct: vct.into(),
            idx,
            status_origin: None,
            holder: holder.public_key(),
            iat,
            nbf: None,
            exp,
            always: [("child_id".to_owned(), Value::from(child))]
                .into_iter()
                .collect(),
            selective: vec![],
        },
        &mut rand::thread_rng(),
    )
}

pub fn verify_bundle(b: &TrustBundle) -> Result<TrustState, trust::TrustError> {
    let validators: Vec<_> = b.envelope.validators.iter().map(|v| v.verifier()).collect();
    trust::verify(b, &validators, validators.len())
}

pub fn present(
    sd_jwt: &str,
    holder: &SigningKey,
    disclose: &[&str],
    nonce: &str,
    now: u64,
) -> String {
    sdjwt::present(sd_jwt, disclose, holder, BORDER, nonce, now).expect("present")
}

pub fn check(w: &World, trust: &TrustState, child: &str, adult: &str) -> border::BorderReport {
    border::check(
        trust,
        child,
        adult,
        &Challenge {
            aud: BORDER,
            nonce: "n-1",
            now_ms: w.chain.time_ms,
            max_presentation_age_s: 300,
        },
        7 * 24 * 3_600_000,
    )
}
