//! Reproduction of the Fashion-MNIST benchmark entry "MLP 256-128-100" (Xiao, Rasul & Vollgraf
//! 2017, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms",
//! arXiv 1708.07747). The benchmark table of the dataset's README lists
//! "MLP 256-128-100 | None | 0.8833", submitted with the code at
//! github.com/heitorrapela/fashion-mnist-mlp.
//!
//! Protocol (that code, `fashion_mnist_mlp.py`): inputs scaled by 1/255; 20% of the 60,000
//! training images held out for validation by an unseeded `train_test_split` (seeded here from
//! the run's seed); Keras MLP 784 → 256 tanh → Dropout 0.4 → 128 tanh → Dropout 0.4 → 100 tanh →
//! Dropout 0.4 → 10 sigmoid, `he_normal` kernels and zero biases; Keras `categorical_crossentropy`
//! on the sigmoid outputs; `SGD(lr=0.01, momentum=0.975, decay=2e-6, nesterov=True)`; batch 64;
//! 100 epochs; test accuracy after the last epoch.
//!
//! Data in [`data`] (the IDX decoder is the kit's), the model in [`model`], the loop in
//! [`train`]; the Keras loss and the Keras SGD are the kit's (`repro_kit::loss`,
//! `repro_kit::optim::KerasSgd`).

pub mod data;
pub mod model;
pub mod train;

use model::Init;
use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;

/// Side of a Fashion-MNIST image in pixels.
pub const SIDE: usize = 28;
/// Input features: 28 × 28 pixels, flattened row-major (Keras `Flatten`).
pub const INPUT_LEN: usize = SIDE * SIDE;
/// Classes (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot).
pub const CLASSES: usize = 10;

/// Typed hyperparameters of one variant (`[variants.<name>]` in
/// `configs/papers/xiao2017-fashion-mnist.toml`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Widths of the tanh hidden layers (reference: [256, 128, 100]).
    pub hidden: Vec<usize>,
    /// Dropout rate after every hidden layer, in [0, 1) (reference: 0.4).
    pub dropout: f64,
    /// Which Keras `he_normal` draws the kernels (see [`Init`]).
    pub init: Init,
    /// SGD base learning rate (reference: 0.01).
    pub learning_rate: f64,
    /// SGD momentum, in [0, 1) (reference: 0.975).
    pub momentum: f64,
    /// Keras legacy inverse-time decay per optimizer step, ≥ 0 (reference: 2e-6).
    pub decay: f64,
    /// Nesterov momentum (reference: true).
    pub nesterov: bool,
    /// Examples per optimizer step (reference code: 64; its README says 100).
    pub batch_size: usize,
    /// Training epochs (reference: 100).
    pub epochs: usize,
    /// Share of the 60,000 training images held out for validation, in (0, 1) (reference: 0.2).
    pub validation_fraction: f64,
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(KitError::Invalid(m));
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return bad(format!(
                "hidden must list at least one layer width, each ≥ 1, got {:?}",
                self.hidden
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!(
                "learning_rate must be a finite number > 0, got {}",
                self.learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad(format!("momentum must be in [0, 1), got {}", self.momentum));
        }
        if !(self.decay >= 0.0 && self.decay.is_finite()) {
            return bad(format!(
                "decay must be a finite number ≥ 0, got {}",
                self.decay
            ));
        }
        if self.batch_size == 0 || self.epochs == 0 {
            return bad("batch_size and epochs must be at least 1".into());
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
pub struct Xiao2017;

impl Paper for Xiao2017 {
    const ID: &'static str = "xiao2017-fashion-mnist";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        ctx.progress.phase("loading Fashion-MNIST");
        let data = data::FashionMnist::load(ctx.dataset, ctx.device)?;
        train::run(h, &data, ctx.seed, ctx.progress)
    }

    /// `harness check`'s smoke budget: one epoch (750 optimizer steps on 48,000 images; the
    /// smallest budget the epoch-based protocol has), whatever `steps` asks.
    fn smoke_hyperparameters(&self, h: &Hyperparameters, _steps: u64) -> Option<Hyperparameters> {
        Some(Hyperparameters {
            epochs: 1,
            ..h.clone()
        })
    }

    /// With dropout off, the network memorises 32 synthetic images (training accuracy 1), as
    /// in the crate's test `overfits_32_images_without_dropout`; synthetic so that the check
    /// needs no download.
    fn overfit(
        &self,
        h: &Hyperparameters,
        ctx: &RunContext,
    ) -> Result<Option<repro_kit::reproduction::Overfit>> {
        let s = data::synthetic(
            32,
            1,
            &mut repro_kit::rng::stream(0, "synthetic"),
            ctx.device,
        )?;
        let px: Vec<f32> = s.x_train.flatten_all()?.to_vec1()?;
        let px: Vec<u8> = px.iter().map(|v| (v * 255.0).round() as u8).collect();
        let x = data::scale_pixels(&px, ctx.device)?;
        let onehot = data::one_hot(&s.y_train, ctx.device)?;
        let y = data::label_tensor(&s.y_train, ctx.device)?;
        let h = Hyperparameters {
            dropout: 0.0,
            ..h.clone()
        };
        let acc = train::fit_accuracy(&h, &x, &onehot, &y, 300, 0)?;
        Ok(Some(repro_kit::reproduction::Overfit {
            description: format!(
                "training accuracy on 32 synthetic images after 300 steps = {acc} (target 1)"
            ),
            passed: acc == 1.0,
        }))
    }
}

repro_kit::reproduction!(Xiao2017);
