//! Clauses as the issue's templates would write them, evaluated over facts that keep and
//! break them; every kind of bad clause refused with a pointer into it; facts that do not
//! fit the schema refused by name.

use serde_json::{Value, json};
use unchain_agree::Clause;
use unchain_agree::check::MAX_COST;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_780_000_000_000;

/// Facts with nothing in them but the time.
fn empty() -> Value {
    json!({
        "now": NOW, "height": 1200, "today": "2026-05-28",
        "parties": [{"id": "qa-doha-build", "country": "QA", "facilities": ["urn:epc:id:sgln:4012345.00077.0"]}],
        "supply": {"facilities": [], "findings": [], "audits": []},
        "recruit": {"fees": [], "wage_findings": [], "passports_held": [], "voice": []}
    })
}

fn kept(source: &str, facts: &Value) -> bool {
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let clause = Clause::compile(source, &schema).unwrap_or_else(|e| panic!("{source}: {e}"));
    clause
        .evaluate(&schema, facts)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn refused(source: &str) -> unchain_agree::ClauseError {
    Clause::compile(
        source,
        &unchain_agree::schema::version(1).expect("schema version 1"),
    )
    .expect_err(source)
}

#[test]
fn the_employer_pays_principle_is_broken_by_a_fee_still_owed() {
    let clause = "recruit.fees.all(f, f.owed == 0)";
    let mut facts = empty();
    assert!(kept(clause, &facts), "no fee at all");
    facts["recruit"]["fees"] = json!([
        {"recruiter": "np-himalaya-manpower", "worker": "w-5e1a77c0aa", "amount": 15000000,
         "currency": "NPR", "owed": 0, "status": "remediated"}]);
    assert!(kept(clause, &facts), "repaid in full");
    facts["recruit"]["fees"][0]["owed"] = json!(5_000_000);
    assert!(!kept(clause, &facts), "still owed");
}

#[test]
fn a_finding_left_open_past_thirty_days_breaks_remediation_within_thirty_days() {
    let clause =
        r#"supply.findings.all(f, f.status != "open" || now - f.opened_ms <= 30 * 86400000)"#;
    let mut facts = empty();
    let finding = |opened_days_ago: i64, status: &str| {
        json!({"id": "f1", "facility": "urn:epc:id:sgln:4012345.00077.0",
            "indicator": "retention_of_identity_documents", "severity": "high",
            "status": status, "opened_ms": NOW - opened_days_ago * DAY, "remediated_ms": 0})
    };
    facts["supply"]["findings"] = json!([finding(29, "open")]);
    assert!(kept(clause, &facts));
    facts["supply"]["findings"] = json!([finding(31, "open")]);
    assert!(!kept(clause, &facts));
    facts["supply"]["findings"] = json!([finding(31, "remediated")]);
    assert!(kept(clause, &facts));
}

#[test]
fn passports_wages_audits_and_published_voice_read_as_written() {
    let mut facts = empty();
    assert!(kept("size(recruit.passports_held) == 0", &facts));
    facts["recruit"]["passports_held"] =
        json!([{"employer": "qa-doha-build", "worker": "w-5e1a77c0aa"}]);
    assert!(!kept("size(recruit.passports_held) == 0", &facts));
    // Wages paid by the 7th: no wage finding of kind late or withheld for the employer.
    let wages = r#"!recruit.wage_findings.exists(w, w.employer == "qa-doha-build" && w.kind in ["late", "withheld"])"#;
    assert!(kept(wages, &facts));
    facts["recruit"]["wage_findings"] = json!([{"employer": "qa-doha-build",
        "worker": "w-5e1a77c0aa", "month": "2026-03", "kind": "late", "paid_on": "2026-04-28"}]);
    assert!(!kept(wages, &facts));
    // A yearly audit of one named facility.
    let audit = r#"supply.audits.exists(a, a.facility == "urn:epc:id:sgln:4012345.00077.0" && now - a.at_ms <= 365 * 86400000)"#;
    assert!(!kept(audit, &facts));
    facts["supply"]["audits"] = json!([{"facility": "urn:epc:id:sgln:4012345.00077.0",
        "auditor": "gb-audit", "at_ms": NOW - 200 * DAY}]);
    assert!(kept(audit, &facts));
    // Fewer than half of a published month's workers signalling wages withheld.
    let voice = r#"recruit.voice.all(m, m.indicators.all(i, i.indicator != "withholding_of_wages" || i.count * 2 < m.count))"#;
    facts["recruit"]["voice"] = json!([{"employer": "qa-doha-build", "month": "2026-03",
        "kind": "survey", "count": 12, "escalated": 0,
        "indicators": [{"indicator": "withholding_of_wages", "count": 6}]}]);
    assert!(!kept(voice, &facts));
    // The macros: filter, map, exists_one, and the conditional.
    assert!(kept(
        r#"parties.filter(p, p.country == "QA").map(p, p.id) == ["qa-doha-build"]"#,
        &facts
    ));
    assert!(kept(
        r#"parties.exists_one(p, p.id.startsWith("qa-"))"#,
        &facts
    ));
    assert!(kept(
        r#"(size(parties) > 0 ? parties[0].country : "none") == "QA""#,
        &facts
    ));
}

#[test]
fn bad_clauses_are_refused_with_a_pointer_into_them() {
    let e = refused("supply.findngs.all(f, f.status == \"open\")");
    assert!(
        e.message.contains(
            "unknown fact field `findngs`; this record has: audits, facilities, findings"
        ),
        "{e}"
    );
    assert_eq!(e.at, Some((1, 8)), "{e}");
    assert!(e.to_string().ends_with("\n         ^"), "{e:?}");
    let e = refused("nw > 5");
    assert!(e.message.contains("unknown fact `nw`"), "{e}");
    assert_eq!(e.at, Some((1, 1)));
    let e = refused("now > \"yesterday\"");
    assert!(e.message.contains("`>` does not take (int, string)"), "{e}");
    assert_eq!(e.at, Some((1, 5)));
    let e = refused("recruit.fees.all(f, f.amount < 1500.50)");
    assert!(e.message.contains("no floating point"), "{e}");
    let e = refused("now + 5");
    assert!(e.message.contains("a bool), not a int"), "{e}");
    let e = refused("recruit.fees.all(f, f.amount <");
    assert!(e.message.starts_with("syntax:"), "{e}");
    assert!(e.at.is_some(), "{e}");
    let e = refused("{\"a\": 1} == {\"a\": 1}");
    assert!(e.message.contains("no map or message literals"), "{e}");
    let e = refused("matches(today, \"2026-.*\")");
    assert!(e.message.contains("`matches` is not a function"), "{e}");
    // The cel crate negates without an overflow check: a minus goes on a number only.
    let e = refused("-(now - now) == 0");
    assert!(e.message.contains("write 0 - x"), "{e}");
    assert!(kept("-5 < 0 && 0 - now < 0", &empty()));
    let e = refused("5u > 4u");
    assert!(e.message.contains("no unsigned integers"), "{e}");
    // A loop over every audit for each of a party's facilities, for every party: too costly.
    let e = refused(
        "parties.all(p, p.facilities.all(fac, supply.audits.exists(a, a.facility == fac)))",
    );
    assert!(
        e.message.contains("too costly") && e.message.contains(&MAX_COST.to_string()),
        "{e}"
    );
    // Brackets are checked before the CEL parser sees the text: fuzzing found unbalanced
    // input that trips a fault in its depth counter. The input it found, and variants.
    let found = "((((()()(((+\0\0\0((((((((((((((((((((((tsup((p?ly.fin(((((d()(((%((((((ne(d((/";
    let e = refused(found);
    assert!(e.message.starts_with("syntax:"), "{e}");
    // And a run of `?` without `:`, with no bracket at all (found the same way).
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../fuzz/corpus/agree_clause/seed-crash-parser-ternary"
    ))
    .expect("the input fuzzing found");
    let e = refused(std::str::from_utf8(&found).expect("UTF-8"));
    assert!(e.message.contains("a `?` without its `:`"), "{e}");
    // And brackets after a string left open at the end of its line (the parser's lexer
    // does not carry a string over a line; found the same way).
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../fuzz/corpus/agree_clause/seed-crash-parser-string-newline"
    ))
    .expect("the input fuzzing found");
    let e = refused(&String::from_utf8_lossy(&found));
    assert!(e.message.contains("is not closed on its line"), "{e}");
    let e = refused("today == \"2026\n\" || true");
    assert!(e.message.contains("is not closed on its line"), "{e}");
    let e = refused("now > 0 ? true");
    assert!(e.message.contains("a `?` without its `:`"), "{e}");
    assert!(kept("now > 0 ? true : false", &empty()));
    let e = refused("size(parties]");
    assert!(e.message.contains("`]` closes nothing open"), "{e}");
    assert_eq!(e.at, Some((1, 13)));
    let e = refused("size(parties");
    assert!(e.message.contains("`(` is never closed"), "{e}");
    let e = refused("today == \"2026-(");
    assert!(e.message.contains("a string is never closed"), "{e}");
    assert!(
        kept("today != \")(\"", &empty()),
        "brackets in strings are text"
    );
    // Balanced text can trip the same fault (found by fuzzing): the panic stays in the
    // parser's thread and the clause is refused, in debug and release builds alike.
    let balanced = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../fuzz/corpus/agree_clause/seed-crash-parser-depth-balanced"),
    )
    .expect("the fuzzer's input");
    let e = refused(std::str::from_utf8(&balanced).expect("utf-8"));
    assert!(!e.message.is_empty(), "{e}");
    // Deep nesting is refused before the parser, not by the stack.
    let deep = format!("{}true{}", "(".repeat(200), ")".repeat(200));
    assert!(refused(&deep).message.starts_with("syntax:"));
    assert!(
        refused(&"x".repeat(5000))
            .message
            .contains("at most 4096 bytes")
    );
}

#[test]
fn facts_that_do_not_fit_the_schema_are_refused_by_name() {
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let clause = Clause::compile("now > 0", &schema).expect("a clause");
    let mut facts = empty();
    facts["now"] = json!(1.5);
    assert_eq!(
        clause.evaluate(&schema, &facts),
        Err("facts: now is not a int".into())
    );
    let mut facts = empty();
    facts["supply"]["audits"] = json!([{"facility": "x", "auditor": "y"}]);
    assert_eq!(
        clause.evaluate(&schema, &facts),
        Err("facts: supply.audits[0].at_ms is missing".into())
    );
    let mut facts = empty();
    facts["parties"] = json!(vec![
        json!({"id": "a", "country": "QA", "facilities": []});
        33
    ]);
    assert!(
        clause
            .evaluate(&schema, &facts)
            .expect_err("too many")
            .contains("over the schema's 32")
    );
    let mut facts = empty();
    facts["weather"] = json!("sunny");
    assert!(
        clause
            .evaluate(&schema, &facts)
            .expect_err("extra")
            .contains("weather is not in schema version 1")
    );
}

#[test]
fn arithmetic_is_exact_and_an_overflow_is_an_error_not_a_wrap() {
    let schema = unchain_agree::schema::version(1).expect("schema version 1");
    let facts = empty();
    assert!(kept(
        "9223372036854775807 - 1 == 9223372036854775806",
        &facts
    ));
    let clause = Clause::compile("now * 9223372036854775807 > 0", &schema).expect("checks");
    assert!(
        clause
            .evaluate(&schema, &facts)
            .expect_err("overflows")
            .to_lowercase()
            .contains("overflow"),
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Whatever is typed, compiling answers (a clause or a reason) and never panics; a
    /// clause that compiles evaluates over the empty facts to a bool or an error, the same
    /// twice.
    #[test]
    fn any_text_compiles_or_is_refused_and_evaluates_the_same_twice(
        source in "[a-z_. ()<>=!&|0-9\"\\[\\],+*-]{0,60}"
    ) {
        let schema = unchain_agree::schema::version(1).expect("schema version 1");
        if let Ok(c) = Clause::compile(&source, &schema) {
            let facts = empty();
            proptest::prop_assert_eq!(c.evaluate(&schema, &facts), c.evaluate(&schema, &facts));
        }
    }
}
