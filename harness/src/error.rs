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
    /// No copy of a dataset file exists here (every cache, `data/` and mirror location absent)
    /// and downloading was not allowed (`--offline`): nothing is wrong with what exists, it is
    /// missing. `harness check` skips what needs it; `harness run` computes the other runs and
    /// names the command that fetches it.
    #[error("dataset `{dataset}`, file `{file}`: {message}")]
    Unavailable {
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
    /// A selection (command line or suite) names a paper, suite, variant or dataset that does
    /// not exist, asks for 0 seeds, or plans more runs than the ceiling; the message names the
    /// valid choices.
    #[error("{0}")]
    Selection(String),
    /// No config declares paper `id`; `known` are the ids that exist.
    #[error("unknown paper `{id}`; known papers: {} (see `harness list`)", .known.join(", "))]
    UnknownPaper {
        /// The id asked for.
        id: String,
        /// The papers the configs declare, sorted.
        known: Vec<String>,
    },
    /// Paper `id`'s config does not load or validate; `error` says where and why.
    #[error("paper `{id}` cannot be used, its config is invalid: {error}")]
    BrokenPaper {
        /// The paper id.
        id: String,
        /// The config error (`file:line: what`).
        error: String,
    },
    /// Some paper configs are invalid (`check` requires all to be valid): one message each.
    #[error("{} paper config(s) invalid:\n  {}", .errors.len(), .errors.join("\n  "))]
    BrokenConfigs {
        /// Each broken config's error (`file:line: what`), by paper id.
        errors: Vec<String>,
    },
    /// No suite `name`: `path` does not exist; `known` are the suites that do.
    #[error("no suite `{name}` ({} does not exist); known suites: {}", .path.display(), .known.join(", "))]
    UnknownSuite {
        /// The suite asked for.
        name: String,
        /// Where its file would be (`configs/suites/<name>.toml`).
        path: PathBuf,
        /// The suites that exist.
        known: Vec<String>,
    },
    /// Paper `paper` has a config but no reproduction registered in the harness
    /// (`harness/src/registry.rs`).
    #[error("no reproduction for {paper}")]
    NotRegistered {
        /// The paper id.
        paper: String,
    },
    /// The results directory `dir` cannot be written; checked before any run starts.
    #[error("results directory {} is not writable ({error}); no run was started — make it writable or pass --results DIR", .dir.display())]
    NotWritable {
        /// `<results>/runs`.
        dir: PathBuf,
        /// Why the probe file could not be created.
        error: std::io::Error,
    },
    /// A `--shard`/`--shards` value, or the scheduler's shard variables, are malformed or out
    /// of range; the message says what is expected.
    #[error("{0}")]
    Shard(String),
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

#[cfg(test)]
mod tests {
    use super::HarnessError;
    use std::path::PathBuf;

    /// The typed variants print the messages the catch-all did before them.
    #[test]
    fn typed_errors_keep_their_messages() {
        let known = vec!["a2020-x".to_string(), "b2021-y".to_string()];
        let cases = [
            (
                HarnessError::UnknownPaper {
                    id: "c".into(),
                    known: known.clone(),
                },
                "unknown paper `c`; known papers: a2020-x, b2021-y (see `harness list`)",
            ),
            (
                HarnessError::BrokenPaper {
                    id: "a".into(),
                    error: "f.toml:3: bad".into(),
                },
                "paper `a` cannot be used, its config is invalid: f.toml:3: bad",
            ),
            (
                HarnessError::BrokenConfigs {
                    errors: vec!["x: 1".into(), "y: 2".into()],
                },
                "2 paper config(s) invalid:\n  x: 1\n  y: 2",
            ),
            (
                HarnessError::UnknownSuite {
                    name: "s".into(),
                    path: PathBuf::from("configs/suites/s.toml"),
                    known,
                },
                "no suite `s` (configs/suites/s.toml does not exist); known suites: a2020-x, b2021-y",
            ),
            (
                HarnessError::NotRegistered { paper: "p".into() },
                "no reproduction for p",
            ),
            (
                HarnessError::NotWritable {
                    dir: PathBuf::from("r/runs"),
                    error: std::io::Error::other("read-only"),
                },
                "results directory r/runs is not writable (read-only); no run was started — make it writable or pass --results DIR",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
        }
    }
}
