//! The notebook's training loop (`model.fit(X_train, y_train, batch_size=64, epochs=50,
//! validation_data=(X_val, y_val))`, then `model.evaluate(X_test, y_test)`), epoch by epoch,
//! with the test set also evaluated after every epoch so that "final epoch" and "best epoch"
//! protocols can be compared.

use crate::model::{Cnn, Masks};
use crate::{Hyperparameters, SIDE};
use candle_core::Tensor;
use repro_kit::data::batching::ShuffledEpochs;
use repro_kit::data::fashion_mnist::{FashionMnist, Split};
use repro_kit::denormal::FlushDenormals;
use repro_kit::fit::{fit, FitPlan, FitReport, StepLoss};
use repro_kit::loss::{keras_categorical_crossentropy, nan_probe};
use repro_kit::metrics::accuracy;
use repro_kit::optim::{Adam, AdamParams};
use repro_kit::rng::{self, Rng};
use repro_kit::{Curve, Progress, Result, RunOutput};
use std::collections::BTreeMap;

/// Metrics a run returns (accuracies are fractions in [0, 1]):
/// - `test_accuracy`: test accuracy after the last epoch (the notebook's protocol);
/// - `best_test_accuracy`: the highest per-epoch test accuracy (selection on the test set);
/// - `best_val_epoch_test_accuracy`: test accuracy after the first epoch with the highest
///   validation accuracy (early stopping on validation);
/// - `val_accuracy`, `best_val_accuracy`: validation accuracy after the last epoch, its maximum;
/// - `final_train_loss`: mean batch loss of the last epoch (Keras' `loss`, dropout on; nats);
/// - `train_seconds`: seconds of optimisation (batches, forward, backward, update; evaluation
///   excluded); `epoch_seconds`: their mean per epoch; `train_examples_per_second`: training
///   examples per second of it. The three are timings (machine- and load-dependent).
pub const METRICS: &[&str] = &[
    "test_accuracy",
    "best_test_accuracy",
    "best_val_epoch_test_accuracy",
    "val_accuracy",
    "best_val_accuracy",
    "final_train_loss",
    "train_seconds",
    "epoch_seconds",
    "train_examples_per_second",
];

/// Images per forward pass when evaluating (memory bound: the second convolution's patches of
/// 500 images are 70 MB); the accuracy does not depend on it.
const EVAL_BATCH: usize = 500;

/// [n, 784] → [n, 1, 28, 28] (Keras `reshape(n, 28, 28, 1)`; one channel, so NCHW = NHWC).
pub fn as_images(x: &Tensor) -> Result<Tensor> {
    Ok(x.reshape(((), 1, SIDE, SIDE))?)
}

/// Accuracy (fraction) of `model` on images `x` [n, 1, 28, 28], labels `y` [n] (U32), dropout
/// off, evaluated in chunks of 500 images (the arg-max of the logits, as the softmax's).
pub fn evaluate(model: &Cnn, x: &Tensor, y: &Tensor) -> Result<f64> {
    let n = x.dim(0)?;
    let mut correct = 0.0;
    for start in (0..n).step_by(EVAL_BATCH) {
        let len = EVAL_BATCH.min(n - start);
        let acc = accuracy(
            &model.forward(&x.narrow(0, start, len)?, None)?,
            &y.narrow(0, start, len)?,
        )?;
        correct += acc * len as f64;
    }
    Ok(if n == 0 { f64::NAN } else { correct / n as f64 })
}

/// Keras' softmax activation of `logits` [batch, classes] → probabilities (rows sum to 1),
/// differentiable (candle's composed `softmax`; its fused `softmax_last_dim` has no backward).
fn softmax(logits: &Tensor) -> Result<Tensor> {
    Ok(candle_nn::ops::softmax(logits, 1)?)
}

/// The training loss of a batch (nats, a differentiable scalar): Keras'
/// `categorical_crossentropy` of the softmax of `model`'s logits on `xb` [batch, 1, 28, 28]
/// (dropout `masks`) against one-hot `yb` [batch, 10], plus 0 × a probe that is NaN exactly
/// when Keras would report a NaN loss ([`nan_probe`]).
pub fn batch_loss(model: &Cnn, xb: &Tensor, yb: &Tensor, masks: Option<&Masks>) -> Result<Tensor> {
    let probs = softmax(&model.forward(xb, masks)?)?;
    Ok((keras_categorical_crossentropy(&probs, yb)? + nan_probe(&probs)?.affine(0.0, 0.0)?)?)
}

/// 1-based epoch of the first maximum of a per-epoch curve (Keras `ModelCheckpoint(
/// save_best_only=True)` keeps the first of equal values); `None` if empty.
pub fn best_epoch(curve: &Curve) -> Option<usize> {
    let mut best: Option<(f64, f64)> = None;
    for &(epoch, v) in curve {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((epoch, v));
        }
    }
    best.map(|(e, _)| e as usize)
}

/// The stream of the validation split: `h.split_seed` when set (one split for every run, as
/// the notebook's `random_state=101`), else the run's seed.
fn split_rng(h: &Hyperparameters, seed: u64) -> Rng {
    rng::stream(h.split_seed.unwrap_or(seed), "validation-split")
}

/// The Keras 2.0 Adam of the notebook (`optimizer='adam'`): lr 0.001, β = (0.9, 0.999), ε as
/// `h.adam_epsilon` (see the crate docs for where ε enters).
fn adam(h: &Hyperparameters, model: &Cnn) -> Result<Adam> {
    Adam::with_params(
        model.vars(),
        AdamParams {
            lr: h.learning_rate,
            eps: h.adam_epsilon,
            ..AdamParams::default()
        },
    )
}

/// Splits `data` (see [`split_rng`]) and trains; see [`train`].
pub fn run(
    h: &Hyperparameters,
    data: &FashionMnist,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    progress.phase("splitting");
    let split = data.split(h.validation_fraction, &mut split_rng(h, seed))?;
    train(h, &split, seed, progress)
}

/// Trains a fresh model (initialisation from stream `"init"`, batch order from `"batches"`,
/// dropout masks from `"dropout"`, all under `seed`) for `h.epochs` epochs on `split` with the
/// kit's [`fit`]: each epoch's batches follow a fresh permutation (Keras `fit(shuffle=True)`),
/// validation and test accuracy are evaluated after every epoch. A non-finite loss (or one
/// Keras would report as NaN) stops training and marks the run diverged (metrics NaN).
/// Subnormals are flushed to zero, as TensorFlow does.
pub fn train(
    h: &Hyperparameters,
    split: &Split,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let flush = FlushDenormals::new();
    let device = split.x_train.device();
    let x_train = as_images(&split.x_train)?;
    let x_val = as_images(&split.x_val)?;
    let x_test = as_images(&split.x_test)?;
    let model = Cnn::new(h, &mut rng::stream(seed, "init"), device)?;
    let mut opt = adam(h, &model)?;
    let mut batches =
        ShuffledEpochs::new(rng::stream(seed, "batches"), split.n_train(), h.batch_size);
    let mut dropout_rng = rng::stream(seed, "dropout");
    let plan = FitPlan::epochs(h.epochs as u64, batches.steps_per_epoch());
    let report = fit(
        &plan,
        &mut opt,
        |step| batches.batch(step),
        |rows| {
            let idx = Tensor::from_slice(rows, rows.len(), device)?;
            let xb = x_train.index_select(&idx, 0)?;
            let yb = split.y_train_onehot.index_select(&idx, 0)?;
            let masks = model.masks(&mut dropout_rng, rows.len(), device)?;
            Ok(StepLoss {
                loss: batch_loss(&model, &xb, &yb, Some(&masks))?,
                examples: rows.len(),
            })
        },
        |_| {
            Ok(BTreeMap::from([
                (
                    "val_accuracy".to_string(),
                    evaluate(&model, &x_val, &split.y_val)?,
                ),
                (
                    "test_accuracy".to_string(),
                    evaluate(&model, &x_test, &split.y_test)?,
                ),
            ]))
        },
        progress,
    )?;
    output(&model, &report, split, flush.active())
}

/// The run's metrics from the training report (per-epoch curves included).
fn output(model: &Cnn, report: &FitReport, split: &Split, flushed: bool) -> Result<RunOutput> {
    let epochs_run = report.curves.get("val_accuracy").map_or(0, Vec::len);
    let out = RunOutput::builder(METRICS)
        .parameter_count(model.parameter_count())
        .fit(report)
        .extra("epochs_run", serde_json::json!(epochs_run))
        .extra(
            "rows",
            serde_json::json!({
                "train": split.n_train(),
                "validation": split.y_val.dims()[0],
                "test": split.y_test.dims()[0],
            }),
        )
        .extra("flush_denormals", serde_json::json!(flushed));
    if report.divergence.is_some() {
        return out.build();
    }
    let val = &report.curves["val_accuracy"];
    let test = &report.curves["test_accuracy"];
    let max = |c: &Curve| c.iter().map(|p| p.1).fold(f64::NAN, f64::max);
    let best = best_epoch(val);
    out.metric("test_accuracy", test.last().map_or(f64::NAN, |p| p.1))
        .metric("best_test_accuracy", max(test))
        .metric(
            "best_val_epoch_test_accuracy",
            best.map_or(f64::NAN, |e| test[e - 1].1),
        )
        .metric("val_accuracy", val.last().map_or(f64::NAN, |p| p.1))
        .metric("best_val_accuracy", max(val))
        .metric("final_train_loss", report.last_mean_loss)
        .metric("train_seconds", report.train_seconds)
        .metric(
            "epoch_seconds",
            report.train_seconds / epochs_run.max(1) as f64,
        )
        .metric("train_examples_per_second", report.examples_per_second())
        .extra("best_val_epoch", serde_json::json!(best))
        .build()
}

/// Trains on images `x` [n, 1, 28, 28] with one-hot targets `y_onehot` [n, 10] for `steps`
/// full-batch Adam steps with dropout off and returns the training accuracy. The overfitting
/// check.
pub fn fit_accuracy(
    h: &Hyperparameters,
    x: &Tensor,
    y_onehot: &Tensor,
    y: &Tensor,
    steps: usize,
) -> Result<f64> {
    let _flush = FlushDenormals::new();
    let h = Hyperparameters {
        conv_dropout: 0.0,
        dense_dropout: 0.0,
        ..h.clone()
    };
    let model = Cnn::new(&h, &mut rng::stream(0, "init"), x.device())?;
    let mut opt = adam(&h, &model)?;
    for _ in 0..steps {
        let probs = softmax(&model.forward(x, None)?)?;
        opt.backward_step(&keras_categorical_crossentropy(&probs, y_onehot)?)?;
    }
    evaluate(&model, x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_epoch_is_the_first_maximum() {
        let c: Curve = vec![(1.0, 0.5), (2.0, 0.7), (3.0, 0.7), (4.0, 0.6)];
        assert_eq!(best_epoch(&c), Some(2));
        assert_eq!(best_epoch(&Vec::new()), None);
    }
}
