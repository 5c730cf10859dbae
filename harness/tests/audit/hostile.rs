//! Regression tests of issue 28 items 9 and 8 (statistics and audit under hostile input), each
//! named after what it guards. Every `harness stats` call runs under the README's 20 s bound
//! (no timing assertion beyond that: the tests assert the method chosen or the error).

use harness::audit::procedures::run_procedure;
use serde_json::{json, Value};
use std::time::Duration;

fn stats(name: &'static str, input: Value) -> Result<Value, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run_procedure(name, &input).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{name}: no answer within 20 s (hang)"))
}

fn claims() -> Value {
    json!([{"id": "a", "value": 0.9, "direction": "higher", "runs": [0.8, 0.85, 0.9, 0.82]},
           {"id": "b", "value": 0.7, "direction": "higher", "runs": [0.6, 0.65, 0.7, 0.62]}])
}

#[test]
fn stats_bootstrap_of_a_million_values_answers_with_bca() {
    let x: Vec<f64> = (0..1_000_000).map(|i| ((i * 7919) % 1000) as f64).collect();
    let r = stats("bootstrap", json!({"x": x, "resamples": 10})).unwrap();
    assert_eq!(r["method"], "bca", "{r}");
}

#[test]
fn stats_bootstrap_over_budget_is_refused_naming_the_budget() {
    let x: Vec<f64> = (0..2000).map(|i| ((i * 7919) % 1000) as f64).collect();
    let e = stats(
        "bootstrap",
        json!({"x": x, "resamples": 1_000_000, "statistic": "median"}),
    )
    .unwrap_err();
    assert!(e.contains("resamples") && e.contains("budget"), "{e}");
}

#[test]
fn stats_nct_sf_is_right_below_one_degree_of_freedom() {
    let r = stats("nct_sf", json!({"t": 5.0, "df": 0.01, "nc": 3.0})).unwrap();
    let v = r["value"].as_f64().unwrap();
    assert!((v - 0.9697).abs() < 1e-4, "{r}"); // scipy.stats.nct.sf(5, 0.01, 3)
}

#[test]
fn paper_level_rules_refuse_alpha_out_of_range() {
    for alpha in [5.0, -1.0, 0.0] {
        let e = stats(
            "paper_level",
            json!({"claims": claims(), "rules": {"alpha": alpha}}),
        )
        .unwrap_err();
        assert!(e.contains("rules.alpha"), "alpha {alpha}: {e}");
    }
}

#[test]
fn stats_rules_refuse_unknown_fields() {
    for p in ["paper_level", "assess_claims"] {
        let e = stats(p, json!({"claims": claims(), "rules": {"alfa": 0.1}})).unwrap_err();
        assert!(e.contains("rules.alfa") && e.contains("alpha"), "{p}: {e}");
    }
    let e = stats(
        "paper_level",
        json!({"claims": claims(), "rules": {"min_run_sets": 0}}),
    )
    .unwrap_err();
    assert!(e.contains("rules.min_run_sets"), "{e}");
}

#[test]
fn paper_level_refuses_a_negative_resolution() {
    let mut c = claims();
    c[0]["resolution"] = json!(-5);
    let e = stats("paper_level", json!({"claims": c})).unwrap_err();
    assert!(e.contains("resolution") && e.contains("`a`"), "{e}");
}

#[test]
fn resolution_beyond_the_claimed_value_is_refused() {
    let mut c = claims();
    c[1]["resolution"] = json!(1e308);
    for p in ["paper_level", "assess_claims"] {
        let e = stats(p, json!({"claims": c.clone()})).unwrap_err();
        assert!(e.contains("resolution") && e.contains("`b`"), "{p}: {e}");
    }
}

#[test]
fn power_alpha_below_the_floor_is_refused_naming_it() {
    let e = stats(
        "ttest_power",
        json!({"n": 10, "gap": 1, "sd": 1, "alpha": 1e-17}),
    )
    .unwrap_err();
    assert!(e.contains("alpha") && e.contains("floor"), "{e}");
    let e = stats("seeds_needed", json!({"gap": 1, "sd": 1, "alpha": 1e-17})).unwrap_err();
    assert!(e.contains("alpha") && e.contains("floor"), "{e}");
    // At the floor the tails are computed, not rounded away: small but positive power, and a
    // finite number of seeds.
    let p = stats(
        "ttest_power",
        json!({"n": 30, "gap": 1, "sd": 1, "alpha": 1e-12}),
    )
    .unwrap();
    let pw = p["power"].as_f64().unwrap();
    assert!(pw > 0.0 && pw < 0.9, "{p}");
    let n = stats("seeds_needed", json!({"gap": 1, "sd": 1, "alpha": 1e-12})).unwrap();
    assert!(n["n"].as_u64().unwrap() > 30, "{n}");
}

#[test]
fn t_interval_of_huge_values_is_an_error_not_nan() {
    let e = stats("t_interval", json!({"x": [1e308, 1e308, -1e308]})).unwrap_err();
    assert!(e.contains("binary64") && e.contains("rescale"), "{e}");
    let d = stats("describe", json!({"x": [1e308, 1e308, -1e308]})).unwrap();
    let (m, s) = (d["mean"].as_f64().unwrap(), d["sd"].as_f64().unwrap());
    assert!(
        (m - 1e308 / 3.0).abs() < 1e293 && (s - 1.1547005383792515e308).abs() < 1e294,
        "{d}"
    );
}

#[test]
fn trim_mean_error_names_the_json_field() {
    let e = stats("trim_mean", json!({"x": [1, 2, 3], "proportion": 0.7})).unwrap_err();
    assert!(
        e.contains("`proportion`") && !e.contains("proportiontocut"),
        "{e}"
    );
}
