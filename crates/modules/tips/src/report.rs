//! What a reporter says: the structured report from the public form, follow-ups and the
//! agency's replies. This is the content that is sealed and, for the reporter's own
//! messages, committed on chain under the receipt code's key.

use serde::{Deserialize, Serialize};
use unchain_types::Hash32;

/// What the reporter saw: the form's checkboxes.
pub const SEEN: [&str; 9] = [
    "forced_work",
    "sexual_exploitation",
    "child_involved",
    "documents_taken",
    "debt",
    "locked_in",
    "violence",
    "recruitment_deception",
    "other",
];

/// Whether someone is in immediate danger.
pub const DANGER: [&str; 3] = ["yes", "no", "unsure"];

/// Longest description, in bytes.
pub const MAX_DESCRIPTION: usize = 20_000;
/// Longest follow-up or reply, in bytes.
pub const MAX_TEXT: usize = 20_000;
/// Most attachments to one message.
pub const MAX_FILES: usize = 3;
/// Largest attachment, in bytes.
pub const MAX_FILE: usize = 5 * 1024 * 1024;

/// An attached file as the content lists it. Its original name is not kept: names of
/// photos often carry a date, a device or a person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// `attachment-1.jpg`, …
    pub label: String,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub media_type: String,
    /// Size after metadata was removed.
    pub size: u64,
    /// SHA-256 of the bytes sealed.
    pub sha256: Hash32,
}

/// The public form's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The form.
    pub form: String,
    /// The language the reporter chose.
    pub lang: String,
    /// Some of [`SEEN`].
    pub seen: Vec<String>,
    /// Where (free text).
    pub location: String,
    /// When (free text: a date, a period).
    pub when: String,
    /// One of [`DANGER`].
    pub danger: String,
    /// What happened.
    pub description: String,
    /// Phone numbers, websites, names of recruiters or employers, one per line: what
    /// matching can look for once the tip becomes a case.
    pub contacts: String,
    /// Attached files.
    pub attachments: Vec<Attachment>,
}

/// A tip message's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Content {
    /// The first message.
    Report(Report),
    /// More from the reporter.
    Followup {
        /// The text.
        text: String,
        /// Attached files.
        #[serde(default)]
        attachments: Vec<Attachment>,
    },
    /// From the agency.
    Reply {
        /// The text.
        text: String,
    },
}

/// A field of the form that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The form field.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

fn err(field: &'static str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field,
        reason: reason.into(),
    }
}

fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), FieldError> {
    if s.len() > max {
        return Err(err(
            field,
            format!("is {} bytes; at most {max} are taken", s.len()),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(err(field, "holds control characters"));
    }
    Ok(())
}

impl Report {
    /// Checks every field, naming the first that fails.
    pub fn check(&self) -> Result<(), FieldError> {
        for (i, s) in self.seen.iter().enumerate() {
            if !SEEN.contains(&s.as_str()) {
                return Err(err("seen", format!("{s:?} is not one of the choices")));
            }
            if self.seen[..i].contains(s) {
                return Err(err("seen", format!("{s:?} is ticked twice")));
            }
        }
        if !DANGER.contains(&self.danger.as_str()) {
            return Err(err("danger", "choose yes, no or not sure"));
        }
        check_len("location", &self.location, 500)?;
        check_len("when", &self.when, 200)?;
        check_len("contacts", &self.contacts, 2_000)?;
        check_len("description", &self.description, MAX_DESCRIPTION)?;
        if self.description.trim().is_empty() {
            return Err(err("description", "is empty: say what you saw"));
        }
        if self.attachments.len() > MAX_FILES {
            return Err(err("files", format!("at most {MAX_FILES} files")));
        }
        Ok(())
    }
}

/// Checks a follow-up's or reply's text.
pub fn check_text(text: &str) -> Result<(), FieldError> {
    check_len("text", text, MAX_TEXT)?;
    if text.trim().is_empty() {
        return Err(err("text", "is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            form: "report".into(),
            lang: "en".into(),
            seen: vec!["forced_work".into(), "documents_taken".into()],
            location: "Fishing pier, Samut Sakhon".into(),
            when: "every night this month".into(),
            danger: "unsure".into(),
            description: "Men are locked in the boat hold.".into(),
            contacts: "+66 81 234 5678".into(),
            attachments: vec![],
        }
    }

    #[test]
    fn a_report_checks_and_each_bad_field_is_named() {
        assert_eq!(report().check(), Ok(()));
        let mut r = report();
        r.seen.push("forced_work".into());
        assert_eq!(r.check().expect_err("twice").field, "seen");
        let mut r = report();
        r.danger = "maybe".into();
        assert_eq!(r.check().expect_err("danger").field, "danger");
        let mut r = report();
        r.description = "  \n".into();
        assert_eq!(r.check().expect_err("empty").field, "description");
        let mut r = report();
        r.when = "x".repeat(201);
        assert_eq!(r.check().expect_err("long").field, "when");
        let mut r = report();
        r.location = "a\u{7}b".into();
        assert_eq!(r.check().expect_err("control").field, "location");
        let c = Content::Report(report());
        let json = serde_json::to_value(&c).expect("json");
        assert_eq!(json["type"], "report");
        assert_eq!(serde_json::from_value::<Content>(json).expect("back"), c);
    }
}
