//! The evidence behind "reproduced" and "no effect": the power of a test to detect a practical
//! margin, and the number of seeds that would give it that power. Both call the existing
//! procedures of [`crate::power`] (noncentral t, statsmodels' `TTestPower` definition).
//!
//! The claim test compares the runs' mean with the claim, whose own variance is `c·σ²`
//! (`c = 1` for a single-run or unknown claim, `1/m` for a mean of m runs, `v_m` for a best of
//! m, `SE²/σ²` with a printed SE). Its statistic has noncentrality `Δ / (σ·√(1/n + c))` under a
//! true shortfall `Δ`, which is the one-sample noncentrality `Δ'·√n/σ` of the gap
//! `Δ' = Δ / √(1 + n·c)`: the power is [`t_test_power`] at that gap. As n grows the
//! noncentrality tends to `Δ / (σ·√c)`: when that limit stays below `z_{1−α} + z_{power}`, no
//! number of seeds resolves the margin (the claim's own noise is too large; for a single-run
//! claim, a margin under ≈ 2.5 run SDs).

use crate::describe::{norm_ppf, Alternative};
use crate::power::{seeds_needed, smallest_n_reaching, t_test_power, Design, MAX_SEEDS_NEEDED};

/// Power (0–1) of the one-sided claim test with `n` finite runs of SD `sd` and a claim of
/// variance `claim_var_ratio · sd²` to detect a shortfall of `margin` (metric units) at level
/// `alpha`. `sd = 0` gives 1 (any shortfall is seen exactly); `None` for `n < 2` or invalid
/// inputs.
pub fn claim_power(
    n: usize,
    sd: f64,
    claim_var_ratio: f64,
    margin: f64,
    alpha: f64,
) -> Option<f64> {
    let valid = margin.is_finite() && margin > 0.0 && claim_var_ratio >= 0.0;
    if n < 2 || !valid {
        return None;
    }
    if sd == 0.0 {
        return Some(1.0);
    }
    let gap = margin / (1.0 + n as f64 * claim_var_ratio).sqrt();
    t_test_power(n, gap, sd, alpha, Design::OneSample, Alternative::Greater).ok()
}

/// What more seeds can do for an undecided claim or dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "n")]
pub enum SeedsToDecide {
    /// This many runs (per arm for a comparison) give the target power.
    Seeds(usize),
    /// No number of runs does: the claim's own noise exceeds what the margin allows (or more
    /// than [`MAX_SEEDS_NEEDED`] would be needed).
    Never,
}

/// Smallest number of runs for which [`claim_power`] reaches `power` (the "seeds that would
/// decide" a claim that is consistent but underpowered). Starts from
/// [`seeds_needed`] when the claim carries no noise of its own, else from the normal
/// approximation `1/n = (Δ / (σ(z_{1−α} + z_power)))² − c`, then searches exactly. `None` for
/// invalid inputs (zero SD or margin).
pub fn claim_seeds_needed(
    sd: f64,
    claim_var_ratio: f64,
    margin: f64,
    alpha: f64,
    power: f64,
) -> Option<SeedsToDecide> {
    if !(sd.is_finite() && sd > 0.0 && margin.is_finite() && margin > 0.0) {
        return None;
    }
    if claim_var_ratio <= 0.0 {
        return Some(
            match seeds_needed(
                margin,
                sd,
                alpha,
                power,
                Design::OneSample,
                Alternative::Greater,
            ) {
                Ok(s) => SeedsToDecide::Seeds(s.n),
                Err(_) => SeedsToDecide::Never,
            },
        );
    }
    let z = norm_ppf(1.0 - alpha) + norm_ppf(power);
    let inv_n = (margin / (sd * z)).powi(2) - claim_var_ratio;
    if inv_n.is_nan() || inv_n <= 0.0 {
        return Some(SeedsToDecide::Never);
    }
    let reaches =
        |n: usize| claim_power(n, sd, claim_var_ratio, margin, alpha).unwrap_or(0.0) >= power;
    let start = ((1.0 / inv_n).ceil().min(MAX_SEEDS_NEEDED as f64) as usize).max(2);
    match smallest_n_reaching(start, |n| Ok(reaches(n))) {
        Ok(Some(n)) => Some(SeedsToDecide::Seeds(n)),
        _ => Some(SeedsToDecide::Never),
    }
}

/// Runs per arm for which a two-sided t-test at `alpha` detects a per-dataset effect of size
/// `effect` (metric units) with run-to-run SD `sd` with probability `power`
/// ([`seeds_needed`], two-sample or paired one-sample design). `None` for a zero effect or SD.
pub fn dataset_seeds_needed(
    effect: f64,
    sd: f64,
    paired: bool,
    alpha: f64,
    power: f64,
) -> Option<SeedsToDecide> {
    if !(effect.is_finite() && effect != 0.0 && sd.is_finite() && sd > 0.0) {
        return None;
    }
    let design = if paired {
        Design::OneSample
    } else {
        Design::TwoSample
    };
    Some(
        match seeds_needed(effect, sd, alpha, power, design, Alternative::TwoSided) {
            Ok(s) => SeedsToDecide::Seeds(s.n),
            Err(_) => SeedsToDecide::Never,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_grows_with_n_and_reaches_the_target_at_the_seeds_needed() {
        // mean of 5 runs (c = 0.2), margin 1.5 sd (limit noncentrality 3.35 > 2.49)
        let n = match claim_seeds_needed(1.0, 0.2, 1.5, 0.05, 0.8).unwrap() {
            SeedsToDecide::Seeds(n) => n,
            SeedsToDecide::Never => panic!("a 1.5-sd margin is resolvable for a mean of 5"),
        };
        assert!(claim_power(n, 1.0, 0.2, 1.5, 0.05).unwrap() >= 0.8);
        assert!(claim_power(n - 1, 1.0, 0.2, 1.5, 0.05).unwrap() < 0.8);
        // a 1-sd margin is not: its limit noncentrality 1/√0.2 = 2.24 < 2.49
        assert_eq!(
            claim_seeds_needed(1.0, 0.2, 1.0, 0.05, 0.8),
            Some(SeedsToDecide::Never)
        );
    }

    #[test]
    fn a_single_run_claim_cannot_resolve_a_margin_below_its_own_noise() {
        // c = 1: the limit noncentrality is margin/sd = 1 < z_0.95 + z_0.8 ≈ 2.49
        assert_eq!(
            claim_seeds_needed(1.0, 1.0, 1.0, 0.05, 0.8),
            Some(SeedsToDecide::Never)
        );
        // a margin of 4 sd is resolvable
        assert!(matches!(
            claim_seeds_needed(1.0, 1.0, 4.0, 0.05, 0.8),
            Some(SeedsToDecide::Seeds(_))
        ));
    }

    #[test]
    fn without_claim_noise_the_count_is_the_one_sample_seeds_needed() {
        let s = seeds_needed(0.5, 1.0, 0.05, 0.8, Design::OneSample, Alternative::Greater)
            .unwrap()
            .n;
        assert_eq!(
            claim_seeds_needed(1.0, 0.0, 0.5, 0.05, 0.8),
            Some(SeedsToDecide::Seeds(s))
        );
    }
}
