//! The reference training loop (`mnist1d/train.py::train_model`), step by step.

use crate::models::Model;
use crate::Hyperparameters;
use candle_core::{Device, Tensor};
use repro_kit::data::batching::batch_in_order;
use repro_kit::data::mnist1d::Mnist1d;
use repro_kit::fit::{fit, FitPlan, Schedule, StepLoss};
use repro_kit::loss::cross_entropy;
use repro_kit::metrics::accuracy;
use repro_kit::nn::{Layer, Parameters};
use repro_kit::optim::Adam;
use repro_kit::{rng, Progress, Result, RunOutput};
use std::collections::BTreeMap;
use std::time::Instant;

/// Metrics a run returns (all accuracies are fractions in [0, 1]):
/// - `test_accuracy`: test accuracy after the last optimizer step (the claims' metric);
/// - `max_test_accuracy`: the best of the every-`eval_every`-steps evaluations;
/// - `train_accuracy`: accuracy on all 4000 training examples after the last step;
/// - `final_train_loss`: cross-entropy of the last training batch (nats).
pub const METRICS: &[&str] = &[
    "test_accuracy",
    "max_test_accuracy",
    "train_accuracy",
    "final_train_loss",
];

/// One optimizer step on rows `[start, end)` of `x`/`y`; returns the batch loss (nats).
fn train_step(model: &Model, opt: &mut Adam, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let loss = cross_entropy(&model.forward(x)?, y, 0.0)?;
    opt.backward_step(&loss)?;
    Ok(loss)
}

/// Accuracy (fraction) of `model` on `x` [n, 40], `y` [n].
pub fn evaluate(model: &Model, x: &Tensor, y: &Tensor) -> Result<f64> {
    accuracy(&model.forward(x)?, y)
}

/// Trains a fresh model of `h.model` on `data` with seed `seed` for steps `0..=h.total_steps`
/// (the kit's [`fit`] loop, batches taken in order), evaluating test accuracy after every step
/// divisible by `h.eval_every` (and after the last step). A non-finite batch loss stops training
/// and marks the run diverged (NaN metrics).
pub fn run(
    h: &Hyperparameters,
    data: &Mnist1d,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let model = Model::new(&h.model, &mut rng::stream(seed, "init"), device)?;
    let mut opt = Adam::new(model.vars(), h.learning_rate, h.weight_decay)?;
    let n_train = data.x_train.dim(0)?;
    let plan = FitPlan {
        steps: h.total_steps as u64 + 1,
        schedule: Schedule::EverySteps(h.eval_every as u64),
    };
    let report = fit(
        &plan,
        &mut opt,
        |step| Ok(batch_in_order(step as usize, h.batch_size, n_train)),
        |&(start, end)| {
            let xb = data.x_train.narrow(0, start, end - start)?;
            let yb = data.y_train.narrow(0, start, end - start)?;
            Ok(StepLoss {
                loss: cross_entropy(&model.forward(&xb)?, &yb, 0.0)?,
                examples: end - start,
            })
        },
        |_| {
            Ok(BTreeMap::from([(
                "test_accuracy".to_string(),
                evaluate(&model, &data.x_test, &data.y_test)?,
            )]))
        },
        progress,
    )?;
    let out = RunOutput::builder(METRICS)
        .parameter_count(model.parameter_count())
        .fit(&report);
    if report.divergence.is_some() {
        return out.build();
    }
    let t0 = Instant::now();
    let final_acc = evaluate(&model, &data.x_test, &data.y_test)?;
    let inference = t0.elapsed().as_secs_f64() / data.x_test.dim(0)? as f64;
    out.metric("test_accuracy", final_acc)
        .metric("max_test_accuracy", report.max_of("test_accuracy"))
        .metric(
            "train_accuracy",
            evaluate(&model, &data.x_train, &data.y_train)?,
        )
        .metric("final_train_loss", report.last_loss)
        .inference_seconds_per_example(inference)
        .build()
}

/// Trains on `x` [n, 40], `y` [n] (in-order batches of `batch`) for `steps` steps and returns the
/// final training accuracy; used by the overfitting test.
pub fn fit_accuracy(
    h: &Hyperparameters,
    x: &Tensor,
    y: &Tensor,
    steps: usize,
    seed: u64,
) -> Result<f64> {
    let model = Model::new(&h.model, &mut rng::stream(seed, "init"), x.device())?;
    let mut opt = Adam::new(model.vars(), h.learning_rate, h.weight_decay)?;
    let n = x.dim(0)?;
    for step in 0..steps {
        let (s, e) = batch_in_order(step, h.batch_size, n);
        train_step(
            &model,
            &mut opt,
            &x.narrow(0, s, e - s)?,
            &y.narrow(0, s, e - s)?,
        )?;
    }
    evaluate(&model, x, y)
}
