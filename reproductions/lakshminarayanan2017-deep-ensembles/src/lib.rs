//! Reproduction of Lakshminarayanan, Pritzel & Blundell (2017), "Simple and Scalable Predictive
//! Uncertainty Estimation using Deep Ensembles" (NeurIPS, arXiv 1612.01474), Table 1, column
//! "Deep Ensembles": test RMSE and NLL on the UCI regression benchmark over the fixed splits of
//! Hernández-Lobato & Adams (2015) (20 splits; 5 for protein), the same splits as
//! `gal2016-mc-dropout`.
//!
//! Protocol (§2.2.1, §2.4, §3.1, §3.3 and Table 2's caption): M = 5 networks ([`model`]), each
//! with one hidden layer of 50 ReLU units (100 for protein) and a Gaussian output (mean, and
//! variance through softplus + 1e-6), trained independently ([`train`]) on the whole training
//! part by minimising the Gaussian NLL, Adam with a fixed learning rate of 0.1, batches of 100,
//! 40 epochs, Torch default initialisation; no adversarial training (Table 2: "ML-5, referred to
//! as deep ensembles in Table 1"). Prediction: the mixture's mean and variance ([`mixture`]).
//! The split index is the run's seed and also seeds every member's initialisation and batch
//! order ([`repro_kit::rng::stream`]).

pub mod mixture;
pub mod model;
pub mod train;

use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;
use std::collections::BTreeMap;
use train::{RunSettings, TrainSettings, DEFAULT_ADAM_EPSILON};

/// Per-dataset overrides (`[variants.<v>.per_dataset.<dataset>]`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DatasetHyperparameters {
    /// Override of `hidden_units` (protein: 100, §3.3).
    #[serde(default)]
    pub hidden_units: Option<usize>,
}

/// Typed hyperparameters of one variant (`[variants.<name>]` in
/// `configs/papers/lakshminarayanan2017-deep-ensembles.toml`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Ensemble size M (paper: 5).
    pub ensemble_size: usize,
    /// Hidden ReLU units H (paper: 50).
    pub hidden_units: usize,
    /// Training epochs (paper: 40).
    pub epochs: usize,
    /// Rows per Adam step (paper: 100).
    pub batch_size: usize,
    /// Adam learning rate (paper: 0.1, fixed).
    pub learning_rate: f64,
    /// Minimum variance added after the softplus, standardised units² (paper: 1e-6).
    pub min_variance: f64,
    /// Adam's ε (added to √v̂, PyTorch's placement; default 1e-8, the value of TensorFlow's and
    /// PyTorch's Adam, which the paper does not state). A probe of the port (issue 23 item 4),
    /// not a setting the paper prints.
    #[serde(default)]
    pub adam_epsilon: Option<f64>,
    /// Train on standardised targets (default true, the PBP protocol of §3.3); false is a probe
    /// of the port (issue 23 item 4), not a setting the paper prints.
    #[serde(default)]
    pub standardise_targets: Option<bool>,
    /// Per-dataset overrides by dataset name.
    #[serde(default)]
    pub per_dataset: BTreeMap<String, DatasetHyperparameters>,
}

fn invalid(m: String) -> KitError {
    KitError::Invalid(m)
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("ensemble_size", self.ensemble_size),
            ("hidden_units", self.hidden_units),
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
        ] {
            if v == 0 {
                return Err(invalid(format!("{name} must be ≥ 1, got 0")));
            }
        }
        if self.ensemble_size > 1000 {
            return Err(invalid(format!(
                "ensemble_size must be ≤ 1000, got {}",
                self.ensemble_size
            )));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(invalid(format!(
                "learning_rate must be a finite number > 0, got {}",
                self.learning_rate
            )));
        }
        if !(self.min_variance > 0.0 && self.min_variance.is_finite()) {
            return Err(invalid(format!(
                "min_variance must be a finite number > 0, got {}",
                self.min_variance
            )));
        }
        if let Some(e) = self.adam_epsilon {
            if !(e > 0.0 && e.is_finite()) {
                return Err(invalid(format!(
                    "adam_epsilon must be a finite number > 0, got {e}"
                )));
            }
        }
        for (name, d) in &self.per_dataset {
            if d.hidden_units == Some(0) {
                return Err(invalid(format!(
                    "per_dataset.{name}.hidden_units must be ≥ 1"
                )));
            }
        }
        Ok(())
    }
}

impl Hyperparameters {
    /// The run settings for dataset `name` (its overrides applied).
    pub fn for_dataset(&self, name: &str) -> RunSettings {
        let d = self.per_dataset.get(name).cloned().unwrap_or_default();
        RunSettings {
            train: TrainSettings {
                hidden_units: d.hidden_units.unwrap_or(self.hidden_units),
                epochs: self.epochs,
                batch_size: self.batch_size,
                learning_rate: self.learning_rate,
                min_variance: self.min_variance,
                adam_epsilon: self.adam_epsilon.unwrap_or(DEFAULT_ADAM_EPSILON),
            },
            members: self.ensemble_size,
            standardise_targets: self.standardise_targets.unwrap_or(true),
        }
    }
}

/// The registry entry of this paper.
pub struct Lakshminarayanan2017;

impl Paper for Lakshminarayanan2017 {
    const ID: &'static str = "lakshminarayanan2017-deep-ensembles";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    /// One split (`ctx.seed` = split index K) of `ctx.dataset`.
    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let settings = h.for_dataset(&ctx.dataset.name);
        let data = repro_kit::data::uci::UciData::load(ctx.dataset)?;
        let split = repro_kit::data::uci::Split::load(ctx.dataset, ctx.seed, data.rows())?;
        let what = format!("{} split {}", ctx.dataset.name, ctx.seed);
        train::run_split(&settings, &data, &split, ctx.seed, &what, ctx.progress)
    }

    /// `harness check`'s smoke budget: `steps` epochs (at least 1, at most the variant's) of
    /// the full ensemble, so the parameter count is the variant's.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, steps: u64) -> Option<Hyperparameters> {
        let mut short = h.clone();
        short.epochs = h.epochs.min(steps.max(1) as usize);
        Some(short)
    }

    /// One member must overfit 8 rows of a line ([`train::overfit`]).
    fn overfit(
        &self,
        h: &Hyperparameters,
        ctx: &RunContext,
    ) -> Result<Option<repro_kit::reproduction::Overfit>> {
        let s = h.for_dataset(&ctx.dataset.name).train;
        train::overfit(s.hidden_units, s.min_variance).map(Some)
    }
}

repro_kit::reproduction!(Lakshminarayanan2017);
