//! Console sessions: who is logged in at which browser, with what CSRF token.
//!
//! - A session id is 256 random bits, made by the server at login and never taken from the
//!   browser: a cookie naming an id the server did not make is ignored, and a login always
//!   starts a new id and ends the one the browser sent (no session fixation).
//! - The server keeps only the SHA-256 of each id.
//! - A session ends after [`IDLE`] without a page load (automatic logout on a shared office
//!   computer) or [`ABSOLUTE`] after login, whichever comes first.
//! - Every state-changing request carries the session's CSRF token in its form; the login
//!   form, before there is a session, carries an HMAC of a nonce cookie instead.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use unchain_types::Hash32;

/// A session ends after this long without a page load.
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// A session ends this long after login, however active.
pub const ABSOLUTE: Duration = Duration::from_secs(8 * 3600);
/// Name of the session cookie.
pub const COOKIE: &str = "unchain_console";
/// Name of the login form's nonce cookie.
pub const LOGIN_COOKIE: &str = "unchain_login";
/// Most live sessions kept; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

/// A one-line message shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `ok` or `error`.
    pub kind: &'static str,
    /// The message, already translated.
    pub text: String,
}

/// What the server keeps about one session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user's login name.
    pub user: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// The chosen language, if any.
    pub lang: Option<String>,
    /// When it started (ms since the Unix epoch).
    pub started_ms: u64,
    /// The last page load.
    pub seen_ms: u64,
    /// Messages for the next page.
    pub flash: Vec<Flash>,
}

/// Every live session.
pub struct Sessions {
    live: Mutex<BTreeMap<Hash32, Session>>,
    secret: [u8; 32],
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            live: Mutex::default(),
            secret: rand::random(),
        }
    }
}

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Compares two strings in time that depends only on their lengths.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Sessions {
    /// Starts a session for `user` at `now_ms`, ending `replacing` (the id the browser
    /// sent, if any). Returns the new id, which only the browser's cookie holds.
    pub fn start(
        &self,
        user: &str,
        lang: Option<String>,
        replacing: Option<&str>,
        now_ms: u64,
    ) -> String {
        let id = random_token();
        let mut live = self.live.lock().expect("sessions lock");
        if let Some(old) = replacing {
            live.remove(&Hash32::digest(old.as_bytes()));
        }
        live.retain(|_, s| alive(s, now_ms));
        if live.len() >= MAX_SESSIONS
            && let Some(oldest) = live.iter().min_by_key(|(_, s)| s.seen_ms).map(|(k, _)| *k)
        {
            live.remove(&oldest);
        }
        live.insert(
            Hash32::digest(id.as_bytes()),
            Session {
                user: user.to_owned(),
                csrf: random_token(),
                lang,
                started_ms: now_ms,
                seen_ms: now_ms,
                flash: Vec::new(),
            },
        );
        id
    }

    /// The live session `id` names at `now_ms`, its flash messages taken. `touch` counts
    /// this as activity (a page load, not a background refresh).
    pub fn get(&self, id: &str, now_ms: u64, touch: bool) -> Option<Session> {
        let key = Hash32::digest(id.as_bytes());
        let mut live = self.live.lock().expect("sessions lock");
        let s = live.get_mut(&key)?;
        if !alive(s, now_ms) {
            live.remove(&key);
            return None;
        }
        if touch {
            s.seen_ms = now_ms;
        }
        let snapshot = s.clone();
        s.flash.clear();
        Some(snapshot)
    }

    /// Ends session `id`.
    pub fn end(&self, id: &str) {
        self.live
            .lock()
            .expect("sessions lock")
            .remove(&Hash32::digest(id.as_bytes()));
    }

    /// Adds a message for session `id`'s next page.
    pub fn flash(&self, id: &str, kind: &'static str, text: String) {
        if let Some(s) = self
            .live
            .lock()
            .expect("sessions lock")
            .get_mut(&Hash32::digest(id.as_bytes()))
        {
            s.flash.push(Flash { kind, text });
        }
    }

    /// Sets session `id`'s language.
    pub fn set_lang(&self, id: &str, lang: &str) {
        if let Some(s) = self
            .live
            .lock()
            .expect("sessions lock")
            .get_mut(&Hash32::digest(id.as_bytes()))
        {
            s.lang = Some(lang.to_owned());
        }
    }

    /// A fresh login nonce (for the cookie) and the form token that goes with it.
    pub fn login_nonce(&self) -> (String, String) {
        let nonce = random_token();
        let token = self.login_token(&nonce);
        (nonce, token)
    }

    fn login_token(&self, nonce: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        m.update(b"unchain console login\0");
        m.update(nonce.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// Whether `token` is the login form token of `nonce`.
    pub fn login_token_ok(&self, nonce: &str, token: &str) -> bool {
        !nonce.is_empty() && same(&self.login_token(nonce), token)
    }
}

fn alive(s: &Session, now_ms: u64) -> bool {
    now_ms.saturating_sub(s.seen_ms) < IDLE.as_millis() as u64
        && now_ms.saturating_sub(s.started_ms) < ABSOLUTE.as_millis() as u64
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Whether the browser reached the node over HTTPS: the node listens on plain HTTP, so
/// HTTPS means a TLS proxy in front of it, which says so in `X-Forwarded-Proto` (or
/// `Forwarded: proto=https`).
pub fn over_https(headers: &axum::http::HeaderMap) -> bool {
    let has = |name: &str, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
    };
    has("x-forwarded-proto", "https") || has("forwarded", "proto=https")
}

/// A `Set-Cookie` value: HTTP-only, same-site strict, for the whole console; `Secure`
/// when the browser came over HTTPS (browsers drop `Secure` cookies sent over plain HTTP).
pub fn set_cookie(name: &str, value: &str, max_age_s: Option<u64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_s {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_800_000_000_000;

    #[test]
    fn a_login_makes_a_new_id_and_ends_the_one_the_browser_sent() {
        let s = Sessions::default();
        let planted = "attacker-chosen-id";
        assert!(s.get(planted, T0, true).is_none());
        let first = s.start("alice", None, Some(planted), T0);
        assert_ne!(first, planted);
        assert!(s.get(planted, T0, true).is_none());
        assert_eq!(s.get(&first, T0, true).expect("live").user, "alice");
        let second = s.start("alice", None, Some(&first), T0 + 1);
        assert_ne!(first, second);
        assert!(s.get(&first, T0 + 1, true).is_none(), "the old id ended");
        assert!(s.get(&second, T0 + 1, true).is_some());
    }

    #[test]
    fn sessions_end_when_idle_or_too_old_and_background_refreshes_do_not_count() {
        let s = Sessions::default();
        let id = s.start("bob", None, None, T0);
        let idle = IDLE.as_millis() as u64;
        assert!(s.get(&id, T0 + idle - 1, false).is_some());
        // That was a background refresh: the idle clock still runs from T0.
        assert!(s.get(&id, T0 + idle, true).is_none(), "idle logout");

        let id = s.start("bob", None, None, T0);
        let mut t = T0;
        while t < T0 + ABSOLUTE.as_millis() as u64 - idle {
            t += idle - 1;
            assert!(s.get(&id, t, true).is_some());
        }
        t += idle - 1;
        assert!(s.get(&id, t, true).is_none(), "eight hours at most");
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_login_tokens_bind_the_nonce() {
        let s = Sessions::default();
        let a = s.start("a", None, None, T0);
        let b = s.start("b", None, None, T0);
        let (ta, tb) = (
            s.get(&a, T0, true).expect("live").csrf,
            s.get(&b, T0, true).expect("live").csrf,
        );
        assert_ne!(ta, tb);
        assert_eq!(ta.len(), 64);
        let (nonce, token) = s.login_nonce();
        assert!(s.login_token_ok(&nonce, &token));
        let (other, _) = s.login_nonce();
        assert!(!s.login_token_ok(&other, &token));
        assert!(!s.login_token_ok("", &token));
        assert!(!Sessions::default().login_token_ok(&nonce, &token), "keyed");
    }

    #[test]
    fn flash_messages_show_once() {
        let s = Sessions::default();
        let id = s.start("a", None, None, T0);
        s.flash(&id, "ok", "saved".into());
        assert_eq!(s.get(&id, T0, true).expect("live").flash.len(), 1);
        assert!(s.get(&id, T0, true).expect("live").flash.is_empty());
    }

    #[test]
    fn cookies_are_read_by_name_and_set_strictly() {
        assert_eq!(cookie("a=1; unchain_console=xyz; b=2", COOKIE), Some("xyz"));
        assert_eq!(cookie("xunchain_console=1", COOKIE), None);
        let c = set_cookie(COOKIE, "v", None, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!set_cookie(COOKIE, "v", Some(0), false).contains("Secure"));
        let mut h = axum::http::HeaderMap::new();
        assert!(!over_https(&h));
        h.insert("x-forwarded-proto", "https".parse().expect("header value"));
        assert!(over_https(&h));
    }
}
