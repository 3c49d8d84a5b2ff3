//! Abuse limits on the public tip form that identify no one: a single-use challenge
//! token per submission (HMAC under the node's own key for it; spent tokens are
//! remembered until they expire, on disk when the guard [`Guard::persisting`], so that a
//! restart does not make a spent token good again), a proof of work whose difficulty
//! rises with the load on the form, rate limits per form and for all forms, and a limit on
//! lookups per receipt code (what a guesser would be guessing), never one budget that a
//! single client could spend for every reporter. Nothing is counted per sender: there is
//! no sender to count.
//!
//! The order of checks is the order of their cost: a forged or missing token and a wrong
//! proof of work are refused after one HMAC and one SHA-256, before the rest of the
//! request is read, before any Argon2id, sealing or ledger work.

use crate::service::now_ms;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write as _;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a served form stays valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3 * 60 * 60);
/// The load window for the proof-of-work difficulty.
const WINDOW: Duration = Duration::from_secs(600);
/// Most bits ever asked.
pub const MAX_BITS: u8 = 24;
/// Lookups of one receipt code allowed in [`LOOKUP_WINDOW`]: plenty for a reporter
/// reading replies, nothing for a guesser (a code has 103 bits).
pub const LOOKUPS_PER_CODE: usize = 20;
/// The window of [`LOOKUPS_PER_CODE`].
pub const LOOKUP_WINDOW: Duration = Duration::from_secs(600);
/// Most codes whose lookups are remembered at once (past it, the oldest counts go).
const MAX_CODES_TRACKED: usize = 65_536;

/// Why a submission's challenge was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or one this node never issued (forged, or from before a restart with a
    /// wrong MAC).
    Forged,
    /// Older than [`TOKEN_LIFETIME`].
    Expired,
    /// Already used for a submission.
    Used,
    /// The proof of work is missing or short of the bits required.
    Work {
        /// Bits required now.
        bits: u8,
    },
    /// A rate limit is reached.
    Limit,
    /// This receipt code was looked up [`LOOKUPS_PER_CODE`] times in [`LOOKUP_WINDOW`].
    CodeTries,
    /// The spent token could not be written down, so it is not spent (nor admitted).
    Storage,
}

/// A checked challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    nonce: String,
    expires_ms: u64,
}

/// The limits the node was configured with.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per minute, all forms.
    pub global_per_minute: u32,
    /// Per minute, one form.
    pub form_per_minute: u32,
    /// Accepted in 10 minutes before work is required.
    pub calm_per_10_minutes: u32,
    /// Bits always required.
    pub floor_bits: u8,
}

/// The guard of every form this node serves.
pub struct Guard {
    secret: [u8; 32],
    limits: Limits,
    global: DefaultDirectRateLimiter,
    forms: BTreeMap<String, DefaultDirectRateLimiter>,
    /// Recent lookup times (ms) by keyed digest of the receipt code.
    lookups: Mutex<HashMap<String, VecDeque<u64>>>,
    used: Mutex<Spent>,
    recent: Mutex<BTreeMap<String, VecDeque<Instant>>>,
}

/// Spent token nonces with their expiry, and where they are written down.
#[derive(Default)]
struct Spent {
    nonces: HashMap<String, u64>,
    file: Option<(PathBuf, std::fs::File)>,
}

impl Spent {
    /// The spent tokens in `path` that have not expired at `now_ms`; the file is rewritten
    /// with only those, then appended to.
    fn load(path: &Path, now_ms: u64) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        // A line cut short by a crash is skipped: its submission was not admitted.
        let nonces: HashMap<String, u64> = text
            .lines()
            .filter_map(|l| {
                let (nonce, exp) = l.split_once(' ')?;
                let exp: u64 = exp.parse().ok()?;
                (exp > now_ms && nonce.len() == 24 && nonce.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| (nonce.to_owned(), exp))
            })
            .collect();
        let mut spent = Spent { nonces, file: None };
        spent.rewrite(path)?;
        Ok(spent)
    }

    /// Writes the live nonces to `path` afresh (atomically) and keeps it open to append.
    fn rewrite(&mut self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        let mut lines: Vec<(&String, &u64)> = self.nonces.iter().collect();
        lines.sort();
        for (nonce, exp) in lines {
            writeln!(f, "{nonce} {exp}")?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        let file = std::fs::OpenOptions::new().append(true).open(path)?;
        self.file = Some((path.to_path_buf(), file));
        Ok(())
    }

    /// Spends `nonce` until `exp`: written down (and synced) before it counts.
    fn spend(&mut self, nonce: &str, exp: u64, now_ms: u64) -> Result<(), Refusal> {
        if self.nonces.contains_key(nonce) {
            return Err(Refusal::Used);
        }
        if self.nonces.len() > 4096 {
            self.nonces.retain(|_, e| *e > now_ms);
            if let Some((path, _)) = self.file.take() {
                self.rewrite(&path).map_err(|_| Refusal::Storage)?;
            }
        }
        if let Some((_, f)) = &mut self.file {
            f.write_all(format!("{nonce} {exp}\n").as_bytes())
                .and_then(|()| f.sync_data())
                .map_err(|e| {
                    tracing::error!(reason = %e, "a spent tip token could not be written down");
                    Refusal::Storage
                })?;
        }
        self.nonces.insert(nonce.to_owned(), exp);
        Ok(())
    }
}

fn per_minute(n: u32) -> DefaultDirectRateLimiter {
    RateLimiter::direct(Quota::per_minute(
        NonZeroU32::new(n.max(1)).expect("at least 1"),
    ))
}

/// Leading zero bits of a digest.
fn zero_bits(d: &[u8]) -> u32 {
    let mut n = 0;
    for b in d {
        if *b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// Whether `pow` is a proof of `bits` of work on `token`: SHA-256(`token` ":" `pow`)
/// starts with `bits` zero bits.
pub fn work_ok(token: &str, pow: &str, bits: u8) -> bool {
    if bits == 0 {
        return true;
    }
    if pow.is_empty() || pow.len() > 20 || !pow.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(b":")
        .chain_update(pow.as_bytes())
        .finalize();
    zero_bits(&d) >= bits as u32
}

/// Finds a proof of `bits` of work on `token` (what the page's script does; tests and
/// scripted clients use this).
pub fn solve(token: &str, bits: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|p| work_ok(token, p, bits))
        .expect("a proof exists")
}

impl Guard {
    /// A guard for `forms` with a fresh secret.
    pub fn new(forms: &[String], limits: Limits) -> Self {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        Self::with_secret(forms, limits, secret)
    }

    /// A guard keyed with `secret` (kept across restarts, so that a form a reporter is
    /// filling in stays valid when the node restarts).
    pub fn with_secret(forms: &[String], limits: Limits, secret: [u8; 32]) -> Self {
        Guard {
            secret,
            global: per_minute(limits.global_per_minute),
            forms: forms
                .iter()
                .map(|f| (f.clone(), per_minute(limits.form_per_minute)))
                .collect(),
            lookups: Mutex::default(),
            limits,
            used: Mutex::default(),
            recent: Mutex::default(),
        }
    }

    /// The same guard, remembering spent tokens in `path` (0600) across restarts; the
    /// tokens spent before, still unexpired, stay spent.
    pub fn persisting(self, path: &Path) -> std::io::Result<Self> {
        *self.used.lock().expect("used lock") = Spent::load(path, now_ms())?;
        Ok(self)
    }

    fn mac(&self, body: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        m.update(body.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..16])
    }

    /// Bits of work `form` asks now: the floor while calm; 16 once the form took its calm
    /// share in the last 10 minutes, 2 more each time that doubles, at most [`MAX_BITS`].
    pub fn bits(&self, form: &str) -> u8 {
        let mut recent = self.recent.lock().expect("recent lock");
        let q = recent.entry(form.to_owned()).or_default();
        while q.front().is_some_and(|t| t.elapsed() > WINDOW) {
            q.pop_front();
        }
        let calm = self.limits.calm_per_10_minutes.max(1) as usize;
        if q.len() < calm {
            return self.limits.floor_bits;
        }
        let doublings = (q.len() / calm).ilog2() as u8;
        (16 + 2 * doublings).clamp(self.limits.floor_bits, MAX_BITS)
    }

    /// A fresh challenge token for `form`, and the bits it asks.
    pub fn issue(&self, form: &str) -> (String, u8) {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let bits = self.bits(form);
        let body = format!("v1.{form}.{}.{}.{bits}", now_ms(), hex::encode(nonce));
        let mac = self.mac(&body);
        (format!("{body}.{mac}"), bits)
    }

    /// Checks a submission's token and proof of work for `form`, cheaply. The bits
    /// required are the token's or today's, whichever is more.
    pub fn check(&self, form: &str, token: &str, pow: &str) -> Result<Ticket, Refusal> {
        let parts: Vec<&str> = token.split('.').collect();
        let [v, f, issued, nonce, bits, mac] = parts[..] else {
            return Err(Refusal::Forged);
        };
        let body = &token[..token.len() - mac.len() - 1];
        let expected = self.mac(body);
        let same = expected.len() == mac.len()
            && expected
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if v != "v1" || f != form || !same {
            return Err(Refusal::Forged);
        }
        let issued: u64 = issued.parse().map_err(|_| Refusal::Forged)?;
        let token_bits: u8 = bits.parse().map_err(|_| Refusal::Forged)?;
        let expires_ms = issued + TOKEN_LIFETIME.as_millis() as u64;
        if now_ms() > expires_ms {
            return Err(Refusal::Expired);
        }
        let bits = token_bits.max(self.bits(form).saturating_sub(4));
        if !work_ok(token, pow, bits) {
            return Err(Refusal::Work { bits });
        }
        if self
            .used
            .lock()
            .expect("used lock")
            .nonces
            .contains_key(nonce)
        {
            return Err(Refusal::Used);
        }
        Ok(Ticket {
            nonce: nonce.to_owned(),
            expires_ms,
        })
    }

    /// Takes one submission from the rate limits and spends the ticket; refused when a
    /// limit is reached or the ticket was spent meanwhile.
    pub fn admit(&self, form: &str, ticket: &Ticket) -> Result<(), Refusal> {
        let limiter = self.forms.get(form).ok_or(Refusal::Forged)?;
        if self.global.check().is_err() || limiter.check().is_err() {
            return Err(Refusal::Limit);
        }
        self.used
            .lock()
            .expect("used lock")
            .spend(&ticket.nonce, ticket.expires_ms, now_ms())?;
        self.recent
            .lock()
            .expect("recent lock")
            .entry(form.to_owned())
            .or_default()
            .push_back(Instant::now());
        Ok(())
    }

    /// Takes one lookup of receipt code `phrase` at `now_ms` (each costs an Argon2id):
    /// refused after [`LOOKUPS_PER_CODE`] of the same code in [`LOOKUP_WINDOW`], whatever
    /// other codes are being tried. The code is kept only as a keyed digest, in memory.
    pub fn lookup(&self, phrase: &str, now_ms: u64) -> Result<(), Refusal> {
        let window = LOOKUP_WINDOW.as_millis() as u64;
        let key = self.mac(&format!("lookup.{phrase}"));
        let mut lookups = self.lookups.lock().expect("lookups lock");
        if lookups.len() >= MAX_CODES_TRACKED {
            lookups.retain(|_, q| q.back().is_some_and(|t| now_ms.saturating_sub(*t) < window));
            if lookups.len() >= MAX_CODES_TRACKED {
                // Only guessers fill this many: forgetting their counts costs nothing.
                lookups.clear();
            }
        }
        let q = lookups.entry(key).or_default();
        while q
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= window)
        {
            q.pop_front();
        }
        if q.len() >= LOOKUPS_PER_CODE {
            return Err(Refusal::CodeTries);
        }
        q.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(calm: u32, floor: u8) -> Guard {
        Guard::new(
            &["report".into()],
            Limits {
                global_per_minute: 1000,
                form_per_minute: 1000,
                calm_per_10_minutes: calm,
                floor_bits: floor,
            },
        )
    }

    #[test]
    fn tokens_are_single_use_bound_to_their_form_and_unforgeable() {
        let g = guard(100, 0);
        let (t, bits) = g.issue("report");
        assert_eq!(bits, 0);
        let ticket = g.check("report", &t, "").expect("fresh token");
        assert_eq!(g.check("other", &t, ""), Err(Refusal::Forged));
        let forged = t.replacen(".0.", ".1.", 1);
        assert_eq!(g.check("report", &forged, ""), Err(Refusal::Forged));
        let mut tampered = t.clone();
        tampered.pop();
        tampered.push(if t.ends_with('0') { '1' } else { '0' });
        assert_eq!(g.check("report", &tampered, ""), Err(Refusal::Forged));
        assert_eq!(g.check("report", "", ""), Err(Refusal::Forged));
        g.admit("report", &ticket).expect("admitted");
        assert_eq!(g.check("report", &t, ""), Err(Refusal::Used));
        assert_eq!(
            guard(100, 0).check("report", &t, ""),
            Err(Refusal::Forged),
            "another secret"
        );
    }

    #[test]
    fn work_is_asked_once_the_form_is_busy_and_checked() {
        let g = guard(2, 0);
        for _ in 0..2 {
            let (t, bits) = g.issue("report");
            assert_eq!(bits, 0);
            let ticket = g.check("report", &t, "").expect("calm");
            g.admit("report", &ticket).expect("admit");
        }
        let (t, bits) = g.issue("report");
        assert_eq!(bits, 16, "busy");
        assert_eq!(g.check("report", &t, ""), Err(Refusal::Work { bits: 16 }));
        assert_eq!(
            g.check("report", &t, "12345"),
            Err(Refusal::Work { bits: 16 })
        );
        let pow = solve(&t, bits);
        g.check("report", &t, &pow).expect("solved");
        let floor = guard(100, 8);
        let (t, bits) = floor.issue("report");
        assert_eq!(bits, 8);
        assert!(floor.check("report", &t, "").is_err());
        floor.check("report", &t, &solve(&t, 8)).expect("solved");
    }

    #[test]
    fn spent_tokens_stay_spent_across_a_restart() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("tips-spent");
        let secret = [7u8; 32];
        let limits = guard(100, 0).limits.clone();
        let forms = ["report".to_owned()];
        let g = Guard::with_secret(&forms, limits.clone(), secret)
            .persisting(&path)
            .expect("open");
        let (spent, _) = g.issue("report");
        let (unspent, _) = g.issue("report");
        let ticket = g.check("report", &spent, "").expect("fresh");
        g.admit("report", &ticket).expect("admitted");
        drop(g);
        // A line cut short by a crash, and an expired one, are dropped on the next start.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("append");
        writeln!(f, "00112233445566778899aabb 1").expect("write");
        write!(f, "0011223344").expect("write");
        drop(f);
        let again = Guard::with_secret(&forms, limits.clone(), secret)
            .persisting(&path)
            .expect("reopen");
        assert_eq!(again.check("report", &spent, ""), Err(Refusal::Used));
        let t = again.check("report", &unspent, "").expect("never spent");
        again.admit("report", &t).expect("admitted");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Without the file, a restart would have forgotten (what the file is for).
        let forgetful = Guard::with_secret(&forms, limits, secret);
        assert!(forgetful.check("report", &spent, "").is_ok());
    }

    #[test]
    fn lookups_are_limited_per_code_not_for_everyone() {
        let g = guard(100, 0);
        let t0 = 1_800_000_000_000;
        for i in 0..LOOKUPS_PER_CODE as u64 {
            g.lookup("guessed code", t0 + i).expect("under the limit");
        }
        assert_eq!(g.lookup("guessed code", t0 + 100), Err(Refusal::CodeTries));
        // Any number of other codes, and the reporter's own, are unaffected.
        for i in 0..2_000u64 {
            g.lookup(&format!("random guess {i}"), t0 + 100)
                .expect("another code");
        }
        g.lookup("the reporter's code", t0 + 100)
            .expect("a reporter is never locked out by others");
        let later = t0 + LOOKUP_WINDOW.as_millis() as u64 + 1;
        g.lookup("guessed code", later).expect("the window passed");
    }

    #[test]
    fn rate_limits_refuse_past_their_quota() {
        let g = Guard::new(
            &["report".into()],
            Limits {
                global_per_minute: 1000,
                form_per_minute: 2,
                calm_per_10_minutes: 1000,
                floor_bits: 0,
            },
        );
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let (t, _) = g.issue("report");
            let ticket = g.check("report", &t, "").expect("token");
            outcomes.push(g.admit("report", &ticket));
        }
        assert_eq!(outcomes, vec![Ok(()), Ok(()), Err(Refusal::Limit)]);
    }
}
