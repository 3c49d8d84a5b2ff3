//! The receipt code a reporter is shown once, and the keys derived from it.
//!
//! A code is eight words drawn uniformly from the EFF long wordlist (7 776 words, 12.9
//! bits each: 103 bits). The node stores nothing of it but what Argon2id derives: one slow
//! hash (m = 19 MiB, t = 2, p = 1; the OWASP minimum), salted with the chain and the intake
//! organisation, expanded with HMAC-SHA256 into
//!
//! - the **locator**, which the ledger indexes to find the tip again;
//! - the **reporter's X25519 key**, to which every message of the tip is also sealed, so
//!   that replies are readable only with the code;
//! - the **commitment key**, an HMAC key under which the reporter's own messages are
//!   committed on chain, so a proof of receipt can show them without revealing anything
//!   to whoever cannot open them.
//!
//! A guess costs one Argon2id evaluation, and there are 2^103 codes.

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use unchain_types::{EncryptionPublicKey, EncryptionSecretKey, Hash32};

/// Words in a code.
pub const WORDS: usize = 8;

/// The EFF long wordlist.
pub fn wordlist() -> &'static [&'static str] {
    diceware_wordlists::Wordlist::EffLong.get_list()
}

/// A receipt code: [`WORDS`] words of the EFF long wordlist, lowercase.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode(Vec<&'static str>);

impl std::fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptCode(…)")
    }
}

/// Why a typed code is not a receipt code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not eight words.
    #[error("a receipt code has {WORDS} words; this has {0}")]
    Count(usize),
    /// A word not in the list (a typo).
    #[error("word {position} ({word:?}) is not a receipt-code word; check its spelling")]
    Word {
        /// 1-based position.
        position: usize,
        /// The word as typed (truncated).
        word: String,
    },
}

impl ReceiptCode {
    /// A fresh code from the operating system's random numbers.
    /// Words with a hyphen (`t-shirt`, `yo-yo`, …) are never drawn: a reporter may type
    /// hyphens between words, and such a word would then read as two.
    pub fn generate() -> Self {
        let list = wordlist();
        let mut rng = rand::rngs::OsRng;
        ReceiptCode(
            (0..WORDS)
                .map(|_| {
                    loop {
                        let w = list[rng.gen_range(0..list.len())];
                        if !w.contains('-') {
                            break w;
                        }
                    }
                })
                .collect(),
        )
    }

    /// Parses a code as typed: any case, words separated by spaces, hyphens, dots or new
    /// lines, numbering ("1." "2)") ignored.
    pub fn parse(typed: &str) -> Result<Self, CodeError> {
        let list = wordlist();
        // Each piece, and whether a hyphen joined it to the next.
        let mut pieces: Vec<(String, bool)> = Vec::new();
        for token in typed
            .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ')')
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        {
            let parts: Vec<&str> = token.split('-').filter(|p| !p.is_empty()).collect();
            for (i, p) in parts.iter().enumerate() {
                pieces.push((p.to_string(), i + 1 < parts.len()));
            }
        }
        // A code issued before hyphenated words were left out may hold one (`t-shirt`):
        // when there are too many pieces, join hyphenated pairs that make a word.
        let mut words: Vec<String> = Vec::with_capacity(WORDS);
        let mut extra = pieces.len().saturating_sub(WORDS);
        let mut i = 0;
        while i < pieces.len() {
            let (p, joined) = &pieces[i];
            if extra > 0 && *joined && i + 1 < pieces.len() {
                let both = format!("{p}-{}", pieces[i + 1].0);
                if list.binary_search(&both.as_str()).is_ok() {
                    words.push(both);
                    extra -= 1;
                    i += 2;
                    continue;
                }
            }
            words.push(p.clone());
            i += 1;
        }
        if words.len() != WORDS {
            return Err(CodeError::Count(words.len()));
        }
        let mut out = Vec::with_capacity(WORDS);
        for (i, w) in words.iter().enumerate() {
            match list.binary_search(&w.as_str()) {
                Ok(at) => out.push(list[at]),
                Err(_) => {
                    return Err(CodeError::Word {
                        position: i + 1,
                        word: w.chars().take(40).collect(),
                    });
                }
            }
        }
        Ok(ReceiptCode(out))
    }

    /// The words.
    pub fn words(&self) -> &[&'static str] {
        &self.0
    }

    /// The words joined by single spaces.
    pub fn phrase(&self) -> String {
        self.0.join(" ")
    }
}

/// What a code unlocks; derived by [`ReceiptKeys::derive`].
#[derive(Clone)]
pub struct ReceiptKeys {
    /// Indexed by the ledger to find the tip (`tips.receive.locator`).
    pub locator: Hash32,
    /// The reporter's X25519 key: every message is sealed to it too.
    pub secret: EncryptionSecretKey,
    /// HMAC key of the reporter's messages' commitments (`receipt`).
    pub commit_key: [u8; 32],
}

impl std::fmt::Debug for ReceiptKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReceiptKeys(locator={})", self.locator)
    }
}

fn hmac(key: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// The Argon2id parameters: 19 MiB, 2 passes, 1 lane, 32 bytes.
pub fn argon2_params() -> Params {
    Params::new(19 * 1024, 2, 1, Some(32)).expect("valid Argon2 parameters")
}

impl ReceiptKeys {
    /// Derives the keys of `code` for tips to `intake` on `chain_id`. Slow on purpose
    /// (one Argon2id evaluation, tens of milliseconds): run it off the async threads.
    pub fn derive(code: &ReceiptCode, chain_id: &str, intake: &str) -> Self {
        let salt: [u8; 32] = Sha256::new()
            .chain_update(b"unchain/tips/v1/receipt-salt\0")
            .chain_update(chain_id.as_bytes())
            .chain_update(b"\0")
            .chain_update(intake.as_bytes())
            .finalize()
            .into();
        let mut master = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params())
            .hash_password_into(code.phrase().as_bytes(), &salt[..16], &mut master)
            .expect("Argon2id with valid parameters and a 16-byte salt");
        let secret = hmac(&master, b"unchain/tips/v1/reporter-key");
        ReceiptKeys {
            locator: Hash32(hmac(&master, b"unchain/tips/v1/locator")),
            secret: EncryptionSecretKey::from_hex(&hex::encode(secret))
                .expect("32 bytes are an X25519 secret"),
            commit_key: hmac(&master, b"unchain/tips/v1/commit-key"),
        }
    }

    /// The reporter's public key, recorded on chain.
    pub fn public_key(&self) -> EncryptionPublicKey {
        self.secret.public_key()
    }
}

/// The on-chain commitment of one of the reporter's messages: HMAC-SHA256 under the
/// commitment key of the message's canonical JSON (RFC 8785).
pub fn content_commitment(commit_key: &[u8; 32], content: &serde_json::Value) -> Hash32 {
    let canonical =
        unchain_types::canonical::to_canonical_bytes(content).expect("JSON canonicalises");
    Hash32(hmac(commit_key, &canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wordlist_is_the_eff_long_list_sorted() {
        let list = wordlist();
        assert_eq!(list.len(), 7776);
        assert_eq!(list[0], "abacus");
        assert_eq!(list[7775], "zoom");
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
    }

    #[test]
    fn codes_parse_as_typed_and_typos_are_named() {
        let code = ReceiptCode::generate();
        let typed = code
            .words()
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}. {}", i + 1, w.to_uppercase()))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(ReceiptCode::parse(&typed).expect("typed"), code);
        assert_eq!(
            ReceiptCode::parse(&code.words().join("-")).expect("hyphens"),
            code
        );
        let mut words: Vec<String> = code.words().iter().map(|w| w.to_string()).collect();
        words[2] = "zzzq".into();
        assert_eq!(
            ReceiptCode::parse(&words.join(" ")),
            Err(CodeError::Word {
                position: 3,
                word: "zzzq".into()
            })
        );
        assert_eq!(ReceiptCode::parse("abacus zoom"), Err(CodeError::Count(2)));
        // A code holding a hyphenated word (issued before they were left out) parses
        // however it is typed.
        let old = "t-shirt abacus yo-yo zoom drop-down felt-tip abacus zoom";
        let parsed = ReceiptCode::parse(old).expect("spaces");
        assert_eq!(parsed.phrase(), old);
        assert_eq!(
            ReceiptCode::parse(&old.replace(' ', "-")).expect("hyphens"),
            parsed
        );
        for _ in 0..2_000 {
            assert!(
                ReceiptCode::generate()
                    .words()
                    .iter()
                    .all(|w| !w.contains('-'))
            );
        }
        assert_ne!(ReceiptCode::generate(), code, "fresh codes differ");
    }

    #[test]
    fn keys_depend_on_code_chain_and_intake() {
        let code =
            ReceiptCode::parse("abacus zoom abacus zoom abacus zoom abacus zoom").expect("code");
        let a = ReceiptKeys::derive(&code, "c1", "ngo");
        let again = ReceiptKeys::derive(&code, "c1", "ngo");
        assert_eq!(a.locator, again.locator);
        assert_eq!(a.public_key(), again.public_key());
        assert_ne!(a.locator, ReceiptKeys::derive(&code, "c2", "ngo").locator);
        assert_ne!(
            a.locator,
            ReceiptKeys::derive(&code, "c1", "police").locator
        );
        let other =
            ReceiptCode::parse("abacus zoom abacus zoom abacus zoom abacus abacus").expect("code");
        let b = ReceiptKeys::derive(&other, "c1", "ngo");
        assert_ne!(a.locator, b.locator);
        assert_ne!(a.commit_key, b.commit_key);
        let doc = serde_json::json!({"b": 1, "a": "x"});
        let reordered = serde_json::json!({"a": "x", "b": 1});
        assert_eq!(
            content_commitment(&a.commit_key, &doc),
            content_commitment(&a.commit_key, &reordered)
        );
        assert_ne!(
            content_commitment(&a.commit_key, &doc),
            content_commitment(&b.commit_key, &doc)
        );
    }
}
