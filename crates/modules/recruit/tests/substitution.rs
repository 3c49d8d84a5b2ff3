//! Contract substitution, term by term: a contract worse for the worker on one term is
//! flagged on exactly that term, naming both values and the rule; the same or better is not.

use proptest::prelude::*;
use serde_json::{Value, json};
use unchain_recruit::rules::{fee_violation, substitutions};
use unchain_recruit::terms::{Deduction, Period, Provision, Terms};
use unchain_types::body::parse_body;

/// A Nepal → Qatar offer as a recruiter in Kathmandu would register it.
fn offer_json() -> Value {
    json!({
        "employer": "qa-doha-build",
        "position": "Construction labourer",
        "workplace": {"country": "QA", "city": "Doha"},
        "wage": {"amount": 150000, "currency": "QAR", "period": "month"},
        "hours_per_week": 48,
        "overtime_rate_percent": 125,
        "rest_days_per_week": 1,
        "deductions": [{"name": "social_insurance", "cap": 5000}],
        "accommodation": "free",
        "food": {"charged": 20000},
        "contract_months": 24,
        "language": "ne"
    })
}

fn offer() -> Terms {
    let t: Terms = parse_body(&offer_json()).expect("the offer reads");
    t.check("terms").expect("the offer is valid");
    t
}

fn flagged(contract: &Terms) -> Vec<String> {
    substitutions(&offer(), contract)
        .into_iter()
        .map(|s| s.term)
        .collect()
}

#[test]
fn terms_read_back_as_written() {
    // Stored terms are read again when the contract comes: they must be the same terms.
    for hours in [json!(48), json!("37.5"), json!("40.0"), json!(1)] {
        let mut v = offer_json();
        v["hours_per_week"] = hours.clone();
        let t: Terms = parse_body(&v).expect("reads");
        let again: Terms =
            parse_body(&serde_json::to_value(&t).expect("writes")).expect("reads back");
        assert_eq!(again, t, "{hours}");
    }
}

#[test]
fn the_same_contract_is_not_a_substitution() {
    assert!(substitutions(&offer(), &offer()).is_empty());
}

#[test]
fn each_worse_term_is_flagged_alone_with_both_values() {
    type Change = fn(&mut Terms);
    let cases: [(&str, Change, &str, &str); 16] = [
        (
            "employer",
            |t| t.employer = "qa-other-co".into(),
            "qa-doha-build",
            "qa-other-co",
        ),
        (
            "position",
            |t| t.position = "Cleaner".into(),
            "Construction labourer",
            "Cleaner",
        ),
        (
            "workplace.country",
            |t| t.workplace.country = "SA".into(),
            "QA",
            "SA",
        ),
        (
            "workplace.city",
            |t| t.workplace.city = "Al Khor".into(),
            "Doha",
            "Al Khor",
        ),
        (
            "wage.amount",
            |t| t.wage.amount = 100000,
            "1500.00 QAR",
            "1000.00 QAR",
        ),
        ("hours_per_week", |t| t.hours_per_week = 600, "48", "60"),
        (
            "overtime_rate_percent",
            |t| t.overtime_rate_percent = 100,
            "125 %",
            "100 %",
        ),
        ("rest_days_per_week", |t| t.rest_days_per_week = 0, "1", "0"),
        (
            "deductions.recruitment_loan",
            |t| {
                t.deductions.push(Deduction {
                    name: "recruitment_loan".into(),
                    cap: 30000,
                })
            },
            "not in the offer",
            "up to 300.00 QAR",
        ),
        (
            "deductions.social_insurance",
            |t| t.deductions[0].cap = 9000,
            "up to 50.00 QAR",
            "up to 90.00 QAR",
        ),
        (
            "accommodation",
            |t| t.accommodation = Provision::Charged(40000),
            "free",
            "charged 400.00 QAR a month",
        ),
        (
            "food",
            |t| t.food = Provision::Charged(30000),
            "charged 200.00 QAR a month",
            "charged 300.00 QAR a month",
        ),
        (
            "food",
            |t| t.food = Provision::NotProvided,
            "charged 200.00 QAR a month",
            "not provided",
        ),
        ("contract_months", |t| t.contract_months = 36, "24", "36"),
        ("contract_months", |t| t.contract_months = 12, "24", "12"),
        (
            "worker_fees",
            |t| t.worker_fees = 250000,
            "0.00 QAR",
            "2500.00 QAR",
        ),
    ];
    for (term, change, offered, contracted) in cases {
        let mut contract = offer();
        change(&mut contract);
        let found = substitutions(&offer(), &contract);
        assert_eq!(found.len(), 1, "{term}: {found:#?}");
        assert_eq!(found[0].term, term);
        assert_eq!(found[0].offered, offered, "{term}");
        assert_eq!(found[0].contracted, contracted, "{term}");
        assert!(!found[0].rule.is_empty());
    }
}

#[test]
fn another_currency_or_period_makes_the_wage_incomparable() {
    let mut c = offer();
    c.wage.currency = "NPR".into();
    c.wage.amount = 5_000_000; // more digits, another currency: still flagged
    assert_eq!(flagged(&c), ["wage.currency"]);
    let mut c = offer();
    c.wage.period = Period::Week;
    c.wage.amount = 40_000;
    assert_eq!(flagged(&c), ["wage.period"]);
}

#[test]
fn better_terms_are_not_flagged() {
    type Change = fn(&mut Terms);
    let better: [Change; 10] = [
        |t| t.wage.amount = 180000,
        |t| t.hours_per_week = 400,
        |t| t.overtime_rate_percent = 150,
        |t| t.rest_days_per_week = 2,
        |t| t.deductions.clear(),
        |t| t.deductions[0].cap = 1000,
        |t| t.food = Provision::Free,
        |t| t.food = Provision::Charged(10000),
        |t| t.language = "en".into(),
        |t| t.accommodation = Provision::Free,
    ];
    for (i, change) in better.iter().enumerate() {
        let mut c = offer();
        change(&mut c);
        assert_eq!(flagged(&c), Vec::<String>::new(), "change {i}");
    }
}

#[test]
fn several_worse_terms_are_each_flagged_in_the_table_order() {
    let mut c = offer();
    c.wage.amount = 110000;
    c.hours_per_week = 720;
    c.rest_days_per_week = 0;
    c.accommodation = Provision::Charged(30000);
    assert_eq!(
        flagged(&c),
        [
            "wage.amount",
            "hours_per_week",
            "rest_days_per_week",
            "accommodation"
        ]
    );
}

#[test]
fn any_fee_charged_to_the_worker_breaks_the_employer_pays_principle() {
    assert_eq!(fee_violation(&offer()), None);
    let mut t = offer();
    t.worker_fees = 1;
    let v = fee_violation(&t).expect("a violation");
    assert_eq!(v.term, "worker_fees");
    assert_eq!(v.contracted, "0.01 QAR");
    assert!(v.rule.contains("Employer Pays Principle"));
}

#[test]
fn bad_terms_are_refused_naming_the_field() {
    let refused = |change: fn(&mut Value)| -> String {
        let mut v = offer_json();
        change(&mut v);
        match parse_body::<Terms>(&v) {
            Err(e) => e.to_string(),
            Ok(t) => t.check("terms").expect_err("refused").to_string(),
        }
    };
    assert!(refused(|v| v["wage"]["amount"] = json!(-5)).contains("wage.amount"));
    assert!(refused(|v| v["wage"]["amount"] = json!(1500.5)).contains("wage.amount"));
    assert!(refused(|v| v["wage"]["currency"] = json!("qar")).contains("terms.wage.currency"));
    assert!(refused(|v| v["wage"]["period"] = json!("fortnight")).contains("wage.period"));
    assert!(refused(|v| v["hours_per_week"] = json!("37.25")).contains("hours_per_week"));
    assert!(refused(|v| v["hours_per_week"] = json!(0)).contains("terms.hours_per_week"));
    assert!(
        refused(|v| v["workplace"]["country"] = json!("Qatar")).contains("terms.workplace.country")
    );
    assert!(
        refused(|v| v["overtime_rate_percent"] = json!(90)).contains("terms.overtime_rate_percent")
    );
    assert!(refused(|v| v["rest_days_per_week"] = json!(8)).contains("terms.rest_days_per_week"));
    assert!(
        refused(|v| v["deductions"][0]["name"] = json!("Social Insurance"))
            .contains("terms.deductions[0].name")
    );
    assert!(
        refused(|v| v["deductions"] = json!([{"name": "x", "cap": 1}, {"name": "x", "cap": 2}]))
            .contains("named twice")
    );
    assert!(refused(|v| v["contract_months"] = json!(0)).contains("terms.contract_months"));
    assert!(refused(|v| v["salary"] = json!(1)).contains("salary"));
    assert!(
        refused(|v| {
            v.as_object_mut().expect("object").remove("employer");
        })
        .contains("employer")
    );
    // Hours as a decimal string read to the tenth.
    let mut v = offer_json();
    v["hours_per_week"] = json!("37.5");
    assert_eq!(parse_body::<Terms>(&v).expect("reads").hours_per_week, 375);
}

/// One term of `t` made worse (`worse`) or better, by `k`; the term's path.
fn change(t: &mut Terms, k: usize, worse: bool) -> &'static str {
    match (k % 6, worse) {
        (0, true) => {
            t.wage.amount -= 1;
            "wage.amount"
        }
        (0, false) => {
            t.wage.amount += 1;
            "wage.amount"
        }
        (1, true) => {
            t.hours_per_week += 1;
            "hours_per_week"
        }
        (1, false) => {
            t.hours_per_week -= 1;
            "hours_per_week"
        }
        (2, true) => {
            t.overtime_rate_percent -= 1;
            "overtime_rate_percent"
        }
        (2, false) => {
            t.overtime_rate_percent += 1;
            "overtime_rate_percent"
        }
        (3, true) => {
            t.rest_days_per_week -= 1;
            "rest_days_per_week"
        }
        (3, false) => {
            t.rest_days_per_week += 1;
            "rest_days_per_week"
        }
        (4, true) => {
            t.deductions[0].cap += 1;
            "deductions.social_insurance"
        }
        (4, false) => {
            t.deductions[0].cap -= 1;
            "deductions.social_insurance"
        }
        (_, true) => {
            t.food = Provision::Charged(20001);
            "food"
        }
        (_, false) => {
            t.food = Provision::Charged(19999);
            "food"
        }
    }
}

proptest! {
    /// For any offer, one term made worse by the smallest step is flagged, alone; made
    /// better by the smallest step, nothing is.
    #[test]
    fn the_smallest_worsening_of_any_term_is_caught(
        wage in 2u64..10_000_000,
        hours in 2u32..1_000,
        overtime in 101u32..900,
        rest in 1u8..6,
        cap in 2u64..100_000,
        k in 0usize..6,
    ) {
        let mut base = offer();
        base.wage.amount = wage;
        base.hours_per_week = hours;
        base.overtime_rate_percent = overtime;
        base.rest_days_per_week = rest;
        base.deductions[0].cap = cap;
        let mut worse = base.clone();
        let term = change(&mut worse, k, true);
        let found: Vec<String> = substitutions(&base, &worse).into_iter().map(|s| s.term).collect();
        prop_assert_eq!(found, vec![term.to_owned()]);
        let mut better = base.clone();
        change(&mut better, k, false);
        prop_assert!(substitutions(&base, &better).is_empty());
    }
}
