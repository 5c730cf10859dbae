//! Verdict rules: claim and comparison verdicts on typed inputs (the `harness audit` / `harness
//! stats` front ends are tested in `harness/tests/audit/`).

use repro_stats::verdict::*;
use std::time::Duration;

fn claim(v: f64, r: ReportedAs) -> Claim {
    Claim {
        id: "c".into(),
        value: v,
        standard_error: None,
        direction: Direction::Higher,
        reported_as: r,
        resolution: None,
        margin: None,
    }
}
fn runs(v: &[f64]) -> Vec<Outcome> {
    v.iter().map(|x| Outcome::Value(*x)).collect()
}
const RUNS: [f64; 8] = [0.80, 0.81, 0.79, 0.805, 0.795, 0.80, 0.812, 0.788];

#[test]
fn claim_verdicts() {
    let rules = Rules::default();
    // Issue 23: "not rejected" is not "reproduced". A single-run claim carries one run's noise
    // (sd ≈ 0.008 here), so the default margin (1% of 0.80 ≈ 1 sd) is never resolvable.
    let a = assess_claims(&[(claim(0.80, ReportedAs::SingleRun), runs(&RUNS))], &rules);
    assert_eq!(a[0].verdict, ClaimVerdict::ConsistentUnderpowered);
    assert_eq!(a[0].seeds_to_decide, Some(SeedsToDecide::Never));
    assert!(
        a[0].verdict_text().contains("more seeds cannot decide"),
        "{}",
        a[0].verdict_text()
    );
    // a mean of 5 runs with a declared margin of 0.02 (2.5 sd): excluded, power ≥ 0.8
    let mut m5 = claim(0.80, ReportedAs::MeanOf { n: 5 });
    m5.margin = Some(0.02);
    let a = assess_claims(&[(m5.clone(), runs(&RUNS))], &rules);
    assert_eq!(a[0].verdict, ClaimVerdict::Reproduced, "{}", a[0].note);
    // the same with a margin of 0.01: underpowered at 8 runs, decidable with more
    m5.margin = Some(0.01);
    let a = assess_claims(&[(m5, runs(&RUNS))], &rules);
    assert_eq!(
        a[0].verdict,
        ClaimVerdict::ConsistentUnderpowered,
        "{}",
        a[0].note
    );
    assert!(
        matches!(a[0].seeds_to_decide, Some(SeedsToDecide::Seeds(n)) if n > 8),
        "{:?}",
        a[0].seeds_to_decide
    );
    let b = assess_claims(&[(claim(0.83, ReportedAs::SingleRun), runs(&RUNS))], &rules);
    assert_eq!(b[0].verdict, ClaimVerdict::NotReproduced);
    assert!(b[0].best_of_k_empirical.unwrap().is_infinite());
    assert_eq!(b[0].looks_like_best_of, None); // beyond the observed range
    let c = assess_claims(
        &[(claim(0.70, ReportedAs::MeanOf { n: 5 }), runs(&RUNS))],
        &rules,
    );
    assert_eq!(c[0].verdict, ClaimVerdict::BetterThanClaimed);
    let d = assess_claims(
        &[(claim(0.80, ReportedAs::Unknown), runs(&RUNS[..2]))],
        &rules,
    );
    assert_eq!(d[0].verdict, ClaimVerdict::Inconclusive);
    // many runs, claim near the top: seed picking flagged
    let many: Vec<f64> = (0..40)
        .map(|i| 0.80 + 0.01 * (((i * 37) % 40) as f64 / 20.0 - 1.0))
        .collect();
    let e = assess_claims(
        &[(claim(0.8095, ReportedAs::SingleRun), runs(&many))],
        &rules,
    );
    let e2 = assess_claims(
        &[(claim(0.8095, ReportedAs::MeanOf { n: 10 }), runs(&many))],
        &rules,
    );
    assert_eq!(e[0].verdict, ClaimVerdict::ConsistentUnderpowered);
    assert_eq!(e2[0].verdict, ClaimVerdict::NotReproduced);
    // a mean of 10 runs is measured against the spread of means (s/√10): more experiments are
    // needed to reach the claim than single runs, and the single-run empirical k does not apply
    assert!(e2[0].best_of_k_normal.unwrap() > e[0].best_of_k_normal.unwrap());
    assert_eq!(e2[0].best_of_k_empirical, None);
    // failures count
    let mut f = runs(&RUNS);
    f.extend([Outcome::Failed; 4]);
    let g = assess_claims(&[(claim(0.80, ReportedAs::SingleRun), f)], &rules);
    assert_eq!(g[0].n_failed, 4);
    assert_eq!(g[0].verdict, ClaimVerdict::NotReproduced);
    // lower is better mirrors higher is better
    let neg: Vec<f64> = RUNS.iter().map(|v| -v).collect();
    let mut cl = claim(-0.83, ReportedAs::SingleRun);
    cl.direction = Direction::Lower;
    let h = assess_claims(&[(cl, runs(&neg))], &rules);
    assert_eq!(h[0].verdict, ClaimVerdict::NotReproduced);
    assert_eq!(h[0].percentile, Some(100.0));
    // never panics on junk
    let j = assess_claims(
        &[
            (claim(f64::NAN, ReportedAs::Unknown), vec![]),
            (
                claim(1.0, ReportedAs::BestOf { n: 0 }),
                vec![Outcome::Value(f64::NAN); 3],
            ),
        ],
        &rules,
    );
    assert!(j.iter().all(|x| x.verdict == ClaimVerdict::Inconclusive));
    assert_eq!(
        ClaimVerdict::BetterThanClaimed.to_string(),
        "better than claimed"
    );
    assert_eq!(
        serde_json::to_string(&ReportedAs::MeanOf { n: 3 }).unwrap(),
        r#"{"kind":"mean_of","n":3}"#
    );
    let o: Vec<Outcome> = serde_json::from_str(r#"[1.5, "diverged", null]"#).unwrap();
    assert_eq!(
        o,
        vec![Outcome::Value(1.5), Outcome::Failed, Outcome::Failed]
    );
}

fn ds(name: &str, eff: f64, reported: bool) -> DatasetResult {
    let base = [0.70, 0.71, 0.69, 0.705, 0.695];
    DatasetResult {
        name: name.into(),
        method: base
            .iter()
            .enumerate()
            .map(|(i, b)| Outcome::Value(b + eff + 0.001 * i as f64))
            .collect(),
        baseline: base.iter().map(|b| Outcome::Value(*b)).collect(),
        reported,
    }
}

#[test]
fn comparison_verdicts() {
    let rules = Rules::default();
    let all: Vec<DatasetResult> = (0..8).map(|i| ds(&format!("d{i}"), 0.05, i < 3)).collect();
    let a = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: None,
            datasets: all,
        },
        &rules,
    );
    assert_eq!(a.verdict, ComparisonVerdict::Generalizes, "{}", a.note);
    assert!(!a.reported_subset_favourable, "{}", a.note);
    let only: Vec<DatasetResult> = (0..8)
        .map(|i| ds(&format!("d{i}"), if i < 3 { 0.05 } else { 0.0 }, i < 3))
        .collect();
    // unpaired: the held-out effects (0.002 of run-to-run noise 0.008) are ties
    let b = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: None,
            datasets: only,
        },
        &rules,
    );
    assert_eq!(
        b.verdict,
        ComparisonVerdict::OnlyOnReportedDatasets,
        "{}",
        b.note
    );
    assert!(b.reported_subset_favourable, "{}", b.note);
    // The held-out datasets win too, only by less: the effect generalizes, and the reported
    // subset is flagged as favourable (it is the unique top 3 of 8: p = 1/56).
    let smaller: Vec<DatasetResult> = (0..8)
        .map(|i| ds(&format!("d{i}"), if i < 3 { 0.05 } else { 0.02 }, i < 3))
        .collect();
    let e = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: None,
            datasets: smaller,
        },
        &rules,
    );
    assert_eq!(e.verdict, ComparisonVerdict::Generalizes, "{}", e.note);
    assert!(e.reported_subset_favourable, "{}", e.note);
    assert!(e.note.contains("favourable subset"), "{}", e.note);
    assert!((e.selection.as_ref().unwrap().p_value - 1.0 / 56.0).abs() < 1e-12);
    let none: Vec<DatasetResult> = (0..8)
        .map(|i| {
            ds(
                &format!("d{i}"),
                if i % 2 == 0 { 0.01 } else { -0.014 },
                false,
            )
        })
        .collect();
    let c = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: None,
            datasets: none,
        },
        &rules,
    );
    // Issue 23: 4 wins / 4 losses is no shown effect, not a shown absence of one
    assert_eq!(c.verdict, ComparisonVerdict::NotShown, "{}", c.note);
    assert!(
        c.verdict_text().starts_with("not shown"),
        "{}",
        c.verdict_text()
    );
    // effects of ±0.001 with a declared margin of 0.02: every interval inside ±0.02 → no effect
    let tiny: Vec<DatasetResult> = (0..8)
        .map(|i| {
            ds(
                &format!("d{i}"),
                if i % 2 == 0 { 0.001 } else { -0.003 },
                false,
            )
        })
        .collect();
    let t = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: Some(0.02),
            datasets: tiny,
        },
        &rules,
    );
    assert_eq!(t.verdict, ComparisonVerdict::NoEffect, "{}", t.note);
    let one = vec![ds("d0", 0.05, true)];
    let d = assess_comparison(
        &ComparisonInput {
            id: "x".into(),
            direction: Direction::Higher,
            paired: false,
            margin: None,
            datasets: one,
        },
        &rules,
    );
    assert_eq!(d.verdict, ComparisonVerdict::Inconclusive);
    assert_eq!(
        ComparisonVerdict::OnlyOnReportedDatasets.to_string(),
        "only on reported datasets"
    );
}

/// Runs `f` on a thread and fails the test if it takes longer than `secs`.
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{what}: no answer within {secs} s (hang)"))
}

fn unknown_claim(value: f64, se: Option<f64>) -> Claim {
    Claim {
        id: "c".into(),
        value,
        standard_error: se,
        direction: Direction::Higher,
        reported_as: ReportedAs::Unknown,
        resolution: None,
        margin: None,
    }
}

#[test]
fn claim_with_se_and_zero_spread_does_not_hang() {
    // `audit claim 0.9 (0.9 0.9 0.9) --se 0.01`: Welch's ν = ∞.
    let a = within(10, "zero spread", || {
        let runs = vec![Outcome::Value(0.9); 3];
        assess_claims(&[(unknown_claim(0.9, Some(0.01)), runs)], &Rules::default())
    });
    assert_eq!(a.len(), 1);
    // 10 realistic runs with sd ≈ 0.00085 and a printed SE of 0.01: ν ≈ 1e7.
    let a = within(10, "tiny spread", || {
        let runs: Vec<Outcome> = (0..10)
            .map(|i| Outcome::Value(0.91 + 0.0003 * ((i * 7 % 10) as f64 - 4.5)))
            .collect();
        assess_claims(
            &[(unknown_claim(0.92, Some(0.01)), runs)],
            &Rules::default(),
        )
    });
    assert!(
        a[0].p_value.is_some_and(|p| (0.0..=1.0).contains(&p)),
        "{a:?}"
    );
}
