//! Findings of forced labour, their corrective-action plans and their verification.
//!
//! A finding names one of the ILO's eleven indicators of forced labour (ILO, *Indicators of
//! Forced Labour*, 2012), a severity, what it is about — a facility, or goods (a lot, an
//! item, a logistic unit) — and its evidence as a custody item or a hash: never the
//! evidence itself, never personal data. From the block that records it, the finding
//! flags every lot and item downstream ([`crate::rules`]). The facility's operator (or
//! the member that registered the facility) answers with a plan; only the finding's author
//! can verify it, and a verified plan clears exactly what the finding flagged.

use crate::body::{check_actor_opt, date, facility_id};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unchain_epcis::event::Identifier;
use unchain_types::body::{BodyError, check_text, parse_body};
use unchain_types::{Hash32, TxId};

/// The ILO's eleven indicators of forced labour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Abuse of vulnerability.
    AbuseOfVulnerability,
    /// Deception.
    Deception,
    /// Restriction of movement.
    RestrictionOfMovement,
    /// Isolation.
    Isolation,
    /// Physical and sexual violence.
    PhysicalAndSexualViolence,
    /// Intimidation and threats.
    IntimidationAndThreats,
    /// Retention of identity documents.
    RetentionOfIdentityDocuments,
    /// Withholding of wages.
    WithholdingOfWages,
    /// Debt bondage.
    DebtBondage,
    /// Abusive working and living conditions.
    AbusiveWorkingAndLivingConditions,
    /// Excessive overtime.
    ExcessiveOvertime,
}

impl Indicator {
    /// Every indicator, in the ILO's order.
    pub const ALL: [Indicator; 11] = [
        Indicator::AbuseOfVulnerability,
        Indicator::Deception,
        Indicator::RestrictionOfMovement,
        Indicator::Isolation,
        Indicator::PhysicalAndSexualViolence,
        Indicator::IntimidationAndThreats,
        Indicator::RetentionOfIdentityDocuments,
        Indicator::WithholdingOfWages,
        Indicator::DebtBondage,
        Indicator::AbusiveWorkingAndLivingConditions,
        Indicator::ExcessiveOvertime,
    ];

    /// The ILO's name for it.
    pub fn title(self) -> &'static str {
        match self {
            Indicator::AbuseOfVulnerability => "Abuse of vulnerability",
            Indicator::Deception => "Deception",
            Indicator::RestrictionOfMovement => "Restriction of movement",
            Indicator::Isolation => "Isolation",
            Indicator::PhysicalAndSexualViolence => "Physical and sexual violence",
            Indicator::IntimidationAndThreats => "Intimidation and threats",
            Indicator::RetentionOfIdentityDocuments => "Retention of identity documents",
            Indicator::WithholdingOfWages => "Withholding of wages",
            Indicator::DebtBondage => "Debt bondage",
            Indicator::AbusiveWorkingAndLivingConditions => "Abusive working and living conditions",
            Indicator::ExcessiveOvertime => "Excessive overtime",
        }
    }
}

/// How grave a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// An indicator seen, not yet forced labour.
    Low,
    /// Several indicators, or one that recurs.
    Medium,
    /// Forced labour likely.
    High,
    /// Forced labour established.
    Critical,
}

/// A finding's evidence: a reference, never the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence {
    /// An item in the custody module (`custody.collect`'s item id).
    CustodyItem(Hash32),
    /// The SHA-256 of a document the author keeps.
    Hash(Hash32),
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// A facility: everything it made (from `since`, if given) is flagged.
    Facility(String),
    /// Goods: a lot (`/01/{gtin}/10/{lot}`), an item, a logistic unit; canonical.
    Goods(String),
}

/// A finding, as signed by an auditor or a labour inspectorate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// What it is about.
    pub target: Target,
    /// The indicator.
    pub indicator: Indicator,
    /// How grave.
    pub severity: Severity,
    /// A public description: what was found, never who.
    pub description: String,
    /// The evidence.
    pub evidence: Evidence,
    /// The audit it came from (its `supply.audit` transaction), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<TxId>,
    /// For a facility: the first day the conditions held, `YYYY-MM-DD`; goods the facility
    /// made before it are not flagged. Absent: everything it made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Finding {
    pub(crate) fn parse(body: &Value) -> Result<Finding, BodyError> {
        let mut f: Finding = parse_body(body)?;
        f.target = match f.target {
            Target::Facility(id) => Target::Facility(facility_id("target.facility", &id)?),
            Target::Goods(id) => {
                let parsed = Identifier::parse(&id)
                    .map_err(|e| BodyError::new("target.goods", e.to_string()))?;
                if matches!(&parsed, Identifier::Gs1(g) if g.gtin().is_some() && matches!(g, unchain_epcis::gs1::Gs1Id::Gtin { .. }))
                {
                    return Err(BodyError::new(
                        "target.goods",
                        "names every instance of a product: name a lot (/10/) or an item (/21/)",
                    ));
                }
                Target::Goods(parsed.canonical())
            }
        };
        check_text("description", &f.description)?;
        check_actor_opt(&f.actor)?;
        if let Some(since) = &f.since {
            if matches!(f.target, Target::Goods(_)) {
                return Err(BodyError::new("since", "applies only to a facility"));
            }
            date("since", since)?;
        }
        Ok(f)
    }

    /// Milliseconds at the start of [`Finding::since`], if given.
    pub fn since_ms(&self) -> Option<i64> {
        self.since.as_deref().and_then(|s| date("since", s).ok())
    }
}

/// A corrective-action plan answering a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The finding.
    pub finding: TxId,
    /// What will be done (public, no personal data).
    pub actions: String,
    /// When it will be done, `YYYY-MM-DD`.
    pub due: String,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Plan {
    pub(crate) fn parse(body: &Value) -> Result<Plan, BodyError> {
        let p: Plan = parse_body(body)?;
        check_text("actions", &p.actions)?;
        check_actor_opt(&p.actor)?;
        date("due", &p.due)?;
        Ok(p)
    }
}

/// The finding's author checked the corrective action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The finding.
    pub finding: TxId,
    /// `true`: remediated, and the finding's flags are cleared. `false`: not (yet); the
    /// finding stays open and the operator may file a new plan.
    pub verified: bool,
    /// What was checked (public, no personal data).
    pub note: String,
    /// SHA-256 of the verification report, if it is kept off the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_hash: Option<Hash32>,
    /// The pseudonymous user who acted for the organisation, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl Verification {
    pub(crate) fn parse(body: &Value) -> Result<Verification, BodyError> {
        let v: Verification = parse_body(body)?;
        check_text("note", &v.note)?;
        check_actor_opt(&v.actor)?;
        Ok(v)
    }
}
