//! Worker voice: anonymous grievances and short surveys about an employer, followed to a
//! remedy, and published only as aggregates no worker can be picked out of.
//!
//! - A **grievance** arrives through the tip machinery (the worker's words sealed to the
//!   intake organisation, a receipt code, no account, no network metadata). The intake
//!   records `recruit.voice` naming the employer and the ILO forced-labour indicators the
//!   worker ticked, never the words. The employer has [`ANSWER_DAYS`] to answer with a
//!   remedy and a date (at most [`MAX_REMEDY_DAYS`] ahead) or a dispute; the worker, coming
//!   back with the code, says whether the remedy came. What the deadlines and answers make
//!   of it is [`standing`]: awaiting an answer, remedy promised, remedied, or **escalated to
//!   the regulator** (no answer in time, disputed, not remedied, remedy overdue).
//! - A **survey** is six yes-or-no questions ([`SURVEY`]); each answer that signals an
//!   indicator counts towards it. Nobody answers a survey.
//! - [`aggregate`] publishes an employer's month only once the month has closed and only
//!   when at least `k` workers spoke ([`MIN_GROUP`] = 11 by default), grievances and
//!   surveys separately: a group of ten is not published, and a month's figures never
//!   change after they are published (no differencing).
//!
//! Everything here is pure: the ledger executes it (`recruit.voice`, `recruit.answer`,
//! `recruit.outcome`), and the node and the worker's page read it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unchain_types::body::BodyError;

pub use unchain_tips::body::ILO_INDICATORS;

/// Days the employer has to answer a grievance.
pub const ANSWER_DAYS: i64 = 14;
/// Furthest an employer may promise a remedy, in days after its answer.
pub const MAX_REMEDY_DAYS: i64 = 90;
/// The least number of workers whose grievances (or survey answers) about one employer in
/// one month are published, by default.
pub const MIN_GROUP: u32 = 11;
/// The least group size any node may be configured with.
pub const MIN_GROUP_FLOOR: u32 = 5;

/// Remedies an employer may promise, as codes the worker's page shows in their language
/// (no free text reaches the ledger from the employer's side either).
pub const REMEDIES: [&str; 7] = [
    "passport_returned",
    "wages_paid",
    "fee_repaid",
    "hours_corrected",
    "contract_corrected",
    "conditions_improved",
    "movement_freed",
];

/// A survey question and the answer to it that signals an ILO indicator.
#[derive(Debug, Clone, Copy)]
pub struct Question {
    /// The question's id (its message in the worker's catalogue is `survey-{id}`).
    pub id: &'static str,
    /// The answer that signals the indicator.
    pub signals_when: bool,
    /// The indicator.
    pub indicator: &'static str,
}

/// The short survey: six questions a worker answers in a minute.
pub const SURVEY: [Question; 6] = [
    Question {
        id: "own-passport",
        signals_when: false,
        indicator: "retention_of_identity_documents",
    },
    Question {
        id: "paid-in-full",
        signals_when: false,
        indicator: "withholding_of_wages",
    },
    Question {
        id: "paid-fee",
        signals_when: true,
        indicator: "debt_bondage",
    },
    Question {
        id: "more-hours",
        signals_when: true,
        indicator: "excessive_overtime",
    },
    Question {
        id: "free-to-leave",
        signals_when: false,
        indicator: "restriction_of_movement",
    },
    Question {
        id: "as-promised",
        signals_when: false,
        indicator: "deception",
    },
];

/// Grievance or survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoiceKind {
    /// A complaint the employer must answer.
    Grievance,
    /// Survey answers, counted only.
    Survey,
}

/// `recruit.voice`: the intake organisation records a worker's grievance or survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voice {
    /// Its id (`v-` and 20 hex digits, drawn by the intake's node).
    pub voice: String,
    /// The employer it is about (a licensed employer).
    pub employer: String,
    /// Grievance or survey.
    pub kind: VoiceKind,
    /// The ILO forced-labour indicators it signals, sorted, each once.
    pub indicators: Vec<String>,
    /// A grievance's tip (`tips.receive` by the same intake): the worker's own words,
    /// sealed, and their way back with the receipt code. A survey has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// A survey's answer to "how much did you pay, and to whom", if the worker gave one
    /// (only with the `debt_bondage` answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<crate::fee_reports::FeePaid>,
}

/// How an employer answers a grievance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// It promises remedies by a date.
    Remedy,
    /// It disputes the grievance (the regulator takes it up).
    Dispute,
}

/// `recruit.answer`: the employer's answer to a grievance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The grievance.
    pub voice: String,
    /// Remedy or dispute.
    pub response: Response,
    /// The remedies promised (codes of [`REMEDIES`]); none for a dispute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remedies: Vec<String>,
    /// The date by which they will be done (`YYYY-MM-DD`); none for a dispute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The employer's user who answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// `recruit.outcome`: the worker's word, through the intake that holds their receipt code,
/// on whether the remedy came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// The grievance.
    pub voice: String,
    /// Whether the worker says it was remedied.
    pub remedied: bool,
}

fn check_voice_id(field: &str, s: &str) -> Result<(), BodyError> {
    let ok = s.len() == 22
        && s.starts_with("v-")
        && s[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BodyError::new(field, "\"v-\" and 20 lowercase hex digits"))
    }
}

/// A fresh grievance or survey id (drawn by the intake's node, never during execution).
pub fn new_voice_id() -> String {
    let mut bytes = [0u8; 10];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("v-{hex}")
}

impl Voice {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        check_voice_id("voice", &self.voice)?;
        crate::body::check_party("employer", &self.employer)?;
        for (i, ind) in self.indicators.iter().enumerate() {
            if !ILO_INDICATORS.contains(&ind.as_str()) {
                return Err(BodyError::new(
                    "indicators",
                    format!("{ind:?} is not an ILO forced-labour indicator"),
                ));
            }
            if i > 0 && self.indicators[i - 1] >= *ind {
                return Err(BodyError::new("indicators", "sorted, each indicator once"));
            }
        }
        if let Some(fee) = &self.fee {
            if !crate::fee_reports::may_carry_fee(self.kind, &self.indicators) {
                return Err(BodyError::new(
                    "fee",
                    "only a survey that answered yes to \"did you pay a fee\" (debt_bondage) carries a fee",
                ));
            }
            fee.check()?;
        }
        match (self.kind, &self.tip) {
            (VoiceKind::Grievance, None) => Err(BodyError::new(
                "tip",
                "a grievance names the tip that holds the worker's words",
            )),
            (VoiceKind::Survey, Some(_)) => Err(BodyError::new(
                "tip",
                "a survey has no tip: nobody answers it",
            )),
            _ => Ok(()),
        }
    }
}

impl Answer {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        check_voice_id("voice", &self.voice)?;
        match self.response {
            Response::Remedy => {
                if self.remedies.is_empty() {
                    return Err(BodyError::new(
                        "remedies",
                        "name at least one remedy promised",
                    ));
                }
                for (i, r) in self.remedies.iter().enumerate() {
                    if !REMEDIES.contains(&r.as_str()) {
                        return Err(BodyError::new(
                            "remedies",
                            format!("{r:?} is not one of {}", REMEDIES.join(", ")),
                        ));
                    }
                    if self.remedies[..i].contains(r) {
                        return Err(BodyError::new("remedies", format!("{r:?} is named twice")));
                    }
                }
                match &self.by {
                    Some(d) if crate::terms::is_date(d) => Ok(()),
                    _ => Err(BodyError::new(
                        "by",
                        "the date the remedy will be done, YYYY-MM-DD",
                    )),
                }
            }
            Response::Dispute if !self.remedies.is_empty() || self.by.is_some() => Err(
                BodyError::new("remedies", "a dispute promises no remedy and no date"),
            ),
            Response::Dispute => Ok(()),
        }
    }
}

impl Outcome {
    /// Checks what needs no state.
    pub fn check(&self) -> Result<(), BodyError> {
        check_voice_id("voice", &self.voice)
    }
}

pub use unchain_types::date::date_of_ms;

/// The UTC month (`YYYY-MM`) of a block time.
pub fn month_of_ms(ms: u64) -> String {
    date_of_ms(ms)[..7].to_owned()
}

/// What became of a grievance by a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Standing {
    /// The employer has until `due` (a date) to answer.
    AwaitingAnswer {
        /// The last day to answer.
        due: String,
    },
    /// The employer promised remedies by `by`.
    RemedyPromised {
        /// The date promised.
        by: String,
    },
    /// The worker says it was remedied.
    Remedied,
    /// Taken up by the regulator of the employer's country.
    Escalated {
        /// Why: `no_answer`, `disputed`, `not_remedied` or `remedy_overdue`.
        reason: String,
    },
}

impl Standing {
    /// Whether the regulator should act on it.
    pub fn is_escalated(&self) -> bool {
        matches!(self, Standing::Escalated { .. })
    }
}

/// The standing of a grievance recorded at `recorded_ms`, with the employer's answer (if
/// any) and the worker's last word (if any), at `now_ms` (block time: the same on every
/// node at the same height).
pub fn standing(
    recorded_ms: u64,
    answer: Option<&Answer>,
    last_outcome: Option<bool>,
    now_ms: u64,
) -> Standing {
    let today = date_of_ms(now_ms);
    let escalated = |reason: &str| Standing::Escalated {
        reason: reason.to_owned(),
    };
    match (answer, last_outcome) {
        (_, Some(true)) => Standing::Remedied,
        (_, Some(false)) => escalated("not_remedied"),
        (None, None) => {
            let due = date_of_ms(recorded_ms + (ANSWER_DAYS as u64) * 86_400_000);
            if today > due {
                escalated("no_answer")
            } else {
                Standing::AwaitingAnswer { due }
            }
        }
        (Some(a), None) => match (a.response, &a.by) {
            (Response::Dispute, _) => escalated("disputed"),
            (Response::Remedy, Some(by)) if today > *by => escalated("remedy_overdue"),
            (Response::Remedy, by) => Standing::RemedyPromised {
                by: by.clone().unwrap_or_default(),
            },
        },
    }
}

/// One recorded voice, as [`aggregate`] counts it.
#[derive(Debug, Clone)]
pub struct Counted<'a> {
    /// The month it was recorded in.
    pub month: &'a str,
    /// Grievance or survey.
    pub kind: VoiceKind,
    /// Its indicators.
    pub indicators: &'a [String],
    /// A grievance's standing now (none for a survey).
    pub standing: Option<&'a Standing>,
    /// A survey's fee, if the worker reported one.
    pub fee: Option<&'a crate::fee_reports::FeePaid>,
}

/// An employer's published month, for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthVoice {
    /// The month.
    pub month: String,
    /// Grievances or surveys.
    pub kind: VoiceKind,
    /// How many workers spoke (at least the group size).
    pub count: u32,
    /// How many signalled each indicator (indicators nobody signalled are absent).
    pub indicators: BTreeMap<String, u32>,
    /// Of the grievances, how many are escalated to the regulator now (zero for surveys).
    pub escalated: u32,
    /// Of the grievances, how many the workers say were remedied (zero for surveys).
    pub remedied: u32,
    /// Of the surveys, the fees workers reported paying, by currency.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fees: BTreeMap<String, crate::fee_reports::FeeTotal>,
}

/// The months that may be published: closed before `current_month`, with at least `k`
/// voices of the kind. Months and kinds below `k` are left out entirely — not even their
/// existence is shown.
pub fn aggregate(voices: &[Counted<'_>], current_month: &str, k: u32) -> Vec<MonthVoice> {
    let mut groups: BTreeMap<(&str, VoiceKind), MonthVoice> = BTreeMap::new();
    for v in voices.iter().filter(|v| v.month < current_month) {
        let g = groups
            .entry((v.month, v.kind))
            .or_insert_with(|| MonthVoice {
                month: v.month.to_owned(),
                kind: v.kind,
                count: 0,
                indicators: BTreeMap::new(),
                escalated: 0,
                remedied: 0,
                fees: BTreeMap::new(),
            });
        g.count += 1;
        if let Some(fee) = v.fee {
            crate::fee_reports::add(&mut g.fees, fee);
        }
        for i in v.indicators {
            *g.indicators.entry(i.clone()).or_default() += 1;
        }
        match v.standing {
            Some(s) if s.is_escalated() => g.escalated += 1,
            Some(Standing::Remedied) => g.remedied += 1,
            _ => {}
        }
    }
    groups.into_values().filter(|g| g.count >= k).collect()
}

/// The share of a published group (in percent) that must signal one indicator for it to
/// weigh on the employer's standing and on its facilities' risk.
pub const CONCERN_PERCENT: u32 = 50;

/// An indicator signalled by at least [`CONCERN_PERCENT`] of a published group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// The month.
    pub month: String,
    /// Grievances or surveys.
    pub kind: VoiceKind,
    /// The indicator.
    pub indicator: String,
    /// How many signalled it.
    pub count: u32,
    /// Of how many workers.
    pub of: u32,
}

/// What in published months weighs on an employer's standing: each indicator signalled by
/// at least half of a group, and any month with an escalated grievance (as the indicator
/// `escalated`). Only published months count, so a concern names no one either.
pub fn concerns(months: &[MonthVoice]) -> Vec<Concern> {
    let mut out = Vec::new();
    for m in months {
        let mut signalled: Vec<(&str, u32)> =
            m.indicators.iter().map(|(i, n)| (i.as_str(), *n)).collect();
        if m.escalated > 0 {
            signalled.push(("escalated", m.escalated));
        }
        for (indicator, count) in signalled {
            if count * 100 >= m.count * CONCERN_PERCENT {
                out.push(Concern {
                    month: m.month.clone(),
                    kind: m.kind,
                    indicator: indicator.to_owned(),
                    count,
                    of: m.count,
                });
            }
        }
    }
    out
}

/// The indicators a survey's answers signal, sorted.
pub fn survey_indicators(answers: &BTreeMap<&str, bool>) -> Vec<String> {
    let mut out: Vec<String> = SURVEY
        .iter()
        .filter(|q| answers.get(q.id) == Some(&q.signals_when))
        .map(|q| q.indicator.to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    #[test]
    fn block_times_become_utc_dates() {
        assert_eq!(date_of_ms(0), "1970-01-01");
        assert_eq!(date_of_ms(951_782_400_000), "2000-02-29");
        assert_eq!(date_of_ms(1_772_323_200_000 - 1), "2026-02-28");
        assert_eq!(date_of_ms(1_772_323_200_000), "2026-03-01");
        assert_eq!(month_of_ms(1_798_761_599_999), "2026-12");
        // Every day of four years round-trips through the payroll's day count.
        let epoch = crate::payroll::day_number("1970-01-01").expect("a date");
        for d in 20_000..21_500u64 {
            let date = date_of_ms(d * DAY + 12_345);
            assert_eq!(
                crate::payroll::day_number(&date),
                Some(epoch + d as i64),
                "{date}"
            );
        }
    }

    fn answer(response: Response, by: Option<&str>) -> Answer {
        Answer {
            voice: "v-0123456789abcdef0123".into(),
            response,
            remedies: if response == Response::Remedy {
                vec!["wages_paid".into()]
            } else {
                vec![]
            },
            by: by.map(str::to_owned),
            actor: None,
        }
    }

    #[test]
    fn a_grievance_escalates_when_its_deadlines_pass_or_the_worker_says_no() {
        let at = 1_772_323_200_000; // 2026-03-01
        let awaiting = standing(at, None, None, at + 14 * DAY);
        assert_eq!(
            awaiting,
            Standing::AwaitingAnswer {
                due: "2026-03-15".into()
            }
        );
        assert!(standing(at, None, None, at + 15 * DAY).is_escalated());
        let promised = answer(Response::Remedy, Some("2026-04-30"));
        assert_eq!(
            standing(at, Some(&promised), None, at + 40 * DAY),
            Standing::RemedyPromised {
                by: "2026-04-30".into()
            }
        );
        assert_eq!(
            standing(at, Some(&promised), None, at + 61 * DAY),
            Standing::Escalated {
                reason: "remedy_overdue".into()
            }
        );
        assert_eq!(
            standing(at, Some(&promised), Some(true), at + 61 * DAY),
            Standing::Remedied
        );
        assert_eq!(
            standing(at, Some(&promised), Some(false), at + 20 * DAY),
            Standing::Escalated {
                reason: "not_remedied".into()
            }
        );
        assert_eq!(
            standing(at, Some(&answer(Response::Dispute, None)), None, at + DAY),
            Standing::Escalated {
                reason: "disputed".into()
            }
        );
    }

    fn voices(month: &'static str, n: usize, inds: &'static [String]) -> Vec<Counted<'static>> {
        (0..n)
            .map(|_| Counted {
                month,
                kind: VoiceKind::Grievance,
                indicators: inds,
                standing: None,
                fee: None,
            })
            .collect()
    }

    #[test]
    fn a_group_of_ten_is_not_published_and_eleven_is() {
        static IND: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["withholding_of_wages".into()]);
        let mut all = voices("2026-02", 10, &IND);
        all.extend(voices("2026-03", 11, &IND));
        all.extend(voices("2026-04", 30, &IND));
        let published = aggregate(&all, "2026-04", MIN_GROUP);
        assert_eq!(published.len(), 1, "{published:?}");
        assert_eq!(published[0].month, "2026-03");
        assert_eq!(published[0].count, 11);
        assert_eq!(published[0].indicators["withholding_of_wages"], 11);
        // The open month is not published however many spoke; next month it is.
        assert_eq!(aggregate(&all, "2026-05", MIN_GROUP).len(), 2);
        // Surveys and grievances are separate groups: 6 + 6 is not 11 of either.
        let mut mixed = voices("2026-02", 6, &IND);
        mixed.extend(voices("2026-02", 6, &IND).into_iter().map(|mut c| {
            c.kind = VoiceKind::Survey;
            c
        }));
        assert!(aggregate(&mixed, "2026-03", MIN_GROUP).is_empty());
    }

    #[test]
    fn half_a_published_group_signalling_an_indicator_is_a_concern() {
        let month = |count, wages, escalated| MonthVoice {
            month: "2026-03".into(),
            kind: VoiceKind::Survey,
            count,
            indicators: BTreeMap::from([("withholding_of_wages".to_owned(), wages)]),
            escalated,
            remedied: 0,
            fees: BTreeMap::new(),
        };
        assert!(concerns(&[month(12, 5, 0)]).is_empty());
        let c = concerns(&[month(12, 6, 0)]);
        assert_eq!(
            (c[0].indicator.as_str(), c[0].count, c[0].of),
            ("withholding_of_wages", 6, 12)
        );
        let c = concerns(&[month(11, 0, 6)]);
        assert_eq!(c[0].indicator, "escalated");
    }

    #[test]
    fn survey_answers_signal_their_indicators() {
        let answers = BTreeMap::from([
            ("own-passport", false),
            ("paid-in-full", true),
            ("paid-fee", true),
            ("more-hours", false),
        ]);
        assert_eq!(
            survey_indicators(&answers),
            ["debt_bondage", "retention_of_identity_documents"]
        );
        for q in SURVEY {
            assert!(ILO_INDICATORS.contains(&q.indicator), "{}", q.indicator);
        }
    }

    #[test]
    fn bodies_name_the_field_that_is_wrong() {
        let mut v = Voice {
            voice: new_voice_id(),
            employer: "qa-doha-build".into(),
            kind: VoiceKind::Grievance,
            indicators: vec!["debt_bondage".into(), "withholding_of_wages".into()],
            tip: Some("t-0123456789abcdef0123".into()),
            fee: None,
        };
        assert_eq!(v.check(), Ok(()));
        v.fee = Some(crate::fee_reports::FeePaid {
            amount: 1,
            currency: "NPR".into(),
            recruiter: None,
        });
        assert_eq!(v.check().expect_err("a grievance's fee").field, "fee");
        v.fee = None;
        v.indicators.reverse();
        assert_eq!(v.check().expect_err("unsorted").field, "indicators");
        v.indicators = vec!["being_sad".into()];
        assert_eq!(v.check().expect_err("unknown").field, "indicators");
        v.indicators.clear();
        v.tip = None;
        assert_eq!(v.check().expect_err("no tip").field, "tip");
        v.voice = "v-XYZ".into();
        assert_eq!(v.check().expect_err("id").field, "voice");
        let mut a = answer(Response::Remedy, None);
        assert_eq!(a.check().expect_err("no date").field, "by");
        a.by = Some("2026-04-31".into());
        assert_eq!(a.check().expect_err("no such date").field, "by");
        a.remedies = vec!["apology".into()];
        assert_eq!(a.check().expect_err("not a remedy").field, "remedies");
        let mut d = answer(Response::Dispute, Some("2026-04-01"));
        assert_eq!(d.check().expect_err("dispute with date").field, "remedies");
        d.by = None;
        assert_eq!(d.check(), Ok(()));
    }
}
