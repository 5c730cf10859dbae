//! Error type shared by every procedure of the crate.

use thiserror::Error;

/// Everything that can go wrong in this crate. Every variant names the offending input
/// (field, file, line) and says what to do about it. No procedure panics on user data.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// Fewer (finite) values than the procedure needs.
    #[error("{what}: need at least {need} finite values, got {got}; add more runs/values")]
    TooFew {
        /// Which input (e.g. `sample`, `x`, `differences`).
        what: String,
        /// Minimum count required.
        need: usize,
        /// Count supplied.
        got: usize,
    },
    /// A NaN or infinite value where finite data are required.
    #[error("{what}[{index}] = {value} is not finite; drop it or record it as a failed run")]
    NonFinite {
        /// Which input.
        what: String,
        /// Zero-based position of the bad value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// A parameter outside its allowed range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as it appears in the API / JSON input.
        name: String,
        /// The value given, rendered as text.
        value: String,
        /// What is allowed.
        reason: String,
    },
    /// Two inputs that must have equal lengths do not.
    #[error("{what}: lengths differ ({left} vs {right}); supply paired data of equal length")]
    LengthMismatch {
        /// Which inputs.
        what: String,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// Input file / JSON / CSV problem, with location and remedy in the message.
    #[error("{0}")]
    Input(String),
}

impl StatsError {
    /// Shorthand for [`StatsError::InvalidParameter`].
    pub fn param(name: &str, value: impl std::fmt::Display, reason: &str) -> Self {
        StatsError::InvalidParameter {
            name: name.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, StatsError>;
