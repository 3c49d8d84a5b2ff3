//! Why a signed request was refused, naming the field.

/// A signed request that does not pass: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Refusal {
    /// The request field (or signature parameter, as `signature-input;created`) at fault.
    pub field: String,
    /// What is wrong with it, for a person to act on.
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Refusal {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
