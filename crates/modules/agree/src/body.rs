//! The `agree.*` bodies, checked without state. Every clause of a proposal is compiled and
//! type-checked here, so a bad clause is refused at admission with a pointer into it.

use crate::{Clause, ClauseError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_types::body::{BodyError, parse_body};

/// Most parties to one agreement.
pub const MAX_PARTIES: usize = 32;
/// Most clauses in one agreement.
pub const MAX_CLAUSES: usize = 32;

/// What follows a breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Consequence {
    /// A penalty owed (recorded; no payment rail): minor units of an ISO 4217 currency.
    Penalty {
        /// Minor units.
        amount: u64,
        /// ISO 4217.
        currency: String,
        /// The party that owes it.
        owed_by: String,
        /// The party it is owed to.
        owed_to: String,
    },
    /// The agreement is suspended until its parties resume it.
    Suspend,
    /// The named parties are told (on their event streams).
    Notify {
        /// Who.
        to: Vec<String>,
    },
    /// Escalated to a member outside the agreement (a regulator, an auditor).
    Escalate {
        /// Who.
        to: String,
    },
}

/// Minor units as a decimal amount with two places (`150000` → `1500.00`).
pub fn decimal(minor: u64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// A clause as proposed: plain words beside its CEL, its schedule, its consequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseTerms {
    /// A short code, unique in the agreement (`employer-pays`).
    pub id: String,
    /// What it says, for people.
    pub text: String,
    /// The CEL expression: true while the clause is kept.
    pub cel: String,
    /// Evaluated at most every this many blocks (absent: only at `due_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_blocks: Option<u64>,
    /// Evaluated once this block time has passed (a deadline), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<u64>,
    /// Evaluated whenever one of these fact lists changes (`supply.findings`,
    /// `recruit.fees`…): due when any differs from what the last evaluation read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_change: Vec<String>,
    /// What a breach brings.
    pub consequence: Consequence,
}

/// `agree.propose`: a party proposes an agreement; it is in force once every party signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propose {
    /// Its id (`a-` and 20 hex digits).
    pub agreement: String,
    /// Its title.
    pub title: String,
    /// The parties (members), the proposer among them.
    pub parties: Vec<String>,
    /// Who decides disputes about its outcomes (a member).
    pub arbiter: String,
    /// The fact schema version its clauses are written against.
    pub schema: u32,
    /// The clauses.
    pub clauses: Vec<ClauseTerms>,
}

/// `agree.sign`: a party signs the agreement as proposed, or its pending amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sign {
    /// The agreement.
    pub agreement: String,
    /// The amendment signed (its number), if this signs an amendment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment: Option<u32>,
}

/// `agree.amend`: a party proposes new terms for an agreement, or its end. It takes effect
/// once every party — of the terms in force and of the new ones — has signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    /// The agreement.
    pub agreement: String,
    /// Its number: one more than the agreement's last amendment (1 for the first).
    pub amendment: u32,
    /// Why, in words.
    pub reason: String,
    /// Whether it ends the agreement (then it has no terms).
    #[serde(default)]
    pub end: bool,
    /// The new terms (title, parties, arbiter, schema, clauses); the agreement's id stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<Propose>,
}

/// `agree.evaluate`: any member asks for a clause that is due to be evaluated now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluate {
    /// The agreement.
    pub agreement: String,
    /// The clause.
    pub clause: String,
}

/// `agree.contest`: a party contests an outcome, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// The agreement.
    pub agreement: String,
    /// The outcome's number (0 for the first).
    pub outcome: u64,
    /// Why, for the arbiter.
    pub reason: String,
}

/// `agree.decide`: the arbiter upholds or overturns a contested outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// The agreement.
    pub agreement: String,
    /// The outcome's number.
    pub outcome: u64,
    /// Upheld (true) or overturned (false).
    pub uphold: bool,
    /// Why.
    pub reason: String,
}

/// What an evaluation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The clause held.
    Kept,
    /// The clause was broken: its consequence applies.
    Breached,
    /// The clause could not be evaluated (an overflow, too many facts).
    Error,
}

impl Verdict {
    /// What `kept` (an evaluation's answer) says.
    pub fn of(kept: &Result<bool, String>) -> Verdict {
        match kept {
            Ok(true) => Verdict::Kept,
            Ok(false) => Verdict::Breached,
            Err(_) => Verdict::Error,
        }
    }
}

/// `agree.attest`: an outcome copied into the log, so that it can be re-checked offline
/// (`unchain verify agreement`). Every validator accepts it only if each field is what it
/// recorded for that outcome: once logged, the consortium vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attest {
    /// The agreement.
    pub agreement: String,
    /// The outcome's number.
    pub outcome: u64,
    /// The `agree.evaluate` transaction that asked for it (hex).
    pub evaluation: String,
    /// The clause.
    pub clause: String,
    /// The height it was evaluated at.
    pub height: u64,
    /// Block time then.
    pub at_ms: u64,
    /// SHA-256 of the canonical JSON of the facts the clause read (hex).
    pub facts: String,
    /// What it found.
    pub result: Verdict,
}

/// A parsed `agree.*` body; a proposal carries its compiled clauses.
#[derive(Debug, Clone)]
pub enum AgreeBody {
    /// `agree.propose`, with each clause compiled.
    Propose(Propose, Vec<Clause>),
    /// `agree.sign`.
    Sign(Sign),
    /// `agree.evaluate`.
    Evaluate(Evaluate),
    /// `agree.contest`.
    Contest(Contest),
    /// `agree.decide`.
    Decide(Decide),
    /// `agree.attest`.
    Attest(Attest),
    /// `agree.amend`, with the new terms' clauses compiled.
    Amend(Amend, Vec<Clause>),
}

fn check_id(field: &str, s: &str, prefix: &str) -> Result<(), BodyError> {
    let ok = s.len() == prefix.len() + 20
        && s.starts_with(prefix)
        && s[prefix.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(
            field,
            format!("\"{prefix}\" and 20 lowercase hex digits"),
        ))
    }
}

fn check_code(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(field, "1 to 40 of a-z, 0-9, '-' and '_'"))
    }
}

fn check_text(field: &str, s: &str, max: usize) -> Result<(), BodyError> {
    if s.trim().is_empty() || s.len() > max {
        return Err(BodyError::new(field, format!("1 to {max} bytes of text")));
    }
    Ok(())
}

fn clause_error(field: String, e: ClauseError) -> BodyError {
    BodyError::new(&field, e.to_string())
}

impl Propose {
    fn check(&self) -> Result<Vec<Clause>, BodyError> {
        check_id("agreement", &self.agreement, "a-")?;
        check_text("title", &self.title, 200)?;
        if !(2..=MAX_PARTIES).contains(&self.parties.len()) {
            return Err(BodyError::new(
                "parties",
                format!("2 to {MAX_PARTIES} members"),
            ));
        }
        for (i, p) in self.parties.iter().enumerate() {
            check_code(&format!("parties[{i}]"), p)?;
            if self.parties[..i].contains(p) {
                return Err(BodyError::new(
                    format!("parties[{i}]"),
                    format!("{p} is named twice"),
                ));
            }
        }
        check_code("arbiter", &self.arbiter)?;
        let schema = crate::schema::version(self.schema).ok_or_else(|| {
            BodyError::new(
                "schema",
                format!(
                    "no fact schema version {}; the current one is {}",
                    self.schema,
                    crate::schema::CURRENT
                ),
            )
        })?;
        if self.clauses.is_empty() || self.clauses.len() > MAX_CLAUSES {
            return Err(BodyError::new(
                "clauses",
                format!("1 to {MAX_CLAUSES} clauses"),
            ));
        }
        let mut compiled = Vec::with_capacity(self.clauses.len());
        for (i, c) in self.clauses.iter().enumerate() {
            let at = |f: &str| format!("clauses[{i}].{f}");
            check_code(&at("id"), &c.id)?;
            if self.clauses[..i].iter().any(|o| o.id == c.id) {
                return Err(BodyError::new(at("id"), format!("{} is used twice", c.id)));
            }
            check_text(&at("text"), &c.text, 2000)?;
            if c.on_change.len() > 8 {
                return Err(BodyError::new(at("on_change"), "at most 8 fact lists"));
            }
            for (j, path) in c.on_change.iter().enumerate() {
                let is_list = schema
                    .paths()
                    .iter()
                    .any(|(p, ty)| p == path && ty.starts_with("list of record"));
                if !is_list {
                    let lists: Vec<String> = schema
                        .paths()
                        .into_iter()
                        .filter(|(p, ty)| ty.starts_with("list of record") && !p.contains("[]"))
                        .map(|(p, _)| p)
                        .collect();
                    return Err(BodyError::new(
                        format!("clauses[{i}].on_change[{j}]"),
                        format!("{path:?} is not a fact list; one of: {}", lists.join(", ")),
                    ));
                }
            }
            match (c.every_blocks, c.due_ms) {
                (None, None) if c.on_change.is_empty() => {
                    return Err(BodyError::new(
                        at("every_blocks"),
                        "a clause has a schedule: every_blocks, due_ms, on_change, or more than one",
                    ));
                }
                (Some(0), _) => {
                    return Err(BodyError::new(at("every_blocks"), "at least 1"));
                }
                _ => {}
            }
            self.check_consequence(&at("consequence"), &c.consequence)?;
            compiled
                .push(Clause::compile(&c.cel, &schema).map_err(|e| clause_error(at("cel"), e))?);
        }
        Ok(compiled)
    }

    fn check_consequence(&self, field: &str, c: &Consequence) -> Result<(), BodyError> {
        let party = |who: &str, f: &str| {
            if self.parties.iter().any(|p| p == who) {
                Ok(())
            } else {
                Err(BodyError::new(
                    format!("{field}.{f}"),
                    format!("{who} is not a party"),
                ))
            }
        };
        match c {
            Consequence::Penalty {
                amount,
                currency,
                owed_by,
                owed_to,
            } => {
                if *amount == 0 {
                    return Err(BodyError::new(format!("{field}.amount"), "above zero"));
                }
                let ok = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
                if !ok {
                    return Err(BodyError::new(
                        format!("{field}.currency"),
                        "an ISO 4217 code (\"USD\")",
                    ));
                }
                party(owed_by, "owed_by")?;
                party(owed_to, "owed_to")
            }
            Consequence::Suspend => Ok(()),
            Consequence::Notify { to } => {
                if to.is_empty() {
                    return Err(BodyError::new(format!("{field}.to"), "at least one party"));
                }
                to.iter().try_for_each(|t| party(t, "to"))
            }
            Consequence::Escalate { to } => check_code(&format!("{field}.to"), to),
        }
    }
}

impl AgreeBody {
    /// Reads the body of `kind`.
    pub fn parse(kind: &str, body: &Value) -> Result<AgreeBody, BodyError> {
        match kind {
            "agree.propose" => {
                let p: Propose = parse_body(body)?;
                let compiled = p.check()?;
                Ok(AgreeBody::Propose(p, compiled))
            }
            "agree.sign" => {
                let s: Sign = parse_body(body)?;
                check_id("agreement", &s.agreement, "a-")?;
                Ok(AgreeBody::Sign(s))
            }
            "agree.evaluate" => {
                let e: Evaluate = parse_body(body)?;
                check_id("agreement", &e.agreement, "a-")?;
                check_code("clause", &e.clause)?;
                Ok(AgreeBody::Evaluate(e))
            }
            "agree.contest" => {
                let c: Contest = parse_body(body)?;
                check_id("agreement", &c.agreement, "a-")?;
                check_text("reason", &c.reason, 2000)?;
                Ok(AgreeBody::Contest(c))
            }
            "agree.decide" => {
                let d: Decide = parse_body(body)?;
                check_id("agreement", &d.agreement, "a-")?;
                check_text("reason", &d.reason, 2000)?;
                Ok(AgreeBody::Decide(d))
            }
            "agree.amend" => {
                let a: Amend = parse_body(body)?;
                check_id("agreement", &a.agreement, "a-")?;
                check_text("reason", &a.reason, 2000)?;
                if a.amendment == 0 {
                    return Err(BodyError::new("amendment", "numbered from 1"));
                }
                let compiled = match (&a.terms, a.end) {
                    (None, true) => Vec::new(),
                    (Some(_), true) => {
                        return Err(BodyError::new("terms", "an ending has no new terms"));
                    }
                    (None, false) => {
                        return Err(BodyError::new("terms", "new terms, or end: true"));
                    }
                    (Some(t), false) => {
                        if t.agreement != a.agreement {
                            return Err(BodyError::new(
                                "terms.agreement",
                                format!("the amended agreement keeps its id {}", a.agreement),
                            ));
                        }
                        t.check()
                            .map_err(|e| BodyError::new(format!("terms.{}", e.field), e.reason))?
                    }
                };
                Ok(AgreeBody::Amend(a, compiled))
            }
            "agree.attest" => {
                let a: Attest = parse_body(body)?;
                check_id("agreement", &a.agreement, "a-")?;
                check_code("clause", &a.clause)?;
                for (field, hex) in [("evaluation", &a.evaluation), ("facts", &a.facts)] {
                    let canonical = unchain_types::Hash32::from_hex(hex).map(|h| h.to_hex());
                    if canonical.as_deref() != Ok(hex.as_str()) {
                        return Err(BodyError::new(field, "64 lowercase hex digits"));
                    }
                }
                Ok(AgreeBody::Attest(a))
            }
            _ => Err(BodyError::new("", format!("{kind} is not an agree kind"))),
        }
    }
}
