//! Wilcoxon signed-rank test exactly as SciPy 1.17.1 `scipy.stats.wilcoxon` (STATISTICS.md §3)
//! and the sign test (§3.1). Wilcoxon (1945), *Biometrics Bulletin* 1:80-83; Pratt (1959),
//! *JASA* 54:655-667; Cureton (1967), *JASA* 62:1068-1069; Demšar (2006) §3.1.3–3.1.4.

use crate::describe::{check_len, norm_cdf, norm_sf, rankdata, tie_groups, Alternative};
use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};
use statrs::function::factorial::ln_binomial;

/// Treatment of zero differences (SciPy `zero_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ZeroMethod {
    /// Discard zeros before ranking (Wilcoxon 1945). SciPy default.
    #[default]
    Wilcox,
    /// Rank zeros, then drop their ranks from both sums (Pratt 1959).
    Pratt,
    /// Rank zeros and split their rank sum evenly between R+ and R−.
    Zsplit,
}

/// Requested method (SciPy `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WilcoxonMethod {
    /// SciPy ≥ 1.15 resolution: `n > 50` → asymptotic; no ties and no zeros → exact;
    /// `n ≤ 13` → permutation; else asymptotic.
    #[default]
    Auto,
    /// Exact signed-rank distribution of `n_eff` (honoured even with ties/zeros).
    Exact,
    /// Normal approximation with tie (and Cureton zero) correction.
    Asymptotic,
}

/// The method actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolvedMethod {
    /// Exact null distribution.
    Exact,
    /// Enumeration of all `2^n` sign vectors (ties/zeros, `n ≤ 13`).
    Permutation,
    /// Normal approximation.
    Asymptotic,
}

/// Result of [`wilcoxon`]. Rank sums are unitless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonResult {
    /// SciPy's statistic: `min(R+, R−)` two-sided, `R+` one-sided.
    pub statistic: f64,
    /// p-value.
    pub p_value: f64,
    /// Sum of ranks of positive differences (plus half the zero ranks for zsplit).
    pub r_plus: f64,
    /// Sum of ranks of negative differences (plus half the zero ranks for zsplit).
    pub r_minus: f64,
    /// z statistic when asymptotic (two-sided: `−|z|`, as SciPy's `zstatistic`).
    pub z: Option<f64>,
    /// Number of differences including zeros.
    pub n: usize,
    /// Number of zero differences.
    pub n_zero: usize,
    /// Method used.
    pub method: ResolvedMethod,
}

struct Ranked {
    r_plus: f64,
    r_minus: f64,
    count: f64,
    has_ties: bool,
    se: f64,
    mn: f64,
    signed: Vec<(f64, bool)>, // (rank, is_nonzero) for each entry that carries a rank (sign-flippable)
    zconst: f64,
}

fn rank_stats(d: &[f64], zm: ZeroMethod) -> Ranked {
    let n_zero = d.iter().filter(|&&v| v == 0.0).count();
    let (vals, idx): (Vec<f64>, Vec<usize>) = match zm {
        ZeroMethod::Wilcox => d
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, v)| (v.abs(), i))
            .unzip(),
        _ => d.iter().enumerate().map(|(i, v)| (v.abs(), i)).unzip(),
    };
    let r = rankdata(&vals);
    let mut r_plus = 0.0;
    let mut r_minus = 0.0;
    let mut zero_sum = 0.0;
    let mut signed = Vec::with_capacity(r.len());
    for (k, &i) in idx.iter().enumerate() {
        if d[i] > 0.0 {
            r_plus += r[k];
        } else if d[i] < 0.0 {
            r_minus += r[k];
        } else {
            zero_sum += r[k];
        }
        signed.push((r[k], d[i] != 0.0));
    }
    let groups = tie_groups(&vals);
    let has_ties = !groups.is_empty();
    let count = vals.len() as f64;
    let mut mn = count * (count + 1.0) * 0.25;
    let mut se = count * (count + 1.0) * (2.0 * count + 1.0);
    let mut tie_sum: f64 = groups.iter().map(|&t| (t as f64).powi(3) - t as f64).sum();
    let mut zconst = 0.0;
    match zm {
        ZeroMethod::Zsplit => {
            r_plus += zero_sum / 2.0;
            r_minus += zero_sum / 2.0;
            zconst = zero_sum / 2.0;
        }
        ZeroMethod::Pratt => {
            let z = n_zero as f64;
            mn -= z * (z + 1.0) * 0.25;
            se -= z * (z + 1.0) * (2.0 * z + 1.0);
            if n_zero > 1 {
                tie_sum -= z.powi(3) - z;
            }
        }
        ZeroMethod::Wilcox => {}
    }
    se = ((se - tie_sum / 2.0) / 24.0).sqrt();
    Ranked {
        r_plus,
        r_minus,
        count,
        has_ties,
        se,
        mn,
        signed,
        zconst,
    }
}

/// Counts `c_n(w)` of the signed-rank null distribution, `w = 0..n(n+1)/2` (exact in f64 for n ≤ 50).
pub fn signed_rank_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut c = vec![0.0; max + 1];
    c[0] = 1.0;
    for k in 1..=n {
        for w in (k..=max).rev() {
            c[w] += c[w - k];
        }
    }
    c
}

/// Wilcoxon signed-rank test on differences `d` (`scipy.stats.wilcoxon(d, zero_method=,
/// correction=, alternative=, method=)`), STATISTICS.md §3. Errors: empty/non-finite `d`;
/// the permutation path with `n < 2` (SciPy raises too). All-zero `d` with the asymptotic
/// method and `wilcox`/`pratt` gives `p = NaN`, as SciPy.
pub fn wilcoxon(
    d: &[f64],
    zero_method: ZeroMethod,
    correction: bool,
    alternative: Alternative,
    method: WilcoxonMethod,
) -> Result<WilcoxonResult> {
    check_len(d, 1, "differences")?;
    let n = d.len();
    let n_zero = d.iter().filter(|&&v| v == 0.0).count();
    let rs = rank_stats(d, zero_method);
    let resolved = match method {
        WilcoxonMethod::Exact => ResolvedMethod::Exact,
        WilcoxonMethod::Asymptotic => ResolvedMethod::Asymptotic,
        WilcoxonMethod::Auto => {
            if n > 50 {
                ResolvedMethod::Asymptotic
            } else if !(rs.has_ties || n_zero > 0) {
                ResolvedMethod::Exact
            } else if n <= 13 {
                ResolvedMethod::Permutation
            } else {
                ResolvedMethod::Asymptotic
            }
        }
    };
    let mut z_out = None;
    let p = match resolved {
        ResolvedMethod::Asymptotic => {
            let mut z = (rs.r_plus - rs.mn) / rs.se;
            if correction {
                let sign = match alternative {
                    Alternative::Greater => 1.0,
                    Alternative::Less => -1.0,
                    Alternative::TwoSided => {
                        if z > 0.0 {
                            1.0
                        } else if z < 0.0 {
                            -1.0
                        } else {
                            0.0
                        }
                    }
                };
                z -= sign * 0.5 / rs.se;
            }
            z_out = Some(if alternative == Alternative::TwoSided {
                -z.abs()
            } else {
                z
            });
            if z.is_nan() {
                f64::NAN
            } else {
                match alternative {
                    Alternative::Greater => norm_sf(z),
                    Alternative::Less => norm_cdf(z),
                    Alternative::TwoSided => (2.0 * norm_sf(z.abs())).min(1.0),
                }
            }
        }
        ResolvedMethod::Exact => {
            let count = rs.count as usize;
            if count > 1000 {
                return Err(StatsError::param(
                    "method",
                    "exact",
                    "exact distribution limited to n ≤ 1000; use asymptotic",
                ));
            }
            let c = signed_rank_counts(count);
            let total: f64 = 2f64.powi(count as i32);
            let cdf = |k: f64| -> f64 {
                if k < 0.0 {
                    return 0.0;
                }
                let k = (k as usize).min(c.len() - 1);
                c[..=k].iter().sum::<f64>() / total
            };
            let sf = |k: f64| -> f64 {
                let k = k.max(0.0) as usize;
                if k >= c.len() {
                    return 0.0;
                }
                c[k..].iter().sum::<f64>() / total
            };
            match alternative {
                Alternative::Less => cdf(rs.r_plus.ceil()),
                Alternative::Greater => sf(rs.r_plus.floor()),
                Alternative::TwoSided => {
                    (2.0 * sf(rs.r_plus.floor()).min(cdf(rs.r_plus.ceil()))).clamp(0.0, 1.0)
                }
            }
        }
        ResolvedMethod::Permutation => {
            if n < 2 {
                return Err(StatsError::TooFew {
                    what: "differences (permutation path)".into(),
                    need: 2,
                    got: n,
                });
            }
            let flippable: Vec<f64> = rs
                .signed
                .iter()
                .filter(|(_, nz)| *nz)
                .map(|(r, _)| *r)
                .collect();
            let obs = rs.r_plus;
            let gamma = 100.0 * f64::EPSILON * obs.abs();
            let m = flippable.len();
            let (mut le, mut ge) = (0u64, 0u64);
            for mask in 0u64..(1u64 << m) {
                let mut s = rs.zconst;
                for (j, r) in flippable.iter().enumerate() {
                    if mask >> j & 1 == 1 {
                        s += r;
                    }
                }
                if s <= obs + gamma {
                    le += 1;
                }
                if s >= obs - gamma {
                    ge += 1;
                }
            }
            let tot = (1u64 << m) as f64;
            let (pl, pg) = (le as f64 / tot, ge as f64 / tot);
            match alternative {
                Alternative::Less => pl,
                Alternative::Greater => pg,
                Alternative::TwoSided => (2.0 * pl.min(pg)).min(1.0),
            }
        }
    };
    let statistic = if alternative == Alternative::TwoSided {
        rs.r_plus.min(rs.r_minus)
    } else {
        rs.r_plus
    };
    Ok(WilcoxonResult {
        statistic,
        p_value: p,
        r_plus: rs.r_plus,
        r_minus: rs.r_minus,
        z: z_out,
        n,
        n_zero,
        method: resolved,
    })
}

/// Wilcoxon signed-rank test on paired samples, `d = x − y`. Errors: lengths differ, as [`wilcoxon`].
pub fn wilcoxon_paired(
    x: &[f64],
    y: &[f64],
    zero_method: ZeroMethod,
    correction: bool,
    alternative: Alternative,
    method: WilcoxonMethod,
) -> Result<WilcoxonResult> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            what: "wilcoxon x/y".into(),
            left: x.len(),
            right: y.len(),
        });
    }
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    wilcoxon(&d, zero_method, correction, alternative, method)
}

/// How the sign test treats zero differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignTies {
    /// Drop zeros (statsmodels `sign_test`).
    #[default]
    Drop,
    /// Demšar (2006) §3.1.4: split ties evenly, dropping one if their number is odd.
    Split,
}

/// Result of [`sign_test`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignTestResult {
    /// Successes used (`#{d>0}`, plus `⌊z/2⌋` for the split variant).
    pub k: u64,
    /// Trials used.
    pub n: u64,
    /// Positive, negative and zero differences.
    pub n_pos: u64,
    /// Negative differences.
    pub n_neg: u64,
    /// Zero differences.
    pub n_zero: u64,
    /// Exact binomial p-value (`binomtest(k, n, 0.5)`); 1 when `n = 0`.
    pub p_value: f64,
}

fn binom_half_cdf(k: u64, n: u64) -> f64 {
    // P(X ≤ k), X ~ Bin(n, 1/2), summed in the log domain.
    if k >= n {
        return 1.0;
    }
    let ln2n = n as f64 * std::f64::consts::LN_2;
    (0..=k)
        .map(|i| (ln_binomial(n, i) - ln2n).exp())
        .sum::<f64>()
        .min(1.0)
}

/// Exact binomial tail probabilities for `p = 1/2`: returns `(P(X ≤ k), P(X ≥ k))`.
pub fn binom_half_tails(k: u64, n: u64) -> (f64, f64) {
    let le = binom_half_cdf(k, n);
    let ge = if k == 0 {
        1.0
    } else {
        binom_half_cdf(n - k, n)
    };
    (le, ge)
}

/// Sign test (STATISTICS.md §3.1): `k = #{d>0}`, `n = #{d≠0}`, `p = binomtest(k, n, 0.5)`;
/// `ties = Split` applies Demšar's split. Errors: empty/non-finite `d`.
pub fn sign_test(d: &[f64], alternative: Alternative, ties: SignTies) -> Result<SignTestResult> {
    check_len(d, 1, "differences")?;
    let n_pos = d.iter().filter(|&&v| v > 0.0).count() as u64;
    let n_neg = d.iter().filter(|&&v| v < 0.0).count() as u64;
    let n_zero = d.len() as u64 - n_pos - n_neg;
    let (k, n) = match ties {
        SignTies::Drop => (n_pos, n_pos + n_neg),
        SignTies::Split => (n_pos + n_zero / 2, n_pos + n_neg + 2 * (n_zero / 2)),
    };
    let p = if n == 0 {
        1.0
    } else {
        let (le, ge) = binom_half_tails(k, n);
        match alternative {
            Alternative::Less => le,
            Alternative::Greater => ge,
            Alternative::TwoSided => {
                if 2 * k == n {
                    1.0
                } else {
                    (2.0 * le.min(ge)).min(1.0)
                }
            }
        }
    };
    Ok(SignTestResult {
        k,
        n,
        n_pos,
        n_neg,
        n_zero,
        p_value: p,
    })
}
