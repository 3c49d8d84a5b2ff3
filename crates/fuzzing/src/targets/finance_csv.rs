//! A bank's or an exchange's export handed to `unchain finance scan`: reading it row by
//! row, in every format the reader knows (recognised by header, or forced), never panics,
//! whatever the bytes; what reads builds a graph, its parameters are derived from it, the
//! detectors run on it, its accounts are ranked and its payments' features measured (and,
//! for a small file with labels, a small model trained and judged). AMLSim's alerts file
//! and an account label file, read as ground truth, never panic either.

use unchain_finance::input::{Format, Options, read_with};
use unchain_finance::learn;

/// One input.
pub fn run(data: &[u8]) {
    let forced = Format::ALL.into_iter().map(Some);
    for format in std::iter::once(None).chain(forced) {
        let options = Options {
            format,
            skip_bad_rows: true,
            ..Options::default()
        };
        if let Ok(loaded) = read_with(data, options, |_| {}) {
            let g = unchain_finance::Graph::build(&loaded.records, &loaded.names);
            let (p, _) =
                unchain_finance::detect::derive(&g, &Default::default(), &Default::default());
            let alerts = unchain_finance::detect::run_all(&g, &p);
            let _ = unchain_finance::truth::evaluate_labels(&g, &alerts, &loaded.labelled);
            let ranked = unchain_finance::rank::rank(&g, &p, &alerts);
            let columns = learn::features::measure(&g, &p, &alerts, &ranked);
            if !loaded.labelled.is_empty() && g.len() <= 500 {
                let labels = learn::labels_from_records(&g, &loaded.labelled);
                let small = learn::Settings {
                    trees: 2,
                    depth: 2,
                    ..learn::Settings::default()
                };
                let _ = learn::train_and_evaluate(&g, &columns, &labels, &small);
            }
        }
    }
    let _ = unchain_finance::truth::read_amlsim_alerts(data);
    let _ = unchain_finance::truth::read_labelled_accounts(data);
    let _ = unchain_finance::input::amlsim_account_currencies(data);
}
