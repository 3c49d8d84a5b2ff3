//! Statistics without personal data: victims of HTCDS cases as rows of the Counter
//! Trafficking Data Collaborative's k-anonymised global dataset (its 63 columns, in its
//! order), with k-anonymity enforced on the quasi-identifiers.
//!
//! A row never holds a name, a date of birth, an identifier or free text: only the
//! columns below, every one a category or a 0/1 flag. The quasi-identifiers
//! ([`QUASI_IDENTIFIERS`]) are those that describe a person (year, gender, age, majority,
//! citizenship, country of exploitation); every combination of them that appears must
//! appear at least `k` times. Rows in smaller groups are generalised one step at a time
//! ([`GENERALISATION`]: age band, then citizenship, then country of exploitation, then
//! year, then gender are blanked), and rows still in a group smaller than `k` are
//! suppressed. [`KanonReport`] says how many of each.
//!
//! Only the declared quasi-identifiers are k-protected: the other columns (means of
//! control, types of exploitation and labour) are published as they are, so a rare
//! combination of them is not hidden by k. The published rows are sorted by their own
//! values, never left in case order, so that someone who knows the list of cases cannot
//! match rows to cases by position.

use serde_json::Value;
use std::collections::BTreeMap;

/// The columns, in the CTDC dataset's order.
pub const COLUMNS: [&str; 63] = [
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlRestrictsFinancialAccess",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlUsesChildren",
    "meansOfControlThreatOfLawEnforcement",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    "meansOfControlNotSpecified",
    "meansOfControlConcatenated",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
    "typeOfExploitConcatenated",
    "typeOfLabourAgriculture",
    "typeOfLabourAquafarming",
    "typeOfLabourBegging",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfLabourIllicitActivities",
    "typeOfLabourManufacturing",
    "typeOfLabourMiningOrDrilling",
    "typeOfLabourPeddling",
    "typeOfLabourTransportation",
    "typeOfLabourOther",
    "typeOfLabourNotSpecified",
    "typeOfLabourConcatenated",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "typeOfSexRemoteInteractiveServices",
    "typeOfSexPrivateSexualServices",
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
    "recruiterRelationUnknown",
];

/// The columns that together could single a person out.
pub const QUASI_IDENTIFIERS: [&str; 8] = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    "CountryOfExploitation",
];

/// The generalisation steps, in order: each blanks these columns of a row in a too-small
/// group.
pub const GENERALISATION: [&[&str]; 5] = [
    &["ageBroad"],
    &["citizenship"],
    &["CountryOfExploitation"],
    &["yearOfRegistration"],
    &["gender"],
];

/// The smallest group size CTDC publishes with.
pub const MIN_K: usize = 11;

/// One row: a value for every column of [`COLUMNS`].
pub type Row = BTreeMap<&'static str, String>;

/// HTCDS methods of control → CTDC column suffix.
const CONTROL: [(&str, &str); 16] = [
    ("DebtBondage", "DebtBondage"),
    ("TakesEarnings", "TakesEarnings"),
    ("RestrictsFinancialAccess", "RestrictsFinancialAccess"),
    ("PhysicalThreats", "Threats"),
    ("ThreatensChildrenFamily", "Threats"),
    ("PsychologicalAbuse", "PsychologicalAbuse"),
    ("PhysicalAbuse", "PhysicalAbuse"),
    ("SexualAbuse", "SexualAbuse"),
    ("FalsePromises", "FalsePromises"),
    ("PsychoactiveSubstance", "PsychoactiveSubstances"),
    ("RestrictsMedicalCare", "RestrictsMedicalCare"),
    ("ExcessiveWorkingHours", "ExcessiveWorkingHours"),
    ("ThreatsLawEnforcement", "ThreatOfLawEnforcement"),
    ("WithholdsNecessities", "WithholdsNecessities"),
    ("WithholdsDocuments", "WithholdsDocuments"),
    ("Other", "Other"),
];

/// HTCDS forced-labour industry (ISIC section) → CTDC labour column suffix.
fn labour(industry: &str) -> &'static str {
    match industry.split('_').next().unwrap_or("") {
        "A" => "Agriculture",
        "B" => "MiningOrDrilling",
        "C" => "Manufacturing",
        "F" => "Construction",
        "G" => "Peddling",
        "H" => "Transportation",
        "I" => "Hospitality",
        "T" => "DomesticWork",
        _ => "Other",
    }
}

fn age_band(age: i64) -> &'static str {
    match age {
        ..=8 => "0--8",
        9..=17 => "9--17",
        18..=20 => "18--20",
        21..=23 => "21--23",
        24..=26 => "24--26",
        27..=29 => "27--29",
        30..=38 => "30--38",
        39..=47 => "39--47",
        _ => "48+",
    }
}

fn majority(age: Option<i64>) -> String {
    match age {
        Some(a) if a < 18 => "Minor".into(),
        Some(_) => "Adult".into(),
        None => String::new(),
    }
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.into()
}

fn strings<'v>(p: &'v Value, k: &str) -> Vec<&'v str> {
    match p.get(k) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// The CTDC rows of one checked HTCDS document: one per person whose role is `victim` or
/// who has a trafficking status other than "not a victim". `year` is the year the case
/// was registered (from the chain, not the document).
pub fn rows(doc: &Value, year: i32) -> Vec<Row> {
    let empty = Vec::new();
    let persons = doc
        .get("persons")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let events = doc
        .get("events")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut out = Vec::new();
    for p in persons {
        let role = p.get("role").and_then(Value::as_str);
        let status = p.get("vic_TraffickingStatus").and_then(Value::as_str);
        let victim = role == Some("victim")
            || matches!(
                status,
                Some("PossibleVictimOfTrafficking" | "ActualVictimOfTrafficking")
            );
        if !victim || status == Some("NotAVictimOfTrafficking") {
            continue;
        }
        let mut r: Row = COLUMNS.iter().map(|c| (*c, String::new())).collect();
        r.insert("yearOfRegistration", year.to_string());
        r.insert("Datasource", "Case Management".into());
        let gender = match p.get("prs_Gender").and_then(Value::as_str) {
            Some("Feminine") => "Woman",
            Some("Masculine") => "Man",
            Some("TransgenderFeminine" | "TransgenderMasculine" | "NonConforming") => {
                "Trans/Transgender/NonConforming"
            }
            _ => "",
        };
        r.insert("gender", gender.into());
        let birth_year = p
            .get("prs_Birthdate")
            .and_then(Value::as_str)
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i64>().ok());
        let age = birth_year.map(|b| i64::from(year) - b);
        r.insert("ageBroad", age.map(age_band).unwrap_or_default().into());
        r.insert("majorityStatus", majority(age));
        let at_exploit = p.get("vic_AgeWhenTrafficked").and_then(Value::as_i64);
        r.insert("majorityStatusAtExploit", majority(at_exploit));
        r.insert("majorityEntry", majority(at_exploit));
        r.insert(
            "citizenship",
            strings(p, "prs_Citizenship")
                .first()
                .copied()
                .unwrap_or("")
                .into(),
        );
        let control = strings(p, "vic_MethodsOfControl");
        let mut means: Vec<&str> = Vec::new();
        for (htcds, ctdc) in CONTROL {
            if control.contains(&htcds) && !means.contains(&ctdc) {
                means.push(ctdc);
            }
        }
        for c in COLUMNS.iter().filter(|c| c.starts_with("meansOfControl")) {
            let suffix = &c["meansOfControl".len()..];
            if !matches!(suffix, "NotSpecified" | "Concatenated") {
                r.insert(c, flag(means.contains(&suffix)));
            }
        }
        r.insert("meansOfControlNotSpecified", flag(means.is_empty()));
        r.insert("meansOfControlConcatenated", means.join(";"));
        let types = strings(p, "vic_TypeOfExploitation");
        let has = |t: &str| types.contains(&t);
        let labour_exploit = has("ForcedLabour") || has("ChildLabour") || has("ForcedBegging");
        let sex = has("SexualExploitation");
        let other = types.iter().any(|t| {
            !matches!(
                *t,
                "ForcedLabour"
                    | "ChildLabour"
                    | "ForcedBegging"
                    | "SexualExploitation"
                    | "ForcedMarriage"
                    | "ForcedMilitaryByNonStateActors"
                    | "OrganRemoval"
                    | "Servitude"
            )
        });
        r.insert("isForcedLabour", flag(labour_exploit));
        r.insert("isSexualExploit", flag(sex));
        r.insert("isOtherExploit", flag(other));
        r.insert("isSexAndLabour", flag(sex && labour_exploit));
        r.insert("isForcedMarriage", flag(has("ForcedMarriage")));
        r.insert(
            "isForcedMilitary",
            flag(has("ForcedMilitaryByNonStateActors")),
        );
        r.insert("isOrganRemoval", flag(has("OrganRemoval")));
        r.insert("isSlaveryAndPractices", flag(has("Servitude")));
        r.insert("typeOfExploitConcatenated", types.join(";"));
        let mut kinds: Vec<&str> = Vec::new();
        if labour_exploit {
            if let Some(i) = p.get("vic_ForcedLabourIndustry").and_then(Value::as_str) {
                kinds.push(labour(i));
            }
            if has("ForcedBegging") {
                kinds.push("Begging");
            }
        }
        for c in COLUMNS.iter().filter(|c| c.starts_with("typeOfLabour")) {
            let suffix = &c["typeOfLabour".len()..];
            if !matches!(suffix, "NotSpecified" | "Concatenated") {
                r.insert(c, flag(kinds.contains(&suffix)));
            }
        }
        r.insert(
            "typeOfLabourNotSpecified",
            flag(labour_exploit && kinds.is_empty()),
        );
        r.insert("typeOfLabourConcatenated", kinds.join(";"));
        let sex_types = strings(p, "vic_TypeOfSexExploitation");
        for t in [
            "Prostitution",
            "Pornography",
            "RemoteInteractiveServices",
            "PrivateSexualServices",
        ] {
            let c = COLUMNS
                .iter()
                .find(|c| c.strip_prefix("typeOfSex") == Some(t))
                .expect("a typeOfSex column per HTCDS value");
            r.insert(c, flag(sex_types.contains(&t)));
        }
        r.insert("typeOfSexConcatenated", sex_types.join(";"));
        r.insert("isAbduction", String::new());
        let relation = match p
            .get("vic_RelationshipToTrafficker")
            .and_then(Value::as_str)
        {
            Some("Familial") => "Family",
            Some("Acquainted") => "Friend",
            Some("Unaquainted") => "Other",
            _ => "Unknown",
        };
        r.insert("RecruiterRelationship", relation.into());
        for (c, v) in [
            ("recruiterRelationIntimatePartner", "IntimatePartner"),
            ("recruiterRelationFriend", "Friend"),
            ("recruiterRelationFamily", "Family"),
            ("recruiterRelationOther", "Other"),
            ("recruiterRelationUnknown", "Unknown"),
        ] {
            r.insert(c, flag(relation == v));
        }
        let id = p.get("id").and_then(Value::as_str);
        let country = events
            .iter()
            .filter(|e| e.get("hte_Type").and_then(Value::as_str) == Some("Exploitation"))
            .filter(|e| {
                id.is_none()
                    || e.get("person")
                        .and_then(Value::as_str)
                        .is_none_or(|x| Some(x) == id)
            })
            .find_map(|e| e.get("hte_Country").and_then(Value::as_str))
            .filter(|c| unchain_types::country::is_alpha2(c))
            .unwrap_or("");
        r.insert("CountryOfExploitation", country.into());
        out.push(r);
    }
    out
}

/// What enforcing k-anonymity did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KanonReport {
    /// The k enforced.
    pub k: usize,
    /// Rows before.
    pub rows_in: usize,
    /// Rows published.
    pub rows_out: usize,
    /// Rows generalised at each step of [`GENERALISATION`] (a row can be counted at
    /// several steps).
    pub generalised: Vec<(String, usize)>,
    /// Rows left out because no generalisation put them in a group of `k`.
    pub suppressed: usize,
    /// Groups of quasi-identifiers in the output.
    pub groups: usize,
    /// The smallest group in the output (0 when there are no rows).
    pub smallest_group: usize,
}

fn key(r: &Row) -> [&str; QUASI_IDENTIFIERS.len()] {
    QUASI_IDENTIFIERS.map(|q| r[q].as_str())
}

/// Group sizes by quasi-identifier values.
pub fn groups(rows: &[Row]) -> BTreeMap<[&str; QUASI_IDENTIFIERS.len()], usize> {
    let mut g = BTreeMap::new();
    for r in rows {
        *g.entry(key(r)).or_insert(0) += 1;
    }
    g
}

/// For each row, whether its group has fewer than `k` rows.
fn too_rare(rows: &[Row], k: usize) -> Vec<bool> {
    let sizes = groups(rows);
    rows.iter().map(|r| sizes[&key(r)] < k).collect()
}

/// Makes `rows` k-anonymous on [`QUASI_IDENTIFIERS`]: generalises rows in groups smaller
/// than `k`, step by step, then suppresses what is still too rare. `k` below [`MIN_K`] is
/// raised to it.
pub fn k_anonymise(mut rows: Vec<Row>, k: usize) -> (Vec<Row>, KanonReport) {
    let k = k.max(MIN_K);
    let rows_in = rows.len();
    let mut generalised = Vec::new();
    for step in GENERALISATION {
        let rare = too_rare(&rows, k);
        let mut n = 0;
        for (r, _) in rows.iter_mut().zip(&rare).filter(|(_, rare)| **rare) {
            for c in step {
                r.insert(c, String::new());
            }
            n += 1;
        }
        generalised.push((step.join("+"), n));
    }
    let rare = too_rare(&rows, k);
    let mut keep = rare.iter().map(|r| !r);
    rows.retain(|_| keep.next().expect("one flag per row"));
    // Rows in the order of their published values: the input's order (case order) must
    // not survive into the export.
    rows.sort_by(|a, b| {
        COLUMNS
            .iter()
            .map(|c| a[c].as_str())
            .cmp(COLUMNS.iter().map(|c| b[c].as_str()))
    });
    let (groups_out, smallest_group) = {
        let out = groups(&rows);
        (out.len(), out.values().copied().min().unwrap_or(0))
    };
    let report = KanonReport {
        k,
        rows_in,
        rows_out: rows.len(),
        generalised,
        suppressed: rows_in - rows.len(),
        groups: groups_out,
        smallest_group,
    };
    (rows, report)
}

/// The rows as CSV, with the CTDC header.
pub fn to_csv(rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("write to memory");
    for r in rows {
        w.write_record(COLUMNS.iter().map(|c| r[c].as_str()))
            .expect("write to memory");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("UTF-8")
}
