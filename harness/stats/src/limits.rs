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
/// Most values drawn by one resampling procedure in all (replicates × values per replicate ×
/// the statistic's cost per value, 1 for means and `log2 n` for statistics that sort each
/// replicate): 5·10⁸, about 2.5 s at the ~5 ns per value drawn of the ChaCha8 stream on one
/// core (measured: 10⁸ draws of a 10⁵-value mean bootstrap in 0.5 s unloaded), so the README's
/// "result or error within 20 s" holds even on a busy machine. 2·10⁹ took over 60 s at load 10.
pub const MAX_RESAMPLED_VALUES: f64 = 5e8;
/// Most values visited by the jackknife of a statistic the bootstrap knows nothing about
/// (`Σ n_j²`: `n_j` evaluations on `n_j − 1` values each): 2.5·10⁷, well under a second. Above
/// it a BCa bootstrap of such a statistic gives the percentile interval (and says so), and a
/// BCa interval from a given distribution is refused; the built-in statistics (mean, median,
/// IQM, SD, mean difference) switch to their O(n log n) jackknife above it (weighted by the
/// statistic's cost, `log2 n` for the median and IQM) and have no ceiling.
pub const MAX_JACKKNIFE_WORK: f64 = 2.5e7;

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

/// Errors when `replicates × values_per_replicate × cost_factor` exceeds
/// [`MAX_RESAMPLED_VALUES`]; `why` (may be empty) explains the cost factor in the message.
pub fn check_weighted_work(
    name: &str,
    replicates: usize,
    values_per_replicate: usize,
    cost_factor: f64,
    why: &str,
) -> Result<()> {
    let work = replicates as f64 * values_per_replicate as f64 * cost_factor;
    if work > MAX_RESAMPLED_VALUES {
        let most = (MAX_RESAMPLED_VALUES / (values_per_replicate as f64 * cost_factor)).floor();
        return Err(StatsError::param(
            name,
            replicates,
            &format!(
                "{replicates} replicates × {values_per_replicate} values{} = {work:.2e} draws exceeds the budget of {MAX_RESAMPLED_VALUES:.0e} (a few seconds); use at most {most:.0} replicates{why}",
                if cost_factor == 1.0 { String::new() } else { format!(" × cost {cost_factor:.1}") }
            ),
        ));
    }
    Ok(())
}

/// Errors when the jackknife of an opaque statistic over samples of these sizes (`Σ n_j²`
/// values visited) exceeds [`MAX_JACKKNIFE_WORK`].
pub fn check_jackknife(sizes: impl Iterator<Item = usize>) -> Result<()> {
    let sizes: Vec<usize> = sizes.collect();
    let work: f64 = sizes.iter().map(|&n| n as f64 * n as f64).sum();
    if work > MAX_JACKKNIFE_WORK {
        return Err(StatsError::param(
            "samples",
            format!("{sizes:?} values"),
            &format!(
                "the BCa jackknife of this statistic visits Σ n² = {work:.2e} values, over the budget of {MAX_JACKKNIFE_WORK:.1e}; use method \"percentile\" or a built-in statistic (mean, median, iqm, sd, mean_difference), whose jackknife is O(n log n)"
            ),
        ));
    }
    Ok(())
}
