//! The GS1 identifiers against the Tag Data Standard's examples, check digits and round trips.

use super::*;

#[test]
fn check_digits_of_the_general_specifications_examples() {
    // GS1 General Specifications §7.9.1: GTIN-13 629104150021 -> 3.
    assert_eq!(check_digit("629104150021"), Some(3));
    // The SSCC of the EPC Tag Data Standard's example, (00)106141412345678908.
    assert_eq!(check_digit("10614141234567890"), Some(8));
    assert_eq!(check_digit("12a"), None);
}

#[test]
fn the_tag_data_standard_examples_become_their_digital_links() {
    // EPC TDS 2.1 §6.3.1 and the GS1 EPCIS examples.
    for (urn, dl) in [
        (
            "urn:epc:id:sgtin:0614141.107346.2017",
            "https://id.gs1.org/01/10614141073464/21/2017",
        ),
        (
            "urn:epc:id:sgtin:0614141.112345.400",
            "https://id.gs1.org/01/10614141123459/21/400",
        ),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        ),
        (
            "urn:epc:id:sscc:0614141.1234567890",
            "https://id.gs1.org/00/106141412345678908",
        ),
        (
            "urn:epc:id:sgln:0614141.12345.400",
            "https://id.gs1.org/414/0614141123452/254/400",
        ),
        (
            "urn:epc:id:sgln:0614141.00777.0",
            "https://id.gs1.org/414/0614141007776",
        ),
        (
            "urn:epc:id:grai:0614141.12345.400",
            "https://id.gs1.org/8003/00614141123452400",
        ),
        (
            "urn:epc:id:giai:0614141.12345400",
            "https://id.gs1.org/8004/061414112345400",
        ),
        (
            "urn:epc:idpat:sgtin:4012345.066666.*",
            "https://id.gs1.org/01/04012345666663",
        ),
        (
            "urn:epc:id:gsrn:0614141.1234567890",
            "https://id.gs1.org/8018/061414112345678902",
        ),
        (
            "urn:epc:id:gsrnp:0614141.1234567890",
            "https://id.gs1.org/8017/061414112345678902",
        ),
        (
            "urn:epc:id:gdti:0614141.12345.400",
            "https://id.gs1.org/253/0614141123452400",
        ),
        (
            "urn:epc:id:sgcn:4012345.67890.04711",
            "https://id.gs1.org/255/401234567890104711",
        ),
        (
            "urn:epc:id:ginc:0614141.xyz47%2F11",
            "https://id.gs1.org/401/0614141xyz47%2F11",
        ),
        (
            "urn:epc:id:gsin:0614141.123456789",
            "https://id.gs1.org/402/06141411234567890",
        ),
    ] {
        let id = Gs1Id::parse(urn).unwrap_or_else(|e| panic!("{urn}: {e}"));
        assert_eq!(id.canonical(), dl, "{urn}");
        // The Digital Link reads back as the same thing.
        assert_eq!(Gs1Id::parse(dl).expect(dl), id, "{dl}");
    }
}

#[test]
fn a_digital_link_on_any_host_with_a_prefix_and_a_query_is_the_same_thing() {
    let id = Gs1Id::parse("https://example.com/some/path/01/9520123456788/21/12345?17=271231")
        .expect("valid");
    assert_eq!(
        id.canonical(),
        "https://id.gs1.org/01/09520123456788/21/12345"
    );
    // A GTIN-13 is the GTIN-14 padded with a zero.
    assert_eq!(
        Gs1Id::parse("https://id.gs1.org/01/09520123456788/21/12345").expect("valid"),
        id
    );
}

#[test]
fn escapes_are_decoded_and_the_canonical_form_encodes_them_again() {
    let id = Gs1Id::parse("urn:epc:id:sgtin:0614141.107346.AB%2F12").expect("valid");
    assert_eq!(
        id,
        Gs1Id::Sgtin {
            gtin: "10614141073464".into(),
            serial: "AB/12".into()
        }
    );
    assert_eq!(
        id.canonical(),
        "https://id.gs1.org/01/10614141073464/21/AB%2F12"
    );
    assert_eq!(Gs1Id::parse(&id.canonical()).expect("round trip"), id);
    // The URN does not escape a dot: the serial is everything after the second one.
    let dotted = Gs1Id::parse("urn:epc:id:sgtin:0614141.107346.A.B").expect("valid");
    assert_eq!(
        dotted.canonical(),
        "https://id.gs1.org/01/10614141073464/21/A.B"
    );
}

#[test]
fn only_uris_shaped_like_a_digital_link_are_taken_for_one() {
    assert!(Gs1Id::is_digital_link(
        "https://example.com/01/10614141073465/21/1"
    ));
    assert!(Gs1Id::is_digital_link(
        "https://id.gs1.org/414/0614141123452"
    ));
    assert!(!Gs1Id::is_digital_link("https://example.com/2020/01/15"));
    assert!(!Gs1Id::is_digital_link(
        "https://example.com/999/4012345000054987"
    ));
    // GS1's examples name a document on example.com: a GDTI with serial 987.
    assert_eq!(
        Gs1Id::parse("https://example.com/253/4012345000054987").expect("valid"),
        Gs1Id::Gdti {
            gdti: "4012345000054".into(),
            serial: "987".into()
        }
    );
    assert!(!Gs1Id::is_digital_link("urn:epc:id:sgtin:0614141.107346.1"));
}

#[test]
fn a_wrong_check_digit_is_refused_naming_the_right_one() {
    let e = Gs1Id::parse("https://id.gs1.org/01/10614141073465/21/1").expect_err("bad");
    assert!(e.reason.contains("check digit should be 4, not 5"), "{e}");
    let e = Gs1Id::parse("https://id.gs1.org/00/106141412345678907").expect_err("bad");
    assert!(e.reason.contains("should be 8"), "{e}");
    assert!(Gs1Id::parse("https://id.gs1.org/414/0614141123453").is_err());
}

#[test]
fn malformed_identifiers_are_refused_with_the_rule() {
    for (bad, rule) in [
        ("urn:epc:id:sgtin:0614141.107346", "expected the form"),
        ("urn:epc:id:sscc:0614141.12345.67890", "must be digits"),
        ("urn:epc:id:sgtin:061414.107346.1", "13 digits"),
        ("urn:epc:id:sgtin:0614141.107346.a b", "character set 82"),
        (
            "urn:epc:id:sgtin:0614141.107346.123456789012345678901",
            "1 to 20",
        ),
        ("urn:epc:id:sgtin:0614141.107346.%zz", "percent escape"),
        ("urn:epc:id:usdod:1.2", "not a scheme"),
        ("https://example.com/nothing/here", "no GS1 primary key"),
        ("https://id.gs1.org/01/10614141073464/21", "AI/value pairs"),
        (
            "https://id.gs1.org/01/10614141073464/17/271231",
            "after /01/",
        ),
        ("https://id.gs1.org/01/123/21/1", "8, 12, 13 or 14"),
        ("ftp://id.gs1.org/01/10614141073464", "neither"),
    ] {
        let e = Gs1Id::parse(bad).expect_err(bad);
        assert!(e.reason.contains(rule), "{bad}: {e}");
        assert_eq!(e.id, bad);
    }
}

proptest::proptest! {
    #[test]
    fn every_sgtin_urn_round_trips_through_its_digital_link(
        cp_len in 6usize..=12,
        digits in proptest::collection::vec(0u8..10, 13),
        serial in "[A-Za-z0-9!%&()*+,./:;<=>?_-]{1,20}",
    ) {
        let d: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let (cp, ir) = d.split_at(cp_len);
        let urn = format!("urn:epc:id:sgtin:{cp}.{ir}.{}", percent_encode(&serial));
        let id = Gs1Id::parse(&urn).expect("valid URN");
        let dl = id.canonical();
        proptest::prop_assert_eq!(Gs1Id::parse(&dl).expect("valid DL"), id.clone());
        proptest::prop_assert_eq!(id.gtin().map(str::len), Some(14));
    }
}
