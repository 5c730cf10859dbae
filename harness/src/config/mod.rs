//! The pinned TOML configs: `configs/datasets.toml`, `configs/papers/<paper>.toml` and
//! `configs/suites/<suite>.toml`.
//!
//! Parsing uses serde with `deny_unknown_fields`, so an unknown key or a wrong type fails with
//! the file, line and column that toml reports. Cross-references (a claim naming an unknown
//! variant, dataset or metric) are checked after parsing and reported with the file and the line
//! of the offending value, recovered from [`toml::Spanned`].

#[cfg(test)]
mod method_ref_tests;
mod method_refs;
mod paper;
mod protocol;
mod rules;
mod schema;
mod validate;

pub use protocol::protocol_group;
pub use rules::{check_relative_path, check_url, loopback_http_allowed, LOOPBACK_HTTP_ENV};
pub use schema::*;
pub use validate::{
    load_dataset_registry, load_paper, load_suite, sha256_hex, LoadedPaper, Project, MAX_SEEDS,
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
            message: humanize(e.message().trim()),
        }
    })
}

/// Rewrites serde's type errors in words: `invalid type: string "abc", expected usize` (with
/// an optional `\nin `field`` suffix) becomes ``total_steps`: expected a whole number ≥ 0
/// (usize), found string "abc"`. Other messages are returned unchanged, on one line.
pub fn humanize(message: &str) -> String {
    let (body, field) = match message.rsplit_once("\nin `") {
        Some((b, f)) => (b.trim(), Some(f.trim_end_matches('`'))),
        None => (message.trim(), None),
    };
    // keep what precedes serde's text (e.g. "variant `x`: invalid hyperparameters: ")
    let (prefix, body) = match ["invalid type: ", "invalid value: "]
        .iter()
        .filter_map(|m| body.find(m))
        .min()
    {
        Some(i) => body.split_at(i),
        None => ("", body),
    };
    let words = |ty: &str| -> String {
        let t = ty.trim();
        let plain = match t {
            "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number ≥ 0",
            "i64" | "i32" | "i16" | "i8" | "isize" => "a whole number",
            "f64" | "f32" => "a number",
            "a boolean" | "bool" => "true or false",
            "a string" | "a character" => "a quoted string",
            "a sequence" => "a list [ … ]",
            _ => return t.to_string(),
        };
        format!("{plain} ({t})")
    };
    let rewritten = body
        .strip_prefix("invalid type: ")
        .and_then(|r| r.rsplit_once(", expected "))
        .map(|(found, expected)| format!("expected {}, found {found}", words(expected)))
        .or_else(|| {
            body.strip_prefix("invalid value: ")
                .and_then(|r| r.rsplit_once(", expected "))
                .map(|(found, expected)| format!("expected {}, found {found}", words(expected)))
        })
        .unwrap_or_else(|| body.replace('\n', " "));
    match field {
        Some(f) => format!("{prefix}`{f}`: {rewritten}"),
        None => format!("{prefix}{rewritten}"),
    }
}

#[cfg(test)]
mod tests {
    use super::humanize;

    #[test]
    fn type_errors_read_as_words() {
        assert_eq!(
            humanize("invalid type: string \"abc\", expected usize\nin `total_steps`"),
            "`total_steps`: expected a whole number ≥ 0 (usize), found string \"abc\""
        );
        assert_eq!(
            humanize("variant `m`: invalid hyperparameters: invalid type: integer `3`, expected f64\nin `lr`"),
            "variant `m`: invalid hyperparameters: `lr`: expected a number (f64), found integer `3`"
        );
        assert_eq!(humanize("unknown field `x`"), "unknown field `x`");
    }
}
