//! `harness new` end to end: in a copy of the workspace, scaffold a paper, then `cargo fmt
//! --check` accepts it, its crate's tests pass, `harness check --paper <new>` passes, and
//! `harness run --paper <new> --seeds 2` writes records and a table — with no file edited by hand
//! (only the scaffold's files, its two wiring edits and Cargo.lock differ from the original
//! workspace).

mod workspace_copy;

use std::path::Path;
use workspace_copy::{build_harness, cargo, copy_workspace, harness, repo_root, text};

const ID: &str = "smith2021-tiny-mlp";

/// The tests of this file build in the same target directory from different copies of the
/// workspace; run concurrently, one build removes artifacts the other is about to read. They
/// take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_scaffolded_paper_builds_tests_checks_and_runs() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("ws");
    let keep = work.path().join("bin");
    std::fs::create_dir_all(&keep).unwrap();
    copy_workspace(&root);

    // the harness of this workspace scaffolds into the copy; bad and existing ids are refused
    let bin0 = build_harness(&root, &keep, "before");
    for bad in ["Smith2021-x", "smith-x", "greydanus2020-mnist1d"] {
        let out = harness(&bin0, &root, &["new", bad]);
        assert!(!out.status.success(), "{bad} accepted: {}", text(&out));
    }
    let out = harness(&bin0, &root, &["new", ID]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !text(&out).contains("could not run"),
        "`new` formats the crate: {}",
        text(&out)
    );
    assert!(root
        .join(format!("reproductions/{ID}/src/lib.rs"))
        .is_file());
    assert!(root.join(format!("configs/papers/{ID}.toml")).is_file());
    let out = harness(&bin0, &root, &["new", ID]);
    assert!(
        text(&out).contains("already exists"),
        "second `new` must refuse: {}",
        text(&out)
    );

    // it is formatted as CI's `cargo fmt --check` wants it, and its tests pass
    cargo(&root, &["fmt", "--check", "-p", ID]);
    cargo(&root, &["test", "--release", "--offline", "-p", ID]);

    // the rebuilt harness registers it; check and run pass
    let bin = build_harness(&root, &keep, "after");
    let out = harness(&bin, &root, &["check", "--paper", ID]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("1 paper,") && t.contains(" 0 failed"), "{t}");
    assert!(
        !t.contains("SKIP"),
        "nothing skipped for a shipped dataset: {t}"
    );

    let results = work.path().join("results");
    let out = harness(
        &bin,
        &root,
        &[
            "--results",
            results.to_str().unwrap(),
            "run",
            "--paper",
            ID,
            "--seeds",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let runs = results.join("runs").join(ID).join("mnist1d").join("mlp");
    for seed in ["seed-0000.json", "seed-0001.json"] {
        assert!(runs.join(seed).is_file(), "{}: {}", seed, text(&out));
    }
    let table = std::fs::read_to_string(results.join(format!("{ID}.md"))).unwrap();
    assert!(table.contains("mlp-test-accuracy"), "{table}");

    // nothing else was edited
    let original = repo_root();
    let allowed = |rel: &str| {
        rel.starts_with(&format!("reproductions/{ID}/"))
            || rel == format!("configs/papers/{ID}.toml")
            || rel == "Cargo.toml"
            || rel == "harness/Cargo.toml"
            || rel == "Cargo.lock"
    };
    let mut changed = Vec::new();
    walk(&root, &root, &mut |rel| {
        let a = std::fs::read(root.join(rel)).unwrap();
        let b = std::fs::read(original.join(rel)).ok();
        if b.as_deref() != Some(&a[..]) && !allowed(rel) {
            changed.push(rel.to_string());
        }
    });
    assert!(
        changed.is_empty(),
        "edited besides the scaffold: {changed:?}"
    );
}

fn walk(base: &Path, dir: &Path, f: &mut dyn FnMut(&str)) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
        if rel == ".cache" || rel == "target" {
            continue;
        }
        if p.is_dir() {
            walk(base, &p, f);
        } else {
            f(&rel);
        }
    }
}

/// `harness new <id> --data <kind>` for every kind but the default (tested above): in one copy
/// of the workspace, each kind is scaffolded under its own id, formatted as CI wants, and the
/// crates' own tests pass as scaffolded (built and run together: one cargo invocation). Their
/// tests use generated or shipped fixtures, so no mirror is needed.
#[test]
fn every_kind_of_data_scaffolds_a_crate_whose_tests_pass() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("ws");
    copy_workspace(&root);
    let bin = harness_e2e::harness_bin();
    let kinds = [
        ("tabular", "fisher1936-iris-mlp"),
        ("image-idx", "xiao2017-idx-mlp"),
        ("uci", "hernandez2015-uci-mlp"),
        ("environment", "williams1992-reinforce"),
    ];
    let out = harness(&bin, &root, &["new", "smith2021-x", "--data", "csv"]);
    assert!(
        !out.status.success() && text(&out).contains("tabular"),
        "an unknown kind is refused with the list: {}",
        text(&out)
    );
    let mut args = vec!["test", "--release", "--offline"];
    for (kind, id) in kinds {
        let out = harness(&bin, &root, &["new", id, "--data", kind]);
        assert!(out.status.success(), "{kind}: {}", text(&out));
        assert!(
            !text(&out).contains("could not run"),
            "{kind}: {}",
            text(&out)
        );
        let config = std::fs::read_to_string(root.join(format!("configs/papers/{id}.toml")));
        assert!(
            config.unwrap().contains(&format!("--data {kind}")),
            "{kind}"
        );
        args.extend(["-p", id]);
    }
    let mut fmt = vec!["fmt", "--check"];
    fmt.extend(kinds.iter().flat_map(|(_, id)| ["-p", *id]));
    cargo(&root, &fmt);
    cargo(&root, &args);
}
