//! The [`Module`] impl: how every validator executes `agree.*`.
//!
//! - `agree.propose`: the sender is one of the parties; every party and the arbiter are
//!   members; the proposer's signature is the first. Every clause was compiled and checked
//!   when the body was read.
//! - `agree.sign`: a party signs once; with the last signature the agreement is in force
//!   from that height.
//! - `agree.evaluate`: any member asks for a clause of an agreement in force that is due —
//!   `every_blocks` since its last evaluation, or its `due_ms` passed and not yet
//!   evaluated. The facts are gathered from state at this height, the clause is
//!   evaluated, and the outcome recorded with the facts' digest; a breach applies its
//!   consequence (a penalty owed, a suspension, a notification, an escalation).
//! - `agree.contest`: a party contests a breach once, with its reason; `agree.decide`: the
//!   arbiter upholds it or overturns it — then its penalty is no longer owed, and a
//!   suspension it caused is lifted.

use crate::Clause;
use crate::body::{
    AgreeBody, Amend, Attest, Consequence, Contest, Decide, Evaluate, Propose, Sign, Verdict,
};
use crate::state::*;
use serde_json::Value;
use unchain_ledger::state::encode;
use unchain_ledger::{BodyError, ExecContext, ExecError, KindSpec, Module, Role, refuse};
use unchain_types::{Code, Hash32};

/// The `agree.*` kinds.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "agree.propose",
        role: Role::Agreements,
        summary: "a party proposes a compliance agreement: parties, an arbiter, clauses in CEL over the fact schema, their schedules and consequences",
    },
    KindSpec {
        kind: "agree.sign",
        role: Role::Agreements,
        summary: "a party signs an agreement as proposed; with every party's signature it is in force",
    },
    KindSpec {
        kind: "agree.evaluate",
        role: Role::Agreements,
        summary: "any member asks for a due clause to be evaluated over the facts at this height; a breach applies its consequence",
    },
    KindSpec {
        kind: "agree.contest",
        role: Role::Agreements,
        summary: "a party contests an outcome, with its reason, for the agreement's arbiter",
    },
    KindSpec {
        kind: "agree.amend",
        role: Role::Agreements,
        summary: "propose new terms for an agreement, or its end; in effect once every party of the old and new terms signed (agree.sign with the amendment's number)",
    },
    KindSpec {
        kind: "agree.attest",
        role: Role::Agreements,
        summary: "copy an outcome into the log for offline re-checking; accepted only if every field is what the validators recorded",
    },
    KindSpec {
        kind: "agree.decide",
        role: Role::Agreements,
        summary: "the agreement's arbiter upholds or overturns a contested outcome; overturned, its penalty is no longer owed and a suspension it caused is lifted",
    },
];

/// The agree module.
pub struct AgreeModule;

impl Module for AgreeModule {
    type Body = AgreeBody;

    fn name(&self) -> &'static str {
        "agree"
    }

    fn kinds(&self) -> &'static [KindSpec] {
        KINDS
    }

    fn parse_body(&self, kind: &str, body: &Value) -> Result<AgreeBody, BodyError> {
        AgreeBody::parse(kind, body)
    }

    fn execute(&self, ctx: &mut ExecContext<'_, '_>, body: &AgreeBody) -> Result<(), ExecError> {
        match body {
            AgreeBody::Propose(p, _) => propose(ctx, p),
            AgreeBody::Sign(s) => sign(ctx, s),
            AgreeBody::Evaluate(e) => evaluate(ctx, e),
            AgreeBody::Contest(c) => contest(ctx, c),
            AgreeBody::Decide(d) => decide(ctx, d),
            AgreeBody::Attest(t) => attest(ctx, t),
            AgreeBody::Amend(m, _) => amend(ctx, m),
        }
    }
}

fn propose(ctx: &mut ExecContext<'_, '_>, p: &Propose) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    if !p.parties.contains(&me) {
        return Err(refuse(
            Code::NotOwner,
            format!("parties: {me} proposes only an agreement it is a party to"),
        ));
    }
    for who in p.parties.iter().chain(std::iter::once(&p.arbiter)) {
        if unchain_ledger::membership::member_named(ctx.state, who)?.is_none() {
            return Err(refuse(
                Code::UnknownMember,
                format!("{who} is not a member of this consortium"),
            ));
        }
    }
    if agreement(&*ctx.state, &p.agreement)?.is_some() {
        return Err(refuse(
            Code::AlreadyExists,
            format!("agreement: {} already exists", p.agreement),
        ));
    }
    let record = AgreementRecord {
        proposal: p.clone(),
        proposed_tx: ctx.tx_id,
        signed: vec![me.clone()],
        standing: Standing::Proposed,
        history: vec![(Standing::Proposed, ctx.height, me)],
        evaluated: Default::default(),
        outcomes: 0,
        signed_txs: Vec::new(),
        amendments: Vec::new(),
        watched: Default::default(),
    };
    Ok(ctx
        .state
        .put(&agreement_key(&p.agreement), &encode(&record))?)
}

fn sign(ctx: &mut ExecContext<'_, '_>, s: &Sign) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    let mut a = agreement(&*ctx.state, &s.agreement)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("agreement: {} is not on this ledger", s.agreement),
        )
    })?;
    if let Some(number) = s.amendment {
        return sign_amendment(ctx, a, number);
    }
    if !a.proposal.parties.contains(&me) {
        return Err(refuse(
            Code::NotOwner,
            format!("agreement: {me} is not a party to {}", s.agreement),
        ));
    }
    if a.signed.contains(&me) {
        return Err(refuse(
            Code::AlreadyExists,
            format!("agreement: {me} already signed {}", s.agreement),
        ));
    }
    a.signed.push(me.clone());
    a.signed_txs.push(ctx.tx_id);
    if crate::rules::standing_after_signing(&a.proposal.parties, &a.signed) == Standing::InForce {
        a.standing = Standing::InForce;
        a.history.push((Standing::InForce, ctx.height, me));
    }
    Ok(ctx.state.put(&agreement_key(&s.agreement), &encode(&a))?)
}

/// `agree.amend`: a party of the terms in force proposes new terms, or the end; it counts
/// as that party's signature. One amendment waits at a time.
fn amend(ctx: &mut ExecContext<'_, '_>, m: &Amend) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    let mut a = agreement(&*ctx.state, &m.agreement)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("agreement: {} is not on this ledger", m.agreement),
        )
    })?;
    if !a.proposal.parties.contains(&me) {
        return Err(refuse(
            Code::NotOwner,
            format!("agreement: {me} is not a party to {}", m.agreement),
        ));
    }
    if matches!(a.standing, Standing::Proposed | Standing::Ended) {
        return Err(refuse(
            Code::BadTransition,
            format!(
                "agreement: {} is {:?}; only an agreement every party signed is amended",
                m.agreement, a.standing
            ),
        ));
    }
    if let Some(p) = a.amendments.last().filter(|p| p.applied.is_none()) {
        return Err(refuse(
            Code::AlreadyExists,
            format!(
                "amendment: amendment {} is still waiting for {}'s signatures",
                p.number,
                p.needs
                    .iter()
                    .filter(|n| !p.signed.contains(n))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let next = a.amendments.len() as u32 + 1;
    if m.amendment != next {
        return Err(refuse(
            Code::StaleVersion,
            format!("amendment: the next amendment of {} is {next}", m.agreement),
        ));
    }
    if let Some(t) = &m.terms {
        for (field, name) in t
            .parties
            .iter()
            .map(|p| ("terms.parties", p))
            .chain([("terms.arbiter", &t.arbiter)])
        {
            if unchain_ledger::membership::member_named(&*ctx.state, name)?.is_none() {
                return Err(refuse(
                    Code::UnknownMember,
                    format!("{field}: {name} is not a member"),
                ));
            }
        }
    }
    let mut needs = a.proposal.parties.clone();
    for p in m.terms.iter().flat_map(|t| &t.parties) {
        if !needs.contains(p) {
            needs.push(p.clone());
        }
    }
    a.amendments.push(Amendment {
        number: m.amendment,
        reason: m.reason.clone(),
        end: m.end,
        terms: m.terms.clone(),
        needs,
        signed: vec![me],
        txs: vec![ctx.tx_id],
        applied: None,
    });
    apply_if_signed(ctx, &mut a);
    Ok(ctx.state.put(&agreement_key(&m.agreement), &encode(&a))?)
}

/// `agree.sign` of amendment `number`.
fn sign_amendment(
    ctx: &mut ExecContext<'_, '_>,
    mut a: AgreementRecord,
    number: u32,
) -> Result<(), ExecError> {
    let me = ctx.sender.name.clone();
    let id = a.proposal.agreement.clone();
    let Some(p) = a
        .amendments
        .last_mut()
        .filter(|p| p.number == number && p.applied.is_none())
    else {
        return Err(refuse(
            Code::NotFound,
            format!("amendment: {id} has no amendment {number} waiting for signatures"),
        ));
    };
    if !p.needs.contains(&me) {
        return Err(refuse(
            Code::NotOwner,
            format!("amendment: {me} is not a party to amendment {number} of {id}"),
        ));
    }
    if p.signed.contains(&me) {
        return Err(refuse(
            Code::AlreadyExists,
            format!("amendment: {me} already signed amendment {number} of {id}"),
        ));
    }
    p.signed.push(me);
    p.txs.push(ctx.tx_id);
    apply_if_signed(ctx, &mut a);
    Ok(ctx.state.put(&agreement_key(&id), &encode(&a))?)
}

/// Applies the waiting amendment once every party it needs has signed: the new terms
/// replace the old (a clause that keeps its id keeps its last evaluation), or the
/// agreement ends.
fn apply_if_signed(ctx: &ExecContext<'_, '_>, a: &mut AgreementRecord) {
    let Some(p) = a.amendments.last_mut() else {
        return;
    };
    if p.applied.is_some() || !p.needs.iter().all(|n| p.signed.contains(n)) {
        return;
    }
    p.applied = Some(ctx.height);
    let what = format!("amendment {}", p.number);
    if p.end {
        a.standing = Standing::Ended;
        a.history.push((Standing::Ended, ctx.height, what));
    } else if let Some(terms) = p.terms.clone() {
        a.evaluated
            .retain(|clause, _| terms.clauses.iter().any(|c| c.id == *clause));
        a.proposal = terms;
        a.history.push((a.standing, ctx.height, what));
    }
}

fn evaluate(ctx: &mut ExecContext<'_, '_>, e: &Evaluate) -> Result<(), ExecError> {
    let mut a = agreement(&*ctx.state, &e.agreement)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("agreement: {} is not on this ledger", e.agreement),
        )
    })?;
    if a.standing != Standing::InForce {
        return Err(refuse(
            Code::BadTransition,
            format!(
                "agreement: {} is {:?}, not in force",
                e.agreement, a.standing
            ),
        ));
    }
    let Some(terms) = a
        .proposal
        .clauses
        .iter()
        .find(|c| c.id == e.clause)
        .cloned()
    else {
        return Err(refuse(
            Code::NotFound,
            format!("clause: {} has no clause {}", e.agreement, e.clause),
        ));
    };
    let last = a.evaluated.get(&e.clause).copied();
    let due = crate::rules::is_due(&terms, last, ctx.height, ctx.timestamp_ms);
    let not_due = |why: &str| {
        refuse(
            Code::TooEarly,
            format!(
                "clause: {} is not due at height {} (last evaluated at {:?}, every {:?} blocks, due {:?}{why})",
                e.clause,
                ctx.height,
                last.map(|(h, _)| h),
                terms.every_blocks,
                terms.due_ms
            ),
        )
    };
    if !due && terms.on_change.is_empty() {
        return Err(not_due(""));
    }
    let schema = crate::schema::version(a.proposal.schema)
        .ok_or_else(|| refuse(Code::InvalidBody, "schema: no longer published"))?;
    // Compiled again from the stored text: the same on every validator.
    let clause = Clause::compile(&terms.cel, &schema)
        .map_err(|err| refuse(Code::InvalidBody, format!("clause: {err}")))?;
    // Every row the facts come from is recorded, for the outcome's per-fact proofs.
    let (gathered, reads) = crate::facts::gather_reads(
        &*ctx.state,
        &a.proposal.parties,
        ctx.height,
        ctx.timestamp_ms,
        a.proposal.schema,
    );
    let (facts, too_many) = match gathered {
        Ok(facts) => (facts, None),
        Err(crate::facts::FactsError::Storage(s)) => return Err(s.into()),
        Err(crate::facts::FactsError::TooMany(why)) => (Value::Null, Some(why)),
    };
    let watched = crate::rules::watched_digests(&terms.on_change, &facts);
    if !due && !crate::rules::changed(&terms, a.watched.get(&e.clause), &watched) {
        return Err(not_due(&format!(
            "; none of {} changed since",
            terms.on_change.join(", ")
        )));
    }
    let kept = match too_many {
        None => clause.evaluate(&schema, &facts),
        Some(why) => Err(why),
    };
    if !terms.on_change.is_empty() {
        a.watched.insert(e.clause.clone(), watched);
    }
    // The facts' digest is of their canonical JSON (JCS), which holds integers exactly only
    // up to 2^53: a fact beyond it makes the outcome an error, never a digest of nothing.
    let (bytes, kept) = match unchain_types::canonical::to_canonical_bytes(&facts) {
        Ok(bytes) => (bytes, kept),
        Err(e) => (
            Vec::new(),
            Err(format!("facts: cannot be digested canonically ({e})")),
        ),
    };
    let digest = Hash32::digest(&bytes);
    let consequence = crate::rules::consequence_of(&kept, &terms);
    let seq = a.outcomes;
    if let Some(Consequence::Penalty { owed_by, .. }) = &consequence {
        ctx.state
            .put(&penalty_key(owed_by, &e.agreement, seq), &[])?;
    }
    if let Some(Consequence::Suspend) = &consequence {
        a.standing = Standing::Suspended;
        a.history.push((
            Standing::Suspended,
            ctx.height,
            format!("clause {}", e.clause),
        ));
    }
    let outcome = Outcome {
        clause: e.clause.clone(),
        height: ctx.height,
        at_ms: ctx.timestamp_ms,
        kept,
        facts: digest,
        consequence,
        tx_id: ctx.tx_id,
        member: ctx.sender.name.clone(),
        dispute: None,
        attested: None,
    };
    ctx.state
        .put(&outcome_key(&e.agreement, seq), &encode(&outcome))?;
    ctx.state.put(&facts_key(&e.agreement, seq), &bytes)?;
    let reads = crate::fact_proofs::ReadsRecord {
        agreement: e.agreement.clone(),
        outcome: seq,
        height: ctx.height,
        rows: reads.rows,
        scans: reads.scans,
        withheld: reads.withheld,
    };
    let reads_key = crate::fact_proofs::reads_key(&e.agreement, seq);
    ctx.state.put(reads_key.as_bytes(), &encode(&reads))?;
    // Kept past the tree's window, so the outcome's bundle can prove them for years.
    ctx.state.keep_proof(&facts_key(&e.agreement, seq));
    ctx.state.keep_proof(reads_key.as_bytes());
    for (key, _) in &reads.rows {
        ctx.state.keep_proof(key.as_bytes());
    }
    if let Some(c) = &outcome.consequence {
        // Every party learns of a breach, and so does whoever the consequence names.
        let mut to: std::collections::BTreeSet<String> =
            a.proposal.parties.iter().cloned().collect();
        match c {
            Consequence::Notify { to: named } => to.extend(named.iter().cloned()),
            Consequence::Escalate { to: member } => {
                to.insert(member.clone());
            }
            Consequence::Penalty { .. } | Consequence::Suspend => {}
        }
        let notice = Notice {
            kind: "agreement_breach".into(),
            agreement: e.agreement.clone(),
            title: a.proposal.title.clone(),
            outcome: seq,
            clause: e.clause.clone(),
            detail: serde_json::to_value(c).expect("a consequence serialises"),
        };
        notify(ctx, to, &notice)?;
    }
    a.outcomes += 1;
    a.evaluated
        .insert(e.clause.clone(), (ctx.height, ctx.timestamp_ms));
    Ok(ctx.state.put(&agreement_key(&e.agreement), &encode(&a))?)
}

/// Puts `notice` on the event stream of each of `to`, in name order.
fn notify(
    ctx: &mut ExecContext<'_, '_>,
    to: std::collections::BTreeSet<String>,
    notice: &Notice,
) -> Result<(), ExecError> {
    for (n, member) in to.iter().enumerate() {
        ctx.state
            .put(&notice_key(member, ctx.log_index, n), &encode(notice))?;
    }
    Ok(())
}

fn outcome_or_refuse(
    ctx: &ExecContext<'_, '_>,
    id: &str,
    seq: u64,
) -> Result<(AgreementRecord, Outcome), ExecError> {
    let a = agreement(&*ctx.state, id)?.ok_or_else(|| {
        refuse(
            Code::NotFound,
            format!("agreement: {id} is not on this ledger"),
        )
    })?;
    let o: Outcome = SPACE
        .get(&*ctx.state, &outcome_key(id, seq))?
        .ok_or_else(|| {
            refuse(
                Code::NotFound,
                format!("outcome: {id} has no outcome {seq}"),
            )
        })?;
    Ok((a, o))
}

fn contest(ctx: &mut ExecContext<'_, '_>, c: &Contest) -> Result<(), ExecError> {
    let (a, mut o) = outcome_or_refuse(ctx, &c.agreement, c.outcome)?;
    let me = ctx.sender.name.clone();
    if !a.proposal.parties.contains(&me) {
        return Err(refuse(
            Code::NotOwner,
            format!("agreement: {me} is not a party to {}", c.agreement),
        ));
    }
    if o.kept == Ok(true) {
        return Err(refuse(
            Code::BadTransition,
            format!(
                "outcome: {} found the clause kept; there is nothing to contest",
                c.outcome
            ),
        ));
    }
    if o.dispute.is_some() {
        return Err(refuse(
            Code::AlreadyExists,
            format!("outcome: {} is already contested", c.outcome),
        ));
    }
    o.dispute = Some(Dispute {
        by: me,
        reason: c.reason.clone(),
        height: ctx.height,
        decision: None,
    });
    let mut to: std::collections::BTreeSet<String> = a.proposal.parties.iter().cloned().collect();
    to.insert(a.proposal.arbiter.clone());
    let notice = Notice {
        kind: "agreement_contested".into(),
        agreement: c.agreement.clone(),
        title: a.proposal.title.clone(),
        outcome: c.outcome,
        clause: o.clause.clone(),
        detail: serde_json::json!({"reason": c.reason}),
    };
    notify(ctx, to, &notice)?;
    Ok(ctx
        .state
        .put(&outcome_key(&c.agreement, c.outcome), &encode(&o))?)
}

fn decide(ctx: &mut ExecContext<'_, '_>, d: &Decide) -> Result<(), ExecError> {
    let (mut a, mut o) = outcome_or_refuse(ctx, &d.agreement, d.outcome)?;
    if ctx.sender.name != a.proposal.arbiter {
        return Err(refuse(
            Code::NotOwner,
            format!(
                "agreement: only its arbiter ({}) decides its disputes",
                a.proposal.arbiter
            ),
        ));
    }
    let Some(dispute) = o.dispute.as_mut() else {
        return Err(refuse(
            Code::BadTransition,
            format!("outcome: {} is not contested", d.outcome),
        ));
    };
    if dispute.decision.is_some() {
        return Err(refuse(
            Code::AlreadyExists,
            format!("outcome: {} is already decided", d.outcome),
        ));
    }
    dispute.decision = Some((d.uphold, d.reason.clone(), ctx.height));
    let notice = Notice {
        kind: "agreement_decided".into(),
        agreement: d.agreement.clone(),
        title: a.proposal.title.clone(),
        outcome: d.outcome,
        clause: o.clause.clone(),
        detail: serde_json::json!({"upheld": d.uphold, "reason": d.reason}),
    };
    notify(ctx, a.proposal.parties.iter().cloned().collect(), &notice)?;
    if !d.uphold {
        match &o.consequence {
            Some(Consequence::Penalty { owed_by, .. }) => {
                ctx.state
                    .delete(&penalty_key(owed_by, &d.agreement, d.outcome))?;
            }
            Some(Consequence::Suspend) if a.standing == Standing::Suspended => {
                a.standing = Standing::InForce;
                a.history.push((
                    Standing::InForce,
                    ctx.height,
                    format!("outcome {} overturned by {}", d.outcome, a.proposal.arbiter),
                ));
                ctx.state.put(&agreement_key(&d.agreement), &encode(&a))?;
            }
            _ => {}
        }
    }
    Ok(ctx
        .state
        .put(&outcome_key(&d.agreement, d.outcome), &encode(&o))?)
}

fn attest(ctx: &mut ExecContext<'_, '_>, t: &Attest) -> Result<(), ExecError> {
    let (_, mut o) = outcome_or_refuse(ctx, &t.agreement, t.outcome)?;
    if let Some(tx) = o.attested {
        return Err(refuse(
            Code::AlreadyExists,
            format!("outcome: {} was attested by {tx}", t.outcome),
        ));
    }
    let recorded = [
        ("evaluation", o.tx_id.to_string(), t.evaluation.clone()),
        ("clause", o.clause.clone(), t.clause.clone()),
        ("height", o.height.to_string(), t.height.to_string()),
        ("at_ms", o.at_ms.to_string(), t.at_ms.to_string()),
        ("facts", o.facts.to_hex(), t.facts.clone()),
        (
            "result",
            format!("{:?}", Verdict::of(&o.kept)),
            format!("{:?}", t.result),
        ),
    ];
    if let Some((field, ours, theirs)) = recorded.into_iter().find(|(_, a, b)| a != b) {
        return Err(refuse(
            Code::OutcomeMismatch,
            format!(
                "{field}: outcome {} recorded {ours}, the attestation says {theirs}",
                t.outcome
            ),
        ));
    }
    o.attested = Some(ctx.tx_id);
    Ok(ctx
        .state
        .put(&outcome_key(&t.agreement, t.outcome), &encode(&o))?)
}
