//! Rating prediction by embeddings and baselines, as the Surprise library (Hug 2020,
//! NicolasHug/Surprise at 2381fb11) runs it: the baseline predictor ([`BaselineOnly`]), Funk's
//! biased matrix factorisation by SGD ([`Svd`]), [`SvdPp`] (implicit feedback) and [`Nmf`]
//! (multiplicative updates), each with Surprise's published defaults and the update order of its
//! Cython loops, plain `f64` loops (no tensors).
//!
//! Differences from Surprise, all deliberate: random initial factors come from a `rand_chacha`
//! stream of the run's seed ([`repro_kit::rng::stream`], purpose e.g. `"init"`) instead of numpy's
//! `RandomState`, and cross-validation folds from another ([`k_fold`]); the global mean is a
//! plain left-to-right sum (numpy's `mean` sums pairwise). Numbers are therefore not
//! bit-identical to Surprise's; the algorithms and their orders of updates are.
//!
//! A typical run (Surprise's `cross_validate(SVD(), data, ["rmse", "mae"], KFold(5))`):
//! ```no_run
//! # use repro_kit_recsys::*;
//! # use repro_kit::rng;
//! # fn demo(all: Vec<Rating>, seed: u64) -> repro_kit::Result<()> {
//! let scale = RatingScale::new(1.0, 5.0)?;
//! for fold in k_fold(all.len(), 5, &mut rng::stream(seed, "folds"))? {
//!     let train = Ratings::new(&fold.train_of(&all), scale)?;
//!     let model = Svd::default().fit(&train, &mut rng::stream(seed, "init"))?;
//!     let acc = train.evaluate(&model, &fold.test_of(&all))?;
//!     println!("RMSE {:.3} MAE {:.3}", acc.rmse, acc.mae);
//! }
//! # Ok(()) }
//! ```
//!
//! A kit extension crate (`repro-kit-recsys`, ARCHITECTURE.md "Kit extension crates"): only the
//! papers that depend on it hash it into their code hash.

mod baseline;
mod nmf;
mod ratings;
mod split;
mod svd;
#[cfg(test)]
mod tests;

pub use baseline::{BaselineMethod, BaselineModel, BaselineOnly};
pub use nmf::{Nmf, NmfModel};
pub use ratings::{Accuracy, Estimator, Rating, RatingScale, Ratings};
pub use split::{holdout, k_fold, Fold};
pub use svd::{Svd, SvdModel, SvdPp, SvdPpModel};

use repro_kit::{KitError, Result};

/// [`KitError::Hyperparameter`] unless `value` is finite and ≥ 0 (learning rates,
/// regularisation terms, standard deviations); `algo.field` names it.
pub(crate) fn non_negative(algo: &str, field: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(KitError::hyperparameter(
            format!("{algo}.{field}"),
            value,
            "a finite number ≥ 0",
        ))
    }
}

/// [`KitError::Hyperparameter`] unless `value ≥ 1`; `algo.field` names it (`n_factors`).
pub(crate) fn positive(algo: &str, field: &str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(KitError::hyperparameter(
            format!("{algo}.{field}"),
            value,
            "at least 1",
        ))
    }
}

/// `⟨a, b⟩` summed left to right (the order of Surprise's `for f in range(n_factors)` loops).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}
