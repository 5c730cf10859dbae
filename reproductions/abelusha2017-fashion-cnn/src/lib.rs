//! Reproduction of the Fashion-MNIST benchmark row "2 Conv ~113K parameters | Normalization |
//! 0.922" (zalandoresearch/fashion-mnist README, "Benchmark", table "Submitted by the
//! community"), submitted by Abel G. (abelusha) with the notebook
//! `Fashon_MNIST_CNN_using_Keras_10_Runs.ipynb` of github.com/abelusha/MNIST-Fashion-CNN
//! (commit 26be818e, 2017-09-30). The notebook trains the model 10 times and prints each run's
//! test accuracy; 0.922 is their mean (its last cell: `Avg_testing_acc 92.159 %`).
//!
//! Protocol (the notebook, Keras 2.0 on TensorFlow): pixels / 255 in float32;
//! `train_test_split(X, y, test_size=0.2, random_state=101)` (48,000 training and 12,000
//! validation images, one split for all 10 runs); the network of [`model`]; loss
//! `categorical_crossentropy` on the softmax; `optimizer='adam'` (Keras 2.0 defaults);
//! `fit(batch_size=64, epochs=50, validation_data=(X_val, y_val))` (shuffled every epoch; the
//! validation data only monitored); `model.evaluate(X_test, y_test)` after the last epoch.
//!
//! Data from the kit's Fashion-MNIST loader (`repro_kit::data::fashion_mnist`), the model in
//! [`model`], the loop in [`train`] (the kit's `fit`, `Adam`, Keras loss, dropout masks).

pub mod model;
pub mod train;

use repro_kit::data::fashion_mnist::{self, FashionMnist};
use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;

pub use fashion_mnist::{CLASSES, SIDE};

/// The declared files (`[[datasets.fashion-mnist.files]] path`): training images and labels,
/// test images and labels.
pub const FILES: [&str; 4] = [
    fashion_mnist::TRAIN_IMAGES,
    fashion_mnist::TRAIN_LABELS,
    fashion_mnist::TEST_IMAGES,
    fashion_mnist::TEST_LABELS,
];

/// Typed hyperparameters of one variant (`[variants.<name>]` in
/// `configs/papers/abelusha2017-fashion-cnn.toml`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Filters of each of the two convolutions (notebook: `nb_filters = 32`).
    pub filters: usize,
    /// Side of the square convolution kernels (notebook: `kernel_size = 3`).
    pub kernel_size: usize,
    /// Side (and stride) of the max pooling (notebook: `pool_size = 2`).
    pub pool_size: usize,
    /// Units of the hidden dense layer (notebook: 128).
    pub dense: usize,
    /// Dropout rate after the second pooling, in [0, 1) (notebook: 0.25).
    pub conv_dropout: f64,
    /// Dropout rate after the hidden dense layer, in [0, 1) (notebook: 0.5).
    pub dense_dropout: f64,
    /// Adam learning rate (Keras 2.0 default: 0.001).
    pub learning_rate: f64,
    /// Adam ε, added to √v̂ (Keras 2.0 default ε̂ = 1e-8, added to √v; see the config's notes).
    pub adam_epsilon: f64,
    /// Examples per optimizer step (notebook: `batch_size = 64`).
    pub batch_size: usize,
    /// Training epochs (notebook: `nb_ephochs = 50`).
    pub epochs: usize,
    /// Share of the 60,000 training images held out for validation, in (0, 1) (notebook: 0.2).
    pub validation_fraction: f64,
    /// Seed of the validation split when it is the same for every run (the notebook's
    /// `random_state=101`); absent: each run's own seed.
    #[serde(default)]
    pub split_seed: Option<u64>,
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(KitError::Invalid(m));
        for (name, v) in [
            ("filters", self.filters),
            ("kernel_size", self.kernel_size),
            ("pool_size", self.pool_size),
            ("dense", self.dense),
            ("batch_size", self.batch_size),
            ("epochs", self.epochs),
        ] {
            if v == 0 {
                return bad(format!("{name} must be ≥ 1"));
            }
        }
        for (name, v) in [
            ("conv_dropout", self.conv_dropout),
            ("dense_dropout", self.dense_dropout),
        ] {
            if !(0.0..1.0).contains(&v) {
                return bad(format!("{name} must be in [0, 1), got {v}"));
            }
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!(
                "learning_rate must be a finite number > 0, got {}",
                self.learning_rate
            ));
        }
        if !(self.adam_epsilon >= 0.0 && self.adam_epsilon.is_finite()) {
            return bad(format!(
                "adam_epsilon must be a finite number ≥ 0, got {}",
                self.adam_epsilon
            ));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return bad(format!(
                "validation_fraction must be in (0, 1), got {}",
                self.validation_fraction
            ));
        }
        Ok(())
    }
}

/// The registry entry of this paper.
pub struct Abelusha2017;

impl Paper for Abelusha2017 {
    const ID: &'static str = "abelusha2017-fashion-cnn";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        ctx.progress.phase("loading Fashion-MNIST");
        let data = FashionMnist::load(ctx.dataset, ctx.device)?;
        train::run(h, &data, ctx.seed, ctx.progress)
    }

    /// `harness check`'s smoke budget: one epoch (750 optimizer steps on 48,000 images, the
    /// smallest budget of the epoch-based protocol), whatever `steps` asks.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, _steps: u64) -> Option<Hyperparameters> {
        Some(Hyperparameters {
            epochs: 1,
            ..h.clone()
        })
    }

    /// With dropout off, the network memorises the first 32 training images (training accuracy
    /// 1 after 150 full-batch Adam steps).
    fn overfit(
        &self,
        h: &Hyperparameters,
        ctx: &RunContext,
    ) -> Result<Option<repro_kit::reproduction::Overfit>> {
        let data = FashionMnist::load(ctx.dataset, ctx.device)?;
        let n = 32.min(data.y_train.len());
        let x = train::as_images(&data.x_train.narrow(0, 0, n)?)?;
        let labels = &data.y_train[..n];
        let onehot = fashion_mnist::one_hot(labels, ctx.device)?;
        let y = fashion_mnist::label_tensor(labels, ctx.device)?;
        let acc = train::fit_accuracy(h, &x, &onehot, &y, 150)?;
        Ok(Some(repro_kit::reproduction::Overfit {
            description: format!(
                "training accuracy on the first {n} training images after 150 steps without dropout = {acc} (target 1)"
            ),
            passed: acc == 1.0,
        }))
    }
}

repro_kit::reproduction!(Abelusha2017);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The notebook's hyperparameters.
    pub(crate) fn notebook() -> Hyperparameters {
        Hyperparameters {
            filters: 32,
            kernel_size: 3,
            pool_size: 2,
            dense: 128,
            conv_dropout: 0.25,
            dense_dropout: 0.5,
            learning_rate: 1e-3,
            adam_epsilon: 1e-8,
            batch_size: 64,
            epochs: 50,
            validation_fraction: 0.2,
            split_seed: Some(101),
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(notebook().validate().is_ok());
        let e = Hyperparameters {
            conv_dropout: 1.0,
            ..notebook()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("conv_dropout"), "{e}");
        let e = Hyperparameters {
            filters: 0,
            ..notebook()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("filters"), "{e}");
    }
}
