//! HTCDS and CTDC against their published lists: every picklist value of the HTCDS field
//! dictionary is accepted and anything else refused with the field's name; documents
//! survive the spreadsheet layout unchanged; the CTDC export has the dataset's 63 columns,
//! is k-anonymous with k ≥ 11 (counted here, group by group), and holds no name, date of
//! birth or identifier.

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use unchain_htcds::{ctdc, sample, tables, validate};

fn data(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data")
            .join(name),
    )
    .expect("data file")
}

/// Where a field of `section` goes in a document.
fn place(section: &str, field: &str, value: Value) -> Value {
    let entry = json!({ field: value });
    match section {
        "Case" | "Referral Details" => json!({ "case": entry }),
        "Consent" => json!({ "consent": entry }),
        "Historic Trafficking Events" => json!({ "events": [entry] }),
        "Support Plan" => json!({ "support_plans": [entry] }),
        "Case Comment" => json!({ "comments": [entry] }),
        "Organization" => json!({ "organizations": [entry] }),
        _ => json!({ "persons": [entry] }),
    }
}

#[test]
fn every_picklist_value_of_the_dictionary_is_accepted_and_nothing_else() {
    let tsv = data("htcds_v2_fields.tsv");
    let mut picklists = 0;
    let mut values = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (section, field, ty, list) = (
            cols[0],
            cols[3],
            cols[4],
            cols.get(5).copied().unwrap_or(""),
        );
        if !ty.contains("Picklist") || list.is_empty() || list.starts_with("Use ") {
            continue;
        }
        picklists += 1;
        let multi = ty.starts_with("Multiselect");
        for v in list.split_whitespace() {
            values += 1;
            let value = if multi { json!([v]) } else { json!(v) };
            validate(&place(section, field, value))
                .unwrap_or_else(|e| panic!("{field} = {v} refused: {e}"));
        }
        let bad = if multi {
            json!(["NotInTheStandard"])
        } else {
            json!("NotInTheStandard")
        };
        let err = validate(&place(section, field, bad))
            .expect_err("an unlisted value")
            .to_string();
        assert!(
            err.contains(&format!(".{field}"))
                && err.contains("\"NotInTheStandard\" is not a value of"),
            "{err}"
        );
    }
    // The dictionary's picklists with listed values (the ISO-coded ones are checked as codes).
    assert_eq!((picklists, values), (21, 182));
}

#[test]
fn documents_survive_the_spreadsheet_layout_unchanged() {
    let docs: Vec<(String, Value)> = sample::documents(7, 40)
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            (
                format!("TH-{i:03}"),
                validate(&d).expect("sample documents are valid"),
            )
        })
        .collect();
    let t = tables::to_tables(&docs);
    assert!(
        t["persons"]
            .lines()
            .next()
            .expect("header")
            .starts_with("case_id,")
    );
    assert!(t["persons"].contains("DebtBondage") || t["persons"].contains("WithholdsDocuments"));
    let owned: BTreeMap<String, String> = t.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let back = tables::from_tables(&owned).expect("tables read back");
    assert_eq!(back, docs);

    // A spreadsheet cell outside the standard is refused by case, table position and field.
    let mut broken = owned.clone();
    let persons = broken["persons"].replacen("ActualVictimOfTrafficking", "Victim", 1);
    broken.insert("persons".into(), persons);
    let err = tables::from_tables(&broken)
        .expect_err("bad cell")
        .to_string();
    assert!(
        err.contains("vic_TraffickingStatus: \"Victim\" is not a value"),
        "{err}"
    );
}

#[test]
fn the_ctdc_export_is_k_anonymous_and_holds_no_personal_data() {
    let columns = data("ctdc_kanon_columns.txt");
    let columns: Vec<&str> = columns.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(columns, ctdc::COLUMNS);

    let docs = sample::documents(11, 600);
    let mut rows = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        rows.extend(ctdc::rows(
            &validate(d).expect("valid"),
            2023 + (i % 3) as i32,
        ));
    }
    assert_eq!(rows.len(), 600, "one victim per sample case");
    let (out, report) = ctdc::k_anonymise(rows.clone(), 11);
    assert!(report.rows_out > 300, "too much suppressed: {report:?}");
    // The export's order says nothing about the cases' order: the same rows in any order
    // give the same file, sorted by the published values.
    for seed in [1u64, 7, 12345] {
        let mut shuffled = rows.clone();
        // A different permutation per seed: rotate, then reverse the first half.
        shuffled.rotate_left((seed as usize * 97) % rows.len());
        let mid = shuffled.len() / 2;
        shuffled[..mid].reverse();
        assert_eq!(
            ctdc::to_csv(&ctdc::k_anonymise(shuffled, 11).0),
            ctdc::to_csv(&out),
            "order of the input leaked into the export (permutation {seed})"
        );
    }
    let as_rows: Vec<Vec<&str>> = out
        .iter()
        .map(|r| columns.iter().map(|c| r[*c].as_str()).collect())
        .collect();
    assert!(
        as_rows.windows(2).all(|w| w[0] <= w[1]),
        "the export is not sorted by its values"
    );
    assert_eq!(report.rows_out + report.suppressed, 600);
    assert!(
        report.generalised[0].1 > 0,
        "the sample needs generalising: {report:?}"
    );

    // Count equivalence classes on the quasi-identifiers independently of the library.
    let mut classes: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in &out {
        let key: Vec<&str> = ctdc::QUASI_IDENTIFIERS
            .iter()
            .map(|q| r[q].as_str())
            .collect();
        *classes.entry(key).or_default() += 1;
    }
    let smallest = classes.values().min().copied().unwrap_or(0);
    assert!(smallest >= 11, "an equivalence class of {smallest} rows");
    assert_eq!(report.smallest_group, smallest);

    let csv = ctdc::to_csv(&out);
    assert_eq!(csv.lines().next().expect("header"), columns.join(","));
    // Words of every cell: a name would be one of them ("Tran" inside "Transportation" is not).
    let words: std::collections::HashSet<&str> = csv
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for d in &docs {
        for p in d["persons"].as_array().expect("persons") {
            for k in ["prs_FirstName", "prs_SecondName"] {
                let v = p[k].as_str().expect("sample persons have names");
                assert!(!words.contains(v), "{k} {v:?} is in the CTDC export");
            }
            for k in ["prs_Birthdate", "prs_MobilePhone"] {
                if let Some(v) = p[k].as_str() {
                    assert!(!csv.contains(v), "{k} {v:?} is in the CTDC export");
                    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
                    assert!(!csv.contains(&digits), "{k} {v:?} is in the CTDC export");
                }
            }
        }
    }
}
