//! A throw-away copy of this workspace and a harness built from it, for tests that edit sources
//! (the code hash in the run key) or scaffold new crates (`harness new`).
//!
//! Building reuses the target directory of the running test (derived from
//! `std::env::current_exe()`), so only the workspace's own crates are compiled; the harness
//! binary that build leaves in `target/release/` is copied aside and the original put back, so
//! other tests keep using the binary of the real workspace. If the nested cargo stays blocked on
//! the build lock for [`LOCK_PATIENCE_S`] seconds, it is stopped and the build goes to a
//! dedicated target directory under the system temp directory instead (slower the first time,
//! then warm).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

/// Builds `-p harness` (release) in the workspace copy `root` and returns the path of a copy of
/// the resulting binary under `keep` (which outlives the next build).
pub fn build_harness(root: &Path, keep: &Path, label: &str) -> PathBuf {
    let shared = running_target_dir();
    let bin_name = format!("harness{}", std::env::consts::EXE_SUFFIX);
    let original = shared.join("release").join(&bin_name);
    let backup = keep.join(format!("original-{bin_name}"));
    if original.is_file() {
        std::fs::copy(&original, &backup).unwrap();
    }
    let target = cargo(root, &["build", "--release", "--offline", "-p", "harness"]);
    let built = target.join("release").join(&bin_name);
    let kept = keep.join(format!("{label}-{bin_name}"));
    std::fs::copy(&built, &kept).unwrap();
    if target == shared && backup.is_file() {
        // put the real workspace's binary back for the other tests
        let _ = std::fs::remove_file(&original);
        std::fs::copy(&backup, &original).unwrap();
    }
    kept
}

/// The nested cargo waited for another cargo's lock.
#[derive(Debug)]
pub struct Blocked;

/// Seconds a nested cargo may wait on the build lock before the dedicated target directory is
/// used instead (another cargo, e.g. the one running this test, may hold it for good).
const LOCK_PATIENCE_S: u64 = 300;

/// Runs `cargo <args>` in the workspace copy `root` with the running test's target directory,
/// or the dedicated one if the build lock stays taken; panics with cargo's output if it fails.
/// Returns the target directory used.
pub fn cargo(root: &Path, args: &[&str]) -> PathBuf {
    let shared = running_target_dir();
    match cargo_in(root, &shared, args) {
        Ok(()) => shared,
        Err(Blocked) => {
            let dedicated = std::env::temp_dir().join("repro-harness-e2e-target");
            eprintln!(
                "nested cargo blocked on the build lock of {}: using {} instead",
                shared.display(),
                dedicated.display()
            );
            cargo_in(root, &dedicated, args).expect("cargo in the dedicated target directory");
            dedicated
        }
    }
}

fn cargo_in(root: &Path, target: &Path, args: &[&str]) -> Result<(), Blocked> {
    use std::sync::mpsc;
    use std::time::Duration;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env_remove("HARNESS_DATA_DIRS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning cargo");
    let stdout = child.stdout.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut s);
        s
    });
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let mut waiting = false;
    loop {
        let next = if waiting {
            rx.recv_timeout(Duration::from_secs(LOCK_PATIENCE_S))
        } else {
            rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
        };
        match next {
            Ok(line) => {
                waiting = line.contains("Blocking waiting for file lock");
                log.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Blocked);
            }
        }
    }
    let status = child.wait().expect("cargo exit status");
    let stdout = out_reader.join().unwrap_or_default();
    assert!(
        status.success(),
        "cargo {} in {} failed:\n{}\n{stdout}",
        args.join(" "),
        root.display(),
        log.join("\n")
    );
    Ok(())
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
