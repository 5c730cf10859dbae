//! Regression tests of issue 15 (robustness) and issue 14 item 11 for `harness stats` (the JSON
//! front door of the statistics engine):
//! no hang, no unbounded allocation, errors that name the field, exact JSON numbers and
//! distinguishable non-finite outputs. Every call runs under a time bound.

use harness::audit::procedures::run_procedure;
use repro_stats::verdict::{ComparisonInput, DatasetResult, Direction, Outcome};
use serde_json::{json, Value};
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it takes longer than `secs`.
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{what}: no answer within {secs} s (hang)"))
}

fn stats(name: &'static str, input: Value) -> Result<Value, String> {
    within(20, name, move || {
        run_procedure(name, &input).map_err(|e| e.to_string())
    })
}

#[test]
fn power_and_seeds_needed_answer_quickly() {
    let p = stats(
        "ttest_power",
        json!({"n": 10_000_000, "gap": 0.001, "sd": 1}),
    )
    .unwrap();
    let pw = p["power"].as_f64().unwrap();
    // normal approximation: Φ(0.001·√(5e6) − 1.96) = Φ(0.276) ≈ 0.609
    assert!((pw - 0.6088).abs() < 0.01, "{p}");
    let e = stats("seeds_needed", json!({"gap": 0.001, "sd": 1})).unwrap_err();
    assert!(e.contains("gap") && e.contains("10000000"), "{e}");
    let ok = stats("seeds_needed", json!({"gap": 0.01, "sd": 1})).unwrap();
    // statsmodels TTestIndPower().solve_power(0.01, alpha=0.05, power=0.8) = 156978.9 per group
    let n = ok["n"].as_u64().unwrap();
    assert!((156_970..=156_990).contains(&n), "{ok}");
}

#[test]
fn size_parameters_have_ceilings_checked_before_allocating() {
    let x: Vec<f64> = (0..10).map(|i| i as f64).collect();
    for (name, input, field) in [
        (
            "bootstrap",
            json!({"x": x, "resamples": 1_000_000_000u64}),
            "resamples",
        ),
        (
            "stratified_bootstrap",
            json!({"scores": [[1.0, 2.0], [3.0, 4.0]], "reps": 1_000_000_000u64}),
            "reps",
        ),
        (
            "probability_of_improvement",
            json!({"x": [[1.0], [2.0]], "y": [[0.0], [1.0]], "ci": true, "reps": 1_000_000_000u64}),
            "reps",
        ),
        (
            "subset_selection",
            json!({"effects": x, "reported": [0, 1], "max_enum": u64::MAX}),
            "max_enum",
        ),
        (
            "subset_selection",
            json!({"effects": x, "reported": [0, 1], "max_enum": 1, "mc_draws": 1_000_000_000_000u64}),
            "mc_draws",
        ),
        (
            "assess_claims",
            json!({"claims": [{"id": "a", "value": 1.0, "direction": "higher", "runs": [1.0, 2.0, 3.0]}], "rules": {"bootstrap_resamples": 1_000_000_000u64}}),
            "bootstrap_resamples",
        ),
    ] {
        let e = stats(name, input).unwrap_err();
        assert!(e.contains(field) && e.contains("ceiling"), "{name}: {e}");
    }
}

#[test]
fn paired_comparison_with_unequal_lengths_is_an_error() {
    let input = json!({"comparison": {"id": "m-vs-b", "direction": "higher", "paired": true,
        "datasets": [{"name": "d1", "method": [1, 2, 3, 4, 5, 6, 7], "baseline": [0, 1, 2], "reported": true}]}});
    let e = stats("assess_comparison", input).unwrap_err();
    assert!(e.contains("d1") && e.contains("7 vs 3"), "{e}");
    let c = ComparisonInput {
        id: "x".into(),
        direction: Direction::Higher,
        paired: false,
        margin: None,
        datasets: vec![DatasetResult {
            name: "d".into(),
            method: vec![Outcome::Value(1.0); 7],
            baseline: vec![Outcome::Value(0.0); 3],
            reported: true,
        }],
    };
    assert!(c.validate().is_ok(), "unpaired arms may differ in length");
}

#[test]
fn bad_claims_and_rules_are_errors_naming_the_field() {
    let base = |extra: Value, rules: Value| {
        let mut c =
            json!({"id": "a", "value": 0.9, "direction": "higher", "runs": [0.8, 0.85, 0.9]});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        json!({"claims": [c], "rules": rules})
    };
    for (extra, rules, field) in [
        (json!({"standard_error": -1.0}), json!({}), "standard_error"),
        (json!({"resolution": -5.0}), json!({}), "resolution"),
        (json!({"resolution": 0.0}), json!({}), "resolution"),
        (
            json!({"reported_as": {"kind": "best_of", "n": 0}}),
            json!({}),
            "reported_as.n",
        ),
        (
            json!({"reported_as": {"kind": "mean_of", "n": 0}}),
            json!({}),
            "reported_as.n",
        ),
        (json!({}), json!({"alpha": 5.0}), "rules.alpha"),
        (json!({}), json!({"alpha": 0.0}), "rules.alpha"),
    ] {
        let e = stats("assess_claims", base(extra.clone(), rules)).unwrap_err();
        assert!(e.contains(field), "{extra}: {e}");
    }
    assert!(stats(
        "assess_claims",
        base(json!({"resolution": 0.01}), json!({}))
    )
    .is_ok());
}

#[test]
fn bootstrap_with_y_and_another_statistic_is_an_error() {
    let e = stats(
        "bootstrap",
        json!({"x": [1, 2, 3, 4], "y": [0, 1, 2, 3], "statistic": "median"}),
    )
    .unwrap_err();
    assert!(
        e.contains("statistic") && e.contains("mean difference"),
        "{e}"
    );
    let ok = stats(
        "bootstrap",
        json!({"x": [1, 2, 3, 4], "y": [0, 1, 2, 3], "statistic": "mean", "resamples": 99}),
    )
    .unwrap();
    assert!(ok["estimate"].as_f64().is_some());
}

#[test]
fn non_finite_outputs_are_distinguishable() {
    // constant data, popmean below: t = +∞; popmean above: t = −∞; equal: NaN.
    let up = stats("ttest_1samp", json!({"x": [1, 1, 1], "popmean": 0})).unwrap();
    let down = stats("ttest_1samp", json!({"x": [1, 1, 1], "popmean": 2})).unwrap();
    let same = stats("ttest_1samp", json!({"x": [1, 1, 1], "popmean": 1})).unwrap();
    assert_eq!(up["statistic"], json!("Infinity"));
    assert_eq!(down["statistic"], json!("-Infinity"));
    assert_eq!(same["statistic"], json!("NaN"));
    let one_sided = stats(
        "ttest_1samp",
        json!({"x": [1, 2, 3], "alternative": "greater"}),
    )
    .unwrap();
    assert_eq!(one_sided["ci"][1], json!("Infinity"));
}

#[test]
fn json_numbers_are_parsed_exactly() {
    // 17-significant-digit inputs must be read to the nearest double (float_roundtrip).
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut off = 0;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let x = f64::from_bits(state % 0x7FE0_0000_0000_0000);
        let text = format!("{x:.16e}");
        let exact: f64 = text.parse().unwrap();
        let via_json: f64 = serde_json::from_str(&text).unwrap();
        if exact.to_bits() != via_json.to_bits() {
            off += 1;
        }
    }
    assert_eq!(off, 0, "{off} of 20000 17-digit numbers read off by an ULP");
}

#[test]
fn stats_help_lists_the_procedures() {
    use clap::Args;
    let mut cmd = harness::audit::StatsArgs::augment_args(clap::Command::new("stats"));
    let help = cmd.render_long_help().to_string();
    for name in harness::audit::procedure_names() {
        assert!(
            help.contains(name),
            "`harness stats --help` does not list {name}:\n{help}"
        );
    }
}
