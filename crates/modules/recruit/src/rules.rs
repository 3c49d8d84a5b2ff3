//! Contract substitution: the contract registered at destination compared with the offer
//! the worker accepted at origin, term by term. Every term that is worse for the worker is
//! one [`Substitution`], naming the term, both values and the rule; a term that is the same
//! or better is not. Pure and deterministic: every validator computes the same list.
//!
//! The rules, one per term (`term` is the field's path in [`Terms`]):
//!
//! | term | worse when the contract's |
//! | --- | --- |
//! | `employer`, `position`, `workplace.country`, `workplace.city` | differs |
//! | `wage.currency`, `wage.period` | differs (the wage can no longer be compared) |
//! | `wage.amount` | is lower (same currency and period) |
//! | `hours_per_week` | is higher |
//! | `overtime_rate_percent` | is lower |
//! | `rest_days_per_week` | is lower |
//! | `deductions.{name}` | is not in the offer, or its cap is higher |
//! | `accommodation`, `food` | is charged where the offer was free, charged more, or not provided where the offer provided it |
//! | `contract_months` | differs (shorter or longer: the worker agreed to this term) |
//! | `worker_fees` | is higher |
//!
//! The language is recorded, not compared: a contract in another language is not worse
//! by itself. Fees charged to the worker at all break the Employer Pays Principle; that is
//! [`fee_violation`], raised on the offer and on the contract alike.

use crate::terms::{Provision, Terms, hours, money};
use serde::{Deserialize, Serialize};

/// One term of the contract worse for the worker than the offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Substitution {
    /// The term's path in the terms (`wage.amount`, `deductions.loan`).
    pub term: String,
    /// The offer's value, for people.
    pub offered: String,
    /// The contract's value, for people.
    pub contracted: String,
    /// Why it is worse.
    pub rule: String,
}

fn provision(p: &Provision, currency: &str) -> String {
    match p {
        Provision::Free => "free".into(),
        Provision::Charged(m) => format!("charged {} a month", money(*m, currency)),
        Provision::NotProvided => "not provided".into(),
    }
}

/// Whether `contract`'s provision is worse than `offer`'s.
fn provision_worse(offer: &Provision, contract: &Provision) -> bool {
    match (offer, contract) {
        (Provision::Free, Provision::Free) => false,
        (Provision::Free, _) => true,
        (Provision::Charged(a), Provision::Charged(b)) => b > a,
        (Provision::Charged(_), Provision::Free) => false,
        (Provision::Charged(_), Provision::NotProvided) => true,
        (Provision::NotProvided, _) => false,
    }
}

/// Every term of `contract` worse for the worker than `offer`, in the order of the table.
pub fn substitutions(offer: &Terms, contract: &Terms) -> Vec<Substitution> {
    let mut out = Vec::new();
    let mut push = |term: &str, offered: String, contracted: String, rule: &str| {
        out.push(Substitution {
            term: term.into(),
            offered,
            contracted,
            rule: rule.into(),
        });
    };
    let cur = &offer.wage.currency;
    for (term, a, b) in [
        ("employer", &offer.employer, &contract.employer),
        ("position", &offer.position, &contract.position),
        (
            "workplace.country",
            &offer.workplace.country,
            &contract.workplace.country,
        ),
        (
            "workplace.city",
            &offer.workplace.city,
            &contract.workplace.city,
        ),
    ] {
        if a != b {
            push(
                term,
                a.clone(),
                b.clone(),
                "differs from the offer the worker accepted",
            );
        }
    }
    let comparable =
        offer.wage.currency == contract.wage.currency && offer.wage.period == contract.wage.period;
    if offer.wage.currency != contract.wage.currency {
        push(
            "wage.currency",
            offer.wage.currency.clone(),
            contract.wage.currency.clone(),
            "another currency: the wage is not the one offered",
        );
    }
    if offer.wage.period != contract.wage.period {
        push(
            "wage.period",
            format!("{:?}", offer.wage.period).to_lowercase(),
            format!("{:?}", contract.wage.period).to_lowercase(),
            "paid per another period: the wage is not the one offered",
        );
    }
    if comparable && contract.wage.amount < offer.wage.amount {
        push(
            "wage.amount",
            money(offer.wage.amount, cur),
            money(contract.wage.amount, cur),
            "lower than offered",
        );
    }
    if contract.hours_per_week > offer.hours_per_week {
        push(
            "hours_per_week",
            hours(offer.hours_per_week),
            hours(contract.hours_per_week),
            "more ordinary hours than offered",
        );
    }
    if contract.overtime_rate_percent < offer.overtime_rate_percent {
        push(
            "overtime_rate_percent",
            format!("{} %", offer.overtime_rate_percent),
            format!("{} %", contract.overtime_rate_percent),
            "overtime paid at a lower rate than offered",
        );
    }
    if contract.rest_days_per_week < offer.rest_days_per_week {
        push(
            "rest_days_per_week",
            offer.rest_days_per_week.to_string(),
            contract.rest_days_per_week.to_string(),
            "fewer rest days than offered",
        );
    }
    for d in &contract.deductions {
        match offer.deductions.iter().find(|o| o.name == d.name) {
            None => push(
                &format!("deductions.{}", d.name),
                "not in the offer".into(),
                format!("up to {}", money(d.cap, cur)),
                "a deduction the offer did not allow",
            ),
            Some(o) if d.cap > o.cap => push(
                &format!("deductions.{}", d.name),
                format!("up to {}", money(o.cap, cur)),
                format!("up to {}", money(d.cap, cur)),
                "a larger deduction than the offer allowed",
            ),
            Some(_) => {}
        }
    }
    for (term, a, b) in [
        (
            "accommodation",
            &offer.accommodation,
            &contract.accommodation,
        ),
        ("food", &offer.food, &contract.food),
    ] {
        if provision_worse(a, b) {
            push(
                term,
                provision(a, cur),
                provision(b, cur),
                "worse than offered",
            );
        }
    }
    if contract.contract_months != offer.contract_months {
        push(
            "contract_months",
            offer.contract_months.to_string(),
            contract.contract_months.to_string(),
            "another length than the worker agreed to",
        );
    }
    if contract.worker_fees > offer.worker_fees {
        push(
            "worker_fees",
            money(offer.worker_fees, cur),
            money(contract.worker_fees, &contract.wage.currency),
            "more fees charged to the worker than offered",
        );
    }
    out
}

/// The Employer Pays Principle: any recruitment fee or cost charged to the worker is a
/// violation, whatever the offer said. `None` when the terms charge nothing.
pub fn fee_violation(terms: &Terms) -> Option<Substitution> {
    (terms.worker_fees > 0).then(|| Substitution {
        term: "worker_fees".into(),
        offered: money(0, &terms.wage.currency),
        contracted: money(terms.worker_fees, &terms.wage.currency),
        rule: "a recruitment fee or cost charged to the worker (Employer Pays Principle: the employer pays)".into(),
    })
}
