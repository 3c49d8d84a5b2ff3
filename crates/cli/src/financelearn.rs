//! `unchain finance learn`: the supervised mode. A gradient-boosted model learns from
//! labelled payments with a time-based split and reports the laundering class's F1, as
//! the published baselines do (see `unchain_finance::learn`).

use crate::financecmd::{InputArgs, load, read_truth};
use anyhow::bail;
use clap::Args;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use unchain_finance::learn::{self, Evaluation, Part, Settings, features};
use unchain_finance::{Graph, detect, rank, truth};

/// `unchain finance learn`.
#[derive(Args)]
pub struct LearnArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The labels, when the file carries none of its own (IBM's `Is Laundering` and
    /// AMLSim's `is_sar` are read from the file itself): the truth.csv of `unchain finance
    /// synth` or AMLSim's alert_transactions.csv (labelled payments), or an account label
    /// file such as AMLSim 2019's nodes.csv or an agency's confirmed accounts (`account`,
    /// `label`): then a payment between two labelled accounts is labelled.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// The detectors' parameters, as for `scan` (their evidence and the ranking are
    /// features).
    #[command(flatten)]
    pub params: crate::financecmd::ParamArgs,
    /// Trees in the model.
    #[arg(long, default_value_t = 100)]
    pub trees: usize,
    /// Each tree's deepest split.
    #[arg(long, default_value_t = 6)]
    pub depth: usize,
    /// Shrinkage of each tree (above 0, at most 1).
    #[arg(long, default_value_t = 0.1)]
    pub learning_rate: f32,
    /// Write every payment's id, time, part, label, score and features here as CSV, for
    /// another tool to learn from the same features
    /// (`tests/python/finance_learn_baseline.py` does, with scikit-learn).
    #[arg(long)]
    pub features: Option<PathBuf>,
    /// Write the evaluation here as JSON (`-`: standard output, the tables then on
    /// standard error).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Each payment's label, and where the labels came from.
fn labels(
    g: &Graph,
    loaded: &unchain_finance::input::Loaded,
    truth: Option<(&PathBuf, &crate::financecmd::Truth)>,
) -> anyhow::Result<(Vec<bool>, String)> {
    if !loaded.labelled.is_empty() {
        return Ok((
            learn::labels_from_records(g, &loaded.labelled),
            format!(
                "the file's own laundering labels ({})",
                loaded.format.name()
            ),
        ));
    }
    let Some((path, truth)) = truth else {
        bail!(
            "no labels: the file carries none of its own (IBM's Is Laundering, AMLSim's is_sar), and no --truth was given"
        );
    };
    let named: BTreeSet<&str> = truth
        .instances
        .iter()
        .flat_map(|i| i.transactions.iter().map(String::as_str))
        .collect();
    if !named.is_empty() && truth.accounts.is_empty() {
        let unnamed = truth
            .instances
            .iter()
            .filter(|i| i.transactions.is_empty())
            .count();
        if unnamed > 0 {
            bail!(
                "{}: {unnamed} instance(s) name no transactions; payment labels need every instance's transactions",
                path.display()
            );
        }
        return Ok((
            learn::labels_from_ids(g, &loaded.names.ids, &named),
            format!("the payments {} names", path.display()),
        ));
    }
    let accounts = truth::labelled_accounts(&loaded.names, &truth.instances, &truth.accounts);
    Ok((
        learn::labels_from_accounts(g, &accounts),
        format!(
            "payments between two accounts {} labels ({} accounts)",
            path.display(),
            accounts.iter().filter(|&&l| l).count()
        ),
    ))
}

/// `unchain finance learn`.
pub fn learn(a: LearnArgs) -> anyhow::Result<()> {
    // The tables go to standard error when a file goes to standard output.
    let piped = crate::output::one_on_stdout([
        ("--json", a.json.as_deref()),
        ("--features", a.features.as_deref()),
    ])?;
    let mut table = crate::output::table(piped);
    if a.trees == 0 || a.depth == 0 {
        bail!("--trees and --depth: at least 1");
    }
    if !(a.learning_rate > 0.0 && a.learning_rate <= 1.0) {
        bail!("--learning-rate: above 0 and at most 1");
    }
    let given = a.params.given()?;
    // A truth file that cannot be read fails now, not after the features.
    let truth = a.truth.as_ref().map(read_truth).transpose()?;
    let mut loaded = load(&a.input)?;
    let g = Graph::build(&loaded.records, &loaded.names);
    drop(std::mem::take(&mut loaded.records));
    let (labels, source) = labels(&g, &loaded, a.truth.as_ref().zip(truth.as_ref()))?;
    let (params, _) = given.for_graph(&g);
    let t = Instant::now();
    let alerts = detect::run_all(&g, &params);
    let ranked = rank::rank(&g, &params, &alerts);
    let columns = features::measure(&g, &params, &alerts, &ranked);
    let measure_s = t.elapsed().as_secs_f64();
    let settings = Settings {
        trees: a.trees,
        depth: a.depth,
        learning_rate: a.learning_rate,
        ..Settings::default()
    };
    let t = Instant::now();
    let ev = learn::train_and_evaluate(&g, &columns, &labels, &settings)?;
    let train_s = t.elapsed().as_secs_f64();
    let labelled = labels.iter().filter(|&&l| l).count();
    writeln!(
        table,
        "labels: {labelled} of {} payments, from {source}",
        g.len()
    )?;
    writeln!(
        table,
        "split by time: validation from {}, test from {}",
        learn::when(ev.split.validation_from),
        learn::when(ev.split.test_from)
    )?;
    writeln!(
        table,
        "model: {} trees of depth {}, learning rate {} (forust-ml gradient boosting, log loss), laundering payments weighted {:.1}x; {} features measured in {measure_s:.2} s, trained in {train_s:.2} s",
        settings.trees,
        settings.depth,
        settings.learning_rate,
        ev.positive_weight,
        features::COUNT
    )?;
    writeln!(
        table,
        "threshold {:.4}: the best F1 on the validation part",
        ev.threshold
    )?;
    writeln!(
        table,
        "part        payments  labelled  flagged  precision  recall  F1"
    )?;
    for (part, c) in Part::ALL.iter().zip(&ev.counts) {
        writeln!(
            table,
            "{:<10} {:>9} {:>9} {:>8}  {:>9.3} {:>7.3} {:>6.3}",
            part.name(),
            c.payments(),
            c.labelled(),
            c.true_positives + c.false_positives,
            c.precision(),
            c.recall(),
            c.f1()
        )?;
    }
    let test = ev.counts[2];
    writeln!(
        table,
        "laundering F1 on the test part (the last {:.0}% by time): {:.3}",
        100.0 * (1.0 - settings.train - settings.validation),
        test.f1()
    )?;
    writeln!(table, "features by share of the model's gain:")?;
    for (i, share) in ev.importance.iter().take(8) {
        writeln!(table, "  {:>5.1}%  {}", 100.0 * share, features::name(*i))?;
    }
    if let Some(path) = &a.features {
        write_features(path, &g, &loaded.names.ids, &columns, &labels, &ev)?;
        eprintln!("features: {}", path.display());
    }
    if let Some(path) = &a.json {
        let doc = serde_json::json!({
            "labels": { "source": source, "payments": g.len(), "labelled": labelled },
            "split": {
                "validation_from": learn::when(ev.split.validation_from),
                "test_from": learn::when(ev.split.test_from),
            },
            "settings": settings,
            "positive_weight": ev.positive_weight,
            "threshold": ev.threshold,
            "parts": Part::ALL.iter().zip(&ev.counts).map(|(p, c)| (p.name().to_owned(), serde_json::json!({
                "counts": c,
                "precision": c.precision(),
                "recall": c.recall(),
                "f1": c.f1(),
            }))).collect::<serde_json::Map<_, _>>(),
            "importance": ev.importance.iter().map(|(i, s)| serde_json::json!({
                "feature": features::name(*i),
                "share": s,
            })).collect::<Vec<_>>(),
        });
        crate::output::write(path, serde_json::to_vec_pretty(&doc)?)?;
    }
    Ok(())
}

/// Every payment's id, time, part, label, score and features as CSV.
fn write_features(
    path: &std::path::Path,
    g: &Graph,
    ids: &unchain_finance::input::Ids,
    columns: &[f64],
    labels: &[bool],
    ev: &Evaluation,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(crate::output::create(path)?));
    let mut header = vec![
        "id".to_owned(),
        "time".into(),
        "part".into(),
        "label".into(),
        "score".into(),
    ];
    header.extend((0..features::COUNT).map(features::name));
    w.write_record(&header)?;
    let n = g.len();
    for e in 0..n {
        let mut row = vec![
            ids[g.record[e] as usize].to_owned(),
            g.ts[e].to_string(),
            ev.parts[e].name().to_owned(),
            u8::from(labels[e]).to_string(),
            ev.scores[e].to_string(),
        ];
        row.extend((0..features::COUNT).map(|c| columns[c * n + e].to_string()));
        w.write_record(&row)?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?
        .flush()?;
    Ok(())
}
