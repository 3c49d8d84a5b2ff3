//! The tip form's HTML: plain server-rendered pages that work with JavaScript off, load
//! nothing from other hosts, and fit a phone. Every value is escaped.

use crate::i18n::Catalogues;
use unchain_tips::report::{DANGER, SEEN};

pub use unchain_custody::report::esc;

/// What every page of one form, in one language, shows.
pub struct Ctx<'a> {
    /// The catalogues.
    pub cats: &'a Catalogues,
    /// The chosen language.
    pub lang: &'static str,
    /// The form id.
    pub form: &'a str,
    /// The intake organisation's display name.
    pub org: &'a str,
    /// The emergency number.
    pub emergency: &'a str,
}

impl Ctx<'_> {
    /// A message.
    pub fn t(&self, key: &str) -> String {
        esc(&self.cats.text(self.lang, key, &[]))
    }

    /// A message with arguments.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        esc(&self.cats.text(self.lang, key, args))
    }

    /// A whole page around `main`.
    pub fn page(&self, title: &str, main: &str, switcher: bool) -> String {
        let langs = if switcher {
            let links: Vec<String> = self
                .cats
                .languages()
                .iter()
                .map(|(code, name)| {
                    if *code == self.lang {
                        format!("<strong lang=\"{code}\">{}</strong>", esc(name))
                    } else {
                        format!(
                            "<a lang=\"{code}\" hreflang=\"{code}\" href=\"/tips/{}?lang={code}\">{}</a>",
                            esc(self.form),
                            esc(name)
                        )
                    }
                })
                .collect();
            format!("<nav class=\"langs\">{}</nav>", links.join(" · "))
        } else {
            String::new()
        };
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{title}</title><link rel=\"stylesheet\" href=\"/tips/static/style.css\">\
<script src=\"/tips/static/pow.js\" defer></script></head>\
<body>{langs}<p class=\"emergency\" role=\"alert\">{emergency}</p><main>{main}</main></body></html>\n",
            lang = self.lang,
            emergency = self.ta("emergency", &[("number", self.emergency)]),
        )
    }
}

/// The values of the report form, kept across a refused submission.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// Ticked boxes.
    pub seen: Vec<String>,
    /// Where.
    pub location: String,
    /// When.
    pub when: String,
    /// Danger answer.
    pub danger: String,
    /// What happened.
    pub description: String,
    /// Contacts.
    pub contacts: String,
}

fn errors_html(ctx: &Ctx<'_>, errors: &[String]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let items: String = errors.iter().map(|e| format!("<li>{e}</li>")).collect();
    format!(
        "<section class=\"errors\" role=\"alert\"><h2>{}</h2><ul>{items}</ul></section>",
        ctx.t("error-title")
    )
}

fn challenge(ctx: &Ctx<'_>, token: &str, bits: u8) -> String {
    let busy = if bits > 0 {
        format!(
            "<noscript><p class=\"busy\">{}</p></noscript><p class=\"working\" hidden>{}</p>",
            ctx.ta("busy", &[("minutes", "10")]),
            ctx.t("working")
        )
    } else {
        String::new()
    };
    format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\"><input type=\"hidden\" name=\"pow\" value=\"\">{busy}",
        esc(token)
    )
}

/// The report form. `errors` are already-escaped lines.
pub fn form(ctx: &Ctx<'_>, v: &Values, errors: &[String], token: &str, bits: u8) -> String {
    let seen: String = SEEN
        .iter()
        .map(|s| {
            let checked = if v.seen.iter().any(|x| x == s) { " checked" } else { "" };
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"seen\" value=\"{s}\"{checked}> {}</label>",
                ctx.t(&format!("seen-{s}"))
            )
        })
        .collect();
    let danger: String = DANGER
        .iter()
        .map(|d| {
            let checked = if v.danger == *d { " checked" } else { "" };
            format!(
                "<label class=\"check\"><input type=\"radio\" name=\"danger\" value=\"{d}\" required{checked}> {}</label>",
                ctx.t(&format!("danger-{d}"))
            )
        })
        .collect();
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p><p class=\"note\">{safety}</p>{errors}\
<form method=\"post\" action=\"/tips/{form}\" enctype=\"multipart/form-data\" data-bits=\"{bits}\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">{challenge}\
<fieldset><legend>{seen_legend}</legend>{seen}</fieldset>\
<label for=\"location\">{where_label}</label><input id=\"location\" name=\"location\" maxlength=\"500\" value=\"{location}\">\
<label for=\"when\">{when_label}</label><input id=\"when\" name=\"when\" maxlength=\"200\" value=\"{when}\">\
<fieldset><legend>{danger_legend}</legend>{danger}</fieldset>\
<label for=\"description\">{description_label}</label><textarea id=\"description\" name=\"description\" rows=\"8\" required>{description}</textarea>\
<label for=\"contacts\">{contacts_label}</label><textarea id=\"contacts\" name=\"contacts\" rows=\"3\">{contacts}</textarea>\
<label for=\"files\">{files_label}</label><input id=\"files\" type=\"file\" name=\"files\" multiple accept=\"image/jpeg,image/png,application/pdf\">\
<button type=\"submit\">{submit}</button></form>\
<p><a href=\"/tips/{form}/return?lang={lang}\">{return_link}</a></p>",
        title = ctx.t("page-title"),
        intro = ctx.ta("intro", &[("org", ctx.org)]),
        safety = ctx.t("safety-note"),
        errors = errors_html(ctx, errors),
        form = esc(ctx.form),
        lang = ctx.lang,
        challenge = challenge(ctx, token, bits),
        seen_legend = ctx.t("seen-legend"),
        where_label = ctx.t("where-label"),
        location = esc(&v.location),
        when_label = ctx.t("when-label"),
        when = esc(&v.when),
        danger_legend = ctx.t("danger-legend"),
        description_label = ctx.t("description-label"),
        description = esc(&v.description),
        contacts_label = ctx.t("contacts-label"),
        contacts = esc(&v.contacts),
        files_label = ctx.t("files-label"),
        submit = ctx.t("submit"),
        return_link = ctx.t("return-link"),
    );
    ctx.page(&ctx.t("page-title"), &main, true)
}

fn proof_form(ctx: &Ctx<'_>, code: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/tips/{form}/receipt\" class=\"inline\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"code\" value=\"{code}\">\
<button type=\"submit\">{button}</button></form><p class=\"note\">{explain}</p>",
        form = esc(ctx.form),
        lang = ctx.lang,
        code = esc(code),
        button = ctx.t("proof-button"),
        explain = ctx.ta("proof-explain", &[("org", ctx.org)]),
    )
}

/// The page shown once after a report was accepted.
pub fn receipt(ctx: &Ctx<'_>, words: &[&str], recorded: Option<u64>) -> String {
    let items: String = words
        .iter()
        .map(|w| format!("<li>{}</li>", esc(w)))
        .collect();
    let code = words.join(" ");
    let recorded = match recorded {
        Some(i) => ctx.ta(
            "receipt-recorded",
            &[("index", &i.to_string()), ("org", ctx.org)],
        ),
        None => ctx.t("receipt-pending"),
    };
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p><ol class=\"code\" id=\"receipt-code\">{items}</ol>\
<p>{use_}</p><p class=\"recorded\">{recorded}</p>{proof}\
<p><a href=\"/tips/{form}/return?lang={lang}\">{return_link}</a></p>",
        title = ctx.t("receipt-title"),
        intro = ctx.t("receipt-code-intro"),
        use_ = ctx.t("receipt-use"),
        proof = proof_form(ctx, &code),
        form = esc(ctx.form),
        lang = ctx.lang,
        return_link = ctx.t("return-link"),
    );
    ctx.page(&ctx.t("receipt-title"), &main, false)
}

/// The page where a reporter types the code.
pub fn code_entry(ctx: &Ctx<'_>, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<section class=\"errors\" role=\"alert\"><p>{e}</p></section>"))
        .unwrap_or_default();
    let main = format!(
        "<h1>{title}</h1>{error}<form method=\"post\" action=\"/tips/{form}/return\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
<label for=\"code\">{label}</label><textarea id=\"code\" name=\"code\" rows=\"2\" autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\" required></textarea>\
<button type=\"submit\">{button}</button></form><p><a href=\"/tips/{form}?lang={lang}\">{back}</a></p>",
        title = ctx.t("return-title"),
        form = esc(ctx.form),
        lang = ctx.lang,
        label = ctx.t("code-label"),
        button = ctx.t("open-button"),
        back = ctx.t("back-to-form"),
    );
    ctx.page(&ctx.t("return-title"), &main, true)
}

/// One message as the reporter sees it.
pub struct Shown {
    /// The reporter wrote it.
    pub mine: bool,
    /// Block time.
    pub time_ms: u64,
    /// Text lines (already plain text; escaped here).
    pub text: String,
}

/// What the status page shows.
pub struct Status<'a> {
    /// The code, carried in the page's forms.
    pub code: &'a str,
    /// `new`, `open`, `closed`, `converted`, `erased`.
    pub state: &'a str,
    /// The messages, oldest first.
    pub messages: &'a [Shown],
    /// A notice (escaped).
    pub notice: Option<String>,
    /// Errors (escaped).
    pub errors: &'a [String],
    /// Challenge for the follow-up form.
    pub token: &'a str,
    /// Its bits.
    pub bits: u8,
    /// Text to keep in the follow-up box.
    pub draft: &'a str,
}

pub(crate) use crate::i18n::utc;

/// The reporter's view of the tip, opened with the code.
pub fn status(ctx: &Ctx<'_>, s: &Status<'_>) -> String {
    let msgs: String = s
        .messages
        .iter()
        .map(|m| {
            let who = if m.mine {
                ctx.t("from-you")
            } else {
                ctx.ta("from-agency", &[("org", ctx.org)])
            };
            format!(
                "<article class=\"{cls}\"><h3>{who} <time>{time}</time></h3><p class=\"text\">{text}</p></article>",
                cls = if m.mine { "mine" } else { "agency" },
                time = utc(m.time_ms),
                text = esc(&m.text),
            )
        })
        .collect();
    let notice = s
        .notice
        .as_ref()
        .map(|n| format!("<p class=\"notice\" role=\"status\">{n}</p>"))
        .unwrap_or_default();
    if s.state == "erased" {
        // Nothing left to read, add to or prove from this node: the ciphertexts are gone.
        let main = format!(
            "<h1>{title}</h1>{notice}<p class=\"state\">{state}</p>",
            title = ctx.t("status-title"),
            state = ctx.t("status-erased"),
        );
        return ctx.page(&ctx.t("status-title"), &main, false);
    }
    let main = format!(
        "<h1>{title}</h1>{notice}<p class=\"state\">{state}</p>{errors}<section class=\"messages\">{msgs}</section>\
<form method=\"post\" action=\"/tips/{form}/more\" enctype=\"multipart/form-data\" data-bits=\"{bits}\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">{challenge}<input type=\"hidden\" name=\"code\" value=\"{code}\">\
<label for=\"text\">{more_label}</label><textarea id=\"text\" name=\"text\" rows=\"5\" required>{draft}</textarea>\
<label for=\"files\">{files_label}</label><input id=\"files\" type=\"file\" name=\"files\" multiple accept=\"image/jpeg,image/png,application/pdf\">\
<button type=\"submit\">{more_button}</button></form>{proof}",
        title = ctx.t("status-title"),
        state = ctx.t(&format!("status-{}", shown_state(s.state, s.messages))),
        errors = errors_html(ctx, s.errors),
        form = esc(ctx.form),
        bits = s.bits,
        lang = ctx.lang,
        challenge = challenge(ctx, s.token, s.bits),
        code = esc(s.code),
        more_label = ctx.t("more-label"),
        draft = esc(s.draft),
        files_label = ctx.t("files-label"),
        more_button = ctx.t("more-button"),
        proof = proof_form(ctx, s.code),
    );
    ctx.page(&ctx.t("status-title"), &main, false)
}

/// The state the reporter is told. A tip the agency has answered is being looked at,
/// even before anyone triaged it: "not yet reviewed" under the agency's reply would be
/// false.
fn shown_state<'a>(state: &'a str, messages: &[Shown]) -> &'a str {
    if state == "new" && messages.iter().any(|m| !m.mine) {
        "open"
    } else {
        state
    }
}

/// A short page with one message (a refusal, an error).
pub fn notice(ctx: &Ctx<'_>, title_key: &str, text: &str) -> String {
    let main = format!(
        "<h1>{}</h1><p>{text}</p><p><a href=\"/tips/{form}?lang={lang}\">{back}</a></p>",
        ctx.t(title_key),
        form = esc(ctx.form),
        lang = ctx.lang,
        back = ctx.t("back-to-form"),
    );
    ctx.page(&ctx.t(title_key), &main, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answered_tip_is_being_looked_at() {
        let said = |mine: bool| Shown {
            mine,
            time_ms: 0,
            text: "x".into(),
        };
        assert_eq!(shown_state("new", &[said(true)]), "new");
        assert_eq!(shown_state("new", &[said(true), said(false)]), "open");
        assert_eq!(shown_state("closed", &[said(false)]), "closed");
        assert_eq!(shown_state("converted", &[]), "converted");
    }

    #[test]
    fn dates_and_escaping() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
