//! A whole read (split on one thread, parsed on another, in batches) gives exactly what
//! reading row by row gives: the same records, errors, names and labels, in order, with
//! bad rows at batch boundaries and rows the CSV splitter itself refuses.

use unchain_finance::input::{InputError, Loaded, Options, Reader, read_with};
use unchain_finance::synth;

/// The generator's rows, with bad ones written in at `bad` (row positions): each kind in
/// turn (a bad value, a bad time, an invalid UTF-8 byte, a short row).
fn file(bad: &[usize]) -> Vec<u8> {
    let spec = synth::Spec {
        accounts: 2_000,
        transactions: 15_000,
        per_typology: 2,
        ..synth::Spec::default()
    };
    let (csv, _) = synth::generate_csv(&spec);
    let mut lines: Vec<Vec<u8>> = csv.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    for (k, &at) in bad.iter().enumerate() {
        let line = &mut lines[at + 1];
        match k % 4 {
            0 => line.extend_from_slice(b"x"), // the mcc (or amount) gains a letter
            1 => {
                let comma = line.iter().position(|b| *b == b',').expect("a comma");
                line.splice(comma + 1..comma + 1, *b"not-a-time");
            }
            2 => line.splice(0..0, [0xFF, 0xFE]).for_each(drop),
            _ => line.truncate(3),
        }
    }
    lines.join(&b'\n')
}

/// Row by row, through the streaming reader.
fn one_by_one(bytes: &[u8], options: Options) -> Result<Loaded, InputError> {
    let skip = options.skip_bad_rows;
    let mut r = Reader::with_options(bytes, options)?;
    let (mut records, mut skipped) = (Vec::new(), Vec::new());
    while let Some(next) = r.next_record() {
        match next {
            Ok(rec) => records.push(rec),
            Err(e) if skip => skipped.push(e),
            Err(e) => return Err(InputError::Row(e)),
        }
    }
    Ok(Loaded {
        format: r.format(),
        records,
        names: r.names().clone(),
        skipped,
        ignored: r.ignored().clone(),
        labelled: r.labelled().to_vec(),
        span: r.span(),
    })
}

fn same(a: &Loaded, b: &Loaded) {
    assert_eq!(a.records, b.records);
    assert_eq!(a.skipped, b.skipped);
    assert_eq!(a.ignored, b.ignored);
    assert_eq!(a.labelled, b.labelled);
    assert_eq!(a.span, b.span);
    assert_eq!(a.names.ids.len(), b.names.ids.len());
    for i in 0..a.names.ids.len() {
        assert_eq!(&a.names.ids[i], &b.names.ids[i]);
    }
    assert_eq!(a.names.accounts.len(), b.names.accounts.len());
    for i in 0..a.names.accounts.len() as u32 {
        assert_eq!(a.names.accounts.name(i), b.names.accounts.name(i));
    }
}

#[test]
fn a_whole_read_is_the_row_by_row_read_across_batches() {
    // Batches hold 4 096 rows: bad rows at the first and last of a batch, and beyond.
    let bad = [0, 4_095, 4_096, 4_097, 8_191, 8_192, 12_000, 15_100];
    let bytes = file(&bad);
    let skip = Options {
        skip_bad_rows: true,
        ..Options::default()
    };
    let whole = read_with(bytes.as_slice(), skip.clone(), |_| {}).expect("reads");
    same(&whole, &one_by_one(&bytes, skip).expect("reads"));
    assert_eq!(whole.skipped.len(), bad.len(), "{:?}", whole.skipped);
    let lines: Vec<u64> = whole.skipped.iter().map(|e| e.line).collect();
    let expected: Vec<u64> = bad.iter().map(|&b| b as u64 + 2).collect();
    assert_eq!(lines, expected);
    assert!(whole.records.len() > 15_000);
    // Without skipping, both stop at the first bad row with the same error, whether it
    // is in the first batch or a later one.
    for first in [0, 4_096, 15_100] {
        let bytes = file(&[first]);
        let a = read_with(bytes.as_slice(), Options::default(), |_| {}).expect_err("bad");
        let b = one_by_one(&bytes, Options::default()).expect_err("bad");
        assert_eq!(a.to_string(), b.to_string());
        assert!(
            a.to_string().starts_with(&format!("line {}, ", first + 2)),
            "{a}"
        );
    }
}

#[test]
fn progress_reaches_the_end_of_the_file() {
    let bytes = file(&[]);
    let mut last = 0;
    read_with(bytes.as_slice(), Options::default(), |b| last = b).expect("reads");
    assert_eq!(last, bytes.len() as u64);
}
