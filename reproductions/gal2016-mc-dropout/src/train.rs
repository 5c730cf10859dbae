//! Training one network (`net/net.py::net.__init__`) and one run of the benchmark
//! (`experiment.py`, one split): optional grid search over (p, τ) on an 80/20 train/validation
//! split of the training part, training on the whole training part, MC-dropout and
//! standard-dropout evaluation on the test part.

use crate::host::TrainStep;
use crate::model::{dropout_mlp, DropoutMlp};
use crate::predict::{self, Scores};
use candle_core::backprop::GradStore;
use candle_core::Device;
use repro_kit::data::uci::{Split, Standardizer, UciData};
use repro_kit::fit::{fit, Divergence, FitReport, PrecomputedLoss, Unit};
use repro_kit::nn::dropout::fill_multipliers;
use repro_kit::nn::{Parameters, UciMlpTraining};
use repro_kit::rng::stream;
use repro_kit::{DivergenceReason, KitError, Progress, Result, RunOutput};
use std::collections::BTreeMap;
use std::time::Instant;

/// Metrics a run returns:
/// - `rmse`: test RMSE of the MC-dropout predictive mean, target units (Table 1 "RMSE");
/// - `test_ll`: mean test log-likelihood of MC dropout, nats per point (Table 1 "Test LL");
/// - `rmse_standard`: test RMSE of the same network evaluated deterministically (standard
///   dropout, weight scaling), target units;
/// - `test_ll_standard`: Gaussian test log-likelihood of the deterministic prediction with the
///   same τ, nats per point;
/// - `final_train_loss`: mean training loss (standardised MSE + L2 penalty) of the last epoch.
pub const METRICS: &[&str] = &[
    "rmse",
    "test_ll",
    "rmse_standard",
    "test_ll_standard",
    "final_train_loss",
];

/// Everything one training needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Hidden units H.
    pub hidden_units: usize,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per Adam step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Adam learning rate (Keras default 1e-3).
    pub learning_rate: f64,
    /// Prior length-scale l of the weight decay.
    pub lengthscale: f64,
    /// Dropout rate p on the input and the hidden layer.
    pub dropout: f64,
    /// Model precision τ (weight decay and log-likelihood).
    pub tau: f64,
}

impl TrainSettings {
    /// The part of the settings the kit's UCI MLP protocol takes (network size, epochs, batch
    /// size, Adam learning rate).
    pub fn mlp(&self) -> UciMlpTraining {
        UciMlpTraining {
            hidden_units: self.hidden_units,
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
        }
    }
}

/// The paper's weight decay (§5.3 / eq. (7) of the appendix, `net/net.py`):
/// `λ = l²(1−p) / (2Nτ)` for `n` training rows.
pub fn weight_decay(lengthscale: f64, dropout: f64, n: usize, tau: f64) -> f64 {
    lengthscale.powi(2) * (1.0 - dropout) / (2.0 * n as f64 * tau)
}

/// A trained network and how training went.
pub struct Trained {
    /// The network after the last step (or the step before divergence).
    pub model: DropoutMlp,
    /// The kit's training report: mean training loss per epoch (`train_loss`, x = epoch),
    /// optimisation seconds, divergence (at the epoch whose loss was non-finite).
    pub report: FitReport,
}

/// One batch on the host: inputs of rows `rows` multiplied by fresh input-dropout multipliers
/// into `xm` [b, d], hidden multipliers into `hm` [b, H], standardised targets into `yb` [b]
/// (input multipliers are drawn before hidden ones, both row-major).
fn fill_batch(
    x: &[f32],
    y: &[f32],
    rows: &[u32],
    (d, h): (usize, usize),
    p: f64,
    rng: &mut repro_kit::rng::Rng,
    (xm, hm, yb): (&mut Vec<f32>, &mut Vec<f32>, &mut Vec<f32>),
) {
    let b = rows.len();
    xm.resize(b * d, 0.0);
    hm.resize(b * h, 0.0);
    fill_multipliers(rng, p, xm);
    fill_multipliers(rng, p, hm);
    for (r, &row) in rows.iter().enumerate() {
        let src = &x[row as usize * d..(row as usize + 1) * d];
        for (m, v) in xm[r * d..(r + 1) * d].iter_mut().zip(src) {
            *m *= v;
        }
    }
    yb.clear();
    yb.extend(rows.iter().map(|&r| y[r as usize]));
}

/// Trains a fresh network on standardised inputs `x` [n, d] (row-major) and targets `y` [n]
/// with the kit's [`fit`] loop: loss = mean squared error + λ(‖W₁‖² + ‖W₂‖²) with λ from
/// [`weight_decay`] (Keras adds the `l2(λ)` penalties to every batch's loss),
/// Adam(lr, β = (0.9, 0.999)), rows reshuffled every epoch (Keras `fit(shuffle=True)`).
/// The loss and its gradients are computed on the host ([`TrainStep`], checked against candle's
/// autograd) and handed to `fit` as a [`PrecomputedLoss`], which steps the kit's Adam with
/// them. The loss is recorded at f32 precision (rounded to f32, then widened), as the loss
/// tensor of the candle network. Streams: `init/{label}`, `batches/{label}`, `dropout/{label}`
/// under `seed`. A non-finite loss stops training: diverged at that epoch.
pub fn train(
    s: &TrainSettings,
    x: &[f32],
    y: &[f32],
    seed: u64,
    label: &str,
    progress: &dyn Progress,
) -> Result<Trained> {
    let n = y.len();
    if n == 0 || x.len() / n * n != x.len() {
        return Err(KitError::Invalid(format!(
            "train: {} input values for {n} targets",
            x.len()
        )));
    }
    let d = x.len() / n;
    let model = dropout_mlp(
        &mut stream(seed, &format!("init/{label}")),
        d,
        s.hidden_units,
        &Device::Cpu,
    )?;
    let reg = weight_decay(s.lengthscale, s.dropout, n, s.tau);
    let mlp = s.mlp();
    let mut opt = mlp.adam(model.vars())?;
    let mut batches = mlp.batches(stream(seed, &format!("batches/{label}")), n);
    let mut mask_rng = stream(seed, &format!("dropout/{label}"));
    let plan = mlp.plan(&batches);
    let mut step = TrainStep::new();
    let (mut xm, mut hm, mut yb) = (Vec::new(), Vec::new(), Vec::new());
    let report = fit(
        &plan,
        &mut opt,
        |step| batches.batch(step),
        |rows| {
            fill_batch(
                x,
                y,
                rows,
                (d, s.hidden_units),
                s.dropout,
                &mut mask_rng,
                (&mut xm, &mut hm, &mut yb),
            );
            let loss = step.loss_and_gradients(&model, &xm, &hm, &yb, reg)?;
            let mut grads = GradStore::default();
            step.store(&model, &mut grads)?;
            Ok(PrecomputedLoss {
                value: f64::from(loss as f32),
                grads,
                examples: rows.len(),
            })
        },
        |_| Ok(BTreeMap::new()),
        progress,
    )?;
    Ok(Trained { model, report })
}

/// A training part and an evaluation part, standardised with statistics of the training part
/// only.
pub struct Prepared {
    /// Fitted on the training rows only.
    pub standardizer: Standardizer,
    /// Standardised training inputs [n_train, d].
    pub x_train: Vec<f32>,
    /// Standardised training targets [n_train].
    pub y_train: Vec<f32>,
    /// Standardised evaluation inputs [n_eval, d].
    pub x_eval: Vec<f32>,
    /// Evaluation targets in the target's units [n_eval].
    pub y_eval: Vec<f64>,
}

impl Prepared {
    /// Selects rows `train` and `eval` of `data` (in that order) and standardises both with the
    /// training rows' statistics.
    pub fn new(data: &UciData, train: &[usize], eval: &[usize]) -> Self {
        let (tr, ev) = (data.select(train), data.select(eval));
        let standardizer = Standardizer::fit(&tr);
        Self {
            x_train: standardizer.inputs(&tr),
            y_train: standardizer.targets(&tr),
            x_eval: standardizer.inputs(&ev),
            y_eval: ev.y,
            standardizer,
        }
    }
}

/// How (p, τ) are chosen for one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Given (the `fixed` protocol).
    Fixed {
        /// Dropout rate p.
        dropout: f64,
        /// Precision τ.
        tau: f64,
    },
    /// Grid search (`experiment.py` at the pinned commit): every (p, τ) of the grid (p outer,
    /// τ inner) is trained on the first ⌊(1−f)·n⌋ rows of the split's training part (file
    /// order) and scored by MC log-likelihood on the remaining rows; the first best wins.
    Grid {
        /// Candidate dropout rates.
        dropout: Vec<f64>,
        /// Candidate precisions.
        tau: Vec<f64>,
        /// Share f of the training part held out for validation (reference 0.2).
        validation_fraction: f64,
        /// MC passes on the validation rows (reference 10,000).
        validation_passes: usize,
    },
}

/// Everything one run needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Network and optimiser; `dropout` and `tau` are overwritten by the selection.
    pub train: TrainSettings,
    /// How (p, τ) are chosen.
    pub selection: Selection,
    /// MC passes T on the test rows (paper: 10,000).
    pub mc_passes: usize,
}

/// One grid point's validation result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GridPoint {
    /// Dropout rate p.
    pub dropout: f64,
    /// Precision τ.
    pub tau: f64,
    /// MC log-likelihood on the validation rows (NaN if training diverged), nats per point.
    pub validation_ll: f64,
    /// MC RMSE on the validation rows (NaN if training diverged), target units.
    pub validation_rmse: f64,
}

/// The grid search of [`Selection::Grid`] on `data`'s training part `train` (file order).
/// Returns every grid point's validation scores and the index of the best (None if every
/// point diverged). `what` prefixes progress phases (dataset and split).
#[allow(clippy::too_many_arguments)]
pub fn grid_search(
    base: &TrainSettings,
    grid: (&[f64], &[f64]),
    validation_fraction: f64,
    validation_passes: usize,
    data: &UciData,
    train_rows: &[usize],
    seed: u64,
    what: &str,
    progress: &dyn Progress,
) -> Result<(Vec<GridPoint>, Option<usize>)> {
    let n_fit = ((1.0 - validation_fraction) * train_rows.len() as f64) as usize;
    if n_fit == 0 || n_fit == train_rows.len() {
        return Err(KitError::Invalid(format!(
            "grid search: {} training rows cannot be split {validation_fraction} for validation",
            train_rows.len()
        )));
    }
    let prep = Prepared::new(data, &train_rows[..n_fit], &train_rows[n_fit..]);
    let total = grid.0.len() * grid.1.len();
    let mut points: Vec<GridPoint> = Vec::with_capacity(total);
    let mut best: Option<usize> = None;
    for &dropout in grid.0 {
        for &tau in grid.1 {
            let i = points.len();
            let label = format!("grid/p={dropout}/tau={tau}");
            let s = TrainSettings {
                dropout,
                tau,
                ..base.clone()
            };
            progress.phase(&format!(
                "{what} grid point {}/{total} p={dropout} tau={tau}: training",
                i + 1
            ));
            let trained = train(&s, &prep.x_train, &prep.y_train, seed, &label, progress)?;
            let scores = if trained.report.divergence.is_none() {
                progress.phase(&format!(
                    "{what} grid point {}/{total} p={dropout} tau={tau}: validation MC",
                    i + 1
                ));
                predict::mc_dropout(
                    &trained.model,
                    &prep.x_eval,
                    &prep.y_eval,
                    &prep.standardizer,
                    dropout,
                    tau,
                    validation_passes,
                    &mut stream(seed, &format!("mc/{label}")),
                    progress,
                )?
            } else {
                Scores {
                    rmse: f64::NAN,
                    log_likelihood: f64::NAN,
                }
            };
            // `ll > best_ll` as the reference: the first of equal scores wins, NaN never does.
            let better = match best {
                None => scores.log_likelihood.is_finite(),
                Some(b) => scores.log_likelihood > points[b].validation_ll,
            };
            if better {
                best = Some(i);
            }
            points.push(GridPoint {
                dropout,
                tau,
                validation_ll: scores.log_likelihood,
                validation_rmse: scores.rmse,
            });
        }
    }
    Ok((points, best))
}

/// One run: split `seed` of `data` (`split`), hyperparameters chosen by `settings.selection`,
/// a network trained on the whole training part with stream label `final`, and its test
/// metrics ([`METRICS`]). `what` names dataset and split in progress phases. The chosen (p, τ)
/// and the grid's validation table go into `extra`; the grid search's time is
/// `selection_seconds`, the final training's `train_seconds`.
pub fn run_split(
    settings: &RunSettings,
    data: &UciData,
    split: &Split,
    seed: u64,
    what: &str,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    let mut out = RunOutput::builder(METRICS)
        .extra("n_train", serde_json::json!(split.train.len()))
        .extra("n_test", serde_json::json!(split.test.len()));
    let (dropout, tau) = match &settings.selection {
        Selection::Fixed { dropout, tau } => (*dropout, *tau),
        Selection::Grid {
            dropout,
            tau,
            validation_fraction,
            validation_passes,
        } => {
            let t0 = Instant::now();
            let (points, best) = grid_search(
                &settings.train,
                (dropout, tau),
                *validation_fraction,
                *validation_passes,
                data,
                &split.train,
                seed,
                what,
                progress,
            )?;
            out = out
                .extra("grid", serde_json::json!(points))
                .selection_seconds(t0.elapsed().as_secs_f64());
            let Some(b) = best else {
                return out
                    .diverged(Divergence {
                        step: 0,
                        unit: Unit::Epoch,
                        reason: DivergenceReason::EveryCandidateDiverged,
                        value: f64::NAN,
                    })
                    .build();
            };
            (points[b].dropout, points[b].tau)
        }
    };
    let s = TrainSettings {
        dropout,
        tau,
        ..settings.train.clone()
    };
    out = out
        .extra("dropout", serde_json::json!(dropout))
        .extra("tau", serde_json::json!(tau))
        .extra(
            "weight_decay",
            serde_json::json!(weight_decay(s.lengthscale, dropout, split.train.len(), tau)),
        );
    let prep = Prepared::new(data, &split.train, &split.test);
    progress.phase(&format!("{what} p={dropout} tau={tau}: training"));
    let trained = train(&s, &prep.x_train, &prep.y_train, seed, "final", progress)?;
    out = out
        .parameter_count(trained.model.parameter_count())
        .fit(&trained.report);
    if trained.report.divergence.is_some() {
        return out.build();
    }
    progress.phase(&format!(
        "{what} p={dropout} tau={tau}: MC dropout, {} passes",
        settings.mc_passes
    ));
    let t1 = Instant::now();
    let mc = predict::mc_dropout(
        &trained.model,
        &prep.x_eval,
        &prep.y_eval,
        &prep.standardizer,
        dropout,
        tau,
        settings.mc_passes,
        &mut stream(seed, "mc/final"),
        progress,
    )?;
    let inference = t1.elapsed().as_secs_f64() / split.test.len() as f64;
    let (standard, _) = predict::deterministic(
        &trained.model,
        &prep.x_eval,
        &prep.y_eval,
        &prep.standardizer,
        tau,
    )?;
    out.metric("rmse", mc.rmse)
        .metric("test_ll", mc.log_likelihood)
        .metric("rmse_standard", standard.rmse)
        .metric("test_ll_standard", standard.log_likelihood)
        .metric("final_train_loss", trained.report.last_mean_loss)
        .inference_seconds_per_example(inference)
        .build()
}
