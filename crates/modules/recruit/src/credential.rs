//! The offer as a credential in the worker's wallet: an SD-JWT VC issued by the recruiter,
//! bound to the worker's key, so that the worker can later show chosen terms — the wage and
//! the employer to a labour inspector, say — and nothing else.
//!
//! - Always shown: `iss`, `iat`, `exp`, `vct` ([`OFFER_VCT`]), `offer` (the ledger's offer
//!   id) and `terms_hash`, so any verifier can find the offer on the ledger.
//! - Selectively disclosable, one claim per term: `employer`, `position`, `workplace`,
//!   `wage`, `hours_per_week`, `overtime_rate_percent`, `rest_days_per_week`, `deductions`,
//!   `accommodation`, `food`, `contract_months`, `language`, `worker_fees`. Each has the
//!   JSON form of the ledger's terms, so [`check_disclosed`] compares them exactly.
//!
//! The worker's pseudonymous id is not in the credential: the key binding proves the holder.

use crate::body::Offer;
use crate::terms::Terms;
use serde_json::{Map, Value};
use unchain_credentials::sdjwt::{self, Issue, VC_TYP};
use unchain_types::{PublicKey, SigningKey, TxId};

/// The credential type of an employment offer.
pub const OFFER_VCT: &str = "urn:unchain:vct:employment-offer";

/// The selectively disclosable claims of `terms`, in the order of [`Terms`].
pub fn term_claims(terms: &Terms) -> Vec<(String, Value)> {
    let Ok(Value::Object(map)) = serde_json::to_value(terms) else {
        return Vec::new();
    };
    // serde_json keeps fields in declaration order only with `preserve_order`; the order
    // here is the struct's, written out.
    const ORDER: [&str; 13] = [
        "employer",
        "position",
        "workplace",
        "wage",
        "hours_per_week",
        "overtime_rate_percent",
        "rest_days_per_week",
        "deductions",
        "accommodation",
        "food",
        "contract_months",
        "language",
        "worker_fees",
    ];
    ORDER
        .iter()
        .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// What the recruiter signs: the offer `id` registered on the ledger with `offer`'s terms,
/// issued by `iss` (its DID; `kid` names the key) at `iat`, valid until `exp` (seconds),
/// bound to the worker's wallet key `holder`.
pub struct OfferCredential<'a> {
    /// The offer's id on the ledger.
    pub id: &'a TxId,
    /// The offer as registered.
    pub offer: &'a Offer,
    /// The issuer's DID.
    pub iss: &'a str,
    /// The signing key's id (`did#key-1`).
    pub kid: &'a str,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds): the contract's end, say.
    pub exp: u64,
    /// The worker's wallet key.
    pub holder: PublicKey,
}

/// Issues the credential: an SD-JWT ending in `~`, every term a disclosure.
pub fn issue<R: rand::RngCore + rand::CryptoRng>(
    c: &OfferCredential<'_>,
    issuer: &SigningKey,
    rng: &mut R,
) -> String {
    let mut always = Map::new();
    always.insert("iss".into(), c.iss.into());
    always.insert("iat".into(), c.iat.into());
    always.insert("exp".into(), c.exp.into());
    always.insert("vct".into(), OFFER_VCT.into());
    always.insert("offer".into(), c.id.to_string().into());
    always.insert("terms_hash".into(), c.offer.terms_hash.to_hex().into());
    sdjwt::issue(
        &Issue {
            typ: VC_TYP,
            kid: c.kid,
            always,
            selective: term_claims(&c.offer.terms),
            holder: c.holder,
            decoys: 4,
        },
        issuer,
        rng,
    )
}

/// Checks disclosed `claims` (from a verified presentation) against the offer on the
/// ledger: the same offer id and terms hash, and every disclosed term equal to the
/// ledger's. Returns the names of the terms disclosed, or what differs.
pub fn check_disclosed(
    claims: &Map<String, Value>,
    id: &TxId,
    offer: &Offer,
) -> Result<Vec<String>, String> {
    if claims.get("vct").and_then(Value::as_str) != Some(OFFER_VCT) {
        return Err(format!("vct: not {OFFER_VCT}"));
    }
    if claims.get("offer").and_then(Value::as_str) != Some(id.to_string().as_str()) {
        return Err(format!(
            "offer: the credential names another offer than {id}"
        ));
    }
    if claims.get("terms_hash").and_then(Value::as_str) != Some(offer.terms_hash.to_hex().as_str())
    {
        return Err("terms_hash: differs from the ledger's".into());
    }
    let mut shown = Vec::new();
    for (name, value) in term_claims(&offer.terms) {
        match claims.get(&name) {
            None => {}
            Some(v) if *v == value => shown.push(name),
            Some(v) => {
                return Err(format!(
                    "{name}: the credential says {v}, the ledger {value}"
                ));
            }
        }
    }
    Ok(shown)
}
