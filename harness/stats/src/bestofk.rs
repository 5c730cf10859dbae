//! Expected maximum of k draws ("best-of-k") and its inverse, the implied k of a claimed value
//! (STATISTICS.md §6). Normal model: Blom (1958) / order statistics; empirical: Dodge et al. (2019),
//! "Show Your Work", EMNLP, arXiv:1909.03004 (with replacement) and Tang et al. (2020), ACL,
//! arXiv:2004.13705 (without replacement).

use crate::describe::{check_len, mean, norm_cdf, norm_pdf, norm_sf, sorted};
use crate::error::{Result, StatsError};
use crate::quad::{brent, integrate};
use serde::{Deserialize, Serialize};

fn ln_phi(x: f64) -> f64 {
    // ln Φ(x), accurate in both tails.
    if x > 0.0 {
        (-norm_sf(x)).ln_1p()
    } else {
        norm_cdf(x).ln()
    }
}

fn upper_limit(k: f64) -> f64 {
    (2.0 * k.ln().max(0.0)).sqrt() + 12.0
}

/// `e_k`, the expected maximum of `k` i.i.d. standard normal draws (unitless, in σ units),
/// `e_k = ∫_0^∞ (1 − Φ^k) dx − ∫_{−∞}^0 Φ^k dx` with `Φ^k = exp(k ln Φ)` (STATISTICS.md §6.1).
/// Real `k ≥ 1`; `e_1 = 0`, `e_2 = 1/√π`. Errors: `k < 1` or non-finite.
pub fn expected_max_std_normal(k: f64) -> Result<f64> {
    if !(k >= 1.0 && k.is_finite()) {
        return Err(StatsError::param("k", k, "must be a finite number ≥ 1"));
    }
    if k == 1.0 {
        return Ok(0.0);
    }
    let up = upper_limit(k);
    let pos = integrate(
        |x| -(k * ln_phi(x)).exp_m1(),
        0.0,
        up,
        (up * 4.0).ceil() as usize,
    );
    let neg = integrate(|x| (k * ln_phi(x)).exp(), -14.0, 0.0, 56);
    Ok(pos - neg)
}

/// Variance of the maximum of `k` i.i.d. standard normal draws (σ² units),
/// `∫ x²·kφΦ^{k−1} dx − e_k²`. Used by the best-of-k claim test. Errors: `k < 1`.
pub fn var_max_std_normal(k: f64) -> Result<f64> {
    let e = expected_max_std_normal(k)?;
    let up = upper_limit(k);
    let m2 = integrate(
        |x| x * x * k * norm_pdf(x) * ((k - 1.0) * ln_phi(x)).exp(),
        -14.0,
        up,
        ((up + 14.0) * 4.0).ceil() as usize,
    );
    Ok((m2 - e * e).max(0.0))
}

/// Expected maximum of `k` draws from `N(μ, σ²)`: `μ + σ·e_k` (data units). Errors: `k < 1`,
/// `σ < 0` or non-finite inputs.
pub fn expected_max_normal(mu: f64, sigma: f64, k: f64) -> Result<f64> {
    if !(mu.is_finite() && sigma >= 0.0 && sigma.is_finite()) {
        return Err(StatsError::param(
            "sigma",
            sigma,
            "need finite mu and sigma ≥ 0",
        ));
    }
    Ok(mu + sigma * expected_max_std_normal(k)?)
}

/// Implied best-of-k of a claim: real solution `k_real` of `E[max_k] = c` and
/// `k_int = min{k ∈ ℕ : E[max_k] ≥ c}`; `∞` when not attainable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImpliedK {
    /// Real-valued solution (≥ 1; `∞` = not attainable).
    pub k_real: f64,
    /// Smallest integer `k` whose expected maximum reaches the claim (`None` when not attainable).
    pub k_int: Option<u64>,
}

const K_CAP: f64 = 1e15;

fn solve_k<F: Fn(f64) -> f64>(g: F, target: f64) -> ImpliedK {
    // g non-decreasing in k, g(1) < target.
    let mut lo = 1.0;
    let mut hi = 2.0;
    while g(hi) < target {
        lo = hi;
        hi *= 2.0;
        if hi > K_CAP {
            return ImpliedK {
                k_real: f64::INFINITY,
                k_int: None,
            };
        }
    }
    let k_real = brent(|k| g(k) - target, lo, hi, 1e-12 * hi).unwrap_or(hi);
    let mut ki = k_real.ceil().max(1.0);
    while ki > 1.0 && g(ki - 1.0) >= target {
        ki -= 1.0;
    }
    while g(ki) < target {
        ki += 1.0;
    }
    ImpliedK {
        k_real,
        k_int: Some(ki as u64),
    }
}

/// Implied best-of-k under the normal model (STATISTICS.md §6.1): `z = (c−μ)/σ`; `k = 1` if
/// `z ≤ 0`, else solve `e_k = z` by doubling + Brent. Example μ = 0.80, σ = 0.02, c = 0.85 →
/// `k_real = 97.90`, `k_int = 98`. `σ = 0` with `c > μ` gives `∞`. Errors: non-finite inputs, σ < 0.
pub fn implied_k_normal(claim: f64, mu: f64, sigma: f64) -> Result<ImpliedK> {
    if !(claim.is_finite() && mu.is_finite() && sigma >= 0.0 && sigma.is_finite()) {
        return Err(StatsError::param(
            "claim/mu/sigma",
            format!("{claim}/{mu}/{sigma}"),
            "need finite claim and mu, and finite sigma ≥ 0",
        ));
    }
    if claim <= mu {
        return Ok(ImpliedK {
            k_real: 1.0,
            k_int: Some(1),
        });
    }
    if sigma == 0.0 {
        return Ok(ImpliedK {
            k_real: f64::INFINITY,
            k_int: None,
        });
    }
    let z = (claim - mu) / sigma;
    Ok(solve_k(
        |k| expected_max_std_normal(k).unwrap_or(f64::NAN),
        z,
    ))
}

/// Dodge et al. (2019) expected maximum of `n` draws **with replacement** from the empirical
/// distribution of `scores`: `Σ v_(i)[(i/N)^n − ((i−1)/N)^n]` (data units; real `n ≥ 1`).
/// Errors: empty/non-finite scores, `n < 1`.
pub fn expected_max_empirical(scores: &[f64], n: f64) -> Result<f64> {
    check_len(scores, 1, "scores")?;
    if !(n >= 1.0 && n.is_finite()) {
        return Err(StatsError::param("n", n, "must be a finite number ≥ 1"));
    }
    let v = sorted(scores);
    let big_n = v.len() as f64;
    Ok(v.iter()
        .enumerate()
        .map(|(i, x)| {
            let i = i as f64 + 1.0;
            x * ((i / big_n).powf(n) - ((i - 1.0) / big_n).powf(n))
        })
        .sum())
}

/// Tang et al. (2020) unbiased expected maximum of `n` draws **without replacement**,
/// weights `[C(i,n) − C(i−1,n)]/C(N,n) = C(i−1,n−1)/C(N,n)` (data units; integer `1 ≤ n ≤ N`).
/// Errors: `n = 0` or `n > N`, empty/non-finite scores.
pub fn expected_max_empirical_without_replacement(scores: &[f64], n: usize) -> Result<f64> {
    check_len(scores, 1, "scores")?;
    let big_n = scores.len();
    if n == 0 || n > big_n {
        return Err(StatsError::param(
            "n",
            n,
            "must satisfy 1 ≤ n ≤ number of scores",
        ));
    }
    let v = sorted(scores);
    let mut total = 0.0;
    for (idx, x) in v.iter().enumerate() {
        let i = idx + 1;
        if i < n {
            continue;
        }
        // C(i-1, n-1)/C(N, n) = (n/N) · Π_{j=0}^{n-2} (i-1-j)/(N-1-j)
        let mut w = n as f64 / big_n as f64;
        for j in 0..n.saturating_sub(1) {
            w *= (i - 1 - j) as f64 / (big_n - 1 - j) as f64;
        }
        total += x * w;
    }
    Ok(total)
}

/// Implied best-of-k under the empirical (with replacement) model: `k = 1` if `c ≤ mean`,
/// **not attainable** (`k_real = ∞`) if `c ≥ max`, else doubling + Brent on real `k`, `k_int = ⌈k⌉`
/// checked by re-evaluation (STATISTICS.md §6.2). Errors: empty/non-finite scores or claim.
pub fn implied_k_empirical(claim: f64, scores: &[f64]) -> Result<ImpliedK> {
    check_len(scores, 1, "scores")?;
    if !claim.is_finite() {
        return Err(StatsError::param("claim", claim, "must be finite"));
    }
    let m = mean(scores);
    let mx = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if claim <= m {
        return Ok(ImpliedK {
            k_real: 1.0,
            k_int: Some(1),
        });
    }
    if claim >= mx {
        return Ok(ImpliedK {
            k_real: f64::INFINITY,
            k_int: None,
        });
    }
    Ok(solve_k(
        |k| expected_max_empirical(scores, k).unwrap_or(f64::NAN),
        claim,
    ))
}

/// An implied best-of-k for people: `1` at or below the mean, `≈ 2.5` below 10, `≈ 40` below
/// 1,000, two significant digits up to a million (`≈ 12,000`), `> 10⁶` beyond, `∞` when not
/// attainable, `—` for NaN.
pub fn format_k(k: f64) -> String {
    if k.is_nan() {
        return "—".into();
    }
    if k.is_infinite() {
        return "∞".into();
    }
    if k <= 1.0 {
        return "1".into();
    }
    if k < 10.0 {
        return format!("≈ {k:.1}");
    }
    if k < 1000.0 {
        return format!("≈ {k:.0}");
    }
    if k <= 1e6 {
        let mag = 10f64.powi(k.log10().floor() as i32 - 1);
        let r = ((k / mag).round() * mag) as u64;
        let digits = r.to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        return format!("≈ {grouped}");
    }
    "> 10⁶".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_is_printed_with_sensible_precision() {
        assert_eq!(format_k(1.0), "1");
        assert_eq!(format_k(0.7), "1");
        assert_eq!(format_k(2.54), "≈ 2.5");
        assert_eq!(format_k(40.2), "≈ 40");
        assert_eq!(format_k(999.4), "≈ 999");
        assert_eq!(format_k(12_345.0), "≈ 12,000");
        assert_eq!(format_k(1_000_000.0), "≈ 1,000,000");
        assert_eq!(format_k(53_878_819_023.4), "> 10⁶");
        assert_eq!(format_k(f64::INFINITY), "∞");
        assert_eq!(format_k(f64::NAN), "—");
    }

    #[test]
    fn table_values() {
        let table = [
            (2.0, 0.5641895835),
            (3.0, 0.8462843753),
            (4.0, 1.0293753730),
            (5.0, 1.1629644736),
            (10.0, 1.5387527308),
            (20.0, 1.8674750598),
            (50.0, 2.2490736294),
            (100.0, 2.5075936364),
            (1000.0, 3.2414357691),
        ];
        for (k, e) in table {
            let v = expected_max_std_normal(k).unwrap();
            assert!((v - e).abs() < 1e-9, "k={k}: {v} vs {e}");
        }
        let ik = implied_k_normal(0.85, 0.80, 0.02).unwrap();
        assert_eq!(ik.k_int, Some(98));
        assert!((ik.k_real - 97.90).abs() < 0.01);
        assert!((var_max_std_normal(1.0).unwrap() - 1.0).abs() < 1e-10);
        assert!(
            (var_max_std_normal(2.0).unwrap() - (1.0 - 1.0 / std::f64::consts::PI)).abs() < 1e-10
        );
    }
}
