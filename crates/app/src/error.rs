//! Use-case errors: what went wrong, in words a user can act on, and whether it was their input.

use passa_domain::DomainError;
use passa_store::StoreError;
use passa_vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input (a file, an argument) is wrong; nothing was changed.
    #[error("{0}")]
    BadInput(String),
    /// A row of an import is wrong; nothing was stored.
    #[error("line {line}: {reason}; nothing was imported")]
    ImportRow { line: u64, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
}

impl AppError {
    /// Whether the user's input caused this (exit code 2) rather than a failure (exit code 1):
    /// wrong input, or something named that does not exist (a unit, an order, a person).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::BadInput(_) | Self::ImportRow { .. } | Self::NotFound(_)
        )
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::BadInput(e.to_string())
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}
