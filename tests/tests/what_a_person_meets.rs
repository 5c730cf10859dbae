//! End-to-end regression tests of issue 28 items 3, 4 and 10 (what a person meets): one broken
//! paper config never stops the others and is reported with its own error at the line of the
//! offending key; `run --dry-run` estimates from the recorded timings of the same cell, else of
//! other variants on the same dataset, else says none is recorded; a publish killed mid-way
//! leaves nothing that the next command does not clean or warn about; two identical `run`s on
//! one results directory compute each run once.

use harness_e2e::{copy_tree, edit_paper, harness, harness_command, repo_root, text, tiny_project};
use std::path::Path;

const PAPER: &str = "greydanus2020-mnist1d";

fn ok(root: &Path, args: &[&str]) -> String {
    let out = harness(root, args);
    let t = text(&out);
    assert!(out.status.success(), "harness {args:?} failed:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    t
}

fn fails(root: &Path, args: &[&str]) -> String {
    let out = harness(root, args);
    let t = text(&out);
    assert!(
        !out.status.success(),
        "harness {args:?} should have failed:\n{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
    t
}

/// Replaces the first `from` by `to` in `configs/papers/<paper>.toml` under `root`; returns the
/// 1-based line where `from` started.
fn edit(root: &Path, paper: &str, from: &str, to: &str) -> usize {
    let path = root.join(format!("configs/papers/{paper}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` not in {paper}"));
    std::fs::write(
        &path,
        format!("{}{to}{}", &text[..at], &text[at + from.len()..]),
    )
    .unwrap();
    text[..at].matches('\n').count() + 1
}

/// Issue 28 item 3: `[seeds] count = 1000000000` in one paper stops nothing else: the broken
/// paper is reported with its own error (file and line of the key) and skipped; the comparisons
/// of another paper that reference it are reported as unavailable; `report --paper` of it names
/// its error (not "no paper"); `report --suite full` and `run --paper` of others work.
#[test]
fn a_broken_paper_is_reported_with_its_own_error_and_everything_else_runs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree("configs", root);
    copy_tree("results", root);
    let gal = "gal2016-mc-dropout";
    let text = std::fs::read_to_string(root.join(format!("configs/papers/{gal}.toml"))).unwrap();
    let count = text
        .lines()
        .find(|l| l.starts_with("count = "))
        .expect("a seeds count")
        .to_string();
    let line = edit(root, gal, &format!("\n{count}\n"), "\ncount = 1000000000\n") + 1;
    let own = format!("{gal}.toml:{line}: seeds.count = 1000000000");
    let t = ok(root, &["list"]);
    assert!(t.contains(&own), "{t}");
    assert!(
        t.contains("comparison `de-vs-mc-dropout-ll` is unavailable") && t.contains(PAPER),
        "{t}"
    );
    let t = ok(root, &["report", "--paper", PAPER]);
    assert!(t.contains(&own), "{t}");
    ok(root, &["report", "--paper", "huang2022-cleanrl-ppo"]);
    let t = fails(root, &["report", "--paper", gal]);
    assert!(t.contains(&own) && !t.contains("no paper"), "{t}");
    let t = ok(root, &["run", "--paper", PAPER, "--dry-run"]);
    assert!(t.contains("to reuse"), "{t}");
    let de = "lakshminarayanan2017-deep-ensembles";
    let t = ok(root, &["report", "--suite", "full"]);
    assert!(t.contains(de) && t.contains(&own), "{t}");
    // its published tables are not replaced by ones without the unavailable comparisons
    assert!(
        t.contains(&format!("whole-paper tables of {de} not republished")),
        "{t}"
    );
    for ext in ["md", "csv", "json", "tex", "html"] {
        let rel = format!("results/{de}.{ext}");
        assert_eq!(
            std::fs::read(root.join(&rel)).unwrap(),
            std::fs::read(repo_root().join(&rel)).unwrap(),
            "{rel} changed"
        );
    }
}

/// Issue 28 item 3: a hyperparameter error in words without backticks (`momentum must be in
/// [0, 1)`) and the `seeds.per_dataset` errors point at the line of the key, not the table's
/// header or line 1.
#[test]
fn config_errors_point_at_the_line_of_the_offending_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree("configs", root);
    let xiao = "xiao2017-fashion-mnist";
    let line = edit(root, xiao, "momentum = 0.975", "momentum = -5");
    let t = ok(root, &["list"]);
    assert!(
        t.contains(&format!("{xiao}.toml:{line}:")),
        "line {line}:\n{t}"
    );
    for (seeds, what) in [("mnist1d = 0", "mnist1d = 0"), ("nosuch = 3", "`nosuch`")] {
        let dir = tiny_project(20, &["logistic"], "");
        let root = dir.path();
        let line = edit_paper(
            root,
            "start = 0",
            &format!("start = 0\nper_dataset = {{ {seeds} }}"),
        ) + 1;
        let t = fails(root, &["check"]);
        assert!(
            t.contains(&format!("{PAPER}.toml:{line}: seeds.per_dataset")) && t.contains(what),
            "line {line}:\n{t}"
        );
    }
}

fn record(root: &Path, variant: &str, seed: u64) -> std::path::PathBuf {
    root.join(format!(
        "results/runs/{PAPER}/mnist1d/{variant}/seed-{seed:04}.json"
    ))
}

/// Issue 28 item 4: the dry run estimates a cell from its own recorded runs (stale keys
/// included), else from other variants' runs on the same dataset, else says that no timing is
/// recorded — never "≈ 0 s" from another dataset.
#[test]
fn dry_run_estimates_from_the_cell_else_other_variants_on_the_dataset() {
    let dir = tiny_project(20, &["logistic", "mlp"], "");
    let root = dir.path();
    ok(root, &[]);
    let dry = [
        "run",
        "--dry-run",
        "--paper",
        PAPER,
        "--variant",
        "logistic",
        "--seeds",
        "3",
    ];
    std::fs::remove_file(record(root, "logistic", 1)).unwrap();
    let t = ok(root, &dry);
    assert!(
        t.contains("logistic mnist1d: compute 1, reuse 2, ≈ ")
            && t.contains("per run from recorded runs of this cell"),
        "{t}"
    );
    // stale keys (the variant's config changed) still time the cell
    edit_paper(root, "learning_rate = 1e-2", "learning_rate = 2e-2");
    let t = ok(root, &dry);
    assert!(
        t.contains("compute 3, reuse 0, ≈ ") && t.contains("from recorded runs of this cell"),
        "{t}"
    );
    for s in 0..3 {
        let _ = std::fs::remove_file(record(root, "logistic", s));
    }
    let t = ok(root, &dry);
    assert!(
        t.contains("from recorded runs of other variants on this dataset"),
        "{t}"
    );
    assert!(!t.contains("without a recorded timing"), "{t}");
    std::fs::remove_dir_all(root.join("results/runs")).unwrap();
    let t = ok(root, &dry);
    assert!(
        t.contains("compute 3, reuse 0, no timing recorded for this dataset")
            && t.contains("(plus 3 runs without a recorded timing)"),
        "{t}"
    );
}

/// Issue 28 item 10: a staging directory left by a killed publisher is removed by the next
/// `report`; a table that disagrees with its manifest is warned about by `list` and by
/// `report`, which republishes it.
#[test]
fn a_publish_killed_mid_way_is_warned_about_and_cleaned_by_the_next_report() {
    let dir = tiny_project(20, &["logistic"], "");
    let root = dir.path();
    ok(root, &[]);
    let results = root.join("results");
    let stale = results.join(".publish-killed");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join(".owner.lock"), "").unwrap();
    std::fs::write(stale.join(format!("{PAPER}.md")), "half").unwrap();
    let csv = results.join(format!("{PAPER}.csv"));
    let good = std::fs::read(&csv).unwrap();
    std::fs::write(&csv, "from an interrupted publish").unwrap();
    let t = ok(root, &["list"]);
    assert!(
        t.contains(&format!("the published tables of {PAPER} disagree with"))
            && t.contains(&format!("{PAPER}.csv")),
        "{t}"
    );
    let t = ok(root, &["report", "--paper", PAPER]);
    assert!(
        t.contains("disagree with") && t.contains("republished now"),
        "{t}"
    );
    assert!(!stale.exists(), "stale staging directory left:\n{t}");
    assert_eq!(std::fs::read(&csv).unwrap(), good);
    let t = ok(root, &["list"]);
    assert!(!t.contains("disagree with"), "{t}");
}

/// Issue 28 item 10: two identical `run`s started together on one results directory compute
/// each run once between them (the other reuses it), and every record is whole.
#[test]
fn two_identical_runs_on_one_results_directory_compute_each_run_once() {
    let dir = tiny_project(200, &["logistic"], "");
    let root = dir.path();
    let args = [
        "run",
        "--paper",
        PAPER,
        "--variant",
        "logistic",
        "--seeds",
        "6",
        "--jobs",
        "1",
    ];
    let spawn = || {
        harness_command(root, &args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("starting the harness")
    };
    let (a, b) = (spawn(), spawn());
    let mut computed = 0;
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        let line = t
            .lines()
            .find(|l| l.starts_with("6 runs: "))
            .unwrap_or_else(|| panic!("no summary line:\n{t}"));
        let n: usize = line["6 runs: ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        computed += n;
    }
    assert_eq!(computed, 6, "runs computed twice or not at all");
    for s in 0..6 {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(record(root, "logistic", s)).unwrap())
                .unwrap();
        assert_eq!(v["schema"], 1);
    }
    let claims = root.join("results/.claims");
    assert!(
        harness_e2e::files_under(&claims).is_empty(),
        "claim files left behind"
    );
}

/// Issue 28 item 10, with real kills: `report` killed with SIGKILL at moments spread over its
/// run, ten times; afterwards one `report` leaves no staging directory and tables that agree
/// with their manifests, and `list` warns about nothing. Figures are printed (`--nocapture`).
#[test]
fn reports_killed_at_random_moments_leave_nothing_the_next_report_does_not_repair() {
    let dir = tiny_project(20, &["logistic"], "");
    let root = dir.path();
    ok(root, &[]);
    let results = root.join("results");
    let staging = || {
        std::fs::read_dir(&results)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".publish-"))
            .count()
    };
    let t0 = std::time::Instant::now();
    ok(root, &["report", "--paper", PAPER]);
    let full = t0.elapsed().as_secs_f64();
    let (mut left, mut mismatched) = (0, 0);
    for i in 0..10 {
        let mut child = harness_command(root, &["report", "--paper", PAPER])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_secs_f64(
            full * (i as f64 + 0.5) / 10.0,
        ));
        let _ = child.kill();
        let _ = child.wait();
        left += staging().min(1);
        if ok(root, &["list"]).contains("disagree with") {
            mismatched += 1;
        }
    }
    println!("10 kills over {full:.2} s: {left} left a staging directory, {mismatched} a mismatch");
    let t = ok(root, &["report"]);
    assert_eq!(staging(), 0, "staging directory left after a report:\n{t}");
    let t = ok(root, &["list"]);
    assert!(!t.contains("disagree with"), "{t}");
}
