//! The reference training loop (`fashion_mnist_mlp.py`: `model.fit(x_train, y_train,
//! batch_size=64, epochs=100, validation_data=(x_valid, y_valid))`, then
//! `model.evaluate(x_test, y_test)`), epoch by epoch, with the test set also evaluated after
//! every epoch so that "final epoch" and "best epoch" protocols can be compared.

use crate::data::{FashionMnist, Split};
use crate::model::Mlp;
use crate::Hyperparameters;
use candle_core::Tensor;
use repro_kit::data::batching::ShuffledEpochs;
use repro_kit::denormal::FlushDenormals;
use repro_kit::fit::{fit, FitPlan, StepLoss};
use repro_kit::loss::{keras_categorical_crossentropy, nan_probe};
use repro_kit::metrics::accuracy;
use repro_kit::nn::Parameters;
use repro_kit::optim::KerasSgd;
use repro_kit::rng;
use repro_kit::{Curve, Progress, Result, RunOutput};
use std::collections::BTreeMap;
use std::time::Instant;

/// Metrics a run returns (accuracies are fractions in [0, 1]):
/// - `test_accuracy`: test accuracy after the last epoch (the claim's protocol);
/// - `best_test_accuracy`: the highest of the per-epoch test accuracies (peeking at the test set);
/// - `best_val_epoch_test_accuracy`: test accuracy after the first epoch with the highest
///   validation accuracy (early stopping / "best checkpoint" selection on validation);
/// - `val_accuracy`: validation accuracy after the last epoch;
/// - `best_val_accuracy`: the highest per-epoch validation accuracy;
/// - `final_train_loss`: mean batch loss of the last epoch (Keras loss, with dropout; nats);
/// - `train_examples_per_second`: training examples processed per second of training time
///   (forward, backward, update; evaluation excluded).
pub const METRICS: &[&str] = &[
    "test_accuracy",
    "best_test_accuracy",
    "best_val_epoch_test_accuracy",
    "val_accuracy",
    "best_val_accuracy",
    "final_train_loss",
    "train_examples_per_second",
];

/// Accuracy (fraction) of `model` on `x` [n, 784], `y` [n] (U32), dropout off. The prediction is
/// the arg-max of the sigmoid outputs, as Keras' `categorical_accuracy` on the model's output
/// (ties, e.g. two saturated outputs, go to the lower class index).
pub fn evaluate(model: &Mlp, x: &Tensor, y: &Tensor) -> Result<f64> {
    accuracy(&model.forward(x, None)?, y)
}

/// 1-based epoch of the first maximum of `val_accuracy` (x = epoch), as Keras
/// `ModelCheckpoint(save_best_only=True)` keeps the first of equal values; `None` if empty.
pub fn best_val_epoch(val_accuracy: &Curve) -> Option<usize> {
    let mut best: Option<(f64, f64)> = None;
    for &(epoch, v) in val_accuracy {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((epoch, v));
        }
    }
    best.map(|(e, _)| e as usize)
}

/// Splits `data` into training and validation rows (seeded by `seed`, stream
/// `"validation-split"`) and trains; see [`train`].
pub fn run(
    h: &Hyperparameters,
    data: &FashionMnist,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    progress.phase("splitting");
    let split = data.split(
        h.validation_fraction,
        &mut rng::stream(seed, "validation-split"),
    )?;
    train(h, &split, seed, progress)
}

/// Trains a fresh model (initialisation from stream `"init"`, batch order from `"batches"`,
/// dropout masks from `"dropout"`, all under `seed`) for `h.epochs` epochs on `split` with the
/// kit's [`fit`] loop: each epoch's batches of `h.batch_size` rows follow a fresh permutation
/// (Keras `fit(shuffle=True)`), validation and test accuracy are evaluated after every epoch.
/// A non-finite loss — or one Keras would report as NaN ([`nan_probe`]) — stops training and
/// marks the run diverged at that epoch (metrics NaN, curves up to the last finished epoch).
/// Subnormals are flushed to zero on this thread throughout, as TensorFlow does
/// ([`FlushDenormals`]; `extra.flush_denormals` records whether it was in force).
pub fn train(
    h: &Hyperparameters,
    split: &Split,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    // TensorFlow computes with subnormals flushed to zero (see `repro_kit::denormal`).
    let flush = FlushDenormals::new();
    let device = split.x_train.device();
    let model = Mlp::new(&h.hidden, h.init, &mut rng::stream(seed, "init"), device)?;
    let mut opt = KerasSgd::new(
        model.vars(),
        h.learning_rate,
        h.momentum,
        h.decay,
        h.nesterov,
        true,
    )?;
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
            let xb = split.x_train.index_select(&idx, 0)?;
            let yb = split.y_train_onehot.index_select(&idx, 0)?;
            let masks = model.dropout_masks(&mut dropout_rng, rows.len(), h.dropout, device)?;
            let out = model.forward(&xb, masks.as_deref())?;
            // + 0·probe: NaN exactly when Keras would report a NaN loss, otherwise unchanged.
            let loss = (keras_categorical_crossentropy(&out, &yb)?
                + nan_probe(&out)?.affine(0.0, 0.0)?)?;
            Ok(StepLoss {
                loss,
                examples: rows.len(),
            })
        },
        |_| {
            Ok(BTreeMap::from([
                (
                    "val_accuracy".to_string(),
                    evaluate(&model, &split.x_val, &split.y_val)?,
                ),
                (
                    "test_accuracy".to_string(),
                    evaluate(&model, &split.x_test, &split.y_test)?,
                ),
            ]))
        },
        progress,
    )?;
    let epochs_run = report.curves.get("val_accuracy").map_or(0, Vec::len);
    let throughput = report.examples_per_second();
    let out = RunOutput::builder(METRICS)
        .parameter_count(model.parameter_count())
        .fit(&report)
        .extra("epochs_run", serde_json::json!(epochs_run))
        .extra("final_learning_rate", serde_json::json!(opt.current_lr()))
        .extra(
            "seconds_per_epoch",
            serde_json::json!(report.train_seconds / epochs_run.max(1) as f64),
        )
        .extra(
            "rows",
            serde_json::json!({
                "train": split.n_train(),
                "validation": split.y_val.dims()[0],
                "test": split.y_test.dims()[0],
            }),
        )
        .extra("init", serde_json::json!(format!("{:?}", h.init)))
        .extra("flush_denormals", serde_json::json!(flush.active()));
    if report.divergence.is_some() {
        return out.build();
    }
    let val = &report.curves["val_accuracy"];
    let test = &report.curves["test_accuracy"];
    let best_epoch = best_val_epoch(val);
    let t0 = Instant::now();
    let final_test = evaluate(&model, &split.x_test, &split.y_test)?;
    let inference = t0.elapsed().as_secs_f64() / split.x_test.dim(0)? as f64;
    let max = |c: &Curve| c.iter().map(|p| p.1).fold(f64::NAN, f64::max);
    out.metric("test_accuracy", final_test)
        .metric("best_test_accuracy", max(test))
        .metric(
            "best_val_epoch_test_accuracy",
            best_epoch.map_or(f64::NAN, |e| test[e - 1].1),
        )
        .metric("val_accuracy", val.last().map_or(f64::NAN, |p| p.1))
        .metric("best_val_accuracy", max(val))
        .metric("final_train_loss", report.last_mean_loss)
        .metric("train_examples_per_second", throughput)
        .extra("best_val_epoch", serde_json::json!(best_epoch))
        .inference_seconds_per_example(inference)
        .build()
}

/// Trains on `x` [n, 784] with one-hot targets `y_onehot` [n, 10] for `steps` full-batch
/// optimizer steps (no shuffling, dropout as `h.dropout`) and returns the training accuracy
/// (dropout off). Used by the overfitting test.
pub fn fit_accuracy(
    h: &Hyperparameters,
    x: &Tensor,
    y_onehot: &Tensor,
    y: &Tensor,
    steps: usize,
    seed: u64,
) -> Result<f64> {
    let _flush = FlushDenormals::new();
    let model = Mlp::new(
        &h.hidden,
        h.init,
        &mut rng::stream(seed, "init"),
        x.device(),
    )?;
    let mut opt = KerasSgd::new(
        model.vars(),
        h.learning_rate,
        h.momentum,
        h.decay,
        h.nesterov,
        true,
    )?;
    let mut dropout_rng = rng::stream(seed, "dropout");
    for _ in 0..steps {
        let masks = model.dropout_masks(&mut dropout_rng, x.dim(0)?, h.dropout, x.device())?;
        let loss = keras_categorical_crossentropy(&model.forward(x, masks.as_deref())?, y_onehot)?;
        opt.step(&loss.backward()?)?;
    }
    evaluate(&model, x, y)
}
