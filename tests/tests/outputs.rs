//! What a person sees at the command line: a closed pipe loses no work, no silent fallback to
//! the build-time checkout, "did you mean" suggestions, a missing results directory refused,
//! per-subcommand help, and `run --dry-run`.

use harness_e2e::{harness, harness_bin, text, tiny_project};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs the harness in `root` with stdout a pipe whose reading end is closed before anything is
/// written; returns the exit status and stderr.
fn with_closed_stdout(root: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(harness_bin())
        .args(["--root", root.to_str().unwrap(), "--plain"])
        .args(args)
        .env("HARNESS_CACHE_DIR", root.join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_every_subcommand_quietly_and_the_tables_are_written() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    std::fs::create_dir_all(root.join("results")).unwrap();
    let (status, err) = with_closed_stdout(root, &["report"]);
    assert!(status.success(), "report: {status:?} {err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    for ext in ["md", "csv", "json", "tex", "html"] {
        let p = root.join(format!("results/greydanus2020-mnist1d.{ext}"));
        assert!(p.is_file(), "{} not written", p.display());
    }
    assert!(root.join("results/suites/quick.md").is_file());
    for args in [
        &["list"][..],
        &["stats", "list"],
        &["run", "--dry-run"],
        &["fetch"],
        &["--help"],
    ] {
        let (status, err) = with_closed_stdout(root, args);
        assert!(status.success(), "{args:?}: {status:?} {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// The same through a real shell pipeline: `harness report | head -1` prints one line, the
/// harness exits 0, and the tables are there.
#[test]
fn report_piped_into_head_exits_zero_with_the_tables_written() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    std::fs::create_dir_all(root.join("results")).unwrap();
    let script = format!(
        "'{}' --root '{}' --offline report | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
        harness_bin().display(),
        root.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("HARNESS_CACHE_DIR", root.join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(t.contains("status=0"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "{t}"
    );
    assert!(root.join("results/greydanus2020-mnist1d.html").is_file());
}

#[test]
fn outside_a_checkout_the_error_says_how_to_point_at_one() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(harness_bin())
        .arg("list")
        .current_dir(empty.path())
        .env_remove("HARNESS_ROOT")
        .env_remove("HARNESS_RESULTS")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("--root") && t.contains("HARNESS_ROOT"), "{t}");
    assert!(t.contains("not inside a checkout"), "{t}");
    // and a wrong --root is named
    let out = Command::new(harness_bin())
        .args(["--root", empty.path().to_str().unwrap(), "list"])
        .output()
        .unwrap();
    let t = text(&out);
    assert!(
        !out.status.success() && t.contains("no configs/datasets.toml there"),
        "{t}"
    );
}

#[test]
fn near_misses_get_a_suggestion() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "run",
                "--dry-run",
                "--paper",
                "greydanus2020-mnist1d",
                "--variant",
                "logisitc",
            ],
            "did you mean `logistic`?",
        ),
        (
            &[
                "run",
                "--dry-run",
                "--paper",
                "greydanus2020-mnist1d",
                "--dataset",
                "mnist-1d",
            ],
            "did you mean `mnist1d`?",
        ),
        (
            &["report", "--paper", "greydanus-mnist1d"],
            "did you mean `greydanus2020-mnist1d`?",
        ),
        (&["report", "--suite", "quik"], "did you mean `quick`?"),
    ];
    std::fs::create_dir_all(root.join("results")).unwrap();
    for (args, want) in cases {
        let out = harness(root, args);
        let t = text(&out);
        assert!(!out.status.success(), "{args:?}: {t}");
        assert!(t.contains(want), "{args:?}: {t}");
    }
    let out = harness(root, &["stats", "wilcoxn"]);
    assert!(
        text(&out).contains("did you mean `wilcoxon`?"),
        "{}",
        text(&out)
    );
}

#[test]
fn report_refuses_a_results_directory_that_does_not_exist() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    let typo = root.join("typo-results");
    let out = harness(root, &["--results", typo.to_str().unwrap(), "report"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("does not exist") && t.contains("typo-results"),
        "{t}"
    );
    assert!(!typo.exists(), "the typo directory was created");
}

#[test]
fn each_subcommand_help_shows_only_its_own_options() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    let report = text(&harness(root, &["report", "--help"]));
    assert!(report.contains("--paper"), "{report}");
    for flag in ["--data-dir", "--cache-dir", "--offline", "--rerun"] {
        assert!(
            !report.contains(flag),
            "report --help lists {flag}:\n{report}"
        );
    }
    let fetch = text(&harness(root, &["fetch", "--help"]));
    assert!(
        fetch.contains("--data-dir") && fetch.contains("--verbose"),
        "{fetch}"
    );
    let run = text(&harness(root, &["run", "--help"]));
    assert!(
        run.contains("--dry-run") && run.contains("--offline"),
        "{run}"
    );
}

#[test]
fn a_dry_run_lists_what_would_be_computed_and_writes_nothing() {
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    let out = harness(root, &["run", "--dry-run", "--jobs", "1"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("greydanus2020-mnist1d logistic mnist1d: compute 3, reuse 0"),
        "{t}"
    );
    assert!(
        t.contains("3 runs planned: 3 to compute, 0 to reuse"),
        "{t}"
    );
    assert!(t.contains("1 parallel run"), "{t}");
    assert!(
        !root.join("results/runs").exists(),
        "a dry run wrote records"
    );
    // after a real run: reuse, and an estimate from the recorded timings
    assert!(harness(root, &["run", "--jobs", "1"]).status.success());
    let t = text(&harness(
        root,
        &["run", "--dry-run", "--rerun", "--jobs", "1"],
    ));
    assert!(t.contains("compute 3, reuse 0, ≈"), "{t}");
    let t = text(&harness(root, &["run", "--dry-run", "--jobs", "1"]));
    assert!(t.contains("compute 0, reuse 3"), "{t}");
}
