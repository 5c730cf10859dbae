//! The contract between the harness and a reproduction crate.

use crate::{KitError, Result};
use candle_core::Device;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One paper's reproduction. The harness holds one instance per paper in its registry and calls
/// [`Reproduction::run`] once per (variant, dataset, seed), possibly from several threads at once.
pub trait Reproduction: Send + Sync {
    /// The paper id, equal to the config's `paper.id` and the crate name
    /// (e.g. `"greydanus2020-mnist1d"`).
    fn id(&self) -> &'static str;

    /// The reproduction's version (the crate version). It is part of every run's key, so bumping
    /// it invalidates the stored records of this paper.
    fn version(&self) -> &'static str;

    /// Hex SHA-256 of the reproduction crate's own sources (`src/`, `Cargo.toml`, numerical
    /// dependency versions), compiled in by its `build.rs` (`repro_source_hash::emit`).
    fn source_hash(&self) -> &'static str;

    /// Hex SHA-256 of the code that trains this paper's runs: the kit's sources
    /// ([`crate::KIT_SOURCE_HASH`]) and the crate's ([`Reproduction::source_hash`]). Part of every
    /// run's key: any change to either invalidates exactly this paper's records.
    fn code_hash(&self) -> String {
        repro_source_hash::combine(&[crate::KIT_SOURCE_HASH, self.source_hash()])
    }

    /// Metric names a run returns in [`RunOutput::metrics`], so that the harness can reject a
    /// config whose claim names a metric the reproduction never produces.
    fn metrics(&self) -> &'static [&'static str];

    /// Checks that `hyperparameters` (the config's `[variants.<variant>]` table) deserializes into
    /// this reproduction's typed hyperparameters and is in range. Called when the config is
    /// loaded, before any run, so bad configs fail fast with [`KitError::Hyperparameters`].
    fn validate_variant(&self, variant: &str, hyperparameters: &toml::Table) -> Result<()>;

    /// Trains and evaluates one run. Must be deterministic for a fixed seed and thread count: draw
    /// every random number from [`crate::rng::stream`]`(ctx.seed, …)`.
    /// A run whose loss becomes NaN/∞ returns `Ok` with [`RunStatus::Diverged`]; `Err` is for
    /// broken inputs (missing dataset file, bad hyperparameters) and bugs.
    fn run(&self, ctx: &RunContext) -> Result<RunOutput>;
}

/// What a paper crate writes: its id, its metrics, its typed hyperparameters and one run.
/// `id`, `version`, `source_hash`, `metrics` and `validate_variant` of [`Reproduction`] follow from
/// it through [`crate::reproduction!`], so no crate writes them again.
///
/// ```ignore
/// pub struct Greydanus2020;
/// impl repro_kit::Paper for Greydanus2020 {
///     const ID: &'static str = "greydanus2020-mnist1d";
///     const METRICS: &'static [&'static str] = &["test_accuracy"];
///     type Hyperparameters = Hyperparameters; // Deserialize + Validate, deny_unknown_fields
///     fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> { ... }
/// }
/// repro_kit::reproduction!(Greydanus2020);
/// ```
pub trait Paper: Send + Sync + 'static {
    /// The paper id: the config's `paper.id` and the crate name.
    const ID: &'static str;
    /// Metric names every run returns (units as the config's `[metrics]` table declares them).
    const METRICS: &'static [&'static str];
    /// One variant's typed hyperparameters (use `#[serde(deny_unknown_fields)]`).
    type Hyperparameters: DeserializeOwned + Validate;
    /// Trains and evaluates one run with already validated hyperparameters `h` (see
    /// [`Reproduction::run`] for the contract: determinism, `Diverged` vs `Err`).
    fn run(&self, h: &Self::Hyperparameters, ctx: &RunContext) -> Result<RunOutput>;
}

/// Range checks of typed hyperparameters: the error names the field and what is allowed.
pub trait Validate {
    /// `Ok` if every field is in range.
    fn validate(&self) -> Result<()>;
}

/// Implements [`Reproduction`] for a [`Paper`] type (a unit struct) and defines
/// `pub fn reproduction() -> &'static dyn Reproduction` for the harness's generated registry.
/// The version and the source hash are read where the macro expands, i.e. from the paper
/// crate's own `CARGO_PKG_VERSION` and `REPRO_SOURCE_HASH` (set by its `build.rs`).
#[macro_export]
macro_rules! reproduction {
    ($ty:ident) => {
        impl $crate::Reproduction for $ty {
            fn id(&self) -> &'static str {
                <$ty as $crate::Paper>::ID
            }
            fn version(&self) -> &'static str {
                env!("CARGO_PKG_VERSION")
            }
            fn source_hash(&self) -> &'static str {
                env!("REPRO_SOURCE_HASH")
            }
            fn metrics(&self) -> &'static [&'static str] {
                <$ty as $crate::Paper>::METRICS
            }
            fn validate_variant(
                &self,
                variant: &str,
                table: &$crate::toml::Table,
            ) -> $crate::Result<()> {
                $crate::reproduction::typed_hyperparameters::<
                                                            <$ty as $crate::Paper>::Hyperparameters,
                                                        >(variant, table)
                                                        .map(|_| ())
            }
            fn run(&self, ctx: &$crate::RunContext) -> $crate::Result<$crate::RunOutput> {
                let h = $crate::reproduction::typed_hyperparameters::<
                    <$ty as $crate::Paper>::Hyperparameters,
                >(ctx.variant, ctx.hyperparameters)?;
                <$ty as $crate::Paper>::run(self, &h, ctx)
            }
        }

        /// This crate's reproduction, for the harness's registry.
        pub fn reproduction() -> &'static dyn $crate::Reproduction {
            static INSTANCE: $ty = $ty;
            &INSTANCE
        }
    };
}

/// Deserializes and range-checks a variant table into `T` ([`checked_hyperparameters`] with
/// [`Validate::validate`]); the error names the variant.
pub fn typed_hyperparameters<T: DeserializeOwned + Validate>(
    variant: &str,
    table: &toml::Table,
) -> Result<T> {
    checked_hyperparameters(variant, table, T::validate)
}

/// Deserializes a variant table into the reproduction's typed hyperparameters `T`
/// (`T` should use `#[serde(deny_unknown_fields)]`); the error names the variant and the key.
pub fn hyperparameters<T: DeserializeOwned>(variant: &str, table: &toml::Table) -> Result<T> {
    T::deserialize(toml::Value::Table(table.clone())).map_err(|e| KitError::Hyperparameters {
        variant: variant.to_string(),
        message: e.to_string().trim().to_string(),
    })
}

/// Deserializes a variant table into `T` and runs the reproduction's range `check` on it; both
/// kinds of failure become [`KitError::Hyperparameters`] naming the variant. This is what
/// [`Reproduction::validate_variant`] and the start of [`Reproduction::run`] both need:
/// `checked_hyperparameters(variant, table, Hyperparameters::validate)`.
pub fn checked_hyperparameters<T: DeserializeOwned>(
    variant: &str,
    table: &toml::Table,
    check: impl FnOnce(&T) -> Result<()>,
) -> Result<T> {
    let h: T = hyperparameters(variant, table)?;
    check(&h).map_err(|e| KitError::Hyperparameters {
        variant: variant.to_string(),
        message: e.to_string(),
    })?;
    Ok(h)
}

/// A dataset as the harness resolved it: local, verified files.
#[derive(Debug, Clone)]
pub struct ResolvedDataset {
    /// The dataset's name in `configs/datasets.toml` (e.g. `"mnist1d"`).
    pub name: String,
    /// Declared file path (as in `configs/datasets.toml`, e.g. `"mnist1d/mnist1d.safetensors"`)
    /// → local path of a copy whose SHA-256 has been checked.
    pub files: BTreeMap<String, PathBuf>,
}

impl ResolvedDataset {
    /// The local path of declared file `name`; the error lists the files that exist.
    pub fn file(&self, name: &str) -> Result<&PathBuf> {
        self.files.get(name).ok_or_else(|| KitError::Data {
            path: PathBuf::from(name),
            message: format!(
                "dataset `{}` declares no file `{name}` (it has: {})",
                self.name,
                self.files.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        })
    }
}

/// Progress reporting from inside a run. Implementations must be cheap: runs call
/// [`Progress::step`] often.
pub trait Progress: Sync {
    /// Sets the current phase, e.g. `"training"`, `"grid p=0.005 tau=0.1"`, `"evaluating"`.
    fn phase(&self, message: &str);
    /// `done` of `total` units (optimizer steps, epochs) of the current phase are complete.
    fn step(&self, done: u64, total: u64);
}

/// A [`Progress`] that ignores everything (tests, benchmarks).
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _message: &str) {}
    fn step(&self, _done: u64, _total: u64) {}
}

/// Everything one run needs.
pub struct RunContext<'a> {
    /// Variant name from the config (e.g. `"cnn-shuffled"`).
    pub variant: &'a str,
    /// The variant's hyperparameter table; deserialize it with [`hyperparameters`].
    pub hyperparameters: &'a toml::Table,
    /// The resolved, verified dataset.
    pub dataset: &'a ResolvedDataset,
    /// The run's seed: every random number is derived from it.
    pub seed: u64,
    /// Where tensors live (the harness uses the CPU).
    pub device: &'a Device,
    /// Progress sink.
    pub progress: &'a dyn Progress,
}

/// Whether a run finished normally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RunStatus {
    /// Trained to the end; metrics are final.
    Ok,
    /// The training loss became non-finite at optimizer step `step` (or epoch, see `unit`);
    /// training stopped there. The run still counts: as a failure.
    Diverged {
        /// Step or epoch at which the loss was first non-finite.
        step: u64,
        /// "step" or "epoch".
        unit: String,
        /// The offending loss value as text ("NaN", "inf").
        loss: String,
        /// What was non-finite (records written before this field existed read as
        /// [`DivergenceReason::NonFiniteLoss`]).
        #[serde(default)]
        reason: DivergenceReason,
    },
}

/// Why a run was stopped as diverged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivergenceReason {
    /// The training loss was NaN or ±∞.
    #[default]
    NonFiniteLoss,
    /// A gradient (its global norm) was NaN or ±∞ although the loss was finite.
    NonFiniteGradient,
    /// An evaluation metric was NaN or ±∞ (e.g. a NaN prediction).
    NonFiniteMetric,
    /// Every candidate of a model selection (grid point) diverged, so no model was trained.
    EveryCandidateDiverged,
}

/// A curve: `(x, y)` points, e.g. (optimizer step, test accuracy as a fraction).
pub type Curve = Vec<(f64, f64)>;

/// What one run produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOutput {
    /// Final metrics by name (units as the config's `[metrics]` table declares them). A diverged
    /// run may return NaN values or an empty map.
    pub metrics: BTreeMap<String, f64>,
    /// Curves by name, e.g. `"test_accuracy"` vs optimizer step.
    pub curves: BTreeMap<String, Curve>,
    /// Number of trainable scalar parameters of the model.
    pub parameter_count: usize,
    /// Wall-clock seconds of optimisation only: forward, backward and parameter updates of the
    /// final model(s), excluding evaluation and model selection (the same meaning in every
    /// crate, so timing tables compare like with like).
    pub train_seconds: f64,
    /// Wall-clock seconds of model selection before the final training (e.g. a grid search
    /// with its validation passes), if any.
    #[serde(default)]
    pub selection_seconds: Option<f64>,
    /// Wall-clock seconds of inference per test example, if measured.
    pub inference_seconds_per_example: Option<f64>,
    /// Ok or diverged.
    pub status: RunStatus,
    /// Free-form extra facts worth keeping in the record (chosen grid point, throughput, ...).
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}
