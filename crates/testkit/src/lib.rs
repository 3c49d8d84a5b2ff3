//! Test support for modules: [`Org`], a member organisation with its keys that signs
//! transactions with consecutive nonces, and [`Chain`], a real [`Ledger`] with one
//! validator that applies blocks and reports each transaction's fate.
#![forbid(unsafe_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use unchain_ledger::genesis::MatchingKeyGrant;
use unchain_ledger::genesis::Sector;
use unchain_ledger::{AnyModule, CheckpointSigner, Genesis, Ledger, Member, Role};
use unchain_seal::{ContentKey, MatchingKey, WrappedKey, matching_key_info};
use unchain_types::{
    EncryptionSecretKey, Hash32, SigningKey, Transaction, TxId, UnsignedTransaction,
};
use unchain_vault::client;

/// A member organisation in a test.
pub struct Org {
    /// Its transaction-signing key.
    pub key: SigningKey,
    /// Its X25519 key for sealed records.
    pub enc: EncryptionSecretKey,
    /// Its member name.
    pub name: String,
    /// Its roles.
    pub roles: BTreeSet<Role>,
    /// Its jurisdiction (ISO 3166-1 alpha-2; `TH` unless set with [`Org::in_country`]).
    pub jurisdiction: String,
    /// What kind of body it is (none unless set with [`Org::of_sector`]).
    pub sector: Option<Sector>,
    /// The nonce of its last signed transaction.
    pub nonce: u64,
    chain_id: String,
}

impl Org {
    /// An organisation whose signing key derives from `seed`, on `chain_id`, with `roles`.
    pub fn new(chain_id: &str, seed: u8, name: &str, roles: &[Role]) -> Self {
        Org {
            key: SigningKey::from_seed([seed; 32]),
            enc: EncryptionSecretKey::generate(&mut rand::thread_rng()),
            name: name.into(),
            roles: roles.iter().copied().collect(),
            jurisdiction: "TH".into(),
            sector: None,
            nonce: 0,
            chain_id: chain_id.into(),
        }
    }

    /// The same organisation in jurisdiction `country`.
    pub fn in_country(mut self, country: &str) -> Self {
        self.jurisdiction = country.into();
        self
    }

    /// The same organisation, declared a body of `sector`.
    pub fn of_sector(mut self, sector: Sector) -> Self {
        self.sector = Some(sector);
        self
    }

    /// Its genesis entry.
    pub fn member(&self, validator: bool) -> Member {
        Member {
            name: self.name.clone(),
            display_name: format!("Org {}", self.name),
            jurisdiction: self.jurisdiction.clone(),
            sector: self.sector,
            roles: self.roles.clone(),
            signing_key: self.key.public_key(),
            encryption_key: self.enc.public_key(),
            validator,
        }
    }

    /// Signs `kind` with `body` at its next nonce.
    pub fn tx(&mut self, kind: &str, body: Value) -> Transaction {
        self.nonce += 1;
        UnsignedTransaction {
            chain_id: self.chain_id.clone(),
            sender: self.key.public_key(),
            nonce: self.nonce,
            kind: kind.into(),
            body,
        }
        .sign(&self.key)
        .expect("sign")
    }

    /// The matching key, unwrapped from genesis with this organisation's secret key.
    pub fn matching_key(&self, genesis: &Genesis) -> MatchingKey {
        let mk = genesis.matching_key.as_ref().expect("genesis matching key");
        let bytes = mk.wrapped[&self.name]
            .unwrap(
                &self.enc,
                &matching_key_info(&genesis.chain_id, mk.epoch, &self.name),
            )
            .expect("own wrapped matching key opens");
        MatchingKey::from_bytes(bytes)
    }
}

/// Block time of the genesis and the first block's parent.
pub const GENESIS_TIME_MS: u64 = 1_700_000_000_000;

/// A ledger whose first organisation is the only validator and signs each checkpoint.
pub struct Chain {
    /// The ledger.
    pub ledger: Ledger,
    /// Its genesis.
    pub genesis: Genesis,
    /// The time of the last block applied.
    pub time_ms: u64,
    /// Other validators' ledgers ([`Chain::add_replica`]): each block is applied to them
    /// too, and their state and log roots must equal the first ledger's.
    pub replicas: Vec<Ledger>,
}

impl Chain {
    /// A chain of `orgs` (the first validates), with a matching key at epoch 1, executing
    /// the modules `modules` builds from the genesis.
    pub fn new(
        dir: &Path,
        orgs: &[&Org],
        modules: impl FnOnce(&Genesis) -> Vec<Arc<dyn AnyModule>>,
    ) -> Self {
        Chain::with_validators(dir, orgs, 1, modules)
    }

    /// Like [`Chain::new`], with the first `validators` organisations flagged as validators
    /// in genesis (the first still signs checkpoints alone).
    pub fn with_validators(
        dir: &Path,
        orgs: &[&Org],
        validators: usize,
        modules: impl FnOnce(&Genesis) -> Vec<Arc<dyn AnyModule>>,
    ) -> Self {
        let chain_id = orgs[0].chain_id.clone();
        let key = MatchingKey::generate();
        let genesis = Genesis {
            chain_id: chain_id.clone(),
            log_origin: format!("unchain/{chain_id}"),
            genesis_time_ms: GENESIS_TIME_MS,
            members: orgs
                .iter()
                .enumerate()
                .map(|(i, o)| o.member(i < validators.max(1)))
                .collect(),
            matching_key: Some(MatchingKeyGrant {
                epoch: 1,
                wrapped: orgs
                    .iter()
                    .map(|o| {
                        let info = matching_key_info(&chain_id, 1, &o.name);
                        (
                            o.name.clone(),
                            WrappedKey::wrap(key.as_bytes(), &o.enc.public_key(), &info),
                        )
                    })
                    .collect(),
            }),
            epoch_length: None,
        };
        let signer = CheckpointSigner {
            name: orgs[0].name.clone(),
            key: orgs[0].key.clone(),
        };
        let ledger = Ledger::open(
            &dir.join("ledger.redb"),
            genesis.clone(),
            modules(&genesis),
            Some(signer),
        )
        .expect("open ledger");
        Chain {
            ledger,
            genesis,
            time_ms: GENESIS_TIME_MS,
            replicas: Vec::new(),
        }
    }

    /// Opens a second ledger of the same genesis in `dir` (before the first block), which
    /// executes every block beside the first and must agree with it on every root: what
    /// every validator of a real chain does.
    pub fn add_replica(
        &mut self,
        dir: &Path,
        modules: impl FnOnce(&Genesis) -> Vec<Arc<dyn AnyModule>>,
    ) {
        let ledger = Ledger::open(
            &dir.join("replica.redb"),
            self.genesis.clone(),
            modules(&self.genesis),
            None,
        )
        .expect("open replica");
        self.replicas.push(ledger);
    }

    /// Applies one block a second after the last; returns each transaction's rejection
    /// reason, if any.
    pub fn apply(&mut self, txs: &[&Transaction]) -> Vec<Option<String>> {
        self.time_ms += 1000;
        let proposer = self.genesis.members[0].signing_key;
        let block = self
            .ledger
            .head()
            .expect("head")
            .next_block(self.time_ms, proposer, txs);
        let digest = Hash32::digest(&serde_json::to_vec(&block).expect("json"));
        let sidecars = unchain_ledger::sidecars_of(txs);
        let rec = self
            .ledger
            .apply_block_with(&block, digest, &|_| None, &sidecars)
            .expect("apply")
            .record;
        let head = self.ledger.head().expect("head");
        for replica in &self.replicas {
            replica
                .apply_block_with(&block, digest, &|_| None, &sidecars)
                .expect("replica applies");
            let theirs = replica.head().expect("replica head");
            assert_eq!(
                (theirs.state_root, theirs.log_root),
                (head.state_root, head.log_root),
                "a replica disagrees at height {}",
                head.height
            );
        }
        // A transaction too large or malformed to parse is recorded under the hash of its
        // bytes.
        txs.iter()
            .map(|t| {
                let by_bytes = TxId(Hash32::digest(t.leaf_bytes()));
                rec.rejected
                    .iter()
                    .find(|(id, _)| *id == t.id() || *id == by_bytes)
                    .map(|(_, r)| r.clone())
            })
            .collect()
    }

    /// Applies `tx`, which must commit; returns its id.
    pub fn ok(&mut self, tx: &Transaction) -> TxId {
        let out = self.apply(&[tx]);
        assert_eq!(out[0], None, "{} should commit", tx.kind());
        tx.id()
    }

    /// Submits a transaction that must be refused and returns why. A member's transaction
    /// refused in its turn spends its nonce (it is recorded as failed); one from a key that
    /// is no member's spends none: `org` follows the ledger either way.
    pub fn refused(&mut self, org: &mut Org, kind: &str, body: Value) -> String {
        let tx = org.tx(kind, body);
        let why = self.apply(&[&tx])[0]
            .clone()
            .unwrap_or_else(|| panic!("{kind} should be refused"));
        // Every refusal is recorded with a code from the documented list.
        match self.ledger.tx(&tx.id()).expect("read the outcome") {
            Some(unchain_ledger::TxRecord::Rejected { code: Some(_), .. }) => {}
            other => panic!("{kind} refused without a code: {other:?} ({why})"),
        }
        org.nonce = match self
            .ledger
            .sender_and_next_nonce(&org.key.public_key())
            .expect("read the account")
        {
            Some((_, next)) => next - 1,
            None => org.nonce - 1,
        };
        why
    }

    /// The checkpoint this chain's validator signed at the current log size, with that size.
    pub fn checkpoint(&self) -> (String, u64) {
        let size = self.ledger.head().expect("head").log_size;
        let note = self
            .ledger
            .own_checkpoint_at(size)
            .expect("read checkpoint")
            .expect("the validator signs a checkpoint after every block");
        (note, size)
    }
}

impl Chain {
    /// Seals `plaintext` as a new record of `owner` (recipients: the owner alone), with
    /// `schema`; returns the record id (from `seed`) and its content key.
    pub fn seal(
        &mut self,
        owner: &mut Org,
        seed: &str,
        schema: &str,
        plaintext: &[u8],
    ) -> (Hash32, ContentKey) {
        let id = Hash32::digest(seed.as_bytes());
        let sealed = client::prepare_seal(client::SealPlan {
            chain_id: &self.genesis.chain_id,
            record: id,
            version: 1,
            schema,
            plaintext,
            recipients: &[(owner.name.clone(), owner.enc.public_key())],
            tokens: Vec::new(),
            policy: Some(unchain_vault::body::Policy {
                retention_days: 3650,
                consent_required: false,
                subject_minor: false,
            }),
            subject: None,
            actor: None,
        });
        let tx = owner.tx("vault.seal", client::to_json(&sealed.body));
        self.ok(&tx);
        let key = client::content_key(self.me(owner), &self.record(&id), 1)
            .expect("the owner opens its own record");
        (id, key)
    }

    /// Grants the latest version of record `id` to `to`, on a public task.
    pub fn grant(&mut self, owner: &mut Org, to: &Org, id: &Hash32) {
        let grant = client::grant(
            self.me(owner),
            &self.record(id),
            &to.name,
            &to.enc.public_key(),
            client::GrantTerms {
                purpose: "victim support after referral",
                legal_basis: unchain_vault::body::LegalBasis::PublicTask,
                reshare: false,
                actor: None,
            },
        )
        .expect("the owner re-wraps its record's key");
        let tx = owner.tx("vault.grant", client::to_json(&grant));
        self.ok(&tx);
    }

    /// Record `id` as the ledger holds it.
    pub fn record(&self, id: &Hash32) -> unchain_vault::state::RecordView {
        let reader = self.ledger.state_reader().expect("state");
        unchain_vault::state::record(&reader, id)
            .expect("read the record")
            .expect("the record exists")
    }

    fn me<'a>(&'a self, org: &'a Org) -> client::Me<'a> {
        client::Me {
            chain_id: &self.genesis.chain_id,
            name: &org.name,
            secret: &org.enc,
        }
    }
}
