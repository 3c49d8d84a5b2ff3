//! The border check: a child's credential presentation and the accompanying adult's, both
//! bound to the border post's challenge (audience and nonce), judged against a verified
//! trust bundle alone — no network. The verdict is one of [`Verdict`], with every reason.

use crate::credential::{CHILD, GUARDIAN_LINK, digest_of, names_status_list_of, status_ref};
use crate::rules;
use crate::trust::TrustState;
use serde::{Deserialize, Serialize};
use std::time::{Duration, UNIX_EPOCH};
use unchain_credentials::sdjwt::{self, Expect, SdJwt, SdJwtError, VC_TYP, Verified};
use unchain_credentials::status::Status;

/// The outcome of a border check, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The child is flagged missing: hold, whatever else is true.
    ChildMissing,
    /// The bundle (a credential standing) does not prove a status or missing flag the
    /// check needs: unknown is not valid.
    NotProven,
    /// A credential or its key binding does not verify, or its issuer is not trusted.
    InvalidSignature,
    /// A credential was revoked or is suspended.
    Revoked,
    /// A credential is outside its validity period.
    Expired,
    /// The adult's credential is not a guardian link to this child.
    NotAGuardian,
    /// Both verify, neither is revoked or expired, and the adult is the child's guardian.
    Valid,
}

impl Verdict {
    /// Upper-case words for a screen: `VALID`, `CHILD FLAGGED MISSING`, …
    pub fn headline(self) -> &'static str {
        match self {
            Verdict::ChildMissing => "CHILD FLAGGED MISSING",
            Verdict::NotProven => "NOT PROVEN",
            Verdict::InvalidSignature => "INVALID SIGNATURE",
            Verdict::Revoked => "REVOKED",
            Verdict::Expired => "EXPIRED",
            Verdict::NotAGuardian => "NOT A GUARDIAN",
            Verdict::Valid => "VALID",
        }
    }
}

/// The border post's challenge and clock.
#[derive(Debug, Clone)]
pub struct Challenge<'a> {
    /// The border post's identifier (the presentations' `aud`).
    pub aud: &'a str,
    /// The nonce it showed the travellers' wallets.
    pub nonce: &'a str,
    /// Its clock, ms.
    pub now_ms: u64,
    /// How old a presentation may be, seconds.
    pub max_presentation_age_s: u64,
}

/// How fresh the trust bundle was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleAge {
    /// The log size it covers.
    pub tree_size: u64,
    /// When it was exported (ms).
    pub exported_ms: u64,
    /// Its age at the check (ms).
    pub age_ms: u64,
    /// Older than the border post accepts without a warning.
    pub stale: bool,
}

/// A border check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BorderReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Why, one line per finding (the verdict's first).
    pub reasons: Vec<String>,
    /// The child's pseudonymous id, if the child's credential verified.
    pub child_id: Option<String>,
    /// The relationship, if the adult disclosed it.
    pub relationship: Option<String>,
    /// Who registered the child (issuer label).
    pub child_issuer: Option<String>,
    /// Who issued the guardian link (issuer label).
    pub link_issuer: Option<String>,
    /// The trust bundle's age.
    pub bundle: BundleAge,
}

fn time(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

struct Finding {
    verdict: Verdict,
    reason: String,
}

fn finding(verdict: Verdict, reason: String) -> Finding {
    Finding { verdict, reason }
}

/// Verifies one presentation: signature by a trusted issuer key, key binding, validity
/// period, type, status.
fn check_credential(
    trust: &TrustState,
    who: &str,
    presentation: &str,
    vct: Option<&str>,
    ch: &Challenge<'_>,
) -> Result<(Verified, String), Finding> {
    let mut issuer_label = String::new();
    let verified = sdjwt::verify(
        presentation,
        |header, payload| {
            let iss = payload.get("iss").and_then(|v| v.as_str()).unwrap_or("");
            let did = trust
                .dids
                .get(iss)
                .ok_or_else(|| format!("{iss:?} is not an issuer in the trust bundle"))?;
            issuer_label = format!("{} ({}, {})", did.label, did.controller, did.did);
            let kid = header.get("kid").and_then(|v| v.as_str()).unwrap_or("");
            let iat_ms = payload
                .get("iat")
                .and_then(|v| v.as_u64())
                .ok_or("the credential has no iat")?
                .saturating_mul(1000);
            rules::signing_key(did, kid, iat_ms)
        },
        &Expect {
            typ: Some(VC_TYP),
            now: ch.now_ms / 1000,
            key_binding: Some((ch.aud, ch.nonce, ch.max_presentation_age_s)),
        },
    )
    .map_err(|e| match e {
        SdJwtError::Expired { exp, .. } => finding(
            Verdict::Expired,
            format!("{who}'s credential expired at {}", time(exp * 1000)),
        ),
        SdJwtError::NotYetValid { nbf, .. } => finding(
            Verdict::Expired,
            format!(
                "{who}'s credential is not valid before {}",
                time(nbf * 1000)
            ),
        ),
        other => finding(
            Verdict::InvalidSignature,
            format!("{who}'s credential: {other}"),
        ),
    })?;
    let iss = verified.str("iss").unwrap_or_default().to_owned();
    let got = verified.str("vct").unwrap_or_default();
    if let Some(vct) = vct
        && got != vct
    {
        let verdict = if vct == GUARDIAN_LINK {
            Verdict::NotAGuardian
        } else {
            Verdict::InvalidSignature
        };
        return Err(finding(
            verdict,
            format!("{who} presented a {got:?} credential, not {vct:?}"),
        ));
    }
    let Some((uri, idx)) = status_ref(&verified.claims) else {
        return Err(finding(
            Verdict::InvalidSignature,
            format!("{who}'s credential names no status list entry"),
        ));
    };
    if !names_status_list_of(&uri, &iss) {
        return Err(finding(
            Verdict::InvalidSignature,
            format!("{who}'s credential names status list {uri}, not its issuer's"),
        ));
    }
    trust
        .check_recorded(&iss, idx, &digest_of(presentation))
        .map_err(|why| {
            finding(
                Verdict::InvalidSignature,
                format!("{who}'s credential: {why}"),
            )
        })?;
    let status = trust
        .status(&iss, idx)
        .map_err(|e| finding(Verdict::NotProven, format!("{who}'s credential: {e}")))?;
    match status {
        (Status::Valid, _) => Ok((verified, issuer_label)),
        (status, change) => {
            let word = if status == Status::Suspended {
                "suspended"
            } else {
                "revoked"
            };
            let when = change.map_or_else(String::new, |c| {
                format!(
                    " at {} (log leaf {}, tx {}): {}",
                    time(c.at_ms),
                    c.log_index,
                    c.tx_id,
                    c.reason
                )
            });
            Err(finding(
                Verdict::Revoked,
                format!("{who}'s credential was {word}{when}"),
            ))
        }
    }
}

/// Judges a child's and an adult's presentations against `trust`. `max_bundle_age_ms` is
/// how old a bundle may be before the report calls it stale.
pub fn check(
    trust: &TrustState,
    child: &str,
    adult: &str,
    ch: &Challenge<'_>,
    max_bundle_age_ms: u64,
) -> BorderReport {
    let age = trust.age_ms(ch.now_ms);
    let mut report = BorderReport {
        verdict: Verdict::Valid,
        reasons: Vec::new(),
        child_id: None,
        relationship: None,
        child_issuer: None,
        link_issuer: None,
        bundle: BundleAge {
            tree_size: trust.tree_size,
            exported_ms: trust.exported_ms,
            age_ms: age,
            stale: age > max_bundle_age_ms,
        },
    };
    let mut findings = Vec::new();
    let child_v = match check_credential(trust, "the child", child, Some(CHILD), ch) {
        Ok((v, label)) => {
            report.child_issuer = Some(label);
            Some(v)
        }
        Err(f) => {
            findings.push(f);
            None
        }
    };
    // The missing flag is checked even when the child's credential fails: a forged or
    // expired card for a missing child must still stop the crossing.
    let child_id = match &child_v {
        Some(v) => v.str("child_id").map(str::to_owned),
        None => unverified_child_id(child),
    };
    let note = if child_v.is_none() {
        " (matched on the presented, unverified child id)"
    } else {
        ""
    };
    let flag = child_id.as_deref().map(|id| trust.missing(id)).transpose();
    if let Err(e) = &flag {
        findings.push(finding(Verdict::NotProven, format!("{e}{note}")));
    }
    if let Some(id) = &child_id
        && let Ok(Some(Some(flag))) = flag
    {
        findings.push(finding(
            Verdict::ChildMissing,
            format!(
                "child {id} was flagged missing by {} at {} (log leaf {}): {}{note}",
                flag.by,
                time(flag.at_ms),
                flag.log_index,
                flag.reason
            ),
        ));
    }
    let adult_v = match check_credential(trust, "the adult", adult, Some(GUARDIAN_LINK), ch) {
        Ok((v, label)) => {
            report.link_issuer = Some(label);
            Some(v)
        }
        Err(f) => {
            findings.push(f);
            None
        }
    };
    if let (Some(c), Some(a)) = (&child_v, &adult_v) {
        report.relationship = a.str("relationship").map(str::to_owned);
        let linked = a.str("child_id");
        if linked != c.str("child_id") || linked.is_none() {
            findings.push(finding(
                Verdict::NotAGuardian,
                format!(
                    "the adult's guardian link is for child {}, not for this child ({})",
                    linked.unwrap_or("(none)"),
                    c.str("child_id").unwrap_or("(none)")
                ),
            ));
        } else if c.holder.is_some() && c.holder == a.holder {
            findings.push(finding(
                Verdict::NotAGuardian,
                "the child's and the adult's credentials are bound to the same key".into(),
            ));
        }
    }
    report.child_id = child_v.as_ref().and(child_id);
    findings.sort_by_key(|f| f.verdict);
    if let Some(first) = findings.first() {
        report.verdict = first.verdict;
    } else {
        report.reasons.push(format!(
            "the child's registration and the adult's guardian link verify, are neither revoked nor expired, and name the same child{}",
            report
                .relationship
                .as_deref()
                .map_or_else(String::new, |r| format!(" (relationship: {r})"))
        ));
    }
    report
        .reasons
        .extend(findings.into_iter().map(|f| f.reason));
    if report.bundle.stale {
        report.reasons.push(format!(
            "warning: the trust bundle is {} h old; refresh it when you can: revocations since then are not known here",
            age / 3_600_000
        ));
    }
    report
}

/// One presentation checked for a service provider (a shelter shown a "recognised
/// survivor" credential): what it discloses, or why it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentationReport {
    /// `valid`, `invalid_signature`, `revoked` or `expired`.
    pub verdict: Verdict,
    /// Why it fails, if it does.
    pub reason: Option<String>,
    /// Its type.
    pub vct: Option<String>,
    /// Its issuer (label, organisation, DID).
    pub issuer: Option<String>,
    /// What it shows: the claims always shown and those the holder disclosed, without the
    /// credential's machinery (`iss`, `iat`, `nbf`, `exp`, `vct`, `cnf`, `status`).
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// The trust bundle's age.
    pub bundle: BundleAge,
}

/// Verifies one presentation against `trust`: trusted issuer key, key binding to the
/// challenge, validity period, type (when `vct` is given) and status.
pub fn verify_presentation(
    trust: &TrustState,
    presentation: &str,
    vct: Option<&str>,
    ch: &Challenge<'_>,
    max_bundle_age_ms: u64,
) -> PresentationReport {
    let age = trust.age_ms(ch.now_ms);
    let bundle = BundleAge {
        tree_size: trust.tree_size,
        exported_ms: trust.exported_ms,
        age_ms: age,
        stale: age > max_bundle_age_ms,
    };
    match check_credential(trust, "the holder", presentation, vct, ch) {
        Ok((v, issuer)) => {
            let mut claims = v.claims.clone();
            for k in ["iss", "iat", "nbf", "exp", "vct", "cnf", "status"] {
                claims.remove(k);
            }
            PresentationReport {
                verdict: Verdict::Valid,
                reason: None,
                vct: v.str("vct").map(str::to_owned),
                issuer: Some(issuer),
                claims,
                bundle,
            }
        }
        Err(f) => PresentationReport {
            verdict: f.verdict,
            reason: Some(f.reason),
            vct: None,
            issuer: None,
            claims: serde_json::Map::new(),
            bundle,
        },
    }
}

fn unverified_child_id(presentation: &str) -> Option<String> {
    let jws = SdJwt::parse(presentation).ok()?.unverified().ok()?;
    jws.payload
        .get("child_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}
