//! Combining the placed claims: winsorized Stouffer over run sets, and the optimism and
//! implied-common-k estimates by test inversion.

use super::placement::{p_and_z, MaxMoments, Placed};
use super::types::MAX_IMPLIED_K;
use crate::describe::norm_sf;

/// Each claim's z is limited to `±Z_CLIP` before it is combined (winsorized Stouffer): one claim
/// moves `Z` by at most `Z_CLIP/√G`.
pub const Z_CLIP: f64 = 3.0;

/// Variance of a standard normal clipped to `±c`:
/// `1 − 2Φ̄(c) − 2cφ(c) + 2c²Φ̄(c)` (0.99501 at c = 3).
pub fn clipped_normal_variance(c: f64) -> f64 {
    let tail = norm_sf(c);
    let dens = (-0.5 * c * c).exp() / (2.0 * std::f64::consts::PI).sqrt();
    1.0 - 2.0 * tail - 2.0 * c * dens + 2.0 * c * c * tail
}

/// Sum of `v` taken in sorted order, so that the result does not depend on the input order.
fn sorted_sum(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.iter().sum()
}

/// Stouffer's Z of the run sets given each placed claim's z.
pub(super) fn stouffer(placed: &[Placed], z: &[f64], n_sets: usize) -> f64 {
    let mut by_set: Vec<Vec<f64>> = vec![Vec::new(); n_sets];
    for (p, &zi) in placed.iter().zip(z) {
        by_set[p.set].push(zi.clamp(-Z_CLIP, Z_CLIP));
    }
    let mut zg: Vec<f64> = by_set
        .iter_mut()
        .filter(|v| !v.is_empty())
        .map(|v| {
            let m = v.len() as f64;
            sorted_sum(v) / m
        })
        .collect();
    let g = zg.len() as f64;
    sorted_sum(&mut zg) / (g * clipped_normal_variance(Z_CLIP)).sqrt()
}

/// Solves `f(x) = target` for decreasing `f` on `[lo, hi]` by bisection (`None` if not bracketed).
pub(super) fn bisect_decreasing<F: Fn(f64) -> f64>(
    f: F,
    target: f64,
    lo: f64,
    hi: f64,
) -> Option<f64> {
    let (mut lo, mut hi) = (lo, hi);
    if f(lo) < target || f(hi) > target {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) >= target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-10 * (1.0 + mid.abs()) {
            break;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Implied common k and its interval (see the module docs).
pub(super) fn implied_k_of(
    placed: &[Placed],
    n_sets: usize,
    zc: f64,
    moments: &mut MaxMoments,
) -> (Option<f64>, Option<(f64, f64)>) {
    let mut big_z = |k: f64| {
        let z: Vec<f64> = placed
            .iter()
            .map(|p| {
                let (e, v) = moments.get(p.b * k);
                let (t, df) = p.t_df(e, v, 0.0);
                p_and_z(t, df).1
            })
            .collect();
        stouffer(placed, &z, n_sets)
    };
    // logarithmic grid 1 .. MAX_IMPLIED_K
    const STEPS: usize = 96;
    let grid: Vec<f64> = (0..=STEPS)
        .map(|i| MAX_IMPLIED_K.powf(i as f64 / STEPS as f64))
        .collect();
    let zs: Vec<f64> = grid.iter().map(|&k| big_z(k)).collect();
    // first grid crossing of `level` going down, refined by bisection in log k
    let mut crossing = |level: f64, zs: &[f64]| -> Option<f64> {
        if zs[0] <= level {
            return Some(1.0);
        }
        let j = (1..zs.len()).find(|&j| zs[j] <= level)?;
        let (mut lo, mut hi) = (grid[j - 1].ln(), grid[j].ln());
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            if big_z(mid.exp()) > level {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some((0.5 * (lo + hi)).exp())
    };
    let k = crossing(0.0, &zs).unwrap_or(f64::INFINITY);
    let low = crossing(zc, &zs).unwrap_or(f64::INFINITY);
    let high = crossing(-zc, &zs).unwrap_or(f64::INFINITY);
    if low.is_infinite() && k.is_infinite() {
        return (Some(f64::INFINITY), Some((f64::INFINITY, f64::INFINITY)));
    }
    (Some(k), Some((low, high)))
}
