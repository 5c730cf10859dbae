//! Errors of the harness library. Every variant names the file (and line or field where known)
//! and says what to do.

use std::path::PathBuf;

/// An error of the harness: configuration, data, records or runs.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A config file is malformed or inconsistent. `location` is `path:line` (or `path` alone).
    #[error("{location}: {message}")]
    Config { location: String, message: String },
    /// A dataset file could not be resolved or verified.
    #[error("dataset `{dataset}`, file `{file}`: {message}")]
    Data {
        dataset: String,
        file: String,
        message: String,
    },
    /// Reading or writing a file failed. The OS error is part of the message (and is not
    /// also chained as a `source`, which printed it twice under `{:#}`).
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A stored run record cannot be read.
    #[error("run record {path}: {message}")]
    Record { path: PathBuf, message: String },
    /// The repository root cannot be found (`--root`, `HARNESS_ROOT` or the current directory
    /// is not inside a checkout); the message says how to point at one.
    #[error("{0}")]
    NoCheckout(String),
    /// The command line selects a paper, suite, variant or dataset that does not exist; the
    /// message names the valid ones.
    #[error("{0}")]
    Selection(String),
    /// Anything else, with its explanation.
    #[error("{0}")]
    Other(String),
}

/// Result alias of the harness library.
pub type Result<T> = std::result::Result<T, HarnessError>;

/// Wraps an I/O error with the path it concerns.
pub fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> HarnessError {
    let path = path.into();
    move |error| HarnessError::Io { path, error }
}
