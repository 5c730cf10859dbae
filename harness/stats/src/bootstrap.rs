//! Bootstrap confidence intervals (STATISTICS.md §2.1–2.2): percentile and BCa (Efron 1987,
//! *JASA* 82:171-185; Efron & Tibshirani 1993 §14.3, eq. 15.36), exactly as SciPy 1.17.1
//! `scipy.stats.bootstrap` apart from the random stream (ChaCha8 seeded from a `u64`).

use crate::describe::{
    check_confidence, mean, median, norm_cdf, norm_ppf, quantile_sorted, sd, sorted, trim_mean,
    Alternative, Sample,
};
use crate::error::{Result, StatsError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Default number of bootstrap resamples (SciPy's `n_resamples`).
pub const DEFAULT_RESAMPLES: usize = 9_999;

/// One-sample statistics available to the bootstrap and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// Arithmetic mean.
    #[default]
    Mean,
    /// Median (`np.median`).
    Median,
    /// Interquartile mean, `trim_mean(x, 0.25)`.
    Iqm,
    /// Standard deviation, ddof = 1.
    Sd,
}

impl Statistic {
    /// Evaluates the statistic on `x` (data units).
    pub fn eval(&self, x: &[f64]) -> f64 {
        match self {
            Statistic::Mean => mean(x),
            Statistic::Median => median(x),
            Statistic::Iqm => trim_mean(x, 0.25).unwrap_or(f64::NAN),
            Statistic::Sd => sd(x),
        }
    }
}

/// Interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BootstrapMethod {
    /// Percentile interval (§2.1).
    Percentile,
    /// Bias-corrected and accelerated (§2.2), SciPy's default.
    #[default]
    Bca,
}

/// Bootstrap settings. Defaults: 9,999 resamples, 95 %, two-sided, BCa, seed 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapConfig {
    /// Number of resamples `B` (≥ 1).
    pub resamples: usize,
    /// Confidence level in (0, 1).
    pub confidence: f64,
    /// Two-sided or one-sided interval.
    pub alternative: Alternative,
    /// Percentile or BCa.
    pub method: BootstrapMethod,
    /// Seed of the ChaCha8 stream.
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: DEFAULT_RESAMPLES,
            confidence: 0.95,
            alternative: Alternative::TwoSided,
            method: BootstrapMethod::Bca,
            seed: 0,
        }
    }
}

/// A bootstrap confidence interval (data units of the statistic).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInterval {
    /// Lower end (−∞ for `alternative = less`; NaN for degenerate BCa).
    pub low: f64,
    /// Upper end (+∞ for `alternative = greater`).
    pub high: f64,
    /// `std(θ*, ddof=1)`.
    pub standard_error: f64,
    /// Statistic on the original data, θ̂.
    pub estimate: f64,
}

fn tail_alpha(confidence: f64, alt: Alternative) -> f64 {
    match alt {
        Alternative::TwoSided => (1.0 - confidence) / 2.0,
        _ => 1.0 - confidence,
    }
}

fn finish(low: f64, high: f64, alt: Alternative) -> (f64, f64) {
    match alt {
        Alternative::TwoSided => (low, high),
        Alternative::Less => (f64::NEG_INFINITY, high),
        Alternative::Greater => (low, f64::INFINITY),
    }
}

/// Percentile interval from a given bootstrap distribution `θ*` (type-7 quantiles at `α`, `1−α`).
/// Errors: empty θ* or bad confidence.
pub fn percentile_from_distribution(
    theta_star: &[f64],
    confidence: f64,
    alternative: Alternative,
) -> Result<(f64, f64)> {
    check_confidence(confidence)?;
    if theta_star.is_empty() {
        return Err(StatsError::TooFew {
            what: "theta_star".into(),
            need: 1,
            got: 0,
        });
    }
    let a = tail_alpha(confidence, alternative);
    let v = sorted(theta_star);
    Ok(finish(
        quantile_sorted(&v, a),
        quantile_sorted(&v, 1.0 - a),
        alternative,
    ))
}

/// BCa interval arithmetic on a given bootstrap distribution `θ*` (STATISTICS.md §2.2, option a):
/// `z0` from the mid-rank proportion, acceleration from the jackknife of `statistic` over each of
/// `samples` (others kept whole), `α1, α2` and type-7 quantiles. Degenerate data → `[NaN, NaN]`.
/// Errors: empty θ*, a sample of size < 2, bad confidence.
pub fn bca_from_distribution(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    theta_star: &[f64],
    confidence: f64,
    alternative: Alternative,
) -> Result<(f64, f64)> {
    check_confidence(confidence)?;
    if theta_star.is_empty() {
        return Err(StatsError::TooFew {
            what: "theta_star".into(),
            need: 1,
            got: 0,
        });
    }
    for (j, s) in samples.iter().enumerate() {
        if s.len() < 2 {
            return Err(StatsError::TooFew {
                what: format!("samples[{j}]"),
                need: 2,
                got: s.len(),
            });
        }
    }
    let theta_hat = statistic(samples);
    let b = theta_star.len() as f64;
    let below = theta_star.iter().filter(|&&t| t < theta_hat).count() as f64;
    let at_or_below = theta_star.iter().filter(|&&t| t <= theta_hat).count() as f64;
    let z0 = norm_ppf((below + at_or_below) / (2.0 * b));
    // jackknife acceleration
    let (mut num, mut den) = (0.0, 0.0);
    for j in 0..samples.len() {
        let nj = samples[j].len();
        let mut vals = Vec::with_capacity(nj);
        for i in 0..nj {
            let loo: Vec<f64> = samples[j]
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i)
                .map(|(_, v)| *v)
                .collect();
            let mut data: Vec<&[f64]> = samples.to_vec();
            data[j] = &loo;
            vals.push(statistic(&data));
        }
        let dot = mean(&vals);
        let njf = nj as f64;
        let u: Vec<f64> = vals.iter().map(|v| (njf - 1.0) * (dot - v)).collect();
        num += u.iter().map(|x| x.powi(3)).sum::<f64>() / njf.powi(3);
        den += u.iter().map(|x| x.powi(2)).sum::<f64>() / njf.powi(2);
    }
    let a_hat = num / (6.0 * den.powf(1.5));
    let alpha = tail_alpha(confidence, alternative);
    let z_alpha = norm_ppf(alpha);
    let z_1alpha = -z_alpha;
    let num1 = z0 + z_alpha;
    let alpha_1 = norm_cdf(z0 + num1 / (1.0 - a_hat * num1));
    let num2 = z0 + z_1alpha;
    let alpha_2 = norm_cdf(z0 + num2 / (1.0 - a_hat * num2));
    let v = sorted(theta_star);
    Ok(finish(
        quantile_sorted(&v, alpha_1),
        quantile_sorted(&v, alpha_2),
        alternative,
    ))
}

/// Draws `B` bootstrap replicates of `statistic`, resampling each sample independently with
/// replacement at its own size (SciPy `paired=False`), from `ChaCha8Rng::seed_from_u64(seed)`.
pub fn bootstrap_distribution(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    resamples: usize,
    seed: u64,
) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bufs: Vec<Vec<f64>> = samples.iter().map(|s| vec![0.0; s.len()]).collect();
    let mut out = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for (buf, s) in bufs.iter_mut().zip(samples) {
            for slot in buf.iter_mut() {
                *slot = s[rng.random_range(0..s.len())];
            }
        }
        let refs: Vec<&[f64]> = bufs.iter().map(|b| b.as_slice()).collect();
        out.push(statistic(&refs));
    }
    out
}

/// General bootstrap CI of `statistic` over one or more independent samples (each ≥ 2 finite
/// values), percentile or BCa per `cfg`. Errors: bad confidence, `resamples = 0` or above
/// [`crate::limits::MAX_RESAMPLES`] (or more than [`crate::limits::MAX_RESAMPLED_VALUES`] draws in
/// all), short samples.
pub fn bootstrap_ci_multi(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    check_confidence(cfg.confidence)?;
    if cfg.resamples == 0 {
        return Err(StatsError::param(
            "resamples",
            0,
            "must be ≥ 1 (default 9999)",
        ));
    }
    crate::limits::check_count(
        "resamples",
        cfg.resamples as u64,
        crate::limits::MAX_RESAMPLES as u64,
    )?;
    for (j, s) in samples.iter().enumerate() {
        crate::describe::check_len(s, 2, &format!("samples[{j}]"))?;
    }
    crate::limits::check_work(
        "resamples",
        cfg.resamples,
        samples.iter().map(|s| s.len()).sum(),
    )?;
    let dist = bootstrap_distribution(samples, statistic, cfg.resamples, cfg.seed);
    let (low, high) = match cfg.method {
        BootstrapMethod::Percentile => {
            percentile_from_distribution(&dist, cfg.confidence, cfg.alternative)?
        }
        BootstrapMethod::Bca => {
            bca_from_distribution(samples, statistic, &dist, cfg.confidence, cfg.alternative)?
        }
    };
    Ok(BootstrapInterval {
        low,
        high,
        standard_error: sd(&dist),
        estimate: statistic(samples),
    })
}

/// One-sample bootstrap CI of `stat` (`scipy.stats.bootstrap((x,), stat, method=...)`).
/// Errors: as [`bootstrap_ci_multi`].
pub fn bootstrap_ci(
    x: &Sample,
    stat: Statistic,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    let f = move |d: &[&[f64]]| stat.eval(d[0]);
    bootstrap_ci_multi(&[x.values()], &f, cfg)
}

/// Two-sample bootstrap CI of the difference of means `mean(x) − mean(y)` (independent resampling).
pub fn bootstrap_mean_difference(
    x: &Sample,
    y: &Sample,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    let f = |d: &[&[f64]]| mean(d[0]) - mean(d[1]);
    bootstrap_ci_multi(&[x.values(), y.values()], &f, cfg)
}
