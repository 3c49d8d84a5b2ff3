//! An outcome's bundle, which anyone re-checks offline (`unchain verify agreement`). It
//! carries:
//!
//! - the agreement as proposed (`agree.propose`);
//! - every party's signature (`agree.sign`);
//! - each amendment in effect before the evaluation (`agree.amend`) with its signatures;
//! - the request to evaluate (`agree.evaluate`);
//! - the outcome as the validators attested it (`agree.attest`);
//! - each with its inclusion proof against one checkpoint the validators cosigned;
//! - the facts the clause read, as canonical JSON.
//!
//! [`verify`] checks the checkpoint and every entry, then replays the outcome. Every party
//! must have signed before the evaluation. The facts must be the ones the attestation
//! digested, at its height and time. The clause, compiled from the logged proposal, must
//! give the attested result over those facts. A change anywhere is refused, naming what
//! changed.
//!
//! With [`OutcomeBundle::fact_proofs`] it also proves where the facts came from: the facts
//! record and every row of ledger state the evaluation read, each against a state root the
//! validators cosigned ([`crate::fact_proofs`]). Bundles of outcomes recorded before the
//! rows were, or built by a node that can no longer prove them, carry none; then the facts
//! rest on the attestation alone, and the verifier says so.

use crate::body::{AgreeBody, Attest, ClauseTerms, Consequence, Propose, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_bundle::{Entry, EntryError, EntryRules, Envelope, EnvelopeError};
use unchain_log::{NamedKey, NoteVerifier};
use unchain_types::{Hash32, Transaction};

/// The format version this code writes and reads.
pub const OUTCOME_VERSION: u32 = 1;

/// An outcome's bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBundle {
    /// Version ([`OUTCOME_VERSION`]), chain, log, cosigned checkpoint, validator keys.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The agreement.
    pub agreement: String,
    /// The outcome's number.
    pub outcome: u64,
    /// The parties' and the evaluator's signing keys, as the issuing node knows them.
    pub members: Vec<NamedKey>,
    /// The proposal, the signatures, the evaluation and the attestation, in log order.
    pub entries: Vec<Entry>,
    /// The facts the clause read.
    pub facts: Value,
    /// The rows of state those facts came from, with their proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact_proofs: Option<crate::fact_proofs::FactProofs>,
}

/// What a bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rechecked {
    /// The agreement's title.
    pub title: String,
    /// Its parties.
    pub parties: Vec<String>,
    /// The clause, as proposed.
    pub clause: ClauseTerms,
    /// What the evaluation found, recomputed here.
    pub result: Verdict,
    /// Why it could not be evaluated, for an error.
    pub error: Option<String>,
    /// The consequence of a breach.
    pub consequence: Option<Consequence>,
    /// The height and block time of the evaluation.
    pub height: u64,
    /// Block time, ms.
    pub at_ms: u64,
    /// The facts' SHA-256.
    pub facts: Hash32,
    /// The checkpoint's size and root.
    pub tree_size: u64,
    /// Its root.
    pub root: Hash32,
    /// The validators whose cosignatures verified.
    pub signers: Vec<String>,
    /// The rows the facts came from, proven, when the bundle carries their proofs.
    pub fact_proofs: Option<crate::fact_proofs::ProvenFacts>,
}

/// Why a bundle proves nothing.
#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    /// The checkpoint does not verify.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// An entry is altered, not included, or not what its place needs.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// The entries verify, but the outcome does not follow from them.
    #[error("{0}")]
    Outcome(String),
}

fn body<T: serde::de::DeserializeOwned>(tx: &Transaction) -> Result<T, String> {
    serde_json::from_value(tx.body().clone()).map_err(|e| format!("its body: {e}"))
}

/// Verifies `b` against `trusted` validators (`quorum` of them) and `members`' keys, then
/// replays the outcome. `facts_trusted` are the validators (and quorum) of the checkpoint
/// of `b`'s fact proofs, which may be of an earlier epoch than the bundle's (`None`: the
/// same as the bundle's).
pub fn verify(
    b: &OutcomeBundle,
    trusted: &[NoteVerifier],
    quorum: usize,
    members: &[NamedKey],
    facts_trusted: Option<(&[NoteVerifier], usize)>,
) -> Result<Rechecked, RecheckError> {
    let opened = b.envelope.open(OUTCOME_VERSION, trusted, quorum)?;
    let name_of = |tx: &Transaction| {
        members
            .iter()
            .find(|m| m.key == *tx.sender())
            .map(|m| m.name.clone())
    };
    let mut proposal: Option<Propose> = None;
    let mut signed: Vec<String> = Vec::new();
    // An amendment waiting for signatures: its body, whose signatures it needs, who signed.
    let mut pending: Option<(crate::body::Amend, Vec<String>, Vec<String>)> = None;
    let mut ended = false;
    // The parties first proposed, and the terms in effect when the clause was evaluated.
    let mut first_parties: Vec<String> = Vec::new();
    let mut at_evaluation: Option<Propose> = None;
    let mut evaluation: Option<(String, String)> = None;
    let mut attest: Option<Attest> = None;
    let last = b.entries.len();
    let rules = EntryRules {
        check_signature: true,
        in_log_order: true,
        altered: "the transaction was altered after it was logged",
    };
    unchain_bundle::entries(
        &b.entries,
        |e| e,
        &opened,
        &b.envelope.chain_id,
        rules,
        |number, _, tx| {
            let who = name_of(&tx).ok_or("signed by a key of no member the bundle names")?;
            match (number, tx.kind()) {
                (1, "agree.propose") => {
                    let p: Propose = match AgreeBody::parse("agree.propose", tx.body()) {
                        Ok(AgreeBody::Propose(p, _)) => p,
                        Ok(_) => return Err("not a proposal".into()),
                        Err(e) => return Err(format!("the proposal does not check: {e}")),
                    };
                    if p.agreement != b.agreement {
                        return Err(format!(
                            "it proposes {}, the bundle is for {}",
                            p.agreement, b.agreement
                        ));
                    }
                    if !p.parties.contains(&who) {
                        return Err(format!("{who} proposed it but is not a party"));
                    }
                    signed.push(who);
                    first_parties = p.parties.clone();
                    proposal = Some(p);
                    Ok(())
                }
                (1, kind) => Err(format!("{kind}: the first entry must be the proposal")),
                (n, "agree.attest") if n == last => {
                    let a: Attest = body(&tx)?;
                    if (a.agreement.as_str(), a.outcome) != (b.agreement.as_str(), b.outcome) {
                        return Err(format!(
                            "it attests outcome {} of {}, the bundle is for outcome {} of {}",
                            a.outcome, a.agreement, b.outcome, b.agreement
                        ));
                    }
                    attest = Some(a);
                    Ok(())
                }
                (_, "agree.sign") => {
                    let s: crate::body::Sign = body(&tx)?;
                    if s.agreement != b.agreement {
                        return Err(format!("it signs {}", s.agreement));
                    }
                    if let Some(number) = s.amendment {
                        let Some((m, needs, by)) = pending.as_mut() else {
                            return Err(format!(
                                "it signs amendment {number}, which waits for no one"
                            ));
                        };
                        if m.amendment != number || !needs.contains(&who) || by.contains(&who) {
                            return Err(format!(
                                "not a needed signature of amendment {}",
                                m.amendment
                            ));
                        }
                        by.push(who);
                        if needs.iter().all(|n| by.contains(n)) {
                            let (m, _, _) = pending.take().expect("pending");
                            match m.terms {
                                Some(t) => proposal = Some(t),
                                None => ended = true,
                            }
                        }
                        return Ok(());
                    }
                    let parties = proposal.as_ref().map(|p| &p.parties);
                    if !parties.is_some_and(|p| p.contains(&who)) {
                        return Err(format!("not a party's signature of {}", b.agreement));
                    }
                    signed.push(who);
                    Ok(())
                }
                (_, "agree.amend") => {
                    let m = match AgreeBody::parse("agree.amend", tx.body()) {
                        Ok(AgreeBody::Amend(m, _)) => m,
                        Ok(_) => return Err("not an amendment".into()),
                        Err(e) => return Err(format!("the amendment does not check: {e}")),
                    };
                    let current = proposal
                        .as_ref()
                        .ok_or("an amendment before the proposal")?;
                    if m.agreement != b.agreement
                        || !current.parties.contains(&who)
                        || pending.is_some()
                    {
                        return Err(format!(
                            "not an amendment a party of {} could make here",
                            b.agreement
                        ));
                    }
                    let mut needs = current.parties.clone();
                    for p in m.terms.iter().flat_map(|t| &t.parties) {
                        if !needs.contains(p) {
                            needs.push(p.clone());
                        }
                    }
                    let by = vec![who];
                    if needs.iter().all(|n| by.contains(n)) {
                        match m.terms {
                            Some(t) => proposal = Some(t),
                            None => ended = true,
                        }
                    } else {
                        pending = Some((m, needs, by));
                    }
                    Ok(())
                }
                (_, "agree.evaluate") => {
                    let e: crate::body::Evaluate = body(&tx)?;
                    if e.agreement != b.agreement {
                        return Err(format!("it evaluates {}", e.agreement));
                    }
                    if ended {
                        return Err("the agreement had ended".into());
                    }
                    at_evaluation = proposal.clone();
                    evaluation = Some((tx.id().to_string(), e.clause));
                    Ok(())
                }
                (_, kind) => Err(format!("{kind} has no place in an outcome's bundle")),
            }
        },
    )?;
    let fail = |why: String| RecheckError::Outcome(why);
    let p = at_evaluation.ok_or_else(|| fail("the bundle holds no evaluation request".into()))?;
    let a = attest.ok_or_else(|| fail("the bundle's last entry is not the attestation".into()))?;
    let (evaluation, asked) =
        evaluation.ok_or_else(|| fail("the bundle holds no evaluation request".into()))?;
    if let Some(missing) = first_parties.iter().find(|party| !signed.contains(party)) {
        return Err(fail(format!(
            "{missing} never signed: the agreement was not in force"
        )));
    }
    if (evaluation.as_str(), asked.as_str()) != (a.evaluation.as_str(), a.clause.as_str()) {
        return Err(fail(format!(
            "the attestation is of evaluation {} of clause {}, the bundle carries {evaluation} of {asked}",
            a.evaluation, a.clause
        )));
    }
    let facts = recheck_facts(&a, &b.facts).map_err(fail)?;
    let (terms, result, error) = replay(&p, &a, &b.facts).map_err(fail)?;
    let consequence = (result == Verdict::Breached).then(|| terms.consequence.clone());
    let fact_proofs = match &b.fact_proofs {
        Some(p) => {
            let (trusted, quorum) = facts_trusted.unwrap_or((trusted, quorum));
            Some(
                crate::fact_proofs::verify(
                    p,
                    &b.envelope,
                    &opened.checkpoint.root,
                    trusted,
                    quorum,
                    (&b.agreement, b.outcome, a.height),
                    &b.facts,
                )
                .map_err(fail)?,
            )
        }
        None => None,
    };
    Ok(Rechecked {
        title: p.title.clone(),
        parties: p.parties.clone(),
        clause: terms,
        result,
        error,
        consequence,
        height: a.height,
        at_ms: a.at_ms,
        facts,
        tree_size: opened.checkpoint.size,
        root: opened.checkpoint.root,
        signers: opened.signers,
        fact_proofs,
    })
}

/// The facts' digest, checked against the attestation's, and their height and time.
pub fn recheck_facts(a: &Attest, facts: &Value) -> Result<Hash32, String> {
    let bytes = unchain_types::canonical::to_canonical_bytes(facts)
        .map_err(|e| format!("the facts cannot be put in canonical JSON: {e}"))?;
    let digest = Hash32::digest(&bytes);
    if digest.to_hex() != a.facts {
        return Err(format!(
            "the facts changed: their SHA-256 is {digest}, the attested outcome read facts {}",
            a.facts
        ));
    }
    for (fact, attested) in [("height", a.height), ("now", a.at_ms)] {
        if facts.get(fact).and_then(Value::as_u64) != Some(attested) {
            return Err(format!(
                "the facts' {fact} is {}, the outcome's is {attested}",
                facts.get(fact).unwrap_or(&Value::Null)
            ));
        }
    }
    Ok(digest)
}

/// Evaluates the attested clause of `p` over `facts` and checks the attested result: the
/// clause's terms, the result and, for an error, why.
pub fn replay(
    p: &Propose,
    a: &Attest,
    facts: &Value,
) -> Result<(ClauseTerms, Verdict, Option<String>), String> {
    let terms = p
        .clauses
        .iter()
        .find(|c| c.id == a.clause)
        .cloned()
        .ok_or_else(|| format!("the agreement has no clause {}", a.clause))?;
    let schema = crate::schema::version(p.schema)
        .ok_or_else(|| format!("fact schema version {} is unknown here", p.schema))?;
    let clause = crate::Clause::compile(&terms.cel, &schema)
        .map_err(|e| format!("clause {}: {e}", a.clause))?;
    let kept = clause.evaluate(&schema, facts);
    let result = Verdict::of(&kept);
    if result != a.result {
        return Err(format!(
            "the outcome does not follow: over these facts clause {} is {}, the attested outcome says {}",
            a.clause,
            verdict_word(result),
            verdict_word(a.result)
        ));
    }
    Ok((terms, result, kept.err()))
}

/// The result in words.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Kept => "kept",
        Verdict::Breached => "breached",
        Verdict::Error => "not evaluable",
    }
}

#[cfg(feature = "ledger")]
/// Builds outcome `seq` of agreement `id`'s bundle against the cosigned `checkpoint` of
/// size `tree_size`. `None` if the outcome does not exist or is not attested, or if the
/// checkpoint does not cover its attestation yet.
pub fn build(
    ledger: &unchain_ledger::Ledger,
    id: &str,
    seq: u64,
    checkpoint: String,
    tree_size: u64,
) -> Result<Option<OutcomeBundle>, unchain_ledger::LedgerError> {
    let reader = ledger.state_reader()?;
    let (Some(a), Some(o)) = (
        crate::state::agreement(&reader, id)?,
        crate::state::outcome(&reader, id, seq)?,
    ) else {
        return Ok(None);
    };
    let Some(attested) = o.attested else {
        return Ok(None);
    };
    let Some(facts) = crate::state::outcome_facts(&reader, id, seq)? else {
        return Ok(None);
    };
    let mut txs = vec![a.proposed_tx];
    txs.extend(a.signed_txs.iter().copied());
    // The amendments in effect when the clause was evaluated: its terms are theirs.
    for m in &a.amendments {
        if m.applied.is_some_and(|h| h <= o.height) {
            txs.extend(m.txs.iter().copied());
        }
    }
    txs.extend([o.tx_id, attested]);
    let mut entries = Vec::new();
    for tx in txs {
        let Some(unchain_ledger::TxRecord::Committed { log_index, .. }) = ledger.tx(&tx)? else {
            return Ok(None);
        };
        if log_index >= tree_size {
            return Ok(None);
        }
        let leaf = ledger
            .leaf(log_index)?
            .expect("a committed transaction is in the log");
        entries.push(Entry {
            leaf_index: log_index,
            leaf: String::from_utf8(leaf).expect("leaves are JCS JSON"),
            proof: ledger.inclusion_proof(log_index, tree_size)?,
        });
    }
    entries.sort_by_key(|e| e.leaf_index);
    // The keys that signed the entries, named: no other member's.
    let signers: Vec<unchain_types::PublicKey> = entries
        .iter()
        .filter_map(|e| Transaction::parse(e.leaf.as_bytes()).ok())
        .map(|tx| *tx.sender())
        .collect();
    let members = ledger
        .members()?
        .into_iter()
        .filter(|m| signers.contains(&m.signing_key))
        .map(|m| NamedKey {
            name: m.name,
            key: m.signing_key,
        })
        .collect();
    let fact_proofs =
        crate::fact_proofs::build(ledger, (id, seq, o.height), &checkpoint, tree_size)?;
    Ok(Some(OutcomeBundle {
        envelope: ledger.bundle_envelope(OUTCOME_VERSION, checkpoint, tree_size)?,
        agreement: id.to_owned(),
        outcome: seq,
        members,
        entries,
        facts: serde_json::from_slice(&facts).expect("stored facts are JSON"),
        fact_proofs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn proposal() -> Propose {
        serde_json::from_value(json!({
            "agreement": "a-00000000000000000001", "title": "Employer pays",
            "parties": ["gb-brand", "np-agency"], "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "employer-pays", "text": "no fee", "cel": "recruit.fees.all(f, f.owed == 0)",
                "every_blocks": 1, "consequence": {"kind": "suspend"}}]
        }))
        .expect("proposal")
    }

    fn facts(owed: i64) -> Value {
        json!({"now": 5000, "height": 7, "today": "1970-01-01", "parties": [],
            "supply": {"facilities": [], "findings": [], "audits": []},
            "recruit": {"fees": [{"recruiter": "np-agency", "worker": "w-1", "amount": 90000,
                "currency": "NPR", "owed": owed, "status": "charged"}],
                "wage_findings": [], "passports_held": [], "voice": []}})
    }

    fn attest(facts: &Value, result: Verdict) -> Attest {
        let digest =
            Hash32::digest(&unchain_types::canonical::to_canonical_bytes(facts).expect("jcs"));
        Attest {
            agreement: "a-00000000000000000001".into(),
            outcome: 0,
            evaluation: "00".repeat(32),
            clause: "employer-pays".into(),
            height: 7,
            at_ms: 5000,
            facts: digest.to_hex(),
            result,
        }
    }

    #[test]
    fn an_outcome_follows_from_its_facts_and_a_wrong_one_is_named() {
        let owed = facts(90000);
        let a = attest(&owed, Verdict::Breached);
        assert!(recheck_facts(&a, &owed).is_ok());
        let (_, result, _) = replay(&proposal(), &a, &owed).expect("follows");
        assert_eq!(result, Verdict::Breached);
        // An attestation that says kept over the same facts does not follow.
        let wrong = attest(&owed, Verdict::Kept);
        let why = replay(&proposal(), &wrong, &owed).expect_err("wrong result");
        assert!(
            why.contains("is breached, the attested outcome says kept"),
            "{why}"
        );
        // Facts edited after the fact no longer match the digest.
        let why = recheck_facts(&a, &facts(0)).expect_err("facts changed");
        assert!(why.starts_with("the facts changed"), "{why}");
        // Facts of another height, even with a digest to match, are named.
        let mut other = owed.clone();
        other["height"] = json!(8);
        let why = recheck_facts(&attest(&other, Verdict::Breached), &other).expect_err("height");
        assert!(why.contains("height is 8"), "{why}");
    }
}
