//! The Surprise baselines (Hug 2020, NicolasHug/Surprise at 2381fb11) on MovieLens-100K, run by
//! `repro_kit_recsys`: `examples/benchmark.py`'s protocol (`cross_validate(algo, data,
//! ["rmse", "mae"], KFold(random_state=0))`, RMSE and MAE averaged over the 5 folds, each fit
//! seeded with `random_state`) on the whole of `u.data`, or one fit on an official split's
//! `u<i>.base` evaluated on `u<i>.test`. The run's seed plays both `random_state`s: the folds
//! from stream `"folds"`, every fit's initial factors from a fresh stream `"init"` (Surprise
//! builds a new `RandomState(0)` in each `fit`).
//!
//! `svd_tuned` is the tuned baseline: per training set, every point of a declared grid is fitted
//! on a random `1 − validation_fraction` of the training ratings (stream `"validation"`) and
//! scored by RMSE on the rest; the best point (lowest validation RMSE, first in grid order on a
//! tie) is refitted on the whole training set. The search's seconds are the run's
//! `selection_seconds`, its number of fits and the chosen points are in `extra`.

use repro_kit::rng::stream;
use repro_kit::{KitError, Result};
use repro_kit_recsys::{
    holdout, k_fold, Accuracy, BaselineMethod, BaselineOnly, Estimator, Nmf, Rating, RatingScale,
    Ratings, Svd, SvdPp,
};
use serde::Deserialize;
use std::time::Instant;

/// The configured algorithm (`model = "…"` in a variant), with Surprise's argument names.
#[derive(Debug, Clone, PartialEq)]
pub enum Algorithm {
    /// `BaselineOnly()` (ALS biases).
    Baseline(BaselineOnly),
    /// `SVD(...)`.
    Svd(Svd),
    /// `SVDpp(...)`.
    SvdPp(SvdPp),
    /// `NMF(...)`.
    Nmf(Nmf),
    /// `SVD` tuned on a validation split of each training set (module docs).
    SvdTuned(TunedSvd),
}

/// The search of [`Algorithm::SvdTuned`]: the grid (every combination) and the validation split.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunedSvd {
    /// Values of `n_factors` tried.
    pub n_factors: Vec<usize>,
    /// Values of `n_epochs` tried.
    pub n_epochs: Vec<usize>,
    /// Values of `lr_all` tried.
    pub lr_all: Vec<f64>,
    /// Values of `reg_all` tried.
    pub reg_all: Vec<f64>,
    /// Fraction of the training ratings held out for validation, in (0, 1).
    pub validation_fraction: f64,
}

impl TunedSvd {
    /// The grid in order (n_factors outermost, reg_all innermost). Errors: an empty axis or an
    /// invalid point (e.g. a negative learning rate).
    pub fn grid(&self) -> Result<Vec<Svd>> {
        let mut out = Vec::new();
        for &k in &self.n_factors {
            for &e in &self.n_epochs {
                for &lr in &self.lr_all {
                    for &reg in &self.reg_all {
                        let s = Svd {
                            n_factors: k,
                            n_epochs: e,
                            ..Svd::default()
                        }
                        .lr_all(lr)
                        .reg_all(reg);
                        s.validate()?;
                        out.push(s);
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(KitError::hyperparameter(
                "svd_tuned grid",
                "empty",
                "at least one value on every axis (n_factors, n_epochs, lr_all, reg_all)",
            ));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(KitError::hyperparameter(
                "validation_fraction",
                self.validation_fraction,
                "strictly between 0 and 1",
            ));
        }
        Ok(out)
    }
}

/// What one protocol run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Test RMSE (mean over folds under cross-validation), stars.
    pub test_rmse: f64,
    /// Test MAE (mean over folds), stars.
    pub test_mae: f64,
    /// RMSE on the training ratings (mean over folds), stars.
    pub train_rmse: f64,
    /// Learned scalars: of the model fitted on an official split's training set; under
    /// cross-validation, of a model of every user and item of the data (a fold's model lacks
    /// the few items rated only in its test fold), so that it does not depend on the seed.
    pub parameter_count: usize,
    /// Seconds spent fitting (final fits; searches excluded).
    pub fit_seconds: f64,
    /// Seconds spent in searches (tuned variant; else 0).
    pub search_seconds: f64,
    /// Fits made by searches.
    pub search_fits: usize,
    /// Chosen grid points, one per training set, as text.
    pub chosen: Vec<String>,
}

/// Learned scalars of `algo`'s model of `n_users` users and `n_items` items: biases (when
/// the model has them) and factors (`y_j` too for SVD++). A tuned SVD counts its largest grid
/// point.
pub fn parameter_count(algo: &Algorithm, n_users: usize, n_items: usize) -> usize {
    let n = n_users + n_items;
    match algo {
        Algorithm::Baseline(_) => n,
        Algorithm::Svd(s) => n * (s.n_factors + usize::from(s.biased)),
        Algorithm::SvdPp(s) => n * (s.n_factors + 1) + n_items * s.n_factors,
        Algorithm::Nmf(s) => n * (s.n_factors + usize::from(s.biased)),
        Algorithm::SvdTuned(t) => n * (t.n_factors.iter().max().copied().unwrap_or(0) + 1),
    }
}

/// Fits `algo` (a non-tuned one) on `train` with a fresh `"init"` stream of `seed`.
fn fit(algo: &Algorithm, train: &Ratings, seed: u64) -> Result<Box<dyn Estimator>> {
    let mut init = stream(seed, "init");
    Ok(match algo {
        Algorithm::Baseline(b) => Box::new(b.fit(train)?),
        Algorithm::Svd(s) => Box::new(s.fit(train, &mut init)?),
        Algorithm::SvdPp(s) => Box::new(s.fit(train, &mut init)?),
        Algorithm::Nmf(s) => Box::new(s.fit(train, &mut init)?),
        Algorithm::SvdTuned(_) => {
            return Err(KitError::Invalid(
                "a tuned SVD is fitted through `search`".into(),
            ))
        }
    })
}

/// The tuned SVD's search on `train` (module docs): returns the chosen configuration.
fn search(
    t: &TunedSvd,
    train: &[Rating],
    scale: RatingScale,
    seed: u64,
    out: &mut Outcome,
) -> Result<Svd> {
    let start = Instant::now();
    let split = holdout(
        train.len(),
        t.validation_fraction,
        &mut stream(seed, "validation"),
    )?;
    let fit_part = Ratings::new(&split.train_of(train), scale)?;
    let val = split.test_of(train);
    let mut best: Option<(f64, Svd)> = None;
    for s in t.grid()? {
        let m = s.fit(&fit_part, &mut stream(seed, "init"))?;
        let rmse = fit_part.evaluate(&m, &val)?.rmse;
        out.search_fits += 1;
        if rmse.is_finite() && best.as_ref().is_none_or(|(b, _)| rmse < *b) {
            best = Some((rmse, s));
        }
    }
    out.search_seconds += start.elapsed().as_secs_f64();
    let (rmse, s) = best.ok_or_else(|| {
        KitError::Invalid("svd_tuned: every grid point diverged on the validation split".into())
    })?;
    out.chosen.push(format!(
        "n_factors={} n_epochs={} lr_all={} reg_all={} (validation RMSE {rmse:.4})",
        s.n_factors, s.n_epochs, s.lr_pu, s.reg_pu
    ));
    Ok(s)
}

/// Fits on `train`, evaluates on `test`: (test accuracy, training accuracy, parameters).
fn fit_and_test(
    algo: &Algorithm,
    train: &[Rating],
    test: &[Rating],
    scale: RatingScale,
    seed: u64,
    out: &mut Outcome,
) -> Result<(Accuracy, Accuracy, usize)> {
    let chosen = match algo {
        Algorithm::SvdTuned(t) => Algorithm::Svd(search(t, train, scale, seed, out)?),
        other => other.clone(),
    };
    let start = Instant::now();
    let ratings = Ratings::new(train, scale)?;
    let model = fit(&chosen, &ratings, seed)?;
    let params = parameter_count(algo, ratings.n_users(), ratings.n_items());
    out.fit_seconds += start.elapsed().as_secs_f64();
    if !model.is_finite() {
        return Err(KitError::Invalid(
            "the fitted model has non-finite parameters (diverged SGD)".into(),
        ));
    }
    Ok((
        ratings.evaluate(model.as_ref(), test)?,
        ratings.evaluate(model.as_ref(), train)?,
        params,
    ))
}

/// Surprise's `cross_validate` with `KFold(n_splits=folds, random_state=seed)` over `all`:
/// the means over folds.
pub fn cross_validate(
    algo: &Algorithm,
    all: &[Rating],
    scale: RatingScale,
    folds: usize,
    seed: u64,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    let splits = k_fold(all.len(), folds, &mut stream(seed, "folds"))?;
    for f in &splits {
        let (test, train, _) = fit_and_test(
            algo,
            &f.train_of(all),
            &f.test_of(all),
            scale,
            seed,
            &mut out,
        )?;
        out.test_rmse += test.rmse / folds as f64;
        out.test_mae += test.mae / folds as f64;
        out.train_rmse += train.rmse / folds as f64;
    }
    // The size of the model on all of `all` (every user and item), independent of the folds.
    let whole = Ratings::new(all, scale)?;
    out.parameter_count = parameter_count(algo, whole.n_users(), whole.n_items());
    Ok(out)
}

/// One fit on `train`, evaluated on `test` (an official split).
pub fn train_test(
    algo: &Algorithm,
    train: &[Rating],
    test: &[Rating],
    scale: RatingScale,
    seed: u64,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    let (te, tr, params) = fit_and_test(algo, train, test, scale, seed, &mut out)?;
    out.test_rmse = te.rmse;
    out.test_mae = te.mae;
    out.train_rmse = tr.rmse;
    out.parameter_count = params;
    Ok(out)
}

/// Surprise's `BaselineOnly()` default (ALS: 10 epochs, reg_i 10, reg_u 15).
pub fn baseline_als(n_epochs: usize, reg_i: f64, reg_u: f64) -> Algorithm {
    Algorithm::Baseline(BaselineOnly {
        method: BaselineMethod::Als {
            n_epochs,
            reg_i,
            reg_u,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 users × 20 items, rank one plus effects, 1–5 stars (deterministic).
    fn ratings() -> Vec<Rating> {
        let mut v = Vec::new();
        for u in 0..30u64 {
            for i in 0..20u64 {
                if (u + 2 * i) % 3 == 0 {
                    continue;
                }
                let x = (u as f64 * 0.7).sin() * (i as f64 * 1.1).cos();
                let value = (3.0 + 1.5 * x + 0.5 * (u as f64).cos())
                    .round()
                    .clamp(1.0, 5.0);
                v.push(Rating {
                    user: u,
                    item: i,
                    value,
                });
            }
        }
        v
    }

    #[test]
    fn the_search_picks_the_best_validation_point_and_counts_its_fits() {
        let t = TunedSvd {
            n_factors: vec![5],
            n_epochs: vec![30],
            lr_all: vec![0.0, 0.02], // lr 0 learns nothing: the search must prefer 0.02
            reg_all: vec![0.02],
            validation_fraction: 0.2,
        };
        let all = ratings();
        let scale = RatingScale::new(1.0, 5.0).unwrap();
        let mut out = Outcome::default();
        let s = search(&t, &all, scale, 0, &mut out).unwrap();
        assert_eq!(s.lr_pu, 0.02);
        assert_eq!(out.search_fits, 2);
        assert!(out.search_seconds > 0.0 && out.chosen.len() == 1);
        let o = train_test(&Algorithm::SvdTuned(t.clone()), &all, &all[..10], scale, 0).unwrap();
        assert_eq!(o.search_fits, 2);
        assert_eq!(o.parameter_count, (30 + 20) * 6);
        let empty = TunedSvd {
            lr_all: vec![],
            ..t
        };
        assert!(empty.grid().is_err());
    }

    #[test]
    fn cross_validation_averages_five_folds() {
        let all = ratings();
        let scale = RatingScale::new(1.0, 5.0).unwrap();
        let o = cross_validate(&baseline_als(10, 10.0, 15.0), &all, scale, 5, 0).unwrap();
        assert!(o.test_rmse > 0.0 && o.test_rmse < 2.0 && o.test_mae <= o.test_rmse);
        assert_eq!(o.parameter_count, 50);
        assert!(cross_validate(&baseline_als(10, 10.0, 15.0), &all, scale, 1, 0).is_err());
    }
}
