//! The paper-level test's inputs, results and limits.

use crate::claim::{Claim, Outcome};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest best-of-k searched for the implied common k.
pub const MAX_IMPLIED_K: f64 = 10_000.0;

/// Most claims of one table through the JSON/CSV front doors (a paper's table has tens).
pub const MAX_TABLE_CLAIMS: usize = 10_000;
/// Most runs in all of one table through the JSON/CSV front doors.
pub const MAX_TABLE_RUNS: usize = 10_000_000;
/// The implied common k is computed only when the claims have at most this many distinct
/// declared best-of sizes (each needs its own e_k quadratures on the k grid); `None` beyond.
pub const MAX_DISTINCT_BEST_OF: usize = 16;

/// One claim of a table with its reproduced runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableClaim {
    /// The claim (id, value, direction, reported_as, SE, resolution).
    #[serde(flatten)]
    pub claim: Claim,
    /// Claims with the same run set share their runs (e.g. two metrics of the same experiments):
    /// they are combined into one unit. `None` = the claim's own run set (its id).
    #[serde(default)]
    pub run_set: Option<String>,
    /// The reproduced runs (failed runs are counted and left out of the distribution).
    pub runs: Vec<Outcome>,
}

/// The position of one claim relative to its reproduced runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimPosition {
    /// Claim id.
    pub id: String,
    /// Run set it belongs to.
    pub run_set: String,
    /// Finite runs used.
    pub n: usize,
    /// Failed runs left out.
    pub n_failed: usize,
    /// The value tested (printed value moved half a resolution step towards worse), metric units.
    pub tested_value: f64,
    /// The claim's expected value under its honest `reported_as` model (metric units).
    pub honest_expected: f64,
    /// SD of the runs (metric units).
    pub sd: f64,
    /// t statistic, positive = favourable.
    pub t: f64,
    /// Degrees of freedom of `t`.
    pub df: f64,
    /// One-sided p-value `P(T ≥ t)` (small = claim too favourable for an honest draw); for a
    /// declared best of m without a printed SE, the exact pivot tail [`best_of_pivot_sf`](super::best_of_pivot_sf).
    pub p_value: f64,
    /// `Φ⁻¹(1 − p)` (unclipped; the combination clips it to ±[`Z_CLIP`](super::Z_CLIP)).
    pub z: f64,
    /// `(tested − honest expected)/sd` oriented so that positive = favourable (runs' sd units).
    pub optimism_sd: f64,
    /// `t > 0`.
    pub favourable: bool,
}

/// A claim that could not be placed, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedClaim {
    /// Claim id.
    pub id: String,
    /// Reason (too few finite runs, zero spread, non-finite claim).
    pub reason: String,
}

/// Verdict on a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableVerdict {
    /// Combined p ≥ α.
    LooksHonest,
    /// Combined p < α.
    LooksOptimistic,
    /// Too few independent run sets for a table-level statement.
    Uninformative,
}

impl fmt::Display for TableVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableVerdict::LooksHonest => "table looks honest",
            TableVerdict::LooksOptimistic => "table looks optimistic",
            TableVerdict::Uninformative => "uninformative",
        })
    }
}

/// Result of [`assess_table`](super::assess_table). Optional numbers are `None` when no claim could be placed or the
/// estimate was switched off.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableAssessment {
    /// Claims given.
    pub n_claims: usize,
    /// Claims placed (the rest are in `excluded`).
    pub n_tested: usize,
    /// Run sets holding a placed claim (the independent units of the test).
    pub n_run_sets: usize,
    /// Placed claims on the favourable side.
    pub favourable: usize,
    /// Per-claim positions, in input order.
    pub claims: Vec<ClaimPosition>,
    /// Claims that could not be placed.
    pub excluded: Vec<ExcludedClaim>,
    /// Stouffer's Z over the run sets.
    pub stouffer_z: Option<f64>,
    /// One-sided combined p-value `1 − Φ(Z)`.
    pub p_value: Option<f64>,
    /// Common optimism, in runs' sd (0 = honest).
    pub optimism_sd: Option<f64>,
    /// Two-sided `1 − α` interval of the optimism.
    pub optimism_ci: Option<(f64, f64)>,
    /// Implied common best-of-k (1 = honest; `∞` = beyond [`MAX_IMPLIED_K`]).
    pub implied_k: Option<f64>,
    /// Two-sided `1 − α` interval of k (upper end `∞` = unbounded within [`MAX_IMPLIED_K`]).
    pub implied_k_ci: Option<(f64, f64)>,
    /// Verdict.
    pub verdict: TableVerdict,
    /// α used.
    pub alpha: f64,
    /// One-line summary (favourable/total, combined p, optimism, k, verdict).
    pub summary: String,
}
