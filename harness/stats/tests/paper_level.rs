//! Properties of the paper-level test (`repro_stats::paper_level`):
//! * honest simulated tables (every model: single run, unknown, mean of m with and without a
//!   printed SE, declared best of m, rounded claims, two metrics of the same runs) are flagged at
//!   most at rate α, within Monte Carlo error, while tables of best-of-5 claims are caught;
//! * no result depends on the order of the claims (proptest over random tables and permutations);
//! * the per-claim p-value is the claim verdict's raw p-value (proptest), except for a declared
//!   best of m without a printed SE, which uses the exact pivot (checked against SciPy in the
//!   vectors).

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use repro_stats::paper_level::{assess_table, TableClaim, TableVerdict};
use repro_stats::verdict::{
    assess_claims, Claim, Correction, Direction, Outcome, ReportedAs, Rules,
};

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One honest claim of `model` with `n` reproduced runs; returns one or two table claims (two
/// metrics of the same runs for `paired`).
fn honest(model: &str, id: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<TableClaim> {
    let (mu, sd) = (0.80, 0.02);
    let d = |rng: &mut ChaCha8Rng| mu + sd * normal(rng);
    let runs: Vec<f64> = (0..n).map(|_| d(rng)).collect();
    let mk =
        |value: f64, ra: ReportedAs, se: Option<f64>, res: Option<f64>, runs: &[f64]| TableClaim {
            claim: Claim {
                id: format!("c{id}"),
                value,
                standard_error: se,
                direction: Direction::Higher,
                reported_as: ra,
                resolution: res,
                margin: None,
            },
            run_set: None,
            runs: runs.iter().map(|&v| Outcome::Value(v)).collect(),
        };
    match model {
        "single" => vec![mk(d(rng), ReportedAs::SingleRun, None, None, &runs)],
        "unknown-rounded" => {
            let v = (d(rng) * 100.0).round() / 100.0;
            vec![mk(v, ReportedAs::Unknown, None, Some(0.01), &runs)]
        }
        "mean5" => {
            let m: f64 = (0..5).map(|_| d(rng)).sum::<f64>() / 5.0;
            vec![mk(m, ReportedAs::MeanOf { n: 5 }, None, None, &runs)]
        }
        "mean20-se" => {
            let p: Vec<f64> = (0..20).map(|_| d(rng)).collect();
            let m = p.iter().sum::<f64>() / 20.0;
            let s = (p.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 19.0).sqrt();
            vec![mk(
                m,
                ReportedAs::MeanOf { n: 20 },
                Some(s / 20f64.sqrt()),
                None,
                &runs,
            )]
        }
        "best3-declared" => {
            let b = (0..3).map(|_| d(rng)).fold(f64::NEG_INFINITY, f64::max);
            vec![mk(b, ReportedAs::BestOf { n: 3 }, None, None, &runs)]
        }
        _ => {
            // two metrics of the same runs: accuracy, and a loss that falls with it
            let loss = |x: f64, rng: &mut ChaCha8Rng| 2.0 - 3.0 * x + 0.01 * normal(rng);
            let x = d(rng);
            let lc = loss(x, rng);
            let lr: Vec<f64> = runs.iter().map(|&v| loss(v, rng)).collect();
            let mut a = mk(x, ReportedAs::SingleRun, None, None, &runs);
            let mut b = mk(lc, ReportedAs::SingleRun, None, None, &lr);
            b.claim.id = format!("c{id}-loss");
            b.claim.direction = Direction::Lower;
            a.run_set = Some(format!("s{id}"));
            b.run_set = Some(format!("s{id}"));
            vec![a, b]
        }
    }
}

fn rules() -> Rules {
    Rules {
        estimate_optimism: false,
        estimate_k: false,
        ..Rules::default()
    }
}

/// Honest tables are flagged at most at rate α (+ 3 Monte Carlo SE) for every model and size;
/// tables of best-of-5 single-run claims are flagged far more often (the test can fail).
#[test]
fn honest_tables_are_flagged_at_most_at_alpha() {
    const REPS: usize = 1500;
    let alpha = 0.05;
    let bound = alpha + 3.0 * (alpha * (1.0 - alpha) / REPS as f64).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let mut report = Vec::new();
    let mut worst: f64 = 0.0;
    for model in [
        "single",
        "unknown-rounded",
        "mean5",
        "mean20-se",
        "best3-declared",
        "paired-metrics",
    ] {
        for (m, n) in [(2usize, 5usize), (6, 10), (12, 20)] {
            let mut flagged = 0;
            for _ in 0..REPS {
                let t: Vec<TableClaim> =
                    (0..m).flat_map(|i| honest(model, i, n, &mut rng)).collect();
                let a = assess_table(&t, &rules());
                assert_eq!(a.n_run_sets, m);
                flagged += (a.verdict == TableVerdict::LooksOptimistic) as usize;
            }
            let r = flagged as f64 / REPS as f64;
            worst = worst.max(r);
            report.push(format!("{model} m={m} n={n}: {r:.4}"));
        }
    }
    eprintln!(
        "honest flag rates (bound {bound:.4}):\n{}",
        report.join("\n")
    );
    assert!(
        worst <= bound,
        "an honest flag rate exceeds {bound}: {report:?}"
    );

    // power check: 6 claims, each the best of 5 runs reported as a single run, n = 10
    let mut caught = 0;
    for _ in 0..400 {
        let t: Vec<TableClaim> = (0..6)
            .map(|i| {
                let mut c = honest("single", i, 10, &mut rng).remove(0);
                c.claim.value = (0..5)
                    .map(|_| 0.80 + 0.02 * normal(&mut rng))
                    .fold(f64::NEG_INFINITY, f64::max);
                c
            })
            .collect();
        caught += (assess_table(&t, &rules()).verdict == TableVerdict::LooksOptimistic) as usize;
    }
    assert!(caught > 300, "best-of-5 tables caught only {caught}/400");
}

fn arb_claim() -> impl Strategy<Value = TableClaim> {
    (
        0u32..1000,
        prop::collection::vec(
            (-500i32..500).prop_map(|v| 0.8 + v as f64 / 10_000.0),
            1..12,
        ),
        (-300i32..300).prop_map(|v| 0.8 + v as f64 / 10_000.0),
        0usize..5,
        prop::option::of(1u32..40),
        any::<bool>(),
        prop::option::of(0u8..4),
        any::<bool>(),
    )
        .prop_map(
            |(id, runs, value, ra, se, lower, set, rounded)| TableClaim {
                claim: Claim {
                    id: format!("claim{id}"),
                    value,
                    standard_error: se.map(|s| s as f64 / 10_000.0),
                    direction: if lower {
                        Direction::Lower
                    } else {
                        Direction::Higher
                    },
                    reported_as: match ra {
                        0 => ReportedAs::SingleRun,
                        1 => ReportedAs::Unknown,
                        2 => ReportedAs::MeanOf { n: 5 },
                        3 => ReportedAs::BestOf { n: 3 },
                        _ => ReportedAs::MeanOf { n: 1 },
                    },
                    resolution: if rounded { Some(0.001) } else { None },
                    margin: None,
                },
                run_set: set.map(|s| format!("set{s}")),
                runs: runs
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i == 3 {
                            Outcome::Failed
                        } else {
                            Outcome::Value(v)
                        }
                    })
                    .collect(),
            },
        )
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    a.map(f64::to_bits) == b.map(f64::to_bits)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every result is bitwise the same whatever the order of the claims.
    #[test]
    fn invariant_to_claim_order(
        claims in prop::collection::vec(arb_claim(), 1..9),
        perm_seed in any::<u64>(),
    ) {
        let mut shuffled = claims.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(perm_seed);
        for i in (1..shuffled.len()).rev() {
            let j = rng.random_range(0..=i);
            shuffled.swap(i, j);
        }
        let r = Rules::default();
        let (a, b) = (assess_table(&claims, &r), assess_table(&shuffled, &r));
        prop_assert!(same(a.stouffer_z, b.stouffer_z), "{:?} vs {:?}", a.stouffer_z, b.stouffer_z);
        prop_assert!(same(a.p_value, b.p_value));
        prop_assert!(same(a.optimism_sd, b.optimism_sd), "{:?} vs {:?}", a.optimism_sd, b.optimism_sd);
        prop_assert!(same(a.optimism_ci.map(|c| c.0), b.optimism_ci.map(|c| c.0)));
        prop_assert!(same(a.optimism_ci.map(|c| c.1), b.optimism_ci.map(|c| c.1)));
        prop_assert!(same(a.implied_k, b.implied_k));
        prop_assert!(same(a.implied_k_ci.map(|c| c.0), b.implied_k_ci.map(|c| c.0)));
        prop_assert!(same(a.implied_k_ci.map(|c| c.1), b.implied_k_ci.map(|c| c.1)));
        prop_assert_eq!(a.favourable, b.favourable);
        prop_assert_eq!(a.n_run_sets, b.n_run_sets);
        prop_assert_eq!(a.verdict, b.verdict);
        prop_assert_eq!(a.summary, b.summary);
        if let Some(p) = a.p_value {
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }

    /// The per-claim one-sided p-value is the claim verdict's raw p-value (same test, same
    /// resolution handling, read in the favourable direction), declared best-of-m claims without
    /// an SE excepted (exact pivot).
    #[test]
    fn per_claim_p_is_the_claim_verdicts_p(c in arb_claim()) {
        let rules = Rules { correction: Correction::None, bootstrap_resamples: 0, ..Rules::default() };
        let v = assess_claims(&[(c.claim.clone(), c.runs.clone())], &rules).remove(0);
        let a = assess_table(std::slice::from_ref(&c), &rules_default_no_estimates());
        let pivot = matches!(c.claim.reported_as, ReportedAs::BestOf { .. }) && c.claim.standard_error.is_none();
        if let (Some(pos), Some(pv), false) = (a.claims.first(), v.p_value, pivot) {
            prop_assert!((pos.p_value - pv).abs() < 1e-9, "{} vs {}", pos.p_value, pv);
        }
    }
}

fn rules_default_no_estimates() -> Rules {
    rules()
}

fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(1e300),
        -1e3f64..1e3,
    ]
}

fn hostile_claim() -> impl Strategy<Value = TableClaim> {
    (
        hostile_f64(),
        prop::collection::vec(hostile_f64(), 0..15),
        prop::option::of(hostile_f64()),
        prop::option::of(hostile_f64()),
        prop_oneof![
            Just(ReportedAs::SingleRun),
            Just(ReportedAs::Unknown),
            Just(ReportedAs::MeanOf { n: 0 }),
            Just(ReportedAs::MeanOf { n: usize::MAX }),
            Just(ReportedAs::BestOf { n: 0 }),
            Just(ReportedAs::BestOf { n: usize::MAX }),
            (1usize..50).prop_map(|n| ReportedAs::BestOf { n }),
        ],
        prop::option::of(0u8..3),
    )
        .prop_map(|(value, runs, se, res, ra, set)| TableClaim {
            claim: Claim {
                id: "h".into(),
                value,
                standard_error: se,
                direction: Direction::Higher,
                reported_as: ra,
                resolution: res,
                margin: None,
            },
            run_set: set.map(|s| s.to_string()),
            runs: runs.into_iter().map(Outcome::Value).collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Hostile claims and runs (NaN, ±∞, extreme magnitudes, n = 0 or usize::MAX) never panic and
    /// answer within seconds; every number reported is a valid p-value or finite where promised.
    #[test]
    fn hostile_tables_never_panic(claims in prop::collection::vec(hostile_claim(), 0..6)) {
        let start = std::time::Instant::now();
        let a = std::panic::catch_unwind(|| assess_table(&claims, &Rules::default()));
        prop_assert!(a.is_ok(), "panicked on {:?}", claims);
        prop_assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
        let a = a.unwrap();
        prop_assert_eq!(a.n_tested + a.excluded.len(), a.n_claims);
        if let Some(p) = a.p_value {
            prop_assert!((0.0..=1.0).contains(&p), "p = {}", p);
        }
    }

    /// Mann–Whitney on arbitrary finite samples: a p-value in [0, 1] (or NaN only for all-tied
    /// data without continuity correction) or a clear error, never a panic.
    #[test]
    fn mann_whitney_answers_or_errors(
        x in prop::collection::vec(-5i32..5, 0..40),
        y in prop::collection::vec(-5i32..5, 0..40),
        cont in any::<bool>(),
        method in 0u8..3,
    ) {
        use repro_stats::mannwhitney::{mann_whitney_u, MannWhitneyMethod};
        let x: Vec<f64> = x.into_iter().map(f64::from).collect();
        let y: Vec<f64> = y.into_iter().map(f64::from).collect();
        let m = [MannWhitneyMethod::Auto, MannWhitneyMethod::Exact, MannWhitneyMethod::Asymptotic][method as usize];
        match mann_whitney_u(&x, &y, cont, repro_stats::Alternative::TwoSided, m) {
            Ok(r) => prop_assert!(r.p_value.is_nan() || (0.0..=1.0).contains(&r.p_value), "{:?}", r),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
