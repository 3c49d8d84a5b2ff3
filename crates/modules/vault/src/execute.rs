//! The [`Module`] impl: how every validator executes the `vault.*` kinds, over the body
//! types of [`crate::body`] and the state of [`crate::state`].

use crate::body::{
    Consent, Decision, Erase, EraseReason, Grant, Retoken, Revoke, Rotate, Seal, VaultBody,
};
use crate::policy;
use crate::sharing::Share;
use crate::state::*;
use crate::{body, rules, token_key};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use unchain_ledger::genesis::Genesis;
use unchain_ledger::membership::member_named;
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role};
use unchain_types::{Code, Hash32};

/// Blind-index tokens one organisation may submit per UTC day (by block time): blunts
/// dictionary attacks by a member that holds the matching key.
pub const TOKENS_PER_DAY: u64 = 1_000;

const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "vault.seal",
        role: Role::Records,
        summary: "record a sealed record's version: commitment, recipients' wrapped keys, policy, blind-index tokens",
    },
    KindSpec {
        kind: "vault.grant",
        role: Role::Records,
        summary: "share a record's current version with another organisation, naming purpose and legal basis",
    },
    KindSpec {
        kind: "vault.revoke",
        role: Role::Records,
        summary: "stop sharing future versions of a record with an organisation",
    },
    KindSpec {
        kind: "vault.consent",
        role: Role::Records,
        summary: "record a survivor's signed decision to allow or withdraw sharing with an organisation",
    },
    KindSpec {
        kind: "vault.erase",
        role: Role::Records,
        summary: "erase a record everywhere (owner or survivor request, or retention expired); its commitment stays",
    },
    KindSpec {
        kind: "vault.sharing_policy",
        role: Role::Governance,
        summary: "publish the sender's jurisdiction's sharing policy: CEL rules every recipient of its members' records must satisfy, and where their ciphertexts may be held",
    },
    KindSpec {
        kind: "vault.rotate_matching_key",
        role: Role::Governance,
        summary: "start a new blind-index matching-key epoch, wrapped for every member (only before the first threshold key)",
    },
    KindSpec {
        kind: "vault.token_key_round",
        role: Role::Governance,
        summary: "open a threshold token-key round: a fresh key (a new matching epoch) or a resharing of the current one to new players",
    },
    KindSpec {
        kind: "vault.token_key_deal",
        role: Role::Records,
        summary: "a dealer's dealing in a token-key round: its commitment and each player's evaluation sealed to that player",
    },
    KindSpec {
        kind: "vault.token_key_ack",
        role: Role::Records,
        summary: "a player's signed acknowledgement of a dealing that checks out",
    },
    KindSpec {
        kind: "vault.token_key_log",
        role: Role::Records,
        summary: "a dealer's signed log of a token-key round: acknowledgements, and the evaluations it must reveal",
    },
    KindSpec {
        kind: "vault.token_key_finish",
        role: Role::Governance,
        summary: "observe a token-key round's logs and install its key (a new matching epoch, or new shares of the current one)",
    },
    KindSpec {
        kind: "vault.token_evaluations",
        role: Role::Records,
        summary: "announce blind token evaluations before asking members for them (counted per organisation and day)",
    },
    KindSpec {
        kind: "vault.retoken",
        role: Role::Records,
        summary: "replace an owned record's blind-index tokens with tokens of the current matching epoch (migration)",
    },
];

/// The vault module.
pub struct VaultModule {
    chain_id: String,
    genesis_epoch: u32,
}

impl VaultModule {
    /// The module for a chain: it needs the chain id (survivors' signatures name it) and
    /// the genesis matching-key epoch.
    pub fn new(genesis: &Genesis) -> Self {
        VaultModule {
            chain_id: genesis.chain_id.clone(),
            genesis_epoch: genesis.matching_key.as_ref().map_or(0, |m| m.epoch),
        }
    }

    fn current_epoch(&self, ctx: &ExecContext<'_, '_>) -> Result<u32, ExecError> {
        let rotated = ctx
            .state
            .scan_prefix(b"vault/matching/")?
            .last()
            .map(|(_, v)| decode::<MatchingEpoch>(v).epoch);
        Ok(rotated.unwrap_or(self.genesis_epoch))
    }
}

pub(crate) fn reject(code: Code, msg: impl Into<String>) -> ExecError {
    unchain_ledger::refuse(code, msg)
}

pub(crate) fn load<T: serde::de::DeserializeOwned>(
    ctx: &ExecContext<'_, '_>,
    key: &[u8],
) -> Result<Option<T>, ExecError> {
    Ok(ctx.state.get(key)?.map(|v| decode(&v)))
}

pub(crate) fn store<T: Serialize>(
    ctx: &mut ExecContext<'_, '_>,
    key: &[u8],
    value: &T,
) -> Result<(), ExecError> {
    let json = serde_json::to_vec(value).expect("vault state serialises");
    ctx.state.put(key, &json)?;
    Ok(())
}

fn live_record(ctx: &ExecContext<'_, '_>, id: &Hash32) -> Result<Record, ExecError> {
    let record: Record = load(ctx, &record_key(id))?
        .ok_or_else(|| reject(Code::NotFound, format!("record {id} does not exist")))?;
    if record.erased.is_some() {
        return Err(reject(Code::Erased, format!("record {id} was erased")));
    }
    Ok(record)
}

fn require_member(ctx: &ExecContext<'_, '_>, field: &str, name: &str) -> Result<(), ExecError> {
    match member_named(ctx.state, name)? {
        Some(_) => Ok(()),
        None => Err(reject(
            Code::UnknownMember,
            format!("{field}: {name} is not a member"),
        )),
    }
}

fn active_access(ctx: &ExecContext<'_, '_>, id: &Hash32) -> Result<BTreeSet<String>, ExecError> {
    Ok(ctx
        .state
        .scan_prefix(format!("vault/access/{id}/").as_bytes())?
        .into_iter()
        .map(|(_, v)| decode::<Access>(&v))
        .filter(|a| a.revoked.is_none())
        .map(|a| a.member)
        .collect())
}

impl VaultModule {
    fn check_tokens(
        &self,
        ctx: &ExecContext<'_, '_>,
        tokens: &[body::TokenEntry],
    ) -> Result<u64, ExecError> {
        if tokens.is_empty() {
            return Ok(0);
        }
        let epoch = self.current_epoch(ctx)?;
        if epoch == 0 {
            return Err(reject(
                Code::EpochMismatch,
                "tokens: this chain has no matching key",
            ));
        }
        if let Some((i, t)) = tokens.iter().enumerate().find(|(_, t)| t.epoch != epoch) {
            return Err(reject(
                Code::EpochMismatch,
                format!(
                    "tokens[{i}].epoch is {}; the current matching-key epoch is {epoch}: blind the identifiers again with the current key",
                    t.epoch
                ),
            ));
        }
        let day = ctx.timestamp_ms / 86_400_000;
        let used = ctx
            .state
            .get(&quota_key(&ctx.sender.name, day))?
            .map(|v| u64::from_be_bytes(v.try_into().expect("8-byte count")))
            .unwrap_or(0);
        if used + tokens.len() as u64 > TOKENS_PER_DAY {
            return Err(reject(
                Code::LimitReached,
                format!(
                    "tokens: {} has submitted {used} blind-index tokens today; the limit is {TOKENS_PER_DAY} per organisation per UTC day",
                    ctx.sender.name
                ),
            ));
        }
        Ok(used)
    }

    /// Indexes `tokens` for `record` and raises an alert for both sides of every match
    /// with another organisation's record.
    fn index_tokens(
        &self,
        ctx: &mut ExecContext<'_, '_>,
        record: &Hash32,
        tokens: &[body::TokenEntry],
        used: u64,
    ) -> Result<(), ExecError> {
        if tokens.is_empty() {
            return Ok(());
        }
        let me = ctx.sender.name.clone();
        let mut alerts = Vec::new();
        let mut seen = BTreeSet::new();
        for t in tokens {
            let prefix = token_prefix(t.epoch, &t.token);
            for (key, v) in ctx.state.scan_prefix(&prefix)? {
                let holder: TokenHolder = decode(&v);
                let other =
                    Hash32::from_hex(std::str::from_utf8(&key[prefix.len()..]).expect("ASCII key"))
                        .expect("record id in token key");
                if holder.owner != me && other != *record && seen.insert((other, t.kind)) {
                    alerts.push((other, holder.owner, t.kind));
                }
            }
            let mut key = prefix;
            key.extend_from_slice(record.to_hex().as_bytes());
            store(
                ctx,
                &key,
                &TokenHolder {
                    owner: me.clone(),
                    kind: t.kind,
                },
            )?;
        }
        for (n, (other, other_owner, kind)) in alerts.into_iter().enumerate() {
            let mine = Alert {
                member: me.clone(),
                record: *record,
                other_record: other,
                other_member: other_owner.clone(),
                kind,
                tx: ctx.tx_id,
                height: ctx.height,
                timestamp_ms: ctx.timestamp_ms,
            };
            let theirs = Alert {
                member: other_owner.clone(),
                record: other,
                other_record: *record,
                other_member: me.clone(),
                ..mine.clone()
            };
            store(ctx, &alert_key(&me, ctx.log_index, n), &mine)?;
            store(ctx, &alert_key(&other_owner, ctx.log_index, n), &theirs)?;
        }
        let day = ctx.timestamp_ms / 86_400_000;
        let count = used + tokens.len() as u64;
        ctx.state.put(&quota_key(&me, day), &count.to_be_bytes())?;
        Ok(())
    }

    fn unindex_tokens(
        &self,
        ctx: &mut ExecContext<'_, '_>,
        record: &Hash32,
        tokens: &[body::TokenEntry],
    ) -> Result<(), ExecError> {
        for t in tokens {
            let mut key = token_prefix(t.epoch, &t.token);
            key.extend_from_slice(record.to_hex().as_bytes());
            ctx.state.delete(&key)?;
        }
        Ok(())
    }

    fn seal(&self, ctx: &mut ExecContext<'_, '_>, s: &Seal) -> Result<(), ExecError> {
        let me = ctx.sender.name.clone();
        let id = s.record;
        if ctx.state.get(&commitment_key(&s.commitment))?.is_some() {
            return Err(reject(
                Code::AlreadyExists,
                format!(
                    "commitment {} is already recorded: every version is sealed afresh",
                    s.commitment
                ),
            ));
        }
        for name in s.recipients.keys() {
            require_member(ctx, &format!("recipients.{name}"), name)?;
        }
        let used = self.check_tokens(ctx, &s.tokens)?;
        let recipients: BTreeSet<String> = s.recipients.keys().cloned().collect();
        let (record, old_tokens) = if s.version == 1 {
            if ctx.state.get(&record_key(&id))?.is_some() {
                return Err(reject(
                    Code::AlreadyExists,
                    format!("record {id} already exists; seal version 2 or later to update it"),
                ));
            }
            rules::first_version(s, &me, &recipients).map_err(ExecError::Refused)?;
            let policy = s.policy.expect("checked: version 1 has a policy");
            let record = Record {
                record: id,
                owner: me.clone(),
                schema: s.schema.clone(),
                subject: s.subject,
                policy,
                created_ms: ctx.timestamp_ms,
                expires_ms: ctx
                    .timestamp_ms
                    .saturating_add(u64::from(policy.retention_days) * 86_400_000),
                latest_version: 1,
                tokens: s.tokens.clone(),
                erased: None,
            };
            (record, Vec::new())
        } else {
            let mut record = live_record(ctx, &id)?;
            let active = active_access(ctx, &id)?;
            rules::next_version(&record, s, &me, &recipients, &active)
                .map_err(ExecError::Refused)?;
            let old = std::mem::replace(&mut record.tokens, s.tokens.clone());
            record.latest_version = s.version;
            (record, old)
        };
        for name in recipients.iter().filter(|n| **n != record.owner) {
            let share = Share {
                kind: "seal".into(),
                purpose: String::new(),
                legal_basis: String::new(),
                reshare: false,
                court_order: false,
                consent: false,
            };
            policy::check_share(ctx, &record, name, share)?;
        }
        // Every check is made: write.
        store(ctx, &record_key(&id), &record)?;
        store(
            ctx,
            &version_key(&id, s.version),
            &Version {
                version: s.version,
                commitment: s.commitment,
                size: s.size,
                tx: ctx.tx_id,
                log_index: ctx.log_index,
                height: ctx.height,
                recipients: recipients.clone(),
                keys: s.recipients.clone(),
            },
        )?;
        ctx.state.put(&commitment_key(&s.commitment), &id.0)?;
        if s.version == 1 {
            ctx.state
                .put(&expiry_key(record.expires_ms, &id), me.as_bytes())?;
            for name in &recipients {
                let access = Access {
                    member: name.clone(),
                    granted_by: me.clone(),
                    purpose: if *name == me {
                        "owner".into()
                    } else {
                        "initial recipient".into()
                    },
                    legal_basis: None,
                    reshare: *name == me,
                    from_version: 1,
                    tx: ctx.tx_id,
                    height: ctx.height,
                    time_ms: ctx.timestamp_ms,
                    actor: s.actor.clone(),
                    override_: None,
                    revoked: None,
                };
                store(ctx, &access_key(&id, name), &access)?;
            }
        }
        for (n, name) in recipients.iter().enumerate() {
            let entry = FeedEntry {
                record: id,
                version: s.version,
                commitment: s.commitment,
            };
            store(ctx, &feed_key(name, ctx.log_index, n), &entry)?;
        }
        self.unindex_tokens(ctx, &id, &old_tokens)?;
        self.index_tokens(ctx, &id, &s.tokens, used)?;
        remember_sidecar(ctx, &id)
    }

    fn grant(&self, ctx: &mut ExecContext<'_, '_>, g: &Grant) -> Result<(), ExecError> {
        let me = ctx.sender.name.clone();
        let id = g.record;
        let record = live_record(ctx, &id)?;
        let mine: Option<Access> = load(ctx, &access_key(&id, &me))?;
        rules::may_share(&record, g, &me, mine.as_ref()).map_err(ExecError::Refused)?;
        require_member(ctx, "recipient", &g.recipient)?;
        let existing: Option<Access> = load(ctx, &access_key(&id, &g.recipient))?;
        // The survivor's decision about this recipient, read once: the sharing policy may
        // read it, and the consent rule needs it where the record's policy asks.
        let consented: Option<ConsentRecord> = load(ctx, &consent_key(&id, &g.recipient))?;
        let consent = consented.clone().filter(|_| record.policy.consent_required);
        let share = Share {
            kind: "grant".into(),
            purpose: g.purpose.clone(),
            legal_basis: serde_json::to_value(g.legal_basis)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            reshare: g.reshare,
            court_order: g.override_.is_some(),
            consent: consented
                .as_ref()
                .is_some_and(|c| c.decision == Decision::Allow),
        };
        // The law where the owner is comes first: no consent makes a share it forbids lawful.
        policy::check_share(ctx, &record, &g.recipient, share)?;
        rules::may_receive(&record, g, existing.as_ref(), consent.as_ref())
            .map_err(ExecError::Refused)?;
        let mut version: Version =
            load(ctx, &version_key(&id, g.version))?.expect("latest version exists");
        version.recipients.insert(g.recipient.clone());
        version
            .keys
            .insert(g.recipient.clone(), g.wrapped_key.clone());
        store(ctx, &version_key(&id, g.version), &version)?;
        let access = Access {
            member: g.recipient.clone(),
            granted_by: me.clone(),
            purpose: g.purpose.clone(),
            legal_basis: Some(g.legal_basis),
            reshare: g.reshare,
            from_version: g.version,
            tx: ctx.tx_id,
            height: ctx.height,
            time_ms: ctx.timestamp_ms,
            actor: g.actor.clone(),
            override_: g.override_.clone(),
            revoked: None,
        };
        store(ctx, &access_key(&id, &g.recipient), &access)?;
        remember_sidecar(ctx, &id)?;
        let entry = FeedEntry {
            record: id,
            version: g.version,
            commitment: version.commitment,
        };
        store(ctx, &feed_key(&g.recipient, ctx.log_index, 0), &entry)?;
        if let (Some(o), Some(subject)) = (g.override_.clone(), record.subject) {
            let notice = Notice {
                subject,
                record: id,
                recipient: g.recipient.clone(),
                granted_by: me,
                override_: o,
                tx: ctx.tx_id,
                height: ctx.height,
                timestamp_ms: ctx.timestamp_ms,
            };
            store(ctx, &notice_key(&subject, ctx.log_index), &notice)?;
        }
        Ok(())
    }

    fn retoken(&self, ctx: &mut ExecContext<'_, '_>, r: &Retoken) -> Result<(), ExecError> {
        let me = ctx.sender.name.clone();
        let mut record = live_record(ctx, &r.record)?;
        if record.owner != me {
            return Err(reject(
                Code::NotOwner,
                format!(
                    "only the owner ({}) re-derives a record's tokens",
                    record.owner
                ),
            ));
        }
        let used = self.check_tokens(ctx, &r.tokens)?;
        let old = std::mem::replace(&mut record.tokens, r.tokens.clone());
        self.unindex_tokens(ctx, &r.record, &old)?;
        self.index_tokens(ctx, &r.record, &r.tokens, used)?;
        remember_sidecar(ctx, &r.record)?;
        store(ctx, &record_key(&r.record), &record)
    }

    fn revoke(&self, ctx: &mut ExecContext<'_, '_>, r: &Revoke) -> Result<(), ExecError> {
        let me = ctx.sender.name.clone();
        let record = live_record(ctx, &r.record)?;
        if record.owner != me {
            return Err(reject(
                Code::NotOwner,
                format!("only the owner ({}) revokes access", record.owner),
            ));
        }
        if r.member == me {
            return Err(reject(
                Code::RecipientsMismatch,
                "member: the owner's own access cannot be revoked (erase the record instead)",
            ));
        }
        let mut access: Access = match load::<Access>(ctx, &access_key(&r.record, &r.member))? {
            Some(a) if a.revoked.is_none() => a,
            _ => {
                return Err(reject(
                    Code::NoAccess,
                    format!("member: {} has no access to revoke", r.member),
                ));
            }
        };
        let already: Vec<u32> = ctx
            .state
            .scan_prefix(format!("vault/version/{}/", r.record).as_bytes())?
            .into_iter()
            .map(|(_, v)| decode::<Version>(&v))
            .filter(|v| v.recipients.contains(&r.member))
            .map(|v| v.version)
            .collect();
        access.revoked = Some(Revocation {
            by: me,
            reason: r.reason.clone(),
            tx: ctx.tx_id,
            height: ctx.height,
            already_shared_versions: already,
        });
        store(ctx, &access_key(&r.record, &r.member), &access)
    }

    fn consent(&self, ctx: &mut ExecContext<'_, '_>, c: &Consent) -> Result<(), ExecError> {
        let record = live_record(ctx, &c.record)?;
        let subject = record.subject.ok_or_else(|| {
            reject(
                Code::NotFound,
                format!("record {} is not linked to a survivor's key", c.record),
            )
        })?;
        require_member(ctx, "recipient", &c.recipient)?;
        let statement = body::consent_statement(
            &self.chain_id,
            &c.record,
            &c.recipient,
            &c.purpose,
            c.decision,
        );
        if !subject.verify(&c.signature, &statement) {
            return Err(reject(
                Code::InvalidSignature,
                "signature: not the survivor's signature over this consent statement (record, recipient, purpose, decision, chain)",
            ));
        }
        let entry = ConsentRecord {
            recipient: c.recipient.clone(),
            purpose: c.purpose.clone(),
            decision: c.decision,
            tx: ctx.tx_id,
            height: ctx.height,
        };
        store(ctx, &consent_key(&c.record, &c.recipient), &entry)
    }

    fn erase(&self, ctx: &mut ExecContext<'_, '_>, e: &Erase) -> Result<(), ExecError> {
        let me = ctx.sender.name.clone();
        let id = e.record;
        let mut record = live_record(ctx, &id)?;
        rules::erase(&record, e.reason, &me, ctx.timestamp_ms).map_err(ExecError::Refused)?;
        if e.reason == EraseReason::SubjectRequest {
            let subject = record.subject.ok_or_else(|| {
                reject(
                    Code::NotFound,
                    format!("record {id} is not linked to a survivor's key"),
                )
            })?;
            let sig = e.subject_signature.ok_or_else(|| {
                reject(
                    Code::InvalidSignature,
                    "subject_signature: is required for a subject_request",
                )
            })?;
            if !subject.verify(&sig, &body::erase_statement(&self.chain_id, &id)) {
                return Err(reject(
                    Code::InvalidSignature,
                    "subject_signature: not the survivor's signature over this erase statement",
                ));
            }
        }
        // Every check is made. What the erasure rewrites or deletes loses its history too,
        // so that no retained version of the state (a proof, a snapshot) still reads it.
        ctx.state.forgetting(true);
        let mut commitments = Vec::new();
        for (key, v) in ctx
            .state
            .scan_prefix(format!("vault/version/{id}/").as_bytes())?
        {
            let mut version: Version = decode(&v);
            commitments.push(version.commitment);
            version.keys.clear();
            store(ctx, &key, &version)?;
        }
        let tokens = std::mem::take(&mut record.tokens);
        self.unindex_tokens(ctx, &id, &tokens)?;
        // The erasable members of the record's transactions (tokens, wrapped keys, the
        // survivor's key): every node deletes them, and the log holds only their salted
        // digests.
        for (key, _) in ctx
            .state
            .scan_prefix(format!("vault/sidecar/{id}/").as_bytes())?
        {
            let hex = std::str::from_utf8(&key[key.len() - 64..]).expect("ASCII key");
            let digest = Hash32::from_hex(hex).expect("a digest this module wrote");
            ctx.state.delete(&key)?;
            ctx.state.erase_sidecar(digest)?;
        }
        ctx.state.delete(&expiry_key(record.expires_ms, &id))?;
        // The survivor's key goes too (it was in the seal's sidecar), with the notices of
        // sharing it names: nothing in state links the erased record to a person's key.
        if let Some(subject) = record.subject.take() {
            for (key, v) in ctx
                .state
                .scan_prefix(format!("vault/notice/{subject}/").as_bytes())?
            {
                if decode::<Notice>(&v).record == id {
                    ctx.state.delete(&key)?;
                }
            }
        }
        record.erased = Some(Erasure {
            reason: e.reason,
            by: me,
            tx: ctx.tx_id,
            height: ctx.height,
            timestamp_ms: ctx.timestamp_ms,
        });
        store(ctx, &record_key(&id), &record)?;
        store(
            ctx,
            &erased_key(ctx.log_index),
            &ErasedEntry {
                record: id,
                commitments,
            },
        )
    }

    fn rotate(&self, ctx: &mut ExecContext<'_, '_>, r: &Rotate) -> Result<(), ExecError> {
        let current = self.current_epoch(ctx)?;
        if token_key::threshold_of(ctx, current)?.is_some() {
            return Err(reject(
                Code::EpochMismatch,
                format!(
                    "matching epoch {current} has a threshold key: the shared matching key is retired; rotate with a fresh vault.token_key_round"
                ),
            ));
        }
        if r.epoch != current + 1 {
            return Err(reject(
                Code::EpochMismatch,
                format!(
                    "epoch must be {} (the current epoch is {current})",
                    current + 1
                ),
            ));
        }
        let members: BTreeSet<String> = ctx
            .state
            .scan_prefix(b"member/")?
            .into_iter()
            .map(|(k, _)| String::from_utf8(k[b"member/".len()..].to_vec()).expect("ASCII name"))
            .collect();
        let named: BTreeSet<String> = r.wrapped.keys().cloned().collect();
        if named != members {
            return Err(reject(
                Code::RecipientsMismatch,
                format!(
                    "wrapped must hold the new key for exactly the current members ({})",
                    members.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let epoch = MatchingEpoch {
            epoch: r.epoch,
            wrapped: r.wrapped.clone(),
            tx: ctx.tx_id,
            threshold: None,
        };
        store(ctx, &matching_key(r.epoch), &epoch)
    }
}

/// Records the sidecar of the executing transaction, if it has one, under its record, so
/// that the record's erasure erases it.
fn remember_sidecar(
    ctx: &mut ExecContext<'_, '_>,
    id: &unchain_seal::RecordId,
) -> Result<(), ExecError> {
    if let Some(digest) = ctx.erasable {
        ctx.state.put(&sidecar_key(id, &digest), b"")?;
    }
    Ok(())
}

impl Module for VaultModule {
    type Body = VaultBody;

    fn name(&self) -> &'static str {
        "vault"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<VaultBody, BodyError> {
        body::parse_kind(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &VaultBody) -> Result<(), ExecError> {
        match body {
            VaultBody::Seal(b) => self.seal(ctx, b),
            VaultBody::Grant(b) => self.grant(ctx, b),
            VaultBody::Revoke(b) => self.revoke(ctx, b),
            VaultBody::Consent(b) => self.consent(ctx, b),
            VaultBody::Erase(b) => self.erase(ctx, b),
            VaultBody::Rotate(b) => self.rotate(ctx, b),
            VaultBody::SharingPolicy(p) => policy::publish(ctx, p),
            VaultBody::OpenRound(b) => {
                let epoch = self.current_epoch(ctx)?;
                token_key::open(ctx, &self.chain_id, epoch, b)
            }
            VaultBody::Deal(b) => token_key::deal(ctx, b),
            VaultBody::Ack(b) => token_key::ack(ctx, b),
            VaultBody::Log(b) => token_key::log(ctx, &self.chain_id, b),
            VaultBody::Finish(b) => {
                let epoch = self.current_epoch(ctx)?;
                token_key::finish(ctx, &self.chain_id, epoch, b).map(|_| ())
            }
            VaultBody::Evaluations(b) => {
                let epoch = self.current_epoch(ctx)?;
                token_key::evaluations(ctx, epoch, b)
            }
            VaultBody::Retoken(b) => self.retoken(ctx, b),
        }
    }
}
