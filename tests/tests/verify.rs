//! `harness verify` end to end on a tiny project (real MNIST-1D data, 30 steps): recomputed
//! records come out bitwise-equal (exit 0); records whose stored metric was altered are
//! reported as different and outside the committed spread (exit 3), with both provenances.

use harness_e2e::{harness, text, tiny_project};
use std::path::Path;

fn record(root: &Path, variant: &str, seed: u32) -> std::path::PathBuf {
    root.join(format!(
        "results/runs/greydanus2020-mnist1d/mnist1d/{variant}/seed-{seed:04}.json"
    ))
}

#[test]
fn verify_recomputes_records_and_flags_an_altered_one() {
    let dir = tiny_project(30, &["logistic", "mlp"], "");
    let root = dir.path();
    let out = harness(root, &[]);
    assert!(out.status.success(), "{}", text(&out));

    let out = harness(root, &["verify", "--sample", "6"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("verify: 6 of 6 committed records"), "{t}");
    assert_eq!(t.matches(": bitwise-equal (").count(), 6, "{t}");
    assert!(t.contains("| record | verdict |"), "no table:\n{t}");
    assert!(t.contains("recomputed here on:"), "{t}");

    // Alter a stored metric in every record of one cell (as if they came from other code): the
    // recomputed values differ and lie outside the committed spread — a finding, not an error.
    for seed in 0..3 {
        let path = record(root, "logistic", seed);
        let mut rec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        rec["metrics"]["test_accuracy"] = serde_json::json!(0.999);
        std::fs::write(&path, serde_json::to_string_pretty(&rec).unwrap()).unwrap();
    }
    let out = harness(root, &["verify", "--sample", "6"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    for seed in 0..3 {
        assert!(
            t.contains(&format!(
                "greydanus2020-mnist1d logistic mnist1d seed {seed}: DIFFERENT (outside committed spread)"
            )),
            "{t}"
        );
    }
    assert_eq!(t.matches(": bitwise-equal (").count(), 3, "{t}");
}
