//! Subset-selection permutation test: was the reported subset of datasets cherry-picked?
//! (STATISTICS.md §7; exact enumeration or Monte Carlo with the Phipson & Smyth (2010)
//! `(1+b)/(B+1)` correction, *Stat. Appl. Genet. Mol. Biol.* 9(1):39.)

use crate::describe::{check_len, mean};
use crate::error::{Result, StatsError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Default enumeration limit: exact when `C(m, s) ≤ 100,000`.
pub const DEFAULT_MAX_ENUM: u64 = 100_000;
/// Default Monte Carlo draws when enumeration is too large.
pub const DEFAULT_MC_DRAWS: usize = 20_000;

/// Result of [`subset_selection_test`]. Effects are in the units of the per-dataset effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionResult {
    /// `P(mean of a uniformly random s-subset ≥ mean of the reported subset)`.
    pub p_value: f64,
    /// Mean effect over the reported subset.
    pub reported_mean_effect: f64,
    /// Mean effect over all datasets.
    pub all_mean_effect: f64,
    /// Mean effect over the held-out datasets (None when all are reported).
    pub heldout_mean_effect: Option<f64>,
    /// True when all `C(m,s)` subsets were enumerated (p = b/C), false for Monte Carlo.
    pub exact: bool,
    /// Number of subsets enumerated or drawn.
    pub n_subsets: u64,
}

/// `C(m, s)` as f64 (exact up to 2^53).
pub fn n_choose(m: u64, s: u64) -> f64 {
    if s > m {
        return 0.0;
    }
    let s = s.min(m - s);
    let mut c = 1.0f64;
    for i in 0..s {
        c = c * (m - i) as f64 / (i + 1) as f64;
    }
    c.round()
}

/// Subset-selection test (STATISTICS.md §7). `effects`: one effect per dataset, oriented so that
/// larger = better for the claimed method; `reported`: indices of the reported subset. Exact when
/// `C(m,s) ≤ max_enum`, else `mc_draws` seeded Monte Carlo draws. Tie tolerance
/// `τ = 1e-12·max(1, Σ|d|)`. Errors: non-finite effects, empty/duplicate/out-of-range indices,
/// `mc_draws = 0` when needed, `max_enum` above [`crate::limits::MAX_ENUM`] or `mc_draws` above
/// [`crate::limits::MAX_MC_DRAWS`].
pub fn subset_selection_test(
    effects: &[f64],
    reported: &[usize],
    max_enum: u64,
    mc_draws: usize,
    seed: u64,
) -> Result<SelectionResult> {
    check_len(effects, 1, "effects")?;
    if max_enum > crate::limits::MAX_ENUM {
        return Err(StatsError::param(
            "max_enum",
            max_enum,
            &format!("exceeds the ceiling of {}", crate::limits::MAX_ENUM),
        ));
    }
    if mc_draws > crate::limits::MAX_MC_DRAWS {
        return Err(StatsError::param(
            "mc_draws",
            mc_draws,
            &format!("exceeds the ceiling of {}", crate::limits::MAX_MC_DRAWS),
        ));
    }
    let m = effects.len();
    if reported.is_empty() {
        return Err(StatsError::param(
            "reported",
            "[]",
            "list at least one reported dataset index",
        ));
    }
    let mut seen = vec![false; m];
    for &i in reported {
        if i >= m {
            return Err(StatsError::param(
                "reported",
                i,
                "index out of range of effects",
            ));
        }
        if seen[i] {
            return Err(StatsError::param("reported", i, "duplicate index"));
        }
        seen[i] = true;
    }
    let s = reported.len();
    let rep: Vec<f64> = reported.iter().map(|&i| effects[i]).collect();
    let held: Vec<f64> = (0..m).filter(|i| !seen[*i]).map(|i| effects[i]).collect();
    let obs: f64 = rep.iter().sum();
    let tau = 1e-12 * effects.iter().map(|d| d.abs()).sum::<f64>().max(1.0);
    let total = n_choose(m as u64, s as u64);
    let (p, exact, count) = if total <= max_enum as f64 {
        let mut idx: Vec<usize> = (0..s).collect();
        let mut hits = 0u64;
        let mut tot = 0u64;
        loop {
            let sum: f64 = idx.iter().map(|&i| effects[i]).sum();
            if sum >= obs - tau {
                hits += 1;
            }
            tot += 1;
            // next combination: rightmost position that can still advance
            let mut i = s;
            let mut found = false;
            while i > 0 {
                i -= 1;
                if idx[i] < i + m - s {
                    found = true;
                    break;
                }
            }
            if !found {
                break;
            }
            idx[i] += 1;
            for j in i + 1..s {
                idx[j] = idx[j - 1] + 1;
            }
        }
        (hits as f64 / tot as f64, true, tot)
    } else {
        if mc_draws == 0 {
            return Err(StatsError::param(
                "mc_draws",
                0,
                "must be ≥ 1 when C(m,s) exceeds max_enum",
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut perm: Vec<usize> = (0..m).collect();
        let mut hits = 0u64;
        for _ in 0..mc_draws {
            for i in 0..s {
                let j = rng.random_range(i..m);
                perm.swap(i, j);
            }
            let sum: f64 = perm[..s].iter().map(|&i| effects[i]).sum();
            if sum >= obs - tau {
                hits += 1;
            }
        }
        (
            (1.0 + hits as f64) / (mc_draws as f64 + 1.0),
            false,
            mc_draws as u64,
        )
    };
    Ok(SelectionResult {
        p_value: p,
        reported_mean_effect: mean(&rep),
        all_mean_effect: mean(effects),
        heldout_mean_effect: if held.is_empty() {
            None
        } else {
            Some(mean(&held))
        },
        exact,
        n_subsets: count,
    })
}
