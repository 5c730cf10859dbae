//! Student t procedures (STATISTICS.md §1): t confidence interval, one-sample t-test and
//! Welch's two-sample t-test, with SciPy 1.17.1's edge-case behaviour.

use crate::describe::{check_confidence, t_cdf, t_ppf, t_sf, Alternative, Sample};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Result of a t-test. Units: `estimate`, `standard_error` and `ci` are in data units;
/// `statistic` is unitless; `df` may be real-valued (Welch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TTestResult {
    /// t statistic; ±∞ when the standard error is 0 and the estimate differs from the null,
    /// NaN when both are 0 (SciPy behaviour).
    pub statistic: f64,
    /// Degrees of freedom (`n−1`, or Welch–Satterthwaite; 1 when Welch's ν is NaN, as SciPy).
    pub df: f64,
    /// p-value for the requested alternative.
    pub p_value: f64,
    /// Point estimate: `x̄` (one-sample) or `x̄ − ȳ` (Welch).
    pub estimate: f64,
    /// Standard error of the estimate.
    pub standard_error: f64,
    /// Confidence interval (one-sided alternatives give an infinite end, as SciPy).
    pub ci: (f64, f64),
}

fn t_from(diff: f64, se: f64) -> f64 {
    if se == 0.0 {
        if diff == 0.0 {
            f64::NAN
        } else {
            diff.signum() * f64::INFINITY
        }
    } else {
        diff / se
    }
}

fn p_of(t: f64, df: f64, alt: Alternative) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    match alt {
        Alternative::Greater => t_sf(t, df),
        Alternative::Less => t_cdf(t, df),
        Alternative::TwoSided => (2.0 * t_sf(t.abs(), df)).min(1.0),
    }
    .min(1.0)
}

/// Errors when an interval end that must be finite (both for two-sided, the one end of a
/// one-sided interval) overflowed binary64: data near ±1.8e308 whose spread times the t quantile
/// exceeds the range (e.g. `[1e308, 1e308, −1e308]`).
fn check_ci(ci: (f64, f64), alt: Alternative) -> Result<(f64, f64)> {
    let ok = match alt {
        Alternative::TwoSided => ci.0.is_finite() && ci.1.is_finite(),
        Alternative::Greater => ci.0.is_finite(),
        Alternative::Less => ci.1.is_finite(),
    };
    if ok {
        Ok(ci)
    } else {
        Err(crate::error::StatsError::param(
            "x",
            format!("interval [{:e}, {:e}]", ci.0, ci.1),
            "the confidence interval exceeds the range of binary64 (±1.8e308); rescale the data (e.g. divide every value by 1e300)",
        ))
    }
}

fn ci_of(est: f64, se: f64, df: f64, conf: f64, alt: Alternative) -> (f64, f64) {
    let half = |q: f64| {
        let c = t_ppf(q, df);
        if se == 0.0 {
            0.0
        } else {
            c * se
        }
    };
    match alt {
        Alternative::TwoSided => {
            let h = half(0.5 + conf / 2.0);
            (est - h, est + h)
        }
        Alternative::Greater => (est - half(conf), f64::INFINITY),
        Alternative::Less => (f64::NEG_INFINITY, est + half(conf)),
    }
}

/// Two-sided t confidence interval for the mean, `x̄ ± t_{1−α/2,n−1}·s/√n`
/// (Student 1908; STATISTICS.md §1.1). Constant data give `[x̄, x̄]` as
/// `ttest_1samp(...).confidence_interval`. Errors: `confidence ∉ (0,1)`.
pub fn t_interval(x: &Sample, confidence: f64) -> Result<(f64, f64)> {
    Ok(one_sample_t(x, 0.0, Alternative::TwoSided, confidence)?.ci)
}

/// One-sample t-test `scipy.stats.ttest_1samp(x, popmean, alternative)` with its
/// `confidence_interval(confidence)` (STATISTICS.md §1.2). `t = (x̄−μ0)/(s/√n)`, `df = n−1`.
/// Edge cases as SciPy: `s = 0, x̄ ≠ μ0` → `t = ±∞`; `s = 0, x̄ = μ0` → `t = p = NaN`.
/// Errors: `confidence ∉ (0,1)`, non-finite `popmean`.
pub fn one_sample_t(
    x: &Sample,
    popmean: f64,
    alternative: Alternative,
    confidence: f64,
) -> Result<TTestResult> {
    check_confidence(confidence)?;
    if !popmean.is_finite() {
        return Err(crate::error::StatsError::param(
            "popmean",
            popmean,
            "must be finite",
        ));
    }
    let n = x.len() as f64;
    let m = x.mean();
    let se = x.sd() / n.sqrt();
    let df = n - 1.0;
    let t = t_from(m - popmean, se);
    Ok(TTestResult {
        statistic: t,
        df,
        p_value: p_of(t, df, alternative),
        estimate: m,
        standard_error: se,
        ci: check_ci(ci_of(m, se, df, confidence, alternative), alternative)?,
    })
}

/// Welch–Satterthwaite degrees of freedom for variances-of-means `vx = s_x²/n_x`, `vy = s_y²/n_y`;
/// returns 1 when the result is NaN (both 0), as SciPy's `_unequal_var_ttest_denom`.
pub fn welch_df(vx: f64, nx: f64, vy: f64, ny: f64) -> f64 {
    let df = (vx + vy).powi(2) / (vx * vx / (nx - 1.0) + vy * vy / (ny - 1.0));
    if df.is_nan() {
        1.0
    } else {
        df
    }
}

/// Welch's unequal-variance t-test, `ttest_ind(x, y, equal_var=False, alternative)`, and the CI
/// of `x̄ − ȳ` (Welch 1947; Satterthwaite 1946; STATISTICS.md §1.3). Two constant samples give
/// `df = 1`, `t = ±∞` (or NaN if equal means), CI `[x̄−ȳ, x̄−ȳ]`.
/// Errors: `confidence ∉ (0,1)`.
pub fn welch_t(
    x: &Sample,
    y: &Sample,
    alternative: Alternative,
    confidence: f64,
) -> Result<TTestResult> {
    check_confidence(confidence)?;
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let vx = x.sd().powi(2) / nx;
    let vy = y.sd().powi(2) / ny;
    let df = welch_df(vx, nx, vy, ny);
    let se = (vx + vy).sqrt();
    let d = x.mean() - y.mean();
    let t = t_from(d, se);
    Ok(TTestResult {
        statistic: t,
        df,
        p_value: p_of(t, df, alternative),
        estimate: d,
        standard_error: se,
        ci: check_ci(ci_of(d, se, df, confidence, alternative), alternative)?,
    })
}

/// Paired t-test on `x − y` (= one-sample t on the differences, `scipy.stats.ttest_rel`).
/// Errors: lengths differ, fewer than 2 pairs, `confidence ∉ (0,1)`.
pub fn paired_t(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
    confidence: f64,
) -> Result<TTestResult> {
    if x.len() != y.len() {
        return Err(crate::error::StatsError::LengthMismatch {
            what: "paired_t x/y".into(),
            left: x.len(),
            right: y.len(),
        });
    }
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    one_sample_t(
        &Sample::named(d, "differences")?,
        0.0,
        alternative,
        confidence,
    )
}
