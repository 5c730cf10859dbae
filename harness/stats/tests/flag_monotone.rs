//! The seed-picking flags are monotone: once a claim is flagged, every more extreme claim against
//! the same runs is flagged too ("looks like the best of ≈ k runs", then, past the cap, the
//! separate flag "beyond what seed selection explains: protocol or report differs"), never
//! unflagged. (Issue 23: past the cap the words no longer point at seed picking.)

use repro_stats::verdict::{
    assess_claims, Claim, ClaimAssessment, Direction, Outcome, ReportedAs, Rules,
};

const RUNS: [f64; 10] = [
    0.90, 0.905, 0.895, 0.9, 0.91, 0.89, 0.902, 0.898, 0.904, 0.896,
];

fn assess(value: f64) -> ClaimAssessment {
    let claim = Claim {
        id: "c".into(),
        value,
        standard_error: None,
        direction: Direction::Higher,
        reported_as: ReportedAs::SingleRun,
        resolution: None,
        margin: None,
    };
    let runs = RUNS.iter().map(|v| Outcome::Value(*v)).collect();
    assess_claims(&[(claim, runs)], &Rules::default()).remove(0)
}

#[test]
fn the_flag_never_disappears_for_a_more_extreme_claim() {
    let mut flagged_since: Option<f64> = None;
    let mut saw_k = false;
    let mut saw_beyond = false;
    for i in 0..400 {
        let c = 0.9 + i as f64 * 0.0002;
        let a = assess(c);
        let flag = a.seed_picking_flag().or(a.beyond_seed_selection.clone());
        // the two flags are kept apart: never both
        assert!(
            a.seed_picking.is_none() || a.beyond_seed_selection.is_none(),
            "{a:?}"
        );
        if let Some(since) = flagged_since {
            assert!(
                flag.is_some(),
                "claim {c} unflagged although {since} was flagged: {a:?}"
            );
        }
        if flag.is_some() && flagged_since.is_none() {
            flagged_since = Some(c);
        }
        saw_k |= a.looks_like_best_of.is_some();
        saw_beyond |= a.beyond_best_of.is_some();
        // the note says it once, not twice
        if let Some(f) = &flag {
            assert_eq!(a.note.matches(f.as_str()).count(), 1, "{}", a.note);
        }
    }
    assert!(saw_k && saw_beyond, "the grid should cross both regimes");
    // far beyond every run: flagged at the cap
    let far = assess(0.99);
    assert_eq!(far.beyond_best_of, Some(100), "{far:?}");
    assert_eq!(far.looks_like_best_of, None);
    assert_eq!(far.seed_picking_flag(), None);
    assert_eq!(
        far.beyond_seed_selection.as_deref(),
        Some("beyond what seed selection explains (more than the best of 100 runs): protocol or report differs")
    );
}

#[test]
fn k_is_printed_with_sensible_precision() {
    use repro_stats::bestofk::format_k;
    assert_eq!(format_k(40.4), "≈ 40");
    assert_eq!(format_k(53_878_819_023.4), "> 10⁶");
}

/// For a claim declared as the mean of m runs, k counts experiments of m runs.
#[test]
fn a_mean_of_m_claim_is_flagged_in_experiments_of_m_runs() {
    let claim = Claim {
        id: "c".into(),
        value: 0.95,
        standard_error: None,
        direction: Direction::Higher,
        reported_as: ReportedAs::MeanOf { n: 20 },
        resolution: None,
        margin: None,
    };
    let runs = RUNS.iter().map(|v| Outcome::Value(*v)).collect();
    let a = assess_claims(&[(claim, runs)], &Rules::default()).remove(0);
    assert_eq!(
        a.beyond_seed_selection.as_deref(),
        Some("beyond what seed selection explains (more than the best of 100 experiments of 20 runs): protocol or report differs"),
        "{a:?}"
    );
}
