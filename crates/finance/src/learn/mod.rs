//! The supervised mode: when a file comes with labels (IBM's `Is Laundering`, AMLSim's
//! alert transactions, the synthetic truth, an agency's confirmed cases as account
//! labels), a gradient-boosted model learns which payments are laundering from graph
//! features of each payment ([`features`]), trained on the earlier part of the file and
//! judged on the later part, as the published baselines are (Altman et al. 2023; Egressy
//! et al. 2024 report minority-class F1 0.63 for boosted trees with graph features on
//! IBM's HI-Small).
//!
//! The split is by time: the earliest 60 % of payments train, the next 20 % choose the
//! score threshold (the one with the best F1 there), the last 20 % test, untouched until
//! the end. Payments of the same time stamp stay in one part. The features are computed
//! from the whole file without its labels (as a detector would see it once the window has
//! passed), so the test part's labels never reach the model or the threshold.
//!
//! The model is `forust-ml`'s histogram gradient booster (log loss, depth-limited trees);
//! laundering payments are weighted by how rare they are in the training part.

pub mod features;

use crate::graph::Graph;
use forust_ml::Matrix;
use forust_ml::gradientbooster::{GradientBooster, ImportanceMethod};
use std::collections::BTreeSet;

/// Why a model cannot be trained or judged.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// A part of the split has no labelled payment (or nothing else).
    #[error("the {part} part ({from}) holds {labelled} labelled payments of {payments}: {why}")]
    Part {
        /// Which part.
        part: &'static str,
        /// Its time range, for people.
        from: String,
        /// Labelled payments in it.
        labelled: usize,
        /// All payments in it.
        payments: usize,
        /// What to do.
        why: &'static str,
    },
    /// The booster refused.
    #[error("the gradient booster failed: {0}")]
    Model(String),
}

/// Each payment's label from the positions of the records the source labels (IBM's
/// `Is Laundering`, AMLSim's `is_sar`).
pub fn labels_from_records(g: &Graph, labelled: &[u32]) -> Vec<bool> {
    let set: BTreeSet<u32> = labelled.iter().copied().collect();
    g.record.iter().map(|r| set.contains(r)).collect()
}

/// Each payment's label from transaction ids (`ids[record]` is a record's id).
pub fn labels_from_ids(g: &Graph, ids: &crate::input::Ids, labelled: &BTreeSet<&str>) -> Vec<bool> {
    g.record
        .iter()
        .map(|&r| labelled.contains(&ids[r as usize]))
        .collect()
}

/// Each payment's label from account labels: a payment between two labelled accounts.
pub fn labels_from_accounts(g: &Graph, labelled: &[bool]) -> Vec<bool> {
    let is = |a: u32| labelled.get(a as usize).copied().unwrap_or(false);
    (0..g.len()).map(|e| is(g.from[e]) && is(g.to[e])).collect()
}

/// The part of the time-based split a payment is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The earliest payments: the model learns from them.
    Train,
    /// The next: they choose the threshold.
    Validation,
    /// The last: judged once, at the end.
    Test,
}

impl Part {
    /// The parts, in time order.
    pub const ALL: [Part; 3] = [Part::Train, Part::Validation, Part::Test];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Validation => "validation",
            Part::Test => "test",
        }
    }
}

/// The time-based split: payments before `validation_from` train, those before
/// `test_from` validate, the rest test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The first time (Unix seconds) of the validation part.
    pub validation_from: i64,
    /// The first time of the test part.
    pub test_from: i64,
}

impl Split {
    /// The earliest `train` share of payments train and the next `validation` share
    /// validate (cut at the time stamp where that share is reached, so one time stamp
    /// stays in one part).
    pub fn by_time(g: &Graph, train: f64, validation: f64) -> Split {
        let mut ts = g.ts.clone();
        ts.sort_unstable();
        let at = |share: f64| {
            ts.get(((ts.len() as f64 * share) as usize).min(ts.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        let validation_from = at(train);
        let test_from = at(train + validation).max(validation_from + 1);
        Split {
            validation_from,
            test_from,
        }
    }

    /// The part of a payment at `ts`.
    pub fn part(&self, ts: i64) -> Part {
        if ts < self.validation_from {
            Part::Train
        } else if ts < self.test_from {
            Part::Validation
        } else {
            Part::Test
        }
    }
}

/// Payments flagged or not against their labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Laundering, flagged.
    pub true_positives: usize,
    /// Not laundering, flagged.
    pub false_positives: usize,
    /// Laundering, not flagged.
    pub false_negatives: usize,
    /// Neither.
    pub true_negatives: usize,
}

impl Counts {
    /// Of the flagged, the share laundering.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Of the laundering, the share flagged.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The minority class's F1: the harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }

    /// Labelled payments.
    pub fn labelled(&self) -> usize {
        self.true_positives + self.false_negatives
    }

    /// All payments.
    pub fn payments(&self) -> usize {
        self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
    }
}

/// A time for people (RFC 3339, seconds).
pub fn when(t: i64) -> String {
    humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64),
    )
    .to_string()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// How the model is grown.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Settings {
    /// Trees.
    pub trees: usize,
    /// Each tree's deepest split.
    pub depth: usize,
    /// Shrinkage of each tree's weights.
    pub learning_rate: f32,
    /// Share of payments that train (the earliest).
    pub train: f64,
    /// Share that chooses the threshold (the next).
    pub validation: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            trees: 100,
            depth: 6,
            learning_rate: 0.1,
            train: 0.6,
            validation: 0.2,
        }
    }
}

/// A trained model judged on the split.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The split.
    pub split: Split,
    /// Each payment's part.
    pub parts: Vec<Part>,
    /// Each payment's probability of laundering, by the model.
    pub scores: Vec<f64>,
    /// A payment is flagged at this probability or above (the best F1 on validation).
    pub threshold: f64,
    /// Weight of a laundering payment in training (non-laundering weigh 1).
    pub positive_weight: f64,
    /// Flagged or not against the labels, per part, in [`Part::ALL`] order.
    pub counts: [Counts; 3],
    /// Features by the total gain of the splits on them, highest first (feature index,
    /// share of all gain).
    pub importance: Vec<(usize, f32)>,
}

/// Counts at `threshold` of the payments of `part`.
fn count(scores: &[f64], labels: &[bool], parts: &[Part], part: Part, threshold: f64) -> Counts {
    let mut c = Counts::default();
    for ((&s, &l), _) in scores
        .iter()
        .zip(labels)
        .zip(parts)
        .filter(|(_, p)| **p == part)
    {
        match (s >= threshold, l) {
            (true, true) => c.true_positives += 1,
            (true, false) => c.false_positives += 1,
            (false, true) => c.false_negatives += 1,
            (false, false) => c.true_negatives += 1,
        }
    }
    c
}

/// The threshold with the best F1 among `(score, label)` pairs (flagging every score at
/// or above it), and that F1.
pub fn best_threshold(mut scored: Vec<(f64, bool)>) -> (f64, f64) {
    scored.sort_by(|x, y| y.0.total_cmp(&x.0));
    let positives = scored.iter().filter(|s| s.1).count();
    let (mut tp, mut best) = (0usize, (1.0f64, 0.0f64));
    let mut i = 0;
    while i < scored.len() {
        // Equal scores are flagged together.
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            tp += usize::from(scored[j].1);
            j += 1;
        }
        let f1 = ratio(2 * tp, j + positives);
        if f1 > best.1 {
            best = (scored[i].0, f1);
        }
        i = j;
    }
    best
}

/// Trains on the earliest payments, chooses the threshold on the next, and judges every
/// part. `columns` is [`features::measure`]'s output for `g`.
pub fn train_and_evaluate(
    g: &Graph,
    columns: &[f64],
    labels: &[bool],
    settings: &Settings,
) -> Result<Evaluation, LearnError> {
    let n = g.len();
    let split = Split::by_time(g, settings.train, settings.validation);
    let parts: Vec<Part> = g.ts.iter().map(|&t| split.part(t)).collect();
    for part in Part::ALL {
        let (mut payments, mut labelled, mut first, mut last) = (0, 0, i64::MAX, i64::MIN);
        for e in (0..n).filter(|&e| parts[e] == part) {
            payments += 1;
            labelled += usize::from(labels[e]);
            first = first.min(g.ts[e]);
            last = last.max(g.ts[e]);
        }
        if labelled == 0 || labelled == payments {
            return Err(LearnError::Part {
                part: part.name(),
                from: if payments == 0 {
                    "empty".into()
                } else {
                    format!("{} to {}", when(first), when(last))
                },
                labelled,
                payments,
                why: "a time-based split needs both laundering and other payments in every part; the labels may cover only part of the period",
            });
        }
    }
    // The training rows, column-major.
    let train: Vec<usize> = (0..n).filter(|&e| parts[e] == Part::Train).collect();
    let mut data = Vec::with_capacity(train.len() * features::COUNT);
    for c in 0..features::COUNT {
        data.extend(train.iter().map(|&e| columns[c * n + e]));
    }
    let y: Vec<f64> = train
        .iter()
        .map(|&e| f64::from(u8::from(labels[e])))
        .collect();
    let positives = y.iter().filter(|&&v| v > 0.5).count();
    let positive_weight = ((train.len() - positives) as f64 / positives as f64).max(1.0);
    let weights: Vec<f64> = y
        .iter()
        .map(|&v| if v > 0.5 { positive_weight } else { 1.0 })
        .collect();
    let mut model = GradientBooster::default()
        .set_iterations(settings.trees)
        .set_max_depth(settings.depth)
        .set_learning_rate(settings.learning_rate)
        .set_seed(0);
    model
        .fit(
            &Matrix::new(&data, train.len(), features::COUNT),
            &y,
            &weights,
            None,
        )
        .map_err(|e| LearnError::Model(e.to_string()))?;
    drop(data);
    let scores: Vec<f64> = model
        .predict(&Matrix::new(columns, n, features::COUNT), true)
        .into_iter()
        .map(|log_odds| 1.0 / (1.0 + (-log_odds).exp()))
        .collect();
    let validation: Vec<(f64, bool)> = (0..n)
        .filter(|&e| parts[e] == Part::Validation)
        .map(|e| (scores[e], labels[e]))
        .collect();
    let (threshold, _) = best_threshold(validation);
    let counts = Part::ALL.map(|part| count(&scores, labels, &parts, part, threshold));
    let mut importance: Vec<(usize, f32)> = model
        .calculate_feature_importance(ImportanceMethod::TotalGain, true)
        .into_iter()
        .collect();
    importance.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    Ok(Evaluation {
        split,
        parts,
        scores,
        threshold,
        positive_weight,
        counts,
        importance,
    })
}
