//! Learning curves summarised over seeds: the seeds' curves are sampled at different x values
//! (a PPO run logs a point only in iterations where an episode ended), so each curve is
//! linearly interpolated onto a common grid spanning the x range every seed covers, and the
//! mean over seeds and a percentile-bootstrap band of that mean are computed there. The band
//! resamples seeds (not points) with replacement from a fixed ChaCha8 seed
//! ([`crate::bootstrap`]), so the summary is deterministic.

use crate::bootstrap::{bootstrap_distribution, percentile_from_distribution};
use crate::describe::Alternative;

/// The mean curve over seeds with its bootstrap band, on a common grid.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveBand {
    /// The common grid (x units of the curves), ascending, `grid_points` values.
    pub grid: Vec<f64>,
    /// Mean over seeds at each grid x (y units).
    pub mean: Vec<f64>,
    /// Lower and upper end of the percentile-bootstrap interval of the mean at each grid x
    /// (equal to the mean where fewer than 2 seeds cover x).
    pub band: Vec<(f64, f64)>,
}

/// `y` of the piecewise-linear curve `pts` (x ascending) at `x`; `None` outside its x range.
///
/// ```
/// use repro_stats::curves::interpolate;
/// assert_eq!(interpolate(&[(0.0, 0.0), (10.0, 100.0)], 2.5), Some(25.0));
/// assert_eq!(interpolate(&[(0.0, 0.0), (10.0, 100.0)], 11.0), None);
/// ```
pub fn interpolate(pts: &[(f64, f64)], x: f64) -> Option<f64> {
    let i = pts.partition_point(|p| p.0 < x);
    match (i.checked_sub(1).map(|j| pts[j]), pts.get(i)) {
        (_, Some(b)) if b.0 == x => Some(b.1),
        (Some(a), Some(b)) => Some(a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)),
        _ => None,
    }
}

/// The mean over `curves` (one per seed, each with ≥ 1 point, x ascending and finite) on a grid
/// of `grid_points` (≥ 2) evenly spaced x values from the largest first x to the smallest last x,
/// with a `confidence` (in (0, 1)) percentile-bootstrap band of the mean from `resamples`
/// resamples of the seeds (seed 0). `None` when there is no curve, `grid_points < 2`, or the
/// seeds' x ranges do not overlap.
pub fn mean_band(
    curves: &[&[(f64, f64)]],
    grid_points: usize,
    resamples: usize,
    confidence: f64,
) -> Option<CurveBand> {
    if curves.is_empty() || grid_points < 2 || curves.iter().any(|c| c.is_empty()) {
        return None;
    }
    let lo = curves
        .iter()
        .map(|p| p[0].0)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = curves
        .iter()
        .map(|p| p[p.len() - 1].0)
        .fold(f64::INFINITY, f64::min);
    if hi <= lo {
        return None;
    }
    let grid: Vec<f64> = (0..grid_points)
        .map(|i| lo + (hi - lo) * i as f64 / (grid_points - 1) as f64)
        .collect();
    let mut mean = Vec::with_capacity(grid_points);
    let mut band = Vec::with_capacity(grid_points);
    let stat = |d: &[&[f64]]| d[0].iter().sum::<f64>() / d[0].len() as f64;
    for &x in &grid {
        let ys: Vec<f64> = curves.iter().filter_map(|p| interpolate(p, x)).collect();
        let m = ys.iter().sum::<f64>() / ys.len() as f64;
        mean.push(m);
        let b = if ys.len() >= 2 {
            let dist = bootstrap_distribution(&[&ys], &stat, resamples, 0);
            percentile_from_distribution(&dist, confidence, Alternative::TwoSided).unwrap_or((m, m))
        } else {
            (m, m)
        };
        band.push(b);
    }
    Some(CurveBand { grid, mean, band })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_inside_the_range_only() {
        let p = [(0.0, 0.0), (10.0, 100.0)];
        assert_eq!(interpolate(&p, 2.5), Some(25.0));
        assert_eq!(interpolate(&p, 10.0), Some(100.0));
        assert_eq!(interpolate(&p, 0.0), Some(0.0));
        assert_eq!(interpolate(&p, 11.0), None);
        assert_eq!(interpolate(&p, -1.0), None);
    }

    #[test]
    fn mean_and_band_on_the_common_grid() {
        let a = [(0.0, 0.0), (100.0, 100.0)];
        let b = [(0.0, 10.0), (50.0, 60.0), (110.0, 120.0)];
        let s = mean_band(&[&a, &b], 100, 2000, 0.95).unwrap();
        assert_eq!(s.grid.len(), 100);
        assert_eq!((s.grid[0], s.grid[99]), (0.0, 100.0));
        // at x = 0: seeds give 0 and 10 → mean 5, band within [0, 10]
        assert_eq!(s.mean[0], 5.0);
        assert!(s.band[0].0 >= 0.0 && s.band[0].1 <= 10.0 && s.band[0].0 < s.band[0].1);
        // at x = 100: 100 and 60 + 60·50/60 = 110 → 105
        assert!((s.mean[99] - 105.0).abs() < 1e-9);
    }

    #[test]
    fn one_seed_has_a_degenerate_band_and_disjoint_ranges_none() {
        let a = [(0.0, 1.0), (1.0, 3.0)];
        let s = mean_band(&[&a], 3, 100, 0.95).unwrap();
        assert_eq!(s.mean, vec![1.0, 2.0, 3.0]);
        assert!(s
            .band
            .iter()
            .zip(&s.mean)
            .all(|(b, m)| b.0 == *m && b.1 == *m));
        let b = [(2.0, 0.0), (3.0, 1.0)];
        assert!(mean_band(&[&a, &b], 3, 100, 0.95).is_none());
        assert!(mean_band(&[], 3, 100, 0.95).is_none());
    }
}
