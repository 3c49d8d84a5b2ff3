//! The status workflow of each kind of case, as one table the ledger enforces.
//!
//! | kind | from → to | needs |
//! |------|-----------|-------|
//! | allegation | received → under_assessment → substantiated / unsubstantiated; substantiated → closed | `outcome` to close |
//! | investigation | open → active ⇄ suspended; active → closed; closed → active (reopened) | `outcome` to close |
//! | rescue | planned → approved → executed → debriefed; planned / approved → cancelled | `outcome` to execute |
//! | case (HTCDS `cas_Status`) | Active ⇄ FollowUp; Active / FollowUp → Closed / ClosedReferred; Closed → Active | `outcome` to close; a referral before ClosedReferred |

use serde::{Deserialize, Serialize};

/// What a case record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A report that trafficking may have happened, to be assessed.
    Allegation,
    /// A law-enforcement investigation.
    Investigation,
    /// A rescue operation.
    Rescue,
    /// A victim-assistance case in the HTCDS sense.
    Case,
}

impl CaseKind {
    /// Its name on the wire: `allegation`, `investigation`, `rescue`, `case`.
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Allegation => "allegation",
            CaseKind::Investigation => "investigation",
            CaseKind::Rescue => "rescue",
            CaseKind::Case => "case",
        }
    }

    /// The status a new case of this kind starts in.
    pub fn initial(self) -> &'static str {
        match self {
            CaseKind::Allegation => "received",
            CaseKind::Investigation => "open",
            CaseKind::Rescue => "planned",
            CaseKind::Case => "Active",
        }
    }

    /// Every status of this kind.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            CaseKind::Allegation => &[
                "received",
                "under_assessment",
                "substantiated",
                "unsubstantiated",
                "closed",
            ],
            CaseKind::Investigation => &["open", "active", "suspended", "closed"],
            CaseKind::Rescue => &["planned", "approved", "executed", "debriefed", "cancelled"],
            CaseKind::Case => &["Active", "FollowUp", "Closed", "ClosedReferred"],
        }
    }
}

/// What a transition requires beyond being allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing.
    Nothing,
    /// An `outcome`.
    Outcome,
    /// An `outcome`, and a referral already on record.
    OutcomeAndReferral,
}

const TABLE: &[(CaseKind, &str, &str, Needs)] = &[
    (
        CaseKind::Allegation,
        "received",
        "under_assessment",
        Needs::Nothing,
    ),
    (
        CaseKind::Allegation,
        "under_assessment",
        "substantiated",
        Needs::Nothing,
    ),
    (
        CaseKind::Allegation,
        "under_assessment",
        "unsubstantiated",
        Needs::Outcome,
    ),
    (
        CaseKind::Allegation,
        "substantiated",
        "closed",
        Needs::Outcome,
    ),
    (CaseKind::Investigation, "open", "active", Needs::Nothing),
    (
        CaseKind::Investigation,
        "active",
        "suspended",
        Needs::Nothing,
    ),
    (
        CaseKind::Investigation,
        "suspended",
        "active",
        Needs::Nothing,
    ),
    (CaseKind::Investigation, "active", "closed", Needs::Outcome),
    (
        CaseKind::Investigation,
        "suspended",
        "closed",
        Needs::Outcome,
    ),
    (CaseKind::Investigation, "closed", "active", Needs::Nothing),
    (CaseKind::Rescue, "planned", "approved", Needs::Nothing),
    (CaseKind::Rescue, "approved", "executed", Needs::Outcome),
    (CaseKind::Rescue, "executed", "debriefed", Needs::Nothing),
    (CaseKind::Rescue, "planned", "cancelled", Needs::Outcome),
    (CaseKind::Rescue, "approved", "cancelled", Needs::Outcome),
    (CaseKind::Case, "Active", "FollowUp", Needs::Nothing),
    (CaseKind::Case, "FollowUp", "Active", Needs::Nothing),
    (CaseKind::Case, "Active", "Closed", Needs::Outcome),
    (CaseKind::Case, "FollowUp", "Closed", Needs::Outcome),
    (
        CaseKind::Case,
        "Active",
        "ClosedReferred",
        Needs::OutcomeAndReferral,
    ),
    (
        CaseKind::Case,
        "FollowUp",
        "ClosedReferred",
        Needs::OutcomeAndReferral,
    ),
    (CaseKind::Case, "Closed", "Active", Needs::Nothing),
];

/// Outcomes a closing transition may name, by kind.
pub fn outcomes(kind: CaseKind) -> &'static [&'static str] {
    match kind {
        CaseKind::Allegation => &[
            "investigation_opened",
            "referred_to_services",
            "no_trafficking_indicators",
            "insufficient_information",
            "duplicate",
        ],
        CaseKind::Investigation => &[
            "charges_filed",
            "referred_to_prosecution",
            "no_charges",
            "insufficient_evidence",
            "transferred_to_other_agency",
        ],
        CaseKind::Rescue => &["completed", "partially_completed", "aborted", "called_off"],
        CaseKind::Case => &[
            "support_completed",
            "referred",
            "lost_contact",
            "declined_services",
            "deceased",
            "other",
        ],
    }
}

/// Whether `from → to` is allowed for `kind`, and what it needs; otherwise the statuses
/// reachable from `from`, for the error message.
pub fn transition(kind: CaseKind, from: &str, to: &str) -> Result<Needs, Vec<&'static str>> {
    TABLE
        .iter()
        .find(|(k, f, t, _)| *k == kind && *f == from && *t == to)
        .map(|(_, _, _, n)| *n)
        .ok_or_else(|| {
            TABLE
                .iter()
                .filter(|(k, f, _, _)| *k == kind && *f == from)
                .map(|(_, _, t, _)| *t)
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_in_the_table_is_a_status_of_its_kind_and_reachable() {
        for (kind, from, to, _) in TABLE {
            assert!(kind.statuses().contains(from), "{kind:?} {from}");
            assert!(kind.statuses().contains(to), "{kind:?} {to}");
        }
        for kind in [
            CaseKind::Allegation,
            CaseKind::Investigation,
            CaseKind::Rescue,
            CaseKind::Case,
        ] {
            for s in kind.statuses() {
                let reachable =
                    *s == kind.initial() || TABLE.iter().any(|(k, _, t, _)| *k == kind && t == s);
                assert!(reachable, "{kind:?} status {s} cannot be reached");
            }
        }
    }
}
