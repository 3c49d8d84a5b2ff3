//! The ledger side of sharing policies: publishing one (`vault.sharing_policy`) and the
//! check every share of a record makes against the policy of its owner's jurisdiction.

use crate::sharing::{CompiledPolicy, Party, RecordFacts, Share, ShareFacts};
use crate::state::{PublishedPolicy, Record, policy_history_key, policy_key, sharing_policy};
use unchain_ledger::membership::member_named;
use unchain_ledger::{ExecContext, ExecError, Member, refuse};
use unchain_types::Code;

/// `vault.sharing_policy`: a governance member publishes its own jurisdiction's policy (the
/// first, or a replacement with the next version). Its rules were compiled when the body
/// was read.
pub(crate) fn publish(ctx: &mut ExecContext<'_, '_>, p: &CompiledPolicy) -> Result<(), ExecError> {
    let jurisdiction = &p.policy.jurisdiction;
    if ctx.sender.jurisdiction != *jurisdiction {
        return Err(refuse(
            Code::Forbidden,
            format!(
                "jurisdiction: {} is in {}; only a governance member in {jurisdiction} publishes {jurisdiction}'s sharing policy",
                ctx.sender.name, ctx.sender.jurisdiction
            ),
        ));
    }
    let version = sharing_policy(ctx.state, jurisdiction)?.map_or(1, |old| old.version + 1);
    let published = PublishedPolicy {
        policy: p.policy.clone(),
        version,
        by: ctx.sender.name.clone(),
        tx: ctx.tx_id,
        height: ctx.height,
        time_ms: ctx.timestamp_ms,
    };
    let json = serde_json::to_vec(&published).expect("a policy serialises");
    ctx.state.put(&policy_key(jurisdiction), &json)?;
    ctx.state
        .put(&policy_history_key(jurisdiction, version), &json)?;
    Ok(())
}

fn party(m: &Member) -> Party {
    Party {
        name: m.name.clone(),
        jurisdiction: m.jurisdiction.clone(),
        sector: m.sector.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        roles: m.roles.iter().map(|r| r.as_str().to_owned()).collect(),
    }
}

/// Refuses giving `recipient` the record `record` (owned by `record.owner`) if the sharing
/// policy of the owner's jurisdiction does not allow it: its residency list, then each of
/// its rules over the share's facts. No policy, no refusal.
pub(crate) fn check_share(
    ctx: &ExecContext<'_, '_>,
    record: &Record,
    recipient: &str,
    share: Share,
) -> Result<(), ExecError> {
    let Some(owner) = member_named(ctx.state, &record.owner)? else {
        return Ok(());
    };
    let Some(published) = sharing_policy(ctx.state, &owner.jurisdiction)? else {
        return Ok(());
    };
    let Some(to) = member_named(ctx.state, recipient)? else {
        return Err(refuse(
            Code::UnknownMember,
            format!("recipient: {recipient} is not a member"),
        ));
    };
    // Compiled by this same code when it was published; a policy that no longer compiles
    // refuses every share rather than letting one through.
    let compiled = CompiledPolicy::compile(&published.policy).map_err(|e| {
        refuse(
            Code::PolicyRefused,
            format!(
                "the sharing policy of {} (version {}) does not compile any more ({e}), so it refuses every share",
                owner.jurisdiction, published.version
            ),
        )
    })?;
    let facts = ShareFacts {
        now: i64::try_from(ctx.timestamp_ms).unwrap_or(i64::MAX),
        owner: party(&owner),
        recipient: party(&to),
        share,
        record: RecordFacts {
            schema: record.schema.clone(),
            subject: record.subject.is_some(),
            subject_minor: record.policy.subject_minor,
        },
    };
    compiled
        .decide(published.version, &facts)
        .map_err(|why| refuse(Code::PolicyRefused, format!("recipient {recipient}: {why}")))
}
