//! The core's one error type; converted to Python exceptions in exactly one place.

use thiserror::Error;

/// Errors raised by core algorithms. The binding layer maps each variant to
/// the matching class of `engine.errors`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// The caller passed data that violates a documented precondition;
    /// `row` is the position of the offending row in the arrays passed, if any.
    #[error("{}: {reason}", where_(field, *row))]
    InvalidInput {
        field: String,
        row: Option<usize>,
        reason: String,
    },
    /// An id or index referred to nothing.
    #[error("{field}: {reason}")]
    NotFound { field: String, reason: String },
    /// The problem has no feasible answer.
    #[error("{0}")]
    Infeasible(String),
}

impl CoreError {
    /// Shorthand for [`CoreError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            row: None,
            reason: reason.into(),
        }
    }

    /// [`CoreError::InvalidInput`] at row position `row` of the arrays passed.
    pub fn invalid_at(field: impl Into<String>, row: usize, reason: impl Into<String>) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            row: Some(row),
            reason: reason.into(),
        }
    }
}

/// `field` or `field (row N)`: where an invalid input is.
pub fn where_(field: &str, row: Option<usize>) -> String {
    match row {
        Some(r) => format!("{field} (row {r})"),
        None => field.to_string(),
    }
}

/// Result alias used across the core.
pub type CoreResult<T> = Result<T, CoreError>;
