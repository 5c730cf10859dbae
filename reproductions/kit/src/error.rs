//! The kit's error type.

use std::path::PathBuf;

/// Errors a reproduction returns from [`crate::Reproduction::run`] or its helpers.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// A variant's hyperparameter table does not deserialize into the reproduction's typed
    /// hyperparameters (unknown key, wrong type, missing key). `variant` names the table.
    #[error("variant `{variant}`: invalid hyperparameters: {message}")]
    Hyperparameters { variant: String, message: String },
    /// A value is outside its allowed range; the message says which field and what is allowed.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The dataset does not contain a file the reproduction needs, or a file is malformed.
    #[error("dataset file {path}: {message}")]
    Data { path: PathBuf, message: String },
    /// I/O failure while reading a dataset file.
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A tensor operation failed (shape mismatch, dtype, ...): a bug in the reproduction.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Result alias of the kit.
pub type Result<T> = std::result::Result<T, KitError>;
