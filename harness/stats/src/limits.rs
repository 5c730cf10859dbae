//! Ceilings on every size a user controls, checked before anything is allocated or iterated, so
//! that no input makes a procedure run out of memory or run for hours. Each error names the
//! field, the value and the ceiling.

use crate::error::{Result, StatsError};

/// Most bootstrap resamples (`resamples`, `--resamples`, `rules.bootstrap_resamples`): 1,000,000
/// (SciPy's default is 9,999; the Monte Carlo error of a 95 % endpoint is already ~0.3 % of the
/// standard error at 100,000).
pub const MAX_RESAMPLES: usize = 1_000_000;
/// Most stratified-bootstrap replicates (`reps`): 1,000,000 (rliable's default is 50,000).
pub const MAX_REPS: usize = 1_000_000;
/// Largest `max_enum` of the subset-selection test: 10,000,000 subsets enumerated exactly.
pub const MAX_ENUM: u64 = 10_000_000;
/// Most Monte Carlo draws of the subset-selection test (`mc_draws`): 10,000,000.
pub const MAX_MC_DRAWS: usize = 10_000_000;
/// Most values drawn by one resampling procedure in all (replicates × values per replicate):
/// 2·10⁹, a few seconds of work.
pub const MAX_RESAMPLED_VALUES: f64 = 2e9;

/// Errors unless `1 ≤ value ≤ max` for the size parameter `name`.
pub fn check_count(name: &str, value: u64, max: u64) -> Result<()> {
    if value == 0 {
        return Err(StatsError::param(name, value, "must be ≥ 1"));
    }
    if value > max {
        return Err(StatsError::param(
            name,
            value,
            &format!("exceeds the ceiling of {max}; use a smaller value"),
        ));
    }
    Ok(())
}

/// Errors when `replicates × values_per_replicate` exceeds [`MAX_RESAMPLED_VALUES`].
pub fn check_work(name: &str, replicates: usize, values_per_replicate: usize) -> Result<()> {
    let work = replicates as f64 * values_per_replicate as f64;
    if work > MAX_RESAMPLED_VALUES {
        return Err(StatsError::param(
            name,
            replicates,
            &format!(
                "{replicates} replicates × {values_per_replicate} values = {work:.2e} draws exceeds the ceiling of {MAX_RESAMPLED_VALUES:.0e}; use fewer replicates"
            ),
        ));
    }
    Ok(())
}
