//! Sharing policies: what a jurisdiction's law says about sharing a sealed record, written
//! as CEL rules over the facts of one share, and where a record's ciphertext may be held.
//!
//! A policy belongs to one jurisdiction and governs the records its members own: every
//! recipient of such a record — named when it is sealed, or given access by a grant — must
//! satisfy every rule, and may hold the ciphertext only if its jurisdiction is in the
//! policy's `residency` list (when there is one). The vault module enforces both at
//! `vault.seal` and `vault.grant`; its holdings rule (what the blob sync asks on both ends
//! before sending or storing a ciphertext) enforces residency again, so a policy tightened
//! after a grant stops the ciphertext from moving.
//!
//! The rules use the clause language of agreements (`unchain-clause`) over the [`schema`]
//! below, so the same check (known facts, types, a bool answer, a bounded cost)
//! and the same deterministic evaluation apply. A rule that cannot be evaluated refuses the
//! share: a policy fails closed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use unchain_clause::schema::{Schema, Ty, list, record};
use unchain_clause::{Clause, ClauseError};
use unchain_types::body::BodyError;

/// Most rules in one policy.
pub const MAX_RULES: usize = 16;
/// Longest policy title or rule text, in bytes.
pub const MAX_TEXT: usize = 500;

/// One jurisdiction's sharing policy, as its governance member publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingPolicy {
    /// The jurisdiction it governs (ISO 3166-1 alpha-2): records owned by its members.
    pub jurisdiction: String,
    /// What it is, in words: the law or instrument it follows.
    pub title: String,
    /// The rules every share must satisfy, in order.
    pub rules: Vec<PolicyRule>,
    /// The jurisdictions where a record's ciphertext may be held. Absent: anywhere. When
    /// present it must include the policy's own jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residency: Option<BTreeSet<String>>,
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// Its id within the policy: 1 to 40 characters of a-z, 0-9 and '-'.
    pub id: String,
    /// The rule in plain words: what a refused share is told.
    pub text: String,
    /// The rule in CEL over the [`schema`]'s facts: true when the share is allowed.
    pub cel: String,
}

/// Why a share is refused: the policy, the rule and its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the sharing policy of {jurisdiction} (version {version}) refuses it: rule `{rule}`: {text}{detail}"
)]
pub struct Refusal {
    /// The policy's jurisdiction.
    pub jurisdiction: String,
    /// The policy's version on the ledger.
    pub version: u32,
    /// The rule's id, or `residency`.
    pub rule: String,
    /// The rule's words.
    pub text: String,
    /// Why the rule could not be evaluated, if it could not (`; ` and the error), or empty.
    pub detail: String,
}

/// The facts of one share, what a policy's rules read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareFacts {
    /// Block time, ms.
    pub now: i64,
    /// The record's owner.
    pub owner: Party,
    /// The organisation that would receive the record.
    pub recipient: Party,
    /// The share itself.
    pub share: Share,
    /// What the record is.
    pub record: RecordFacts,
}

/// An organisation in a share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// Its member name.
    pub name: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// Its sector (`law_enforcement`, `child_protection`…), or empty when undeclared.
    pub sector: String,
    /// Its roles on the ledger.
    pub roles: Vec<String>,
}

/// How the record is shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    /// `seal` (a recipient named when a version is sealed) or `grant`.
    pub kind: String,
    /// The stated purpose (empty at a seal).
    pub purpose: String,
    /// The legal basis (`consent`, `legal_obligation`, `vital_interests`, `public_task`,
    /// `court_order`; empty at a seal).
    pub legal_basis: String,
    /// Whether the recipient may share it on.
    pub reshare: bool,
    /// Whether a court order overrides a missing consent.
    pub court_order: bool,
    /// Whether the survivor's consent to this recipient is on record.
    pub consent: bool,
}

/// What a policy may know of a record: never its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordFacts {
    /// Its schema (`htcds.person`, `case.note`…).
    pub schema: String,
    /// Whether it is about a survivor who holds a key (a subject).
    pub subject: bool,
    /// Whether its owner declared it is about a person under 18.
    pub subject_minor: bool,
}

/// The sharing schema, version 1: the facts of one share.
pub fn schema() -> Schema {
    let party = record(&[
        ("name", Ty::String),
        ("jurisdiction", Ty::String),
        ("sector", Ty::String),
        ("roles", list(Ty::String, 16)),
    ]);
    let roots = [
        ("now", Ty::Int),
        ("owner", party.clone()),
        ("recipient", party),
        (
            "share",
            record(&[
                ("kind", Ty::String),
                ("purpose", Ty::String),
                ("legal_basis", Ty::String),
                ("reshare", Ty::Bool),
                ("court_order", Ty::Bool),
                ("consent", Ty::Bool),
            ]),
        ),
        (
            "record",
            record(&[
                ("schema", Ty::String),
                ("subject", Ty::Bool),
                ("subject_minor", Ty::Bool),
            ]),
        ),
    ];
    Schema {
        name: "sharing",
        version: 1,
        roots: roots.into_iter().collect(),
    }
}

/// A policy whose rules all compiled against the [`schema`]. It serialises as the policy
/// document.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// The policy as published.
    pub policy: SharingPolicy,
    clauses: Vec<Clause>,
}

impl Serialize for CompiledPolicy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.policy.serialize(s)
    }
}

fn is_alpha2(code: &str) -> bool {
    code.len() == 2 && unchain_types::country::is_alpha2(code)
}

fn text(field: &str, value: &str) -> Result<(), BodyError> {
    if value.trim().is_empty() || value.len() > MAX_TEXT {
        return Err(BodyError::new(
            field,
            format!("must be 1 to {MAX_TEXT} bytes of words"),
        ));
    }
    Ok(())
}

impl CompiledPolicy {
    /// Checks `policy` and compiles every rule; an error names the field (`rules[2].cel`,
    /// `residency`) and, for a rule, points into its CEL.
    pub fn compile(policy: &SharingPolicy) -> Result<CompiledPolicy, BodyError> {
        if !is_alpha2(&policy.jurisdiction) {
            return Err(BodyError::new(
                "jurisdiction",
                format!(
                    "{:?} is not an ISO 3166-1 alpha-2 code (e.g. TH)",
                    policy.jurisdiction
                ),
            ));
        }
        text("title", &policy.title)?;
        if policy.rules.is_empty() && policy.residency.is_none() {
            return Err(BodyError::new(
                "rules",
                "a policy needs at least one rule or a residency list",
            ));
        }
        if policy.rules.len() > MAX_RULES {
            return Err(BodyError::new(
                "rules",
                format!("at most {MAX_RULES} rules"),
            ));
        }
        let schema = schema();
        let mut ids = BTreeSet::new();
        let mut clauses = Vec::with_capacity(policy.rules.len());
        for (i, rule) in policy.rules.iter().enumerate() {
            let id_ok = (1..=40).contains(&rule.id.len())
                && rule
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                return Err(BodyError::new(
                    format!("rules[{i}].id"),
                    "must be 1 to 40 characters of a-z, 0-9 and '-'",
                ));
            }
            if rule.id == "residency" || !ids.insert(rule.id.as_str()) {
                return Err(BodyError::new(
                    format!("rules[{i}].id"),
                    format!("{:?} is already used in this policy", rule.id),
                ));
            }
            text(&format!("rules[{i}].text"), &rule.text)?;
            let clause = Clause::compile(&rule.cel, &schema).map_err(|e: ClauseError| {
                BodyError::new(format!("rules[{i}].cel"), e.to_string())
            })?;
            clauses.push(clause);
        }
        if let Some(places) = &policy.residency {
            if places.is_empty() {
                return Err(BodyError::new(
                    "residency",
                    "lists at least the policy's own jurisdiction (absent: anywhere)",
                ));
            }
            if let Some(bad) = places.iter().find(|p| !is_alpha2(p)) {
                return Err(BodyError::new(
                    "residency",
                    format!("{bad:?} is not an ISO 3166-1 alpha-2 code"),
                ));
            }
            if !places.contains(&policy.jurisdiction) {
                return Err(BodyError::new(
                    "residency",
                    format!(
                        "must include {}: its own members hold the records it governs",
                        policy.jurisdiction
                    ),
                ));
            }
        }
        Ok(CompiledPolicy {
            policy: policy.clone(),
            clauses,
        })
    }

    /// Whether a ciphertext this policy governs may be held in `jurisdiction`.
    pub fn may_hold_in(&self, jurisdiction: &str) -> bool {
        self.policy
            .residency
            .as_ref()
            .is_none_or(|places| places.contains(jurisdiction))
    }

    /// Whether the share described by `facts` is allowed, as version `version` of the
    /// policy: residency first, then every rule in order. The first that fails refuses it.
    pub fn decide(&self, version: u32, facts: &ShareFacts) -> Result<(), Refusal> {
        let refusal = |rule: &str, text: &str, detail: String| Refusal {
            jurisdiction: self.policy.jurisdiction.clone(),
            version,
            rule: rule.to_owned(),
            text: text.to_owned(),
            detail,
        };
        if !self.may_hold_in(&facts.recipient.jurisdiction) {
            let places: Vec<&str> = self
                .policy
                .residency
                .iter()
                .flatten()
                .map(String::as_str)
                .collect();
            return Err(refusal(
                "residency",
                &format!(
                    "its records are held only in {}; {} is in {}",
                    places.join(", "),
                    facts.recipient.name,
                    facts.recipient.jurisdiction
                ),
                String::new(),
            ));
        }
        let json = serde_json::to_value(facts).expect("share facts serialise");
        let schema = schema();
        for (rule, clause) in self.policy.rules.iter().zip(&self.clauses) {
            match clause.evaluate(&schema, &json) {
                Ok(true) => {}
                Ok(false) => return Err(refusal(&rule.id, &rule.text, String::new())),
                Err(e) => {
                    return Err(refusal(
                        &rule.id,
                        &rule.text,
                        format!("; the rule could not be evaluated ({e}), so it refuses"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, jurisdiction: &str, sector: &str) -> Party {
        Party {
            name: name.into(),
            jurisdiction: jurisdiction.into(),
            sector: sector.into(),
            roles: vec!["records".into()],
        }
    }

    fn facts(recipient: Party, minor: bool, basis: &str) -> ShareFacts {
        ShareFacts {
            now: 1_800_000_000_000,
            owner: party("th-police", "TH", "law_enforcement"),
            recipient,
            share: Share {
                kind: "grant".into(),
                purpose: "referral".into(),
                legal_basis: basis.into(),
                reshare: false,
                court_order: false,
                consent: false,
            },
            record: RecordFacts {
                schema: "htcds.person".into(),
                subject: true,
                subject_minor: minor,
            },
        }
    }

    fn policy() -> SharingPolicy {
        serde_json::from_value(serde_json::json!({
            "jurisdiction": "TH",
            "title": "test",
            "rules": [
                {"id": "children", "text": "records about a child go only to child protection or law enforcement",
                 "cel": "!record.subject_minor || recipient.sector in [\"child_protection\", \"law_enforcement\"]"},
                {"id": "basis-abroad", "text": "a share abroad names a legal basis other than consent",
                 "cel": "recipient.jurisdiction == owner.jurisdiction || share.legal_basis != \"consent\""}
            ],
            "residency": ["TH", "MY"]
        }))
        .expect("policy")
    }

    #[test]
    fn each_rule_refuses_by_its_id_and_words() {
        let p = CompiledPolicy::compile(&policy()).expect("compiles");
        let ngo = party("th-ngo", "TH", "ngo");
        assert_eq!(p.decide(3, &facts(ngo.clone(), false, "consent")), Ok(()));
        let e = p
            .decide(3, &facts(ngo, true, "consent"))
            .expect_err("child");
        assert_eq!((e.rule.as_str(), e.version), ("children", 3));
        assert!(
            e.to_string().contains("sharing policy of TH (version 3)"),
            "{e}"
        );
        let cp = party("th-dcy", "TH", "child_protection");
        assert_eq!(p.decide(1, &facts(cp, true, "consent")), Ok(()));
        let my = party("my-polis", "MY", "law_enforcement");
        let e = p
            .decide(1, &facts(my.clone(), false, "consent"))
            .expect_err("basis");
        assert_eq!(e.rule, "basis-abroad");
        assert_eq!(p.decide(1, &facts(my, false, "public_task")), Ok(()));
        let gb = party("gb-nca", "GB", "law_enforcement");
        let e = p
            .decide(1, &facts(gb, false, "public_task"))
            .expect_err("residency");
        assert_eq!(e.rule, "residency");
        assert!(
            e.text.contains("held only in MY, TH; gb-nca is in GB"),
            "{e}"
        );
        assert!(p.may_hold_in("TH") && p.may_hold_in("MY") && !p.may_hold_in("GB"));
    }

    #[test]
    fn bad_policies_name_the_field() {
        let mut bad = policy();
        bad.rules[1].cel = "recipient.jurisdicton == \"TH\"".into();
        let e = CompiledPolicy::compile(&bad).expect_err("typo");
        assert_eq!(e.field, "rules[1].cel");
        assert!(
            e.reason.contains("jurisdicton") && e.reason.contains('^'),
            "{e}"
        );
        let mut bad = policy();
        bad.rules[0].cel = "recipient.sector".into();
        assert_eq!(
            CompiledPolicy::compile(&bad).expect_err("not bool").field,
            "rules[0].cel"
        );
        let mut bad = policy();
        bad.residency = Some(["MY".to_owned()].into());
        let e = CompiledPolicy::compile(&bad).expect_err("own jurisdiction");
        assert_eq!(e.field, "residency");
        let mut bad = policy();
        bad.rules[1].id = "children".into();
        assert_eq!(
            CompiledPolicy::compile(&bad).expect_err("dup").field,
            "rules[1].id"
        );
        let mut bad = policy();
        bad.jurisdiction = "XX".into();
        assert_eq!(
            CompiledPolicy::compile(&bad).expect_err("XX").field,
            "jurisdiction"
        );
        let mut bad = policy();
        bad.rules.clear();
        bad.residency = None;
        assert_eq!(
            CompiledPolicy::compile(&bad).expect_err("empty").field,
            "rules"
        );
    }

    #[test]
    fn a_rule_that_fails_to_evaluate_refuses() {
        let mut p = policy();
        p.rules = vec![PolicyRule {
            id: "overflow".into(),
            text: "never".into(),
            cel: "now * now > 0".into(),
        }];
        let p = CompiledPolicy::compile(&p).expect("compiles");
        let e = p
            .decide(1, &facts(party("th-ngo", "TH", "ngo"), false, "consent"))
            .expect_err("overflow refuses");
        assert!(e.detail.contains("could not be evaluated"), "{e}");
    }
}
