//! A compliance agreement across a real node, with the CLI as each party would use it: a
//! template's clause checked on the desk with a typo caught and pointed at; the brand
//! proposes the Employer Pays agreement; the agency signs; the brand's node evaluates the
//! due clause and attests its outcome by itself; asked again before it is due, the clause
//! is refused; `show` prints it all. The outcome is saved as a bundle and re-checked
//! offline with `unchain verify agreement`; a bundle whose facts or attested result were
//! changed is refused, naming what changed. An agreement between two other parties is
//! evaluated and attested only when they ask.

mod common;

use common::*;
use serde_json::Value;

const ORGS: [&str; 3] = ["gb-brand:GB", "np-himalaya-manpower:NP", "qa-mol:QA"];

#[tokio::test(flavor = "multi_thread")]
async fn the_employer_pays_agreement_is_proposed_signed_and_evaluated() {
    let chain = Chain::init(&ORGS);
    let node = chain.start().await;
    let url = node.client().base().to_owned();
    let run = |org: &str, args: &[&str]| {
        let key = chain.dir.path().join("keys").join(format!("{org}.json"));
        let mut all: Vec<String> = vec!["agreement".into()];
        all.extend(args.iter().map(|s| s.to_string()));
        all.extend([
            "--key".into(),
            key.display().to_string(),
            "--node".into(),
            url.clone(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        unchain(&refs)
    };
    let desk = tempfile::tempdir().expect("desk");
    let template =
        std::fs::read_to_string(repo_root().join("templates/agreements/employer-pays.json"))
            .expect("template");
    let filled = template
        .replace("\"brand\"", "\"gb-brand\"")
        .replace("\"recruiter\"", "\"np-himalaya-manpower\"")
        .replace("\"regulator\"", "\"qa-mol\"");
    let good = desk.path().join("employer-pays.json");
    std::fs::write(&good, &filled).expect("write");
    let typo = desk.path().join("typo.json");
    std::fs::write(&typo, filled.replace("f.owed == 0", "f.owing == 0")).expect("write");

    // On the desk, with no node: the typo is caught and pointed at.
    let checked = unchain(&["agreement", "check", &typo.display().to_string()]);
    assert!(!checked.ok);
    assert!(
        checked
            .stderr
            .contains("clauses[0].cel: unknown fact field `owing`")
            && checked.stderr.contains("recruit.fees.all(f, f.owing == 0)"),
        "{}",
        checked.stderr
    );
    let checked = must(
        unchain(&["agreement", "check", &good.display().to_string()]),
        "check",
    );
    assert!(
        checked
            .stdout
            .contains("1 clause(s) checked against fact schema version 1")
    );

    // Only a party proposes; the brand does, the agency signs.
    let outsider = run("qa-mol", &["propose", &good.display().to_string()]);
    assert!(
        !outsider.ok
            && outsider
                .stderr
                .contains("only an agreement it is a party to"),
        "{}",
        outsider.stderr
    );
    let id = must(
        run("gb-brand", &["propose", &good.display().to_string()]),
        "propose",
    )
    .stdout
    .trim()
    .to_owned();
    assert!(id.starts_with("a-") && id.len() == 22, "{id}");
    must(run("np-himalaya-manpower", &["sign", &id]), "sign");
    // In force, the clause is due: the proposer's node evaluates it and attests the
    // outcome by itself, with no one asking.
    wait_until("the brand's node evaluates and attests", 60, async || {
        let shown = run("gb-brand", &["show", &id, "--json"]);
        let v: Value = serde_json::from_str(&shown.stdout).unwrap_or_default();
        v["outcomes"][0]["attested"].is_string()
    })
    .await;
    let again = run("qa-mol", &["evaluate", &id, "employer-pays"]);
    assert!(
        !again.ok && again.stderr.contains("is not due at height"),
        "{}",
        again.stderr
    );
    let shown = must(run("gb-brand", &["show", &id]), "show");
    for line in [
        "no recruitment fee or cost charged to a worker",
        "gb-brand",
        "signed",
        "standing: in force",
        "recruit.fees.all(f, f.owed == 0)",
        "1 outcome(s)",
        "employer-pays        kept",
    ] {
        assert!(shown.stdout.contains(line), "{line}: {}", shown.stdout);
    }
    let json = must(run("gb-brand", &["show", &id, "--json"]), "show --json");
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["outcomes"][0]["kept"]["Ok"], Value::Bool(true), "{v}");
    let schema = must(unchain(&["agreement", "schema"]), "schema");
    assert!(schema.stdout.contains("supply.facilities[].last_audit_ms"));

    // The outcome, re-checked offline: attested once (by the node), saved, and verified
    // against the genesis with no node.
    let saved = desk.path().join("outcome.json");
    let out = saved.display().to_string();
    let twice = run("np-himalaya-manpower", &["attest", &id, "0"]);
    assert!(
        !twice.ok && twice.stderr.contains("was attested by"),
        "{}",
        twice.stderr
    );

    // An agreement the node's organisation is no party to is evaluated and attested only
    // when a party asks; its outcome has no bundle before that.
    let other = desk.path().join("other.json");
    let swapped = template
        .replace("\"brand\"", "\"qa-mol\"")
        .replace("\"recruiter\"", "\"np-himalaya-manpower\"")
        .replace("\"regulator\"", "\"gb-brand\"");
    std::fs::write(&other, swapped).expect("write");
    let other_id = must(
        run("qa-mol", &["propose", &other.display().to_string()]),
        "propose",
    )
    .stdout
    .trim()
    .to_owned();
    must(run("np-himalaya-manpower", &["sign", &other_id]), "sign");
    must(
        run("qa-mol", &["evaluate", &other_id, "employer-pays"]),
        "evaluate",
    );
    let early = run("qa-mol", &["bundle", &other_id, "0", "--out", &out]);
    assert!(
        !early.ok && early.stderr.contains("attest it first"),
        "{}",
        early.stderr
    );
    must(run("qa-mol", &["attest", &other_id, "0"]), "attest");
    // Its parties end it: proposed by one, signed by the other.
    must(
        run(
            "qa-mol",
            &[
                "end",
                &other_id,
                "--reason",
                "the recruitment season closed",
            ],
        ),
        "end",
    );
    let waiting = must(run("qa-mol", &["show", &other_id]), "show");
    assert!(
        waiting.stdout.contains(
            "amendment 1: ends it (the recruitment season closed), waiting for np-himalaya-manpower"
        ),
        "{}",
        waiting.stdout
    );
    must(
        run(
            "np-himalaya-manpower",
            &["sign", &other_id, "--amendment", "1"],
        ),
        "sign the end",
    );
    let ended = must(run("qa-mol", &["show", &other_id]), "show");
    assert!(ended.stdout.contains("standing: ended"), "{}", ended.stdout);
    must(
        run("qa-mol", &["bundle", &other_id, "0", "--out", &out]),
        "bundle",
    );
    let genesis = chain.genesis().display().to_string();
    must(
        unchain(&["verify", "agreement", &out, "--genesis", &genesis]),
        "verify the other",
    );
    must(
        run("gb-brand", &["bundle", &id, "0", "--out", &out]),
        "bundle",
    );
    // The console reads the agreement in plain words beside its CEL, with its outcome
    // and where it is in the log.
    let (password, _) = add_console_user(&chain.config(), "amina", "compliance_officer");
    let signed_in = console_sign_in(&url, "amina", &password).await;
    let session = set_cookie(&signed_in, "unchain_console").expect("a console session");
    let page = |path: String| {
        let session = session.clone();
        async move {
            reqwest::Client::new()
                .get(path)
                .header("cookie", format!("unchain_console={session}"))
                .send()
                .await
                .expect("console page")
                .text()
                .await
                .expect("html")
        }
    };
    let list = page(format!("{url}/console/agreements")).await;
    assert!(
        list.contains(&format!("/console/agreement/{id}"))
            && list.contains("Employer Pays: no recruitment fee"),
        "{list}"
    );
    let detail = page(format!("{url}/console/agreement/{id}")).await;
    for text in [
        "No worker recruited by the agency pays a recruitment fee or cost.",
        "recruit.fees.all(f, f.owed == 0)",
        "every 1000 blocks",
        "a penalty of 5000.00 USD, owed by np-himalaya-manpower to gb-brand",
        "id=\"agreement-outcomes\"",
        "kept",
        "/console/ledger/tx/",
    ] {
        assert!(detail.contains(text), "{text}: {detail}");
    }
    let th = page(format!("{url}/console/agreement/{id}?lang=th")).await;
    assert!(th.contains("มีผลบังคับใช้"), "{th}");
    drop(node);
    let verified = must(
        unchain(&["verify", "agreement", &out, "--genesis", &genesis]),
        "verify agreement",
    );
    for line in [
        format!("VERIFIED outcome 0 of agreement {id}: clause employer-pays kept"),
        "recruit.fees.all(f, f.owed == 0)".into(),
        "facts        SHA-256".into(),
        "rows of ledger state, each proven against the state root at height".into(),
        "  as read".into(),
        "key range(s) the evaluation scanned".into(),
        "trusting     validator and member keys of".into(),
    ] {
        assert!(
            verified.stdout.contains(line.as_str()),
            "{line}: {}",
            verified.stdout
        );
    }
    // Tampered: the facts' block time, then the attested result.
    let original: Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("read")).expect("JSON");
    let mut facts = original.clone();
    facts["facts"]["now"] = Value::from(facts["facts"]["now"].as_u64().expect("now") + 1);
    std::fs::write(&saved, facts.to_string()).expect("write");
    let refused = unchain(&["verify", "agreement", &out, "--genesis", &genesis]);
    assert!(
        !refused.ok
            && refused.stderr.contains("VERIFICATION FAILED")
            && refused.stderr.contains("the facts changed"),
        "{}",
        refused.stderr
    );
    // Tampered: a row the facts came from, as the bundle proves it.
    let mut row = original.clone();
    let proofs = row["fact_proofs"]["proofs"]
        .as_array_mut()
        .expect("the bundle proves the rows its facts came from");
    let read = proofs
        .iter_mut()
        .find(|p| {
            p["key"].as_str().is_some_and(|k| !k.starts_with("agree/")) && p["value"].is_object()
        })
        .expect("a row read by the evaluation");
    read["value"]["utf8"] = Value::from(format!(
        "{} ",
        read["value"]["utf8"].as_str().expect("text")
    ));
    std::fs::write(&saved, row.to_string()).expect("write");
    let refused = unchain(&["verify", "agreement", &out, "--genesis", &genesis]);
    assert!(
        !refused.ok && refused.stderr.contains("state proof of `"),
        "{}",
        refused.stderr
    );
    let mut result = original.clone();
    let last = result["entries"].as_array().expect("entries").len() - 1;
    let leaf = result["entries"][last]["leaf"]
        .as_str()
        .expect("leaf")
        .replace("\"kept\"", "\"breached\"");
    result["entries"][last]["leaf"] = Value::from(leaf);
    std::fs::write(&saved, result.to_string()).expect("write");
    let refused = unchain(&["verify", "agreement", &out, "--genesis", &genesis]);
    assert!(
        !refused.ok
            && refused.stderr.contains("entry 4 (agree.attest")
            && refused.stderr.contains("altered"),
        "{}",
        refused.stderr
    );
}
