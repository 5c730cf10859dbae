//! The code that trains is in the run key (issue 9, item 7): in a copy of the workspace, editing
//! a harness-only file leaves every key unchanged (the record is reused), editing a kit source
//! file changes every planned run's key (the record is recomputed under a new key).
//!
//! Cost: three incremental release builds of the workspace's own crates (dependencies come from
//! the running test's target directory) and three 1-seed logistic MNIST-1D runs.

mod workspace_copy;

use std::path::Path;
use workspace_copy::{append, build_harness, copy_workspace, harness, text};

const RUN: &[&str] = &[
    "run",
    "--paper",
    "greydanus2020-mnist1d",
    "--variant",
    "logistic",
    "--seeds",
    "1",
    "--jobs",
    "1",
];

/// The keys of the records under `results` (the `key` field of every JSON record).
fn record_keys(results: &Path) -> Vec<String> {
    let mut keys = Vec::new();
    let mut stack = vec![results.join("runs")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                keys.push(v["key"].as_str().unwrap().to_string());
            }
        }
    }
    keys.sort();
    keys
}

fn planned_keys(bin: &Path, root: &Path) -> Vec<(String, String)> {
    let out = harness(bin, root, &["list", "--keys"]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (label, key) = l.rsplit_once(' ').unwrap();
            (label.to_string(), key.to_string())
        })
        .collect()
}

#[test]
fn kit_edits_change_every_key_and_harness_edits_none() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("ws");
    let keep = work.path().join("bin");
    std::fs::create_dir_all(&keep).unwrap();
    copy_workspace(&root);
    let results = work.path().join("results");
    let mut args: Vec<&str> = RUN.to_vec();
    let results_arg = results.to_str().unwrap();
    args.extend(["--results", results_arg]);

    // 1. the original code: one run computed
    let bin0 = build_harness(&root, &keep, "original");
    let out = harness(&bin0, &root, &args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 computed, 0 reused"),
        "{}",
        text(&out)
    );
    let keys0 = record_keys(&results);
    assert_eq!(keys0.len(), 1, "{keys0:?}");
    let plan0 = planned_keys(&bin0, &root);
    assert!(plan0.len() > 100, "{} planned runs", plan0.len());

    // 2. a harness-only edit: same keys, the run is reused
    append(
        &root,
        "harness/src/report/mod.rs",
        "\n// a harness-only edit: must not change any run key\n",
    );
    let bin1 = build_harness(&root, &keep, "harness-edit");
    let out = harness(&bin1, &root, &args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("0 computed, 1 reused"),
        "{}",
        text(&out)
    );
    assert_eq!(record_keys(&results), keys0);
    assert_eq!(planned_keys(&bin1, &root), plan0);

    // 3. a kit edit (a comment): every planned key changes, the run is recomputed
    append(
        &root,
        "reproductions/kit/src/nn/linear.rs",
        "\n// a kit edit: the code that trains changed\n",
    );
    let bin2 = build_harness(&root, &keep, "kit-edit");
    let out = harness(&bin2, &root, &args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 computed, 0 reused"),
        "{}",
        text(&out)
    );
    let keys2 = record_keys(&results);
    assert_eq!(keys2.len(), 1, "{keys2:?}");
    assert_ne!(
        keys2[0], keys0[0],
        "the recomputed record carries a new key"
    );
    let plan2 = planned_keys(&bin2, &root);
    assert_eq!(plan2.len(), plan0.len());
    for ((label0, k0), (label2, k2)) in plan0.iter().zip(&plan2) {
        assert_eq!(label0, label2);
        assert_ne!(k0, k2, "{label0}: key unchanged by a kit edit");
    }
}
