//! Regression tests of issue 28 item 9 (statistics under hostile input), each named after what
//! it guards. No timing assertions: the tests assert the method chosen or the error, on sizes
//! that took minutes to hours on the old quadratic paths.

use repro_stats::bootstrap::{
    bca_from_distribution, bootstrap_ci, bootstrap_ci_multi, BootstrapConfig, BootstrapMethod,
    Statistic,
};
use repro_stats::describe::mean;
use repro_stats::rliable::probability_of_improvement;
use repro_stats::{Alternative, Sample};

/// Deterministic pseudo-random values in [0, 1) (a 64-bit LCG; no extra dependency).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn cfg(resamples: usize) -> BootstrapConfig {
    BootstrapConfig {
        resamples,
        ..BootstrapConfig::default()
    }
}

#[test]
fn bca_bootstrap_of_a_million_values_uses_the_linear_jackknife() {
    // 10⁶ values × 10 resamples used to hang in the O(n²) jackknife (≈ 1 h).
    let x = Sample::new(values(1_000_000, 1)).unwrap();
    for stat in [
        Statistic::Mean,
        Statistic::Median,
        Statistic::Iqm,
        Statistic::Sd,
    ] {
        let r = bootstrap_ci(&x, stat, &cfg(10)).unwrap();
        assert_eq!(r.method, BootstrapMethod::Bca, "{stat:?}");
        assert!(r.low <= r.high, "{stat:?}: {r:?}");
    }
}

#[test]
fn bootstrap_over_the_work_budget_is_refused_naming_it() {
    // 2,000 values × 10⁶ resamples of the median sorted 2·10⁹ values (> 60 s).
    let x = Sample::new(values(2_000, 2)).unwrap();
    let e = bootstrap_ci(&x, Statistic::Median, &cfg(1_000_000))
        .unwrap_err()
        .to_string();
    assert!(e.contains("resamples") && e.contains("budget"), "{e}");
    assert!(e.contains("use at most"), "{e}");
    // 10⁵ values × 9,999 resamples of the mean (audit claim's default) as well.
    let y = Sample::new(values(100_000, 3)).unwrap();
    let e = bootstrap_ci(&y, Statistic::Mean, &cfg(9_999))
        .unwrap_err()
        .to_string();
    assert!(e.contains("budget"), "{e}");
}

#[test]
fn opaque_statistic_bca_falls_back_to_percentile_above_the_jackknife_budget() {
    let big = values(6_000, 4); // Σ n² = 3.6·10⁷ > 2.5·10⁷
    let f = |d: &[&[f64]]| mean(d[0]);
    let r = bootstrap_ci_multi(&[&big], &f, &cfg(20)).unwrap();
    assert_eq!(r.method, BootstrapMethod::Percentile);
    let small = values(200, 5);
    let r = bootstrap_ci_multi(&[&small], &f, &cfg(20)).unwrap();
    assert_eq!(r.method, BootstrapMethod::Bca);
}

#[test]
fn bca_from_distribution_refuses_an_opaque_jackknife_over_budget() {
    let big = values(6_000, 6);
    let f = |d: &[&[f64]]| mean(d[0]);
    let e = bca_from_distribution(&[&big], &f, &[0.4, 0.5, 0.6], 0.95, Alternative::TwoSided)
        .unwrap_err()
        .to_string();
    assert!(e.contains("jackknife") && e.contains("budget"), "{e}");
}

#[test]
fn fast_jackknife_bca_equals_the_recomputing_one() {
    use repro_stats::bootstrap::{bca_from_jackknife, bootstrap_distribution, jackknife};
    let x = values(2_001, 7);
    for stat in [
        Statistic::Mean,
        Statistic::Median,
        Statistic::Iqm,
        Statistic::Sd,
    ] {
        let f = move |d: &[&[f64]]| stat.eval(d[0]);
        let dist = bootstrap_distribution(&[&x], &f, 999, 0);
        let slow = bca_from_distribution(&[&x], &f, &dist, 0.95, Alternative::TwoSided).unwrap();
        let jack = vec![jackknife(&x, stat)];
        let fast =
            bca_from_jackknife(stat.eval(&x), &jack, &dist, 0.95, Alternative::TwoSided).unwrap();
        for (a, b) in [(fast.0, slow.0), (fast.1, slow.1)] {
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "{stat:?}: {fast:?} vs {slow:?}"
            );
        }
    }
}

#[test]
fn small_samples_keep_the_recomputing_jackknife_bit_for_bit() {
    // The published tables hold BCa intervals of ≤ 100 runs: their digits must not move.
    let x = values(50, 10);
    let s = Sample::new(x.clone()).unwrap();
    for stat in [
        Statistic::Mean,
        Statistic::Median,
        Statistic::Iqm,
        Statistic::Sd,
    ] {
        let fast = bootstrap_ci(&s, stat, &cfg(999)).unwrap();
        let f = move |d: &[&[f64]]| stat.eval(d[0]);
        let slow = bootstrap_ci_multi(&[&x], &f, &cfg(999)).unwrap();
        assert_eq!((fast.low, fast.high), (slow.low, slow.high), "{stat:?}");
    }
}

#[test]
fn probability_of_improvement_of_large_groups_is_not_quadratic() {
    // 10⁵ × 10⁵ runs on one task: 10¹⁰ pairs before, 2·10⁵ binary searches now.
    let x: Vec<Vec<f64>> = values(100_000, 8).into_iter().map(|v| vec![v]).collect();
    let y: Vec<Vec<f64>> = values(100_000, 9).into_iter().map(|v| vec![v]).collect();
    let p = probability_of_improvement(&x, &y).unwrap();
    assert!((p - 0.5).abs() < 0.01, "{p}");
}

#[test]
fn t_quantile_far_in_the_tail_is_computed_not_a_panic() {
    use repro_stats::describe::t_ppf;
    // statrs' inverse panicked below p ≈ 1e-150 (ttest_1samp, confidence 1e-300, one-sided)
    // and was 80 % off at ν = 1, p = 1e-10.
    for p in [1e-7, 1e-10, 1e-101, 1e-150, 1e-200, 1e-300, 5e-324] {
        // Closed forms: Cauchy (ν = 1) −1/tan(πp); ν = 2: (2p − 1)/√(2p(1 − p)).
        let cauchy = -1.0 / (std::f64::consts::PI * p).tan();
        let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
        for (df, exp) in [(1.0, cauchy), (2.0, two)] {
            let got = t_ppf(p, df);
            if exp.is_finite() {
                assert!(
                    (got / exp - 1.0).abs() < 1e-10,
                    "t_ppf({p}, {df}) = {got} vs {exp}"
                );
            } else {
                assert!(got.is_infinite() && got < 0.0, "t_ppf({p}, {df}) = {got}");
            }
        }
        for df in [5.0, 30.0, 1000.0, 9999.0] {
            let q = t_ppf(p, df);
            assert!(q < 0.0 && !q.is_nan(), "t_ppf({p}, {df}) = {q}");
            assert!((t_ppf(1.0 - p, df) + t_ppf(p, df)).abs() >= 0.0);
        }
    }
    // Continuity at the switch.
    for df in [1.0, 5.0, 300.0] {
        let (a, b) = (t_ppf(1.0001e-6, df), t_ppf(0.9999e-6, df));
        assert!((a / b - 1.0).abs() < 1e-3, "df {df}: {a} vs {b}");
    }
}
