//! The worker pages' HTML: plain forms that work with JavaScript off, right to left where
//! the language is, every value escaped.

use crate::i18n::Catalogues;
use unchain_custody::report::esc;
use unchain_recruit::voice::{ILO_INDICATORS, SURVEY};

/// What every worker page in one language shows.
pub struct W<'a> {
    /// The catalogues.
    pub cats: &'a Catalogues,
    /// The chosen language.
    pub lang: &'static str,
    /// The intake organisation's display name.
    pub org: String,
    /// The emergency number.
    pub emergency: &'a str,
    /// The least group published.
    pub min_group: u32,
}

impl W<'_> {
    /// A message, escaped.
    pub fn t(&self, key: &str) -> String {
        esc(&self.cats.text(self.lang, key, &[]))
    }

    /// A message with arguments, escaped.
    pub fn ta(&self, key: &str, args: &[(&str, &str)]) -> String {
        esc(&self.cats.text(self.lang, key, args))
    }

    fn dir(&self) -> &'static str {
        if super::RIGHT_TO_LEFT.contains(&self.lang) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// A whole page around `main`; `path` is where the language links lead.
    pub fn page(&self, title: &str, main: &str, path: &str) -> String {
        let links: Vec<String> = self
            .cats
            .languages()
            .iter()
            .map(|(code, name)| {
                if *code == self.lang {
                    format!("<strong lang=\"{code}\">{}</strong>", esc(name))
                } else {
                    format!(
                        "<a lang=\"{code}\" hreflang=\"{code}\" href=\"{path}?lang={code}\">{}</a>",
                        esc(name)
                    )
                }
            })
            .collect();
        format!(
            "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{title}</title><link rel=\"stylesheet\" href=\"/work/static/style.css\"></head>\
<body><nav class=\"langs\" aria-label=\"Language\">{links}</nav>\
<p class=\"emergency\" role=\"alert\">{emergency}</p><main>{main}\
<p class=\"home\"><a href=\"/work?lang={lang}\">{back}</a></p></main></body></html>\n",
            lang = self.lang,
            dir = self.dir(),
            links = links.join(" · "),
            emergency = self.ta("emergency", &[("number", self.emergency)]),
            back = self.t("back"),
        )
    }

    /// The hidden fields every form carries.
    pub fn hidden(&self, token: &str) -> String {
        format!(
            "<input type=\"hidden\" name=\"lang\" value=\"{}\"><input type=\"hidden\" name=\"token\" value=\"{}\"><input type=\"hidden\" name=\"pow\" value=\"\">",
            self.lang,
            esc(token)
        )
    }
}

/// Already-escaped error lines as an alert.
pub fn errors(w: &W<'_>, lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let items: String = lines.iter().map(|e| format!("<li>{e}</li>")).collect();
    format!(
        "<section class=\"errors\" role=\"alert\"><h2>{}</h2><ul>{items}</ul></section>",
        w.t("error-title")
    )
}

/// The start page.
pub fn index(w: &W<'_>) -> String {
    let l = w.lang;
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p><p class=\"note\">{safety}</p><ul class=\"choices\">\
<li><a href=\"/work/offer?lang={l}\">{offer}</a></li>\
<li><a href=\"/work/grievance?lang={l}\">{grievance}</a></li>\
<li><a href=\"/work/survey?lang={l}\">{survey}</a></li>\
<li><a href=\"/work/return?lang={l}\">{ret}</a></li></ul>",
        title = w.t("site-title"),
        intro = w.t("index-intro"),
        safety = w.ta("safety", &[("org", &w.org)]),
        offer = w.t("link-offer"),
        grievance = w.t("link-grievance"),
        survey = w.t("link-survey"),
        ret = w.t("link-return"),
    );
    w.page(&w.t("site-title"), &main, "/work")
}

/// The employer chooser: licensed employers as (id, name).
fn employers_select(w: &W<'_>, employers: &[(String, String)], chosen: &str) -> String {
    let options: String = employers
        .iter()
        .map(|(id, name)| {
            let sel = if id == chosen { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(id), esc(name))
        })
        .collect();
    format!(
        "<label for=\"employer\">{label}</label><select id=\"employer\" name=\"employer\" required>\
<option value=\"\">{choose}</option>{options}</select>",
        label = w.t("employer-label"),
        choose = w.t("employer-choose"),
    )
}

/// What a refused grievance form keeps.
#[derive(Debug, Default, Clone)]
pub struct GrievanceValues {
    /// The employer chosen.
    pub employer: String,
    /// The indicators ticked.
    pub problems: Vec<String>,
    /// The worker's words.
    pub words: String,
}

/// The grievance form.
pub fn grievance_form(
    w: &W<'_>,
    employers: &[(String, String)],
    v: &GrievanceValues,
    errs: &[String],
    token: &str,
) -> String {
    let boxes: String = ILO_INDICATORS
        .iter()
        .filter(|i| **i != "abuse_of_vulnerability")
        .map(|i| {
            let checked = if v.problems.iter().any(|p| p == i) {
                " checked"
            } else {
                ""
            };
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"problem\" value=\"{i}\"{checked}> {}</label>",
                w.t(&format!("problem-{i}"))
            )
        })
        .collect();
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p><p class=\"note\">{safety}</p>{errors}\
<form method=\"post\" action=\"/work/grievance\" accept-charset=\"utf-8\">{hidden}{employers}\
<fieldset><legend>{legend}</legend>{boxes}</fieldset>\
<label for=\"words\">{words_label}</label><textarea id=\"words\" name=\"words\" rows=\"6\" maxlength=\"5000\">{words}</textarea>\
<button type=\"submit\">{send}</button></form>",
        title = w.t("grievance-title"),
        intro = w.t("grievance-intro"),
        safety = w.ta("safety", &[("org", &w.org)]),
        errors = errors(w, errs),
        hidden = w.hidden(token),
        employers = employers_select(w, employers, &v.employer),
        legend = w.t("problems-legend"),
        words_label = w.t("words-label"),
        words = esc(&v.words),
        send = w.t("send"),
    );
    w.page(&w.t("grievance-title"), &main, "/work/grievance")
}

/// Licensed parties as (id, name).
pub type Parties = [(String, String)];

/// The survey form over (employers, recruiters); `answers` are the answers kept from a
/// refused submission.
pub fn survey_form(
    w: &W<'_>,
    (employers, recruiters): (&Parties, &Parties),
    chosen: &str,
    answers: &[(String, String)],
    errs: &[String],
    token: &str,
) -> String {
    let questions: String = SURVEY
        .iter()
        .map(|q| {
            let name = format!("q-{}", q.id);
            let radio = |value: &str, label: &str| {
                let checked = if answers.iter().any(|(k, v)| *k == name && v == value) {
                    " checked"
                } else {
                    ""
                };
                format!(
                    "<label class=\"check\"><input type=\"radio\" name=\"{name}\" value=\"{value}\" required{checked}> {label}</label>"
                )
            };
            let more = if q.id == "paid-fee" {
                fee_fields(w, recruiters, answers)
            } else {
                String::new()
            };
            format!(
                "<fieldset><legend>{}</legend>{}{}{more}</fieldset>",
                w.t(&format!("survey-{}", q.id)),
                radio("yes", &w.t("yes")),
                radio("no", &w.t("no")),
            )
        })
        .collect();
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p>{errors}\
<form method=\"post\" action=\"/work/survey\" accept-charset=\"utf-8\">{hidden}{employers}{questions}\
<button type=\"submit\">{send}</button></form>",
        title = w.t("survey-title"),
        intro = w.ta("survey-intro", &[("k", &w.min_group.to_string())]),
        errors = errors(w, errs),
        hidden = w.hidden(token),
        employers = employers_select(w, employers, chosen),
        send = w.t("send"),
    );
    w.page(&w.t("survey-title"), &main, "/work/survey")
}

/// "How much, and to whom": optional, under the fee question.
fn fee_fields(w: &W<'_>, recruiters: &[(String, String)], answers: &[(String, String)]) -> String {
    let kept = |name: &str| {
        answers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let currencies: String = super::forms::FEE_CURRENCIES
        .iter()
        .map(|c| {
            let sel = if kept("fee-currency") == *c {
                " selected"
            } else {
                ""
            };
            format!("<option{sel}>{c}</option>")
        })
        .collect();
    let agencies: String = recruiters
        .iter()
        .map(|(id, name)| {
            let sel = if kept("fee-recruiter") == id {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(id), esc(name))
        })
        .collect();
    format!(
        "<label for=\"fee-amount\">{amount}</label><input id=\"fee-amount\" name=\"fee-amount\" inputmode=\"decimal\" autocomplete=\"off\" value=\"{value}\">\
<label for=\"fee-currency\">{currency}</label><select id=\"fee-currency\" name=\"fee-currency\">{currencies}</select>\
<label for=\"fee-recruiter\">{recruiter}</label><select id=\"fee-recruiter\" name=\"fee-recruiter\"><option value=\"\">{unknown}</option>{agencies}</select>",
        amount = w.t("survey-fee-amount"),
        value = esc(kept("fee-amount")),
        currency = w.t("survey-fee-currency"),
        recruiter = w.t("survey-fee-recruiter"),
        unknown = w.t("survey-fee-unknown"),
    )
}

/// A page with one message.
pub fn message(w: &W<'_>, title_key: &str, text: &str, path: &str) -> String {
    let main = format!("<h1>{}</h1><p role=\"status\">{text}</p>", w.t(title_key));
    w.page(&w.t(title_key), &main, path)
}

/// The receipt code, shown once.
pub fn receipt(w: &W<'_>, words: &[&str]) -> String {
    let items: String = words
        .iter()
        .map(|x| format!("<li>{}</li>", esc(x)))
        .collect();
    let main = format!(
        "<h1>{title}</h1><p>{intro}</p><ol class=\"code\" id=\"receipt-code\">{items}</ol><p>{use_}</p>\
<p><a href=\"/work/return?lang={lang}\">{ret}</a></p>",
        title = w.t("receipt-title"),
        intro = w.t("receipt-intro"),
        use_ = w.t("receipt-use"),
        lang = w.lang,
        ret = w.t("link-return"),
    );
    w.page(&w.t("receipt-title"), &main, "/work/return")
}

/// Where the worker types the code.
pub fn code_entry(w: &W<'_>, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<section class=\"errors\" role=\"alert\"><p>{e}</p></section>"))
        .unwrap_or_default();
    let main = format!(
        "<h1>{title}</h1>{error}<form method=\"post\" action=\"/work/return\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
<label for=\"code\">{label}</label><textarea id=\"code\" name=\"code\" rows=\"2\" autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\" required></textarea>\
<button type=\"submit\">{open}</button></form>",
        title = w.t("return-title"),
        lang = w.lang,
        label = w.t("code-label"),
        open = w.t("open"),
    );
    w.page(&w.t("return-title"), &main, "/work/return")
}

/// What the worker's status page shows.
pub struct StatusView<'a> {
    /// The code, carried in the outcome form.
    pub code: &'a str,
    /// The employer's name.
    pub employer: &'a str,
    /// The grievance's standing.
    pub standing: &'a unchain_recruit::voice::Standing,
    /// The remedies promised.
    pub remedies: &'a [String],
    /// Whether the worker may now say whether it was put right.
    pub may_answer: bool,
    /// A notice (escaped).
    pub notice: Option<String>,
    /// The intake's replies, as plain text.
    pub replies: &'a [String],
}

/// The grievance as the worker sees it, opened with the code.
pub fn status(w: &W<'_>, s: &StatusView<'_>) -> String {
    use unchain_recruit::voice::Standing;
    let standing = match s.standing {
        Standing::AwaitingAnswer { due } => {
            format!(
                "<p class=\"state\">{}</p>",
                w.ta("standing-awaiting_answer", &[("date", due)])
            )
        }
        Standing::RemedyPromised { by } => {
            let items: String = s
                .remedies
                .iter()
                .map(|r| format!("<li>{}</li>", w.t(&format!("remedy-{r}"))))
                .collect();
            format!(
                "<p class=\"state\">{}</p><ul>{items}</ul>",
                w.ta("standing-remedy_promised", &[("date", by)])
            )
        }
        Standing::Remedied => format!("<p class=\"state\">{}</p>", w.t("standing-remedied")),
        Standing::Escalated { reason } => format!(
            "<p class=\"state escalated\">{}</p><p>{}</p>",
            w.t("standing-escalated"),
            w.t(&format!("reason-{reason}"))
        ),
    };
    let outcome = if s.may_answer {
        format!(
            "<form method=\"post\" action=\"/work/outcome\" accept-charset=\"utf-8\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"code\" value=\"{code}\">\
<fieldset><legend>{q}</legend>\
<button type=\"submit\" name=\"remedied\" value=\"yes\">{yes}</button> \
<button type=\"submit\" name=\"remedied\" value=\"no\" class=\"secondary\">{no}</button></fieldset></form>",
            lang = w.lang,
            code = esc(s.code),
            q = w.t("outcome-question"),
            yes = w.t("outcome-yes"),
            no = w.t("outcome-no"),
        )
    } else {
        String::new()
    };
    let replies = if s.replies.is_empty() {
        String::new()
    } else {
        let items: String = s
            .replies
            .iter()
            .map(|r| format!("<article><p class=\"text\">{}</p></article>", esc(r)))
            .collect();
        format!(
            "<h2>{}</h2>{items}",
            w.ta("replies-title", &[("org", &w.org)])
        )
    };
    let notice = s
        .notice
        .as_ref()
        .map(|n| format!("<p class=\"notice\" role=\"status\">{n}</p>"))
        .unwrap_or_default();
    let main = format!(
        "<h1>{title}</h1>{notice}<p>{about}</p>{standing}{outcome}{replies}",
        title = w.t("status-title"),
        about = w.ta("status-about", &[("employer", s.employer)]),
    );
    w.page(&w.t("status-title"), &main, "/work/return")
}
