//! End-to-end: protocol attribution (issue 23 item 3) in the Fashion-MNIST report, built from
//! the committed run records (copied, so that nothing under `results/` is rewritten): the
//! per-claim line names the protocols, the JSON and CSV carry them, and a paper without a
//! protocol group prints none.

use harness_e2e::{harness_bin, repo_root, text};
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `harness report --paper <paper>` over a copy of the paper's committed records; returns the
/// results directory and the printed Markdown.
fn report(paper: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    copy_dir(
        &repo_root().join("results/runs").join(paper),
        &results.join("runs").join(paper),
    );
    let out = Command::new(harness_bin())
        .current_dir(repo_root())
        .args(["--plain", "--offline", "--results"])
        .arg(&results)
        .args(["report", "--paper", paper])
        .env("HARNESS_CACHE_DIR", dir.path().join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "report failed:\n{t}");
    (dir, t)
}

#[test]
fn the_fashion_mnist_report_names_the_protocols_of_each_claim() {
    let (dir, t) = report("xiao2017-fashion-mnist");
    assert!(t.contains("**Protocol attribution** — "), "{t}");
    let line = t
        .lines()
        .find(|l| l.starts_with("- `mlp-256-128-100` (test_accuracy): "))
        .unwrap_or_else(|| panic!("no attribution line:\n{t}"));
    for protocol in [
        "the final-epoch protocol (p = ",
        "early stopping on the validation set (p = ",
        "selection of the epoch on the test set (p = ",
    ] {
        assert!(line.contains(protocol), "{protocol:?} not in {line}");
    }
    assert!(line.contains("matches "), "{line}");
    assert!(t.contains("| matches protocol |"), "no column:\n{t}");
    assert!(t.contains("*Protocol rule.* "), "{t}");
    // the declared best of 30 is read as declared under every protocol
    assert!(
        t.contains("- `mlp-256-128-100-as-best-of-30` (test_accuracy): each protocol read as the best of 30 runs, as declared: "),
        "{t}"
    );
    let results = dir.path().join("results");
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(results.join("xiao2017-fashion-mnist.json")).unwrap(),
    )
    .unwrap();
    let rows = json["protocols"].as_array().expect("protocols in the JSON");
    assert_eq!(rows.len(), 2);
    let fits: Vec<&str> = rows[0]["attribution"]["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(
        fits,
        [
            "final",
            "best_val_epoch",
            "best_test_epoch",
            "best_of_k_seeds"
        ]
    );
    let metrics: Vec<&str> = rows[0]["attribution"]["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        &metrics[..3],
        [
            "test_accuracy",
            "best_val_epoch_test_accuracy",
            "best_test_accuracy"
        ]
    );
    let csv = std::fs::read_to_string(results.join("xiao2017-fashion-mnist.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",protocol_attribution"),
        "{csv}"
    );
    for ext in ["html", "tex"] {
        let page =
            std::fs::read_to_string(results.join(format!("xiao2017-fashion-mnist.{ext}"))).unwrap();
        assert!(page.contains("Protocol attribution"), "{ext}");
        assert!(
            page.contains("selection of the epoch on the test set"),
            "{ext}"
        );
    }
}

#[test]
fn a_paper_without_protocol_groups_prints_no_attribution() {
    let (dir, t) = report("gal2016-mc-dropout");
    assert!(!t.contains("Protocol attribution"), "{t}");
    assert!(!t.contains("matches protocol"), "{t}");
    let json = std::fs::read_to_string(dir.path().join("results/gal2016-mc-dropout.json")).unwrap();
    assert!(!json.contains("\"protocols\""));
}
