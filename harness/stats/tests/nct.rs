//! The noncentral t survival function against mpmath (`reference/make_nct.py` →
//! `tests/special/nct.json`), above all at df < 1 where a quadrature over `s` used to be wrong
//! (t 5, df 0.01, nc 3 gave 0.070; SciPy and mpmath: 0.9697), and against closed forms: δ = 0 is
//! Student's t, which at ν = 1 is Cauchy (`1/2 − atan(t)/π`) and at ν = 2 is
//! `1/2 − t / (2 √(t² + 2))`.

use repro_stats::power::nct_sf;
mod common;
use common::cases;

#[test]
fn nct_sf_small_df_matches_mpmath() {
    let mut worst = 0.0f64;
    let mut bad = Vec::new();
    for c in cases("nct.json", "nct_sf") {
        let (t, df, nc, exp) = (c[0], c[1], c[2], c[3]);
        let got = nct_sf(t, df, nc);
        let err = (got - exp).abs();
        if err > 1e-10 + 1e-8 * exp.abs() {
            bad.push(format!(
                "nct_sf({t}, {df}, {nc}) = {got:e}, mpmath {exp:e} (error {err:e})"
            ));
        }
        worst = worst.max(err);
    }
    eprintln!("nct_sf: worst absolute error {worst:e}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn nct_sf_small_df_issue_values() {
    // scipy.stats.nct.sf as quoted in issue 28 (4 digits).
    assert!((nct_sf(5.0, 0.01, 3.0) - 0.9697).abs() < 1e-4);
    assert!((nct_sf(1.0, 0.001, 0.0) - 0.498).abs() < 1e-3);
}

#[test]
fn nct_sf_central_is_student_t_in_closed_form() {
    for t in [-40.0, -3.0, -1.0, -0.2, 0.0, 0.7, 1.0, 2.5, 10.0, 1e4] {
        let cauchy = 0.5 - f64::atan(t) / std::f64::consts::PI;
        let t2 = 0.5 - t / (2.0 * (t * t + 2.0f64).sqrt());
        for (df, exp) in [(1.0, cauchy), (2.0, t2)] {
            let got = nct_sf(t, df, 0.0);
            assert!((got - exp).abs() < 1e-10, "df {df}, t {t}: {got} vs {exp}");
        }
        // Just below the switch to the log-scale integral the answer is continuous.
        let below = nct_sf(t, 1.0 - 1e-9, 0.0);
        assert!(
            (below - cauchy).abs() < 1e-8,
            "df 1−1e-9, t {t}: {below} vs {cauchy}"
        );
    }
}

#[test]
fn nct_sf_is_a_probability_for_tiny_and_hostile_df() {
    for df in [1e-300, 1e-12, 1e-6, 0.3] {
        for t in [-1e300, -1.0, 0.0, 1.0, 1e300] {
            for nc in [-1e3, -1.0, 0.0, 2.0, 1e3] {
                let p = nct_sf(t, df, nc);
                assert!((0.0..=1.0).contains(&p), "nct_sf({t}, {df}, {nc}) = {p}");
            }
        }
    }
}
