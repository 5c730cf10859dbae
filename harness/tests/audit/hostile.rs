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

// ------------------------------------------------------------------ item 8: `harness audit`

use clap::{CommandFactory, Parser};
use harness::audit::{run_audit, AuditArgs};
use harness::out::Console;

#[derive(Parser)]
struct AuditCli {
    #[command(flatten)]
    a: AuditArgs,
}

fn audit(args: &[&str], terminal: bool) -> String {
    std::env::set_current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap();
    let cli =
        AuditCli::try_parse_from(std::iter::once("audit").chain(args.iter().copied())).unwrap();
    let console = if terminal {
        Console {
            terminal: true,
            colour: false,
            width: None,
        }
    } else {
        Console::lines()
    };
    run_audit(&cli.a, &console).unwrap()
}

const CLAIM: [&str; 9] = [
    "claim",
    "0.953",
    "harness/stats/examples/seeds.csv",
    "--column",
    "accuracy",
    "--higher-is-better",
    "--reported-as",
    "single",
    "--id",
];

#[test]
fn audit_claim_on_a_terminal_is_a_compact_table_with_flags() {
    let mut args = CLAIM.to_vec();
    args.push("acc");
    let out = audit(&args, true);
    assert!(!out.contains("|---") && !out.contains("Rule:"), "{out}");
    assert!(out.lines().count() <= 10, "{out}");
    let head = out.lines().next().unwrap();
    for col in [
        "claim",
        "claimed",
        "reproduced (mean ± SE)",
        "p adj.",
        "verdict",
        "flags",
    ] {
        assert!(head.contains(col), "{head}");
    }
    assert!(out.contains("1 run failed"), "{out}");
}

#[test]
fn audit_claim_markdown_has_a_flags_column() {
    let mut args = CLAIM.to_vec();
    args.push("acc");
    let out = audit(&args, false);
    let head = out.lines().next().unwrap();
    assert!(head.ends_with("| verdict | flags |"), "{head}");
    let row = out.lines().nth(2).unwrap();
    assert!(row.contains("1 run failed"), "{row}");
    assert!(out.contains("Rule:"), "{out}");
}

#[test]
fn audit_claim_json_writes_infinity_not_null() {
    let mut args = CLAIM.to_vec();
    args.extend(["acc", "--json"]);
    let v: Value = serde_json::from_str(&audit(&args, true)).unwrap();
    // The claim exceeds every run: the empirical best-of-k is infinite (∞ in the HTML).
    assert_eq!(
        v["assessments"][0]["best_of_k_empirical"], "Infinity",
        "{v}"
    );
}

#[test]
fn audit_table_strips_a_utf8_bom() {
    let plain = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stats/examples/table.csv"),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("audit-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("table.csv");
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(&plain);
    std::fs::write(&f, bom).unwrap();
    let with_bom = audit(&["table", f.to_str().unwrap(), "--higher-is-better"], false);
    let without = audit(
        &[
            "table",
            "harness/stats/examples/table.csv",
            "--higher-is-better",
        ],
        false,
    );
    assert_eq!(
        with_bom,
        without.replace("harness/stats/examples/table.csv", f.to_str().unwrap())
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn audit_help_lists_the_table_subcommand() {
    let help = AuditCli::command().render_long_help().to_string();
    assert!(
        help.contains("table") && help.contains("harness audit table"),
        "{help}"
    );
}
