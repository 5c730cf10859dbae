//! Reproduction of Greydanus (2020), "Scaling down Deep Learning" (arXiv 2011.14439): the
//! MNIST-1D benchmark. The paper's repository README table claims test accuracies of
//! logistic regression 32%, MLP 68%, CNN 94%, GRU 91%, and with the 40 input positions shuffled
//! by one fixed permutation 32%, 68%, 56%, 57%.
//!
//! Protocol (the authors' public PyTorch reference, `mnist1d/train.py`): cross-entropy, Adam with
//! lr 1e-2 and weight decay 0, batches of 100 taken **in order** from the 4000 training examples
//! (`start = step·100 mod 4000`, no shuffling), optimizer steps 0..=6000, test accuracy every
//! 250 steps. Models in [`models`], the loop in [`train`], the data in [`data`].

pub mod models;
pub mod train;

use models::ModelSpec;
use repro_kit::{KitError, Paper, Result, RunContext, RunOutput, Validate};
use serde::Deserialize;

pub use repro_kit::data::mnist1d::{CLASSES, INPUT_LEN};

/// Typed hyperparameters of one variant (`[variants.<name>]` in
/// `configs/papers/greydanus2020-mnist1d.toml`). Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// The model and its size.
    pub model: ModelSpec,
    /// Adam learning rate (reference: 1e-2).
    pub learning_rate: f64,
    /// Adam weight decay; the reference uses 0 and only 0 is accepted (PyTorch's coupled L2
    /// decay is not implemented).
    pub weight_decay: f64,
    /// Examples per optimizer step (reference: 100).
    pub batch_size: usize,
    /// Last optimizer step; steps `0..=total_steps` are taken (reference: 6000 → 6001 steps).
    pub total_steps: usize,
    /// Evaluate test accuracy after every step `s` with `s % eval_every == 0` (reference: 250).
    pub eval_every: usize,
    /// Optional fixed permutation of the 40 input positions applied to train and test inputs
    /// (the "shuffled" variants): `x' [:, i] = x[:, perm[i]]`, as `x[:, perm]` in NumPy.
    #[serde(default)]
    pub input_permutation: Option<Vec<usize>>,
}

impl Validate for Hyperparameters {
    /// Range checks; the error names the field and what is allowed.
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(KitError::Invalid(m));
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!(
                "learning_rate must be > 0, got {}",
                self.learning_rate
            ));
        }
        if self.weight_decay != 0.0 {
            return bad(format!(
                "weight_decay must be 0 (the reference protocol), got {}",
                self.weight_decay
            ));
        }
        if self.batch_size == 0 || self.eval_every == 0 {
            return bad("batch_size and eval_every must be at least 1".into());
        }
        if let Some(p) = &self.input_permutation {
            let mut s = p.clone();
            s.sort_unstable();
            if s != (0..INPUT_LEN).collect::<Vec<_>>() {
                return bad(format!(
                    "input_permutation must be a permutation of 0..{INPUT_LEN} (each index once), got {} entries",
                    p.len()
                ));
            }
        }
        self.model.validate()
    }
}

/// The registry entry of this paper.
pub struct Greydanus2020;

impl Paper for Greydanus2020 {
    const ID: &'static str = "greydanus2020-mnist1d";
    const METRICS: &'static [&'static str] = train::METRICS;
    type Hyperparameters = Hyperparameters;

    fn run(&self, h: &Hyperparameters, ctx: &RunContext) -> Result<RunOutput> {
        let data = repro_kit::data::mnist1d::Mnist1d::load(ctx.dataset, ctx.device)?;
        let data = match &h.input_permutation {
            Some(p) => data.permute_inputs(p)?,
            None => data,
        };
        train::run(h, &data, ctx.seed, ctx.device, ctx.progress)
    }
}

repro_kit::reproduction!(Greydanus2020);
