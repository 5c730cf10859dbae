//! The `harness audit` / `harness stats` CLI logic: help examples run, JSON output, errors.

use clap::Parser;
use harness::audit::{run_audit, run_stats, AuditArgs, StatsArgs};
use harness::out::Console;

#[derive(Parser)]
struct AuditCli {
    #[command(flatten)]
    a: AuditArgs,
}
#[derive(Parser)]
struct StatsCli {
    #[command(flatten)]
    s: StatsArgs,
}

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn audit_help_examples_run() {
    use clap::CommandFactory;
    let mut cmd = AuditCli::command();
    let help = cmd.render_long_help().to_string();
    assert!(
        help.contains("harness audit claim 0.953 harness/stats/examples/seeds.csv"),
        "{help}"
    );
    std::env::set_current_dir(repo_root()).unwrap();
    for line in help
        .lines()
        .filter(|l| l.trim_start().starts_with("harness audit "))
    {
        let argv: Vec<&str> = line.split_whitespace().skip(1).collect();
        let cli = AuditCli::try_parse_from(argv.iter().copied())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        let out = run_audit(&cli.a, &Console::lines()).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(out.contains("Rule:"), "{out}");
    }
    let cli = AuditCli::try_parse_from([
        "audit",
        "claim",
        "0.953",
        "harness/stats/examples/seeds.csv",
        "--column",
        "accuracy",
        "--higher-is-better",
        "--json",
    ])
    .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&run_audit(&cli.a, &Console::lines()).unwrap()).unwrap();
    assert_eq!(v["assessments"][0]["n_failed"], 1);
    let bad = AuditCli::try_parse_from([
        "audit",
        "claim",
        "0.9",
        "harness/stats/examples/seeds.csv",
        "--higher-is-better",
    ])
    .unwrap();
    let e = run_audit(&bad.a, &Console::lines())
        .unwrap_err()
        .to_string();
    assert!(e.contains("seeds.csv:1") && e.contains("--column"), "{e}");
}

#[test]
fn stats_cli() {
    let dir = std::env::temp_dir().join(format!("repro-stats-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("in.json");
    std::fs::write(&f, r#"{"x": [1.0, 2.0, 3.5], "popmean": 1.0}"#).unwrap();
    let cli =
        StatsCli::try_parse_from(["stats", "ttest_1samp", "--input", f.to_str().unwrap()]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&run_stats(&cli.s).unwrap()).unwrap();
    assert!(v["p_value"].as_f64().unwrap() > 0.0);
    std::fs::write(&f, r#"{"y": [1.0]}"#).unwrap();
    let e = run_stats(&cli.s).unwrap_err().to_string();
    assert!(e.contains("`x`"), "{e}");
    for name in harness::audit::procedure_names() {
        assert!(harness::audit::procedures::procedure_help(name).is_some());
    }
    assert!(harness::audit::procedure_names().len() >= 28);
    std::fs::remove_dir_all(&dir).ok();
}
