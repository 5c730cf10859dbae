//! The "looks like best of ~k runs" flag: fires for a claim far above the reproduced runs (even
//! above the best of them), never for a claim inside the bulk of the runs.

use repro_stats::verdict::{
    assess_claims, Claim, ClaimVerdict, Direction, Outcome, ReportedAs, Rules, SeedsToDecide,
};

fn runs() -> Vec<Outcome> {
    // 20 seeds, mean 0.80, sd ≈ 0.0171
    [
        0.78, 0.79, 0.80, 0.81, 0.82, 0.775, 0.785, 0.795, 0.805, 0.815, 0.825, 0.83, 0.77, 0.80,
        0.80, 0.81, 0.79, 0.82, 0.78, 0.80,
    ]
    .iter()
    .map(|v| Outcome::Value(*v))
    .collect()
}

fn claim(value: f64) -> Claim {
    Claim {
        id: "c".into(),
        value,
        standard_error: None,
        direction: Direction::Higher,
        reported_as: ReportedAs::SingleRun,
        resolution: None,
        margin: None,
    }
}

#[test]
fn a_claim_above_every_run_is_flagged_with_its_implied_k() {
    let a = &assess_claims(&[(claim(0.835), runs())], &Rules::default())[0];
    assert_eq!(a.verdict, ClaimVerdict::NotReproduced, "{a:?}");
    let k = a
        .looks_like_best_of
        .unwrap_or_else(|| panic!("not flagged: {a:?}"));
    // z = (0.835 − 0.80)/0.0171 ≈ 2.05 → e_k = 2.05 at k ≈ 30 (normal model)
    assert!((15..=60).contains(&k), "k = {k}");
    assert_eq!(
        a.best_of_k_empirical,
        Some(f64::INFINITY),
        "above every run: not attainable empirically"
    );
}

#[test]
fn an_honest_claim_is_not_flagged() {
    let a = &assess_claims(&[(claim(0.81), runs())], &Rules::default())[0];
    // Issue 23: a single-run claim carries one run's noise (sd 0.017), so the default margin
    // (1% of 0.81) can never be resolved: not rejected, but not "reproduced" either.
    assert_eq!(a.verdict, ClaimVerdict::ConsistentUnderpowered, "{a:?}");
    assert_eq!(a.seeds_to_decide, Some(SeedsToDecide::Never), "{a:?}");
    assert_eq!(a.looks_like_best_of, None);
    // with a declared margin of 3 run SDs the 20 runs exclude the shortfall with power ≥ 0.8
    let mut c = claim(0.81);
    c.margin = Some(0.05);
    let a = &assess_claims(&[(c, runs())], &Rules::default())[0];
    assert_eq!(a.verdict, ClaimVerdict::Reproduced, "{a:?}");
    assert!(a.power.unwrap() >= 0.8, "{a:?}");
}

#[test]
fn a_declared_best_of_claim_is_not_flagged_as_seed_picking() {
    let mut c = claim(0.845);
    c.reported_as = ReportedAs::BestOf { n: 40 };
    let a = &assess_claims(&[(c, runs())], &Rules::default())[0];
    assert_eq!(a.looks_like_best_of, None, "{a:?}");
}

/// "32%" printed for a true 31.51%: rounding alone must not make a claim "not reproduced".
#[test]
fn a_rounded_claim_is_tested_at_the_edge_of_its_rounding_interval() {
    let runs: Vec<Outcome> = [
        0.3150, 0.3160, 0.3140, 0.3150, 0.3160, 0.3150, 0.3140, 0.3160, 0.3150, 0.3150,
    ]
    .iter()
    .map(|v| Outcome::Value(*v))
    .collect();
    let exact = &assess_claims(&[(claim(0.32), runs.clone())], &Rules::default())[0];
    assert_eq!(exact.verdict, ClaimVerdict::NotReproduced, "{exact:?}");
    let mut c = claim(0.32);
    c.resolution = Some(0.01);
    let rounded = &assess_claims(&[(c, runs)], &Rules::default())[0];
    assert_eq!(rounded.verdict, ClaimVerdict::Reproduced, "{rounded:?}");
    assert_eq!(rounded.claimed, 0.32);
    assert!(rounded.note.contains("tested at 0.315"), "{}", rounded.note);
}

/// Rounding cuts both ways: "0.32" printed for anything in [0.315, 0.325) is "better than claimed"
/// only when the runs beat 0.325, not merely 0.315.
#[test]
fn a_rounded_claim_is_beaten_only_beyond_its_favourable_edge() {
    let runs = |centre: f64| -> Vec<Outcome> {
        [
            -0.0004, 0.0, 0.0004, -0.0002, 0.0002, 0.0, 0.0001, -0.0001, 0.0003, -0.0003,
        ]
        .iter()
        .map(|d| Outcome::Value(centre + d))
        .collect()
    };
    let mut c = claim(0.32);
    c.resolution = Some(0.01);
    // clearly above 0.315 but inside the rounding interval: consistent with "0.32"
    let inside = &assess_claims(&[(c.clone(), runs(0.3235))], &Rules::default())[0];
    assert_eq!(inside.verdict, ClaimVerdict::Reproduced, "{inside:?}");
    // clearly above 0.325: better than anything that prints as 0.32
    let above = &assess_claims(&[(c.clone(), runs(0.3275))], &Rules::default())[0];
    assert_eq!(above.verdict, ClaimVerdict::BetterThanClaimed, "{above:?}");
    // the exact claim 0.32 is beaten by 0.3235
    let exact = &assess_claims(&[(claim(0.32), runs(0.3235))], &Rules::default())[0];
    assert_eq!(exact.verdict, ClaimVerdict::BetterThanClaimed, "{exact:?}");
}

/// A claim that is the mean of m runs is compared with the spread of means (s/√m): a mean of 20
/// far above the reproduced mean is not "the best of a few runs".
#[test]
fn implied_k_of_a_mean_of_m_claim_counts_experiments_of_m_runs() {
    let mut c = claim(0.835);
    c.reported_as = ReportedAs::MeanOf { n: 20 };
    let a = &assess_claims(&[(c, runs())], &Rules::default())[0];
    assert_eq!(a.verdict, ClaimVerdict::NotReproduced, "{a:?}");
    // z = 0.035/(0.0171/√20) ≈ 9.2: no plausible number of experiments reaches it
    assert!(a.best_of_k_normal.unwrap() > 1e6, "{a:?}");
    assert_eq!(a.best_of_k_empirical, None);
    assert_eq!(a.looks_like_best_of, None);
}
