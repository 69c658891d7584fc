//! The one error type of the domain: input that does not parse.

/// Why a value was rejected. Messages name the field and the rule, never the rejected value,
/// since the value may be personal data that must not reach logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains a character that is not allowed")]
    BadCharacter { field: &'static str },
    #[error("{field} is not valid: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("{field} must be between {min} and {max}")]
    OutOfRange {
        field: &'static str,
        min: &'static str,
        max: &'static str,
    },
}
