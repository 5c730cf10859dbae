//! Unit tests of the paper-level test (the property and calibration tests are in
//! `tests/paper_level.rs`).

use super::*;
use crate::bestofk::expected_max_std_normal;
use crate::claim::{Claim, Outcome};
use crate::verdict::{assess_claims, Correction, Direction, Rules};

fn claim(id: &str, value: f64, ra: ReportedAs) -> Claim {
    Claim {
        id: id.into(),
        value,
        standard_error: None,
        direction: Direction::Higher,
        reported_as: ra,
        resolution: None,
        margin: None,
    }
}

fn runs(v: &[f64]) -> Vec<Outcome> {
    v.iter().map(|&x| Outcome::Value(x)).collect()
}

#[test]
fn per_claim_p_equals_the_claim_verdicts_raw_p() {
    let r = runs(&[0.80, 0.81, 0.79, 0.83, 0.78, 0.80, 0.82]);
    let mut cs = vec![
        claim("single", 0.83, ReportedAs::SingleRun),
        claim("unknown", 0.78, ReportedAs::Unknown),
        claim("mean", 0.815, ReportedAs::MeanOf { n: 5 }),
        claim("best", 0.84, ReportedAs::BestOf { n: 7 }),
    ];
    let mut se = claim("mean-se", 0.82, ReportedAs::MeanOf { n: 20 });
    se.standard_error = Some(0.004);
    cs.push(se);
    let mut low = claim("lower", 0.77, ReportedAs::SingleRun);
    low.direction = Direction::Lower;
    low.resolution = Some(0.01);
    cs.push(low);
    let rules = Rules {
        correction: Correction::None,
        bootstrap_resamples: 0,
        ..Rules::default()
    };
    let pairs: Vec<(Claim, Vec<Outcome>)> = cs.iter().map(|c| (c.clone(), r.clone())).collect();
    let verdicts = assess_claims(&pairs, &rules);
    let table: Vec<TableClaim> = cs
        .iter()
        .map(|c| TableClaim {
            claim: c.clone(),
            run_set: None,
            runs: r.clone(),
        })
        .collect();
    let a = assess_table(&table, &Rules::default());
    for (pos, v) in a.claims.iter().zip(&verdicts) {
        let pv = v.p_value.unwrap();
        if pos.id == "best" {
            // a declared best of m uses the exact pivot, not the verdict's t approximation
            let want = best_of_pivot_sf((0.84 - 0.80428571428571) / pos.sd, 7.0, 7);
            assert!(
                (pos.p_value - want).abs() < 1e-6,
                "{} vs {want}",
                pos.p_value
            );
            continue;
        }
        assert!(
            (pos.p_value - pv).abs() < 1e-12,
            "{}: {} vs {pv}",
            pos.id,
            pos.p_value
        );
    }
}

#[test]
fn one_run_set_is_uninformative_and_shared_runs_count_once() {
    let r = runs(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    let tc = |id: &str, v: f64, set: &str| TableClaim {
        claim: claim(id, v, ReportedAs::SingleRun),
        run_set: Some(set.into()),
        runs: r.clone(),
    };
    let a = assess_table(&[tc("a", 20.0, "x"), tc("b", 8.0, "x")], &Rules::default());
    assert_eq!(a.n_run_sets, 1);
    assert_eq!(a.verdict, TableVerdict::Uninformative);
    assert!(a.summary.contains("uninformative"), "{}", a.summary);
    // the same claims on two run sets give a verdict
    let b = assess_table(&[tc("a", 20.0, "x"), tc("b", 8.0, "y")], &Rules::default());
    assert_eq!(b.n_run_sets, 2);
    assert_ne!(b.verdict, TableVerdict::Uninformative);
    // the shared set's z is the mean of the two claims' clipped z
    let za = a.claims[0].z;
    let zb = a.claims[1].z;
    assert!(za > Z_CLIP, "{za}");
    let (ca, cb) = (za.min(Z_CLIP), zb.min(Z_CLIP));
    let v = clipped_normal_variance(Z_CLIP);
    assert!((v - 0.995_01).abs() < 1e-5, "{v}");
    assert!((a.stouffer_z.unwrap() - (ca + cb) / 2.0 / v.sqrt()).abs() < 1e-12);
    assert!((b.stouffer_z.unwrap() - (ca + cb) / (2.0 * v).sqrt()).abs() < 1e-12);
}

#[test]
fn optimism_and_k_recover_a_known_shift() {
    // 9 claims, each exactly honest-expected + e_3 sd: optimism ≈ e_3·(correction), k ≈ 3
    let r: Vec<f64> = (0..10).map(|i| (i as f64 - 4.5) / 3.0277).collect(); // sd ≈ 1
    let s = sd(&r);
    let m = mean(&r);
    let e3 = expected_max_std_normal(3.0).unwrap();
    let table: Vec<TableClaim> = (0..9)
        .map(|i| TableClaim {
            claim: claim(
                &format!("c{i}"),
                m + e3 * inverse_sd_bias(10) * s,
                ReportedAs::SingleRun,
            ),
            run_set: None,
            runs: runs(&r),
        })
        .collect();
    let a = assess_table(&table, &Rules::default());
    assert_eq!(a.favourable, 9);
    let d = a.optimism_sd.unwrap();
    assert!((d - e3).abs() < 1e-6, "{d} vs {e3}");
    let (l, h) = a.optimism_ci.unwrap();
    assert!(l < d && d < h);
    let k = a.implied_k.unwrap();
    // at the implied k the claim equals mean + κ·s·e_k exactly, so k = 3
    assert!((k - 3.0).abs() < 1e-3, "{k}");
    let (kl, kh) = a.implied_k_ci.unwrap();
    assert!(kl <= k && k <= kh, "{kl} {k} {kh}");
    assert_eq!(a.verdict, TableVerdict::LooksOptimistic);
}

#[test]
fn inverse_sd_bias_matches_the_chi_moment() {
    // E[σ/s] = √(ν/2)·Γ((ν−1)/2)/Γ(ν/2); ν = 2: √π (scipy: chi(2).expect(lambda x: √2/x))
    assert!((inverse_sd_bias(3) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
    // ν = 9: √4.5·Γ(4)/Γ(4.5) = 1.0942…
    let want = 4.5f64.sqrt() * 6.0 / 11.631_728_396_567_448;
    assert!(
        (inverse_sd_bias(10) - want).abs() < 1e-12,
        "{}",
        inverse_sd_bias(10)
    );
    assert!(inverse_sd_bias(2).is_infinite());
}

#[test]
fn bad_inputs_are_excluded_not_panics() {
    let t = vec![
        TableClaim {
            claim: claim("nan", f64::NAN, ReportedAs::SingleRun),
            run_set: None,
            runs: runs(&[1.0, 2.0, 3.0]),
        },
        TableClaim {
            claim: claim("few", 1.0, ReportedAs::SingleRun),
            run_set: None,
            runs: vec![Outcome::Value(1.0), Outcome::Failed],
        },
        TableClaim {
            claim: claim("flat", 1.0, ReportedAs::SingleRun),
            run_set: None,
            runs: runs(&[2.0, 2.0, 2.0]),
        },
    ];
    let a = assess_table(&t, &Rules::default());
    assert_eq!(a.excluded.len(), 3);
    assert_eq!(a.verdict, TableVerdict::Uninformative);
    assert_eq!(a.p_value, None);
    let e = assess_table(&[], &Rules::default());
    assert_eq!(e.verdict, TableVerdict::Uninformative);
}
