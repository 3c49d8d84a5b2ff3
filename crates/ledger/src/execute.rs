//! Applying blocks: the only code that writes ledger state.

use crate::error::{LedgerError, TxRejection};
use crate::genesis::{Genesis, Member};
use crate::membership::{member_by_key, member_key};
use crate::module::{AnyModule, ExecContext, ExecError, KindSpec, ParsedBody};
use crate::query::{BlockRecord, Head, TxRecord};
use crate::state::{self, RedbNodes, StateWriter};
use crate::{Ledger, genesis_hash};
use crate::{authenticated, epochs};
use redb::{ReadableTable, WriteTransaction};
use std::sync::Arc;
use unchain_log::{Checkpoint, SignedNote};
use unchain_types::{Block, Code, Hash32, PublicKey, Refusal, SigningKey, Transaction, TxId};

/// Signs a checkpoint after every block: the validator's note key name and signing key.
#[derive(Clone)]
pub struct CheckpointSigner {
    /// Key name on the note's signature line (the member name).
    pub name: String,
    /// The validator's Ed25519 key.
    pub key: SigningKey,
}

/// What applying a block did.
#[derive(Debug, Clone)]
pub struct BlockOutcome {
    /// The block's record, as stored.
    pub record: BlockRecord,
    /// False when the block had already been applied (redelivery after a restart).
    pub newly_applied: bool,
    /// False when the roots the block attests are not this node's at that height: either
    /// its proposer lied or this node's state diverged. Execution never reads them, so the
    /// block is applied all the same; the caller reports it.
    pub attestation_matches: bool,
}

/// A transaction the mempool admitted: parsed, its signature verified, its body parsed by
/// its module. A block built from the mempool is executed from these, parsing nothing again.
#[derive(Debug, Clone)]
pub struct CheckedTx {
    /// The transaction.
    pub tx: Arc<Transaction>,
    /// Its body, parsed by the module of its kind.
    pub body: ParsedBody,
}

/// What [`Ledger::check_tx`] found: the transaction may be admitted.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The nonce it was checked against (its own).
    pub next_nonce: u64,
    /// Its body, parsed: keep it with the transaction for execution.
    pub body: ParsedBody,
}

pub(crate) fn nonce_key(sender: &PublicKey) -> Vec<u8> {
    format!("nonce/{}", sender.to_hex()).into_bytes()
}

fn read_nonce(state: &StateWriter<'_>, sender: &PublicKey) -> Result<u64, redb::StorageError> {
    Ok(state
        .get(&nonce_key(sender))?
        .map(|v| u64::from_be_bytes(v.try_into().expect("nonce is 8 bytes")))
        .unwrap_or(0))
}

/// The storage format this version writes and reads: 2 keeps the state in the
/// authenticated map ([`authenticated`]) and state lines in checkpoints; 3 adds the
/// validator set to state and the epochs table ([`epochs`]); 4 keeps each state key beside
/// its versioned value, so any retained version can be exported as a snapshot
/// ([`crate::snapshot`]).
pub(crate) const STORAGE_FORMAT: &str = "4";

/// Records that the log reached `size` at the block at `height`, whose state root is
/// `root`: the checkpoint at that size carries them as its state line.
fn record_size_state(
    txn: &WriteTransaction,
    size: u64,
    height: u64,
    root: &Hash32,
) -> Result<(), LedgerError> {
    let mut value = [0u8; 40];
    value[..8].copy_from_slice(&height.to_be_bytes());
    value[8..].copy_from_slice(&root.0);
    txn.open_table(state::SIZE_STATE)?.insert(size, &value)?;
    Ok(())
}

impl Ledger {
    pub(crate) fn init_or_check_genesis(&self) -> Result<(), LedgerError> {
        let txn = self.begin_write()?;
        let stored = {
            let meta = txn.open_table(state::META)?;
            meta.get("genesis")?.map(|v| v.value().to_vec())
        };
        if let Some(stored) = stored {
            let format = {
                let meta = txn.open_table(state::META)?;
                meta.get("format")?
                    .map(|v| String::from_utf8_lossy(v.value()).into_owned())
            };
            if format.as_deref() != Some(STORAGE_FORMAT) {
                return Err(LedgerError::Format {
                    found: format.unwrap_or_else(|| "1".into()),
                    reads: STORAGE_FORMAT.into(),
                    how: "Format 4 keeps the state in an authenticated map, with the \
                          validator set of each epoch and each key beside its value, which \
                          older directories lack. Move the directory aside and start the node \
                          on an empty one with the same genesis: it replays the chain from its \
                          peers, or starts from a peer's snapshot with --sync-from, and \
                          reaches the same state.",
                });
            }
            let stored: Genesis = serde_json::from_slice(&stored)
                .map_err(|e| LedgerError::Genesis(format!("stored genesis unreadable: {e}")))?;
            if stored != self.genesis {
                return Err(LedgerError::GenesisMismatch {
                    stored: stored.chain_id.clone(),
                    stored_hash: genesis_hash(&stored).to_hex(),
                    given: self.genesis.chain_id.clone(),
                    given_hash: self.genesis_hash().to_hex(),
                });
            }
            txn.abort()?;
            return Ok(());
        }
        // Fresh directory: write the members and the height-0 head.
        let writes = {
            let mut st = StateWriter::open(&txn).map_err(LedgerError::Storage)?;
            for m in &self.genesis.members {
                st.put(
                    &member_key(&m.name),
                    &serde_json::to_vec(m).expect("member serialises"),
                )?;
                st.put(&member_by_key(&m.signing_key), m.name.as_bytes())?;
            }
            epochs::refresh_validators(&mut st)?;
            epochs::record_epoch(&txn, &st, 0)?;
            st.finish()
        };
        let state_root = authenticated::commit(&txn, 0, writes)?;
        record_size_state(&txn, 0, 0, &state_root)?;
        // Create every table so readers never meet a missing one.
        txn.open_table(state::BLOCKS)?;
        txn.open_table(state::BLOCK_ROOTS)?;
        txn.open_table(state::TXS)?;
        txn.open_table(state::LEAVES)?;
        txn.open_table(state::LOG_NODES)?;
        txn.open_table(state::CHECKPOINTS)?;
        txn.open_table(state::COSIGNED)?;
        txn.open_table(crate::kept::REQUESTS)?;
        txn.open_table(crate::kept::PROOFS)?;
        txn.open_table(crate::kept::CHECKPOINTS)?;
        let head = Head {
            height: 0,
            digest: self.genesis_hash(),
            timestamp_ms: self.genesis.genesis_time_ms,
            state_root,
            log_size: 0,
            log_root: Hash32::digest(&[]),
        };
        {
            let mut meta = txn.open_table(state::META)?;
            meta.insert(
                "genesis",
                serde_json::to_vec(&self.genesis)
                    .expect("genesis serialises")
                    .as_slice(),
            )?;
            meta.insert(
                "head",
                serde_json::to_vec(&head)
                    .expect("head serialises")
                    .as_slice(),
            )?;
            meta.insert("format", STORAGE_FORMAT.as_bytes())?;
            meta.insert(
                "genesis_head",
                serde_json::to_vec(&head)
                    .expect("head serialises")
                    .as_slice(),
            )?;
        }
        self.sign_checkpoint(&txn, &head)?;
        txn.commit()?;
        Ok(())
    }

    pub(crate) fn sign_checkpoint(
        &self,
        txn: &WriteTransaction,
        head: &Head,
    ) -> Result<(), LedgerError> {
        let signer = self.signer.read().expect("signer lock");
        let Some(signer) = signer.as_ref() else {
            return Ok(());
        };
        let cp = Checkpoint {
            origin: self.genesis.log_origin.clone(),
            size: head.log_size,
            root: head.log_root,
            state: state::state_at_size(&txn.open_table(state::SIZE_STATE)?, head.log_size)?,
        };
        let mut note = SignedNote::new(cp.body());
        note.sign(&signer.name, &signer.key)
            .map_err(|e| LedgerError::Log(e.to_string()))?;
        let text = note.to_text();
        txn.open_table(state::CHECKPOINTS)?
            .insert(head.log_size, text.as_str())?;
        // A lone validator is its own quorum: its checkpoint is final as signed.
        let epoch = self.epoch_of(head.height);
        let validators: Vec<unchain_log::NamedKey> = txn
            .open_table(epochs::EPOCHS)?
            .get(epoch)?
            .map(|v| serde_json::from_slice(v.value()).expect("epochs hold validator JSON"))
            .unwrap_or_default();
        let lone = matches!(validators.as_slice(), [only] if only.key == signer.key.public_key());
        if lone {
            txn.open_table(state::COSIGNED)?
                .insert(head.log_size, text.as_str())?;
            if let Some(state) = &cp.state {
                crate::kept::capture(txn, state, head.log_size, head.height)?;
            }
        }
        // The block that ends an epoch: its checkpoint proves the next epoch's validators.
        if epochs::ends_epoch(head.height, self.epoch_length())
            && validators.iter().any(|v| v.key == signer.key.public_key())
        {
            epochs::sign_epoch_end(txn, &self.genesis.log_origin, head, epoch, signer, lone)?;
        }
        Ok(())
    }

    /// Checks a transaction against current state without applying it: chain, kind,
    /// membership, role, body schema and nonce. `next_nonce`, when given, overrides the
    /// stored next nonce (the mempool passes the one after its pending transactions).
    /// The signature is the caller's to verify (it may batch).
    pub fn check_tx(
        &self,
        tx: &Transaction,
        next_nonce: Option<u64>,
    ) -> Result<Admitted, TxRejection> {
        let (member, stored_next) = self
            .sender_and_next_nonce(tx.sender())
            .map_err(|e| {
                TxRejection::Refused(Refusal::new(
                    Code::Unavailable,
                    format!("cannot read the sender's account: {e}"),
                ))
            })?
            .ok_or(TxRejection::NotMember(*tx.sender()))?;
        let (module, _) = self.check_stateless(tx, &member)?;
        if tx.lacks_sidecar() {
            return Err(TxRejection::Format(unchain_types::TxError::Field {
                field: "sidecar",
                reason: format!(
                    "is missing: the signed body commits to erasable members ({}) by their \
                     digest, and they must travel beside it (send the transaction's wire \
                     form, not its leaf bytes)",
                    unchain_types::sidecar::erasable_fields(tx.kind()).join(", ")
                ),
            }));
        }
        let body = module.parse_any(tx.kind(), tx.body())?;
        let next = next_nonce.unwrap_or(stored_next).max(stored_next);
        check_nonce(tx, &member, next)?;
        Ok(Admitted {
            next_nonce: next,
            body,
        })
    }

    /// The checks that need no state but the sender's membership: chain, kind and role.
    /// Returns the module of the kind.
    fn check_stateless(
        &self,
        tx: &Transaction,
        member: &Member,
    ) -> Result<(&Arc<dyn AnyModule>, KindSpec), TxRejection> {
        if tx.chain_id() != self.genesis.chain_id {
            return Err(TxRejection::WrongChain {
                got: tx.chain_id().into(),
                expected: self.genesis.chain_id.clone(),
            });
        }
        let (module, spec) =
            self.module_for(tx.kind())
                .ok_or_else(|| TxRejection::UnknownKind {
                    kind: tx.kind().into(),
                    known: self
                        .kinds()
                        .iter()
                        .map(|k| k.kind)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        if !member.roles.contains(&spec.role) {
            return Err(TxRejection::MissingRole {
                member: member.name.clone(),
                role: spec.role.as_str(),
                kind: tx.kind().into(),
            });
        }
        Ok((module, spec))
    }

    /// Applies the next block atomically. Re-applying a block already applied is a no-op
    /// that returns its stored record (marshal delivers at least once).
    pub fn apply_block(&self, block: &Block, digest: Hash32) -> Result<BlockOutcome, LedgerError> {
        self.apply_block_with(block, digest, &|_| None, &|_| None)
    }

    /// [`Ledger::apply_block`], taking already-checked transactions from `checked` (looked
    /// up by leaf bytes) where it has them, so the mempool's parse of the transaction and of
    /// its body is not repeated. Whatever `checked` returns must be `Transaction::parse` of
    /// those bytes, with the body [`Ledger::check_tx`] parsed.
    ///
    /// A transaction whose signed body commits to a sidecar it does not carry takes it from
    /// `sidecars` (by digest); when that has none, nothing is applied and the error is
    /// [`LedgerError::MissingSidecar`].
    pub fn apply_block_with(
        &self,
        block: &Block,
        digest: Hash32,
        checked: &dyn Fn(&[u8]) -> Option<CheckedTx>,
        sidecars: &dyn Fn(&Hash32) -> Option<unchain_types::sidecar::Sidecar>,
    ) -> Result<BlockOutcome, LedgerError> {
        let head = self.head()?;
        if block.height <= head.height {
            let record = self
                .block(block.height)?
                .ok_or_else(|| LedgerError::NotNext {
                    height: block.height,
                    head: head.height,
                    reason: "an earlier block is missing from storage".into(),
                })?;
            return Ok(BlockOutcome {
                record,
                newly_applied: false,
                attestation_matches: true,
            });
        }
        let not_next = |reason: String| LedgerError::NotNext {
            height: block.height,
            head: head.height,
            reason,
        };
        if block.height != head.height + 1 {
            return Err(not_next("heights must follow one another".into()));
        }
        if block.height > 1 && block.parent != head.digest {
            return Err(not_next(format!(
                "parent {} is not the head {}",
                block.parent, head.digest
            )));
        }
        let parent_attested = self
            .roots_after(head.height)?
            .map(|r| r.attested_height)
            .unwrap_or(0);
        if block.attested_height < parent_attested || block.attested_height > head.height {
            return Err(not_next(format!(
                "it attests height {}, outside {parent_attested}..={} (from what its parent \
                 attested to its parent)",
                block.attested_height, head.height
            )));
        }
        let attested = self
            .roots_after(block.attested_height)?
            .ok_or_else(|| not_next("the attested block is missing from storage".into()))?;
        // Validators compare these before voting whenever they have executed the attested
        // height; one that had not yet (it lagged) voted without, so a false attestation can
        // still be finalized. It changes nothing executed, so it is reported, not fatal.
        let attestation_matches = block.attested_state_root == attested.state_root
            && block.attested_log_size == attested.log_size
            && block.attested_log_root == attested.log_root;

        let txn = self.begin_write()?;
        let mut committed = Vec::new();
        let mut rejected = Vec::new();
        let mut log_size = head.log_size;
        let writes;
        let kept;
        let erased_sidecars;
        let forgotten;
        {
            let mut st = StateWriter::open(&txn).map_err(LedgerError::Storage)?;
            let mut nodes = RedbNodes(txn.open_table(state::LOG_NODES)?);
            let mut leaves = txn.open_table(state::LEAVES)?;
            let mut txs = txn.open_table(state::TXS)?;
            // Members looked up in this block; cleared whenever membership may change.
            let mut members: std::collections::BTreeMap<PublicKey, Option<Member>> =
                std::collections::BTreeMap::new();
            for (position, bytes) in block.transactions.iter().enumerate() {
                let position = position as u32;
                let (tx, body) = match checked(bytes) {
                    Some(c) => (Ok(c.tx), Some(c.body)),
                    None => (Transaction::parse(bytes).map(Arc::new), None),
                };
                let tx = match tx {
                    Ok(tx) if tx.lacks_sidecar() => Ok(join_sidecar(block.height, tx, sidecars)?),
                    other => other,
                };
                // A transaction that does not even parse is recorded under the hash of its
                // bytes, so that its rejection can still be looked up.
                let id = tx
                    .as_ref()
                    .map(|t| t.id())
                    .unwrap_or_else(|_| TxId(Hash32::digest(bytes)));
                let outcome = match tx {
                    Ok(tx) => self
                        .execute_one(&mut st, &mut members, &tx, body, block, log_size)?
                        .map(|()| tx),
                    Err(e) => Err(TxRejection::from(e)),
                };
                match outcome {
                    Ok(tx) => {
                        if let Some(digest) = tx.erasable() {
                            st.put(&state::committed_sidecar_key(&digest), b"committed")?;
                        }
                        let leaf = unchain_log::hash_leaf(tx.leaf_bytes());
                        leaves.insert(log_size, tx.leaf_bytes())?;
                        unchain_log::append(&mut nodes, log_size, leaf)
                            .map_err(|e| LedgerError::Log(e.to_string()))?;
                        let record = TxRecord::Committed {
                            height: block.height,
                            position,
                            log_index: log_size,
                        };
                        txs.insert(
                            &tx.id().0.0,
                            serde_json::to_vec(&record).expect("record").as_slice(),
                        )?;
                        committed.push(tx.id());
                        log_size += 1;
                    }
                    Err(rejection) => {
                        let reason = rejection.to_string();
                        let code = rejection.code();
                        // Never overwrite a commit with a later rejection of a replay.
                        let already_committed = txs
                            .get(&id.0.0)?
                            .map(|v| {
                                matches!(
                                    serde_json::from_slice(v.value()),
                                    Ok(TxRecord::Committed { .. })
                                )
                            })
                            .unwrap_or(false);
                        if !already_committed {
                            let record = TxRecord::Rejected {
                                height: block.height,
                                position,
                                reason: reason.clone(),
                                code: Some(code),
                            };
                            txs.insert(
                                &id.0.0,
                                serde_json::to_vec(&record).expect("record").as_slice(),
                            )?;
                        }
                        rejected.push((id, reason));
                    }
                }
            }
            if epochs::ends_epoch(block.height, self.epoch_length()) {
                epochs::record_epoch(&txn, &st, self.epoch_of(block.height) + 1)?;
            }
            kept = st.take_kept();
            erased_sidecars = st.take_erased_sidecars();
            forgotten = st.take_forgotten();
            writes = st.finish();
        }
        let state_root = authenticated::commit(&txn, block.height, writes)?;
        authenticated::purge_history(&txn, &forgotten, block.height)?;
        if !forgotten.is_empty() {
            authenticated::forget_versions_before(&txn, block.height)?;
        }
        crate::kept::request(&txn, block.height, &kept)?;
        if log_size != head.log_size {
            record_size_state(&txn, log_size, block.height, &state_root)?;
        }
        let log_root = {
            let nodes = RedbNodes(txn.open_table(state::LOG_NODES)?);
            unchain_log::root(&nodes, log_size).map_err(|e| LedgerError::Log(e.to_string()))?
        };
        let new_head = Head {
            height: block.height,
            digest,
            timestamp_ms: block.timestamp_ms,
            state_root,
            log_size,
            log_root,
        };
        // The header only: the transactions are the log's leaves (committed) and the
        // rejection list, and consensus keeps the full block in its own archive; storing them
        // a second time doubled what every block wrote.
        let header = Block {
            height: block.height,
            parent: block.parent,
            timestamp_ms: block.timestamp_ms,
            proposer: block.proposer,
            attested_height: block.attested_height,
            attested_state_root: block.attested_state_root,
            attested_log_size: block.attested_log_size,
            attested_log_root: block.attested_log_root,
            transactions: Vec::new(),
        };
        let record = BlockRecord {
            block: header,
            digest,
            state_root,
            log_size,
            log_root,
            committed,
            rejected,
            erased_sidecars,
            purged_keys: forgotten.len() as u64,
        };
        {
            let mut blocks = txn.open_table(state::BLOCKS)?;
            let roots = crate::query::BlockRoots {
                digest,
                state_root,
                log_size,
                log_root,
                attested_height: block.attested_height,
            };
            txn.open_table(state::BLOCK_ROOTS)?.insert(
                block.height,
                serde_json::to_vec(&roots).expect("roots").as_slice(),
            )?;
            blocks.insert(
                block.height,
                serde_json::to_vec(&record).expect("record").as_slice(),
            )?;
            let mut meta = txn.open_table(state::META)?;
            meta.insert(
                "head",
                serde_json::to_vec(&new_head).expect("head").as_slice(),
            )?;
        }
        self.sign_checkpoint(&txn, &new_head)?;
        txn.commit()?;
        if epochs::ends_epoch(block.height, self.epoch_length()) {
            self.record_epoch_proof(block.height)?;
        }
        Ok(BlockOutcome {
            record,
            newly_applied: true,
            attestation_matches,
        })
    }

    fn execute_one(
        &self,
        st: &mut StateWriter<'_>,
        members: &mut std::collections::BTreeMap<PublicKey, Option<Member>>,
        tx: &Transaction,
        body: Option<ParsedBody>,
        block: &Block,
        log_index: u64,
    ) -> Result<Result<(), TxRejection>, redb::StorageError> {
        // A membership transaction may change any member: forget what this block has seen
        // and do not remember this lookup, so later transactions read the new state.
        let changes_members = tx.kind().starts_with("membership.");
        if changes_members {
            members.clear();
        }
        let member = match members.get(tx.sender()) {
            Some(cached) => cached.clone(),
            None => {
                let found = match st.get(&member_by_key(tx.sender()))? {
                    None => None,
                    Some(name) => Some(
                        serde_json::from_slice::<Member>(
                            &st.get(&member_key(
                                std::str::from_utf8(&name).expect("member names are ASCII"),
                            ))?
                            .expect("member_key index points at a member"),
                        )
                        .expect("member JSON"),
                    ),
                };
                if !changes_members {
                    members.insert(*tx.sender(), found.clone());
                }
                found
            }
        };
        let Some(member) = member else {
            return Ok(Err(TxRejection::NotMember(*tx.sender())));
        };
        // Another chain's transaction, or one out of its sender's turn, is not this sender's
        // next action here: refused without touching its account (else anyone could replay
        // a member's old or foreign transactions into a block to burn its nonces).
        if tx.chain_id() != self.genesis.chain_id {
            return Ok(Err(TxRejection::WrongChain {
                got: tx.chain_id().into(),
                expected: self.genesis.chain_id.clone(),
            }));
        }
        let next = read_nonce(st, tx.sender())? + 1;
        if let Err(e) = check_nonce(tx, &member, next) {
            return Ok(Err(e));
        }
        // From here the transaction is the sender's own, for this chain, in its turn: its
        // nonce is spent whatever the outcome, and a refusal is recorded as failed. So one
        // refused action never stalls the actions its organisation signed after it (users
        // of one organisation share its nonce sequence).
        let outcome = self.run_module(st, &member, tx, body, block, log_index)?;
        st.put(&nonce_key(tx.sender()), &tx.nonce().to_be_bytes())?;
        Ok(outcome)
    }

    /// The kind's checks and the module's execution of `tx`, whose nonce is in order. The
    /// body is the one the mempool parsed, or is parsed here (once) for a block from a peer.
    fn run_module(
        &self,
        st: &mut StateWriter<'_>,
        member: &Member,
        tx: &Transaction,
        body: Option<ParsedBody>,
        block: &Block,
        log_index: u64,
    ) -> Result<Result<(), TxRejection>, redb::StorageError> {
        let module = match self.check_stateless(tx, member) {
            Ok((module, _)) => module,
            Err(e) => return Ok(Err(e)),
        };
        let body = match body {
            Some(body) => body,
            None => match module.parse_any(tx.kind(), tx.body()) {
                Ok(body) => body,
                Err(e) => return Ok(Err(TxRejection::Body(e))),
            },
        };
        let mut ctx = ExecContext {
            state: st,
            height: block.height,
            timestamp_ms: block.timestamp_ms,
            log_index,
            sender: member,
            tx_id: tx.id(),
            kind: tx.kind(),
            erasable: tx.erasable(),
        };
        // The built-in membership module keeps the ledger's own keys; every domain module
        // writes only under its name.
        let scoped = module.name() != crate::membership::NAME;
        if scoped {
            ctx.state.scope_to(module.name());
        }
        let outcome = module.execute_any(&mut ctx, &body, tx.body());
        st.unscope();
        match outcome {
            Ok(()) => Ok(Ok(())),
            Err(ExecError::Refused(refusal)) => Ok(Err(TxRejection::Refused(refusal))),
            Err(ExecError::Storage(e)) => Err(e),
        }
    }
}

/// A sidecar source for [`Ledger::apply_block_with`] over transactions at hand (a block
/// built from them): the sidecar each carries, by digest.
pub fn sidecars_of<'a>(
    txs: &'a [&'a Transaction],
) -> impl Fn(&Hash32) -> Option<unchain_types::sidecar::Sidecar> + 'a {
    move |digest| {
        txs.iter()
            .filter_map(|t| t.sidecar())
            .find(|s| s.digest() == *digest)
            .cloned()
    }
}

/// Joins the sidecar a transaction from a block commits to, from `sidecars`.
fn join_sidecar(
    height: u64,
    tx: Arc<Transaction>,
    sidecars: &dyn Fn(&Hash32) -> Option<unchain_types::sidecar::Sidecar>,
) -> Result<Arc<Transaction>, LedgerError> {
    let digest = tx
        .erasable()
        .expect("a transaction lacks only a sidecar it commits to");
    let missing = LedgerError::MissingSidecar {
        height,
        tx: tx.id(),
        digest,
    };
    let Some(sidecar) = sidecars(&digest) else {
        return Err(missing);
    };
    // A sidecar is looked up by its digest, so it joins unless the source returned another
    // one: then this node does not hold the right one.
    Arc::unwrap_or_clone(tx)
        .with_sidecar(sidecar)
        .map(Arc::new)
        .map_err(|_| missing)
}

fn check_nonce(tx: &Transaction, member: &Member, next: u64) -> Result<(), TxRejection> {
    use std::cmp::Ordering;
    match tx.nonce().cmp(&next) {
        Ordering::Equal => Ok(()),
        Ordering::Less => Err(TxRejection::NonceUsed {
            nonce: tx.nonce(),
            member: member.name.clone(),
            next,
        }),
        Ordering::Greater => Err(TxRejection::NonceAhead {
            nonce: tx.nonce(),
            member: member.name.clone(),
            next,
        }),
    }
}
