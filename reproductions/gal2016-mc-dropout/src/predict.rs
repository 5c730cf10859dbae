//! Prediction and the benchmark's two metrics (`net/net.py::predict`; paper §5.3, eq. (8) and the
//! test log-likelihood below it).
//!
//! * MC dropout: `T` stochastic forward passes with dropout on, mapped to the target's units
//!   (`ŷ_t = f_t(x)·std_y + mean_y`); RMSE of the predictive mean `mean_t ŷ_t`; per-point
//!   log-likelihood `logsumexp_t(−½τ(y − ŷ_t)²) − log T − ½ log 2π + ½ log τ`, averaged over the
//!   test points (nats per point).
//! * Standard dropout: the deterministic network (dropout off = weight scaling), RMSE and the same
//!   Gaussian log-likelihood with the single prediction (`T = 1`). (The authors' code computes
//!   its "standard" prediction with `model.predict` while its Dropout layers are built with
//!   `training=True`, i.e. one stochastic pass; here it is the deterministic network, which is
//!   what "standard dropout" means in the paper.)

use crate::host::{HostWeights, McPasses};
use crate::model::DropoutMlp;
use candle_core::{Device, Tensor};
use repro_kit::data::uci::Standardizer;
use repro_kit::metrics::rmse;
use repro_kit::nn::dropout::fill_multipliers;
use repro_kit::nn::Layer;
use repro_kit::rng::Rng;
use repro_kit::{KitError, Progress, Result};

/// `½ log 2π`.
const HALF_LOG_2PI: f64 = 0.918_938_533_204_672_8;

/// RMSE (target units) and mean test log-likelihood (nats per point) of a predictor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Root-mean-square error of the (predictive mean) prediction, in the target's units.
    pub rmse: f64,
    /// Mean over points of the per-point predictive log-likelihood, nats.
    pub log_likelihood: f64,
}

/// The MC-dropout log-likelihood of the paper, directly from its formula: `samples[t][i]` is
/// pass `t`'s prediction for point `i` in the target's units, `y[i]` the truth, `tau` the model
/// precision. Returns the mean over points of
/// `logsumexp_t(−½τ(y_i − ŷ_ti)²) − log T − ½ log 2π + ½ log τ`.
///
/// The reference implementation against which [`McAccumulator`] (the streaming version used by
/// runs) is tested. Errors on empty input or ragged samples.
pub fn mc_log_likelihood(y: &[f64], samples: &[Vec<f64>], tau: f64) -> Result<f64> {
    if y.is_empty() || samples.is_empty() || samples.iter().any(|s| s.len() != y.len()) {
        return Err(KitError::Invalid(
            "mc_log_likelihood: need T ≥ 1 passes of one prediction per point".into(),
        ));
    }
    let t = samples.len() as f64;
    let total: f64 = (0..y.len())
        .map(|i| {
            let a: Vec<f64> = samples
                .iter()
                .map(|s| -0.5 * tau * (y[i] - s[i]).powi(2))
                .collect();
            let m = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + a.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            lse - t.ln() - HALF_LOG_2PI + 0.5 * tau.ln()
        })
        .sum();
    Ok(total / y.len() as f64)
}

/// Mean Gaussian log-likelihood of single predictions `pred` (target units) with precision `tau`:
/// mean of `−½τ(y − ŷ)² − ½ log 2π + ½ log τ` (the MC formula with `T = 1`).
pub fn gaussian_log_likelihood(y: &[f64], pred: &[f64], tau: f64) -> Result<f64> {
    mc_log_likelihood(y, &[pred.to_vec()], tau)
}

/// Streaming MC-dropout statistics: passes are added one at a time (in target units) and only
/// `O(points)` state is kept — a running sum for the predictive mean and a running
/// (max, Σexp) pair per point for the log-sum-exp.
#[derive(Debug, Clone)]
pub struct McAccumulator {
    y: Vec<f64>,
    tau: f64,
    passes: usize,
    sum: Vec<f64>,
    max: Vec<f64>,
    sum_exp: Vec<f64>,
}

impl McAccumulator {
    /// An empty accumulator for truths `y` (target units) and precision `tau`.
    pub fn new(y: &[f64], tau: f64) -> Self {
        let n = y.len();
        Self {
            y: y.to_vec(),
            tau,
            passes: 0,
            sum: vec![0.0; n],
            max: vec![f64::NEG_INFINITY; n],
            sum_exp: vec![0.0; n],
        }
    }

    /// Adds one stochastic pass: `pred[i]` for every point, target units.
    pub fn add_pass(&mut self, pred: &[f64]) {
        debug_assert_eq!(pred.len(), self.y.len());
        for (i, &p) in pred.iter().enumerate() {
            self.sum[i] += p;
            let a = -0.5 * self.tau * (self.y[i] - p).powi(2);
            if a > self.max[i] {
                self.sum_exp[i] = self.sum_exp[i] * (self.max[i] - a).exp() + 1.0;
                self.max[i] = a;
            } else {
                self.sum_exp[i] += (a - self.max[i]).exp();
            }
        }
        self.passes += 1;
    }

    /// Number of passes added.
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// The predictive mean per point (target units).
    pub fn mean(&self) -> Vec<f64> {
        self.sum.iter().map(|s| s / self.passes as f64).collect()
    }

    /// RMSE of the predictive mean and the mean MC log-likelihood. Errors before any pass.
    pub fn scores(&self) -> Result<Scores> {
        if self.passes == 0 {
            return Err(KitError::Invalid("MC prediction with zero passes".into()));
        }
        let t = (self.passes as f64).ln();
        let ll = (0..self.y.len())
            .map(|i| self.max[i] + self.sum_exp[i].ln() - t - HALF_LOG_2PI + 0.5 * self.tau.ln())
            .sum::<f64>()
            / self.y.len() as f64;
        Ok(Scores {
            rmse: rmse(&self.mean(), &self.y)?,
            log_likelihood: ll,
        })
    }
}

/// Pass-rows (passes × points) whose masks are drawn at once: 1,024 rows of masks are 258 KB
/// for 13 inputs and H = 50 (463 KB for H = 100), so they are still in the core's L2 cache when
/// the passes read them (the 13 MB chunks of 2¹⁶ rows used before cost more in memory traffic
/// than the passes themselves).
const MC_ROWS_PER_CHUNK: usize = 1 << 10;

/// MC-dropout prediction over `x` (standardised inputs, row-major [n, inputs]) with truths `y`
/// (target units): `passes` stochastic forward passes with dropout rate `p` on the input and
/// hidden layer, every mask drawn from `rng` (independently per pass and point, as Keras does
/// per batch row). Masks are drawn for a chunk of pass-rows at a time (passes one after another
/// over the points) and each pass is computed by
/// [`McPasses`] (the input layer once per point, then only the dropped inputs per pass);
/// `progress.step` counts passes.
#[allow(clippy::too_many_arguments)]
pub fn mc_dropout(
    model: &DropoutMlp,
    x: &[f32],
    y: &[f64],
    standardizer: &Standardizer,
    p: f64,
    tau: f64,
    passes: usize,
    rng: &mut Rng,
    progress: &dyn Progress,
) -> Result<Scores> {
    let (n, d, h) = (y.len(), model.inputs(), model.hidden_units());
    if x.len() != n * d || passes == 0 {
        return Err(KitError::Invalid(format!(
            "mc_dropout: {} input values for {n} points × {d} inputs, {passes} passes",
            x.len()
        )));
    }
    let w = HostWeights::of(model)?;
    let mut net = McPasses::new(&w, x, p)?;
    let total = passes.checked_mul(n).ok_or_else(|| {
        KitError::Invalid(format!("mc_dropout: {passes} passes × {n} points overflow"))
    })?;
    let chunk = MC_ROWS_PER_CHUNK.min(total);
    let mut acc = McAccumulator::new(y, tau);
    let mut x_mask = vec![0f32; chunk * d];
    let mut h_mask = vec![0f32; chunk * h];
    let mut standardised = vec![0f32; chunk];
    let mut pred = vec![0f64; n];
    let (mut row, mut point) = (0, 0);
    while row < total {
        let c = chunk.min(total - row);
        let (xm, hm) = (&mut x_mask[..c * d], &mut h_mask[..c * h]);
        fill_multipliers(rng, p, xm);
        fill_multipliers(rng, p, hm);
        let out = &mut standardised[..c];
        net.pass_rows(row, xm, hm, out)?;
        for &v in out.iter() {
            pred[point] = standardizer.target_units(f64::from(v));
            point += 1;
            if point == n {
                acc.add_pass(&pred);
                point = 0;
            }
        }
        row += c;
        progress.step((row / n) as u64, passes as u64);
    }
    acc.scores()
}

/// The standard-dropout (deterministic, weight-scaled) prediction over `x` [n, inputs]
/// standardised, with truths `y` (target units): RMSE and the Gaussian log-likelihood with
/// precision `tau`. Also returns the predictions (target units).
pub fn deterministic(
    model: &DropoutMlp,
    x: &[f32],
    y: &[f64],
    standardizer: &Standardizer,
    tau: f64,
) -> Result<(Scores, Vec<f64>)> {
    let n = y.len();
    let xt = Tensor::from_slice(x, (n, model.inputs()), &Device::Cpu)?;
    let pred: Vec<f64> = model
        .forward(&xt)?
        .flatten_all()?
        .to_vec1::<f32>()?
        .into_iter()
        .map(|v| standardizer.target_units(f64::from(v)))
        .collect();
    let scores = Scores {
        rmse: rmse(&pred, y)?,
        log_likelihood: gaussian_log_likelihood(y, &pred, tau)?,
    };
    Ok((scores, pred))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_accumulator_equals_the_formula() {
        let y = [1.0, -2.0, 0.5];
        let samples = vec![
            vec![0.9, -2.5, 3.0],
            vec![1.4, -1.0, 0.4],
            vec![-3.0, -2.1, 0.6],
            vec![1.0, 40.0, 0.5],
        ];
        for tau in [0.1, 2.0, 1e4] {
            let mut acc = McAccumulator::new(&y, tau);
            for s in &samples {
                acc.add_pass(s);
            }
            let want = mc_log_likelihood(&y, &samples, tau).unwrap();
            let got = acc.scores().unwrap();
            assert!(
                (want - got.log_likelihood).abs() < 1e-9 * want.abs().max(1.0),
                "tau {tau}"
            );
            let mean = [0.075, 8.6, 1.125];
            let r = (mean
                .iter()
                .zip(&y)
                .map(|(m, t)| (m - t).powi(2))
                .sum::<f64>()
                / 3.0)
                .sqrt();
            assert!((got.rmse - r).abs() < 1e-12);
        }
    }
}
