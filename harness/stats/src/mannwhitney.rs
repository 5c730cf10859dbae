//! Mann–Whitney U test of two independent samples, exactly as SciPy 1.17.1
//! `scipy.stats.mannwhitneyu(x, y, use_continuity=True, alternative=..., method=...)` computes it
//! (`scipy/stats/_mannwhitneyu.py`, read for this port):
//!
//! * `U1 = R1 − n1(n1+1)/2` with `R1` the sum of the average ranks (ties) of `x` in the pooled
//!   sample; `U2 = n1·n2 − U1`. The reported statistic is `U1`, whatever the alternative.
//! * `greater` uses `U = U1`, `less` uses `U = U2`, `two-sided` uses `U = max(U1, U2)` and doubles
//!   the survival function; the p-value is clipped to `[0, 1]`.
//! * `auto` chooses **asymptotic** if both samples have more than 8 values, or if there is any tie
//!   in the pooled sample; otherwise **exact**.
//! * exact: `P(U' ≥ U)` under the null distribution of U for sizes `(n1, n2)` without ties (the
//!   coefficients of the Gaussian binomial `[n1+n2 choose n1]_q`). SciPy casts `U` to an integer
//!   there (`np.asarray(U, np.int64)`), so a half-integer U from tied data forced through `exact`
//!   is truncated; this port does the same.
//! * asymptotic: `z = (U − n1n2/2 − 0.5) / s` (the 0.5 only with `use_continuity`),
//!   `s = √(n1n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))))` with `t` the tie-group sizes; `p = Φ(−z)`
//!   (times 2 for two-sided). All values tied gives `s = 0` and SciPy's IEEE result (`z = −∞`,
//!   `p = 1` with the continuity correction; NaN without it).
//!
//! Citations: Mann & Whitney (1947), *Ann. Math. Statist.* 18(1):50-60; the tie-corrected variance
//! and the exact distribution as in SciPy's references (Wikipedia "Mann–Whitney U test", method 2;
//! Andreas Löffler's recursion, here in its generating-function form).

use crate::describe::{check_finite, norm_cdf, rankdata, tie_groups, Alternative};
use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};

/// Largest `n1·n2` for which the exact null distribution is built (2,000,000 probabilities, 16 MB;
/// a clear error beyond it). `auto` asks for it only when a sample has at most 8 values, i.e. up to
/// 250,000 values in the other sample.
pub const MAX_EXACT_CELLS: usize = 2_000_000;
/// Largest `min(n1, n2)·n1·n2` (operations of the exact distribution, ~0.2 s).
pub const MAX_EXACT_WORK: f64 = 2e8;

/// How the p-value is computed (SciPy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MannWhitneyMethod {
    /// SciPy's default: exact unless both samples exceed 8 values or there are ties.
    #[default]
    Auto,
    /// Exact null distribution (no-tie formula).
    Exact,
    /// Normal approximation with tie correction.
    Asymptotic,
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MannWhitneyResult {
    /// `U1`, the U statistic of `x` (count of pairs with `x > y`, ties counting ½).
    pub statistic: f64,
    /// p-value for the requested alternative (clipped to [0, 1]).
    pub p_value: f64,
    /// The method actually used (`exact` or `asymptotic`).
    pub method: MannWhitneyMethod,
    /// The standardized statistic of the asymptotic method (None for exact).
    pub z: Option<f64>,
    /// Size of `x`.
    pub n1: usize,
    /// Size of `y`.
    pub n2: usize,
}

/// Null distribution of U (no ties) for sizes `m`, `n`: the probabilities of U = 0..=m·n, from
/// the Gaussian binomial coefficient `Π_{i=1}^{m} (1 − q^{n+i}) / (1 − q^i)`.
fn u_pmf(m: usize, n: usize) -> Vec<f64> {
    let (m, n) = (m.min(n), m.max(n));
    let len = m * n + 1;
    let mut c = vec![0.0f64; len];
    c[0] = 1.0;
    for i in 1..=m {
        // multiply by (1 − q^{n+i}); degree grows by n (the final degree is m·n)
        let s = n + i;
        for u in (s..len).rev() {
            c[u] -= c[u - s];
        }
        // divide by (1 − q^i): running sum with stride i
        for u in i..len {
            c[u] += c[u - i];
        }
    }
    let total: f64 = c.iter().sum();
    c.iter().map(|v| v / total).collect()
}

/// Mann–Whitney U test of `x` against `y` (SciPy 1.17.1 `mannwhitneyu`, see the module docs).
/// `greater` = `x` tends to be larger. Errors: an empty sample, a non-finite value, or an exact
/// distribution larger than [`MAX_EXACT_CELLS`].
pub fn mann_whitney_u(
    x: &[f64],
    y: &[f64],
    use_continuity: bool,
    alternative: Alternative,
    method: MannWhitneyMethod,
) -> Result<MannWhitneyResult> {
    if x.is_empty() || y.is_empty() {
        return Err(StatsError::TooFew {
            what: if x.is_empty() { "x" } else { "y" }.into(),
            need: 1,
            got: 0,
        });
    }
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let (n1, n2) = (x.len(), y.len());
    let mut xy = x.to_vec();
    xy.extend_from_slice(y);
    let ranks = rankdata(&xy);
    let r1: f64 = ranks[..n1].iter().sum();
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = r1 - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let (u, factor) = match alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let groups = tie_groups(&xy);
    let ties = groups.iter().any(|&t| t > 1);
    let method = match method {
        MannWhitneyMethod::Auto if (n1 > 8 && n2 > 8) || ties => MannWhitneyMethod::Asymptotic,
        MannWhitneyMethod::Auto => MannWhitneyMethod::Exact,
        m => m,
    };
    let (p, z) = match method {
        MannWhitneyMethod::Exact => {
            let work = n1.min(n2) as f64 * n1 as f64 * n2 as f64;
            if n1.saturating_mul(n2) > MAX_EXACT_CELLS || work > MAX_EXACT_WORK {
                return Err(StatsError::param(
                    "method",
                    "exact",
                    &format!(
                        "the exact distribution for sizes {n1} and {n2} exceeds the ceiling of {MAX_EXACT_CELLS} cells / {MAX_EXACT_WORK:.0e} operations; use 'asymptotic'"
                    ),
                ));
            }
            let pmf = u_pmf(n1, n2);
            let mn = n1 * n2;
            let k = (u.trunc().max(0.0) as usize).min(mn);
            let kc = mn - k;
            let cdf = |to: usize| pmf[..=to].iter().sum::<f64>();
            let sf = if k < kc {
                1.0 - cdf(k) + pmf[k]
            } else {
                cdf(kc)
            };
            (sf, None)
        }
        _ => {
            let n = f1 + f2;
            let tie_term: f64 = groups
                .iter()
                .map(|&t| {
                    let t = t as f64;
                    t * t * t - t
                })
                .sum();
            let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
            let mut num = u - f1 * f2 / 2.0;
            if use_continuity {
                num -= 0.5;
            }
            let z = num / s;
            (norm_cdf(-z), Some(z))
        }
    };
    let p = (p * factor).clamp(0.0, 1.0);
    Ok(MannWhitneyResult {
        statistic: u1,
        p_value: if p.is_nan() { f64::NAN } else { p },
        method,
        z,
        n1,
        n2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmf_sums_to_one_and_is_symmetric() {
        for (m, n) in [(1, 1), (2, 3), (5, 8), (8, 30)] {
            let p = u_pmf(m, n);
            assert_eq!(p.len(), m * n + 1);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            for u in 0..p.len() {
                assert!((p[u] - p[p.len() - 1 - u]).abs() < 1e-15);
            }
        }
        // m = 2, n = 2: U ∈ {0,1,2,2,3,4} over C(4,2) = 6 arrangements
        let p = u_pmf(2, 2);
        let want = [1.0, 1.0, 2.0, 1.0, 1.0].map(|c| c / 6.0);
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{p:?}");
        }
    }

    #[test]
    fn exact_small_case_by_hand() {
        // x above every y: U1 = 9, two-sided exact p = 2 / C(6,3) = 0.1
        let r = mann_whitney_u(
            &[4.0, 5.0, 6.0],
            &[1.0, 2.0, 3.0],
            true,
            Alternative::TwoSided,
            MannWhitneyMethod::Auto,
        )
        .unwrap();
        assert_eq!(r.statistic, 9.0);
        assert_eq!(r.method, MannWhitneyMethod::Exact);
        assert!((r.p_value - 0.1).abs() < 1e-15, "{r:?}");
    }

    #[test]
    fn empty_or_non_finite_input_is_an_error() {
        let a = Alternative::TwoSided;
        let m = MannWhitneyMethod::Auto;
        assert!(mann_whitney_u(&[], &[1.0], true, a, m).is_err());
        assert!(mann_whitney_u(&[1.0, f64::NAN], &[1.0], true, a, m).is_err());
    }
}
