//! Property/fuzz layer of the statistics crate under hostile input (issue 28): the fast paths
//! that replaced quadratic ones agree with the definitions they replace, and the probabilities
//! stay probabilities for any parameters.

use proptest::prelude::*;
use repro_stats::bootstrap::{jackknife, jackknife_mean_difference, Statistic};
use repro_stats::describe::mean;
use repro_stats::power::{nct_cdf, nct_sf};
use repro_stats::rliable::probability_of_improvement;

/// Values on a coarse grid, so that ties (which the order-statistic jackknife must handle) are
/// common.
fn vec_f(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-50i32..50).prop_map(|v| v as f64 / 4.0), n)
}

fn loo(x: &[f64], i: usize) -> Vec<f64> {
    x.iter()
        .enumerate()
        .filter(|(k, _)| *k != i)
        .map(|(_, v)| *v)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

fn naive_poi(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let tasks = x[0].len();
    let mut tot = 0.0;
    for j in 0..tasks {
        let mut u = 0.0;
        for a in x {
            for b in y {
                u += if a[j] > b[j] {
                    1.0
                } else if a[j] == b[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
        tot += u / (x.len() * y.len()) as f64;
    }
    tot / tasks as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn jackknife_equals_recomputation(x in vec_f(1..40)) {
        for stat in [Statistic::Mean, Statistic::Median, Statistic::Iqm, Statistic::Sd] {
            let fast = jackknife(&x, stat);
            prop_assert_eq!(fast.len(), x.len());
            for (i, f) in fast.iter().enumerate() {
                let slow = stat.eval(&loo(&x, i));
                prop_assert!(close(*f, slow), "{:?} without x[{}] of {:?}: fast {} vs {}", stat, i, x, f, slow);
            }
        }
    }

    #[test]
    fn jackknife_mean_difference_equals_recomputation(x in vec_f(2..20), y in vec_f(2..20)) {
        let j = jackknife_mean_difference(&x, &y);
        for (i, v) in j[0].iter().enumerate() {
            prop_assert!(close(*v, mean(&loo(&x, i)) - mean(&y)));
        }
        for (i, v) in j[1].iter().enumerate() {
            prop_assert!(close(*v, mean(&x) - mean(&loo(&y, i))));
        }
    }

    #[test]
    fn probability_of_improvement_equals_pairwise_count(
        x in prop::collection::vec(vec_f(3..4), 1..12),
        y in prop::collection::vec(vec_f(3..4), 1..12),
    ) {
        let p = probability_of_improvement(&x, &y).unwrap();
        prop_assert_eq!(p, naive_poi(&x, &y));
    }

    #[test]
    fn nct_is_a_probability_for_any_df(
        t in prop_oneof![-1e6f64..1e6, -5.0f64..5.0],
        log_df in -12.0f64..4.0,
        nc in -40.0f64..40.0,
    ) {
        let df = 10f64.powf(log_df);
        let (sf, cdf) = (nct_sf(t, df, nc), nct_cdf(t, df, nc));
        prop_assert!((0.0..=1.0).contains(&sf) && (0.0..=1.0).contains(&cdf), "t {} df {} nc {}: sf {} cdf {}", t, df, nc, sf, cdf);
        prop_assert!((sf + cdf - 1.0).abs() < 1e-7, "t {} df {} nc {}: sf {} + cdf {} ≠ 1", t, df, nc, sf, cdf);
    }
}
