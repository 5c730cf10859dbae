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
    /// The interval method actually used: the requested one, or `percentile` where a BCa
    /// acceleration of a caller-supplied statistic would exceed [`crate::limits::MAX_JACKKNIFE_WORK`]
    /// (see [`bootstrap_ci_multi`]).
    #[serde(default)]
    pub method: BootstrapMethod,
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
/// The jackknife of an arbitrary `statistic` costs `Σ n_j` evaluations on `n_j − 1` values, so it
/// is refused above [`crate::limits::MAX_JACKKNIFE_WORK`]; for the built-in statistics use
/// [`jackknife`] / [`jackknife_mean_difference`] (O(n log n)) and [`bca_from_jackknife`].
/// Errors: empty θ*, a sample of size < 2, bad confidence, jackknife over the budget.
pub fn bca_from_distribution(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    theta_star: &[f64],
    confidence: f64,
    alternative: Alternative,
) -> Result<(f64, f64)> {
    check_bca_inputs(samples.iter().map(|s| s.len()), theta_star, confidence)?;
    crate::limits::check_jackknife(samples.iter().map(|s| s.len()))?;
    let jack = generic_jackknife(samples, statistic);
    bca_from_jackknife(
        statistic(samples),
        &jack,
        theta_star,
        confidence,
        alternative,
    )
}

fn check_bca_inputs(
    sizes: impl Iterator<Item = usize>,
    theta_star: &[f64],
    confidence: f64,
) -> Result<()> {
    check_confidence(confidence)?;
    if theta_star.is_empty() {
        return Err(StatsError::TooFew {
            what: "theta_star".into(),
            need: 1,
            got: 0,
        });
    }
    for (j, n) in sizes.enumerate() {
        if n < 2 {
            return Err(StatsError::TooFew {
                what: format!("samples[{j}]"),
                need: 2,
                got: n,
            });
        }
    }
    Ok(())
}

/// Leave-one-out values of an arbitrary `statistic`, one vector per sample (the others kept
/// whole): `Σ n_j` evaluations, O(n²) at least.
fn generic_jackknife(samples: &[&[f64]], statistic: &dyn Fn(&[&[f64]]) -> f64) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(samples.len());
    for j in 0..samples.len() {
        let nj = samples[j].len();
        let mut vals = Vec::with_capacity(nj);
        let mut loo = Vec::with_capacity(nj.saturating_sub(1));
        for i in 0..nj {
            loo.clear();
            loo.extend_from_slice(&samples[j][..i]);
            loo.extend_from_slice(&samples[j][i + 1..]);
            let mut data: Vec<&[f64]> = samples.to_vec();
            data[j] = &loo;
            vals.push(statistic(&data));
        }
        out.push(vals);
    }
    out
}

/// Jackknife acceleration `â = Σ U³ / (6 (Σ U²)^{3/2})` from the leave-one-out values of each
/// sample (Efron & Tibshirani 1993 eq. 14.15, summed over samples as SciPy does).
fn acceleration(jack: &[Vec<f64>]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for vals in jack {
        let dot = mean(vals);
        let njf = vals.len() as f64;
        let u: Vec<f64> = vals.iter().map(|v| (njf - 1.0) * (dot - v)).collect();
        num += u.iter().map(|x| x.powi(3)).sum::<f64>() / njf.powi(3);
        den += u.iter().map(|x| x.powi(2)).sum::<f64>() / njf.powi(2);
    }
    num / (6.0 * den.powf(1.5))
}

/// BCa interval from the estimate `theta_hat`, the leave-one-out values of the statistic for
/// each sample (`jack[j][i]`: statistic with value `i` of sample `j` left out, as returned by
/// [`jackknife`] or [`jackknife_mean_difference`]) and the bootstrap distribution `θ*`.
/// O(B log B + Σ n_j). Degenerate data → `[NaN, NaN]`. Errors: empty θ*, a jackknife vector
/// shorter than 2, bad confidence.
pub fn bca_from_jackknife(
    theta_hat: f64,
    jack: &[Vec<f64>],
    theta_star: &[f64],
    confidence: f64,
    alternative: Alternative,
) -> Result<(f64, f64)> {
    check_bca_inputs(jack.iter().map(|v| v.len()), theta_star, confidence)?;
    let b = theta_star.len() as f64;
    let below = theta_star.iter().filter(|&&t| t < theta_hat).count() as f64;
    let at_or_below = theta_star.iter().filter(|&&t| t <= theta_hat).count() as f64;
    let z0 = norm_ppf((below + at_or_below) / (2.0 * b));
    let a_hat = acceleration(jack);
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

/// Leave-one-out values `stat(x without x[i])` for every `i`, in O(n log n) (O(n) for the mean
/// and SD) instead of the O(n²) of recomputing: the mean and the SD by down-dating their sums,
/// the median and the IQM from one sorted copy (removing rank `r` shifts the order statistics
/// above `r` down by one; an SD whose down-dated sum of squares cancelled is recomputed). Equal
/// to recomputation up to rounding (tested). SD of fewer than 3
/// values → NaN entries, as `sd` of one value. Empty `x` → empty vector.
pub fn jackknife(x: &[f64], stat: Statistic) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    match stat {
        Statistic::Mean => jackknife_mean(x),
        Statistic::Sd => {
            let m = mean(x);
            let m2: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
            let nf = n as f64;
            x.iter()
                .enumerate()
                .map(|(i, v)| {
                    if n < 3 {
                        return f64::NAN;
                    }
                    let d = v - m;
                    let down = m2 - d * d * nf / (nf - 1.0);
                    if down <= SD_DOWNDATE_CANCELLATION * m2 {
                        // the rest is (nearly) constant: the down-dated sum lost its digits
                        // to cancellation (an absolute error of a few ulps of m2), so recompute
                        let rest: Vec<f64> = [&x[..i], &x[i + 1..]].concat();
                        return Statistic::Sd.eval(&rest);
                    }
                    (down / (nf - 2.0)).sqrt()
                })
                .collect()
        }
        Statistic::Median | Statistic::Iqm => jackknife_order(x, stat),
    }
}

/// Below this fraction of the whole sample's sum of squares, a down-dated leave-one-out sum of
/// squares (absolute rounding error ≈ n·ε·m2) may have lost most of its digits, and
/// [`jackknife`] recomputes that SD directly: the relative error stays below about n·1e-12.
const SD_DOWNDATE_CANCELLATION: f64 = 1e-4;

fn jackknife_mean(x: &[f64]) -> Vec<f64> {
    let m = mean(x);
    let k = x.len() as f64 - 1.0;
    x.iter().map(|v| m + (m - v) / k).collect()
}

/// Leave-one-out median / IQM from the sorted values: `loo(r)` is the statistic of `v` without
/// the value of rank `r`, and every original index gets the value of its rank (tied copies give
/// the same remaining multiset).
fn jackknife_order(x: &[f64], stat: Statistic) -> Vec<f64> {
    let n = x.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let v: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
    let m = n - 1; // size of every leave-one-out sample
    let at = |r: usize, j: usize| if j < r { v[j] } else { v[j + 1] };
    let loo: Box<dyn Fn(usize) -> f64> = match stat {
        Statistic::Median => Box::new(move |r| {
            if m == 0 {
                return f64::NAN;
            }
            let lo = (m - 1) / 2;
            if m % 2 == 1 {
                at(r, lo)
            } else {
                quantile_sorted(&[at(r, lo), at(r, lo + 1)], 0.5)
            }
        }),
        _ => {
            // trim_mean(·, 0.25) on m values keeps ranks [g, m − g) of the remaining ones.
            let g = (0.25 * m as f64).floor() as usize;
            let len = (m - 2 * g) as f64;
            let kept_above: f64 = v[g + 1..(m - g + 1).min(n)].iter().sum(); // r < g
            let kept_below: f64 = v[g..m - g].iter().sum(); // r ≥ m − g
            let spanning: f64 = v[g..(m - g + 1).min(n)].iter().sum(); // g ≤ r < m − g
            Box::new(move |r| {
                if m == 0 {
                    f64::NAN
                } else if r < g {
                    kept_above / len
                } else if r >= m - g {
                    kept_below / len
                } else {
                    (spanning - v[r]) / len
                }
            })
        }
    };
    let mut out = vec![0.0; n];
    for (r, &i) in idx.iter().enumerate() {
        out[i] = loo(r);
    }
    out
}

/// Leave-one-out values of `mean(x) − mean(y)`: `[loo over x (y whole), loo over y (x whole)]`,
/// O(n), for [`bca_from_jackknife`].
pub fn jackknife_mean_difference(x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
    let (mx, my) = (mean(x), mean(y));
    vec![
        jackknife_mean(x).into_iter().map(|v| v - my).collect(),
        jackknife_mean(y).into_iter().map(|v| mx - v).collect(),
    ]
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

/// Leave-one-out values for the BCa acceleration of a built-in statistic: recomputed on every
/// leave-one-out sample (SciPy's jackknife, bit for bit the values of earlier releases and of
/// the published tables) while `Σ n_j² × cost` stays within
/// [`crate::limits::MAX_JACKKNIFE_WORK`], else `fast` (O(n log n), equal up to rounding).
pub fn jackknife_values(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    cost: f64,
    fast: impl FnOnce() -> Vec<Vec<f64>>,
) -> Vec<Vec<f64>> {
    let work: f64 = samples
        .iter()
        .map(|s| (s.len() as f64).powi(2) * cost)
        .sum();
    if work <= crate::limits::MAX_JACKKNIFE_WORK {
        generic_jackknife(samples, statistic)
    } else {
        fast()
    }
}

/// How the BCa acceleration of a bootstrap is obtained.
enum Jack<'a> {
    /// Leave-one-out values already computed (fast path of the built-in statistics).
    Given(Vec<Vec<f64>>),
    /// Recompute the statistic on every leave-one-out sample (O(n²) or worse).
    Generic(&'a dyn Fn(&[&[f64]]) -> f64),
}

/// Checks `cfg` and the samples, and the cost of `B` resamples: `B × Σ n_j × cost_factor`
/// (1 for statistics linear in n, `log2 n` for those that sort each resample) against
/// [`crate::limits::MAX_RESAMPLED_VALUES`].
fn check_bootstrap(
    samples: &[&[f64]],
    cfg: &BootstrapConfig,
    cost_factor: f64,
    why: &str,
) -> Result<()> {
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
    crate::limits::check_weighted_work(
        "resamples",
        cfg.resamples,
        samples.iter().map(|s| s.len()).sum(),
        cost_factor,
        why,
    )
}

fn bootstrap_with(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    jack: Jack,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    let dist = bootstrap_distribution(samples, statistic, cfg.resamples, cfg.seed);
    let estimate = statistic(samples);
    let (method, (low, high)) = match (cfg.method, jack) {
        (BootstrapMethod::Bca, Jack::Given(j)) => (
            BootstrapMethod::Bca,
            bca_from_jackknife(estimate, &j, &dist, cfg.confidence, cfg.alternative)?,
        ),
        (BootstrapMethod::Bca, Jack::Generic(f))
            if crate::limits::check_jackknife(samples.iter().map(|s| s.len())).is_ok() =>
        {
            let j = generic_jackknife(samples, f);
            (
                BootstrapMethod::Bca,
                bca_from_jackknife(estimate, &j, &dist, cfg.confidence, cfg.alternative)?,
            )
        }
        _ => (
            BootstrapMethod::Percentile,
            percentile_from_distribution(&dist, cfg.confidence, cfg.alternative)?,
        ),
    };
    Ok(BootstrapInterval {
        low,
        high,
        standard_error: sd(&dist),
        estimate,
        method,
    })
}

/// General bootstrap CI of `statistic` over one or more independent samples (each ≥ 2 finite
/// values), percentile or BCa per `cfg`. The statistic is opaque here, so its BCa jackknife costs
/// `Σ n_j` evaluations: above [`crate::limits::MAX_JACKKNIFE_WORK`] the percentile interval is
/// returned instead, and `method` of the result says so (the built-in statistics have an
/// O(n log n) jackknife: [`bootstrap_ci`], [`bootstrap_mean_difference`]). Errors: bad
/// confidence, `resamples = 0` or above [`crate::limits::MAX_RESAMPLES`] (or more than
/// [`crate::limits::MAX_RESAMPLED_VALUES`] draws in all), short samples.
pub fn bootstrap_ci_multi(
    samples: &[&[f64]],
    statistic: &dyn Fn(&[&[f64]]) -> f64,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    check_bootstrap(samples, cfg, 1.0, "")?;
    bootstrap_with(samples, statistic, Jack::Generic(statistic), cfg)
}

/// Cost of one evaluation of `stat` on `n` values, in units of one value drawn: 1 for the mean
/// and SD, `log2 n` for the median and IQM (they sort).
pub fn statistic_cost(stat: Statistic, n: usize) -> f64 {
    match stat {
        Statistic::Mean | Statistic::Sd => 1.0,
        Statistic::Median | Statistic::Iqm => (n.max(2) as f64).log2(),
    }
}

/// One-sample bootstrap CI of `stat` (`scipy.stats.bootstrap((x,), stat, method=...)`); the BCa
/// jackknife is [`jackknife`] (O(n log n)), so any `n` is fine. Errors: as
/// [`bootstrap_ci_multi`], with the median and IQM counted at `log2 n` per value drawn
/// ([`statistic_cost`]) against [`crate::limits::MAX_RESAMPLED_VALUES`].
pub fn bootstrap_ci(
    x: &Sample,
    stat: Statistic,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    let f = move |d: &[&[f64]]| stat.eval(d[0]);
    let n = x.values().len();
    let why = match stat {
        Statistic::Median | Statistic::Iqm => format!(
            " (each resample of the {} sorts its {n} values: cost log2 n = {:.1} per value)",
            format!("{stat:?}").to_lowercase(),
            statistic_cost(stat, n)
        ),
        _ => String::new(),
    };
    check_bootstrap(&[x.values()], cfg, statistic_cost(stat, n), &why)?;
    let jack = match cfg.method {
        BootstrapMethod::Bca => Jack::Given(jackknife_values(
            &[x.values()],
            &f,
            statistic_cost(stat, n),
            || vec![jackknife(x.values(), stat)],
        )),
        BootstrapMethod::Percentile => Jack::Given(Vec::new()),
    };
    bootstrap_with(&[x.values()], &f, jack, cfg)
}

/// Two-sample bootstrap CI of the difference of means `mean(x) − mean(y)` (independent
/// resampling; O(n) jackknife). Errors: as [`bootstrap_ci_multi`].
pub fn bootstrap_mean_difference(
    x: &Sample,
    y: &Sample,
    cfg: &BootstrapConfig,
) -> Result<BootstrapInterval> {
    let f = |d: &[&[f64]]| mean(d[0]) - mean(d[1]);
    let samples = [x.values(), y.values()];
    check_bootstrap(&samples, cfg, 1.0, "")?;
    let jack = jackknife_values(&samples, &f, 1.0, || {
        jackknife_mean_difference(x.values(), y.values())
    });
    bootstrap_with(&samples, &f, Jack::Given(jack), cfg)
}
