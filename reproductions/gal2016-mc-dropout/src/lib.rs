//! Reproduction of Gal & Ghahramani (2016), "Dropout as a Bayesian Approximation: Representing
//! Model Uncertainty in Deep Learning" (ICML), Table 1, Dropout columns: test RMSE and test
//! log-likelihood of MC dropout on nine UCI regression datasets, over the fixed splits of
//! Hernández-Lobato & Adams (2015) (20 splits; 5 for protein), mean ± standard error.
//!
//! Protocol (the authors' code, `yaringal/DropoutUncertaintyExps`, `net/net.py` and
//! `experiment.py`): one hidden layer of H ReLU units (50; 100 for protein) with dropout p on the
//! input and on the hidden layer, also at test time; L2 weight decay λ = l²(1−p)/(2Nτ) on the
//! kernels, l = 1e-2; Adam (lr 1e-3), batch 128, MSE on the standardised target; inputs and
//! target standardised with training statistics. Prediction: T = 10,000 stochastic passes
//! ([`predict`]). (p, τ) either fixed per dataset or chosen per split by grid search
//! ([`train::Selection`]). The split index is the run's seed and also seeds initialisation,
//! batch order and every dropout mask ([`repro_kit::rng::stream`]).
//!
//! The training step (forward, backward) and the MC passes run as plain loops over contiguous
//! host buffers ([`host`]), checked against the candle network of [`model`] and its autograd;
//! the optimizer ([`repro_kit::optim::Adam`]) and the training loop ([`repro_kit::fit::fit`])
//! are the kit's.
//!
//! Besides MC dropout every run also evaluates the same trained network deterministically
//! (standard dropout, weight scaling), so that "MC dropout beats standard dropout" can be
//! tested per dataset.

pub mod host;
pub mod model;
pub mod predict;
pub mod train;

use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;
use std::collections::BTreeMap;
use train::{RunSettings, Selection, TrainSettings};

/// How a variant chooses the dropout rate p and the precision τ.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// One (p, τ) per dataset, given in `per_dataset.<name>.dropout` / `.tau`.
    Fixed,
    /// Per-split grid search over `per_dataset.<name>.dropout_grid × tau_grid` on an 80/20
    /// train/validation split of the training part, then training on the whole training part
    /// (`experiment.py` at commit 6eb4497).
    Grid,
}

/// Per-dataset settings (`[variants.<v>.per_dataset.<dataset>]`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DatasetHyperparameters {
    /// Fixed dropout rate p (protocol `fixed`), 0 ≤ p < 1.
    #[serde(default)]
    pub dropout: Option<f64>,
    /// Fixed precision τ > 0 (protocol `fixed`).
    #[serde(default)]
    pub tau: Option<f64>,
    /// Candidate dropout rates (protocol `grid`; the dataset's `dropout_rates.txt`).
    #[serde(default)]
    pub dropout_grid: Option<Vec<f64>>,
    /// Candidate precisions (protocol `grid`; the dataset's `tau_values.txt`).
    #[serde(default)]
    pub tau_grid: Option<Vec<f64>>,
    /// Override of `hidden_units` (protein: 100, the dataset's `n_hidden.txt`).
    #[serde(default)]
    pub hidden_units: Option<usize>,
    /// Override of `epochs` (protein: 20, the dataset's `n_epochs.txt`).
    #[serde(default)]
    pub epochs: Option<usize>,
}

/// Typed hyperparameters of one variant (`[variants.<name>]` in
/// `configs/papers/gal2016-mc-dropout.toml`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// `fixed` or `grid`.
    pub protocol: Protocol,
    /// Hidden units H (reference 50).
    pub hidden_units: usize,
    /// Training epochs (reference `n_epochs.txt`: 40).
    pub epochs: usize,
    /// Rows per Adam step (reference 128).
    pub batch_size: usize,
    /// Adam learning rate (Keras default 1e-3).
    pub learning_rate: f64,
    /// Prior length-scale l of the weight decay (reference 1e-2).
    pub lengthscale: f64,
    /// MC passes T on the test rows (reference 10,000).
    pub mc_samples: usize,
    /// Share of the training part held out for the grid search's validation (reference 0.2;
    /// protocol `grid` only).
    #[serde(default)]
    pub validation_fraction: Option<f64>,
    /// MC passes on the validation rows (reference 10,000; protocol `grid` only).
    #[serde(default)]
    pub validation_mc_samples: Option<usize>,
    /// Per-dataset (p, τ) or grids, and size overrides, by dataset name.
    pub per_dataset: BTreeMap<String, DatasetHyperparameters>,
}

fn invalid(m: String) -> KitError {
    KitError::Invalid(m)
}

fn check_rate(what: &str, p: f64) -> Result<()> {
    if (0.0..1.0).contains(&p) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: dropout rate must be in [0, 1), got {p}"
        )))
    }
}

fn check_tau(what: &str, tau: f64) -> Result<()> {
    if tau > 0.0 && tau.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: tau must be a finite number > 0, got {tau}"
        )))
    }
}

impl Validate for Hyperparameters {
    /// Range checks and protocol consistency; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        if self.hidden_units == 0 || self.epochs == 0 || self.batch_size == 0 {
            return Err(invalid(
                "hidden_units, epochs and batch_size must be ≥ 1".into(),
            ));
        }
        if self.mc_samples == 0 {
            return Err(invalid("mc_samples must be ≥ 1".into()));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(invalid(format!(
                "learning_rate must be > 0, got {}",
                self.learning_rate
            )));
        }
        if !(self.lengthscale >= 0.0 && self.lengthscale.is_finite()) {
            return Err(invalid(format!(
                "lengthscale must be ≥ 0, got {}",
                self.lengthscale
            )));
        }
        let grid = self.protocol == Protocol::Grid;
        match (grid, self.validation_fraction, self.validation_mc_samples) {
            (true, Some(f), Some(t)) if f > 0.0 && f < 1.0 && t >= 1 => {}
            (true, _, _) => return Err(invalid(
                "protocol `grid` needs validation_fraction in (0, 1) and validation_mc_samples ≥ 1"
                    .into(),
            )),
            (false, None, None) => {}
            (false, _, _) => {
                return Err(invalid(
                    "validation_fraction / validation_mc_samples apply to protocol `grid` only"
                        .into(),
                ))
            }
        }
        if self.per_dataset.is_empty() {
            return Err(invalid("per_dataset must name at least one dataset".into()));
        }
        for (name, d) in &self.per_dataset {
            let what = format!("per_dataset.{name}");
            if d.hidden_units == Some(0) || d.epochs == Some(0) {
                return Err(invalid(format!(
                    "{what}: hidden_units and epochs must be ≥ 1"
                )));
            }
            if grid {
                let (Some(ps), Some(ts), None, None) =
                    (&d.dropout_grid, &d.tau_grid, d.dropout, d.tau)
                else {
                    return Err(invalid(format!(
                        "{what}: protocol `grid` needs dropout_grid and tau_grid (and no dropout/tau)"
                    )));
                };
                if ps.is_empty() || ts.is_empty() {
                    return Err(invalid(format!("{what}: empty grid")));
                }
                ps.iter().try_for_each(|p| check_rate(&what, *p))?;
                ts.iter().try_for_each(|t| check_tau(&what, *t))?;
            } else {
                let (Some(p), Some(t), None, None) =
                    (d.dropout, d.tau, &d.dropout_grid, &d.tau_grid)
                else {
                    return Err(invalid(format!(
                        "{what}: protocol `fixed` needs dropout and tau (and no grids)"
                    )));
                };
                check_rate(&what, p)?;
                check_tau(&what, t)?;
            }
        }
        Ok(())
    }
}

impl Hyperparameters {
    /// The run settings for dataset `name`; errors if the variant has no entry for it.
    pub fn for_dataset(&self, name: &str) -> Result<RunSettings> {
        let d = self.per_dataset.get(name).ok_or_else(|| {
            invalid(format!(
                "no per_dataset entry for dataset `{name}` (entries: {})",
                self.per_dataset
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let selection = match self.protocol {
            Protocol::Fixed => Selection::Fixed {
                dropout: d.dropout.unwrap_or_default(),
                tau: d.tau.unwrap_or(1.0),
            },
            Protocol::Grid => Selection::Grid {
                dropout: d.dropout_grid.clone().unwrap_or_default(),
                tau: d.tau_grid.clone().unwrap_or_default(),
                validation_fraction: self.validation_fraction.unwrap_or(0.2),
                validation_passes: self.validation_mc_samples.unwrap_or(self.mc_samples),
            },
        };
        Ok(RunSettings {
            train: TrainSettings {
                hidden_units: d.hidden_units.unwrap_or(self.hidden_units),
                epochs: d.epochs.unwrap_or(self.epochs),
                batch_size: self.batch_size,
                learning_rate: self.learning_rate,
                lengthscale: self.lengthscale,
                dropout: 0.0,
                tau: 1.0,
            },
            selection,
            mc_passes: self.mc_samples,
        })
    }
}

/// The registry entry of this paper.
pub struct Gal2016;

impl Paper for Gal2016 {
    const ID: &'static str = "gal2016-mc-dropout";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    /// One split (`ctx.seed` = split index K) of `ctx.dataset`.
    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let settings = h.for_dataset(&ctx.dataset.name)?;
        let data = repro_kit::data::uci::UciData::load(ctx.dataset)?;
        let split = repro_kit::data::uci::Split::load(ctx.dataset, ctx.seed, data.rows())?;
        let what = format!("{} split {}", ctx.dataset.name, ctx.seed);
        train::run_split(&settings, &data, &split, ctx.seed, &what, ctx.progress)
    }

    /// `harness check`'s smoke budget: `steps` epochs (also per dataset) and at most 20 MC
    /// passes.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let epochs = steps.max(1) as usize;
        let mut short = h.clone();
        short.epochs = epochs;
        short.mc_samples = short.mc_samples.min(20);
        short.validation_mc_samples = short.validation_mc_samples.map(|t| t.min(20));
        for d in short.per_dataset.values_mut() {
            d.epochs = d.epochs.map(|_| epochs);
        }
        Some(short)
    }

    /// Without dropout or weight decay, the network fits 32 generated rows
    /// (y = Σ sin(x_j), 4 inputs) to a training MSE below 1e-2 within 3000 epochs.
    fn overfit(
        &self,
        h: &Hyperparameters,
        _ctx: &RunContext,
    ) -> Result<Option<repro_kit::reproduction::Overfit>> {
        use rand::RngExt as _;
        let mut rng = repro_kit::rng::stream(0, "overfit-data");
        let (n, d) = (32usize, 4usize);
        let x: Vec<f32> = (0..n * d).map(|_| rng.random_range(-2.0f32..2.0)).collect();
        let y: Vec<f32> = x
            .chunks(d)
            .map(|r| r.iter().map(|v| v.sin()).sum())
            .collect();
        let s = TrainSettings {
            hidden_units: h.hidden_units,
            epochs: 3000,
            batch_size: n,
            learning_rate: 1e-2,
            lengthscale: 0.0,
            dropout: 0.0,
            tau: 1.0,
        };
        let t = train::train(&s, &x, &y, 0, "overfit", &repro_kit::NoProgress)?;
        let mse = t.report.last_mean_loss;
        Ok(Some(repro_kit::reproduction::Overfit {
            description: format!(
                "training MSE on 32 generated rows after 3000 epochs = {mse:.2e} (target < 1e-2)"
            ),
            passed: mse < 1e-2,
        }))
    }
}

repro_kit::reproduction!(Gal2016);
