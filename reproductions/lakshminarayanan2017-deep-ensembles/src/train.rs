//! Training the members and one run of the benchmark (one split).
//!
//! Each member is trained independently (Algorithm 1: "train networks independently in
//! parallel") on the whole training part (§2.4: "We used the entire training dataset to train
//! each network […] random initialization of the NN parameters, along with random shuffling of
//! the data points, was sufficient"), minimising the Gaussian negative log-likelihood (eq. 1)
//! with Adam, batches of 100, 40 epochs (§3.1, §3.3). Member `i` draws its initialisation from
//! `member/{i}/init` and its batch order from `member/{i}/batches` under the run's seed, so
//! members are independent and adding a member never changes the others.

use crate::mixture::{self, Gaussian};
use crate::model::GaussianMlp;
use candle_core::{Device, Tensor};
use repro_kit::data::uci::{Split, Standardizer, UciData};
use repro_kit::fit::{fit, FitReport, StepLoss};
use repro_kit::nn::{Parameters, UciMlpTraining};
use repro_kit::optim::{Adam, AdamParams};
use repro_kit::rng::stream;
use repro_kit::{KitError, Progress, Result, RunOutput};
use std::collections::BTreeMap;
use std::time::Instant;

/// Metrics a run returns (NLL convention: lower is better; `test_ll` is its negative, the
/// convention of Gal & Ghahramani 2016):
/// - `rmse`: test RMSE of the ensemble mean μ*, target units (Table 1 "RMSE");
/// - `nll`: mean test NLL of the Gaussian N(μ*, σ*²), nats per point (Table 1 "NLL");
/// - `test_ll`: −`nll`, nats per point (for comparisons with gal2016's `test_ll`);
/// - `nll_mixture`: mean test NLL of the exact M-component mixture, nats per point;
/// - `rmse_member0`, `nll_member0`: member 0 alone (Table 2's "ML-1"), target units / nats;
/// - `final_train_loss`: mean over members of the last epoch's mean training NLL
///   (standardised target, ½ ln 2π included).
pub const METRICS: &[&str] = &[
    "rmse",
    "nll",
    "test_ll",
    "nll_mixture",
    "rmse_member0",
    "nll_member0",
    "final_train_loss",
];

/// Everything training one member needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Hidden units H (50; protein 100).
    pub hidden_units: usize,
    /// Passes over the training rows (40).
    pub epochs: usize,
    /// Rows per Adam step (100); the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// Adam learning rate (0.1).
    pub learning_rate: f64,
    /// Minimum variance added after the softplus (1e-6).
    pub min_variance: f64,
    /// Adam's ε ([`DEFAULT_ADAM_EPSILON`] unless a variant probes another value).
    pub adam_epsilon: f64,
}

/// Adam's ε when a variant does not set one: 1e-8, the default of TensorFlow's and PyTorch's
/// Adam (the paper does not state ε).
pub const DEFAULT_ADAM_EPSILON: f64 = 1e-8;

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

/// The per-batch training criterion: the kit's mean Gaussian NLL (eq. 1, with its ½ ln 2π
/// constant, which does not change the gradient), `½ ln(2π σ²) + (y − μ)²/(2σ²)` averaged over
/// the batch. `mean`, `var`, `y`: [b, 1]; `var` ≥ 1e-6 by construction, so the kit's 1e-6 clamp
/// never acts.
pub fn member_loss(mean: &Tensor, var: &Tensor, y: &Tensor) -> Result<Tensor> {
    repro_kit::loss::gaussian_nll(mean, var, y)
}

/// A trained member and how its training went.
pub struct Member {
    /// The network after the last step (or at divergence).
    pub model: GaussianMlp,
    /// The kit's fit report: `train_loss` per epoch, seconds, divergence.
    pub report: FitReport,
}

/// The overfit-a-tiny-batch check (`harness check`, and the crate's test): one member with
/// `hidden_units` ReLU units and variance floor `min_variance` trained on 8 rows of the line
/// y = 2x (x evenly spaced in [−1, 0.75]) as one batch, 3000 Adam steps at learning rate 0.01.
/// It must drive the mean Gaussian NLL from above 1 to below −1 nats (the variance collapses
/// towards the floor) and fit every mean within 0.1 of its target. Errors: as [`train_member`].
pub fn overfit(hidden_units: usize, min_variance: f64) -> Result<repro_kit::reproduction::Overfit> {
    let x: Vec<f32> = (0..8).map(|i| i as f32 / 4.0 - 1.0).collect();
    let y: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
    let s = TrainSettings {
        hidden_units,
        epochs: 3000,
        batch_size: 8,
        learning_rate: 0.01,
        min_variance,
        adam_epsilon: DEFAULT_ADAM_EPSILON,
    };
    let m = train_member(&s, &x, &y, 0, 0, &repro_kit::NoProgress)?;
    let losses = m
        .report
        .curves
        .get("train_loss")
        .cloned()
        .unwrap_or_default();
    let first = losses.first().map_or(f64::NAN, |p| p.1);
    let last = losses.last().map_or(f64::NAN, |p| p.1);
    let p = predict(&m.model, &x)?;
    let worst = p
        .mean
        .iter()
        .zip(&y)
        .map(|(mu, t)| (mu - f64::from(*t)).abs())
        .fold(0.0f64, f64::max);
    Ok(repro_kit::reproduction::Overfit {
        description: format!(
            "one member on 8 rows of y = 2x, 3000 Adam steps: training NLL {first:.2} →              {last:.2} nats (target: from > 1 to < −1), worst |mean − y| = {worst:.3}              (target < 0.1)"
        ),
        passed: m.report.divergence.is_none() && first > 1.0 && last < -1.0 && worst < 0.1,
    })
}

/// Trains member `index` on standardised inputs `x` [n, d] (row-major) and targets `y` [n] with
/// the kit's [`fit`] loop (epochs of shuffled batches, Adam). Streams `member/{index}/init` and
/// `member/{index}/batches` under `seed`. A non-finite loss stops training (diverged at that
/// epoch). Errors: `x` not a multiple of `y`'s length, empty data.
pub fn train_member(
    s: &TrainSettings,
    x: &[f32],
    y: &[f32],
    seed: u64,
    index: usize,
    progress: &dyn Progress,
) -> Result<Member> {
    let n = y.len();
    if n == 0 || !x.len().is_multiple_of(n) || x.is_empty() {
        return Err(KitError::Invalid(format!(
            "train_member: {} input values for {n} targets",
            x.len()
        )));
    }
    let d = x.len() / n;
    let dev = Device::Cpu;
    let model = GaussianMlp::new(
        &mut stream(seed, &format!("member/{index}/init")),
        d,
        s.hidden_units,
        s.min_variance,
        &dev,
    )?;
    let mlp = s.mlp();
    let mut opt = Adam::with_params(
        model.vars(),
        AdamParams {
            lr: mlp.learning_rate,
            eps: s.adam_epsilon,
            ..AdamParams::default()
        },
    )?;
    let mut batches = mlp.batches(stream(seed, &format!("member/{index}/batches")), n);
    let plan = mlp.plan(&batches);
    let report = fit(
        &plan,
        &mut opt,
        |step| batches.batch(step),
        |rows| {
            let b = rows.len();
            let mut xb = Vec::with_capacity(b * d);
            for &r in rows {
                xb.extend_from_slice(&x[r as usize * d..(r as usize + 1) * d]);
            }
            let yb: Vec<f32> = rows.iter().map(|&r| y[r as usize]).collect();
            let xb = Tensor::from_vec(xb, (b, d), &dev)?;
            let yb = Tensor::from_vec(yb, (b, 1), &dev)?;
            let (mean, var) = model.forward(&xb)?;
            Ok(StepLoss {
                loss: member_loss(&mean, &var, &yb)?,
                examples: b,
            })
        },
        |_| Ok(BTreeMap::new()),
        progress,
    )?;
    Ok(Member { model, report })
}

/// A member's prediction on standardised inputs `x` [n, d] (row-major), in standardised target
/// units (means and variances as f64).
pub fn predict(model: &GaussianMlp, x: &[f32]) -> Result<Gaussian> {
    let d = model.inputs();
    if d == 0 || !x.len().is_multiple_of(d) || x.is_empty() {
        return Err(KitError::Invalid(format!(
            "predict: {} values are not rows of {d} inputs",
            x.len()
        )));
    }
    let xt = Tensor::from_vec(x.to_vec(), (x.len() / d, d), &Device::Cpu)?;
    let (mean, var) = model.forward(&xt)?;
    let col = |t: Tensor| -> Result<Vec<f64>> {
        Ok(t.flatten_all()?
            .to_vec1::<f32>()?
            .into_iter()
            .map(f64::from)
            .collect())
    };
    Ok(Gaussian {
        mean: col(mean)?,
        variance: col(var)?,
    })
}

/// Everything one run needs besides the data.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Members' training.
    pub train: TrainSettings,
    /// Ensemble size M (5).
    pub members: usize,
    /// Train on standardised targets `(y − ȳ)/s_y` (true: the PBP protocol the paper follows);
    /// false trains on the raw targets (inputs are standardised either way), a probe of the
    /// port (issue 23 item 4).
    pub standardise_targets: bool,
}

/// Test metrics of trained members on standardised test inputs `x_test` and targets `y_test`
/// (target units), with the standardiser that maps predictions back.
pub fn evaluate(
    members: &[GaussianMlp],
    x_test: &[f32],
    y_test: &[f64],
    standardizer: &Standardizer,
) -> Result<BTreeMap<String, f64>> {
    let preds: Vec<Gaussian> = members
        .iter()
        .map(|m| {
            predict(m, x_test).map(|p| p.to_target_units(standardizer.mean_y, standardizer.std_y))
        })
        .collect::<Result<_>>()?;
    let ens = mixture::mixture_moments(&preds)?;
    let nll = mixture::mean_gaussian_nll(y_test, &ens)?;
    Ok(BTreeMap::from([
        (
            "rmse".to_string(),
            repro_kit::metrics::rmse(&ens.mean, y_test)?,
        ),
        ("nll".to_string(), nll),
        ("test_ll".to_string(), -nll),
        (
            "nll_mixture".to_string(),
            mixture::mixture_nll(y_test, &preds)?,
        ),
        (
            "rmse_member0".to_string(),
            repro_kit::metrics::rmse(&preds[0].mean, y_test)?,
        ),
        (
            "nll_member0".to_string(),
            mixture::mean_gaussian_nll(y_test, &preds[0])?,
        ),
    ]))
}

/// One run: split `split` of `data`, inputs and target standardised with the training rows'
/// statistics (PBP protocol, [`Standardizer`]), `settings.members` members trained
/// independently, test metrics ([`METRICS`]). A member whose loss becomes non-finite makes the
/// run diverged (every metric NaN). `what` names dataset and split in progress phases.
pub fn run_split(
    settings: &RunSettings,
    data: &UciData,
    split: &Split,
    seed: u64,
    what: &str,
    progress: &dyn Progress,
) -> Result<RunOutput> {
    if settings.members == 0 {
        return Err(KitError::Invalid("ensemble of zero members".into()));
    }
    let (tr, te) = (data.select(&split.train), data.select(&split.test));
    let mut st = Standardizer::fit(&tr);
    if !settings.standardise_targets {
        // identity target map: members see, and predict, targets in their own units
        st.mean_y = 0.0;
        st.std_y = 1.0;
    }
    let (x_train, y_train) = (st.inputs(&tr), st.targets(&tr));
    let x_test = st.inputs(&te);
    let mut out = RunOutput::builder(METRICS)
        .extra("n_train", serde_json::json!(split.train.len()))
        .extra("n_test", serde_json::json!(split.test.len()));
    let mut models = Vec::with_capacity(settings.members);
    let mut final_losses = Vec::new();
    for i in 0..settings.members {
        progress.phase(&format!(
            "{what}: member {}/{} training",
            i + 1,
            settings.members
        ));
        let m = train_member(&settings.train, &x_train, &y_train, seed, i, progress)?;
        out = out.add_train_seconds(m.report.train_seconds);
        if let Some(c) = m.report.curves.get("train_loss") {
            out = out.curve(&format!("train_loss/member{i}"), c.clone());
        }
        if let Some(d) = &m.report.divergence {
            return out
                .extra("diverged_member", serde_json::json!(i))
                .parameter_count(m.model.parameter_count() * settings.members)
                .diverged(d.clone())
                .build();
        }
        final_losses.push(m.report.last_mean_loss);
        models.push(m.model);
    }
    let t1 = Instant::now();
    let metrics = evaluate(&models, &x_test, &te.y, &st)?;
    let inference = t1.elapsed().as_secs_f64() / split.test.len() as f64;
    for (k, v) in metrics {
        out = out.metric(&k, v);
    }
    out.metric(
        "final_train_loss",
        final_losses.iter().sum::<f64>() / final_losses.len() as f64,
    )
    .parameter_count(models.iter().map(GaussianMlp::parameter_count).sum())
    .inference_seconds_per_example(inference)
    .build()
}
