//! The reference training loop (`fashion_mnist_mlp.py`: `model.fit(x_train, y_train,
//! batch_size=64, epochs=100, validation_data=(x_valid, y_valid))`, then
//! `model.evaluate(x_test, y_test)`), epoch by epoch, with the test set also evaluated after
//! every epoch so that "final epoch" and "best epoch" protocols can be compared.

use crate::data::{FashionMnist, Split};
use crate::model::Mlp;
use crate::Hyperparameters;
use candle_core::{DType, Tensor};
use repro_kit::data::batching::epoch_batches;
use repro_kit::loss::{keras_categorical_crossentropy, nan_probe};
use repro_kit::metrics::accuracy;
use repro_kit::optim::KerasSgd;
use repro_kit::rng::{self, permutation, Rng};
use repro_kit::{Curve, Progress, Result, RunOutput, RunStatus};
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

/// Per-epoch record of one run.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// Mean training batch loss of each epoch (nats).
    pub train_loss: Vec<f64>,
    /// Validation accuracy after each epoch.
    pub val_accuracy: Vec<f64>,
    /// Test accuracy after each epoch.
    pub test_accuracy: Vec<f64>,
    /// Wall-clock seconds of each epoch's training steps (evaluation excluded).
    pub epoch_seconds: Vec<f64>,
}

impl History {
    /// 1-based epoch of the first maximum of the validation accuracy (Keras
    /// `ModelCheckpoint(save_best_only=True)` keeps the first of equal values), if any epoch ran.
    pub fn best_val_epoch(&self) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in self.val_accuracy.iter().enumerate() {
            let better = match best {
                None => true,
                Some((_, b)) => v > b,
            };
            if better {
                best = Some((i, v));
            }
        }
        best.map(|(i, _)| i + 1)
    }

    fn curve(v: &[f64]) -> Curve {
        v.iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect()
    }
}

/// Trains for one epoch: batches of `h.batch_size` rows in the order of a fresh permutation
/// from `batch_rng` (Keras `fit(shuffle=True)`), dropout masks from `dropout_rng`.
/// Returns the mean batch loss, or NaN if Keras would have reported a NaN loss for some batch
/// ([`nan_probe`]).
#[allow(clippy::too_many_arguments)]
fn train_epoch(
    h: &Hyperparameters,
    model: &Mlp,
    opt: &mut KerasSgd,
    split: &Split,
    batch_rng: &mut Rng,
    dropout_rng: &mut Rng,
    progress: &dyn Progress,
    total_steps: u64,
) -> Result<f64> {
    let device = split.x_train.device();
    let order = permutation(batch_rng, split.n_train());
    let batches = epoch_batches(&order, h.batch_size);
    let mut loss_sum = Tensor::zeros((), DType::F32, device)?;
    // Non-finite exactly when Keras would report a NaN loss (see `loss::nan_probe`).
    let mut probe_sum = Tensor::zeros((), DType::F32, device)?;
    for idx in &batches {
        let idx = Tensor::from_slice(idx, idx.len(), device)?;
        let xb = split.x_train.index_select(&idx, 0)?;
        let yb = split.y_train_onehot.index_select(&idx, 0)?;
        let masks = model.dropout_masks(dropout_rng, idx.dim(0)?, h.dropout, device)?;
        let out = model.forward(&xb, masks.as_deref())?;
        let loss = keras_categorical_crossentropy(&out, &yb)?;
        opt.step(&loss.backward()?)?;
        loss_sum = (loss_sum + loss.detach())?;
        probe_sum = (probe_sum + nan_probe(&out)?)?;
        progress.step(opt.iterations(), total_steps);
    }
    if !probe_sum.to_scalar::<f32>()?.is_finite() {
        return Ok(f64::NAN);
    }
    Ok(f64::from(loss_sum.to_scalar::<f32>()?) / batches.len() as f64)
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
/// dropout masks from `"dropout"`, all under `seed`) for `h.epochs` epochs on `split`,
/// evaluating validation and test accuracy after every epoch. A non-finite epoch loss stops
/// training and marks the run diverged at that epoch (metrics NaN, curves up to the last finite
/// epoch).
pub fn train(
    h: &Hyperparameters,
    split: &Split,
    seed: u64,
    progress: &dyn Progress,
) -> Result<RunOutput> {
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
    let mut batch_rng = rng::stream(seed, "batches");
    let mut dropout_rng = rng::stream(seed, "dropout");
    let steps_per_epoch = split.n_train().div_ceil(h.batch_size) as u64;
    let total_steps = steps_per_epoch * h.epochs as u64;
    let mut hist = History::default();
    let mut status = RunStatus::Ok;
    let mut inference = None;
    progress.phase("training");
    for epoch in 1..=h.epochs {
        let t0 = Instant::now();
        let loss = train_epoch(
            h,
            &model,
            &mut opt,
            split,
            &mut batch_rng,
            &mut dropout_rng,
            progress,
            total_steps,
        )?;
        hist.epoch_seconds.push(t0.elapsed().as_secs_f64());
        if !loss.is_finite() {
            status = RunStatus::Diverged {
                step: epoch as u64,
                unit: "epoch".into(),
                loss: format!("{loss}"),
            };
            break;
        }
        hist.train_loss.push(loss);
        hist.val_accuracy
            .push(evaluate(&model, &split.x_val, &split.y_val)?);
        let t1 = Instant::now();
        hist.test_accuracy
            .push(evaluate(&model, &split.x_test, &split.y_test)?);
        inference = Some(t1.elapsed().as_secs_f64() / split.x_test.dim(0)? as f64);
        progress.step(opt.iterations(), total_steps);
    }
    Ok(output(h, split, &model, &opt, &hist, status, inference))
}

fn output(
    h: &Hyperparameters,
    split: &Split,
    model: &Mlp,
    opt: &KerasSgd,
    hist: &History,
    status: RunStatus,
    inference: Option<f64>,
) -> RunOutput {
    let train_seconds: f64 = hist.epoch_seconds.iter().sum();
    let epochs_run = hist.epoch_seconds.len();
    let throughput = (split.n_train() * epochs_run) as f64 / train_seconds.max(1e-12);
    let mut metrics = BTreeMap::new();
    let best_val_epoch = hist.best_val_epoch();
    let ok = status == RunStatus::Ok && best_val_epoch.is_some();
    let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    let values = [
        ("test_accuracy", last(&hist.test_accuracy)),
        ("best_test_accuracy", max(&hist.test_accuracy)),
        (
            "best_val_epoch_test_accuracy",
            best_val_epoch.map_or(f64::NAN, |e| hist.test_accuracy[e - 1]),
        ),
        ("val_accuracy", last(&hist.val_accuracy)),
        ("best_val_accuracy", max(&hist.val_accuracy)),
        ("final_train_loss", last(&hist.train_loss)),
    ];
    for (name, v) in values {
        metrics.insert(name.to_string(), if ok { v } else { f64::NAN });
    }
    metrics.insert("train_examples_per_second".into(), throughput);
    let mut curves = BTreeMap::new();
    curves.insert("val_accuracy".into(), History::curve(&hist.val_accuracy));
    curves.insert("test_accuracy".into(), History::curve(&hist.test_accuracy));
    curves.insert("train_loss".into(), History::curve(&hist.train_loss));
    curves.insert("epoch_seconds".into(), History::curve(&hist.epoch_seconds));
    let mut extra = BTreeMap::new();
    extra.insert("best_val_epoch".into(), serde_json::json!(best_val_epoch));
    extra.insert("epochs_run".into(), serde_json::json!(epochs_run));
    extra.insert(
        "optimizer_steps".into(),
        serde_json::json!(opt.iterations()),
    );
    extra.insert(
        "final_learning_rate".into(),
        serde_json::json!(opt.current_lr()),
    );
    extra.insert(
        "seconds_per_epoch".into(),
        serde_json::json!(train_seconds / epochs_run.max(1) as f64),
    );
    extra.insert(
        "train_examples_per_second".into(),
        serde_json::json!(throughput),
    );
    extra.insert(
        "rows".into(),
        serde_json::json!({
            "train": split.n_train(),
            "validation": split.y_val.dims()[0],
            "test": split.y_test.dims()[0],
        }),
    );
    extra.insert("init".into(), serde_json::json!(format!("{:?}", h.init)));
    RunOutput {
        metrics,
        curves,
        parameter_count: model.parameter_count(),
        train_seconds,
        inference_seconds_per_example: inference,
        status,
        extra,
    }
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
