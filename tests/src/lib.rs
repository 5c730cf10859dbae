//! Helpers for the end-to-end tests of the `harness` binary (tests/tests/*.rs): locating the
//! built binary, and building a throw-away project directory with tiny configs on the real
//! shipped MNIST-1D data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Path of the `harness` binary of the same profile as the running test
/// (`target/<profile>/harness`). `cargo test --workspace` builds it, because the harness crate
/// has integration tests of its own.
pub fn harness_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let bin = profile_dir.join(format!("harness{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} not found: build it first (`cargo build -p harness`, same profile), or run the whole workspace's tests",
        bin.display()
    );
    bin
}

/// Runs the harness with `args` in `root` (plain output, no user mirrors, isolated cache).
pub fn harness(root: &Path, args: &[&str]) -> Output {
    Command::new(harness_bin())
        .args([
            "--root",
            root.to_str().unwrap_or("."),
            "--plain",
            "--offline",
        ])
        .args(args)
        .env("HARNESS_CACHE_DIR", root.join("cache"))
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

/// A project directory with the real `configs/datasets.toml` and MNIST-1D data, and a paper
/// config derived from the real one with `total_steps` reduced to `steps` and the given extra
/// TOML appended; a `quick` suite running `variants`.
pub fn tiny_project(steps: usize, variants: &[&str], extra_paper_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let real = repo_root();
    std::fs::create_dir_all(root.join("configs/papers")).unwrap();
    std::fs::create_dir_all(root.join("configs/suites")).unwrap();
    std::fs::create_dir_all(root.join("data/mnist1d")).unwrap();
    let datasets = std::fs::read_to_string(real.join("configs/datasets.toml")).unwrap();
    // keep only the MNIST-1D entry: the other datasets' files are not needed here
    let mnist = datasets
        .split("\n[datasets.")
        .filter(|s| s.starts_with("mnist1d]") || s.starts_with("mnist1d.files]"))
        .map(|s| format!("\n[datasets.{s}"))
        .collect::<String>();
    std::fs::write(root.join("configs/datasets.toml"), mnist).unwrap();
    std::fs::copy(
        real.join("data/mnist1d/mnist1d.safetensors"),
        root.join("data/mnist1d/mnist1d.safetensors"),
    )
    .unwrap();
    let paper = std::fs::read_to_string(real.join("configs/papers/greydanus2020-mnist1d.toml"))
        .unwrap()
        .replace("total_steps = 6000", &format!("total_steps = {steps}"))
        .replace("eval_every = 250", "eval_every = 10");
    std::fs::write(
        root.join("configs/papers/greydanus2020-mnist1d.toml"),
        format!("{paper}\n{extra_paper_toml}"),
    )
    .unwrap();
    let list = variants
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        root.join("configs/suites/quick.toml"),
        format!("description = \"test\"\n[[papers]]\nid = \"greydanus2020-mnist1d\"\nvariants = [{list}]\nseeds = 3\n"),
    )
    .unwrap();
    dir
}
