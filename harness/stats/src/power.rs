//! Power of t-tests and the number of seeds needed to resolve a gap. `statrs` 0.18 has no
//! noncentral t distribution, so it is computed here by numerical integration over the scaled
//! chi distribution: `P(T' > t) = ∫ Φ̄(t·s − δ) g_ν(s) ds` with `s = √(V/ν)`, `V ~ χ²_ν`
//! (20-point Gauss–Legendre, 400 panels; agrees with `scipy.stats.nct` to ~1e-10, see the
//! test vectors). The seed count starts from the normal approximation
//! `n ≈ c·((z_{1−α/2} + z_{power})·σ/Δ)²` (c = 1 one-sample, 2 per group two-sample) and then
//! searches exactly (noncentral t) for the smallest adequate `n`, as statsmodels'
//! `TTestPower` / `TTestIndPower` (`ratio = 1`) define power.

use crate::describe::{check_alpha, norm_cdf, norm_ppf, norm_sf, t_ppf, Alternative};
use crate::error::{Result, StatsError};
use crate::quad::integrate;
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

/// Test design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// One-sample (or paired) t-test, `df = n−1`, `δ = Δ√n/σ`.
    OneSample,
    /// Two-sample t-test with `n` per group and equal SD (`df = 2n−2`, `δ = Δ√(n/2)/σ`); with
    /// equal n and SD Welch's test has essentially the same power.
    #[default]
    TwoSample,
}

fn chi_scaled_log_density(s: f64, nu: f64) -> f64 {
    let a = nu / 2.0;
    if a > 5_000.0 {
        // Stirling's series for ln Γ(a) (error < 1e-20 here): the terms `a ln a` and `ln Γ(a)`
        // would otherwise cancel catastrophically for large ν.
        return std::f64::consts::LN_2 + 0.5 * (a / (2.0 * std::f64::consts::PI)).ln()
            - 1.0 / (12.0 * a)
            + 1.0 / (360.0 * a * a * a)
            + a * (1.0 - s * s)
            + (2.0 * a - 1.0) * s.ln();
    }
    std::f64::consts::LN_2 + a * a.ln() - ln_gamma(a) + (nu - 1.0) * s.ln() - nu * s * s / 2.0
}

fn nct_integral<F: Fn(f64) -> f64>(f: F, df: f64) -> f64 {
    let w = 16.0 / df.sqrt();
    let lo = (1.0 - w).max(0.0);
    let hi = 1.0 + w;
    integrate(
        |s| {
            if s <= 0.0 {
                0.0
            } else {
                f(s) * chi_scaled_log_density(s, df).exp()
            }
        },
        lo,
        hi,
        400,
    )
}

/// Below this many degrees of freedom [`nct_sf`] integrates over `y = ln s`: panels in `s` miss
/// the mass of `s` near 0, which carries the tail `P(T' > t)` for large `|t|` (at ν = 1.5 the
/// error was 1e-7, at ν = 1, t = 10⁴ 4e-5, at ν < 1 anything); above it that mass is below
/// `s^{49}` and the panels in `s` around the narrow mode are the better choice.
pub const NCT_LOG_DF: f64 = 50.0;

/// The integral for `ν <` [`NCT_LOG_DF`]: there the density of `s` has the singularity `s^{ν−1}`
/// at 0 and spreads its mass over many decades of `s` (for ν = 0.01 half of it lies below
/// s = 10⁻³⁰), which panels in `s` cannot resolve. With `f₀ = f(0⁺)` (the limit `s → 0`, where
/// `t·s − δ → −δ`), `∫ f g ds = f₀ + ∫ (f(e^y) − f₀) g(e^y) e^y dy`: the integrand decays like
/// `e^{(1+ν)y}` as `y → −∞` and like `exp(−ν e^{2y}/2)` as `y → ∞`, so a finite range in `y`
/// (down to `−45 − ln max(|t|, 1)`, up to where `ν s²/2 = 750` and at least 16 standard
/// deviations `1/√(2ν)` above the mode `s ≈ 1`) holds all but ~1e-19 of it.
fn nct_integral_log<F: Fn(f64) -> f64>(f: F, t: f64, df: f64) -> f64 {
    let f0 = f(0.0);
    let y_lo = -45.0 - t.abs().max(1.0).ln();
    let y_hi = (0.5 * (1500.0 / df).ln() + 1.0).max((16.0 / (2.0 * df).sqrt()).ln_1p());
    let rest = integrate(
        |y| {
            let s = y.exp();
            let w = (chi_scaled_log_density(s, df) + y).exp();
            if w == 0.0 {
                0.0
            } else {
                (f(s) - f0) * w
            }
        },
        y_lo,
        y_hi,
        800,
    );
    f0 + rest
}

fn nct_any<F: Fn(f64) -> f64>(f: F, t: f64, df: f64, nc: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 || !nc.is_finite() {
        return f64::NAN;
    }
    let p = if df < NCT_LOG_DF {
        nct_integral_log(f, t, df)
    } else {
        nct_integral(f, df)
    };
    p.clamp(0.0, 1.0)
}

/// Noncentral t survival function `P(T' > t)` for `df > 0`, noncentrality `nc` (finite); NaN
/// otherwise. Any `df > 0`: below [`NCT_LOG_DF`] the integral is taken over `ln s` (checked
/// against mpmath down to df = 10⁻⁶, `tests/special/nct.json`).
pub fn nct_sf(t: f64, df: f64, nc: f64) -> f64 {
    nct_any(|s| norm_sf(t * s - nc), t, df, nc)
}

/// Noncentral t cdf `P(T' ≤ t)`; as [`nct_sf`].
pub fn nct_cdf(t: f64, df: f64, nc: f64) -> f64 {
    nct_any(|s| norm_cdf(t * s - nc), t, df, nc)
}

/// Smallest `alpha` of [`t_test_power`] and [`seeds_needed`]: 10⁻¹², a critical value ~7
/// standard errors out. The critical values are taken from the lower tail (`−t_ppf(α/2)`, not
/// `t_ppf(1 − α/2)`, which rounds to `t_ppf(1) = ∞` below α ≈ 1e-16), but the Student t quantile
/// and the noncentral t are checked only this far.
pub const MIN_POWER_ALPHA: f64 = 1e-12;

fn check_power_alpha(alpha: f64) -> Result<()> {
    check_alpha(alpha)?;
    if alpha < MIN_POWER_ALPHA {
        return Err(StatsError::param(
            "alpha",
            alpha,
            &format!("is below the floor of {MIN_POWER_ALPHA:e} of the power computations; use alpha ≥ {MIN_POWER_ALPHA:e}"),
        ));
    }
    Ok(())
}

fn check_gap(gap: f64, sd: f64) -> Result<()> {
    if !gap.is_finite() || gap == 0.0 {
        return Err(StatsError::param(
            "gap",
            gap,
            "must be a finite non-zero difference in means",
        ));
    }
    if !(sd.is_finite() && sd > 0.0) {
        return Err(StatsError::param(
            "sd",
            sd,
            "must be a finite standard deviation > 0",
        ));
    }
    Ok(())
}

/// Power (probability 0–1) of a t-test with `n` runs (per group for `TwoSample`) to detect a true
/// difference `gap` with run-to-run SD `sd` at level `alpha`; `Greater`/`Less` are one-sided in the
/// direction of `gap`'s sign convention of statsmodels (`larger` = Greater). Errors: `n < 2`,
/// zero/non-finite gap, `sd ≤ 0`, `alpha ∉ (0,1)`.
pub fn t_test_power(
    n: usize,
    gap: f64,
    sd: f64,
    alpha: f64,
    design: Design,
    alternative: Alternative,
) -> Result<f64> {
    check_gap(gap, sd)?;
    check_power_alpha(alpha)?;
    if n < 2 {
        return Err(StatsError::param(
            "n",
            n,
            "need at least 2 runs (per group)",
        ));
    }
    let nf = n as f64;
    let d = gap / sd;
    let (df, nc) = match design {
        Design::OneSample => (nf - 1.0, d * nf.sqrt()),
        Design::TwoSample => (2.0 * nf - 2.0, d * (nf / 2.0).sqrt()),
    };
    Ok(match alternative {
        Alternative::TwoSided => {
            let c = -t_ppf(alpha / 2.0, df);
            nct_sf(c, df, nc) + nct_cdf(-c, df, nc)
        }
        Alternative::Greater => nct_sf(-t_ppf(alpha, df), df, nc),
        Alternative::Less => nct_cdf(t_ppf(alpha, df), df, nc),
    }
    .min(1.0))
}

/// Largest number of runs [`seeds_needed`] answers (10 million): beyond it the gap is
/// practically unresolvable and the search stops with an error instead of running on.
pub const MAX_SEEDS_NEEDED: usize = 10_000_000;

/// Number of seeds needed (see module doc).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeedsNeeded {
    /// Smallest `n` (per group for two-sample) whose power reaches the target.
    pub n: usize,
    /// Power achieved at `n`.
    pub achieved_power: f64,
    /// Starting point from the normal approximation (real-valued).
    pub normal_approximation: f64,
}

/// Smallest number of runs (per group for `TwoSample`) for which a t-test at `alpha` detects the
/// difference in means `gap` with SD `sd` with probability ≥ `power`. Normal approximation, then
/// exact search with the noncentral t (galloping + bisection: O(log n) evaluations). Errors: as
/// [`t_test_power`], `power ∉ (0,1)`, or more than [`MAX_SEEDS_NEEDED`] runs needed.
pub fn seeds_needed(
    gap: f64,
    sd: f64,
    alpha: f64,
    power: f64,
    design: Design,
    alternative: Alternative,
) -> Result<SeedsNeeded> {
    check_gap(gap, sd)?;
    check_power_alpha(alpha)?;
    if !(power > 0.0 && power < 1.0) {
        return Err(StatsError::param(
            "power",
            power,
            "must lie strictly between 0 and 1",
        ));
    }
    let za = match alternative {
        Alternative::TwoSided => -norm_ppf(alpha / 2.0),
        _ => -norm_ppf(alpha),
    };
    let c = match design {
        Design::OneSample => 1.0,
        Design::TwoSample => 2.0,
    };
    let approx = c * ((za + norm_ppf(power)) * sd / gap.abs()).powi(2);
    if approx.is_nan() || approx > MAX_SEEDS_NEEDED as f64 {
        return Err(StatsError::param(
            "gap",
            gap,
            &format!(
                "more than {MAX_SEEDS_NEEDED} runs needed (normal approximation {approx:.3e}); the gap is too small relative to sd"
            ),
        ));
    }
    let pw = |n: usize| t_test_power(n, gap, sd, alpha, design, alternative);
    let start = (approx.ceil() as usize).clamp(2, MAX_SEEDS_NEEDED);
    let Some(n) = smallest_n_reaching(start, |n| Ok(pw(n)? >= power))? else {
        return Err(StatsError::param(
            "gap",
            gap,
            &format!(
                "more than {MAX_SEEDS_NEEDED} runs needed; the gap is too small relative to sd"
            ),
        ));
    };
    Ok(SeedsNeeded {
        n,
        achieved_power: pw(n)?,
        normal_approximation: approx,
    })
}

/// The smallest number of runs `n` in `2..=MAX_SEEDS_NEEDED` with `reaches(n)`, for a `reaches`
/// that is monotone in `n` (false, then true: power grows with the number of runs), searched
/// from a first guess `start` (e.g. a normal approximation): gallop from it to a bracket
/// `reaches(lo) == false`, `reaches(hi) == true`, then bisect — O(log n) evaluations, never a
/// linear walk. `n = 1` is never evaluated (no t-test has 0 degrees of freedom).
/// `Ok(None)`: not reached even at [`MAX_SEEDS_NEEDED`]. Errors: those of `reaches`.
/// Used by [`seeds_needed`] and by the verdicts' seeds-to-decide.
pub fn smallest_n_reaching(
    start: usize,
    mut reaches: impl FnMut(usize) -> Result<bool>,
) -> Result<Option<usize>> {
    let start = start.clamp(2, MAX_SEEDS_NEEDED);
    let (mut lo, mut hi);
    if reaches(start)? {
        hi = start;
        let mut step = 1;
        loop {
            let cand = hi.saturating_sub(step).max(1);
            if cand < 2 || !reaches(cand)? {
                lo = cand;
                break;
            }
            hi = cand;
            step *= 2;
        }
    } else {
        lo = start;
        let mut step = 1;
        loop {
            let cand = lo.saturating_add(step);
            if cand > MAX_SEEDS_NEEDED {
                if !reaches(MAX_SEEDS_NEEDED)? {
                    return Ok(None);
                }
                hi = MAX_SEEDS_NEEDED;
                break;
            }
            if reaches(cand)? {
                hi = cand;
                break;
            }
            lo = cand;
            step *= 2;
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi.max(2)))
}
