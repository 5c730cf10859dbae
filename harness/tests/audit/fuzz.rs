//! Property/fuzz layer over everything a user can hand `harness stats` (issue 15, item 2):
//! for every procedure, JSON objects with the procedure's fields filled with plausible and
//! hostile values (huge, tiny, negative, zero, ±0, non-numbers, ragged matrices, empty lists,
//! sizes beyond every ceiling, u64::MAX), plus truncated JSON text through the CLI entry point
//! and hostile audit CSV files. The property: a result or a clear error within a time bound —
//! never a panic, a hang or an abort. The number of cases is printed (`--nocapture`).

use harness::audit::procedures::run_procedure;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

/// Seconds one case may take before it counts as a hang. A hang detector, not a speed target
/// (those live in benchmarks): the procedures' ceilings keep every accepted input's work to
/// seconds, while a missing ceiling (10⁶ resamples of 3·10⁵ values) means hours; the margin
/// absorbs a loaded CI machine (20 s failed once while two release builds shared 2 cores).
const BOUND_S: u64 = 120;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Vec,
    Matrix,
    Num,
    Prob,
    Size,
    Seed,
    Bool,
    Idx,
    Alt,
    Stat,
    Method,
    Agg,
    Zero,
    WMethod,
    Ties,
    Dir,
    Design,
    Claims,
    Comparison,
    Rules,
}
use Kind::*;

const SPECS: &[(&str, &[(&str, Kind)])] = &[
    ("describe", &[("x", Vec)]),
    ("t_interval", &[("x", Vec), ("confidence", Prob)]),
    (
        "ttest_1samp",
        &[
            ("x", Vec),
            ("popmean", Num),
            ("alternative", Alt),
            ("confidence", Prob),
        ],
    ),
    (
        "ttest_welch",
        &[
            ("x", Vec),
            ("y", Vec),
            ("alternative", Alt),
            ("confidence", Prob),
        ],
    ),
    (
        "ttest_paired",
        &[
            ("x", Vec),
            ("y", Vec),
            ("alternative", Alt),
            ("confidence", Prob),
        ],
    ),
    (
        "bootstrap",
        &[
            ("x", Vec),
            ("y", Vec),
            ("statistic", Stat),
            ("method", Method),
            ("confidence", Prob),
            ("alternative", Alt),
            ("resamples", Size),
            ("seed", Seed),
        ],
    ),
    (
        "bootstrap_interval_from_distribution",
        &[
            ("samples", Matrix),
            ("theta_star", Vec),
            ("statistic", Stat),
            ("method", Method),
            ("confidence", Prob),
            ("alternative", Alt),
        ],
    ),
    ("trim_mean", &[("x", Vec), ("proportion", Prob)]),
    ("iqm", &[("x", Vec)]),
    (
        "rliable_aggregate",
        &[("scores", Matrix), ("aggregate", Agg)],
    ),
    (
        "stratified_bootstrap",
        &[
            ("scores", Matrix),
            ("aggregate", Agg),
            ("reps", Size),
            ("confidence", Prob),
            ("seed", Seed),
        ],
    ),
    (
        "probability_of_improvement",
        &[
            ("x", Matrix),
            ("y", Matrix),
            ("ci", Bool),
            ("reps", Size),
            ("confidence", Prob),
            ("seed", Seed),
        ],
    ),
    (
        "wilcoxon",
        &[
            ("x", Vec),
            ("y", Vec),
            ("zero_method", Zero),
            ("correction", Bool),
            ("alternative", Alt),
            ("method", WMethod),
        ],
    ),
    (
        "sign_test",
        &[("x", Vec), ("y", Vec), ("alternative", Alt), ("ties", Ties)],
    ),
    ("friedman", &[("scores", Matrix), ("direction", Dir)]),
    ("nemenyi_cd", &[("k", Size), ("n", Size), ("alpha", Prob)]),
    (
        "bonferroni_dunn_cd",
        &[("k", Size), ("n", Size), ("alpha", Prob)],
    ),
    ("holm", &[("p_values", Vec)]),
    ("benjamini_hochberg", &[("p_values", Vec)]),
    (
        "expected_max_normal",
        &[("k", Num), ("mu", Num), ("sigma", Num)],
    ),
    (
        "expected_max_empirical",
        &[("scores", Vec), ("n", Num), ("replacement", Bool)],
    ),
    (
        "implied_k_normal",
        &[("claim", Num), ("mu", Num), ("sigma", Num)],
    ),
    ("implied_k_empirical", &[("claim", Num), ("scores", Vec)]),
    (
        "subset_selection",
        &[
            ("effects", Vec),
            ("reported", Idx),
            ("max_enum", Size),
            ("mc_draws", Size),
            ("seed", Seed),
        ],
    ),
    (
        "excess_significance",
        &[
            ("effects", Vec),
            ("standard_errors", Vec),
            ("alpha", Prob),
            ("theta", Num),
            ("h0", Num),
        ],
    ),
    ("nct_sf", &[("t", Num), ("df", Num), ("nc", Num)]),
    (
        "ttest_power",
        &[
            ("n", Size),
            ("gap", Num),
            ("sd", Num),
            ("alpha", Prob),
            ("design", Design),
            ("alternative", Alt),
        ],
    ),
    (
        "seeds_needed",
        &[
            ("gap", Num),
            ("sd", Num),
            ("alpha", Prob),
            ("power", Prob),
            ("design", Design),
            ("alternative", Alt),
        ],
    ),
    ("assess_claims", &[("claims", Claims), ("rules", Rules)]),
    (
        "assess_comparison",
        &[("comparison", Comparison), ("rules", Rules)],
    ),
];

fn hostile_number() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!(0.0),
        json!(-0.0),
        json!(1e308),
        json!(-1e308),
        json!(5e-324),
        json!(1e-300),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e12),
        json!(-1),
        json!(0.5),
        json!("NaN"),
        json!("Infinity"),
        json!(null),
        json!(true),
        json!("x"),
        json!([]),
    ])
}

fn plain() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => (-1000i64..1000).prop_map(|v| v as f64 / 100.0),
        1 => prop::sample::select(vec![0.0, 1.0, 1e-12, 1e12, -1e12, 0.95, 0.9, 1e-300]),
        1 => any::<f64>().prop_filter("finite", |x| x.is_finite()),
    ]
}

fn number() -> BoxedStrategy<Value> {
    prop_oneof![12 => plain().prop_map(|x| json!(x)), 1 => hostile_number()].boxed()
}

fn vector() -> BoxedStrategy<Value> {
    prop_oneof![
        24 => prop::collection::vec(plain(), 2..25).prop_map(|v| json!(v)),
        2 => prop::collection::vec(plain(), 0..2).prop_map(|v| json!(v)),
        1 => prop::collection::vec(number(), 0..10).prop_map(Value::Array),
        1 => prop::collection::vec(Just(0.25), 0..40).prop_map(|v| json!(v)),
        1 => hostile_number(),
    ]
    .boxed()
}

fn matrix() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => (1usize..8, 1usize..5).prop_flat_map(|(r, c)| prop::collection::vec(prop::collection::vec(plain(), c..=c), r..=r)).prop_map(|m| json!(m)),
        2 => prop::collection::vec(prop::collection::vec(plain(), 0..5), 0..6).prop_map(|m| json!(m)),
        1 => vector(),
    ]
    .boxed()
}

fn one_of(options: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        20 => prop::sample::select(options).prop_map(|s| json!(s)),
        1 => hostile_number(),
        1 => Just(json!("not-an-option")),
    ]
    .boxed()
}

fn size() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => prop::sample::select(vec![json!(1), json!(2), json!(3), json!(4), json!(10), json!(99)]),
        1 => prop::sample::select(vec![
            json!(0), json!(1_000_001u64), json!(10_000_001u64), json!(1_000_000_000u64),
            json!(1_000_000_000_000u64), json!(u64::MAX), json!(-1), json!(2.5), json!("many"),
        ]),
    ]
    .boxed()
}

fn prob() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => prop::sample::select(vec![0.05, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 1e-12]).prop_map(|x| json!(x)),
        1 => prop::sample::select(vec![json!(0.0), json!(1.0), json!(-0.1), json!(1.5), json!(5), json!("NaN")]),
        // issue 28: alphas below the power floor and at the edge of binary64
        1 => prop::sample::select(vec![json!(1e-17), json!(1e-300), json!(5e-324), json!(1e-12), json!(0.9999999999999999)]),
    ]
    .boxed()
}

fn outcome() -> BoxedStrategy<Value> {
    prop_oneof![
        16 => plain().prop_map(|x| json!(x)),
        1 => prop::sample::select(vec![json!("failed"), json!("diverged"), json!(null), json!("nan"), json!("-inf"), json!("bogus")]),
    ]
    .boxed()
}

fn runs() -> BoxedStrategy<Value> {
    prop::collection::vec(outcome(), 0..15)
        .prop_map(Value::Array)
        .boxed()
}

fn reported_as() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!({"kind": "single_run"})),
        Just(json!({"kind": "unknown"})),
        (0usize..30).prop_map(|n| json!({"kind": "mean_of", "n": n})),
        (0usize..300).prop_map(|n| json!({"kind": "best_of", "n": n})),
        Just(json!({"kind": "best_of", "n": u64::MAX})),
        Just(json!({"kind": "other"})),
    ]
    .boxed()
}

fn claims() -> BoxedStrategy<Value> {
    let claim = (
        number(),
        prop::option::of(number()),
        one_of(&["higher", "lower"]),
        reported_as(),
        prop::option::of(prop_oneof![
            4 => number(),
            1 => prop::sample::select(vec![json!(1e308), json!(-5), json!(1e15), json!(0.01)]),
        ]),
        runs(),
    )
        .prop_map(|(value, se, dir, ra, res, runs)| {
            let mut m = Map::new();
            m.insert("id".into(), json!("c"));
            m.insert("value".into(), value);
            if let Some(se) = se {
                m.insert("standard_error".into(), se);
            }
            m.insert("direction".into(), dir);
            m.insert("reported_as".into(), ra);
            if let Some(r) = res {
                m.insert("resolution".into(), r);
            }
            m.insert("runs".into(), runs);
            Value::Object(m)
        });
    prop::collection::vec(claim, 0..4)
        .prop_map(Value::Array)
        .boxed()
}

fn comparison() -> BoxedStrategy<Value> {
    let ds = (runs(), runs(), any::<bool>()).prop_map(|(m, b, r)| (m, b, r));
    (any::<bool>(), one_of(&["higher", "lower"]), prop::collection::vec(ds, 0..7))
        .prop_map(|(paired, dir, dss)| {
            let datasets: std::vec::Vec<Value> = dss
                .into_iter()
                .enumerate()
                .map(|(i, (m, b, r))| json!({"name": format!("d{i}"), "method": m, "baseline": b, "reported": r}))
                .collect();
            json!({"id": "m-vs-b", "direction": dir, "paired": paired, "datasets": datasets})
        })
        .boxed()
}

fn rules() -> BoxedStrategy<Value> {
    let hostile = (prob(), prop::sample::select(vec![json!(0), json!(99), json!(999), json!(1_000_001u64), json!(u64::MAX)]), prop::sample::select(vec![json!(0), json!(3), json!(1000)]), prob(), number(), number())
        .prop_map(|(alpha, res, min_runs, failed, hw, k)| json!({"alpha": alpha, "bootstrap_resamples": res, "min_runs": min_runs, "max_failed_share": failed, "max_relative_half_width": hw, "max_best_of_k": k}));
    // issue 28: misspelled keys, out-of-range values the paper level used to replace silently
    let misspelt = prop::sample::select(vec![
        json!({"alfa": 0.1}),
        json!({"alpha": 5}),
        json!({"alpha": -1}),
        json!({"min_run_sets": 0}),
        json!({"min_runs": 0}),
        json!({"resolution": -5}),
        json!({"estimate_k": "yes"}),
        json!([]),
    ]);
    prop_oneof![3 => Just(json!({"bootstrap_resamples": 199})), 1 => hostile, 1 => misspelt].boxed()
}

fn value_of(kind: Kind) -> BoxedStrategy<Value> {
    match kind {
        Vec => vector(),
        Matrix => matrix(),
        Num => number(),
        Prob => prob(),
        Size => size(),
        Seed => prop_oneof![any::<u64>().prop_map(|s| json!(s)), hostile_number()].boxed(),
        Bool => prop_oneof![any::<bool>().prop_map(|b| json!(b)), hostile_number()].boxed(),
        Idx => prop_oneof![
            4 => prop::collection::vec(0usize..30, 0..6).prop_map(|v| json!(v)),
            1 => hostile_number(),
        ]
        .boxed(),
        Alt => one_of(&["two-sided", "less", "greater"]),
        Stat => one_of(&["mean", "median", "iqm", "sd", "mean_difference"]),
        Method => one_of(&["bca", "percentile"]),
        Agg => one_of(&["iqm", "mean", "median", "optimality_gap"]),
        Zero => one_of(&["wilcox", "pratt", "zsplit"]),
        WMethod => one_of(&["auto", "exact", "asymptotic"]),
        Ties => one_of(&["drop", "split"]),
        Dir => one_of(&["higher", "lower"]),
        Design => one_of(&["one_sample", "two_sample"]),
        Claims => claims(),
        Comparison => comparison(),
        Rules => rules(),
    }
}

/// A procedure and its input: each field present with probability 0.95, filled by its kind.
fn case() -> impl Strategy<Value = (usize, Value)> {
    (0..SPECS.len()).prop_flat_map(|i| {
        let fields: std::vec::Vec<BoxedStrategy<Option<(String, Value)>>> = SPECS[i]
            .1
            .iter()
            .map(|(name, kind)| {
                let name = name.to_string();
                prop::option::weighted(0.95, value_of(*kind))
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed()
            })
            .collect();
        (Just(i), fields).prop_map(|(i, fs)| (i, Value::Object(fs.into_iter().flatten().collect())))
    })
}

/// Runs `f` on a thread: `Err` if it panicked, and the test fails if it took longer than
/// [`BOUND_S`].
fn bounded<T: Send + 'static>(
    label: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(Duration::from_secs(BOUND_S)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(TestCaseError::fail(format!("panicked: {label}"))),
        Err(_) => Err(TestCaseError::fail(format!(
            "no answer within {BOUND_S} s: {label}"
        ))),
    }
}

#[test]
fn every_procedure_answers_or_errors_on_hostile_json() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let tally = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::<&str, (u32, u32)>::new()));
    let t = tally.clone();
    let result = runner.run(&case(), move |(i, input)| {
        let name = SPECS[i].0;
        let label = format!("{name} {input}");
        let out = bounded(label.clone(), move || {
            run_procedure(name, &input).map_err(|e| e.to_string())
        })?;
        if let Err(e) = &out {
            prop_assert!(!e.trim().is_empty(), "empty error message: {}", label);
        }
        let mut m = t.lock().unwrap();
        let e = m.entry(name).or_default();
        if out.is_ok() {
            e.0 += 1
        } else {
            e.1 += 1
        }
        Ok(())
    });
    let m = tally.lock().unwrap();
    let total: u32 = m.values().map(|(a, b)| a + b).sum();
    eprintln!(
        "stats fuzz: {total} cases over {} procedures (results / clear errors):",
        m.len()
    );
    for (name, (ok, err)) in m.iter() {
        eprintln!("  {name}: {ok} / {err}");
    }
    result.unwrap();
    assert_eq!(m.len(), SPECS.len(), "a procedure was never exercised");
    for (name, _) in SPECS {
        assert!(
            harness::audit::procedures::procedure_help(name).is_some(),
            "{name} unknown"
        );
    }
}

#[test]
fn truncated_and_garbage_json_text_is_a_clear_error() {
    let dir = tempfile_dir();
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = counter.clone();
    let path = dir.join("input.json");
    runner
        .run(
            &(case(), any::<usize>(), any::<bool>(), ".{0,40}"),
            move |((i, input), cut, garbage, junk)| {
                let mut text = input.to_string();
                if garbage {
                    text = junk;
                } else {
                    let mut at = cut % (text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.truncate(at);
                }
                std::fs::write(&path, &text).unwrap();
                let args = harness::audit::StatsArgs {
                    procedure: SPECS[i].0.to_string(),
                    input: path.clone(),
                };
                let out = bounded(text.clone(), move || {
                    harness::audit::run_stats(&args).map_err(|e| e.to_string())
                })?;
                if let Err(e) = out {
                    prop_assert!(!e.is_empty());
                }
                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "stats CLI fuzz: {} truncated/garbage JSON texts",
        counter.load(std::sync::atomic::Ordering::SeqCst)
    );
}

#[test]
fn hostile_audit_csv_files_are_read_or_refused() {
    let dir = tempfile_dir();
    let path = dir.join("runs.csv");
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = counter.clone();
    let cell = prop_oneof![
        "[0-9]{1,3}\\.[0-9]{1,4}",
        Just("nan".to_string()),
        Just("failed".to_string()),
        Just("".to_string()),
        Just("\u{feff}acc".to_string()),
        Just("\"1,5\"".to_string()),
        Just("1e999".to_string()),
        ".{0,6}"
    ];
    let csv = prop::collection::vec(prop::collection::vec(cell, 1..5), 0..12);
    runner
        .run(&(csv, any::<bool>()), move |(rows, with_column)| {
            let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
            std::fs::write(&path, &text).unwrap();
            let p = path.clone();
            let col = rows
                .first()
                .and_then(|r| r.first())
                .cloned()
                .filter(|_| with_column);
            bounded(text.clone(), move || {
                let _ = harness::audit::read_outcomes(&p, col.as_deref());
                let _ = harness::audit::read_comparison(&p);
                let _ = harness::audit::read_comparison_with(&p, true);
            })?;
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "audit CSV fuzz: {} files",
        counter.load(std::sync::atomic::Ordering::SeqCst)
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "repro-stats-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Issue 28: user-sized inputs that used to take minutes to hours on quadratic paths (the BCa
/// jackknife, the probability of improvement, audit claim on 10⁵ values) and the small-df
/// noncentral t. Each case answers or errors within the bound; the cost budget decides which.
#[test]
fn large_inputs_answer_within_the_bound() {
    let sizes = prop::sample::select(vec![2_000usize, 30_000, 100_000, 300_000]);
    let resamples = prop::sample::select(vec![10usize, 1_000, 9_999, 1_000_000]);
    let stat = prop::sample::select(vec!["mean", "median", "iqm", "sd"]);
    let method = prop::sample::select(vec!["bca", "percentile"]);
    let case = (0usize..6, sizes, resamples, stat, method, -8.0f64..2.0);
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("FUZZ_LARGE_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(24),
        failure_persistence: None,
        ..Config::default()
    });
    let count = std::sync::Arc::new(std::sync::Mutex::new((0u32, 0u32)));
    let c2 = count.clone();
    let result = runner.run(&case, move |(kind, n, b, stat, method, log_df)| {
        let x: std::vec::Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 1009.0).collect();
        let (name, input) = match kind {
            0 => ("bootstrap", json!({"x": x, "resamples": b, "statistic": stat, "method": method})),
            1 => ("bootstrap", json!({"x": x, "y": x[..n / 2], "resamples": b, "method": method})),
            2 => (
                "bootstrap_interval_from_distribution",
                json!({"samples": [x], "theta_star": [0.4, 0.5, 0.6], "statistic": stat, "method": method}),
            ),
            3 => {
                let m: std::vec::Vec<std::vec::Vec<f64>> = x.iter().map(|v| vec![*v]).collect();
                ("probability_of_improvement", json!({"x": m, "y": m, "ci": b <= 1_000, "reps": b}))
            }
            4 => ("nct_sf", json!({"t": n as f64 / 1e4 - 5.0, "df": 10f64.powf(log_df), "nc": 3.0})),
            _ => (
                "assess_claims",
                json!({"claims": [{"id": "c", "value": 0.6, "direction": "higher", "runs": x}]}),
            ),
        };
        let label = format!("{name} n={n} resamples={b} {stat} {method} df=1e{log_df:.1}");
        let out = bounded(label.clone(), move || run_procedure(name, &input).map_err(|e| e.to_string()))?;
        if let Err(e) = &out {
            prop_assert!(!e.trim().is_empty(), "empty error: {}", label);
        }
        let mut c = c2.lock().unwrap();
        if out.is_ok() { c.0 += 1 } else { c.1 += 1 }
        Ok(())
    });
    let (ok, err) = *count.lock().unwrap();
    eprintln!(
        "large-input fuzz: {} cases ({ok} results, {err} clear errors)",
        ok + err
    );
    result.unwrap();
}
