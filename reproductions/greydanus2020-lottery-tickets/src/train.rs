//! The notebook's training protocol (`notebooks/train.py::train_model`): cross-entropy, Adam
//! (weight decay 0), batches taken in order from the training rows, test accuracy after every
//! `eval_every`-th step; here also the validation accuracy, and the masks held through every
//! update.

use crate::model::Model;
use candle_core::Tensor;
use candle_nn::loss::cross_entropy;
use repro_kit::data::batching::batch_in_order;
use repro_kit::data::mnist1d::Mnist1d;
use repro_kit::fit::{fit, FitPlan, FitReport, Schedule, StepLoss};
use repro_kit::metrics::accuracy;
use repro_kit::optim::Adam;
use repro_kit::prune::{MaskSet, Masked, Snapshot};
use repro_kit::{KitError, Progress, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One training's budget: `steps` Adam steps on batches of `batch_size` rows taken in order
/// (`bix = step·batch mod n`), evaluated after every step divisible by `eval_every` and after
/// the last one.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Rows per step (the notebook: 100 in the pruning chain, 500 in the re-initialisation
    /// experiment).
    pub batch_size: usize,
    /// Optimizer steps (the notebook's `range(total_steps + 1)`: 1502 or 6001).
    pub steps: usize,
    /// Evaluate after every step `s` (0-based) with `s mod eval_every = 0`, and after the last.
    pub eval_every: usize,
    /// Pruning chain only: the 0-based step after which the weights are scored for the next
    /// round (the notebook prunes `results['checkpoints'][-1]`, the checkpoint of step 1000;
    /// must be an evaluation step).
    #[serde(default)]
    pub score_step: Option<usize>,
}

impl Protocol {
    /// Range checks; the error names the field (`what` says which protocol).
    pub fn validate(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(KitError::Invalid(format!("{what}: {m}")));
        if self.batch_size == 0 || self.steps == 0 || self.eval_every == 0 {
            return bad("batch_size, steps and eval_every must be ≥ 1".into());
        }
        if self.steps > 1_000_000 {
            return bad(format!("steps = {} is above the cap 1,000,000", self.steps));
        }
        if let Some(s) = self.score_step {
            if s >= self.steps || s % self.eval_every != 0 {
                return bad(format!(
                    "score_step = {s} must be a step below steps = {} that is a multiple of eval_every = {}",
                    self.steps, self.eval_every
                ));
            }
        }
        Ok(())
    }
}

/// MNIST-1D with a validation split: the last `validation_rows` training rows held out.
pub struct Split {
    /// Training inputs [n − v, 40] and labels.
    pub x_train: Tensor,
    /// Training labels [n − v].
    pub y_train: Tensor,
    /// Validation inputs [v, 40].
    pub x_val: Tensor,
    /// Validation labels [v].
    pub y_val: Tensor,
    /// Test inputs [1000, 40].
    pub x_test: Tensor,
    /// Test labels [1000].
    pub y_test: Tensor,
}

impl Split {
    /// Holds out the last `validation_rows` of the 4000 training rows (the notebook has no
    /// validation set; the rows are in the generator's random order).
    ///
    /// Errors: `validation_rows` not in 1..n.
    pub fn new(data: &Mnist1d, validation_rows: usize) -> Result<Self> {
        let n = data.x_train.dim(0)?;
        if validation_rows == 0 || validation_rows >= n {
            return Err(KitError::Invalid(format!(
                "validation_rows = {validation_rows} must be in 1..{n}"
            )));
        }
        let t = n - validation_rows;
        Ok(Self {
            x_train: data.x_train.narrow(0, 0, t)?,
            y_train: data.y_train.narrow(0, 0, t)?,
            x_val: data.x_train.narrow(0, t, validation_rows)?,
            y_val: data.y_train.narrow(0, t, validation_rows)?,
            x_test: data.x_test.clone(),
            y_test: data.y_test.clone(),
        })
    }
}

/// What one training measured.
pub struct Trained {
    /// The kit's fit report (curves `test_accuracy`, `validation_accuracy`, `train_loss`).
    pub report: FitReport,
    /// Test accuracy after the last step (protocol "final").
    pub test_final: f64,
    /// The largest test accuracy over the evaluations (protocol "best_test_epoch": the
    /// notebook's `max_acc`).
    pub test_max: f64,
    /// Test accuracy at the first evaluation with the highest validation accuracy (protocol
    /// "best_val_epoch").
    pub test_at_best_val: f64,
    /// The weights after `score_step`, if the protocol names one.
    pub scored: Option<Snapshot>,
}

/// Trains `model` as it is under `masks` (pruned weights zeroed first and after every step)
/// with Adam(`lr`) for `p.steps` steps on `data`.
///
/// Errors: a failed tensor operation; a `score_step` that was never evaluated.
pub fn train(
    model: &Model,
    masks: &MaskSet,
    p: &Protocol,
    lr: f64,
    data: &Split,
    progress: &dyn Progress,
) -> Result<Trained> {
    let vars = model.vars();
    let mut opt = Masked::new(
        Adam::new(vars.clone(), lr, 0.0)?,
        vars.clone(),
        masks.clone(),
    )?;
    let n = data.x_train.dim(0)?;
    let plan = FitPlan {
        steps: p.steps as u64,
        schedule: Schedule::EverySteps(p.eval_every as u64),
    };
    let mut scored = None;
    let report = fit(
        &plan,
        &mut opt,
        |step| Ok(batch_in_order(step as usize, p.batch_size, n)),
        |&(a, b)| {
            Ok(StepLoss {
                loss: cross_entropy(
                    &model.forward(&data.x_train.narrow(0, a, b - a)?)?,
                    &data.y_train.narrow(0, a, b - a)?,
                )?,
                examples: b - a,
            })
        },
        |s| {
            if p.score_step == Some(s as usize) {
                scored = Some(Snapshot::capture(&vars)?);
            }
            Ok(BTreeMap::from([
                (
                    "test_accuracy".to_string(),
                    accuracy(&model.forward(&data.x_test)?, &data.y_test)?,
                ),
                (
                    "validation_accuracy".to_string(),
                    accuracy(&model.forward(&data.x_val)?, &data.y_val)?,
                ),
            ]))
        },
        progress,
    )?;
    if report.divergence.is_none() && p.score_step.is_some() && scored.is_none() {
        return Err(KitError::Invalid(format!(
            "score_step {:?} was never evaluated",
            p.score_step
        )));
    }
    let (test_final, test_at_best_val) = protocols(&report);
    Ok(Trained {
        test_max: report.max_of("test_accuracy"),
        test_final,
        test_at_best_val,
        scored,
        report,
    })
}

/// (final test accuracy, test accuracy at the first evaluation of highest validation accuracy);
/// NaN when nothing was evaluated.
fn protocols(report: &FitReport) -> (f64, f64) {
    let (Some(test), Some(val)) = (
        report.curves.get("test_accuracy"),
        report.curves.get("validation_accuracy"),
    ) else {
        return (f64::NAN, f64::NAN);
    };
    let last = test.last().map_or(f64::NAN, |p| p.1);
    let mut best = (f64::NEG_INFINITY, f64::NAN);
    for (v, t) in val.iter().zip(test) {
        if v.1 > best.0 {
            best = (v.1, t.1);
        }
    }
    (last, best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_validation_epoch_takes_the_first_maximum() {
        let mut r = FitReport::default();
        r.curves.insert(
            "test_accuracy".into(),
            vec![(0.0, 0.5), (1.0, 0.6), (2.0, 0.7), (3.0, 0.65)],
        );
        r.curves.insert(
            "validation_accuracy".into(),
            vec![(0.0, 0.4), (1.0, 0.8), (2.0, 0.8), (3.0, 0.7)],
        );
        assert_eq!(protocols(&r), (0.65, 0.6));
        assert!(protocols(&FitReport::default()).0.is_nan());
    }

    #[test]
    fn a_score_step_off_the_evaluation_grid_is_rejected() {
        let p = Protocol {
            batch_size: 100,
            steps: 1501,
            eval_every: 100,
            score_step: Some(1050),
        };
        assert!(p.validate("chain").is_err());
        let ok = Protocol {
            score_step: Some(1000),
            ..p
        };
        assert!(ok.validate("chain").is_ok());
    }
}
