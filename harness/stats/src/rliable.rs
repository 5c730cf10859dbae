//! rliable aggregates over a runs × tasks score matrix: IQM, mean, median, optimality gap, the
//! stratified bootstrap and the probability of improvement (STATISTICS.md §2.3–2.5; Agarwal et al.
//! 2021, "Deep RL at the Edge of the Statistical Precipice", NeurIPS 34, arXiv:2108.13264).

use crate::bootstrap::BootstrapInterval;
use crate::describe::{
    check_confidence, check_finite, mean, median, quantile_sorted, sd, sorted, trim_mean,
};
use crate::error::{Result, StatsError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// rliable's default number of bootstrap replicates.
pub const RLIABLE_REPS: usize = 50_000;

/// Aggregate metric over a runs × tasks matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Interquartile mean of all scores, `trim_mean(scores.ravel(), 0.25)`.
    #[default]
    Iqm,
    /// Mean over tasks of per-task means.
    Mean,
    /// Median of per-task means.
    Median,
    /// `1 − mean(min(x, 1))` (γ = 1).
    OptimalityGap,
}

/// Interquartile mean `trim_mean(x, 0.25)` (scores' units). Errors: empty/non-finite.
pub fn iqm(x: &[f64]) -> Result<f64> {
    trim_mean(x, 0.25)
}

fn check_matrix(m: &[Vec<f64>], what: &str) -> Result<(usize, usize)> {
    if m.is_empty() || m[0].is_empty() {
        return Err(StatsError::TooFew {
            what: format!("{what} (runs × tasks)"),
            need: 1,
            got: 0,
        });
    }
    let t = m[0].len();
    for (i, r) in m.iter().enumerate() {
        if r.len() != t {
            return Err(StatsError::LengthMismatch {
                what: format!("{what}[{i}] vs {what}[0]"),
                left: r.len(),
                right: t,
            });
        }
        check_finite(r, &format!("{what}[{i}]"))?;
    }
    Ok((m.len(), t))
}

fn agg_eval(m: &[Vec<f64>], a: Aggregate) -> f64 {
    let tasks = m[0].len();
    let col_means = || -> Vec<f64> {
        (0..tasks)
            .map(|j| mean(&m.iter().map(|r| r[j]).collect::<Vec<_>>()))
            .collect()
    };
    match a {
        Aggregate::Iqm => trim_mean(&m.concat(), 0.25).unwrap_or(f64::NAN),
        Aggregate::Mean => mean(&col_means()),
        Aggregate::Median => median(&col_means()),
        Aggregate::OptimalityGap => {
            1.0 - mean(&m.concat().iter().map(|v| v.min(1.0)).collect::<Vec<_>>())
        }
    }
}

/// Aggregate of a runs × tasks matrix. Errors: empty, ragged or non-finite matrix.
pub fn aggregate(scores: &[Vec<f64>], agg: Aggregate) -> Result<f64> {
    check_matrix(scores, "scores")?;
    Ok(agg_eval(scores, agg))
}

fn resample(m: &[Vec<f64>], rng: &mut ChaCha8Rng, out: &mut [Vec<f64>]) {
    let n = m.len();
    for (j, _) in m[0].iter().enumerate() {
        for row in out.iter_mut() {
            row[j] = m[rng.random_range(0..n)][j];
        }
    }
}

fn percentile_interval(dist: &[f64], confidence: f64, est: f64) -> BootstrapInterval {
    let v = sorted(dist);
    let a = (1.0 - confidence) / 2.0;
    BootstrapInterval {
        low: quantile_sorted(&v, a),
        high: quantile_sorted(&v, 1.0 - a),
        standard_error: sd(dist),
        estimate: est,
        method: crate::bootstrap::BootstrapMethod::Percentile,
    }
}

/// Stratified bootstrap percentile CI (rliable `get_interval_estimates`): runs are resampled with
/// replacement within each task, tasks kept. ChaCha8 stream, so agreement with rliable is within
/// Monte Carlo error only. Errors: bad matrix, `reps = 0` or above [`crate::limits::MAX_REPS`],
/// bad confidence.
pub fn stratified_bootstrap_ci(
    scores: &[Vec<f64>],
    agg: Aggregate,
    reps: usize,
    confidence: f64,
    seed: u64,
) -> Result<BootstrapInterval> {
    let (n, t) = check_matrix(scores, "scores")?;
    check_confidence(confidence)?;
    if reps == 0 {
        return Err(StatsError::param(
            "reps",
            0,
            "must be ≥ 1 (rliable default 50000)",
        ));
    }
    crate::limits::check_count("reps", reps as u64, crate::limits::MAX_REPS as u64)?;
    crate::limits::check_weighted_work("reps", reps, n * t, agg_cost(agg, n * t), "")?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut buf = vec![vec![0.0; t]; n];
    let mut dist = Vec::with_capacity(reps);
    for _ in 0..reps {
        resample(scores, &mut rng, &mut buf);
        dist.push(agg_eval(&buf, agg));
    }
    Ok(percentile_interval(
        &dist,
        confidence,
        agg_eval(scores, agg),
    ))
}

/// Cost per value of one evaluation of `agg` on `values` scores, in units of one value drawn:
/// `log2` of the count for the IQM (it sorts), 1 otherwise.
fn agg_cost(agg: Aggregate, values: usize) -> f64 {
    match agg {
        Aggregate::Iqm => (values.max(2) as f64).log2(),
        _ => 1.0,
    }
}

/// Per task, the Mann–Whitney `U / (n_x n_y)` (ties ½) averaged over tasks, by sorting each
/// task's Y column and counting with two binary searches per X value: O((n_x + n_y) log n_y)
/// per task instead of the O(n_x n_y) of comparing every pair; `U` is a sum of halves, exact in
/// binary64, so the result is identical.
fn poi(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let tasks = x[0].len();
    let mut tot = 0.0;
    let mut col = Vec::with_capacity(y.len());
    for j in 0..tasks {
        col.clear();
        col.extend(y.iter().map(|r| r[j]));
        col.sort_by(|a: &f64, b: &f64| a.total_cmp(b));
        let mut u = 0.0;
        for rx in x {
            let a = rx[j];
            let below = col.partition_point(|&b| b < a);
            let at_or_below = col.partition_point(|&b| b <= a);
            u += below as f64 + 0.5 * (at_or_below - below) as f64;
        }
        tot += u / (x.len() * y.len()) as f64;
    }
    tot / tasks as f64
}

/// Probability of improvement `P(X > Y)` (rliable): per task the Mann–Whitney `U/(n_x n_y)` with
/// ties counting ½, averaged over tasks; a probability in [0, 1]. Errors: bad matrices or a
/// different number of tasks.
pub fn probability_of_improvement(x: &[Vec<f64>], y: &[Vec<f64>]) -> Result<f64> {
    let (_, tx) = check_matrix(x, "x")?;
    let (_, ty) = check_matrix(y, "y")?;
    if tx != ty {
        return Err(StatsError::LengthMismatch {
            what: "tasks of x/y".into(),
            left: tx,
            right: ty,
        });
    }
    Ok(poi(x, y))
}

/// Percentile CI of the probability of improvement by the stratified *independent* bootstrap
/// (runs of X and of Y resampled independently within each task). Errors: as
/// [`probability_of_improvement`], `reps = 0` or above [`crate::limits::MAX_REPS`], bad confidence.
pub fn probability_of_improvement_ci(
    x: &[Vec<f64>],
    y: &[Vec<f64>],
    reps: usize,
    confidence: f64,
    seed: u64,
) -> Result<BootstrapInterval> {
    let est = probability_of_improvement(x, y)?;
    check_confidence(confidence)?;
    crate::limits::check_count("reps", reps as u64, crate::limits::MAX_REPS as u64)?;
    let values = x.iter().chain(y).map(|r| r.len()).sum::<usize>();
    crate::limits::check_weighted_work(
        "reps",
        reps,
        values,
        (y.len().max(2) as f64).log2(),
        " (each replicate sorts every task's y runs)",
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bx = vec![vec![0.0; x[0].len()]; x.len()];
    let mut by = vec![vec![0.0; y[0].len()]; y.len()];
    let mut dist = Vec::with_capacity(reps);
    for _ in 0..reps {
        resample(x, &mut rng, &mut bx);
        resample(y, &mut rng, &mut by);
        dist.push(poi(&bx, &by));
    }
    Ok(percentile_interval(&dist, confidence, est))
}
