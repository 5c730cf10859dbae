//! CONTRIBUTING.md followed literally works: in a git clone of a copy of the workspace, scaffold
//! a paper with `harness new`, let cargo record it in `Cargo.lock`, run exactly the `git add` /
//! `git commit` commands that CONTRIBUTING.md §5 lists for the code (extracted from the file, so
//! the document and this test cannot drift apart), then nothing is left uncommitted
//! (`git status --porcelain` is empty) and the committed tree, checked out in a clean worktree,
//! builds (`cargo check`).

mod workspace_copy;

use std::path::Path;
use std::process::Command;
use workspace_copy::{cargo, copy_workspace, repo_root, text};

const ID: &str = "jones2022-literal-check";

/// The shell lines of the first ```sh block after the heading that starts with `heading`
/// which contain `git add` or `git commit`, with `<id>` replaced.
fn git_lines(contributing: &str, heading: &str, block: usize, id: &str) -> Vec<String> {
    let section = contributing
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("CONTRIBUTING.md has no section `## {heading}`"));
    let blocks: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .filter(|b| b.contains("git add"))
        .collect();
    let chosen = blocks
        .get(block)
        .unwrap_or_else(|| panic!("section {heading}: no `git add` block #{block}"));
    chosen
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("git add") || l.starts_with("git commit"))
        .map(|l| l.replace("<id>", id))
        .collect()
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .envs(identity())
        .output()
        .expect("git must be installed");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn identity() -> [(&'static str, &'static str); 4] {
    [
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@example.org"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@example.org"),
    ]
}

#[test]
fn the_documented_git_commands_commit_everything_and_the_commit_builds() {
    let contributing = std::fs::read_to_string(repo_root().join("CONTRIBUTING.md")).unwrap();
    let code = git_lines(&contributing, "5.", 0, ID);
    assert!(
        code.iter().any(|l| l.starts_with("git add"))
            && code.iter().any(|l| l.starts_with("git commit")),
        "§5's first block must list `git add` and `git commit`: {code:?}"
    );

    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("clone");
    copy_workspace(&root);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);

    // §1: scaffold (the harness of this workspace), §2: cargo records the crate in Cargo.lock
    let out = Command::new(harness_e2e::harness_bin())
        .args(["--root", root.to_str().unwrap(), "--plain", "new", ID])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    cargo(&root, &["check", "--release", "--offline", "-p", ID]);

    // §5, literally
    for line in &code {
        let out = Command::new("sh")
            .args(["-c", line])
            .current_dir(&root)
            .envs(identity())
            .output()
            .unwrap();
        assert!(out.status.success(), "`{line}` failed: {}", text(&out));
    }
    let left = git(&root, &["status", "--porcelain", "--untracked-files=all"]);
    assert!(
        left.trim().is_empty(),
        "CONTRIBUTING.md §5 leaves files uncommitted:\n{left}"
    );

    // the commit alone builds, as the clean worktree of §5 sees it
    let wt = work.path().join("wt");
    git(
        &root,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            wt.to_str().unwrap(),
            "HEAD",
        ],
    );
    cargo(&wt, &["check", "--release", "--offline", "-p", ID]);
}

#[test]
fn the_records_block_names_every_kind_of_file_a_run_publishes() {
    let contributing = std::fs::read_to_string(repo_root().join("CONTRIBUTING.md")).unwrap();
    let records = git_lines(&contributing, "5.", 1, "greydanus2020-mnist1d").join(" ");
    // every file the committed tables of an existing paper consist of is named
    let results = repo_root().join("results");
    for e in std::fs::read_dir(&results).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with("greydanus2020-mnist1d.") {
            assert!(
                records.contains(&format!("results/{name}")),
                "CONTRIBUTING.md §5's records `git add` omits results/{name}: {records}"
            );
        }
    }
    assert!(
        records.contains("results/runs/greydanus2020-mnist1d/"),
        "{records}"
    );
}
