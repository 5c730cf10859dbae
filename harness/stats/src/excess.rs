//! Excess-significance test of Ioannidis & Trikalinos (2007), "An exploratory test for an excess
//! of significant findings", *Clinical Trials* 4(3):245-253 (STATISTICS.md §8; the four p-values of
//! `metafor::tes`).

use crate::describe::{check_alpha, check_len, norm_cdf, norm_ppf, norm_sf};
use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};

/// Result of [`excess_significance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcessResult {
    /// Number of studies/comparisons `k`.
    pub k: usize,
    /// Observed number of significant results `O`.
    pub observed: usize,
    /// Expected number `E = Σ power_i`.
    pub expected: f64,
    /// True effect used for the powers (default: fixed-effect inverse-variance mean), effect units.
    pub theta: f64,
    /// Two-sided power of each study at `theta`.
    pub powers: Vec<f64>,
    /// `A = (O−E)²/E + (O−E)²/(k−E)` (NaN if `E ∈ {0, k}`).
    pub a_statistic: f64,
    /// `χ²₁.sf(A)`.
    pub p_chi2: f64,
    /// One-sided (excess only) `Φ̄((O−E)/√(E(k−E)/k))`.
    pub p_normal: f64,
    /// `P(Bin(k, E/k) ≥ O)`.
    pub p_binomial: f64,
    /// Exact Poisson-binomial tail `P(Σ Bernoulli(power_i) ≥ O)`.
    pub p_exact: f64,
}

fn tail_ge(probs: &[f64], o: usize) -> f64 {
    // Poisson-binomial distribution by dynamic programming; P(X ≥ o).
    let mut dp = vec![0.0; probs.len() + 1];
    dp[0] = 1.0;
    for (j, &p) in probs.iter().enumerate() {
        for c in (0..=j + 1).rev() {
            let stay = dp[c] * (1.0 - p);
            let up = if c > 0 { dp[c - 1] * p } else { 0.0 };
            dp[c] = stay + up;
        }
    }
    dp[o..].iter().sum::<f64>().min(1.0)
}

/// Excess-significance test. `effects` `y_i` and `standard_errors` `se_i > 0` of `k` studies;
/// study i is significant iff `|y_i − h0|/se_i ≥ Φ⁻¹(1−α/2)`; power at `theta` (default the
/// fixed-effect mean). Errors: lengths differ, empty input, non-finite values, `se_i ≤ 0`,
/// `alpha ∉ (0,1)`.
pub fn excess_significance(
    effects: &[f64],
    standard_errors: &[f64],
    alpha: f64,
    theta: Option<f64>,
    h0: f64,
) -> Result<ExcessResult> {
    check_len(effects, 1, "effects")?;
    check_len(standard_errors, 1, "standard_errors")?;
    check_alpha(alpha)?;
    if effects.len() != standard_errors.len() {
        return Err(StatsError::LengthMismatch {
            what: "effects/standard_errors".into(),
            left: effects.len(),
            right: standard_errors.len(),
        });
    }
    if let Some(i) = standard_errors.iter().position(|&s| s <= 0.0) {
        return Err(StatsError::param(
            &format!("standard_errors[{i}]"),
            standard_errors[i],
            "must be > 0",
        ));
    }
    let k = effects.len();
    let w: Vec<f64> = standard_errors.iter().map(|s| 1.0 / (s * s)).collect();
    let theta = match theta {
        Some(t) if t.is_finite() => t,
        Some(t) => return Err(StatsError::param("theta", t, "must be finite (or omitted)")),
        None => effects.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>() / w.iter().sum::<f64>(),
    };
    let c = norm_ppf(1.0 - alpha / 2.0);
    let powers: Vec<f64> = standard_errors
        .iter()
        .map(|se| {
            let d = (theta - h0) / se;
            norm_sf(c - d) + norm_cdf(-c - d)
        })
        .collect();
    let observed = effects
        .iter()
        .zip(standard_errors)
        .filter(|(y, se)| ((*y - h0) / *se).abs() >= c)
        .count();
    let e: f64 = powers.iter().sum();
    let kf = k as f64;
    let o = observed as f64;
    let a = (o - e).powi(2) / e + (o - e).powi(2) / (kf - e);
    let a = if e <= 0.0 || e >= kf { f64::NAN } else { a };
    let p_chi2 = if a.is_nan() {
        f64::NAN
    } else {
        2.0 * norm_sf(a.sqrt())
    };
    let p_normal = norm_sf((o - e) / (e * (kf - e) / kf).sqrt());
    let pb = (e / kf).clamp(0.0, 1.0);
    Ok(ExcessResult {
        k,
        observed,
        expected: e,
        theta,
        powers: powers.clone(),
        a_statistic: a,
        p_chi2,
        p_normal,
        p_binomial: tail_ge(&vec![pb; k], observed),
        p_exact: tail_ge(&powers, observed),
    })
}
