//! Shared by the tip form and the console: translation catalogues (Project Fluent): the tip form's (`crates/node/i18n/*.ftl`),
//! chosen by the reporter, and the console's (`crates/node/i18n/console/*.ftl`). Every
//! catalogue carries exactly English's messages (tested).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// Catalogue sources: (language code, Fluent text), English first.
pub type Sources = [(&'static str, &'static str)];

/// The tip form's catalogues, English first.
pub(crate) const SOURCES: [(&str, &str); 3] = [
    ("en", include_str!("../i18n/en.ftl")),
    ("es", include_str!("../i18n/es.ftl")),
    ("th", include_str!("../i18n/th.ftl")),
];

/// Every loaded catalogue.
pub struct Catalogues {
    bundles: Vec<(&'static str, FluentBundle<FluentResource>)>,
}

impl Default for Catalogues {
    fn default() -> Self {
        Self::load()
    }
}

impl Catalogues {
    /// Parses the tip form's catalogues (they are compiled in; a syntax error fails the
    /// tests).
    pub fn load() -> Self {
        Self::from_sources(&SOURCES)
    }

    /// Parses the catalogues in `sources`, English first.
    pub fn from_sources(sources: &'static Sources) -> Self {
        let bundles = sources
            .iter()
            .map(|(code, text)| {
                let res = FluentResource::try_new((*text).to_owned())
                    .unwrap_or_else(|(_, e)| panic!("catalogue {code} does not parse: {e:?}"));
                let lang: unic_langid::LanguageIdentifier = code.parse().expect("a language code");
                let mut b = FluentBundle::new_concurrent(vec![lang]);
                b.set_use_isolating(false);
                b.add_resource(res)
                    .unwrap_or_else(|e| panic!("catalogue {code}: {e:?}"));
                (*code, b)
            })
            .collect();
        Catalogues { bundles }
    }

    /// The languages, as (code, own name).
    pub fn languages(&self) -> Vec<(&'static str, String)> {
        self.bundles
            .iter()
            .map(|(c, _)| (*c, self.text(c, "lang-name", &[])))
            .collect()
    }

    /// `lang` if there is a catalogue for it, else English.
    pub fn pick(&self, lang: &str) -> &'static str {
        self.bundles
            .iter()
            .map(|(c, _)| *c)
            .find(|c| *c == lang)
            .unwrap_or("en")
    }

    /// Message `key` in `lang` with `args`; English where the catalogue lacks it. An
    /// argument of at most 15 digits is passed as a number, so a message can choose its
    /// plural form by it (`{ $count -> [one] … *[other] … }`); longer digit strings (ids)
    /// stay text, as a float would lose their last digits.
    pub fn text(&self, lang: &str, key: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            let digits = !v.is_empty() && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit());
            match v.parse::<i64>() {
                Ok(n) if digits => fa.set(*k, FluentValue::from(n)),
                _ => fa.set(*k, *v),
            }
        }
        for code in [lang, "en"] {
            let Some((_, b)) = self.bundles.iter().find(|(c, _)| *c == code) else {
                continue;
            };
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b
                    .format_pattern(pattern, Some(&fa), &mut errors)
                    .into_owned();
            }
        }
        key.to_owned()
    }

    /// The message ids of `lang`'s catalogue in `sources`.
    #[cfg(test)]
    fn keys_in(sources: &Sources, lang: &str) -> Vec<String> {
        let text = sources
            .iter()
            .find(|(c, _)| *c == lang)
            .map(|(_, t)| *t)
            .unwrap_or("");
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
            .map(|l| l.split(" = ").next().unwrap_or("").to_owned())
            .collect()
    }

    /// Test of a set of catalogues: each has exactly English's messages (at least `min`),
    /// and each message formats with `args` to text with no placeable left. Returns them.
    #[cfg(test)]
    pub(crate) fn assert_complete(
        sources: &'static Sources,
        min: usize,
        args: &[(&str, &str)],
    ) -> Self {
        let cats = Catalogues::from_sources(sources);
        let english = Catalogues::keys_in(sources, "en");
        assert!(english.len() > min, "{english:?}");
        for (code, _) in sources {
            assert_eq!(
                Catalogues::keys_in(sources, code),
                english,
                "catalogue {code}"
            );
            for key in &english {
                let text = cats.text(code, key, args);
                assert!(!text.trim().is_empty() && text != *key, "{code}/{key}");
                assert!(!text.contains('{'), "{code}/{key} left a placeable: {text}");
            }
        }
        cats
    }
}

/// `YYYY-MM-DD HH:MM UTC`: a reporter (or a case worker) needs no seconds.
pub fn utc(ms: u64) -> String {
    let rfc3339 = unchain_custody::report::utc(ms);
    format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_has_exactly_the_english_messages_and_each_formats() {
        let cats = Catalogues::assert_complete(
            &SOURCES,
            40,
            &[
                ("org", "ORG"),
                ("number", "191"),
                ("index", "7"),
                ("minutes", "5"),
                ("reason", "R"),
                ("count", "2"),
            ],
        );
        assert_eq!(cats.pick("th"), "th");
        assert_eq!(cats.pick("fr"), "en");
        assert!(
            cats.text("th", "emergency", &[("number", "191")])
                .contains("191")
        );
        assert_eq!(cats.languages().len(), 3);
    }

    #[test]
    fn counts_choose_the_plural_form_and_long_ids_stay_whole() {
        let cats = Catalogues::from_sources(&crate::console::SOURCES);
        let alerts = |lang: &str, n: &str| cats.text(lang, "dash-alerts", &[("count", n)]);
        assert_eq!(alerts("en", "1"), "match alert");
        assert_eq!(alerts("en", "0"), "match alerts");
        assert_eq!(alerts("en", "2"), "match alerts");
        assert_eq!(alerts("es", "1"), "alerta de coincidencia");
        assert_eq!(alerts("es", "3"), "alertas de coincidencia");
        let proof = |size: &str| cats.text("en", "tx-proof-text", &[("id", "0"), ("size", size)]);
        assert_eq!(proof("1"), "Leaf 0 of a log of 1 entry.");
        assert_eq!(proof("1234"), "Leaf 0 of a log of 1234 entries.");
        // Twenty digits would not survive as a float: passed as text, whole.
        let id = "12345678901234567890";
        assert!(
            cats.text("en", "still-pending", &[("id", id)]).contains(id),
            "{}",
            cats.text("en", "still-pending", &[("id", id)])
        );
    }
}
