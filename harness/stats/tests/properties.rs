//! Property tests: p-values lie in [0, 1]; tests are invariant to shifting both samples;
//! adjusted p-values are monotone in the raw ones.

use proptest::prelude::*;
use repro_stats::multitest::{benjamini_hochberg, holm};
use repro_stats::ttest::welch_t;
use repro_stats::wilcoxon::{sign_test, wilcoxon_paired, SignTies, WilcoxonMethod, ZeroMethod};
use repro_stats::{Alternative, Sample};

fn vec_f(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-1000i32..1000).prop_map(|v| v as f64 / 100.0), n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn p_values_in_unit_interval(x in vec_f(2..30), y in vec_f(2..30)) {
        for alt in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
            let r = welch_t(&Sample::new(x.clone()).unwrap(), &Sample::new(y.clone()).unwrap(), alt, 0.95).unwrap();
            prop_assert!(r.p_value.is_nan() || (0.0..=1.0).contains(&r.p_value));
            let n = x.len().min(y.len());
            for zm in [ZeroMethod::Wilcox, ZeroMethod::Pratt, ZeroMethod::Zsplit] {
                if let Ok(w) = wilcoxon_paired(&x[..n], &y[..n], zm, false, alt, WilcoxonMethod::Auto) {
                    prop_assert!(w.p_value.is_nan() || (0.0..=1.0).contains(&w.p_value), "{:?}", w);
                }
            }
            let d: Vec<f64> = x[..n].iter().zip(&y[..n]).map(|(a, b)| a - b).collect();
            let s = sign_test(&d, alt, SignTies::Split).unwrap();
            prop_assert!((0.0..=1.0).contains(&s.p_value));
        }
    }

    #[test]
    fn shift_invariance(x in vec_f(3..20), y in vec_f(3..20), shift in -50i32..50) {
        let c = shift as f64;
        let a = welch_t(&Sample::new(x.clone()).unwrap(), &Sample::new(y.clone()).unwrap(), Alternative::TwoSided, 0.95).unwrap();
        let xs: Vec<f64> = x.iter().map(|v| v + c).collect();
        let ys: Vec<f64> = y.iter().map(|v| v + c).collect();
        let b = welch_t(&Sample::new(xs.clone()).unwrap(), &Sample::new(ys.clone()).unwrap(), Alternative::TwoSided, 0.95).unwrap();
        if a.p_value.is_finite() {
            prop_assert!((a.p_value - b.p_value).abs() < 1e-6, "{} vs {}", a.p_value, b.p_value);
        }
        // Wilcoxon on integer-valued differences is exactly shift invariant.
        let n = x.len().min(y.len());
        let xi: Vec<f64> = x[..n].iter().map(|v| v.round()).collect();
        let yi: Vec<f64> = y[..n].iter().map(|v| v.round()).collect();
        let xis: Vec<f64> = xi.iter().map(|v| v + c).collect();
        let yis: Vec<f64> = yi.iter().map(|v| v + c).collect();
        let w1 = wilcoxon_paired(&xi, &yi, ZeroMethod::Zsplit, false, Alternative::TwoSided, WilcoxonMethod::Auto).unwrap();
        let w2 = wilcoxon_paired(&xis, &yis, ZeroMethod::Zsplit, false, Alternative::TwoSided, WilcoxonMethod::Auto).unwrap();
        prop_assert_eq!(w1.p_value.to_bits(), w2.p_value.to_bits());
    }

    #[test]
    fn adjusted_monotone(p in prop::collection::vec(0.0f64..=1.0, 1..40)) {
        for adj in [holm(&p).unwrap(), benjamini_hochberg(&p).unwrap()] {
            for i in 0..p.len() {
                prop_assert!(adj[i] >= p[i] - 1e-15 && adj[i] <= 1.0);
                for j in 0..p.len() {
                    if p[i] < p[j] {
                        prop_assert!(adj[i] <= adj[j] + 1e-15);
                    }
                }
            }
        }
    }
}

#[test]
fn nan_is_rejected_by_adjustments() {
    assert!(holm(&[0.1, f64::NAN]).is_err());
    assert!(benjamini_hochberg(&[f64::NAN]).is_err());
}
