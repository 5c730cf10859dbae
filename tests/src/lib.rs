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
/// has integration tests of its own. `HARNESS_E2E_BIN` overrides it (e.g. a copy of the binary
/// when several checkouts share one target directory).
pub fn harness_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("HARNESS_E2E_BIN") {
        return PathBuf::from(p);
    }
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
    harness_command(root, args)
        .output()
        .expect("running the harness binary")
}

/// The command [`harness`] runs, not started (to spawn it, kill it, add variables).
pub fn harness_command(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(harness_bin());
    c.args([
        "--root",
        root.to_str().unwrap_or("."),
        "--plain",
        "--offline",
    ])
    .args(args)
    .env("HARNESS_CACHE_DIR", root.join("cache"))
    .env_remove("HARNESS_DATA_DIRS")
    .env_remove("HARNESS_RESULTS");
    c
}

/// Runs `cmd` (stdout/stderr captured) and kills it if it has not finished within `secs`;
/// `None` means it had to be killed (a hang).
pub fn output_within(mut cmd: Command, secs: f64) -> Option<Output> {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the harness binary");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    // drain the pipes on threads so a chatty child never blocks on a full pipe
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut so, &mut b);
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut se, &mut b);
        b
    });
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(Output {
                status,
                stdout: t1.join().unwrap_or_default(),
                stderr: t2.join().unwrap_or_default(),
            });
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Replaces the first `from` with `to` in the tiny project's paper config (panics if `from`
/// is not there, so a test never silently edits nothing). Returns the 1-based line of `to`.
pub fn edit_paper(root: &Path, from: &str, to: &str) -> usize {
    let path = root.join("configs/papers/greydanus2020-mnist1d.toml");
    let text = std::fs::read_to_string(&path).expect("paper config");
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` not in {}", path.display()));
    let new = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    std::fs::write(&path, &new).expect("writing paper config");
    text[..at].matches('\n').count() + 1
}

/// Copies the folder `rel` of the real repository (recursively, hidden files left out) to the
/// same place under `root`.
pub fn copy_tree(rel: &str, root: &Path) {
    let base = repo_root();
    let mut stack = vec![base.join(rel)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("reading a repository folder")
            .flatten()
        {
            let p = e.path();
            let to = root.join(p.strip_prefix(&base).expect("under the repository"));
            if e.file_type().expect("file type").is_dir() {
                std::fs::create_dir_all(&to).expect("creating a folder");
                stack.push(p);
            } else if !e.file_name().to_string_lossy().starts_with('.') {
                std::fs::create_dir_all(to.parent().expect("a parent")).expect("creating a folder");
                std::fs::copy(&p, &to).expect("copying a file");
            }
        }
    }
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
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
