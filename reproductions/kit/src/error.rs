//! The kit's error type.

use std::path::PathBuf;

/// Errors a reproduction returns from [`crate::Reproduction::run`] or its helpers.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// A variant's hyperparameter table does not deserialize into the reproduction's typed
    /// hyperparameters (unknown key, wrong type, missing key). `variant` names the table.
    #[error("variant `{variant}`: invalid hyperparameters: {message}")]
    Hyperparameters { variant: String, message: String },
    /// A hyperparameter or constructor argument is outside its allowed range (a config to
    /// fix): `field` names it (e.g. `"lr"`, `"conv2d kernel"`), `value` is the value given and
    /// `allowed` says what would be accepted.
    #[error("{field} = {value}: {allowed}")]
    Hyperparameter {
        field: String,
        value: String,
        allowed: String,
    },
    /// A tensor or buffer does not have the shape an operation needs (a wrong reshape, data of
    /// the wrong width): `what` names it; `expected` and `got` are the dimensions.
    #[error("{what}: expected shape {expected:?}, got {got:?}")]
    Shape {
        what: String,
        expected: Vec<usize>,
        got: Vec<usize>,
    },
    /// An optimizer step found no gradient for a parameter (it would silently stay frozen):
    /// `shape` is the parameter's.
    #[error("no gradient for a parameter of shape {shape:?}")]
    MissingGradient { shape: Vec<usize> },
    /// Any other value outside its allowed range; the message says which field and what is
    /// allowed.
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

impl KitError {
    /// A [`KitError::Hyperparameter`] from its three parts.
    pub fn hyperparameter(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        KitError::Hyperparameter {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// A [`KitError::Shape`] for `what`.
    pub fn shape(what: impl Into<String>, expected: &[usize], got: &[usize]) -> Self {
        KitError::Shape {
            what: what.into(),
            expected: expected.to_vec(),
            got: got.to_vec(),
        }
    }
}

/// Result alias of the kit.
pub type Result<T> = std::result::Result<T, KitError>;
