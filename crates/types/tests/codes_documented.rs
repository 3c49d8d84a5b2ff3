//! Every refusal code is listed in ARCHITECTURE.md with the meaning the code carries, so
//! the documented list and the one the API serves cannot drift apart.

use unchain_types::Code;

#[test]
fn architecture_lists_every_code_with_its_meaning() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ARCHITECTURE.md");
    let doc = std::fs::read_to_string(path).expect("ARCHITECTURE.md");
    let listed: Vec<&str> = doc.lines().filter(|l| l.starts_with("- `")).collect();
    for &code in Code::ALL {
        let line = format!("- `{code}`: {}", code.meaning());
        assert!(
            listed.contains(&line.as_str()),
            "ARCHITECTURE.md does not list {code} as\n{line}"
        );
    }
    // And nothing listed there is a code that does not exist.
    let section = &doc[doc.find("## Refusal codes").expect("the section")..];
    let section = &section[..section.find("\n## ").expect("the next section")];
    for line in section.lines().filter(|l| l.starts_with("- `")) {
        let slug = line[3..].split('`').next().expect("a code");
        assert!(Code::parse(slug).is_some(), "{slug} is no code");
    }
}
