//! The worker forms as posted, read and checked without state: what a stranger's browser
//! sends. Each refusal is a message key of the worker's catalogue, so the page can say it in
//! their language.

use unchain_recruit::fee_reports::FeePaid;
use unchain_recruit::voice::{ILO_INDICATORS, SURVEY, survey_indicators};

/// The currencies the survey offers for a fee: those of large migration corridors' origin
/// and destination countries.
pub const FEE_CURRENCIES: [&str; 18] = [
    "NPR", "BDT", "MMK", "KHR", "IDR", "PHP", "INR", "LKR", "PKR", "USD", "QAR", "AED", "SAR",
    "KWD", "OMR", "BHD", "MYR", "THB",
];

/// The form's fields in the order posted (a checkbox's name repeats).
pub type Fields = Vec<(String, String)>;

/// Longest a worker's own words may be, in bytes.
pub const MAX_WORDS: usize = 5000;

/// The first value of `name`, or "".
pub fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A grievance as posted: the employer (one of `employers`), the ticked ILO indicators
/// (sorted, each once), the worker's words (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grievance {
    /// The employer's party id.
    pub employer: String,
    /// The indicators ticked.
    pub indicators: Vec<String>,
    /// The worker's words.
    pub words: String,
}

/// Reads a posted grievance; the keys of what is wrong otherwise.
pub fn read_grievance(fields: &Fields, employers: &[&str]) -> Result<Grievance, Vec<&'static str>> {
    let mut errors = Vec::new();
    let employer = field(fields, "employer");
    if !employers.contains(&employer) {
        errors.push("error-employer");
    }
    let mut indicators: Vec<String> = fields
        .iter()
        .filter(|(n, _)| n == "problem")
        .map(|(_, p)| p.clone())
        .collect();
    indicators.sort();
    indicators.dedup();
    let words = field(fields, "words").trim();
    let known = indicators
        .iter()
        .all(|i| ILO_INDICATORS.contains(&i.as_str()));
    if !known || (indicators.is_empty() && words.is_empty()) {
        errors.push("error-nothing");
    }
    if words.len() > MAX_WORDS {
        errors.push("error-words");
    }
    if errors.is_empty() {
        Ok(Grievance {
            employer: employer.to_owned(),
            indicators,
            words: words.to_owned(),
        })
    } else {
        Err(errors)
    }
}

/// A survey as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// The employer's party id.
    pub employer: String,
    /// The indicators its answers signal.
    pub indicators: Vec<String>,
    /// The fee the worker says they paid, if they answered yes and gave an amount.
    pub fee: Option<FeePaid>,
}

/// Reads a posted survey: the employer, the indicators its answers signal and any fee
/// reported (to one of `recruiters`, or to no one named); the keys of what is wrong
/// otherwise (every question must be answered yes or no).
pub fn read_survey(
    fields: &Fields,
    employers: &[&str],
    recruiters: &[&str],
) -> Result<Survey, Vec<&'static str>> {
    let mut errors = Vec::new();
    let employer = field(fields, "employer");
    if !employers.contains(&employer) {
        errors.push("error-employer");
    }
    let mut answers = std::collections::BTreeMap::new();
    for q in SURVEY {
        match field(fields, &format!("q-{}", q.id)) {
            "yes" => answers.insert(q.id, true),
            "no" => answers.insert(q.id, false),
            _ => None,
        };
    }
    if answers.len() != SURVEY.len() {
        errors.push("error-answer");
    }
    let amount = field(fields, "fee-amount").trim().replace([',', ' '], "");
    let fee = if answers.get("paid-fee") == Some(&true) && !amount.is_empty() {
        let currency = field(fields, "fee-currency");
        let recruiter = field(fields, "fee-recruiter");
        match unchain_recruit::terms::parse_amount(&amount, false) {
            Some(a) if a > 0 && FEE_CURRENCIES.contains(&currency) => Some(FeePaid {
                amount: a,
                currency: currency.to_owned(),
                recruiter: recruiters
                    .contains(&recruiter)
                    .then(|| recruiter.to_owned()),
            }),
            _ => {
                errors.push("error-fee");
                None
            }
        }
    } else {
        None
    };
    if errors.is_empty() {
        Ok(Survey {
            employer: employer.to_owned(),
            indicators: survey_indicators(&answers),
            fee,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_grievance_names_what_is_wrong() {
        let ok = read_grievance(
            &fields(&[
                ("employer", "qa-doha-build"),
                ("problem", "withholding_of_wages"),
                ("problem", "debt_bondage"),
                ("problem", "debt_bondage"),
                ("words", "  short pay  "),
            ]),
            &["qa-doha-build"],
        )
        .expect("a grievance");
        assert_eq!(ok.indicators, ["debt_bondage", "withholding_of_wages"]);
        assert_eq!(ok.words, "short pay");
        assert_eq!(
            read_grievance(&fields(&[("employer", "elsewhere")]), &["qa-doha-build"]),
            Err(vec!["error-employer", "error-nothing"])
        );
        assert_eq!(
            read_grievance(
                &fields(&[("employer", "qa-doha-build"), ("problem", "sadness")]),
                &["qa-doha-build"]
            ),
            Err(vec!["error-nothing"])
        );
        let long = "x".repeat(MAX_WORDS + 1);
        assert_eq!(
            read_grievance(
                &fields(&[("employer", "qa-doha-build"), ("words", &long)]),
                &["qa-doha-build"]
            ),
            Err(vec!["error-words"])
        );
    }

    #[test]
    fn a_survey_needs_every_answer() {
        let mut f = fields(&[("employer", "qa-doha-build")]);
        for q in SURVEY {
            f.push((format!("q-{}", q.id), "yes".into()));
        }
        let s = read_survey(&f, &["qa-doha-build"], &[]).expect("answered");
        assert_eq!(s.indicators, ["debt_bondage", "excessive_overtime"]);
        assert_eq!(s.fee, None, "no amount given");
        let mut with_fee = f.clone();
        with_fee.extend(fields(&[
            ("fee-amount", "150,000.00"),
            ("fee-currency", "NPR"),
            ("fee-recruiter", "np-himalaya-manpower"),
        ]));
        let s = read_survey(&with_fee, &["qa-doha-build"], &["np-himalaya-manpower"])
            .expect("answered");
        assert_eq!(
            s.fee,
            Some(FeePaid {
                amount: 15_000_000,
                currency: "NPR".into(),
                recruiter: Some("np-himalaya-manpower".into())
            })
        );
        with_fee.retain(|(n, _)| n != "fee-currency");
        with_fee.push(("fee-currency".into(), "XXX".into()));
        assert_eq!(
            read_survey(&with_fee, &["qa-doha-build"], &[]),
            Err(vec!["error-fee"])
        );
        f.pop();
        f.push(("q-as-promised".into(), "maybe".into()));
        assert_eq!(
            read_survey(&f, &["qa-doha-build"], &[]),
            Err(vec!["error-answer"])
        );
    }
}
