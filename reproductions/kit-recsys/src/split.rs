//! Shuffled splits of a rating list: Surprise's `KFold` and `train_test_split`
//! (`surprise/model_selection/split.py`), the shuffle drawn from a kit stream.

use repro_kit::rng::{permutation, Rng};
use repro_kit::{KitError, Result};

use super::Rating;

/// One split: positions into the full rating list, in the order Surprise builds its sets
/// (which fixes the inner ids and the SGD order of the training set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Positions of the training ratings.
    pub train: Vec<usize>,
    /// Positions of the test ratings.
    pub test: Vec<usize>,
}

impl Fold {
    /// The training ratings of `all` (positions out of range are skipped; a [`Fold`] made for
    /// `all.len()` ratings has none).
    pub fn train_of(&self, all: &[Rating]) -> Vec<Rating> {
        self.train
            .iter()
            .filter_map(|&k| all.get(k).copied())
            .collect()
    }

    /// The test ratings of `all`.
    pub fn test_of(&self, all: &[Rating]) -> Vec<Rating> {
        self.test
            .iter()
            .filter_map(|&k| all.get(k).copied())
            .collect()
    }
}

/// Surprise's `KFold(n_splits=k, shuffle=True)` over `n` ratings (`split.py` lines 99–117):
/// the positions shuffled once, then fold f tests the f-th block of `⌊n/k⌋` positions (one
/// more for the first `n mod k` folds) and trains on the rest, in shuffled order.
///
/// Errors: `k < 2` or `k > n` (Surprise's "Incorrect value for n_splits").
pub fn k_fold(n: usize, k: usize, rng: &mut Rng) -> Result<Vec<Fold>> {
    if k < 2 || k > n {
        return Err(KitError::hyperparameter(
            "k_fold.n_splits",
            k,
            format!("between 2 and the number of ratings ({n})"),
        ));
    }
    let idx = permutation(rng, n);
    let mut stop = 0;
    let mut folds = Vec::with_capacity(k);
    for f in 0..k {
        let start = stop;
        stop += n / k + usize::from(f < n % k);
        let train = idx[..start].iter().chain(&idx[stop..]).copied().collect();
        folds.push(Fold {
            train,
            test: idx[start..stop].to_vec(),
        });
    }
    Ok(folds)
}

/// A shuffled hold-out split of `n` ratings with `⌈test_fraction·n⌉` test positions (Surprise's
/// `train_test_split(test_size=f)`): the first of a random permutation are the test set, the
/// rest the training set. Used for a validation split of a training set.
///
/// Errors: `test_fraction` outside (0, 1), or a split that leaves either side empty.
pub fn holdout(n: usize, test_fraction: f64, rng: &mut Rng) -> Result<Fold> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(KitError::hyperparameter(
            "holdout.test_fraction",
            test_fraction,
            "strictly between 0 and 1",
        ));
    }
    let n_test = (test_fraction * n as f64).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(KitError::Invalid(format!(
            "holdout: {n} ratings cannot give a non-empty test set of {test_fraction} and a \
             non-empty training set"
        )));
    }
    let idx = permutation(rng, n);
    Ok(Fold {
        train: idx[n_test..].to_vec(),
        test: idx[..n_test].to_vec(),
    })
}
