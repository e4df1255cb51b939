//! The core's one error type; converted to Python exceptions in exactly one place.

use thiserror::Error;

/// Errors raised by core algorithms. The binding layer maps each variant to
/// the matching class of `engine.errors`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CoreError {
    /// The caller passed data that violates a documented precondition.
    #[error("{field}: {reason}")]
    InvalidInput { field: String, reason: String },
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
            reason: reason.into(),
        }
    }
}

/// Result alias used across the core.
pub type CoreResult<T> = Result<T, CoreError>;
