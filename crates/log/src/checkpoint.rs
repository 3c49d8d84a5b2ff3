//! C2SP `tlog-checkpoint` bodies inside C2SP `signed-note` envelopes.
//!
//! A checkpoint says "the log named `origin` had `size` leaves with root `root`". Validators
//! sign it with their Ed25519 keys as note signatures, so any tool that speaks the C2SP
//! formats (Go's `golang.org/x/mod/sumdb/note`, witnesses, `litetlog`) can check it.
//!
//! ```text
//! unchain/demo          <- origin line
//! 42                    <- tree size, decimal
//! qJ7…=                 <- root hash, standard base64
//!                       <- blank line ends the body
//! — org-a Ab3x…=        <- em dash, key name, base64(key hash[4] || signature[64])
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};
use unchain_types::{Hash32, PublicKey, Signature, SigningKey};

/// Ed25519 signature type identifier in C2SP signed-note key hashes.
const ALG_ED25519: u8 = 0x01;

/// Why a note or checkpoint is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text is not a signed note.
    #[error("malformed signed note: {0}")]
    Malformed(&'static str),
    /// The body is not a checkpoint.
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(&'static str),
    /// Not enough trusted signatures verified.
    #[error("checkpoint has {valid} valid signature(s) from trusted keys; {required} required")]
    NotEnoughSignatures {
        /// Valid trusted signatures found.
        valid: usize,
        /// Signatures required.
        required: usize,
    },
    /// A key name that C2SP does not allow.
    #[error("key name {0:?} must be non-empty with no spaces or '+'")]
    BadKeyName(String),
    /// A signature by a trusted key does not verify: the note is rejected whatever else
    /// signed it (C2SP signed-note; Go's `golang.org/x/mod/sumdb/note` does the same).
    #[error(
        "the signature by trusted key {name:?} does not verify: the note was altered or forged"
    )]
    InvalidSignature {
        /// The key's name.
        name: String,
    },
}

/// Most signature lines a note may carry (as Go's `sumdb/note`), so that a note cannot
/// make a verifier spend unbounded time.
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// The content of a checkpoint: a log's size and root at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique identifier of the log (schema-less URL style), e.g. `unchain/demo`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 9162 root hash of those leaves.
    pub root: Hash32,
    /// The ledger's state as of the block that brought the log to `size`: the extension
    /// line `state <height> <base64 root>`, so that one cosigned note vouches for the log
    /// and the state together. Absent in a log that keeps no state.
    pub state: Option<StateAt>,
}

/// The authenticated state's root after the block at `height` (a checkpoint extension
/// line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateAt {
    /// The block height.
    pub height: u64,
    /// The root of the state's authenticated map after that block.
    pub root: Hash32,
}

/// The first word of the state extension line.
const STATE_LINE: &str = "state";

impl Checkpoint {
    /// The note body: origin, size and root lines, then the state extension line when
    /// there is one, each ending in a newline.
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        );
        if let Some(state) = &self.state {
            body.push_str(&format!(
                "{STATE_LINE} {} {}\n",
                state.height,
                B64.encode(state.root.0)
            ));
        }
        body
    }

    /// Parses a checkpoint body. Extension lines after the root are allowed; the state line
    /// is read (strictly: a malformed one is an error), others are ignored.
    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|s| !s.is_empty())
            .ok_or(NoteError::BadCheckpoint("missing origin line"))?;
        let size_line = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("missing tree size line"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(NoteError::BadCheckpoint(
                "tree size must be a decimal integer without leading zeros",
            ));
        }
        let size = size_line
            .parse()
            .map_err(|_| NoteError::BadCheckpoint("tree size does not fit in 64 bits"))?;
        let root_line = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("missing root hash line"))?;
        let root: [u8; 32] = B64
            .decode(root_line)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(NoteError::BadCheckpoint(
                "root hash must be 32 bytes of standard base64",
            ))?;
        let mut state = None;
        for line in lines {
            let Some(rest) = line
                .strip_prefix(STATE_LINE)
                .and_then(|r| r.strip_prefix(' '))
            else {
                continue;
            };
            if state.is_some() {
                return Err(NoteError::BadCheckpoint("more than one state line"));
            }
            state = Some(parse_state_line(rest)?);
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root: Hash32(root),
            state,
        })
    }
}

/// `<height> <base64 root>`, after `state `.
fn parse_state_line(rest: &str) -> Result<StateAt, NoteError> {
    let (height, root) = rest.split_once(' ').ok_or(NoteError::BadCheckpoint(
        "the state line must be `state <height> <base64 root>`",
    ))?;
    if height.is_empty()
        || !height.bytes().all(|b| b.is_ascii_digit())
        || (height.len() > 1 && height.starts_with('0'))
    {
        return Err(NoteError::BadCheckpoint(
            "the state line's height must be a decimal integer without leading zeros",
        ));
    }
    let height = height
        .parse()
        .map_err(|_| NoteError::BadCheckpoint("the state line's height does not fit in 64 bits"))?;
    let root: [u8; 32] = B64
        .decode(root)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(NoteError::BadCheckpoint(
            "the state line's root must be 32 bytes of standard base64",
        ))?;
    Ok(StateAt {
        height,
        root: Hash32(root),
    })
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's key name.
    pub name: String,
    /// The first four bytes of the key hash.
    pub key_hash: [u8; 4],
    /// The signature bytes (64 for Ed25519).
    pub signature: Vec<u8>,
}

/// A name and its Ed25519 key, as proof bundles carry them (validators, members).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamedKey {
    /// Member name.
    pub name: String,
    /// Its transaction- and checkpoint-signing key.
    pub key: PublicKey,
}

impl NamedKey {
    /// As a checkpoint verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key,
        }
    }
}

/// A public key that may sign notes, with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    /// Key name as it appears on signature lines.
    pub name: String,
    /// The Ed25519 key.
    pub key: PublicKey,
}

impl NoteVerifier {
    /// C2SP signed-note key hash: `SHA-256(name || "\n" || 0x01 || key)[..4]`.
    pub fn key_hash(&self) -> [u8; 4] {
        key_hash(&self.name, &self.key)
    }

    /// The verifier key in the standard text form `name+hash+base64(0x01||key)`.
    pub fn to_vkey(&self) -> String {
        let mut encoded = vec![ALG_ED25519];
        encoded.extend_from_slice(&self.key.to_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_hash()),
            B64.encode(encoded)
        )
    }
}

fn key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.to_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        Err(NoteError::BadKeyName(name.into()))
    } else {
        Ok(())
    }
}

/// A note body and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The body: non-empty, newline-terminated text.
    pub body: String,
    /// Signature lines in order.
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// A note with no signatures yet.
    pub fn new(body: String) -> Self {
        SignedNote {
            body,
            signatures: Vec::new(),
        }
    }

    /// Adds an Ed25519 signature by `key` under `name`.
    pub fn sign(&mut self, name: &str, key: &SigningKey) -> Result<(), NoteError> {
        check_name(name)?;
        let sig = key.sign(self.body.as_bytes());
        self.signatures.push(NoteSignature {
            name: name.into(),
            key_hash: key_hash(name, &key.public_key()),
            signature: sig.to_bytes().to_vec(),
        });
        Ok(())
    }

    /// The note as text: body, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.body.clone();
        out.push('\n');
        for s in &self.signatures {
            let mut blob = s.key_hash.to_vec();
            blob.extend_from_slice(&s.signature);
            out.push_str(&format!("\u{2014} {} {}\n", s.name, B64.encode(blob)));
        }
        out
    }

    /// Parses note text.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let split = text.rfind("\n\n").ok_or(NoteError::Malformed(
            "no blank line between body and signatures",
        ))?;
        let body = &text[..split + 1];
        let sigs = &text[split + 2..];
        if body.is_empty() || body.starts_with('\n') {
            return Err(NoteError::Malformed("empty body"));
        }
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed(
                "signature block must end with a newline",
            ));
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            let rest = line.strip_prefix("\u{2014} ").ok_or(NoteError::Malformed(
                "signature line must start with an em dash and a space",
            ))?;
            let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
                "signature line needs a name and a signature",
            ))?;
            check_name(name)?;
            let blob = B64
                .decode(b64)
                .map_err(|_| NoteError::Malformed("signature is not standard base64"))?;
            if blob.len() < 5 {
                return Err(NoteError::Malformed("signature too short"));
            }
            if signatures.len() == MAX_NOTE_SIGNATURES {
                return Err(NoteError::Malformed("more than 100 signature lines"));
            }
            signatures.push(NoteSignature {
                name: name.into(),
                key_hash: [blob[0], blob[1], blob[2], blob[3]],
                signature: blob[4..].to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signatures"));
        }
        Ok(SignedNote {
            body: body.into(),
            signatures,
        })
    }

    /// Whether signature `s` is by verifier `v` (its name and key hash) and verifies.
    fn check(&self, v: &NoteVerifier, s: &NoteSignature) -> bool {
        <[u8; 64]>::try_from(s.signature.as_slice())
            .map(|b| {
                v.key
                    .verify(&Signature::from_bytes(b), self.body.as_bytes())
            })
            .unwrap_or(false)
    }

    /// One valid signature per verifier among `verifiers` that signed this note, in the
    /// verifiers' order; signatures from unknown keys and ones that fail are left out
    /// (what a node keeps of the cosignatures it gathers).
    pub fn verified_signatures(&self, verifiers: &[NoteVerifier]) -> Vec<NoteSignature> {
        let mut out: Vec<NoteSignature> = Vec::new();
        for v in verifiers {
            let kh = v.key_hash();
            if out.iter().any(|s| s.name == v.name) {
                continue;
            }
            if let Some(s) = self
                .signatures
                .iter()
                .find(|s| s.name == v.name && s.key_hash == kh && self.check(v, s))
            {
                out.push(s.clone());
            }
        }
        out
    }

    /// The names of the `verifiers` whose signatures on this note are valid (each counted
    /// once), leniently: a failing signature is only not counted. Verifying a note someone
    /// else hands over uses [`Self::verify_signers`].
    pub fn valid_signers(&self, verifiers: &[NoteVerifier]) -> Vec<String> {
        self.verified_signatures(verifiers)
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    /// The names of the `verifiers` that signed this note, strictly as C2SP signed-note
    /// verifiers do: signatures from unknown keys are ignored, but any signature line that
    /// names a trusted key (its name and key hash) and does not verify rejects the whole
    /// note, even when another line by the same key verifies.
    pub fn verify_signers(&self, verifiers: &[NoteVerifier]) -> Result<Vec<String>, NoteError> {
        let mut names: Vec<String> = Vec::new();
        for s in &self.signatures {
            let Some(v) = verifiers
                .iter()
                .find(|v| v.name == s.name && v.key_hash() == s.key_hash)
            else {
                continue;
            };
            if !self.check(v, s) {
                return Err(NoteError::InvalidSignature {
                    name: s.name.clone(),
                });
            }
            if !names.contains(&v.name) {
                names.push(v.name.clone());
            }
        }
        Ok(names)
    }

    /// Checks that at least `required` distinct trusted keys signed, that no signature by a
    /// trusted key fails ([`Self::verify_signers`]), and parses the checkpoint.
    pub fn verify_checkpoint(
        &self,
        verifiers: &[NoteVerifier],
        required: usize,
    ) -> Result<Checkpoint, NoteError> {
        let valid = self.verify_signers(verifiers)?.len();
        if valid < required.max(1) {
            return Err(NoteError::NotEnoughSignatures {
                valid,
                required: required.max(1),
            });
        }
        Checkpoint::parse_body(&self.body)
    }
}

/// Why a signed checkpoint is not the one a proof needs.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The note is malformed or not signed by enough trusted keys.
    #[error("checkpoint: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint is for another log or size than the proof claims.
    #[error("checkpoint is for {got}, the bundle claims {claimed}")]
    Mismatch {
        /// What the checkpoint says.
        got: String,
        /// What the proof says.
        claimed: String,
    },
}

/// Checks the signed checkpoint `text` for a proof against log `origin` at `size`: at
/// least `quorum` of the `trusted` keys signed it, and it is for that log and size.
/// Returns the checkpoint and the names of the keys whose signatures verified.
pub fn verify_checkpoint_for(
    text: &str,
    trusted: &[NoteVerifier],
    quorum: usize,
    origin: &str,
    size: u64,
) -> Result<(Checkpoint, Vec<String>), CheckpointError> {
    let note = SignedNote::parse(text)?;
    let signers = note.verify_signers(trusted)?;
    let cp = note.verify_checkpoint(trusted, quorum)?;
    if cp.origin != origin || cp.size != size {
        return Err(CheckpointError::Mismatch {
            got: format!("{} at size {}", cp.origin, cp.size),
            claimed: format!("{origin} at size {size}"),
        });
    }
    Ok((cp, signers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(seed: u8, name: &str) -> (SigningKey, NoteVerifier) {
        let k = SigningKey::from_seed([seed; 32]);
        let v = NoteVerifier {
            name: name.into(),
            key: k.public_key(),
        };
        (k, v)
    }

    #[test]
    fn the_state_line_round_trips_and_malformed_ones_are_refused() {
        let cp = Checkpoint {
            origin: "unchain/test".into(),
            size: 3,
            root: Hash32::digest(b"log"),
            state: Some(StateAt {
                height: 7,
                root: Hash32::digest(b"state"),
            }),
        };
        let body = cp.body();
        assert_eq!(body.lines().count(), 4);
        assert!(body.lines().nth(3).expect("line").starts_with("state 7 "));
        assert_eq!(Checkpoint::parse_body(&body).expect("parse"), cp);
        // Other extension lines are ignored; the state line is read wherever it sits.
        let other = body.replacen("state ", "witness-hint x\nstate ", 1);
        assert_eq!(Checkpoint::parse_body(&other).expect("parse"), cp);
        let line = body.lines().nth(3).expect("line").to_owned();
        for (bad, why) in [
            ("state 07 AAAA".to_owned(), "leading zeros"),
            ("state x AAAA".to_owned(), "decimal"),
            ("state 7".to_owned(), "`state <height> <base64 root>`"),
            ("state 7 AAAA".to_owned(), "32 bytes"),
            (format!("{line}\n{line}"), "more than one"),
        ] {
            let text = body.replace(&line, &bad);
            let err = Checkpoint::parse_body(&text).expect_err(&bad).to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn checkpoint_note_round_trips_and_verifies() {
        let (ka, va) = verifier(1, "org-a");
        let (kb, vb) = verifier(2, "org-b");
        let cp = Checkpoint {
            origin: "unchain/test".into(),
            size: 12,
            root: Hash32::digest(b"root"),
            state: None,
        };
        let mut note = SignedNote::new(cp.body());
        note.sign("org-a", &ka).expect("sign");
        note.sign("org-b", &kb).expect("sign");
        let text = note.to_text();
        assert!(text.starts_with("unchain/test\n12\n"));
        let parsed = SignedNote::parse(&text).expect("parse");
        assert_eq!(parsed, note);
        assert_eq!(
            parsed
                .verify_checkpoint(&[va.clone(), vb.clone()], 2)
                .expect("verify"),
            cp
        );
        // A changed size breaks every signature: the note is rejected, not merely short.
        let forged = text.replacen("\n12\n", "\n13\n", 1);
        let forged = SignedNote::parse(&forged).expect("parse");
        assert_eq!(
            forged.verify_checkpoint(&[va.clone(), vb.clone()], 1),
            Err(NoteError::InvalidSignature {
                name: "org-a".into()
            })
        );
        // Signed by neither trusted key: not enough signatures.
        assert_eq!(
            parsed.verify_checkpoint(&[verifier(3, "org-c").1], 1),
            Err(NoteError::NotEnoughSignatures {
                valid: 0,
                required: 1
            })
        );
    }

    /// A note with a failing signature line by a trusted key is rejected, before or after a
    /// good line by the same key, whatever else signed; lines by unknown keys (another name,
    /// or the trusted name with another key hash) are ignored.
    #[test]
    fn a_failing_signature_by_a_trusted_key_rejects_the_note() {
        let (ka, va) = verifier(1, "org-a");
        let (kb, vb) = verifier(2, "org-b");
        let (kx, _) = verifier(9, "stranger");
        let cp = Checkpoint {
            origin: "unchain/test".into(),
            size: 3,
            root: Hash32::digest(b"r"),
            state: None,
        };
        let good = |k: &SigningKey, name: &str| {
            let mut n = SignedNote::new(cp.body());
            n.sign(name, k).expect("sign");
            n.signatures[0].clone()
        };
        let mut bad_a = good(&ka, "org-a");
        bad_a.signature[10] ^= 1;
        let trusted = [va.clone(), vb.clone()];
        let note = |sigs: Vec<NoteSignature>| {
            let text = SignedNote {
                body: cp.body(),
                signatures: sigs,
            }
            .to_text();
            SignedNote::parse(&text).expect("parse")
        };
        for sigs in [
            vec![bad_a.clone(), good(&ka, "org-a"), good(&kb, "org-b")],
            vec![good(&ka, "org-a"), bad_a.clone(), good(&kb, "org-b")],
            vec![good(&ka, "org-a"), good(&kb, "org-b"), bad_a.clone()],
            vec![bad_a.clone()],
        ] {
            let n = note(sigs);
            assert_eq!(
                n.verify_checkpoint(&trusted, 1),
                Err(NoteError::InvalidSignature {
                    name: "org-a".into()
                }),
                "{}",
                n.to_text()
            );
            assert!(verify_checkpoint_for(&n.to_text(), &trusted, 1, "unchain/test", 3).is_err());
            // What a node keeps of gathered cosignatures: only the lines that verify.
            assert!(
                n.verified_signatures(&trusted)
                    .iter()
                    .all(|s| s.signature != bad_a.signature)
            );
        }
        // Unknown keys, failing or not, are ignored.
        let mut bad_x = good(&kx, "stranger");
        bad_x.signature[0] ^= 1;
        let mut wrong_hash = bad_a.clone();
        wrong_hash.key_hash[0] ^= 1;
        let mut renamed = bad_a.clone();
        renamed.name = "org-z".into();
        let n = note(vec![
            bad_x,
            wrong_hash,
            renamed,
            good(&ka, "org-a"),
            good(&kb, "org-b"),
            good(&ka, "org-a"),
        ]);
        assert_eq!(n.verify_checkpoint(&trusted, 2).expect("valid"), cp);
        assert_eq!(
            n.verify_signers(&trusted).expect("valid"),
            vec!["org-a".to_string(), "org-b".to_string()],
            "a repeated good line counts once"
        );
    }

    #[test]
    fn a_note_with_more_than_100_signatures_is_malformed() {
        let (k, _) = verifier(1, "org-a");
        let mut n = SignedNote::new("body\n".into());
        for _ in 0..MAX_NOTE_SIGNATURES {
            n.sign("org-a", &k).expect("sign");
        }
        assert!(SignedNote::parse(&n.to_text()).is_ok());
        n.sign("org-a", &k).expect("sign");
        assert!(SignedNote::parse(&n.to_text()).is_err());
    }

    /// The Ed25519 key-hash derivation of C2SP signed-note, checked against the example
    /// verifier key in the spec (`PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`).
    #[test]
    fn key_hash_matches_the_c2sp_example_vkey() {
        let raw = B64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .expect("b64");
        assert_eq!(raw[0], ALG_ED25519);
        let key = PublicKey::from_bytes(raw[1..].try_into().expect("32 bytes")).expect("point");
        let v = NoteVerifier {
            name: "PeterNeumann".into(),
            key,
        };
        assert_eq!(hex::encode(v.key_hash()), "c74f20a3");
        assert_eq!(
            v.to_vkey(),
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        );
    }

    /// The signed example note from the C2SP signed-note spec verifies under its vkey.
    #[test]
    fn c2sp_example_note_verifies() {
        let text = "If you think cryptography is the answer to your problem,\n\
then you don't know what your problem is.\n\
\n\
\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let note = SignedNote::parse(text).expect("parse");
        let raw = B64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .expect("b64");
        let v = NoteVerifier {
            name: "PeterNeumann".into(),
            key: PublicKey::from_bytes(raw[1..].try_into().expect("32")).expect("point"),
        };
        assert_eq!(
            note.verify_signers(std::slice::from_ref(&v))
                .expect("valid"),
            vec!["PeterNeumann".to_string()]
        );
        // The spec's example with a second, altered PeterNeumann line: rejected.
        let mut blob = B64
            .decode("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")
            .expect("b64");
        blob[20] ^= 0x40;
        let altered = format!("{text}\u{2014} PeterNeumann {}\n", B64.encode(&blob));
        assert_eq!(
            SignedNote::parse(&altered)
                .expect("parse")
                .verify_signers(&[v]),
            Err(NoteError::InvalidSignature {
                name: "PeterNeumann".into()
            })
        );
    }

    #[test]
    fn malformed_checkpoints_are_rejected_with_a_reason() {
        assert!(Checkpoint::parse_body("o\n012\nAAAA\n").is_err());
        assert!(Checkpoint::parse_body("o\n12\nnot-base64\n").is_err());
        assert!(Checkpoint::parse_body("\n12\n").is_err());
        assert!(SignedNote::parse("body\n\n- name sig\n").is_err());
    }
}
