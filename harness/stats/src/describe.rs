//! Descriptive statistics, ranks, quantiles, the [`Sample`] type and the
//! [`Alternative`] convention (STATISTICS.md §0).

use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

/// Direction of the alternative hypothesis, as in SciPy (`alternative=`).
///
/// `Greater` → `p = sf(stat)`, `Less` → `p = cdf(stat)`, `TwoSided` → `p = 2·min(cdf, sf)`
/// clipped to 1 (STATISTICS.md §0). Serialised as `"two-sided"`, `"less"`, `"greater"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Alternative {
    /// `H1: θ ≠ θ0` (SciPy default).
    #[default]
    #[serde(rename = "two-sided")]
    TwoSided,
    /// `H1: θ < θ0`.
    #[serde(rename = "less")]
    Less,
    /// `H1: θ > θ0`.
    #[serde(rename = "greater")]
    Greater,
}

/// A sample of at least 2 finite values (the invariant every t-procedure and bootstrap needs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample(Vec<f64>);

impl Sample {
    /// Builds a sample. Errors: [`StatsError::TooFew`] if fewer than 2 values,
    /// [`StatsError::NonFinite`] naming the first NaN/±∞ position.
    pub fn new(values: Vec<f64>) -> Result<Sample> {
        Self::named(values, "sample")
    }
    /// As [`Sample::new`], with `what` used in error messages (e.g. the JSON field name).
    pub fn named(values: Vec<f64>, what: &str) -> Result<Sample> {
        check_finite(&values, what)?;
        if values.len() < 2 {
            return Err(StatsError::TooFew {
                what: what.into(),
                need: 2,
                got: values.len(),
            });
        }
        Ok(Sample(values))
    }
    /// The values, in input order.
    pub fn values(&self) -> &[f64] {
        &self.0
    }
    /// Number of values (≥ 2).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Arithmetic mean (same units as the data).
    pub fn mean(&self) -> f64 {
        mean(&self.0)
    }
    /// Sample standard deviation, `ddof = 1` (same units as the data).
    pub fn sd(&self) -> f64 {
        sd(&self.0)
    }
}

impl AsRef<[f64]> for Sample {
    fn as_ref(&self) -> &[f64] {
        &self.0
    }
}

/// Errors with [`StatsError::NonFinite`] at the first non-finite entry of `x`.
pub fn check_finite(x: &[f64], what: &str) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(StatsError::NonFinite {
            what: what.into(),
            index: i,
            value: x[i],
        }),
        None => Ok(()),
    }
}

/// Errors unless `x` has at least `need` values, all finite.
pub fn check_len(x: &[f64], need: usize, what: &str) -> Result<()> {
    check_finite(x, what)?;
    if x.len() < need {
        return Err(StatsError::TooFew {
            what: what.into(),
            need,
            got: x.len(),
        });
    }
    Ok(())
}

/// Checks `0 < confidence < 1`.
pub fn check_confidence(c: f64) -> Result<()> {
    if c > 0.0 && c < 1.0 {
        Ok(())
    } else {
        Err(StatsError::param(
            "confidence",
            c,
            "must lie strictly between 0 and 1",
        ))
    }
}

/// Checks `0 < alpha < 1`.
pub fn check_alpha(a: f64) -> Result<()> {
    if a > 0.0 && a < 1.0 {
        Ok(())
    } else {
        Err(StatsError::param(
            "alpha",
            a,
            "must lie strictly between 0 and 1",
        ))
    }
}

/// Arithmetic mean; NaN for an empty slice. Overflow-safe: when the plain sum of finite values
/// overflows (values near ±1.8e308), the mean is taken of the values divided by the largest
/// magnitude and scaled back, so `[1e308, 1e308, −1e308]` gives 3.33e307, not ∞.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let s = x.iter().sum::<f64>();
    match overflow_scale(s, x) {
        Some(k) => k * (x.iter().map(|v| v / k).sum::<f64>() / x.len() as f64),
        None => s / x.len() as f64,
    }
}

/// The largest magnitude of `x` when `result` overflowed although every value is finite.
fn overflow_scale(result: f64, x: &[f64]) -> Option<f64> {
    if result.is_finite() || result.is_nan() || !x.iter().all(|v| v.is_finite()) {
        return None;
    }
    let k = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    (k > 0.0).then_some(k)
}

fn var_plain(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

/// Sample variance with `ddof = 1` (two-pass); NaN if `n < 2`; +∞ when the variance itself
/// exceeds binary64 (see [`sd`], which stays finite).
pub fn var(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    var_plain(x)
}

/// Sample standard deviation with `ddof = 1` (`np.std(x, ddof=1)`); NaN if `n < 2`.
/// Overflow-safe: when the squares overflow, computed on the values divided by the largest
/// magnitude and scaled back (`sd([1e308, 1e308, −1e308])` = 1.15e308).
pub fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let v = var_plain(x);
    match overflow_scale(v, x) {
        Some(k) => {
            let y: Vec<f64> = x.iter().map(|v| v / k).collect();
            k * var_plain(&y).sqrt()
        }
        None => v.sqrt(),
    }
}

/// Sorted copy (NaN-free input assumed; NaN sorts last via `total_cmp`).
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// Type-7 quantile (Hyndman & Fan 1996; NumPy `'linear'`) of an already **sorted** slice,
/// `p ∈ [0, 1]`. NaN if `p` is NaN or the slice is empty (STATISTICS.md §0).
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    if lo + 1 >= v.len() {
        return v[v.len() - 1];
    }
    let t = h - lo as f64;
    let (a, b) = (v[lo], v[lo + 1]);
    // NumPy's _lerp: a + (b-a)t, or b - (b-a)(1-t) for t >= 0.5.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Type-7 quantile of unsorted data.
pub fn quantile(x: &[f64], p: f64) -> f64 {
    quantile_sorted(&sorted(x), p)
}

/// Median (`np.median`); NaN for empty input.
pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Average ranks, 1-based (`scipy.stats.rankdata(method='average')`); ties by exact `==`.
pub fn rankdata(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && x[idx[j]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            r[k] = avg;
        }
        i = j;
    }
    r
}

/// Sizes of the tie groups (size ≥ 2) of `x` under exact equality.
pub fn tie_groups(x: &[f64]) -> Vec<usize> {
    let v = sorted(x);
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v[j] == v[i] {
            j += 1;
        }
        if j - i > 1 {
            out.push(j - i);
        }
        i = j;
    }
    out
}

/// Trimmed mean `scipy.stats.trim_mean(x, prop)`: drop `⌊prop·n⌋` values from each end of the
/// sorted data and average the rest (no fractional weights). Errors if `prop ∉ [0, 0.5)` or `x` is
/// empty/non-finite.
pub fn trim_mean(x: &[f64], prop: f64) -> Result<f64> {
    check_len(x, 1, "scores")?;
    if !(0.0..0.5).contains(&prop) {
        return Err(StatsError::param(
            "proportiontocut",
            prop,
            "must lie in [0, 0.5)",
        ));
    }
    let v = sorted(x);
    let g = (prop * v.len() as f64).floor() as usize;
    Ok(mean(&v[g..v.len() - g]))
}

// ------------------------------------------------------------------ distributions

/// Complementary error function `erfc(x) = 1 − erf(x)`, from the `libm` crate (a port of the
/// musl/FreeBSD implementation, error below 1 ULP; checked against mpmath in
/// `tests/special.rs`). statrs' `erfc` is off by up to ~1e-10 relative.
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// Standard normal cdf Φ(x) = erfc(−x/√2)/2 (SciPy's `ndtr`), accurate to a few ULP for
/// |x| ≲ 5 and to ~1e-14 relative in the far lower tail.
pub fn norm_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    0.5 * erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

/// Standard normal survival function Φ̄(x) = 1 − Φ(x) = erfc(x/√2)/2, accurate in the upper
/// tail.
pub fn norm_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    0.5 * erfc(x * std::f64::consts::FRAC_1_SQRT_2)
}

/// Standard normal density φ(x).
pub fn norm_pdf(x: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// Standard normal quantile Φ⁻¹(p) (`scipy.special.ndtri`): −∞ at 0, +∞ at 1, NaN outside [0,1].
/// statrs' value polished with at most 4 Newton steps on the accurate [`norm_cdf`]/[`norm_sf`]
/// (stopping when the step is below 1 ULP), so the result is within a few ULP of the exact
/// quantile of the given `p` (tested against mpmath).
pub fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let mut x = Normal::standard().inverse_cdf(p);
    for _ in 0..4 {
        let d = norm_pdf(x);
        if !x.is_finite() || d <= 0.0 {
            break;
        }
        let err = if x > 0.0 {
            (1.0 - p) - norm_sf(x)
        } else {
            norm_cdf(x) - p
        };
        let step = err / d;
        x -= step;
        if step.abs() <= f64::EPSILON * x.abs() {
            break;
        }
    }
    x
}

/// Degrees of freedom above which the Student t cdf and quantile use their large-ν
/// expansions around the normal (Abramowitz & Stegun 26.7.5, Cornish–Fisher to `ν⁻⁴`, whose
/// truncation error is below 1e-16 while `z² ≤ √ν`): statrs' incomplete-beta route loses
/// accuracy (1e-11 at ν = 1e5, 1e-2 at 1e12) and its inverse can spin forever as ν grows
/// (Welch's ν with a tiny spread). Beyond [`T_HUGE_DF`] the expansion is used whatever `z`.
/// `ν = ∞` is the normal distribution exactly.
pub const T_LARGE_DF: f64 = 1e4;
/// Degrees of freedom beyond which statrs' t routines are never called.
pub const T_HUGE_DF: f64 = 1e5;

/// Cornish–Fisher expansion of the t quantile in terms of the normal quantile `z` (A&S 26.7.5)
/// and its derivative with respect to `z`.
fn t_from_z(z: f64, df: f64) -> (f64, f64) {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    let d1 = (3.0 * z2 + 1.0) / 4.0;
    let d2 = ((25.0 * z2 + 48.0) * z2 + 3.0) / 96.0;
    let d3 = (((21.0 * z2 + 95.0) * z2 + 51.0) * z2 - 15.0) / 384.0;
    let d4 = ((((711.0 * z2 + 5432.0) * z2 + 7410.0) * z2 - 5760.0) * z2 - 945.0) / 92160.0;
    let v = 1.0 / df;
    (
        z + v * (g1 + v * (g2 + v * (g3 + v * g4))),
        1.0 + v * (d1 + v * (d2 + v * (d3 + v * d4))),
    )
}

/// The normal deviate `z` whose Cornish–Fisher t quantile is `t` (Newton, at most 30 steps,
/// from `z = t`); `None` when `t` is too far out for the expansion (`t² > √ν`).
fn z_from_t(t: f64, df: f64) -> Option<f64> {
    if t * t > df.sqrt() {
        return None;
    }
    let mut z = t;
    for _ in 0..30 {
        let (tz, dz) = t_from_z(z, df);
        let step = (tz - t) / dz;
        z -= step;
        if step.abs() <= 1e-17 * z.abs().max(1e-300) {
            break;
        }
    }
    Some(z)
}

fn student(df: f64) -> Option<StudentsT> {
    StudentsT::new(0.0, 1.0, df).ok()
}

/// Student t cdf with real `df > 0` (`df = ∞` is the normal); handles ±∞ and NaN (→ NaN).
/// Beyond [`T_LARGE_DF`] it uses the large-ν expansion.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() {
        return f64::NAN;
    }
    if t == f64::INFINITY {
        return 1.0;
    }
    if t == f64::NEG_INFINITY {
        return 0.0;
    }
    if df == f64::INFINITY {
        return norm_cdf(t);
    }
    if df > T_LARGE_DF {
        if let Some(z) = z_from_t(t, df) {
            return norm_cdf(z);
        }
        if df > 1e15 {
            // |t| > ν^¼ > 5600: both tails are below 1e-300 either way.
            return norm_cdf(t);
        }
    }
    match student(df) {
        Some(d) => d.cdf(t),
        None => f64::NAN,
    }
}

/// Student t survival function `P(T ≥ t)`.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    t_cdf(-t, df)
}

/// Student t quantile for real `df > 0` (statrs' value polished by at most 3 Newton steps on
/// the cdf). `df = ∞` gives the normal quantile, `df >` [`T_LARGE_DF`] the Cornish–Fisher
/// expansion (closed form: never iterates without bound, whatever `df`).
pub fn t_ppf(p: f64, df: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if df == f64::INFINITY {
        return norm_ppf(p);
    }
    if df > T_LARGE_DF {
        let z = norm_ppf(p);
        if df > T_HUGE_DF || z * z <= df.sqrt() {
            return t_from_z(z, df).0;
        }
    }
    let Some(d) = student(df) else {
        return f64::NAN;
    };
    if p < T_TAIL_P {
        return t_ppf_lower_tail(p, df, &d);
    }
    if p > 1.0 - T_TAIL_P {
        return -t_ppf_lower_tail(1.0 - p, df, &d);
    }
    let mut x = d.inverse_cdf(p);
    for _ in 0..3 {
        let dens = d.pdf(x);
        if !x.is_finite() || dens <= 0.0 {
            break;
        }
        let err = if x > 0.0 {
            (1.0 - p) - t_sf(x, df)
        } else {
            t_cdf(x, df) - p
        };
        x -= err / dens;
    }
    x
}

/// Below this probability (and above `1 −` it) [`t_ppf`] takes the quantile from the tail
/// ([`t_ppf_lower_tail`]): `statrs`' Student t inverse is 80 % off at ν = 1, p = 1e-10 and panics
/// (`XOutOfRange` from its inverse regularized beta) near p = 1e-150.
pub const T_TAIL_P: f64 = 1e-6;

/// The Student t quantile for a tiny `p`: the tail expansion `F(t) ≈ K ν^{(ν−1)/2} |t|^{−ν}`
/// (`K = Γ((ν+1)/2) / (√(νπ) Γ(ν/2))`, exact to O(ν/t²)) as a start below ν = 30, the
/// Cornish–Fisher expansion from the normal quantile above, then Newton steps on
/// `ln F` (at most 50; they stop where the density underflows, where the start is already exact
/// to rounding).
fn t_ppf_lower_tail(p: f64, df: f64, d: &StudentsT) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let ln_k =
        ln_gamma((df + 1.0) / 2.0) - 0.5 * (df * std::f64::consts::PI).ln() - ln_gamma(df / 2.0);
    let mut x = if df < 30.0 {
        -((ln_k + (df - 1.0) / 2.0 * df.ln() - p.ln()) / df).exp()
    } else {
        // the power law starts far out for large ν; the Cornish–Fisher start is close
        t_from_z(norm_ppf(p), df).0
    };
    for _ in 0..50 {
        let (f, dens) = (t_cdf(x, df), d.pdf(x));
        if !(x.is_finite() && f > 0.0 && dens > 0.0) {
            break;
        }
        let mut next = x - (f.ln() - p.ln()) * f / dens;
        if next >= 0.0 {
            next = x / 2.0; // stay in the lower tail
        }
        let done = (next - x).abs() <= 1e-15 * x.abs();
        x = next;
        if done {
            break;
        }
    }
    x
}

/// p-value from a statistic's cdf and sf under the SciPy convention (STATISTICS.md §0).
pub fn p_from_tails(cdf: f64, sf: f64, alt: Alternative) -> f64 {
    match alt {
        Alternative::Greater => sf,
        Alternative::Less => cdf,
        Alternative::TwoSided => (2.0 * cdf.min(sf)).min(1.0),
    }
}

/// Formats `x` with about `digits` significant digits (for notes and tables).
pub fn fmt_sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-4..=6).contains(&mag) {
        return format!("{:.*e}", digits.saturating_sub(1), x);
    }
    let dec = (digits as i32 - 1 - mag).max(0) as usize;
    format!("{x:.dec$}")
}
