//! [`RunId`]: which run a plan entry, a record or a message is about — one cell of the run
//! matrix (paper, variant, dataset) and one seed.

use std::fmt;

/// The identity of one run: paper × variant × dataset × seed. The plan ([`crate::run::RunSpec`]
/// holds one), the store (a record's path is a function of it) and every message about a run
/// use it; what *defines* the run's result (hyperparameters, data checksums, code) is in the
/// record key, not here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId {
    /// Paper id (`configs/papers/<paper>.toml`).
    pub paper: String,
    /// Variant name (a key of the paper's `[variants]`).
    pub variant: String,
    /// Dataset name (a key of `configs/datasets.toml`).
    pub dataset: String,
    /// Seed: every random number of the run derives from it.
    pub seed: u64,
}

impl RunId {
    /// The run of `paper`'s `variant` on `dataset` with `seed`.
    pub fn new(
        paper: impl Into<String>,
        variant: impl Into<String>,
        dataset: impl Into<String>,
        seed: u64,
    ) -> Self {
        Self {
            paper: paper.into(),
            variant: variant.into(),
            dataset: dataset.into(),
            seed,
        }
    }

    /// `paper variant dataset seed N`, for messages (the [`fmt::Display`] form).
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for RunId {
    /// `paper variant dataset seed N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} seed {}",
            self.paper, self.variant, self.dataset, self.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::RunId;

    #[test]
    fn labels_read_paper_variant_dataset_seed() {
        let id = RunId::new("p", "v", "d", 7);
        assert_eq!(id.label(), "p v d seed 7");
        assert!(RunId::new("p", "v", "d", 2) < id);
    }
}
