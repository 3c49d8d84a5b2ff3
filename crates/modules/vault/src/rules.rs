//! The vault's decisions, as pure functions of what the ledger holds: who may seal a new
//! version and to whom, who may share a record and when the survivor's consent is needed,
//! who may erase it and when. Execution (`lib.rs`) reads the state, asks these, and writes;
//! anyone can replay them.

use crate::body::{Decision, EraseReason, Grant, Seal};
use crate::state::{Access, ConsentRecord, Record};
use std::collections::BTreeSet;
use unchain_types::{Code, Refusal};

fn refuse(code: Code, message: impl Into<String>) -> Refusal {
    Refusal::new(code, message)
}

/// The first version of a new record, sealed by `me` to `recipients`: the sealer must be
/// among them, and a record that needs the survivor's consent goes to its sealer alone.
pub fn first_version(s: &Seal, me: &str, recipients: &BTreeSet<String>) -> Result<(), Refusal> {
    if !recipients.contains(me) {
        return Err(refuse(
            Code::RecipientsMismatch,
            format!(
                "recipients must include the sealing organisation ({me}), so that it can open its own record"
            ),
        ));
    }
    let policy = s.policy.expect("checked: version 1 has a policy");
    if policy.consent_required && recipients.len() > 1 {
        return Err(refuse(
            Code::ConsentRequired,
            "recipients: this record needs the survivor's consent to be shared; seal it to your own organisation, then grant access with vault.grant once the survivor has consented",
        ));
    }
    Ok(())
}

/// A new version of `record`, sealed by `me` to `recipients`: only its owner seals, the
/// version is the next, the schema stays, and the recipients are exactly the organisations
/// with `active` access.
pub fn next_version(
    record: &Record,
    s: &Seal,
    me: &str,
    recipients: &BTreeSet<String>,
    active: &BTreeSet<String>,
) -> Result<(), Refusal> {
    if record.owner != me {
        return Err(refuse(
            Code::NotOwner,
            format!("only the owner ({}) seals new versions", record.owner),
        ));
    }
    if s.version != record.latest_version + 1 {
        return Err(refuse(
            Code::StaleVersion,
            format!(
                "version must be {} (the record is at version {})",
                record.latest_version + 1,
                record.latest_version
            ),
        ));
    }
    if s.schema != record.schema {
        return Err(refuse(
            Code::StaleVersion,
            format!("schema must stay {}", record.schema),
        ));
    }
    if recipients != active {
        let missing: Vec<_> = active.difference(recipients).cloned().collect();
        let extra: Vec<_> = recipients.difference(active).cloned().collect();
        return Err(refuse(
            Code::RecipientsMismatch,
            format!(
                "recipients must be exactly the organisations with access (missing: [{}]; without access, revoked or never granted: [{}])",
                missing.join(", "),
                extra.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A grant of `record` by `me`: of its latest version, by its owner or an organisation
/// granted re-sharing (`mine`), to an organisation without access (`existing`), with the
/// survivor's consent (`consent`) where the policy asks for it unless a court overrides.
/// (Execution checks in between that the recipient is a member: [`may_share`], then that,
/// then [`may_receive`].)
pub fn grant(
    record: &Record,
    g: &Grant,
    me: &str,
    mine: Option<&Access>,
    existing: Option<&Access>,
    consent: Option<&ConsentRecord>,
) -> Result<(), Refusal> {
    may_share(record, g, me, mine)?;
    may_receive(record, g, existing, consent)
}

/// The sharing side of [`grant`]: the latest version, by its owner or a re-sharer.
pub fn may_share(
    record: &Record,
    g: &Grant,
    me: &str,
    mine: Option<&Access>,
) -> Result<(), Refusal> {
    let id = record.record;
    if g.version != record.latest_version {
        return Err(refuse(
            Code::StaleVersion,
            format!(
                "version must be the record's latest, {}",
                record.latest_version
            ),
        ));
    }
    let may_share = record.owner == me || mine.is_some_and(|a| a.revoked.is_none() && a.reshare);
    if !may_share {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "{me} may not share record {id}: only its owner or an organisation granted re-sharing may"
            ),
        ));
    }
    Ok(())
}

/// The receiving side of [`grant`]: no access yet, and consent (or a court order) where
/// the policy asks for it.
pub fn may_receive(
    record: &Record,
    g: &Grant,
    existing: Option<&Access>,
    consent: Option<&ConsentRecord>,
) -> Result<(), Refusal> {
    let id = record.record;
    if existing.is_some_and(|a| a.revoked.is_none()) {
        return Err(refuse(
            Code::AlreadyExists,
            format!("{} already has access to record {id}", g.recipient),
        ));
    }
    if record.policy.consent_required
        && g.override_.is_none()
        && consent.is_none_or(|c| c.decision != Decision::Allow)
    {
        return Err(refuse(
            Code::ConsentRequired,
            format!(
                "record {id} needs the survivor's consent to be shared with {}: submit a vault.consent signed by the survivor, or an override naming a court order",
                g.recipient
            ),
        ));
    }
    Ok(())
}

/// Who may erase `record` for `reason`, at block time `now_ms`: the owner on its own
/// request; anyone once the retention period ended. (A survivor's request is checked by
/// its signature, which needs the chain's statement: see `lib.rs`.)
pub fn erase(record: &Record, reason: EraseReason, me: &str, now_ms: u64) -> Result<(), Refusal> {
    match reason {
        EraseReason::OwnerRequest if record.owner != me => Err(refuse(
            Code::NotOwner,
            format!(
                "reason owner_request: only the owner ({}) may ask",
                record.owner
            ),
        )),
        EraseReason::RetentionExpired if now_ms < record.expires_ms => Err(refuse(
            Code::TooEarly,
            format!(
                "reason retention_expired: the retention period ends at {} ms; the block time is {now_ms} ms",
                record.expires_ms
            ),
        )),
        EraseReason::OwnerRequest | EraseReason::RetentionExpired | EraseReason::SubjectRequest => {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::{LegalBasis, Override, Policy};
    use unchain_types::{Hash32, TxId};

    fn record(consent_required: bool) -> Record {
        Record {
            record: Hash32([1; 32]),
            owner: "th-dsi".into(),
            schema: "htcds.person".into(),
            subject: None,
            policy: Policy {
                retention_days: 10,
                consent_required,
                subject_minor: false,
            },
            created_ms: 0,
            expires_ms: 1_000,
            latest_version: 2,
            tokens: Vec::new(),
            erased: None,
        }
    }

    fn access(member: &str, reshare: bool) -> Access {
        Access {
            member: member.into(),
            granted_by: "th-dsi".into(),
            purpose: "p".into(),
            legal_basis: Some(LegalBasis::PublicTask),
            reshare,
            from_version: 1,
            tx: TxId(Hash32([2; 32])),
            height: 1,
            time_ms: 0,
            actor: None,
            override_: None,
            revoked: None,
        }
    }

    fn grant_to(recipient: &str, version: u32) -> Grant {
        serde_json::from_value(serde_json::json!({
            "record": Hash32([1; 32]), "version": version, "recipient": recipient,
            "wrapped_key": "00".repeat(80), "purpose": "support",
            "legal_basis": "public_task",
        }))
        .expect("a grant")
    }

    #[test]
    fn only_the_owner_or_a_resharer_shares_the_latest_version_once() {
        let r = record(false);
        assert!(grant(&r, &grant_to("ng", 2), "th-dsi", None, None, None).is_ok());
        let code = |res: Result<(), Refusal>| res.expect_err("refused").code;
        assert_eq!(
            code(grant(&r, &grant_to("ng", 1), "th-dsi", None, None, None)),
            Code::StaleVersion
        );
        assert_eq!(
            code(grant(&r, &grant_to("ng", 2), "ph", None, None, None)),
            Code::NotOwner
        );
        let resharer = access("ph", true);
        assert!(grant(&r, &grant_to("ng", 2), "ph", Some(&resharer), None, None).is_ok());
        let plain = access("ph", false);
        assert_eq!(
            code(grant(
                &r,
                &grant_to("ng", 2),
                "ph",
                Some(&plain),
                None,
                None
            )),
            Code::NotOwner
        );
        let held = access("ng", false);
        assert_eq!(
            code(grant(
                &r,
                &grant_to("ng", 2),
                "th-dsi",
                None,
                Some(&held),
                None
            )),
            Code::AlreadyExists
        );
    }

    #[test]
    fn consent_or_a_court_order_is_needed_where_the_policy_asks() {
        let r = record(true);
        let g = grant_to("ng", 2);
        let err = grant(&r, &g, "th-dsi", None, None, None).expect_err("no consent");
        assert_eq!(err.code, Code::ConsentRequired);
        let allow = ConsentRecord {
            recipient: "ng".into(),
            purpose: "support".into(),
            decision: Decision::Allow,
            tx: TxId(Hash32([3; 32])),
            height: 1,
        };
        assert!(grant(&r, &g, "th-dsi", None, None, Some(&allow)).is_ok());
        let withdrawn = ConsentRecord {
            decision: Decision::Withdraw,
            ..allow
        };
        assert!(grant(&r, &g, "th-dsi", None, None, Some(&withdrawn)).is_err());
        let mut ordered = g.clone();
        ordered.override_ = Some(Override {
            court_order: "2026/117".into(),
            authority: "Bangkok criminal court".into(),
        });
        assert!(grant(&r, &ordered, "th-dsi", None, None, None).is_ok());
    }

    #[test]
    fn erasure_by_owner_request_or_after_retention() {
        let r = record(false);
        assert!(erase(&r, EraseReason::OwnerRequest, "th-dsi", 0).is_ok());
        assert_eq!(
            erase(&r, EraseReason::OwnerRequest, "ph", 0)
                .expect_err("not the owner")
                .code,
            Code::NotOwner
        );
        assert_eq!(
            erase(&r, EraseReason::RetentionExpired, "ph", 999)
                .expect_err("too early")
                .code,
            Code::TooEarly
        );
        assert!(erase(&r, EraseReason::RetentionExpired, "ph", 1_000).is_ok());
    }
}
