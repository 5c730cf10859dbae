//! A throw-away copy of this workspace and a harness built from it, for tests that edit sources
//! (the code hash in the run key) or scaffold new crates (`harness new`).
//!
//! Copies build in their own target directory beside the running test's ([`copies_target_dir`],
//! seeded from it so only the workspace's own crates are compiled): a copy's build never touches
//! the artifacts of the real workspace.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

/// Copies the workspace's files (tracked and untracked-but-not-ignored, as `git ls-files`
/// lists them) into `dest`, except the committed run records (`results/runs/`).
pub fn copy_workspace(dest: &Path) {
    let root = repo_root();
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(&root)
        .output()
        .expect("git ls-files (git must be installed)");
    assert!(
        out.status.success(),
        "git ls-files failed in {}",
        root.display()
    );
    for rel in out.stdout.split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let rel = String::from_utf8_lossy(rel).to_string();
        if rel.starts_with("results/runs/") {
            continue;
        }
        let from = root.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {rel}: {e}"));
    }
}

/// The target directory of the running test (`<target>/<profile>/deps/<test>` → `<target>`).
pub fn running_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .nth(3)
        .expect("<target>/<profile>/deps/<exe>")
        .to_path_buf()
}

/// The target directory for builds of workspace copies: `<running target>/workspace-copies`.
///
/// Never the running test's own target directory: cargo names a path crate's artifacts by
/// its path relative to the workspace root, so a copy whose `repro-kit` was edited (the
/// code-hash test) would overwrite `librepro_kit-<hash>.rlib` of the real workspace, and the
/// doctests that `cargo test` runs afterwards fail with "can't find crate for `repro_kit`"
/// (CI, stop 30). The first call seeds it with a copy (`cp -a`, mtimes kept, so cargo finds
/// the registry crates fresh) of the running target's release artifacts, so only the
/// workspace's own crates are compiled.
pub fn copies_target_dir() -> PathBuf {
    static SEEDED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let shared = running_target_dir();
    let dir = shared.join("workspace-copies");
    let mut seeded = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
    if !*seeded && !dir.join("release").is_dir() {
        let tmp = shared.join(format!("workspace-copies.seeding-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join("release")).unwrap();
        for part in ["deps", "build", ".fingerprint"] {
            let from = shared.join("release").join(part);
            if from.is_dir() {
                let ok = Command::new("cp")
                    .arg("-a")
                    .arg(&from)
                    .arg(tmp.join("release"))
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false);
                if !ok {
                    // without a seed the copy's build compiles every dependency: slower, same result
                    eprintln!("could not seed {} from {}", tmp.display(), from.display());
                }
            }
        }
        // another test process may have seeded it meanwhile: then ours is dropped
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    *seeded = true;
    dir
}

/// Builds `-p harness` (release) in the workspace copy `root` and returns the path of a copy of
/// the resulting binary under `keep` (which outlives the next build).
pub fn build_harness(root: &Path, keep: &Path, label: &str) -> PathBuf {
    let bin_name = format!("harness{}", std::env::consts::EXE_SUFFIX);
    let target = cargo(root, &["build", "--release", "--offline", "-p", "harness"]);
    let built = target.join("release").join(&bin_name);
    let kept = keep.join(format!("{label}-{bin_name}"));
    std::fs::copy(&built, &kept).unwrap();
    kept
}

/// Runs `cargo <args>` in the workspace copy `root` with [`copies_target_dir`]; panics with
/// cargo's output if it fails. Returns the target directory used.
pub fn cargo(root: &Path, args: &[&str]) -> PathBuf {
    let target = copies_target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env_remove("HARNESS_DATA_DIRS")
        .output()
        .expect("spawning cargo");
    assert!(
        out.status.success(),
        "cargo {} in {} failed:\n{}",
        args.join(" "),
        root.display(),
        text(&out)
    );
    target
}

/// Runs `bin` with `args` in the workspace copy `root` (plain output, offline, isolated cache
/// and no user mirrors).
pub fn harness(bin: &Path, root: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(["--root", root.to_str().unwrap(), "--plain", "--offline"])
        .args(args)
        .env("HARNESS_CACHE_DIR", root.join(".cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .output()
        .expect("running the harness binary")
}

/// stdout + stderr of `out` as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Appends `line` to the file `rel` under `root`.
pub fn append(root: &Path, rel: &str, line: &str) {
    let p = root.join(rel);
    let mut s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
    s.push_str(line);
    std::fs::write(&p, s).unwrap();
}
