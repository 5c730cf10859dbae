//! End-to-end: the paper-level test and the faithfulness check through the harness binary —
//! `harness audit table` (its `--help` example, run as printed), `harness stats paper_level`,
//! the `published_runs` config field (validation), and the paper-level line in the reports.

use harness_e2e::{harness, harness_bin, repo_root, text, tiny_project};
use std::process::{Command, Stdio};

/// Every `harness audit table ...` example line in `harness audit table --help` runs from the
/// repository root and prints the paper-level line with a verdict word and the rule, and the
/// faithfulness line of the claim with published runs.
#[test]
fn audit_table_help_example_runs_end_to_end() {
    let help = Command::new(harness_bin())
        .args(["audit", "table", "--help"])
        .output()
        .unwrap();
    let help = text(&help);
    let examples: Vec<&str> = help
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("harness audit table "))
        .collect();
    assert!(!examples.is_empty(), "no example in --help:\n{help}");
    for ex in examples {
        let args: Vec<&str> = ex.split_whitespace().skip(1).collect();
        let out = Command::new(harness_bin())
            .current_dir(repo_root())
            .args(&args)
            .output()
            .unwrap();
        let t = text(&out);
        assert!(out.status.success(), "`{ex}` failed:\n{t}");
        assert!(t.contains("**Paper level** — "), "{t}");
        assert!(
            t.contains("table looks optimistic") || t.contains("table looks honest"),
            "no verdict word:\n{t}"
        );
        assert!(t.contains("claims on the favourable side"), "{t}");
        assert!(t.contains("combined p = "), "{t}");
        assert!(t.contains("optimism "), "{t}");
        assert!(t.contains("Rule: Paper-level verdict"), "{t}");
        assert!(
            t.contains("**Faithfulness of `a-accuracy`** — reproduction matches the authors' runs")
                || t.contains(
                    "**Faithfulness of `a-accuracy`** — reproduction differs from the authors' runs"
                ),
            "{t}"
        );
        // the example's two metrics of the dataset-e runs count as one run set
        assert!(t.contains("(5 independent run sets)"), "{t}");
    }
    // JSON output of the same file
    let out = Command::new(harness_bin())
        .current_dir(repo_root())
        .args([
            "audit",
            "table",
            "harness/stats/examples/table.csv",
            "--higher-is-better",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(v["paper_level"]["n_claims"], 6);
    assert_eq!(v["paper_level"]["n_run_sets"], 5);
    assert!(v["paper_level"]["p_value"].as_f64().is_some());
}

/// A bad CSV is an error naming the file and line, exit code 1, never a panic.
#[test]
fn audit_table_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(
        &f,
        "claim,value,reported_as,seed,result\na,0.9,single,0,0.8\na,0.9,best-of:x,1,0.8\n",
    )
    .unwrap();
    let out = Command::new(harness_bin())
        .args(["audit", "table", f.to_str().unwrap(), "--higher-is-better"])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("t.csv:3"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

/// `harness stats paper_level` and `harness stats mann_whitney_u` answer JSON on stdin.
#[test]
fn stats_procedures_are_reachable() {
    let run = |proc_name: &str, input: &str| {
        let mut child = Command::new(harness_bin())
            .args(["stats", proc_name, "--input", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = run(
        "paper_level",
        r#"{"claims": [
            {"id": "a", "value": 0.95, "direction": "higher", "runs": [0.90, 0.91, 0.92, 0.90, 0.89]},
            {"id": "b", "value": 0.85, "direction": "higher", "reported_as": {"kind": "single_run"}, "runs": [0.80, 0.81, 0.82, 0.80, "failed"]}
        ]}"#,
    );
    assert_eq!(v["n_run_sets"], 2);
    assert_eq!(v["favourable"], 2);
    assert_eq!(v["verdict"], "looks_optimistic");
    // SciPy: mannwhitneyu([1,2,3], [4,5,6]) → U = 0, p = 0.1 (exact)
    let u = run("mann_whitney_u", r#"{"x": [1, 2, 3], "y": [4, 5, 6]}"#);
    assert_eq!(u["statistic"], 0.0);
    assert!((u["p_value"].as_f64().unwrap() - 0.1).abs() < 1e-12, "{u}");
}

/// `published_runs` must hold at least 2 finite values and a source; the error names the file,
/// line and claim.
#[test]
fn published_runs_are_validated() {
    let extra = "[[claims]]\nid = \"pub\"\nvariant = \"mlp\"\ndataset = \"mnist1d\"\nmetric = \"test_accuracy\"\nvalue = 0.5\nreported_as = { kind = \"unknown\" }\nsource = \"x\"\npublished_runs = { values = [0.5], source = \"log\" }\n";
    let dir = tiny_project(10, &["mlp"], extra);
    let out = harness(dir.path(), &["check"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("greydanus2020-mnist1d.toml:")
            && t.contains("claim `pub`")
            && t.contains("published_runs.values"),
        "{t}"
    );
    let extra = extra
        .replace("values = [0.5]", "values = [0.5, 0.6]")
        .replace("source = \"log\"", "source = \" \"");
    let dir = tiny_project(10, &["mlp"], &extra);
    let t = text(&harness(dir.path(), &["check"]));
    assert!(t.contains("published_runs.source"), "{t}");
    // a faithfulness search names declared variants other than the claim's, each once
    for (candidates, want) in [
        ("[\"nope\"]", "unknown variant `nope`"),
        ("[\"mlp\"]", "the claim's own variant"),
    ] {
        let extra = extra.replace(
            "source = \" \" }",
            &format!("source = \"log\", candidates = {candidates} }}"),
        );
        assert!(extra.contains("candidates"), "{extra}");
        let dir = tiny_project(10, &["mlp"], &extra);
        let t = text(&harness(dir.path(), &["check"]));
        assert!(
            t.contains("published_runs.candidates") && t.contains(want),
            "{candidates}: {t}"
        );
    }
}

/// The committed reports carry the paper-level line under the claims table, and the
/// Fashion-MNIST report the faithfulness line beside its claim, in every format — for every
/// paper whose report has recorded runs. A paper without current records (its records made
/// stale by a code change and not yet recomputed) has no placed claim, so no paper-level line:
/// the report must then say that nothing is recorded.
#[test]
fn published_reports_carry_the_paper_level_line() {
    let root = repo_root();
    let mut checked = 0;
    for paper in [
        "gal2016-mc-dropout",
        "greydanus2020-mnist1d",
        "xiao2017-fashion-mnist",
        "huang2022-cleanrl-ppo",
        "lakshminarayanan2017-deep-ensembles",
    ] {
        let md = std::fs::read_to_string(root.join(format!("results/{paper}.md"))).unwrap();
        if md.contains(" planned, 0 recorded,") {
            eprintln!(
                "{paper}: no recorded runs in the committed report; paper-level line not expected"
            );
            assert!(!md.contains("**Paper level** — "), "{paper}.md");
            continue;
        }
        checked += 1;
        assert!(md.contains("**Paper level** — "), "{paper}.md");
        assert!(md.contains("*Paper-level rule.*"), "{paper}.md");
        let html = std::fs::read_to_string(root.join(format!("results/{paper}.html"))).unwrap();
        assert!(html.contains("<b>Paper level</b>"), "{paper}.html");
        let tex = std::fs::read_to_string(root.join(format!("results/{paper}.tex"))).unwrap();
        assert!(tex.contains("\\paragraph{Paper level.}"), "{paper}.tex");
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("results/{paper}.json"))).unwrap(),
        )
        .unwrap();
        assert!(
            json["paper_level"]["table"]["verdict"].is_string(),
            "{paper}.json"
        );
    }
    assert!(checked >= 3, "at least three papers have recorded runs");
    let md = std::fs::read_to_string(root.join("results/xiao2017-fashion-mnist.md")).unwrap();
    if md.contains(" planned, 0 recorded,") {
        return;
    }
    assert!(
        md.contains("uninformative"),
        "one claim must not get a table verdict"
    );
    assert!(
        md.contains("**Faithfulness of `mlp-256-128-100`** — reproduction")
            && md.contains("the authors' 30 runs"),
        "{md}"
    );
}
