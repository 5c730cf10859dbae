//! The training loop every paper shares: a step budget, an evaluation schedule, curves,
//! divergence with the step it happened at, throughput, and `train_seconds` that means
//! optimisation only.
//!
//! A paper gives [`fit`] four things: where its batches come from (a closure over the step,
//! usually backed by [`crate::data::batching`]), how a batch becomes a scalar loss, an
//! optimizer, and how to evaluate. The loop runs the optimizer steps in order, stops at the
//! first non-finite loss (recorded as a [`Divergence`], never dropped), evaluates on the
//! schedule, and times optimisation and evaluation apart. Papers whose loop is genuinely
//! different (RL rollouts, MC-dropout prediction) use the pieces — [`scalar_loss`],
//! [`Divergence`], [`crate::output::RunOutputBuilder`] — without `fit`.

use crate::{Curve, DivergenceReason, Progress, Result, RunStatus};
use candle_core::Tensor;
use candle_nn::Optimizer;
use std::collections::BTreeMap;
use std::time::Instant;

/// Reads a scalar loss as f64 and tells whether it is finite; a non-finite loss means the run
/// diverged and must be recorded as such (never dropped).
pub fn scalar_loss(loss: &Tensor) -> Result<(f64, bool)> {
    let v = f64::from(loss.to_dtype(candle_core::DType::F32)?.to_scalar::<f32>()?);
    Ok((v, v.is_finite()))
}

/// The unit in which a divergence point or a curve's x is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Optimizer steps (0-based index of the step).
    Step,
    /// Epochs (1-based: epoch 1 is the first pass).
    Epoch,
}

impl Unit {
    /// `"step"` or `"epoch"`, as stored in records.
    pub fn as_str(&self) -> &'static str {
        match self {
            Unit::Step => "step",
            Unit::Epoch => "epoch",
        }
    }
}

/// Where and why a run diverged.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// The step (0-based) or epoch (1-based) at which the value was first non-finite.
    pub step: u64,
    /// Unit of `step`.
    pub unit: Unit,
    /// What was non-finite.
    pub reason: DivergenceReason,
    /// The offending value (NaN or ±∞).
    pub value: f64,
}

impl Divergence {
    /// The run status this divergence gives.
    pub fn status(&self) -> RunStatus {
        RunStatus::Diverged {
            step: self.step,
            unit: self.unit.as_str().to_string(),
            loss: format!("{}", self.value),
            reason: self.reason,
        }
    }
}

/// When to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Never during training (the paper evaluates once, after [`fit`] returns).
    Never,
    /// After every step `s` (0-based) with `s % k == 0`, and after the last step (the MNIST-1D
    /// reference: `k = 250`, steps 0..=6000). Curves' x is the step index.
    EverySteps(u64),
    /// After the last step of every epoch of `steps_per_epoch` steps. Curves' x is the epoch
    /// (1-based).
    EveryEpoch {
        /// Optimizer steps per epoch (⌈rows / batch⌉ without `drop_last`).
        steps_per_epoch: u64,
    },
}

/// The budget and the schedule of one training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitPlan {
    /// Optimizer steps to take (for epoch budgets: epochs × steps per epoch).
    pub steps: u64,
    /// When to evaluate (and close a point of the `train_loss` curve).
    pub schedule: Schedule,
}

impl FitPlan {
    /// `epochs` passes of `steps_per_epoch` steps, evaluated after every epoch.
    pub fn epochs(epochs: u64, steps_per_epoch: u64) -> Self {
        Self {
            steps: epochs * steps_per_epoch,
            schedule: Schedule::EveryEpoch { steps_per_epoch },
        }
    }

    /// Is step `s` (0-based) followed by an evaluation, and at which curve x?
    fn eval_point(&self, s: u64) -> Option<f64> {
        let last = s + 1 == self.steps;
        match self.schedule {
            Schedule::Never => None,
            Schedule::EverySteps(k) => (s.is_multiple_of(k.max(1)) || last).then_some(s as f64),
            Schedule::EveryEpoch { steps_per_epoch } => {
                let spe = steps_per_epoch.max(1);
                ((s + 1).is_multiple_of(spe) || last).then_some((s / spe + 1) as f64)
            }
        }
    }

    /// The divergence point of step `s` in this plan's unit.
    fn divergence_point(&self, s: u64) -> (u64, Unit) {
        match self.schedule {
            Schedule::EveryEpoch { steps_per_epoch } => {
                (s / steps_per_epoch.max(1) + 1, Unit::Epoch)
            }
            _ => (s, Unit::Step),
        }
    }
}

/// One batch's loss as [`fit`] needs it.
pub struct StepLoss {
    /// The scalar loss to differentiate (nats, or the paper's unit).
    pub loss: Tensor,
    /// Examples in the batch (weights the `train_loss` curve's means; throughput).
    pub examples: usize,
}

/// What a training did.
#[derive(Debug, Clone, Default)]
pub struct FitReport {
    /// Optimizer steps taken (fewer than planned only if the run diverged).
    pub steps_done: u64,
    /// Seconds of optimisation: batch assembly, forward, backward, update. Evaluation excluded.
    pub train_seconds: f64,
    /// Seconds spent in the evaluation closure.
    pub eval_seconds: f64,
    /// Training examples processed (sum of [`StepLoss::examples`]).
    pub examples_seen: u64,
    /// `train_loss` (example-weighted mean batch loss since the previous evaluation point) and
    /// one curve per evaluated metric, x as the [`Schedule`] states.
    pub curves: BTreeMap<String, Curve>,
    /// The loss of the last step taken.
    pub last_loss: f64,
    /// The example-weighted mean loss of the steps since the last-but-one evaluation point
    /// (for an epoch schedule: the last epoch's mean loss, Keras' `loss`).
    pub last_mean_loss: f64,
    /// The metrics of the last evaluation.
    pub last_eval: BTreeMap<String, f64>,
    /// Set if a loss was non-finite; training stopped there.
    pub divergence: Option<Divergence>,
}

impl FitReport {
    /// Training examples per second of optimisation (0 if nothing was timed).
    pub fn examples_per_second(&self) -> f64 {
        if self.train_seconds > 0.0 {
            self.examples_seen as f64 / self.train_seconds
        } else {
            0.0
        }
    }

    /// The largest value of evaluated metric `name` over the curve (NaN if never evaluated).
    pub fn max_of(&self, name: &str) -> f64 {
        self.curves.get(name).map_or(f64::NAN, |c| {
            c.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max)
        })
    }
}

/// Trains: for each step `s` in `0..plan.steps`, `next_batch(s)` → `loss(&batch)` → divergence
/// check → `optimizer.backward_step`; after the steps the plan's schedule names,
/// `evaluate(s)` (timed apart). Stops at the first non-finite loss with
/// [`FitReport::divergence`] set (the step is not applied).
///
/// Errors: whatever the closures or the optimizer return (a shape error, a missing file).
pub fn fit<B, O: Optimizer>(
    plan: &FitPlan,
    optimizer: &mut O,
    mut next_batch: impl FnMut(u64) -> Result<B>,
    mut loss: impl FnMut(&B) -> Result<StepLoss>,
    mut evaluate: impl FnMut(u64) -> Result<BTreeMap<String, f64>>,
    progress: &dyn Progress,
) -> Result<FitReport> {
    let mut report = FitReport {
        last_loss: f64::NAN,
        last_mean_loss: f64::NAN,
        ..FitReport::default()
    };
    let (mut window_sum, mut window_n) = (0.0f64, 0u64);
    progress.phase("training");
    for s in 0..plan.steps {
        let t0 = Instant::now();
        let batch = next_batch(s)?;
        let StepLoss { loss: l, examples } = loss(&batch)?;
        let (value, finite) = scalar_loss(&l)?;
        if !finite {
            report.train_seconds += t0.elapsed().as_secs_f64();
            let (step, unit) = plan.divergence_point(s);
            report.divergence = Some(Divergence {
                step,
                unit,
                reason: DivergenceReason::NonFiniteLoss,
                value,
            });
            report.last_loss = value;
            return Ok(report);
        }
        optimizer.backward_step(&l)?;
        report.train_seconds += t0.elapsed().as_secs_f64();
        report.steps_done = s + 1;
        report.examples_seen += examples as u64;
        report.last_loss = value;
        window_sum += value * examples as f64;
        window_n += examples as u64;
        if let Some(x) = plan.eval_point(s) {
            let mean = window_sum / window_n.max(1) as f64;
            report.last_mean_loss = mean;
            push(&mut report.curves, "train_loss", (x, mean));
            (window_sum, window_n) = (0.0, 0);
            let t1 = Instant::now();
            let metrics = evaluate(s)?;
            report.eval_seconds += t1.elapsed().as_secs_f64();
            for (k, v) in &metrics {
                push(&mut report.curves, k, (x, *v));
            }
            report.last_eval = metrics;
            progress.step(s + 1, plan.steps);
        }
    }
    if window_n > 0 {
        report.last_mean_loss = window_sum / window_n as f64;
    }
    Ok(report)
}

fn push(curves: &mut BTreeMap<String, Curve>, name: &str, p: (f64, f64)) {
    curves.entry(name.to_string()).or_default().push(p);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;
    use candle_core::{Device, Var};
    use candle_nn::SGD;

    fn quadratic(start: f32) -> (Var, SGD) {
        let x = Var::new(&[start], &Device::Cpu).unwrap();
        let opt = SGD::new(vec![x.clone()], 0.1).unwrap();
        (x, opt)
    }

    #[test]
    fn steps_evaluations_and_curves_follow_the_plan() {
        let (x, mut opt) = quadratic(3.0);
        let plan = FitPlan {
            steps: 11,
            schedule: Schedule::EverySteps(5),
        };
        let mut evaluated = Vec::new();
        let r = fit(
            &plan,
            &mut opt,
            Ok,
            |_| {
                Ok(StepLoss {
                    loss: x.as_tensor().sqr()?.sum_all()?,
                    examples: 2,
                })
            },
            |s| {
                evaluated.push(s);
                Ok(BTreeMap::from([("x".to_string(), 1.0)]))
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(evaluated, vec![0, 5, 10]);
        assert_eq!(r.steps_done, 11);
        assert_eq!(r.examples_seen, 22);
        let xs: Vec<f64> = r.curves["train_loss"].iter().map(|p| p.0).collect();
        assert_eq!(xs, vec![0.0, 5.0, 10.0]);
        assert!(r.divergence.is_none());
        assert!(r.last_loss < 9.0);
    }

    #[test]
    fn epoch_schedule_means_the_epoch_and_counts_epochs() {
        let (x, mut opt) = quadratic(1.0);
        let plan = FitPlan::epochs(3, 4);
        let r = fit(
            &plan,
            &mut opt,
            Ok,
            |s| {
                Ok(StepLoss {
                    loss: (x.as_tensor().sqr()?.sum_all()? * 0.0)?.affine(1.0, *s as f64)?,
                    examples: 1,
                })
            },
            |_| Ok(BTreeMap::new()),
            &NoProgress,
        )
        .unwrap();
        // epoch 1: losses 0,1,2,3 → mean 1.5; epoch 3: 8..11 → 9.5
        assert_eq!(
            r.curves["train_loss"],
            vec![(1.0, 1.5), (2.0, 5.5), (3.0, 9.5)]
        );
        assert_eq!(r.last_mean_loss, 9.5);
    }

    #[test]
    fn a_non_finite_loss_stops_training_at_its_step() {
        let (x, mut opt) = quadratic(1.0);
        let plan = FitPlan::epochs(5, 4);
        let r = fit(
            &plan,
            &mut opt,
            Ok,
            |s| {
                let l = x.as_tensor().sqr()?.sum_all()?;
                let l = if *s == 6 { (l * f64::NAN)? } else { l };
                Ok(StepLoss {
                    loss: l,
                    examples: 1,
                })
            },
            |_| Ok(BTreeMap::new()),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(r.steps_done, 6);
        let d = r.divergence.unwrap();
        assert_eq!((d.step, d.unit), (2, Unit::Epoch));
        assert!(d.value.is_nan());
        assert_eq!(d.reason, DivergenceReason::NonFiniteLoss);
    }
}

/// Full-batch training: [`fit`] where every step uses the whole training set, so there is no
/// batch to fetch. `loss()` computes the loss of all training examples (e.g. multinomial
/// logistic regression on Iris, 120 rows per step); everything else — the
/// plan, divergence, evaluation schedule, curves and timings — is [`fit`]'s. With an epoch
/// schedule, one step is one epoch (`FitPlan::epochs(epochs, 1)`).
///
/// Errors: whatever the closures or the optimizer return.
pub fn fit_full_batch<O: Optimizer>(
    plan: &FitPlan,
    optimizer: &mut O,
    mut loss: impl FnMut() -> Result<StepLoss>,
    evaluate: impl FnMut(u64) -> Result<BTreeMap<String, f64>>,
    progress: &dyn Progress,
) -> Result<FitReport> {
    fit(
        plan,
        optimizer,
        |_| Ok(()),
        |_: &()| loss(),
        evaluate,
        progress,
    )
}

#[cfg(test)]
mod full_batch_tests {
    use super::*;
    use crate::NoProgress;
    use candle_core::{Device, Var};
    use candle_nn::SGD;

    #[test]
    fn full_batch_steps_descend_and_follow_the_plan() {
        let x = Var::new(&[2.0f32], &Device::Cpu).unwrap();
        let mut opt = SGD::new(vec![x.clone()], 0.25).unwrap();
        let mut calls = 0;
        let r = fit_full_batch(
            &FitPlan::epochs(4, 1),
            &mut opt,
            || {
                calls += 1;
                Ok(StepLoss {
                    loss: x.as_tensor().sqr()?.sum_all()?,
                    examples: 3,
                })
            },
            |_| Ok(BTreeMap::new()),
            &NoProgress,
        )
        .unwrap();
        assert_eq!((calls, r.steps_done, r.examples_seen), (4, 4, 12));
        // x ← x − 0.25 · 2x halves x each step: losses 4, 1, 1/4, 1/16
        assert_eq!(
            r.curves["train_loss"],
            vec![(1.0, 4.0), (2.0, 1.0), (3.0, 0.25), (4.0, 0.0625)]
        );
        assert!(r.divergence.is_none());
    }
}
