//! The verdict rules' thresholds: one [`Rules`] value, passed by reference to every verdict —
//! claims ([`crate::verdict::assess_claims`]), comparisons ([`crate::verdict::assess_comparison`]),
//! the paper-level test ([`crate::paper_level::assess_table`]) and the faithfulness check
//! ([`crate::faithfulness::compare_with_published`]) — so that a report states one set of rules.

use crate::error::StatsError;
use serde::{Deserialize, Serialize};

/// Multiple-comparison correction applied across all claims of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm (1979) step-down, family-wise error rate (default).
    #[default]
    Holm,
    /// Benjamini & Hochberg (1995), false discovery rate.
    BenjaminiHochberg,
    /// No correction.
    None,
}

/// Thresholds of the verdict rules. `Default`: α = 0.05, Holm, 3 runs minimum, 9,999 bootstrap
/// resamples, seed 0, failed share ≤ 0.25, CI half-width ≤ 0.5·|claim|, best-of-k flag ≤ 100,
/// 2 run sets for a paper-level verdict, both paper-level estimates on, practical margin 1% of
/// |claim| when none is declared, power 0.8, 'atypical' at the 90th percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Significance level of every test (and `1 − alpha` confidence of every interval).
    pub alpha: f64,
    /// Correction across claims.
    pub correction: Correction,
    /// Minimum number of finite runs per claim (and per arm per dataset) for a verdict.
    pub min_runs: usize,
    /// Bootstrap resamples for `bootstrap_ci`.
    pub bootstrap_resamples: usize,
    /// Seed of every random procedure (claim `i` uses `seed + i`).
    pub seed: u64,
    /// Largest tolerated share of failed runs (0–1) for `reproduced` / a dataset win.
    pub max_failed_share: f64,
    /// Largest `t_ci` half-width relative to `|claim|` before the verdict is `inconclusive`.
    pub max_relative_half_width: f64,
    /// Largest implied best-of-k (normal model) for which seed-picking is flagged.
    pub max_best_of_k: f64,
    /// Paper level: minimum run sets holding a placed claim for a table verdict (fewer =
    /// `uninformative`); a claim is placed when it has `min_runs` finite runs with a positive sd.
    pub min_run_sets: usize,
    /// Paper level: compute the optimism estimate and its interval (bisection; switched off
    /// only in large simulations — the verdict does not depend on it).
    pub estimate_optimism: bool,
    /// Paper level: compute the implied common best-of-k and its interval (grid + bisection over
    /// e_k quadratures; the verdict does not depend on it).
    pub estimate_k: bool,
    /// Practical margin used when a claim or comparison declares none, relative to the tested
    /// value (claims) or to the baseline's mean (comparisons): `relative_margin × |value|`.
    /// A declared margin ([`crate::claim::Claim::margin`], `ComparisonInput::margin`) wins.
    pub relative_margin: f64,
    /// Power (0–1) the claim test must have had to detect a shortfall of the margin before a
    /// claim is called `reproduced`; also the target of the "seeds needed" counts.
    pub power: f64,
    /// Claim percentile (0–100) at or above which a claim that was not rejected is flagged
    /// "atypical: beyond X% of runs" (with at least 5 runs).
    pub atypical_percentile: f64,
}

impl Rules {
    /// The level the verdicts use: `alpha` when it lies strictly between 0 and 1, else 0.05 (the
    /// verdict functions never fail; front ends call [`Rules::validate`] first).
    pub fn effective_alpha(&self) -> f64 {
        if self.alpha > 0.0 && self.alpha < 1.0 {
            self.alpha
        } else {
            0.05
        }
    }

    /// Checks every threshold: `alpha` and `max_failed_share` in their ranges, bootstrap
    /// resamples within [`crate::limits::MAX_RESAMPLES`], finite positive thresholds. Errors name
    /// the field as `rules.<field>`.
    pub fn validate(&self) -> crate::error::Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(StatsError::param(
                "rules.alpha",
                self.alpha,
                "must lie strictly between 0 and 1 (e.g. 0.05)",
            ));
        }
        if self.bootstrap_resamples > crate::limits::MAX_RESAMPLES {
            return Err(StatsError::param(
                "rules.bootstrap_resamples",
                self.bootstrap_resamples,
                &format!(
                    "exceeds the ceiling of {} (0 skips the bootstrap interval)",
                    crate::limits::MAX_RESAMPLES
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.max_failed_share) {
            return Err(StatsError::param(
                "rules.max_failed_share",
                self.max_failed_share,
                "must lie in [0, 1]",
            ));
        }
        if !(self.max_relative_half_width.is_finite() && self.max_relative_half_width > 0.0) {
            return Err(StatsError::param(
                "rules.max_relative_half_width",
                self.max_relative_half_width,
                "must be a finite number > 0",
            ));
        }
        if self.max_best_of_k.is_nan() || self.max_best_of_k < 1.0 {
            return Err(StatsError::param(
                "rules.max_best_of_k",
                self.max_best_of_k,
                "must be ≥ 1",
            ));
        }
        if !(self.relative_margin.is_finite() && self.relative_margin > 0.0) {
            return Err(StatsError::param(
                "rules.relative_margin",
                self.relative_margin,
                "must be a finite number > 0 (e.g. 0.01 for 1% of the claim)",
            ));
        }
        if !(self.power > 0.0 && self.power < 1.0) {
            return Err(StatsError::param(
                "rules.power",
                self.power,
                "must lie strictly between 0 and 1 (e.g. 0.8)",
            ));
        }
        if !(0.0..=100.0).contains(&self.atypical_percentile) {
            return Err(StatsError::param(
                "rules.atypical_percentile",
                self.atypical_percentile,
                "must lie in [0, 100] (e.g. 90)",
            ));
        }
        Ok(())
    }

    /// The power target the verdicts use: `power` when it lies strictly between 0 and 1, else 0.8.
    pub fn effective_power(&self) -> f64 {
        if self.power > 0.0 && self.power < 1.0 {
            self.power
        } else {
            0.8
        }
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            alpha: 0.05,
            correction: Correction::Holm,
            min_runs: 3,
            bootstrap_resamples: 9_999,
            seed: 0,
            max_failed_share: 0.25,
            max_relative_half_width: 0.5,
            max_best_of_k: 100.0,
            min_run_sets: 2,
            estimate_optimism: true,
            estimate_k: true,
            relative_margin: 0.01,
            power: 0.8,
            atypical_percentile: 90.0,
        }
    }
}
