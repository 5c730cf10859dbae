//! erfc, the normal cdf/sf/quantile and the large-df Student t quantile against high-precision
//! reference values (mpmath at 60 digits, `reference/make_special.py` → `tests/special/special.json`).

use repro_stats::describe::{erfc, norm_cdf, norm_ppf, norm_sf, t_cdf, t_ppf};
mod common;
use common::cases;

fn ulps(got: f64, exp: f64) -> f64 {
    if got == exp {
        return 0.0;
    }
    let ulp = f64::EPSILON * exp.abs().max(f64::MIN_POSITIVE);
    (got - exp).abs() / ulp
}

#[test]
fn erfc_within_two_ulp_of_mpmath() {
    let mut worst = 0.0f64;
    for c in cases("special.json", "erfc") {
        let u = ulps(erfc(c[0]), c[1]);
        assert!(
            u <= 2.0,
            "erfc({}) = {:e}, mpmath {:e}: {u} ULP",
            c[0],
            erfc(c[0]),
            c[1]
        );
        worst = worst.max(u);
    }
    eprintln!("erfc: worst {worst} ULP");
    // statrs' erfc is off by ~1e-10 relative at some arguments; this one must not be.
    assert!(ulps(erfc(0.4765), 0.5003922100684094) <= 2.0);
}

#[test]
fn normal_cdf_and_sf_match_mpmath() {
    for (name, f) in [
        ("norm_cdf", norm_cdf as fn(f64) -> f64),
        ("norm_sf", norm_sf),
    ] {
        for c in cases("special.json", name) {
            let got = f(c[0]);
            // erfc(x/√2) inherits the rounding of x/√2: ~2·(x/√2)²·ε relative, a few ULP for
            // |x| ≤ 5 and growing slowly in the far tail (SciPy's ndtr does the same).
            let tol = 4.0_f64.max(2.0 * c[0] * c[0]);
            let u = ulps(got, c[1]);
            assert!(
                u <= tol,
                "{name}({}) = {got:e}, mpmath {:e}: {u} ULP > {tol}",
                c[0],
                c[1]
            );
        }
    }
}

#[test]
fn normal_quantile_within_a_few_ulp() {
    let mut worst = 0.0f64;
    for c in cases("special.json", "norm_ppf") {
        let got = norm_ppf(c[0]);
        let u = ulps(got, c[1]);
        // p close to 1 carries the rounding of p itself: 1−p is only known to ε absolute.
        let tol = if c[0] > 0.5 {
            4.0 + 1e-16 / (1.0 - c[0]) / 1e-16
        } else {
            4.0
        };
        assert!(
            u <= tol,
            "norm_ppf({}) = {got:e}, mpmath {:e}: {u} ULP > {tol}",
            c[0],
            c[1]
        );
        worst = worst.max(u);
    }
    eprintln!("norm_ppf: worst {worst} ULP");
}

#[test]
fn t_quantile_at_huge_df_is_accurate_and_immediate() {
    let t0 = std::time::Instant::now();
    for c in cases("special.json", "t_ppf_large_df") {
        let got = t_ppf(c[0], c[1]);
        let rel = (got - c[2]).abs() / c[2].abs();
        assert!(
            rel < 1e-14,
            "t_ppf({}, {:e}) = {got}, mpmath {}: rel {rel:e}",
            c[0],
            c[1],
            c[2]
        );
        // and the cdf inverts it
        let back = t_cdf(got, c[1]);
        assert!(
            (back - c[0]).abs() < 1e-14 * c[0].max(1e-3),
            "t_cdf back {back} vs {}",
            c[0]
        );
    }
    // ν = ∞ is the normal; an astronomically large finite ν must not spin (issue 15, item 1).
    assert_eq!(t_ppf(0.975, f64::INFINITY), norm_ppf(0.975));
    assert!((t_ppf(0.975, 1e300) - norm_ppf(0.975)).abs() < 1e-15);
    assert!((t_ppf(0.975, f64::MAX) - norm_ppf(0.975)).abs() < 1e-15);
    assert!(t0.elapsed().as_secs_f64() < 1.0);
}
