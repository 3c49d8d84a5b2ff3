//! Membership governance: adding, removing and re-roling members takes effect only when
//! more than two thirds of the governance members have approved.

use crate::genesis::{Member, Role};
use crate::module::{BodyError, ExecContext, ExecError, KindSpec, Module, refuse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use unchain_types::body::{body_only, body_str};
use unchain_types::{Code, PublicKey, TxId};

/// A change to the member list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum MembershipChange {
    /// Admit a new organisation.
    Add {
        /// The new member.
        member: Member,
    },
    /// Remove an organisation.
    Remove {
        /// Its name.
        name: String,
    },
    /// Replace an organisation's roles.
    SetRoles {
        /// Its name.
        name: String,
        /// The new roles.
        roles: BTreeSet<Role>,
    },
    /// Make an organisation a validator, or stop it being one. Consensus runs with the
    /// change from the next epoch boundary on.
    SetValidator {
        /// Its name.
        name: String,
        /// Whether it validates.
        validator: bool,
    },
    /// Replace an organisation's signing key (a compromised or expiring key). Its
    /// transactions must be signed with the new key at once; if it validates, consensus
    /// takes the new key from the next epoch boundary on.
    RotateKey {
        /// Its name.
        name: String,
        /// The new Ed25519 signing key.
        signing_key: PublicKey,
    },
}

/// A proposal and its approvals, as kept in state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The proposing transaction.
    pub id: TxId,
    /// The change.
    pub change: MembershipChange,
    /// Why (free text, no personal data).
    pub reason: String,
    /// Governance members who approved (the proposer included).
    pub approvals: BTreeSet<String>,
    /// Whether the change has been applied.
    pub applied: bool,
    /// Height at which it was proposed.
    pub proposed_at: u64,
    /// Height at which it took effect.
    pub applied_at: Option<u64>,
}

pub(crate) fn member_key(name: &str) -> Vec<u8> {
    format!("member/{name}").into_bytes()
}
pub(crate) fn member_by_key(key: &PublicKey) -> Vec<u8> {
    format!("member_key/{}", key.to_hex()).into_bytes()
}
pub(crate) fn proposal_key(id: &TxId) -> Vec<u8> {
    format!("proposal/{id}").into_bytes()
}

/// The current member named `name`, read during execution (for modules that address
/// other members, such as the vault's recipients).
pub fn member_named(
    state: &impl crate::StateRead,
    name: &str,
) -> Result<Option<Member>, redb::StorageError> {
    Ok(state
        .get(&member_key(name))?
        .map(|v| serde_json::from_slice(&v).expect("member JSON")))
}

/// The built-in membership module.
pub struct MembershipModule;

/// The membership module's name. Its state (`member/…`, `member_key/…`, `proposal/…`) is
/// the ledger's own, outside the per-module keyspaces.
pub const NAME: &str = "membership";

const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "membership.propose",
        role: Role::Governance,
        summary: "propose adding, removing or re-roling a member; counts as the proposer's approval",
    },
    KindSpec {
        kind: "membership.approve",
        role: Role::Governance,
        summary: "approve an open proposal; it takes effect when more than 2/3 of governance members approve",
    },
];

fn parse_change(body: &Value) -> Result<MembershipChange, BodyError> {
    let change = body
        .get("change")
        .ok_or_else(|| BodyError::new("change", "is missing"))?;
    let change: MembershipChange = serde_json::from_value(change.clone())
        .map_err(|e| BodyError::new("change", e.to_string()))?;
    match &change {
        MembershipChange::Add { member } => member
            .check()
            .map_err(|e| BodyError::new("change.member", e))?,
        MembershipChange::RotateKey { signing_key, .. } => signing_key
            .check_point()
            .map_err(|e| BodyError::new("change.signing_key", e.to_string()))?,
        MembershipChange::Remove { .. }
        | MembershipChange::SetRoles { .. }
        | MembershipChange::SetValidator { .. } => {}
    }
    Ok(change)
}

fn load<T: for<'de> Deserialize<'de>>(
    ctx: &ExecContext<'_, '_>,
    key: &[u8],
) -> Result<Option<T>, ExecError> {
    Ok(ctx
        .state
        .get(key)?
        .map(|v| serde_json::from_slice(&v).expect("state holds JSON written by this module")))
}

pub(crate) fn governance_members(ctx: &ExecContext<'_, '_>) -> Result<usize, ExecError> {
    let mut n = 0;
    for (_, v) in ctx.state.scan_prefix(b"member/")? {
        let m: Member = serde_json::from_slice(&v).expect("member JSON");
        n += usize::from(m.roles.contains(&Role::Governance));
    }
    Ok(n)
}

fn apply(ctx: &mut ExecContext<'_, '_>, change: &MembershipChange) -> Result<(), ExecError> {
    match change {
        MembershipChange::Add { member } => {
            let json = serde_json::to_vec(member).expect("member serialises");
            ctx.state.put(&member_key(&member.name), &json)?;
            ctx.state
                .put(&member_by_key(&member.signing_key), member.name.as_bytes())?;
        }
        MembershipChange::Remove { name } => {
            if let Some(m) = load::<Member>(ctx, &member_key(name))? {
                ctx.state.delete(&member_key(name))?;
                ctx.state.delete(&member_by_key(&m.signing_key))?;
            }
        }
        MembershipChange::SetRoles { name, roles } => {
            if let Some(mut m) = load::<Member>(ctx, &member_key(name))? {
                m.roles = roles.clone();
                put_member(ctx, &m)?;
            }
        }
        MembershipChange::SetValidator { name, validator } => {
            if let Some(mut m) = load::<Member>(ctx, &member_key(name))? {
                m.validator = *validator;
                put_member(ctx, &m)?;
            }
        }
        MembershipChange::RotateKey { name, signing_key } => {
            if let Some(mut m) = load::<Member>(ctx, &member_key(name))? {
                ctx.state.delete(&member_by_key(&m.signing_key))?;
                m.signing_key = *signing_key;
                put_member(ctx, &m)?;
                ctx.state
                    .put(&member_by_key(signing_key), m.name.as_bytes())?;
            }
        }
    }
    crate::epochs::refresh_validators(ctx.state)?;
    Ok(())
}

fn put_member(ctx: &mut ExecContext<'_, '_>, m: &Member) -> Result<(), ExecError> {
    ctx.state.put(
        &member_key(&m.name),
        &serde_json::to_vec(m).expect("member serialises"),
    )?;
    Ok(())
}

/// Refuses a change that would leave the chain without a validator: consensus would have
/// nobody to run the next epoch.
fn check_keeps_a_validator(ctx: &ExecContext<'_, '_>, name: &str) -> Result<(), ExecError> {
    let mut others = 0;
    for (_, v) in ctx.state.scan_prefix(b"member/")? {
        let m: Member = serde_json::from_slice(&v).expect("member JSON");
        others += usize::from(m.validator && m.name != name);
    }
    if others == 0 {
        return Err(refuse(
            Code::BadTransition,
            format!("{name} is the last validator: the chain would have nobody to run consensus"),
        ));
    }
    Ok(())
}

/// Checks that a change still makes sense against current state.
fn check_applicable(ctx: &ExecContext<'_, '_>, change: &MembershipChange) -> Result<(), ExecError> {
    match change {
        MembershipChange::Add { member } => {
            if ctx.state.get(&member_key(&member.name))?.is_some() {
                return Err(refuse(
                    Code::AlreadyExists,
                    format!("member {} already exists", member.name),
                ));
            }
            if ctx
                .state
                .get(&member_by_key(&member.signing_key))?
                .is_some()
            {
                return Err(refuse(
                    Code::AlreadyExists,
                    format!(
                        "signing key {} already belongs to a member",
                        member.signing_key
                    ),
                ));
            }
        }
        MembershipChange::Remove { name }
        | MembershipChange::SetRoles { name, .. }
        | MembershipChange::SetValidator { name, .. }
        | MembershipChange::RotateKey { name, .. } => {
            let Some(m) = load::<Member>(ctx, &member_key(name))? else {
                return Err(refuse(
                    Code::UnknownMember,
                    format!("no member named {name}"),
                ));
            };
            match change {
                MembershipChange::Remove { .. }
                | MembershipChange::SetValidator {
                    validator: false, ..
                } if m.validator => check_keeps_a_validator(ctx, name)?,
                MembershipChange::RotateKey { signing_key, .. }
                    if ctx.state.get(&member_by_key(signing_key))?.is_some() =>
                {
                    return Err(refuse(
                        Code::AlreadyExists,
                        format!("signing key {signing_key} already belongs to a member"),
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

impl MembershipModule {
    fn record(ctx: &mut ExecContext<'_, '_>, mut proposal: Proposal) -> Result<(), ExecError> {
        let governance = governance_members(ctx)?;
        // More than two thirds: approvals / governance > 2/3.
        if !proposal.applied && proposal.approvals.len() * 3 > governance * 2 {
            apply(ctx, &proposal.change)?;
            proposal.applied = true;
            proposal.applied_at = Some(ctx.height);
        }
        let json = serde_json::to_vec(&proposal).expect("proposal serialises");
        ctx.state.put(&proposal_key(&proposal.id), &json)?;
        Ok(())
    }
}

/// The body of a `membership.*` transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MembershipBody {
    /// `membership.propose`.
    Propose {
        /// The change proposed.
        change: MembershipChange,
        /// Why (no personal data; at most 500 bytes).
        reason: String,
    },
    /// `membership.approve`.
    Approve {
        /// The proposing transaction.
        proposal: TxId,
    },
}

impl Module for MembershipModule {
    type Body = MembershipBody;

    fn name(&self) -> &'static str {
        NAME
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<MembershipBody, BodyError> {
        match kind {
            "membership.propose" => {
                body_only(body, &["change", "reason"])?;
                let reason = body_str(body, "reason", 500)?.to_owned();
                let change = parse_change(body)?;
                Ok(MembershipBody::Propose { change, reason })
            }
            "membership.approve" => {
                body_only(body, &["proposal"])?;
                let id = body_str(body, "proposal", 64)?;
                let proposal =
                    TxId::from_hex(id).map_err(|e| BodyError::new("proposal", e.to_string()))?;
                Ok(MembershipBody::Approve { proposal })
            }
            other => Err(BodyError::new(
                "",
                format!("membership has no kind {other}"),
            )),
        }
    }

    fn execute(
        &self,
        ctx: &mut ExecContext<'_, '_>,
        body: &MembershipBody,
    ) -> Result<(), ExecError> {
        match body {
            MembershipBody::Propose { change, reason } => {
                check_applicable(ctx, change)?;
                let proposal = Proposal {
                    id: ctx.tx_id,
                    change: change.clone(),
                    reason: reason.clone(),
                    approvals: BTreeSet::from([ctx.sender.name.clone()]),
                    applied: false,
                    proposed_at: ctx.height,
                    applied_at: None,
                };
                Self::record(ctx, proposal)
            }
            MembershipBody::Approve { proposal: id } => {
                let mut proposal: Proposal = load(ctx, &proposal_key(id))?.ok_or_else(|| {
                    refuse(Code::NotFound, format!("body.proposal: no proposal {id}"))
                })?;
                if proposal.applied {
                    return Err(refuse(
                        Code::AlreadyExists,
                        format!("proposal {id} has already taken effect"),
                    ));
                }
                if proposal.approvals.contains(&ctx.sender.name) {
                    return Err(refuse(
                        Code::AlreadyExists,
                        format!("{} has already approved proposal {id}", ctx.sender.name),
                    ));
                }
                check_applicable(ctx, &proposal.change)?;
                proposal.approvals.insert(ctx.sender.name.clone());
                Self::record(ctx, proposal)
            }
        }
    }
}
