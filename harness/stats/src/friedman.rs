//! Friedman test with average ranks, Demšar's χ²_F (no tie correction) and SciPy's tie-corrected
//! χ², the Iman–Davenport F_F, and Nemenyi / Bonferroni–Dunn critical differences
//! (STATISTICS.md §4). Friedman (1937) *JASA* 32:675-701; Iman & Davenport (1980) *Comm. Statist.*
//! 9(6):571-595; Nemenyi (1963); Demšar (2006) *JMLR* 7:1-30, §3.2.2 and Table 5.

use crate::claim::Direction;
use crate::describe::{norm_ppf, norm_sf, rankdata, tie_groups};
use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

/// Nemenyi `q_0.05` for k = 2..10 as printed in Demšar (2006) Table 5(a).
pub const NEMENYI_Q05_PAPER: [f64; 9] = [
    1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164,
];
/// Nemenyi `q_0.10` for k = 2..10, Demšar (2006) Table 5(a).
pub const NEMENYI_Q10_PAPER: [f64; 9] = [
    1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920,
];
/// Nemenyi `q_0.05` = `studentized_range.ppf(0.95, k, inf)/√2` computed with SciPy 1.17.1
/// (4-decimal values as tabulated in the project's statistics specification, §4; `nemenyi_cd`
/// reports the full-precision value from [`studentized_range_ppf_inf`]).
pub const NEMENYI_Q05_SCIPY: [f64; 9] = [
    1.9600, 2.3437, 2.5690, 2.7278, 2.8497, 2.9483, 3.0309, 3.1017, 3.1637,
];
/// Nemenyi `q_0.10` computed with SciPy 1.17.1 (specification §4).
pub const NEMENYI_Q10_SCIPY: [f64; 9] = [
    1.6449, 2.0523, 2.2913, 2.4595, 2.5885, 2.6927, 2.7799, 2.8546, 2.9199,
];
/// Bonferroni–Dunn `q_0.05` for k = 2..10, Demšar (2006) Table 5(b) (k = 9 prints 2.724, likely a
/// typo for 2.734).
pub const BONFERRONI_DUNN_Q05_PAPER: [f64; 9] = [
    1.960, 2.241, 2.394, 2.498, 2.576, 2.638, 2.690, 2.724, 2.773,
];
/// Bonferroni–Dunn `q_0.10` for k = 2..10, Demšar (2006) Table 5(b).
pub const BONFERRONI_DUNN_Q10_PAPER: [f64; 9] = [
    1.645, 1.960, 2.128, 2.241, 2.326, 2.394, 2.450, 2.498, 2.539,
];

/// A critical difference of average ranks (rank units) from the published and the computed q.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CriticalDifference {
    /// Number of methods.
    pub k: usize,
    /// Number of data sets.
    pub n: usize,
    /// Significance level (0.05 or 0.10).
    pub alpha: f64,
    /// q from Demšar's Table 5.
    pub q_table: f64,
    /// q computed (studentized range quantile / √2, infinite df, for Nemenyi; `Φ⁻¹(1−α/(2(k−1)))` for Bonferroni–Dunn).
    pub q_computed: f64,
    /// `q_table·√(k(k+1)/(6N))`.
    pub cd_table: f64,
    /// `q_computed·√(k(k+1)/(6N))`.
    pub cd_computed: f64,
}

/// cdf of the studentized range of `k` standard normals with infinite df:
/// `P(Q ≤ q) = k ∫ φ(z)[Φ(z) − Φ(z − q)]^{k−1} dz` (numerical integration).
pub fn studentized_range_cdf_inf(q: f64, k: usize) -> f64 {
    if q <= 0.0 {
        return 0.0;
    }
    let kf = k as f64;
    crate::quad::integrate(
        |z| {
            kf * crate::describe::norm_pdf(z)
                * (crate::describe::norm_cdf(z) - crate::describe::norm_cdf(z - q))
                    .max(0.0)
                    .powf(kf - 1.0)
        },
        -12.0,
        12.0 + q,
        ((24.0 + q) * 4.0).ceil() as usize,
    )
    .clamp(0.0, 1.0)
}

/// Quantile of the studentized range with infinite df (`studentized_range.ppf(p, k, inf)`),
/// by Brent's method on [`studentized_range_cdf_inf`]. NaN if `p ∉ (0,1)` or `k < 2`.
pub fn studentized_range_ppf_inf(p: f64, k: usize) -> f64 {
    if !(p > 0.0 && p < 1.0) || k < 2 {
        return f64::NAN;
    }
    crate::quad::brent(|q| studentized_range_cdf_inf(q, k) - p, 1e-6, 40.0, 1e-13)
        .unwrap_or(f64::NAN)
}

fn table_index(k: usize, alpha: f64) -> Result<(usize, bool)> {
    if !(2..=10).contains(&k) {
        return Err(StatsError::param(
            "k",
            k,
            "critical-difference tables cover 2 ≤ k ≤ 10 methods",
        ));
    }
    let a05 = (alpha - 0.05).abs() < 1e-12;
    let a10 = (alpha - 0.10).abs() < 1e-12;
    if !(a05 || a10) {
        return Err(StatsError::param(
            "alpha",
            alpha,
            "tables exist for alpha = 0.05 and 0.10 only",
        ));
    }
    Ok((k - 2, a05))
}

fn check_n(n: usize) -> Result<()> {
    if n == 0 {
        return Err(StatsError::param("n", 0, "number of data sets must be ≥ 1"));
    }
    Ok(())
}

/// Nemenyi critical difference `CD = q_α·√(k(k+1)/(6N))` (Demšar 2006 §3.2.2), `alpha ∈ {0.05, 0.10}`,
/// `2 ≤ k ≤ 10`. Errors otherwise.
pub fn nemenyi_cd(k: usize, n: usize, alpha: f64) -> Result<CriticalDifference> {
    let (i, a05) = table_index(k, alpha)?;
    check_n(n)?;
    let qt = if a05 {
        NEMENYI_Q05_PAPER[i]
    } else {
        NEMENYI_Q10_PAPER[i]
    };
    let qc = studentized_range_ppf_inf(1.0 - alpha, k) / std::f64::consts::SQRT_2;
    let f = (k as f64 * (k as f64 + 1.0) / (6.0 * n as f64)).sqrt();
    Ok(CriticalDifference {
        k,
        n,
        alpha,
        q_table: qt,
        q_computed: qc,
        cd_table: qt * f,
        cd_computed: qc * f,
    })
}

/// Bonferroni–Dunn critical difference vs a control, `q = Φ⁻¹(1 − α/(2(k−1)))` (Demšar 2006
/// §3.2.2, Table 5b). Errors: `k ∉ 2..=10`, `alpha ∉ {0.05, 0.10}`, `n = 0`.
pub fn bonferroni_dunn_cd(k: usize, n: usize, alpha: f64) -> Result<CriticalDifference> {
    let (i, a05) = table_index(k, alpha)?;
    check_n(n)?;
    let qt = if a05 {
        BONFERRONI_DUNN_Q05_PAPER[i]
    } else {
        BONFERRONI_DUNN_Q10_PAPER[i]
    };
    let qc = norm_ppf(1.0 - alpha / (2.0 * (k as f64 - 1.0)));
    let f = (k as f64 * (k as f64 + 1.0) / (6.0 * n as f64)).sqrt();
    Ok(CriticalDifference {
        k,
        n,
        alpha,
        q_table: qt,
        q_computed: qc,
        cd_table: qt * f,
        cd_computed: qc * f,
    })
}

/// Result of [`friedman`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FriedmanResult {
    /// Number of data sets (rows, blocks).
    pub n: usize,
    /// Number of methods (columns).
    pub k: usize,
    /// Average rank per method (1 = best).
    pub average_ranks: Vec<f64>,
    /// Demšar / Friedman χ²_F without tie correction.
    pub chi2_demsar: f64,
    /// `χ²_{k−1}.sf(chi2_demsar)`.
    pub p_demsar: f64,
    /// SciPy `friedmanchisquare` statistic (tie-corrected; NaN if every row is fully tied).
    pub chi2_scipy: f64,
    /// p-value of `chi2_scipy`.
    pub p_scipy: f64,
    /// Iman–Davenport `F_F` from `chi2_demsar` (∞ when every row has the same ranking).
    pub ff_demsar: f64,
    /// `F(k−1, (k−1)(N−1)).sf(ff_demsar)`.
    pub p_ff_demsar: f64,
    /// Iman–Davenport `F_F` from `chi2_scipy`.
    pub ff_scipy: f64,
    /// p-value of `ff_scipy`.
    pub p_ff_scipy: f64,
    /// `√(k(k+1)/(6N))`, the SE of a difference of average ranks.
    pub rank_se: f64,
}

fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if df == 1.0 {
        return 2.0 * norm_sf(x.max(0.0).sqrt());
    }
    ChiSquared::new(df).map(|d| d.sf(x)).unwrap_or(f64::NAN)
}

fn f_sf(x: f64, d1: f64, d2: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_infinite() {
        return 0.0;
    }
    FisherSnedecor::new(d1, d2)
        .map(|d| d.sf(x))
        .unwrap_or(f64::NAN)
}

fn iman_davenport(chi2: f64, n: f64, k: f64) -> f64 {
    let den = n * (k - 1.0) - chi2;
    if chi2.is_nan() {
        f64::NAN
    } else if den <= 0.0 {
        f64::INFINITY
    } else {
        (n - 1.0) * chi2 / den
    }
}

/// Friedman test on a data-sets × methods matrix of scores (STATISTICS.md §4). Ranks within each
/// row (average ranks for exact ties; rank 1 = best according to `direction`). Errors: fewer than
/// 2 rows or 2 columns, ragged rows, non-finite scores.
pub fn friedman(scores: &[Vec<f64>], direction: Direction) -> Result<FriedmanResult> {
    let n = scores.len();
    if n < 2 {
        return Err(StatsError::TooFew {
            what: "scores (rows = data sets)".into(),
            need: 2,
            got: n,
        });
    }
    let k = scores[0].len();
    if k < 2 {
        return Err(StatsError::TooFew {
            what: "scores[0] (columns = methods)".into(),
            need: 2,
            got: k,
        });
    }
    let mut sums = vec![0.0; k];
    let mut ties = 0.0;
    for (i, row) in scores.iter().enumerate() {
        if row.len() != k {
            return Err(StatsError::LengthMismatch {
                what: format!("scores[{i}] vs scores[0]"),
                left: row.len(),
                right: k,
            });
        }
        crate::describe::check_finite(row, &format!("scores[{i}]"))?;
        let key: Vec<f64> = match direction {
            Direction::Higher => row.iter().map(|v| -v).collect(),
            Direction::Lower => row.clone(),
        };
        for (s, r) in sums.iter_mut().zip(rankdata(&key)) {
            *s += r;
        }
        ties += tie_groups(row)
            .iter()
            .map(|&t| (t as f64).powi(3) - t as f64)
            .sum::<f64>();
    }
    let (nf, kf) = (n as f64, k as f64);
    let avg: Vec<f64> = sums.iter().map(|s| s / nf).collect();
    let chi2 = 12.0 * nf / (kf * (kf + 1.0))
        * (avg.iter().map(|r| r * r).sum::<f64>() - kf * (kf + 1.0).powi(2) / 4.0);
    let chi2 = chi2.max(0.0);
    let c = 1.0 - ties / (nf * kf * (kf * kf - 1.0));
    let chi2_s = if c > 0.0 { chi2 / c } else { f64::NAN };
    let ffd = iman_davenport(chi2, nf, kf);
    let ffs = iman_davenport(chi2_s, nf, kf);
    let (d1, d2) = (kf - 1.0, (kf - 1.0) * (nf - 1.0));
    Ok(FriedmanResult {
        n,
        k,
        average_ranks: avg,
        chi2_demsar: chi2,
        p_demsar: chi2_sf(chi2, kf - 1.0),
        chi2_scipy: chi2_s,
        p_scipy: chi2_sf(chi2_s, kf - 1.0),
        ff_demsar: ffd,
        p_ff_demsar: f_sf(ffd, d1, d2),
        ff_scipy: ffs,
        p_ff_scipy: f_sf(ffs, d1, d2),
        rank_se: (kf * (kf + 1.0) / (6.0 * nf)).sqrt(),
    })
}

/// Nemenyi pairwise p-value for two average ranks: `studentized_range.sf(√2·|R_i−R_j|/√(k(k+1)/(6N)), k, ∞)`.
/// Errors: `k < 2`, `n = 0`, non-finite ranks.
pub fn nemenyi_p(r_i: f64, r_j: f64, k: usize, n: usize) -> Result<f64> {
    if k < 2 || n == 0 || !r_i.is_finite() || !r_j.is_finite() {
        return Err(StatsError::param(
            "k/n",
            format!("{k}/{n}"),
            "need k ≥ 2, n ≥ 1 and finite ranks",
        ));
    }
    let se = (k as f64 * (k as f64 + 1.0) / (6.0 * n as f64)).sqrt();
    Ok(1.0 - studentized_range_cdf_inf(std::f64::consts::SQRT_2 * (r_i - r_j).abs() / se, k))
}

#[cfg(test)]
mod tests {
    #[test]
    fn studentized_range_matches_table() {
        for (i, k) in (2..=10).enumerate() {
            let q = super::studentized_range_ppf_inf(0.95, k) / std::f64::consts::SQRT_2;
            assert!(
                (q - super::NEMENYI_Q05_SCIPY[i]).abs() < 6e-5,
                "k={k} q={q}"
            );
        }
    }
}
