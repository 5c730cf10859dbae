//! [`LoadedPaper`]: a paper config as loaded (its file, text and parsed form), shared by the
//! loading and validation code and the cross-paper reference checks.

use super::error_at;
use super::schema::PaperConfig;
use crate::error::HarnessError;
use std::path::PathBuf;

/// A paper config as loaded: its file, text, parsed form and SHA-256.
#[derive(Debug, Clone)]
pub struct LoadedPaper {
    /// Path of `configs/papers/<id>.toml`.
    pub path: PathBuf,
    /// The file's text (kept for line numbers).
    pub text: String,
    /// Parsed config.
    pub config: PaperConfig,
}

impl LoadedPaper {
    /// Paper id.
    pub fn id(&self) -> &str {
        &self.config.paper.id
    }

    /// Seeds of `dataset`: `start .. start + count`, with the per-dataset override and an
    /// optional cap from a suite or the command line (`limit` never raises the paper's count).
    pub fn seeds_for(&self, dataset: &str, limit: Option<usize>) -> Vec<u64> {
        let s = &self.config.seeds;
        let mut count = s.per_dataset.get(dataset).copied().unwrap_or(s.count);
        if let Some(l) = limit {
            count = count.min(l);
        }
        (s.start..s.start + count as u64).collect()
    }

    /// Number of seeds of `dataset` ([`LoadedPaper::seeds_for`]'s length), without allocating.
    pub fn seeds_for_count(&self, dataset: &str, limit: Option<usize>) -> usize {
        let s = &self.config.seeds;
        let count = s.per_dataset.get(dataset).copied().unwrap_or(s.count);
        limit.map_or(count, |l| count.min(l))
    }

    /// A config error at the line of `span`.
    pub fn error(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> HarnessError {
        error_at(&self.path, &self.text, span, message)
    }
}
