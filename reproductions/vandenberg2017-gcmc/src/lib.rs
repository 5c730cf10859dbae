//! Reproduction of van den Berg, Kipf & Welling (2017), "Graph Convolutional Matrix
//! Completion" (arXiv:1706.02263; code riannevdberg/gc-mc at 722f37d), on MovieLens-100K, with
//! the matrix-factorisation baselines of the Surprise library (Hug 2020, NicolasHug/Surprise at
//! 2381fb11) whose README benchmark table is also checked.
//!
//! Datasets: `movielens-100k` (all of `u.data`: Surprise's 5-fold cross-validation, RMSE and
//! MAE averaged over the folds) and `movielens-100k-u1` … `-u5` (the official splits, made from
//! `u.data` as `mku.sh` makes them, [`movielens`]: fit on `u<i>.base`, test on `u<i>.test`).
//! GC-MC reports `u1` only; `u2`–`u5` are held out for the dataset-selection test.
//! `monti-douban`, `monti-flixster`, `monti-yahoomusic`: the fixed splits of Monti et al.
//! (2017) read from their HDF5 `.mat` files ([`monti`]).
//!
//! Models (`model = "…"` in a variant, [`Hyperparameters`]): Surprise's `baseline`, `svd`,
//! `svdpp`, `nmf` (`repro_kit_recsys`, [`surprise`]); `svd_tuned`, SVD whose hyperparameters
//! are searched on a validation split of each training set ([`surprise::TunedSvd`], the tuned
//! baseline); `gcmc`, the graph auto-encoder ([`gcmc`]).
//!
//! Metrics: `test_rmse`, `test_mae` (stars; the expected rating for GC-MC, with its
//! Polyak-averaged parameters as the reference's last printed line) and `train_rmse`.

pub mod gcmc;
pub mod monti;
pub mod movielens;
pub mod surprise;

use repro_kit::reproduction::Overfit;
use repro_kit::{
    KitError, NoProgress, Paper, Progress, ResolvedDataset, Result, RunContext, RunOutput, Validate,
};
use repro_kit_recsys::{Nmf, Rating, RatingScale, Svd, SvdPp};
use serde::Deserialize;
use surprise::{Algorithm, TunedSvd};

/// Metrics every run returns (declared in `configs/papers/vandenberg2017-gcmc.toml`).
pub const METRICS: &[&str] = &["test_rmse", "test_mae", "train_rmse"];

/// Folds of Surprise's `KFold()` (default `n_splits=5`) on `movielens-100k`.
pub const CV_FOLDS: usize = 5;

/// One variant's hyperparameters, tagged by `model`. Unknown keys are rejected. Names and
/// defaults are Surprise's / `gcmc/train.py`'s.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum Hyperparameters {
    /// `BaselineOnly()` with ALS (`bsl_options`: n_epochs, reg_i, reg_u).
    Baseline {
        /// ALS epochs.
        n_epochs: usize,
        /// Item regularisation.
        reg_i: f64,
        /// User regularisation.
        reg_u: f64,
    },
    /// `SVD(...)`.
    Svd {
        /// Latent factors.
        n_factors: usize,
        /// SGD epochs.
        n_epochs: usize,
        /// `lr_all`.
        lr_all: f64,
        /// `reg_all`.
        reg_all: f64,
        /// `init_std_dev`.
        init_std_dev: f64,
        /// `biased`.
        biased: bool,
    },
    /// `SVDpp(...)`.
    Svdpp {
        /// Latent factors.
        n_factors: usize,
        /// SGD epochs.
        n_epochs: usize,
        /// `lr_all`.
        lr_all: f64,
        /// `reg_all`.
        reg_all: f64,
        /// `init_std_dev`.
        init_std_dev: f64,
    },
    /// `NMF(...)`.
    Nmf {
        /// Latent factors.
        n_factors: usize,
        /// Epochs.
        n_epochs: usize,
        /// λ_u.
        reg_pu: f64,
        /// λ_i.
        reg_qi: f64,
        /// `init_low`.
        init_low: f64,
        /// `init_high`.
        init_high: f64,
    },
    /// SVD tuned on a validation split of each training set.
    SvdTuned(TunedSvd),
    /// GC-MC (`train.py` flags).
    Gcmc {
        /// `--hidden`.
        hidden: [usize; 2],
        /// `--dropout`.
        dropout: f64,
        /// `--num_basis_functions`.
        num_basis: usize,
        /// `--epochs`.
        epochs: usize,
        /// `--learning_rate`.
        learning_rate: f64,
        /// `"left"` (`-nleft`) or `"symmetric"` (`-nsym`).
        normalization: String,
        /// Polyak (moving-average) decay, `model.py`'s 0.995.
        ema_decay: f64,
        /// `--features --feat_hidden N`: side features (ML-100K: user age, gender, occupation;
        /// movie genres) through a dense layer of N units; absent: no side features.
        #[serde(default)]
        feat_hidden: Option<usize>,
        /// Per-dataset overrides (`[variants.<v>.per_dataset.<dataset>]`), e.g. the Monti
        /// commands' `-e 200 --feat_hidden 64`.
        #[serde(default)]
        per_dataset: std::collections::BTreeMap<String, GcmcOverride>,
    },
}

/// What a GC-MC variant changes on one dataset (each key optional). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GcmcOverride {
    /// `--epochs` on this dataset.
    pub epochs: Option<usize>,
    /// `--feat_hidden` on this dataset.
    pub feat_hidden: Option<usize>,
}

impl Hyperparameters {
    /// The Surprise algorithm, or `None` for GC-MC. Errors: invalid values.
    pub fn algorithm(&self) -> Result<Option<Algorithm>> {
        let a = match self.clone() {
            Self::Baseline {
                n_epochs,
                reg_i,
                reg_u,
            } => surprise::baseline_als(n_epochs, reg_i, reg_u),
            Self::Svd {
                n_factors,
                n_epochs,
                lr_all,
                reg_all,
                init_std_dev,
                biased,
            } => {
                let s = Svd {
                    n_factors,
                    n_epochs,
                    init_std_dev,
                    biased,
                    ..Svd::default()
                }
                .lr_all(lr_all)
                .reg_all(reg_all);
                s.validate()?;
                Algorithm::Svd(s)
            }
            Self::Svdpp {
                n_factors,
                n_epochs,
                lr_all,
                reg_all,
                init_std_dev,
            } => {
                let s = SvdPp {
                    n_factors,
                    n_epochs,
                    init_std_dev,
                    lr: [lr_all; 5],
                    reg: [reg_all; 5],
                    ..SvdPp::default()
                };
                s.validate()?;
                Algorithm::SvdPp(s)
            }
            Self::Nmf {
                n_factors,
                n_epochs,
                reg_pu,
                reg_qi,
                init_low,
                init_high,
            } => {
                let s = Nmf {
                    n_factors,
                    n_epochs,
                    reg_pu,
                    reg_qi,
                    init_low,
                    init_high,
                    ..Nmf::default()
                };
                s.validate()?;
                Algorithm::Nmf(s)
            }
            Self::SvdTuned(t) => {
                t.grid()?;
                Algorithm::SvdTuned(t)
            }
            Self::Gcmc { .. } => return Ok(None),
        };
        Ok(Some(a))
    }

    /// GC-MC's settings, or `None` for a Surprise model. Errors: invalid values.
    pub fn gcmc(&self) -> Result<Option<gcmc::Settings>> {
        let Self::Gcmc {
            hidden,
            dropout,
            num_basis,
            epochs,
            learning_rate,
            normalization,
            ema_decay,
            feat_hidden,
            per_dataset,
        } = self
        else {
            return Ok(None);
        };
        let normalization = match normalization.as_str() {
            "left" => gcmc::graph::Normalization::Left,
            "symmetric" => gcmc::graph::Normalization::Symmetric,
            other => {
                return Err(KitError::hyperparameter(
                    "normalization",
                    other,
                    "\"left\" (-nleft) or \"symmetric\" (-nsym)",
                ))
            }
        };
        let checks = [
            ("dropout", (0.0..1.0).contains(dropout), "in [0, 1)"),
            (
                "learning_rate",
                *learning_rate > 0.0 && learning_rate.is_finite(),
                "> 0",
            ),
            ("ema_decay", (0.0..1.0).contains(ema_decay), "in [0, 1)"),
        ];
        for (f, ok, allowed) in checks {
            if !ok {
                return Err(KitError::hyperparameter(f, format!("{self:?}"), allowed));
            }
        }
        if *feat_hidden == Some(0)
            || per_dataset
                .values()
                .any(|o| o.feat_hidden == Some(0) || o.epochs == Some(0))
        {
            return Err(KitError::hyperparameter(
                "feat_hidden / per_dataset",
                0,
                "epochs and feat_hidden ≥ 1, or absent",
            ));
        }
        if hidden[0] == 0 || hidden[1] == 0 || *num_basis == 0 || *epochs == 0 {
            return Err(KitError::hyperparameter(
                "hidden / num_basis / epochs",
                format!("{hidden:?} / {num_basis} / {epochs}"),
                "all ≥ 1",
            ));
        }
        Ok(Some(gcmc::Settings {
            hidden: *hidden,
            dropout: *dropout,
            num_basis: *num_basis,
            epochs: *epochs,
            learning_rate: *learning_rate,
            normalization,
            ema_decay: *ema_decay,
            feat_hidden: *feat_hidden,
            empty_classes_allowed: false,
        }))
    }

    /// GC-MC's settings on `dataset`: the variant's, with its `per_dataset` overrides, and empty
    /// rating classes allowed on YahooMusic as the reference allows them.
    pub fn gcmc_on(&self, dataset: &str) -> Result<Option<gcmc::Settings>> {
        let Some(mut s) = self.gcmc()? else {
            return Ok(None);
        };
        if let Self::Gcmc { per_dataset, .. } = self {
            if let Some(o) = per_dataset.get(dataset) {
                s.epochs = o.epochs.unwrap_or(s.epochs);
                s.feat_hidden = o.feat_hidden.or(s.feat_hidden);
            }
        }
        s.empty_classes_allowed =
            monti::Benchmark::of(dataset) == Some(monti::Benchmark::YahooMusic);
        Ok(Some(s))
    }
}

impl Validate for Hyperparameters {
    /// Range checks of every field (the error names the field and what is allowed).
    fn validate(&self) -> Result<()> {
        self.algorithm()?;
        self.gcmc()?;
        Ok(())
    }
}

/// The rating scale of MovieLens (1–5 stars).
fn scale() -> Result<RatingScale> {
    RatingScale::new(movielens::SCALE.0, movielens::SCALE.1)
}

/// The (train, test) rating lists of each evaluation of a dataset: 5 cross-validation folds
/// for `movielens-100k` (drawn from the `"folds"` stream as Surprise's `KFold`), one official
/// split otherwise.
fn evaluations(dataset: &ResolvedDataset, seed: u64) -> Result<Vec<(Vec<Rating>, Vec<Rating>)>> {
    if let Some(b) = monti::Benchmark::of(&dataset.name) {
        let m = monti::load(dataset, b)?;
        return Ok(vec![(m.train, m.test)]);
    }
    let lines = movielens::load(dataset)?;
    match movielens::split_of(&dataset.name)? {
        Some(i) => {
            let (base, test) = movielens::official_split(&lines, i)?;
            Ok(vec![(
                base.iter().map(movielens::Line::rating).collect(),
                test.iter().map(movielens::Line::rating).collect(),
            )])
        }
        None => {
            let all: Vec<Rating> = lines.iter().map(movielens::Line::rating).collect();
            let folds = repro_kit_recsys::k_fold(
                all.len(),
                CV_FOLDS,
                &mut repro_kit::rng::stream(seed, "folds"),
            )?;
            Ok(folds
                .iter()
                .map(|f| (f.train_of(&all), f.test_of(&all)))
                .collect())
        }
    }
}

/// One run of `h` on `dataset` with `seed`.
pub fn run(
    h: &Hyperparameters,
    dataset: &ResolvedDataset,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    if let Some(s) = h.gcmc_on(&dataset.name)? {
        return run_gcmc(&s, dataset, seed, progress);
    }
    let algo = h
        .algorithm()?
        .ok_or_else(|| KitError::Invalid("no model".into()))?;
    let out = if let Some(b) = monti::Benchmark::of(&dataset.name) {
        let m = monti::load(dataset, b)?;
        surprise::train_test(&algo, &m.train, &m.test, m.scale, seed)?
    } else {
        surprise_on_movielens(&algo, dataset, seed)?
    };
    let mut b = RunOutput::builder(METRICS)
        .parameter_count(out.parameter_count)
        .add_train_seconds(out.fit_seconds)
        .metric("test_rmse", out.test_rmse)
        .metric("test_mae", out.test_mae)
        .metric("train_rmse", out.train_rmse);
    if matches!(algo, Algorithm::SvdTuned(_)) {
        b = b
            .selection_seconds(out.search_seconds)
            .extra("search_fits", serde_json::json!(out.search_fits))
            .extra("chosen", serde_json::json!(out.chosen));
    }
    b.build()
}

/// Surprise's protocol on a MovieLens dataset: 5-fold cross-validation on `movielens-100k`,
/// one fit on an official split otherwise.
fn surprise_on_movielens(
    algo: &Algorithm,
    dataset: &ResolvedDataset,
    seed: u64,
) -> Result<surprise::Outcome> {
    let lines = movielens::load(dataset)?;
    let all: Vec<Rating> = lines.iter().map(movielens::Line::rating).collect();
    Ok(match movielens::split_of(&dataset.name)? {
        None => surprise::cross_validate(algo, &all, scale()?, CV_FOLDS, seed)?,
        Some(i) => {
            let (base, test) = movielens::official_split(&lines, i)?;
            let r =
                |l: &[movielens::Line]| l.iter().map(movielens::Line::rating).collect::<Vec<_>>();
            surprise::train_test(algo, &r(&base), &r(&test), scale()?, seed)?
        }
    })
}

/// The side features of `dataset` (`--features`): MovieLens' user and movie files, or a Monti
/// benchmark's graphs.
fn side_features(dataset: &ResolvedDataset) -> Result<movielens::SideFeatures> {
    match monti::Benchmark::of(&dataset.name) {
        Some(b) => monti::side_features(dataset, b, &monti::load(dataset, b)?),
        None => movielens::load_side_features(dataset),
    }
}

/// GC-MC on every evaluation of `dataset` (means over cross-validation folds).
fn run_gcmc(
    s: &gcmc::Settings,
    dataset: &ResolvedDataset,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let evals = evaluations(dataset, seed)?;
    let side = match s.feat_hidden {
        Some(_) => Some(side_features(dataset)?),
        None => None,
    };
    let n = evals.len() as f64;
    let (mut rmse, mut mae, mut train, mut raw) = (0.0, 0.0, 0.0, 0.0);
    let mut b = RunOutput::builder(METRICS);
    for (k, (tr, te)) in evals.iter().enumerate() {
        let o = gcmc::run(s, tr, te, side.as_ref(), seed, progress)?;
        if let Some(d) = o.divergence {
            return b.diverged(d).build();
        }
        rmse += o.test.rmse / n;
        mae += o.test.mae / n;
        train += o.train.rmse / n;
        raw += o.raw_test.rmse / n;
        b = b
            .add_train_seconds(o.train_seconds)
            .parameter_count(o.parameter_count);
        if k == 0 {
            b = b
                .curve("train_loss", o.loss_curve)
                .extra("final_train_loss", serde_json::json!(o.last_loss));
        }
    }
    b.metric("test_rmse", rmse)
        .metric("test_mae", mae)
        .metric("train_rmse", train)
        .extra("raw_test_rmse", serde_json::json!(raw))
        .build()
}

/// The registry entry of this paper.
pub struct Vandenberg2017;

impl Paper for Vandenberg2017 {
    const ID: &'static str = "vandenberg2017-gcmc";
    const METRICS: &'static [&'static str] = METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        run(h, ctx.dataset, ctx.seed, ctx.progress)
    }

    /// `harness check`: epochs cut to `steps` (a tuned SVD searches its n_factors axis with the
    /// first value of the others and `steps` epochs).
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let e = steps.max(1) as usize;
        let mut h = h.clone();
        match &mut h {
            Hyperparameters::Baseline { n_epochs, .. }
            | Hyperparameters::Svd { n_epochs, .. }
            | Hyperparameters::Svdpp { n_epochs, .. }
            | Hyperparameters::Nmf { n_epochs, .. } => *n_epochs = (*n_epochs).min(e),
            Hyperparameters::SvdTuned(t) => {
                // n_factors kept whole: the declared parameter count is the largest point's
                t.n_epochs = vec![e];
                t.lr_all.truncate(1);
                t.reg_all.truncate(1);
            }
            Hyperparameters::Gcmc { epochs, .. } => *epochs = (*epochs).min(e),
        }
        Some(h)
    }

    /// `harness check` and the tests: the model fits the first 100 ratings of the dataset's
    /// training set (dropout off, more epochs, no regularisation where the model has some).
    fn overfit(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<Option<Overfit>> {
        let (train, _) = evaluations(ctx.dataset, 0)?.swap_remove(0);
        let tiny: Vec<Rating> = train.into_iter().take(100).collect();
        let (rmse, target, what) = match h {
            Hyperparameters::Gcmc {
                hidden,
                num_basis,
                feat_hidden,
                ..
            } => {
                let s = gcmc::Settings {
                    hidden: [hidden[0].min(50), hidden[1].min(10)],
                    dropout: 0.0,
                    num_basis: *num_basis,
                    epochs: 300,
                    learning_rate: 0.01,
                    normalization: gcmc::graph::Normalization::Left,
                    ema_decay: 0.0,
                    feat_hidden: *feat_hidden,
                    empty_classes_allowed: true,
                };
                let side = match feat_hidden {
                    Some(_) => Some(side_features(ctx.dataset)?),
                    None => None,
                };
                let o = gcmc::run(&s, &tiny, &tiny[..1], side.as_ref(), 0, &NoProgress)?;
                (
                    o.train.rmse,
                    0.3,
                    "GC-MC, 300 full-batch Adam steps, in stars",
                )
            }
            Hyperparameters::Baseline { .. } => {
                let b = surprise::baseline_als(100, 0.0, 0.0);
                let o = surprise::train_test(&b, &tiny, &tiny[..1], scale()?, 0)?;
                let mean = tiny.iter().map(|r| r.value).sum::<f64>() / tiny.len() as f64;
                let sd = (tiny.iter().map(|r| (r.value - mean).powi(2)).sum::<f64>()
                    / tiny.len() as f64)
                    .sqrt();
                (o.train_rmse / sd, 0.8, "baseline biases by ALS (no regularisation), relative to the global mean's RMSE")
            }
            Hyperparameters::Svdpp { .. } => {
                let pp = Algorithm::SvdPp(SvdPp {
                    n_factors: 10,
                    n_epochs: 300,
                    lr: [0.02; 5],
                    reg: [0.0; 5],
                    ..SvdPp::default()
                });
                let o = surprise::train_test(&pp, &tiny, &tiny[..1], scale()?, 0)?;
                let what = "SVD++ (10 factors, 300 epochs, lr 0.02, no regularisation), stars";
                (o.train_rmse, 0.15, what)
            }
            Hyperparameters::Nmf { .. } => {
                let nmf = Algorithm::Nmf(Nmf {
                    n_factors: 10,
                    n_epochs: 300,
                    ..Nmf::default()
                });
                let o = surprise::train_test(&nmf, &tiny, &tiny[..1], scale()?, 0)?;
                let what = "NMF (10 factors, 300 epochs, Surprise's regularisation), stars";
                (o.train_rmse, 0.3, what)
            }
            Hyperparameters::Svd { .. } | Hyperparameters::SvdTuned(_) => {
                let svd = Algorithm::Svd(
                    Svd {
                        n_factors: 10,
                        n_epochs: 300,
                        ..Svd::default()
                    }
                    .lr_all(0.05)
                    .reg_all(0.0),
                );
                let o = surprise::train_test(&svd, &tiny, &tiny[..1], scale()?, 0)?;
                let what = "SVD (10 factors, 300 epochs, lr 0.05, no regularisation), stars";
                (o.train_rmse, 0.1, what)
            }
        };
        Ok(Some(Overfit {
            description: format!(
                "training RMSE on {} ratings, {what}: {rmse:.4} (target < {target})",
                tiny.len()
            ),
            passed: rmse < target,
        }))
    }
}

repro_kit::reproduction!(Vandenberg2017);
