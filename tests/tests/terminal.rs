//! Issue 28 item 1, through a real pseudo-terminal of a given width: the verdict tables fit
//! the terminal (cells wrap, rows never do), colours follow `--color` and `NO_COLOR`, and the
//! reuse notice with its `verify` hint are the closing lines of `harness run`.

use harness_e2e::{copy_tree, harness_bin};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// What the harness writes to a terminal `cols` columns wide (stdout and stderr both on the
/// terminal, `\r\n` read back as `\n`), run in the project copy `root` with `args` and the
/// extra variables `env`.
fn on_terminal(root: &Path, cols: u16, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    use nix::pty::{openpty, Winsize};
    let size = Winsize {
        ws_row: 60,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).expect("opening a pseudo-terminal");
    let mut cmd = Command::new(harness_bin());
    cmd.args(["--root", root.to_str().unwrap(), "--offline"])
        .args(args)
        .env("HARNESS_CACHE_DIR", root.join("cache"))
        .env_remove("HARNESS_DATA_DIRS")
        .env_remove("HARNESS_RESULTS")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::from(pty.slave.try_clone().expect("dup")))
        .stderr(Stdio::from(pty.slave));
    let mut child = cmd.spawn().expect("starting the harness");
    drop(cmd); // closes this process's copies of the terminal's slave side
    let mut master = std::fs::File::from(pty.master);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match master.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            // Linux: EIO once every slave descriptor is closed (the harness exited)
            Err(_) => break,
        }
    }
    let ok = child.wait().expect("harness exit status").success();
    (ok, String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
}

/// `s` without ANSI escape sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\u{1b}') => esc = true,
            (true, c) if c.is_ascii_alphabetic() => esc = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// A copy of the repository's configs and committed records (tables are written there).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree("configs", dir.path());
    copy_tree("results", dir.path());
    dir
}

#[test]
fn verdict_tables_fit_80_and_120_columns_wrapping_cells_not_rows() {
    let dir = project();
    for cols in [80u16, 120] {
        let (ok, raw) = on_terminal(dir.path(), cols, &["report", "--suite", "full"], &[]);
        assert!(ok, "{raw}");
        assert!(raw.contains('\u{1b}'), "colours on a terminal by default");
        let plain = strip_ansi(&raw);
        for line in plain.lines() {
            let width = line.chars().count();
            // paths are never broken: a line may only overflow if it is one unbreakable word
            assert!(
                width <= cols as usize || !line.trim().contains(' '),
                "{cols} columns: a line of {width}:\n{line}\n\n{plain}"
            );
        }
        // the claims of every paper are there, and the flag that used to break every row is
        // wrapped inside its cell: its words are in the flags column, one after the other
        // (a hyphenated id may wrap after a hyphen: its first part starts the row)
        for id in ["mlp", "logistic", "ppo-", "yacht-"] {
            assert!(
                plain
                    .lines()
                    .any(|l| l.starts_with(&format!("  {id}")) && !l.starts_with("   ")),
                "{id} missing at {cols} columns:\n{plain}"
            );
        }
        assert!(
            plain.contains("p adj. = one-sided p, Holm over the paper's"),
            "{plain}"
        );
        assert!(plain.contains("Wilcoxon p = two-sided"), "{plain}");
        let summary = plain
            .lines()
            .skip_while(|l| !l.contains("comparisons:"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            summary.contains("not shown") && summary.contains("no effect"),
            "the comparisons line counts every verdict:\n{plain}"
        );
    }
}

#[test]
fn colours_follow_no_color_and_the_color_option() {
    let dir = project();
    let args = ["report", "--paper", "huang2022-cleanrl-ppo"];
    let (_, out) = on_terminal(dir.path(), 100, &args, &[("NO_COLOR", "1")]);
    assert!(!out.contains('\u{1b}'), "NO_COLOR=1:\n{out}");
    assert!(out.contains("ppo-cartpole"), "{out}");
    let never = [&args[..], &["--color", "never"]].concat();
    let (_, out) = on_terminal(dir.path(), 100, &never, &[]);
    assert!(!out.contains('\u{1b}'), "--color never:\n{out}");
    // `--color always` colours even into a pipe
    let out = Command::new(harness_bin())
        .args([
            "--root",
            dir.path().to_str().unwrap(),
            "--offline",
            "--color",
            "always",
        ])
        .args(args)
        .env_remove("NO_COLOR")
        .env("HARNESS_CACHE_DIR", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
        "--color always into a pipe"
    );
    // COLUMNS overrides the terminal's own width
    let (_, out) = on_terminal(dir.path(), 200, &args, &[("COLUMNS", "60")]);
    let widest = strip_ansi(&out)
        .lines()
        .filter(|l| l.trim().contains(' '))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(widest <= 60, "COLUMNS=60 gave a line of {widest}:\n{out}");
}

#[test]
fn the_reuse_notice_and_the_verify_hint_are_the_closing_lines() {
    let dir = project();
    let (ok, out) = on_terminal(
        dir.path(),
        100,
        &["run", "--paper", "huang2022-cleanrl-ppo"],
        &[],
    );
    let out = strip_ansi(&out);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let summary = lines
        .iter()
        .rposition(|l| l.contains(" claims: "))
        .expect("a summary line");
    let notice = lines
        .iter()
        .rposition(|l| l.contains("reused from stored records"))
        .expect("a reuse notice");
    assert!(
        notice > summary,
        "the notice comes after the tables:\n{out}"
    );
    let tail = lines[notice..].join(" ");
    assert!(tail.contains("verify --sample 5"), "{out}");
    assert_eq!(
        lines
            .last()
            .map(|l| l.contains("verify") || l.contains("--sample")),
        Some(true),
        "the verify hint closes the output:\n{out}"
    );
}
