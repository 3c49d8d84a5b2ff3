//! GS1 identifiers as EPCIS carries them: EPC URNs (GS1 EPC Tag Data Standard 2.x, §6)
//! and GS1 Digital Link URIs (GS1 Digital Link standard, URI syntax 1.x). Both name the
//! same things — a trade item class, one instance, a lot, a logistic unit, a location, a
//! party, an asset — and [`Gs1Id`] is that thing, whichever way it was written. Its one
//! canonical spelling ([`Gs1Id::canonical`]) is the Digital Link on `https://id.gs1.org`,
//! with the GTIN as 14 digits and no query string, which is also what the CBV 2.0 event
//! hash hashes. Every check digit is verified.
//!
//! Choices written down:
//! - A Digital Link may carry a path before its primary key (`https://example.com/a/b/01/…`)
//!   and a query string; neither is part of the identity, and the canonical form drops
//!   both. Only numeric application identifiers are read (not the deprecated short names
//!   such as `/gtin/`).
//! - A GTIN-8, -12 or -13 in a Digital Link is the GTIN-14 padded on the left with zeros,
//!   as the GS1 General Specifications define it.
//! - Serials, lots and asset references are GS1 AI encodable character set 82, at most 20
//!   characters (30 for a GIAI, 28 for a GRAI serial's value with its key), decoded from the
//!   URN's `%xx` escapes or the URI's percent-encoding; the canonical form percent-encodes
//!   every character outside RFC 3986's unreserved set.

use std::fmt;

/// Why a string is not a GS1 identifier: the string and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{id:?}: {reason}")]
pub struct IdError {
    /// The identifier as given.
    pub id: String,
    /// The rule it breaks.
    pub reason: String,
}

fn err(id: &str, reason: impl Into<String>) -> IdError {
    IdError {
        id: id.to_owned(),
        reason: reason.into(),
    }
}

/// The GS1 check digit of `digits` (every digit but the check digit): weights 3 and 1
/// alternating from the right, then the distance up to a multiple of ten (GS1 General
/// Specifications §7.9.1).
pub fn check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 { 3 * d } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Checks that `key` is `len` digits whose last is the check digit of the rest.
fn checked_key(id: &str, what: &str, key: &str, len: usize) -> Result<(), IdError> {
    if key.len() != len || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(id, format!("a {what} is {len} digits, got {key:?}")));
    }
    let (body, last) = key.split_at(len - 1);
    let expected = check_digit(body).unwrap_or(0);
    if last.as_bytes()[0] - b'0' != expected {
        return Err(err(
            id,
            format!("{what} {key}: check digit should be {expected}, not {last}"),
        ));
    }
    Ok(())
}

/// One thing GS1 identifies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gs1Id {
    /// Every instance of a trade item (a GTIN-14): `urn:epc:idpat:sgtin:CP.IR.*`, `/01/{gtin}`.
    Gtin {
        /// The GTIN-14.
        gtin: String,
    },
    /// One trade item (SGTIN): `urn:epc:id:sgtin:CP.IR.SERIAL`, `/01/{gtin}/21/{serial}`.
    Sgtin {
        /// The GTIN-14.
        gtin: String,
        /// The serial number.
        serial: String,
    },
    /// A lot or batch of a trade item (LGTIN): `urn:epc:class:lgtin:CP.IR.LOT`,
    /// `/01/{gtin}/10/{lot}`.
    Lgtin {
        /// The GTIN-14.
        gtin: String,
        /// The lot or batch number.
        lot: String,
    },
    /// A logistic unit (SSCC): `urn:epc:id:sscc:CP.SR`, `/00/{sscc}`.
    Sscc {
        /// The SSCC, 18 digits.
        sscc: String,
    },
    /// A physical location (SGLN): `urn:epc:id:sgln:CP.LR.EXT`, `/414/{gln}[/254/{ext}]`.
    Sgln {
        /// The GLN, 13 digits.
        gln: String,
        /// The GLN extension; `None` for the URN's `0`.
        extension: Option<String>,
    },
    /// A party (PGLN): `urn:epc:id:pgln:CP.PR`, `/417/{gln}`.
    Pgln {
        /// The GLN, 13 digits.
        gln: String,
    },
    /// A returnable asset (GRAI): `urn:epc:id:grai:CP.AT.SERIAL`, `/8003/{grai}{serial}`.
    Grai {
        /// The GRAI key, 14 digits (a leading zero, the company prefix and asset type, the
        /// check digit).
        grai: String,
        /// The serial number, if any.
        serial: String,
    },
    /// An individual asset (GIAI): `urn:epc:id:giai:CP.REF`, `/8004/{giai}`.
    Giai {
        /// The GIAI: the company prefix and the asset reference.
        giai: String,
    },
    /// A service relation, the provider's side (GSRN): `urn:epc:id:gsrn:CP.SR`,
    /// `/8018/{gsrn}`.
    Gsrn {
        /// The GSRN, 18 digits.
        gsrn: String,
    },
    /// A service relation, the recipient's side (GSRN-P): `urn:epc:id:gsrnp:CP.SR`,
    /// `/8017/{gsrn}`.
    Gsrnp {
        /// The GSRN, 18 digits.
        gsrn: String,
    },
    /// A document (GDTI): `urn:epc:id:gdti:CP.DT.SERIAL`, `/253/{gdti}{serial}`.
    Gdti {
        /// The document type key, 13 digits.
        gdti: String,
        /// The serial, if any.
        serial: String,
    },
    /// A coupon (GCN with serial): `urn:epc:id:sgcn:CP.CR.SERIAL`, `/255/{gcn}{serial}`.
    Sgcn {
        /// The coupon key, 13 digits.
        gcn: String,
        /// The serial, digits, if any.
        serial: String,
    },
    /// A consignment (GINC): `urn:epc:id:ginc:CP.REF`, `/401/{ginc}`.
    Ginc {
        /// The GINC: the company prefix and the consignment reference.
        ginc: String,
    },
    /// A shipment (GSIN): `urn:epc:id:gsin:CP.SR`, `/402/{gsin}`.
    Gsin {
        /// The GSIN, 17 digits.
        gsin: String,
    },
}

/// The primary keys' application identifiers a Digital Link may name.
const PRIMARY_AIS: [&str; 12] = [
    "01", "00", "414", "417", "8003", "8004", "8018", "8017", "253", "255", "401", "402",
];

/// GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// Checks a serial, lot or reference: 1 to `max` characters of character set 82.
fn checked_text(id: &str, what: &str, s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() || s.chars().count() > max {
        return Err(err(id, format!("a {what} is 1 to {max} characters")));
    }
    if let Some(c) = s.chars().find(|c| !is_cset82(*c)) {
        return Err(err(
            id,
            format!("{what}: {c:?} is not in GS1 AI encodable character set 82"),
        ));
    }
    Ok(())
}

/// Decodes `%xx` escapes (the URN's and the URI's alike).
fn percent_decode(id: &str, s: &str) -> Result<String, IdError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| err(id, format!("a bad percent escape at byte {i}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| err(id, "percent escapes that are not UTF-8"))
}

/// Percent-encodes every byte outside RFC 3986's unreserved set: a Digital Link's values,
/// or any URI path segment or query component.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits an EPC URN's body into `n` dot-separated parts; the last keeps any further dots
/// (a serial or lot may hold `.`, which the URN does not escape).
fn parts<'a>(id: &str, body: &'a str, n: usize, form: &str) -> Result<Vec<&'a str>, IdError> {
    let p: Vec<&str> = body.splitn(n, '.').collect();
    if p.len() != n {
        return Err(err(id, format!("expected the form {form}")));
    }
    Ok(p)
}

/// Digits only.
fn digits(id: &str, what: &str, s: &str) -> Result<(), IdError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(id, format!("{what} must be digits, got {s:?}")));
    }
    Ok(())
}

/// Appends the check digit of `body`.
fn with_check(body: &str) -> String {
    format!("{body}{}", check_digit(body).unwrap_or(0))
}

/// A GTIN-14 from a URN's company prefix and indicator-and-item reference.
fn gtin_of(id: &str, cp: &str, ir: &str) -> Result<String, IdError> {
    digits(id, "the company prefix", cp)?;
    digits(id, "the item reference", ir)?;
    if cp.len() + ir.len() != 13 || !(6..=12).contains(&cp.len()) {
        return Err(err(
            id,
            "company prefix (6 to 12 digits) and item reference make 13 digits",
        ));
    }
    Ok(with_check(&format!("{}{cp}{}", &ir[..1], &ir[1..])))
}

/// A 13-digit GLN from a URN's company prefix and location or party reference.
fn gln_of(id: &str, cp: &str, lr: &str) -> Result<String, IdError> {
    digits(id, "the company prefix", cp)?;
    if !lr.is_empty() {
        digits(id, "the location reference", lr)?;
    }
    if cp.len() + lr.len() != 12 || !(6..=12).contains(&cp.len()) {
        return Err(err(
            id,
            "company prefix (6 to 12 digits) and reference make 12 digits",
        ));
    }
    Ok(with_check(&format!("{cp}{lr}")))
}

/// A numeric key from a URN's company prefix and reference: `body_len` digits in all
/// (the prefix 6 to 12 of them), then the check digit.
fn numeric_key(id: &str, cp: &str, reference: &str, body_len: usize) -> Result<String, IdError> {
    digits(id, "the company prefix", cp)?;
    if !reference.is_empty() {
        digits(id, "the reference", reference)?;
    }
    if cp.len() + reference.len() != body_len || !(6..=12).contains(&cp.len()) {
        return Err(err(
            id,
            format!("company prefix (6 to 12 digits) and reference make {body_len} digits"),
        ));
    }
    Ok(with_check(&format!("{cp}{reference}")))
}

impl Gs1Id {
    /// Reads an identifier written either way: an EPC URN or a GS1 Digital Link URI.
    pub fn parse(s: &str) -> Result<Gs1Id, IdError> {
        if s.starts_with("urn:epc:") {
            Gs1Id::from_urn(s)
        } else if s.starts_with("https://") || s.starts_with("http://") {
            Gs1Id::from_digital_link(s)
        } else {
            Err(err(s, "neither an EPC URN nor a GS1 Digital Link URI"))
        }
    }

    /// Reads an EPC pure-identity URN, an EPC class URN (`lgtin`) or a GTIN-level pattern
    /// (`urn:epc:idpat:sgtin:CP.IR.*`).
    pub fn from_urn(s: &str) -> Result<Gs1Id, IdError> {
        let (scheme, body) = s
            .strip_prefix("urn:epc:")
            .and_then(|rest| {
                let mut it = rest.splitn(3, ':');
                let kind = it.next()?;
                let scheme = it.next()?;
                Some(((kind, scheme), it.next()?))
            })
            .ok_or_else(|| err(s, "an EPC URN is urn:epc:{id|class|idpat}:SCHEME:BODY"))?;
        match scheme {
            ("id", "sgtin") => {
                let p = parts(s, body, 3, "urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial")?;
                let serial = percent_decode(s, p[2])?;
                checked_text(s, "serial", &serial, 20)?;
                Ok(Gs1Id::Sgtin {
                    gtin: gtin_of(s, p[0], p[1])?,
                    serial,
                })
            }
            ("idpat", "sgtin") => {
                let p = parts(s, body, 3, "urn:epc:idpat:sgtin:CompanyPrefix.ItemRef.*")?;
                if p[2] != "*" {
                    return Err(err(s, "only the whole-class pattern (serial *) is read"));
                }
                Ok(Gs1Id::Gtin {
                    gtin: gtin_of(s, p[0], p[1])?,
                })
            }
            ("class", "lgtin") => {
                let p = parts(s, body, 3, "urn:epc:class:lgtin:CompanyPrefix.ItemRef.Lot")?;
                let lot = percent_decode(s, p[2])?;
                checked_text(s, "lot", &lot, 20)?;
                Ok(Gs1Id::Lgtin {
                    gtin: gtin_of(s, p[0], p[1])?,
                    lot,
                })
            }
            ("id", "sscc") => {
                let p = parts(s, body, 2, "urn:epc:id:sscc:CompanyPrefix.SerialRef")?;
                digits(s, "the company prefix", p[0])?;
                digits(s, "the serial reference", p[1])?;
                if p[0].len() + p[1].len() != 17 || !(6..=12).contains(&p[0].len()) {
                    return Err(err(
                        s,
                        "company prefix (6 to 12 digits) and serial reference make 17 digits",
                    ));
                }
                Ok(Gs1Id::Sscc {
                    sscc: with_check(&format!("{}{}{}", &p[1][..1], p[0], &p[1][1..])),
                })
            }
            ("id", "sgln") => {
                let p = parts(
                    s,
                    body,
                    3,
                    "urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension",
                )?;
                let ext = percent_decode(s, p[2])?;
                checked_text(s, "extension", &ext, 20)?;
                Ok(Gs1Id::Sgln {
                    gln: gln_of(s, p[0], p[1])?,
                    extension: (ext != "0").then_some(ext),
                })
            }
            ("id", "pgln") => {
                let p = parts(s, body, 2, "urn:epc:id:pgln:CompanyPrefix.PartyRef")?;
                Ok(Gs1Id::Pgln {
                    gln: gln_of(s, p[0], p[1])?,
                })
            }
            ("id", "grai") => {
                let p = parts(s, body, 3, "urn:epc:id:grai:CompanyPrefix.AssetType.Serial")?;
                let serial = percent_decode(s, p[2])?;
                if !serial.is_empty() {
                    checked_text(s, "serial", &serial, 16)?;
                }
                Ok(Gs1Id::Grai {
                    grai: format!("0{}", gln_of(s, p[0], p[1])?),
                    serial,
                })
            }
            ("id", "giai") => {
                let p = parts(s, body, 2, "urn:epc:id:giai:CompanyPrefix.AssetRef")?;
                digits(s, "the company prefix", p[0])?;
                let asset = percent_decode(s, p[1])?;
                let giai = format!("{}{asset}", p[0]);
                checked_text(s, "GIAI", &giai, 30)?;
                Ok(Gs1Id::Giai { giai })
            }
            ("id", scheme @ ("gsrn" | "gsrnp")) => {
                let p = parts(s, body, 2, "urn:epc:id:gsrn:CompanyPrefix.ServiceRef")?;
                let gsrn = numeric_key(s, p[0], p[1], 17)?;
                Ok(if scheme == "gsrn" {
                    Gs1Id::Gsrn { gsrn }
                } else {
                    Gs1Id::Gsrnp { gsrn }
                })
            }
            ("id", "gsin") => {
                let p = parts(s, body, 2, "urn:epc:id:gsin:CompanyPrefix.ShipperRef")?;
                Ok(Gs1Id::Gsin {
                    gsin: numeric_key(s, p[0], p[1], 16)?,
                })
            }
            ("id", "gdti") => {
                let p = parts(
                    s,
                    body,
                    3,
                    "urn:epc:id:gdti:CompanyPrefix.DocumentType.Serial",
                )?;
                let serial = percent_decode(s, p[2])?;
                if !serial.is_empty() {
                    checked_text(s, "serial", &serial, 17)?;
                }
                Ok(Gs1Id::Gdti {
                    gdti: numeric_key(s, p[0], p[1], 12)?,
                    serial,
                })
            }
            ("id", "sgcn") => {
                let p = parts(s, body, 3, "urn:epc:id:sgcn:CompanyPrefix.CouponRef.Serial")?;
                if !p[2].is_empty() {
                    digits(s, "the serial", p[2])?;
                }
                if p[2].len() > 12 {
                    return Err(err(s, "a coupon serial is at most 12 digits"));
                }
                Ok(Gs1Id::Sgcn {
                    gcn: numeric_key(s, p[0], p[1], 12)?,
                    serial: p[2].to_owned(),
                })
            }
            ("id", "ginc") => {
                let p = parts(s, body, 2, "urn:epc:id:ginc:CompanyPrefix.ConsignmentRef")?;
                digits(s, "the company prefix", p[0])?;
                let ginc = format!("{}{}", p[0], percent_decode(s, p[1])?);
                checked_text(s, "GINC", &ginc, 30)?;
                Ok(Gs1Id::Ginc { ginc })
            }
            (kind, scheme) => Err(err(
                s,
                format!("urn:epc:{kind}:{scheme} is not a scheme Unchain reads"),
            )),
        }
    }

    /// Reads a GS1 Digital Link URI: any host, any path before the primary key, the key
    /// and its qualifiers as numeric application identifiers; the query is ignored.
    pub fn from_digital_link(s: &str) -> Result<Gs1Id, IdError> {
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| err(s, "a Digital Link is an http or https URI"))?;
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let start = segments
            .iter()
            .position(|seg| PRIMARY_AIS.contains(seg))
            .ok_or_else(|| {
                err(
                    s,
                    format!(
                        "no GS1 primary key ({}) in the path",
                        PRIMARY_AIS.join(", ")
                    ),
                )
            })?;
        let tail = &segments[start..];
        if !tail.len().is_multiple_of(2) || tail.iter().any(|seg| seg.is_empty()) {
            return Err(err(s, "the path after the primary key is AI/value pairs"));
        }
        let pairs: Vec<(&str, String)> = tail
            .chunks(2)
            .map(|c| Ok((c[0], percent_decode(s, c[1])?)))
            .collect::<Result<_, IdError>>()?;
        let qualifiers: Vec<&str> = pairs[1..].iter().map(|(ai, _)| *ai).collect();
        let value = |ai: &str| pairs.iter().find(|(a, _)| *a == ai).map(|(_, v)| v.clone());
        let (key_ai, key) = (&pairs[0].0, pairs[0].1.clone());
        match (*key_ai, qualifiers.as_slice()) {
            ("01", quals) => {
                let gtin = match key.len() {
                    8 | 12 | 13 | 14 => format!("{key:0>14}"),
                    _ => return Err(err(s, "a GTIN is 8, 12, 13 or 14 digits")),
                };
                checked_key(s, "GTIN", &gtin, 14)?;
                match quals {
                    [] => Ok(Gs1Id::Gtin { gtin }),
                    ["21"] | ["22", "21"] => {
                        let serial = value("21").unwrap_or_default();
                        checked_text(s, "serial", &serial, 20)?;
                        Ok(Gs1Id::Sgtin { gtin, serial })
                    }
                    ["10"] | ["22", "10"] => {
                        let lot = value("10").unwrap_or_default();
                        checked_text(s, "lot", &lot, 20)?;
                        Ok(Gs1Id::Lgtin { gtin, lot })
                    }
                    _ => Err(err(
                        s,
                        "after /01/ come /21/ (serial) or /10/ (lot), optionally after /22/",
                    )),
                }
            }
            ("00", []) => {
                checked_key(s, "SSCC", &key, 18)?;
                Ok(Gs1Id::Sscc { sscc: key })
            }
            ("414", quals @ ([] | ["254"])) => {
                checked_key(s, "GLN", &key, 13)?;
                let extension = if quals.is_empty() {
                    None
                } else {
                    let ext = value("254").unwrap_or_default();
                    checked_text(s, "extension", &ext, 20)?;
                    Some(ext)
                };
                Ok(Gs1Id::Sgln {
                    gln: key,
                    extension,
                })
            }
            ("417", []) => {
                checked_key(s, "GLN", &key, 13)?;
                Ok(Gs1Id::Pgln { gln: key })
            }
            ("8003", []) => {
                if key.len() < 14 {
                    return Err(err(s, "a GRAI is 14 digits and an optional serial"));
                }
                let (grai, serial) = key.split_at(14);
                checked_key(s, "GRAI", grai, 14)?;
                if !serial.is_empty() {
                    checked_text(s, "serial", serial, 16)?;
                }
                Ok(Gs1Id::Grai {
                    grai: grai.to_owned(),
                    serial: serial.to_owned(),
                })
            }
            ("8004", []) => {
                checked_text(s, "GIAI", &key, 30)?;
                Ok(Gs1Id::Giai { giai: key })
            }
            (ai @ ("8018" | "8017"), []) => {
                checked_key(s, "GSRN", &key, 18)?;
                Ok(if ai == "8018" {
                    Gs1Id::Gsrn { gsrn: key }
                } else {
                    Gs1Id::Gsrnp { gsrn: key }
                })
            }
            ("402", []) => {
                checked_key(s, "GSIN", &key, 17)?;
                Ok(Gs1Id::Gsin { gsin: key })
            }
            (ai @ ("253" | "255"), []) => {
                if key.len() < 13 {
                    return Err(err(s, "a GDTI or GCN is 13 digits and an optional serial"));
                }
                let (doc, serial) = key.split_at(13);
                if ai == "253" {
                    checked_key(s, "GDTI", doc, 13)?;
                    if !serial.is_empty() {
                        checked_text(s, "serial", serial, 17)?;
                    }
                    Ok(Gs1Id::Gdti {
                        gdti: doc.to_owned(),
                        serial: serial.to_owned(),
                    })
                } else {
                    checked_key(s, "GCN", doc, 13)?;
                    if serial.len() > 12 || !serial.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(err(s, "a coupon serial is at most 12 digits"));
                    }
                    Ok(Gs1Id::Sgcn {
                        gcn: doc.to_owned(),
                        serial: serial.to_owned(),
                    })
                }
            }
            ("401", []) => {
                checked_text(s, "GINC", &key, 30)?;
                Ok(Gs1Id::Ginc { ginc: key })
            }
            (ai, _) => Err(err(s, format!("qualifiers not allowed after /{ai}/"))),
        }
    }

    /// The EPC URN schemes this module reads (and checks): `sgtin`, `sscc`, `sgln`, `pgln`,
    /// `grai`, `giai`, `gsrn`, `gsrnp`, `gdti`, `sgcn`, `ginc`, `gsin` identities, the
    /// `lgtin` class and the `sgtin` pattern.
    pub const URN_SCHEMES: [&'static str; 14] = [
        "urn:epc:id:sgtin:",
        "urn:epc:idpat:sgtin:",
        "urn:epc:class:lgtin:",
        "urn:epc:id:sscc:",
        "urn:epc:id:sgln:",
        "urn:epc:id:pgln:",
        "urn:epc:id:grai:",
        "urn:epc:id:giai:",
        "urn:epc:id:gsrn:",
        "urn:epc:id:gsrnp:",
        "urn:epc:id:gdti:",
        "urn:epc:id:sgcn:",
        "urn:epc:id:ginc:",
        "urn:epc:id:gsin:",
    ];

    /// Whether `s` is an EPC URN of a scheme this module reads ([`Gs1Id::URN_SCHEMES`]).
    pub fn is_read_urn(s: &str) -> bool {
        Gs1Id::URN_SCHEMES.iter().any(|p| s.starts_with(p))
    }

    /// Whether `s` is meant as a GS1 Digital Link: an http(s) URI whose path holds a primary
    /// key's application identifier followed by a value of that key's shape (digits of its
    /// length). Any other URI is not GS1's to check (`https://example.com/2020/01/15` is not
    /// a GTIN). One that is meant as one must then parse, check digit and all.
    pub fn is_digital_link(s: &str) -> bool {
        let Some(rest) = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
        else {
            return false;
        };
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        segments.windows(2).any(|w| {
            let numeric = !w[1].is_empty() && w[1].bytes().all(|b| b.is_ascii_digit());
            match w[0] {
                "01" => numeric && matches!(w[1].len(), 8 | 12 | 13 | 14),
                "00" => numeric && w[1].len() == 18,
                "414" | "417" => numeric && w[1].len() == 13,
                "8003" => w[1].len() >= 14 && w[1].bytes().take(14).all(|b| b.is_ascii_digit()),
                // A GIAI or GINC begins with its company prefix, at least six digits.
                "8004" | "401" => {
                    w[1].len() > 6 && w[1].bytes().take(6).all(|b| b.is_ascii_digit())
                }
                "8018" | "8017" => numeric && w[1].len() == 18,
                "402" => numeric && w[1].len() == 17,
                "253" | "255" => {
                    w[1].len() >= 13 && w[1].bytes().take(13).all(|b| b.is_ascii_digit())
                }
                _ => false,
            }
        })
    }

    /// The canonical spelling: the GS1 Digital Link on `https://id.gs1.org`.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// The GTIN of a trade item class, instance or lot.
    pub fn gtin(&self) -> Option<&str> {
        match self {
            Gs1Id::Gtin { gtin } | Gs1Id::Sgtin { gtin, .. } | Gs1Id::Lgtin { gtin, .. } => {
                Some(gtin)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Gs1Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const BASE: &str = "https://id.gs1.org";
        match self {
            Gs1Id::Gtin { gtin } => write!(f, "{BASE}/01/{gtin}"),
            Gs1Id::Sgtin { gtin, serial } => {
                write!(f, "{BASE}/01/{gtin}/21/{}", percent_encode(serial))
            }
            Gs1Id::Lgtin { gtin, lot } => write!(f, "{BASE}/01/{gtin}/10/{}", percent_encode(lot)),
            Gs1Id::Sscc { sscc } => write!(f, "{BASE}/00/{sscc}"),
            Gs1Id::Sgln {
                gln,
                extension: None,
            } => write!(f, "{BASE}/414/{gln}"),
            Gs1Id::Sgln {
                gln,
                extension: Some(ext),
            } => write!(f, "{BASE}/414/{gln}/254/{}", percent_encode(ext)),
            Gs1Id::Pgln { gln } => write!(f, "{BASE}/417/{gln}"),
            Gs1Id::Grai { grai, serial } => {
                write!(f, "{BASE}/8003/{grai}{}", percent_encode(serial))
            }
            Gs1Id::Giai { giai } => write!(f, "{BASE}/8004/{}", percent_encode(giai)),
            Gs1Id::Gsrn { gsrn } => write!(f, "{BASE}/8018/{gsrn}"),
            Gs1Id::Gsrnp { gsrn } => write!(f, "{BASE}/8017/{gsrn}"),
            Gs1Id::Gdti { gdti, serial } => {
                write!(f, "{BASE}/253/{gdti}{}", percent_encode(serial))
            }
            Gs1Id::Sgcn { gcn, serial } => write!(f, "{BASE}/255/{gcn}{serial}"),
            Gs1Id::Ginc { ginc } => write!(f, "{BASE}/401/{}", percent_encode(ginc)),
            Gs1Id::Gsin { gsin } => write!(f, "{BASE}/402/{gsin}"),
        }
    }
}

#[cfg(test)]
mod tests;
