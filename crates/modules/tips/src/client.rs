//! The steps that turn what someone wrote into a tip's transaction body and its sealed
//! bytes: a new tip (with a fresh receipt code), a follow-up from the reporter, a reply
//! from the agency. The node's public form and the agency's CLI both build through here.

use crate::Tip;
use crate::message::{self, Payload, Sealed};
use crate::receipt::{ReceiptCode, ReceiptKeys, content_commitment};
use base64::Engine as _;
use serde_json::{Value, json};
use unchain_types::EncryptionPublicKey;

/// A tip ready to record: show `code` once, store `sealed.ciphertext`, submit `body` as
/// `tips.receive`.
#[derive(Debug)]
pub struct NewTip {
    /// The receipt code.
    pub code: ReceiptCode,
    /// What it derives.
    pub keys: ReceiptKeys,
    /// The tip id.
    pub tip: String,
    /// The sealed report.
    pub sealed: Sealed,
    /// The `tips.receive` body.
    pub body: Value,
}

fn payload(content: &Value, files: &[Vec<u8>]) -> Payload {
    Payload {
        content: content.clone(),
        files: files
            .iter()
            .map(|f| base64::engine::general_purpose::STANDARD.encode(f))
            .collect(),
    }
}

/// A new tip to `intake` through `form`: draws a receipt code, derives its keys (one
/// Argon2id: run it off the async threads), seals `content` and `files`.
pub fn new_tip(
    chain_id: &str,
    intake: (&str, &EncryptionPublicKey),
    form: &str,
    content: &Value,
    files: &[Vec<u8>],
    at_ms: u64,
) -> NewTip {
    let code = ReceiptCode::generate();
    let keys = ReceiptKeys::derive(&code, chain_id, intake.0);
    let tip = message::new_tip_id();
    let sealed = message::seal(
        chain_id,
        &tip,
        intake,
        &keys.public_key(),
        &payload(content, files),
    );
    let body = json!({
        "tip": tip,
        "msg": sealed.msg,
        "form": form,
        "locator": keys.locator,
        "reporter_key": keys.public_key().to_hex(),
        "commitment": sealed.commitment,
        "size": sealed.ciphertext.len(),
        "keys": sealed.keys,
        "receipt": content_commitment(&keys.commit_key, content),
        "at_ms": at_ms,
    });
    NewTip {
        code,
        keys,
        tip,
        sealed,
        body,
    }
}

fn reporter_key(tip: &Tip) -> EncryptionPublicKey {
    EncryptionPublicKey::from_hex(&tip.reporter_key).expect("checked when the tip was recorded")
}

/// More from the reporter (who holds `keys`): the sealed message and its `tips.message`
/// body.
pub fn followup(
    chain_id: &str,
    tip: &Tip,
    intake_key: &EncryptionPublicKey,
    keys: &ReceiptKeys,
    content: &Value,
    files: &[Vec<u8>],
    at_ms: u64,
) -> (Sealed, Value) {
    let sealed = message::seal(
        chain_id,
        &tip.tip,
        (&tip.intake, intake_key),
        &reporter_key(tip),
        &payload(content, files),
    );
    let body = json!({
        "tip": tip.tip, "msg": sealed.msg, "from": "reporter",
        "commitment": sealed.commitment, "size": sealed.ciphertext.len(), "keys": sealed.keys,
        "receipt": content_commitment(&keys.commit_key, content), "at_ms": at_ms,
    });
    (sealed, body)
}

/// A reply from the agency's user `actor`: sealed to the reporter's key and the agency's.
pub fn reply(
    chain_id: &str,
    tip: &Tip,
    intake_key: &EncryptionPublicKey,
    text: &str,
    actor: &str,
    at_ms: u64,
) -> (Sealed, Value) {
    let content = json!({"type": "reply", "text": text});
    let sealed = message::seal(
        chain_id,
        &tip.tip,
        (&tip.intake, intake_key),
        &reporter_key(tip),
        &payload(&content, &[]),
    );
    let body = json!({
        "tip": tip.tip, "msg": sealed.msg, "from": "agency",
        "commitment": sealed.commitment, "size": sealed.ciphertext.len(), "keys": sealed.keys,
        "actor": actor, "at_ms": at_ms,
    });
    (sealed, body)
}

/// The phone numbers and e-mail addresses in a report's contacts (one per line), as HTCDS
/// persons with the role `perpetrator`, so that a case opened from the tip matches other
/// agencies' cases on them; and how many lines were neither. `country` reads phone numbers
/// written without `+`.
pub fn contact_persons(contacts: &str, country: Option<&str>) -> (Vec<Value>, usize) {
    use unchain_seal::IdentifierKind;
    use unchain_seal::blind::normalize;
    let mut persons = Vec::new();
    let mut skipped = 0;
    for line in contacts.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let id = format!("p{}", persons.len() + 1);
        if line.contains('@') && normalize(IdentifierKind::Email, line, None).is_ok() {
            persons.push(json!({"id": id, "role": "perpetrator", "prs_Email": line}));
        } else if normalize(IdentifierKind::Phone, line, country).is_ok() {
            persons.push(json!({"id": id, "role": "perpetrator", "prs_MobilePhone": line}));
        } else {
            skipped += 1;
        }
    }
    (persons, skipped)
}

#[cfg(test)]
mod contact_tests {
    use super::contact_persons;

    #[test]
    fn contacts_become_persons_that_match_and_other_lines_are_counted() {
        let (persons, skipped) = contact_persons(
            "+66 81 234 5678\n\nrecruiter@example.com\nthe man called Somchai\n081 999 0000",
            Some("TH"),
        );
        assert_eq!(skipped, 1);
        assert_eq!(persons.len(), 3);
        assert_eq!(persons[0]["prs_MobilePhone"], "+66 81 234 5678");
        assert_eq!(persons[1]["prs_Email"], "recruiter@example.com");
        assert_eq!(persons[2]["id"], "p3");
        assert_eq!(persons[2]["role"], "perpetrator");
        // The demo's number (libphonenumber's example British mobile) is indexed; Ofcom's
        // drama range is not a number anyone can be reached at, so it is not.
        assert_eq!(contact_persons("+44 7400 123456", Some("GB")).0.len(), 1);
        assert_eq!(
            contact_persons("+44 7700 900123", Some("GB")),
            (Vec::new(), 1)
        );
        let (none, skipped) = contact_persons("081 999 0000", None);
        assert!(
            none.is_empty() && skipped == 1,
            "no country: not a phone number"
        );
    }
}
