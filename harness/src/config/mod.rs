//! The pinned TOML configs: `configs/datasets.toml`, `configs/papers/<paper>.toml` and
//! `configs/suites/<suite>.toml`.
//!
//! Parsing uses serde with `deny_unknown_fields`, so an unknown key or a wrong type fails with
//! the file, line and column that toml reports. Cross-references (a claim naming an unknown
//! variant, dataset or metric) are checked after parsing and reported with the file and the line
//! of the offending value, recovered from [`toml::Spanned`].

#[cfg(test)]
mod method_ref_tests;
mod schema;
mod validate;

pub use schema::*;
pub use validate::{
    load_dataset_registry, load_paper, load_suite, sha256_hex, LoadedPaper, Project,
};

use crate::error::HarnessError;
use std::path::Path;

/// 1-based line number of byte offset `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A config error located at the line of `span` in `path`.
pub fn error_at(
    path: &Path,
    text: &str,
    span: std::ops::Range<usize>,
    message: impl Into<String>,
) -> HarnessError {
    HarnessError::Config {
        location: format!("{}:{}", path.display(), line_of(text, span.start)),
        message: message.into(),
    }
}

/// Parses `text` (the contents of `path`) as `T`; toml's error (which gives line and column) is
/// prefixed with the path.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> crate::Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        HarnessError::Config {
            location: match line {
                Some(l) => format!("{}:{l}", path.display()),
                None => path.display().to_string(),
            },
            message: e.message().trim().to_string(),
        }
    })
}
