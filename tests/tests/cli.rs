//! End-to-end: the harness binary on a tiny project built from the real configs and data.

use harness_e2e::{harness, text, tiny_project};
use std::path::Path;

fn records(root: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = walk(&root.join("results/runs"));
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn metrics(path: &Path) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["metrics"].clone()
}

/// A bare run computes every run of the quick suite, records it, prints the verdict table and
/// writes the report; the second run reuses every record; `--rerun` recomputes bitwise-identical
/// metrics in a fresh process.
#[test]
fn run_records_reports_reuses_and_reruns_identically() {
    let dir = tiny_project(30, &["logistic", "mlp"], "");
    let root = dir.path();
    let out = harness(root, &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("6 runs: 6 computed, 0 reused, 0 errors"), "{t}");
    assert!(
        t.contains("| claim | variant | dataset |"),
        "no verdict table:\n{t}"
    );
    assert!(t.contains("**Rule.**"), "rule missing:\n{t}");
    let recs = records(root);
    assert_eq!(recs.len(), 6, "{recs:?}");
    assert!(!recs
        .iter()
        .any(|p| p.file_name().unwrap().to_string_lossy().starts_with(".tmp")));
    let md = std::fs::read_to_string(root.join("results/greydanus2020-mnist1d.md")).unwrap();
    assert!(md.contains("| mlp | mlp | mnist1d |"), "{md}");
    assert!(root.join("results/greydanus2020-mnist1d.csv").is_file());
    let suite = std::fs::read_to_string(root.join("results/suites/quick.md")).unwrap();
    assert!(suite.contains("| mlp | mlp | mnist1d |"), "{suite}");
    // the published per-paper table covers the whole config: 8 variants x 10 seeds planned
    assert!(md.contains("Runs: 80 planned, 6 recorded"), "{md}");
    assert!(root.join("results/greydanus2020-mnist1d.json").is_file());
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&recs[0]).unwrap()).unwrap();
    for field in [
        "git_commit",
        "git_dirty",
        "config_sha256",
        "dataset_sha256",
        "versions",
        "rustc",
        "os",
        "cpu",
        "threads",
        "started_utc",
        "finished_utc",
    ] {
        assert!(
            rec["provenance"].get(field).is_some(),
            "provenance lacks {field}: {rec}"
        );
    }
    assert_eq!(rec["status"], "ok");
    assert!(rec["curves"]["test_accuracy"].as_array().unwrap().len() >= 3);

    let before: Vec<_> = recs.iter().map(|p| metrics(p)).collect();
    let again = harness(root, &["run"]);
    assert!(
        text(&again).contains("6 runs: 0 computed, 6 reused"),
        "{}",
        text(&again)
    );

    let rerun = harness(root, &["run", "--rerun"]);
    assert!(
        text(&rerun).contains("6 computed, 0 reused"),
        "{}",
        text(&rerun)
    );
    let after: Vec<_> = records(root).iter().map(|p| metrics(p)).collect();
    assert_eq!(
        before, after,
        "same seed, same thread count ⇒ identical metrics"
    );

    // list shows the record counts
    let list = text(&harness(root, &["list"]));
    assert!(list.contains("mlp: 3/10"), "{list}");
}

/// Changing one variant's hyperparameters invalidates exactly that variant's records.
#[test]
fn a_changed_config_invalidates_only_the_runs_it_touches() {
    let dir = tiny_project(10, &["logistic", "mlp"], "");
    let root = dir.path();
    assert!(harness(root, &[]).status.success());
    let p = root.join("configs/papers/greydanus2020-mnist1d.toml");
    let text_cfg = std::fs::read_to_string(&p).unwrap();
    // the logistic variant is the first `model = { kind = "logistic" }` table
    let changed = text_cfg.replacen(
        "model = { kind = \"logistic\" }\nlearning_rate = 1e-2",
        "model = { kind = \"logistic\" }\nlearning_rate = 2e-2",
        1,
    );
    assert_ne!(changed, text_cfg);
    std::fs::write(&p, changed).unwrap();
    let out = harness(root, &["run"]);
    assert!(
        text(&out).contains("6 runs: 3 computed, 3 reused"),
        "{}",
        text(&out)
    );
}

/// A diverged run is recorded with status `diverged` and counted as a failure in the report.
#[test]
fn diverged_runs_are_recorded_not_dropped() {
    let extra = "[variants.mlp-exploding]\nmodel = { kind = \"mlp\", hidden = 100 }\nlearning_rate = 1e12\nweight_decay = 0.0\nbatch_size = 100\ntotal_steps = 50\neval_every = 10\n\n[[claims]]\nid = \"exploding\"\nvariant = \"mlp-exploding\"\ndataset = \"mnist1d\"\nmetric = \"test_accuracy\"\nvalue = 0.68\nreported_as = { kind = \"unknown\" }\nsource = \"test\"\n";
    let dir = tiny_project(10, &["mlp-exploding"], extra);
    let root = dir.path();
    let out = harness(root, &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let recs = records(root);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(r).unwrap()).unwrap();
        assert_eq!(v["status"], "diverged", "{v}");
        assert!(v["metrics"]["test_accuracy"].is_null());
    }
    assert!(t.contains("3 failed"), "{t}");
    assert!(t.contains("| 3 (3) |"), "n (failed) column: {t}");
}

/// Config mistakes are errors naming the file and line, with exit code 1, never a panic.
#[test]
fn config_errors_name_the_file_line_and_field() {
    let extra = "[[claims]]\nid = \"typo\"\nvariant = \"mpl\"\ndataset = \"mnist1d\"\nmetric = \"test_accuracy\"\nvalue = 0.5\nreported_as = { kind = \"unknown\" }\nsource = \"x\"\n";
    let dir = tiny_project(10, &["mlp"], extra);
    // `check` fails on a broken paper config (`list`/`report` report it and skip it: robustness.rs)
    let out = harness(dir.path(), &["check"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("greydanus2020-mnist1d.toml:"), "{t}");
    assert!(
        t.contains("unknown variant `mpl`") && t.contains("field `variant`"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");

    let dir = tiny_project(10, &["mlp"], "[variants.bad]\nmodel = { kind = \"mlp\", hidden = 100 }\nlearning_rate = 1e-2\nweight_decay = 0.0\nbatch_size = 100\ntotal_steps = 5\neval_every = 1\nmomentum = 0.9\n");
    let t = text(&harness(dir.path(), &["check"]));
    assert!(
        t.contains("[variants.bad]") && t.contains("momentum"),
        "{t}"
    );
    let line = t
        .split("greydanus2020-mnist1d.toml:")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap_or("");
    assert!(
        line.parse::<usize>().is_ok_and(|l| l > 100),
        "line number expected: {t}"
    );

    let dir = tiny_project(10, &["mlp"], "[unexpected]\nkey = 1\n");
    let t = text(&harness(dir.path(), &["list"]));
    assert!(t.contains("unknown field `unexpected`"), "{t}");

    // issue 23: a metric's practical margin must be a positive number in the metric's unit
    let dir = tiny_project(10, &["mlp"], "");
    let cfg = dir.path().join("configs/papers/greydanus2020-mnist1d.toml");
    let text0 = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text0.contains("margin = 0.01"),
        "the config declares a margin"
    );
    std::fs::write(&cfg, text0.replacen("margin = 0.01", "margin = -0.5", 1)).unwrap();
    let out = harness(dir.path(), &["check"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("[metrics.test_accuracy]")
            && t.contains("`margin = -0.5` must be a finite number > 0"),
        "{t}"
    );
}

/// A dataset file that does not match its checksum is refused with both hashes named.
#[test]
fn a_corrupt_dataset_is_refused() {
    let dir = tiny_project(10, &["mlp"], "");
    let f = dir.path().join("data/mnist1d/mnist1d.safetensors");
    let mut bytes = std::fs::read(&f).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&f, bytes).unwrap();
    let out = harness(dir.path(), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("SHA-256 mismatch")
            && t.contains("0f8aae092e64f703942fb38571b5eb4c0540603ce5a86c862c5c9a0b22ad040b"),
        "{t}"
    );
    assert!(records(dir.path()).is_empty());
}

/// Every `harness audit ...` example line in `harness audit --help` runs from the repository root
/// through the real binary and prints a verdict.
#[test]
fn audit_help_examples_print_verdicts() {
    let root = harness_e2e::repo_root();
    let help = std::process::Command::new(harness_e2e::harness_bin())
        .args(["audit", "--help"])
        .output()
        .unwrap();
    let help = text(&help);
    let examples: Vec<&str> = help
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("harness audit "))
        .collect();
    assert!(!examples.is_empty(), "no example in audit --help:\n{help}");
    for ex in examples {
        let args: Vec<&str> = ex.split_whitespace().skip(1).collect();
        let out = std::process::Command::new(harness_e2e::harness_bin())
            .current_dir(&root)
            .args(&args)
            .output()
            .unwrap();
        let t = text(&out);
        assert!(out.status.success(), "`{ex}` failed:\n{t}");
        let verdict_words = [
            "reproduced",
            "better than claimed",
            "inconclusive",
            "generalizes",
            "only on reported datasets",
            "no effect",
            // issue 23: not rejected without positive evidence, and a comparison not decided
            "consistent, underpowered",
            "not shown",
        ];
        assert!(
            verdict_words.iter().any(|w| t.contains(w)),
            "`{ex}` printed no verdict:\n{t}"
        );
    }
}

/// Two shards of the run matrix computed by separate processes (as two Slurm array tasks would)
/// together hold every record exactly once; `harness report` then merges them into the tables,
/// and a later unsharded run reuses everything.
#[test]
fn shards_split_the_matrix_and_report_merges_them() {
    let dir = tiny_project(10, &["logistic", "mlp"], "");
    let root = dir.path();
    let first = harness(root, &["run", "--shard", "0/2"]);
    let t = text(&first);
    assert!(first.status.success(), "{t}");
    assert!(t.contains("shard 0/2: 3 of the 6 planned runs"), "{t}");
    assert!(t.contains("3 runs: 3 computed, 0 reused"), "{t}");
    assert!(t.contains("harness report"), "{t}");
    assert_eq!(records(root).len(), 3);
    assert!(
        !root.join("results/greydanus2020-mnist1d.md").exists(),
        "a shard must not publish a partial table"
    );
    // the second shard, its index given the Slurm way (arrays numbered from 1)
    let second = std::process::Command::new(harness_e2e::harness_bin())
        .args(["--root", root.to_str().unwrap(), "--plain", "--offline"])
        .args(["run", "--shards", "2"])
        .env("HARNESS_CACHE_DIR", root.join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .env_remove("JOB_COMPLETION_INDEX")
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .output()
        .unwrap();
    let t = text(&second);
    assert!(second.status.success(), "{t}");
    assert!(t.contains("shard 1/2: 3 of the 6 planned runs"), "{t}");
    assert!(t.contains("3 runs: 3 computed, 0 reused"), "{t}");
    assert_eq!(records(root).len(), 6);
    let report = harness(root, &["report"]);
    assert!(report.status.success(), "{}", text(&report));
    let md = std::fs::read_to_string(root.join("results/greydanus2020-mnist1d.md")).unwrap();
    assert!(md.contains("Runs: 80 planned, 6 recorded"), "{md}");
    let all = harness(root, &["run"]);
    assert!(
        text(&all).contains("6 runs: 0 computed, 6 reused"),
        "{}",
        text(&all)
    );
    let bad = harness(root, &["run", "--shard", "2/2"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("0-based"), "{}", text(&bad));
}

/// `harness list --keys | head -3` used to panic ("failed printing to stdout: Broken pipe",
/// exit 101): the listings printed with `print!`. Every `list` form now ends quietly with
/// status 0 when the reader has gone away before anything is written.
#[test]
fn list_forms_end_quietly_when_the_reader_goes_away() {
    use std::process::Stdio;
    let dir = tiny_project(30, &["logistic"], "");
    let root = dir.path();
    for args in [&["list", "--keys"][..], &["list", "--markdown"], &["list"]] {
        let mut child = harness_e2e::harness_command(root, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
    // and with a reader, `--keys` still prints one `paper variant dataset seed N key` line per run
    let out = harness(root, &["list", "--keys"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.lines().count() > 3, "{t}");
    for line in t.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(
            f.len() == 6
                && f[0] == "greydanus2020-mnist1d"
                && f[3] == "seed"
                && f[4].parse::<u64>().is_ok()
                && f[5].len() == 64
                && f[5].bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
    }
}
