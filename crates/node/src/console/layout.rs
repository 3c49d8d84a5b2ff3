//! The page shell every console page shares: the header with the organisation, the user
//! and the language menu; the menu of the pages the user's roles reach; messages; and a
//! refresh to the login page when the session's idle time runs out.

use super::need;
use super::session::{IDLE, Session};
use crate::console::ConsoleState;
use crate::users::{User, UserRole};
use maud::{DOCTYPE, Markup, html};

/// One request's view of the console: who, in which language, with which session.
pub(crate) struct Ctx {
    /// The API's state.
    pub state: ConsoleState,
    /// The session id (from the cookie).
    pub sid: String,
    /// The page language.
    pub lang: &'static str,
    /// The logged-in user.
    pub user: User,
    /// The session as it was when the request came.
    pub session: Session,
    /// This page's path and query, for the language menu.
    pub path: String,
}

/// The menu: (path, message key, roles that see it).
const MENU: [(&str, &str, &[UserRole]); 11] = [
    ("/console", "nav-dashboard", need::LEDGER),
    ("/console/cases", "nav-cases", need::CASES),
    ("/console/custody", "nav-custody", need::CUSTODY),
    ("/console/alerts", "nav-alerts", need::ALERTS),
    ("/console/tips", "nav-tips", need::TIPS),
    ("/console/money", "nav-money", need::MONEY),
    ("/console/identity", "nav-identity", need::IDENTITY),
    ("/console/supply", "nav-supply", need::SUPPLY),
    ("/console/recruit", "nav-recruit", need::RECRUIT),
    ("/console/agreements", "nav-agreements", need::AGREEMENTS),
    ("/console/ledger", "nav-ledger", need::LEDGER),
];

impl Ctx {
    /// Message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.state.console.cats.text(self.lang, key, &[])
    }

    /// Message `key` with arguments.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.state.console.cats.text(self.lang, key, args)
    }

    /// A role's name in the page's language.
    pub fn role_name(&self, r: UserRole) -> String {
        self.t(&format!("role-{}", r.name()))
    }

    /// Whether the user has one of `roles`.
    pub fn may(&self, roles: &[UserRole]) -> bool {
        self.user.may(roles)
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.session.csrf); }
    }

    /// A whole page titled by message `title_key` around `body`.
    pub fn page(&self, title_key: &str, body: Markup) -> Markup {
        let title = self.t(title_key);
        let roles = self
            .user
            .roles
            .iter()
            .map(|r| self.role_name(*r))
            .collect::<Vec<_>>()
            .join(", ");
        let here = self.path.split('?').next().unwrap_or("");
        document(
            self.lang,
            &title,
            &self.t("skip-to-content"),
            html! {
                header.top {
                    a.brand href="/console" { "Unchain" }
                    span.org { (self.state.node_name) }
                    nav.lang aria-label=(self.t("lang-menu")) {
                        @for (code, name) in self.state.console.cats.languages() {
                            @if code == self.lang {
                                span aria-current="true" lang=(code) { (name) }
                            } @else {
                                a href=(with_lang(&self.path, code)) lang=(code) hreflang=(code) { (name) }
                            }
                        }
                    }
                    span.who title=(roles) {
                        (self.ta("signed-in-as", &[("user", &self.user.id)])) " · " (roles)
                    }
                    form.logout method="post" action="/console/logout" {
                        (self.csrf())
                        button type="submit" { (self.t("logout")) }
                    }
                }
                nav.menu aria-label=(self.t("nav-label")) {
                    ul {
                        @for (path, key, roles) in MENU {
                            @if self.may(roles) {
                                li {
                                    @let current = here == path || (path != "/console" && here.starts_with(path));
                                    a href=(path) aria-current=[current.then_some("page")] { (self.t(key)) }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @for f in &self.session.flash {
                        p class={"notice " (f.kind)} role=(if f.kind == "error" { "alert" } else { "status" }) { (f.text) }
                    }
                    (body)
                }
                footer {
                    (self.ta("idle-note", &[("minutes", &(IDLE.as_secs() / 60).to_string())]))
                }
            },
            Some((&self.t("idle-warning"), &self.t("idle-stay"))),
        )
    }
}

/// `path` with its `lang` query parameter set to `code`.
fn with_lang(path: &str, code: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang = format!("lang={code}");
    parts.push(&lang);
    format!("{base}?{}", parts.join("&"))
}

/// The HTML document in `lang` around `content`. Signed-in pages carry the idle time and
/// the words of the warning (`idle`: the warning, the button that stays signed in): the
/// console's script warns a minute before the session ends, and then goes to the login
/// page, so that nothing stays on an unattended screen. Without the script the session
/// still ends on the server.
pub(crate) fn document(
    lang: &str,
    title: &str,
    skip: &str,
    content: Markup,
    idle: Option<(&str, &str)>,
) -> Markup {
    let signed_in = idle.is_some();
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}"#;
                title { (title) " · Unchain" }
                link rel="stylesheet" href=(super::asset_path(0));
                script src=(super::asset_path(1)) defer {}
                script src=(super::asset_path(2)) defer {}
            }
            body data-idle-s=[signed_in.then(|| IDLE.as_secs())] data-idle-warning=[idle.map(|i| i.0)] data-idle-stay=[idle.map(|i| i.1)] {
                a.skip href="#main" { (skip) }
                (content)
            }
        }
    }
}

/// A UTC time for people: `2026-12-03 14:05 UTC`.
pub(crate) use crate::i18n::utc as when;

/// A short form of a long hex id: the first 12 characters.
pub(crate) fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
