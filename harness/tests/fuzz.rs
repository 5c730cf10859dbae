//! Property/fuzz layer over the files a user controls (issue 15, item 2): paper configs (the
//! real MNIST-1D config with hostile values put into its seeds, claims and hyperparameters),
//! `configs/datasets.toml` entries with hostile paths, checksums, sizes and URLs, and run
//! records (truncated, garbage, hostile field values). The property: loading answers (a value
//! or an error naming the file) within a time bound, never a panic, hang or abort; what is
//! accepted satisfies the documented bounds. Also (issue 28) terminal grids of hostile cells at any
//! width, and claims read back at their printed precision. Case counts are printed
//! (`--nocapture`).

use harness::config::{load_dataset_registry, Project, MAX_SEEDS};
use harness::record::Store;
use harness::run::{self, Selection, MAX_PLANNED_RUNS};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

const BOUND_S: u64 = 20;
const PAPER: &str = "greydanus2020-mnist1d";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bounded<T: Send + 'static>(
    label: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(Duration::from_secs(BOUND_S)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(TestCaseError::fail(format!("panicked: {label}"))),
        Err(_) => Err(TestCaseError::fail(format!(
            "no answer within {BOUND_S} s: {label}"
        ))),
    }
}

/// The MNIST-1D entry of the real `configs/datasets.toml`.
fn mnist_registry() -> String {
    let all = std::fs::read_to_string(repo().join("configs/datasets.toml")).unwrap();
    all.split("\n[datasets.")
        .filter(|s| s.starts_with("mnist1d]") || s.starts_with("mnist1d.files]"))
        .map(|s| format!("\n[datasets.{s}"))
        .collect()
}

fn int_lit() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (1u32..50).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "0", "-1", "10000", "10001", "1000000000", "9223372036854775807",
            "18446744073709551615", "1.5", "\"10\"", "[]", "nan", "true",
        ]).prop_map(str::to_string),
    ]
}

fn float_lit() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u32..1000).prop_map(|n| format!("{}", n as f64 / 1000.0)),
        1 => prop::sample::select(vec![
            "nan", "inf", "-inf", "1e308", "-1e308", "0.0", "-0.0", "-1.0", "-5", "1e-320",
            "\"0.3\"", "[]", "{}", "true", "5e-324",
        ]).prop_map(str::to_string),
    ]
}

/// (from, to) replacements in the real paper config; `{}` in `to` takes the literal.
fn paper_edit() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let one = prop_oneof![
        int_lit().prop_map(|v| ("count = 10", format!("count = {v}"))),
        int_lit().prop_map(|v| ("start = 0", format!("start = {v}"))),
        int_lit().prop_map(|v| (
            "start = 0",
            format!("start = 0\nper_dataset = {{ mnist1d = {v} }}")
        )),
        float_lit().prop_map(|v| ("value = 0.32", format!("value = {v}"))),
        float_lit().prop_map(|v| (
            "value = 0.68",
            format!("value = 0.68\nstandard_error = {v}")
        )),
        float_lit().prop_map(|v| ("resolution = 0.01\n", format!("resolution = {v}\n"))),
        int_lit().prop_map(|v| (
            "reported_as = { kind = \"unknown\" }",
            format!("reported_as = {{ kind = \"best_of\", n = {v} }}")
        )),
        int_lit().prop_map(|v| ("total_steps = 6000", format!("total_steps = {v}"))),
        int_lit().prop_map(|v| ("batch_size = 100", format!("batch_size = {v}"))),
        float_lit().prop_map(|v| ("learning_rate = 1e-2", format!("learning_rate = {v}"))),
        int_lit().prop_map(|v| ("eval_every = 250", format!("eval_every = {v}"))),
        prop::sample::select(vec!["\"mnist1d\"", "\"uci-yacht\"", "\"\"", "\"../x\""])
            .prop_map(|v| ("dataset = \"mnist1d\"", format!("dataset = {v}"))),
    ];
    prop::collection::vec(one, 1..4)
}

#[test]
fn hostile_paper_configs_load_or_fail_cleanly() {
    let cases = Arc::new(AtomicU32::new(0));
    let accepted = Arc::new(AtomicU32::new(0));
    let (c, a) = (cases.clone(), accepted.clone());
    let base =
        std::fs::read_to_string(repo().join(format!("configs/papers/{PAPER}.toml"))).unwrap();
    let registry = mnist_registry();
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&paper_edit(), move |edits| {
            let mut text = base.clone();
            for (from, to) in &edits {
                text = text.replacen(from, to, 1);
            }
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_path_buf();
            std::fs::create_dir_all(root.join("configs/papers")).unwrap();
            std::fs::write(root.join("configs/datasets.toml"), &registry).unwrap();
            std::fs::write(root.join(format!("configs/papers/{PAPER}.toml")), &text).unwrap();
            let label = format!("{edits:?}");
            let outcome = bounded(label.clone(), move || -> Result<Option<usize>, String> {
                let project = Project::load(&root).map_err(|e| e.to_string())?;
                if let Some(e) = project.broken.get(PAPER) {
                    return Err(e.clone());
                }
                let p = project.paper(PAPER).map_err(|e| e.to_string())?;
                let s = &p.config.seeds;
                assert!(
                    (1..=MAX_SEEDS).contains(&s.count),
                    "accepted seeds.count {}",
                    s.count
                );
                assert!(s.per_dataset.values().all(|n| (1..=MAX_SEEDS).contains(n)));
                for cl in &p.config.claims {
                    assert!(cl.value.is_finite());
                    assert!(cl.standard_error.is_none_or(|v| v.is_finite() && v >= 0.0));
                    assert!(cl.resolution.is_none_or(|v| v.is_finite() && v > 0.0));
                }
                let sel = [Selection::whole_paper(PAPER)];
                let runs = run::plan(&project, &sel).map_err(|e| e.to_string())?;
                assert!(runs.len() <= MAX_PLANNED_RUNS);
                Ok(Some(runs.len()))
            })?;
            match outcome {
                Ok(_) => {
                    a.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => prop_assert!(
                    e.contains(PAPER) || e.contains("datasets.toml"),
                    "error does not name the file: {e} ({label})"
                ),
            }
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "paper config fuzz: {} cases, {} accepted, the rest refused with the file named",
        cases.load(Ordering::SeqCst),
        accepted.load(Ordering::SeqCst)
    );
}

#[test]
fn hostile_dataset_registries_load_or_fail_cleanly() {
    let cases = Arc::new(AtomicU32::new(0));
    let accepted = Arc::new(AtomicU32::new(0));
    let (c, a) = (cases.clone(), accepted.clone());
    let path = prop::sample::select(vec![
        "",
        ".",
        "./",
        "..",
        "../x",
        "/etc/passwd",
        "a/./b",
        "a//b",
        "ok/file.bin",
        "dir/",
        "a/../b",
        "\\u0000",
        "ü/ß.bin",
        "c:/x",
    ]);
    let sha = prop::sample::select(vec![
        "\"0000000000000000000000000000000000000000000000000000000000000000\"".to_string(),
        "\"ABCDEF0000000000000000000000000000000000000000000000000000000000\"".to_string(),
        "\"abc\"".to_string(),
        "\"\"".to_string(),
        "42".to_string(),
    ]);
    let size = prop::sample::select(vec![
        "0",
        "1",
        "9223372036854775807",
        "-1",
        "1.5",
        "\"big\"",
    ]);
    let url = prop::sample::select(vec![
        "https://example.org/x",
        "http://example.org/x",
        "ftp://example.org/x",
        "https://",
        "",
        "http://127.0.0.1:1/x",
        "javascript:alert(1)",
        "HTTPS://EXAMPLE.ORG/X",
        "http://127.0.0.1.evil.org/x",
    ]);
    let strategy = (path, sha, size, prop::collection::vec(url, 0..3));
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, move |(path, sha, size, urls)| {
            let urls: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
            let text = format!(
                "[datasets.demo]\ntitle = \"t\"\ncitation = \"c\"\nlicense = \"l\"\nhomepage = \"h\"\n\n[[datasets.demo.files]]\npath = \"{path}\"\nsha256 = {sha}\nsize = {size}\nurls = [{}]\n",
                urls.join(", ")
            );
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("datasets.toml");
            std::fs::write(&file, &text).unwrap();
            let label = text.clone();
            let r = bounded(label.clone(), move || load_dataset_registry(&file).map_err(|e| e.to_string()))?;
            match r {
                Ok(reg) => {
                    for f in reg.datasets.values().flat_map(|d| &d.files) {
                        prop_assert!(harness::data::check_relative_path(&f.path).is_ok(), "{label}");
                        prop_assert!(f.urls.iter().all(|u| u.to_ascii_lowercase().starts_with("https://") && u.len() > 8), "{label}");
                    }
                    a.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => prop_assert!(e.contains("datasets.toml"), "{e}"),
            }
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "datasets.toml fuzz: {} cases, {} accepted (all with safe paths and https URLs)",
        cases.load(Ordering::SeqCst),
        accepted.load(Ordering::SeqCst)
    );
}

#[test]
fn hostile_run_records_are_read_or_refused() {
    let good = std::fs::read_to_string(repo().join(format!(
        "results/runs/{PAPER}/mnist1d/logistic/seed-0000.json"
    )))
    .unwrap();
    let fields = vec![
        "schema",
        "key",
        "seed",
        "status",
        "metrics",
        "curves",
        "timings",
        "provenance",
        "parameter_count",
        "message",
    ];
    let hostile = prop::sample::select(vec![
        "null",
        "-1",
        "1e999",
        "\"x\"",
        "[]",
        "{}",
        "18446744073709551616",
        "true",
        "[[1, null]]",
        "{\"acc\": \"NaN\"}",
        "2",
    ]);
    let mutation = prop_oneof![
        any::<usize>().prop_map(|i| (0u8, i, "", "")),
        (prop::sample::select(fields), hostile).prop_map(|(f, h)| (1u8, 0usize, f, h)),
        Just((2u8, 0usize, "", "")),
    ];
    let cases = Arc::new(AtomicU32::new(0));
    let c = cases.clone();
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(mutation, ".{0,30}"),
            move |((kind, idx, field, value), junk)| {
                let text = match kind {
                    0 => {
                        let mut at = idx % (good.len() + 1);
                        while !good.is_char_boundary(at) {
                            at -= 1;
                        }
                        good[..at].to_string()
                    }
                    1 => {
                        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
                        match serde_json::from_str::<serde_json::Value>(value) {
                            Ok(h) => v[field] = h,
                            Err(_) => return Ok(()), // 1e999 etc.: not JSON serde can hold; covered by kind 2
                        }
                        v.to_string()
                    }
                    _ => junk,
                };
                let dir = tempfile::tempdir().unwrap();
                let store = Store::new(dir.path());
                let p = store.record_path(&harness::RunId::new(PAPER, "logistic", "mnist1d", 0));
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, &text).unwrap();
                let label = text.clone();
                let r = bounded(label.clone(), move || {
                    store.load(&p).map(|_| ()).map_err(|e| e.to_string())
                })?;
                if let Err(e) = r {
                    prop_assert!(e.contains("seed-0000.json"), "{e}");
                }
                c.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
    eprintln!("run record fuzz: {} cases", cases.load(Ordering::SeqCst));
}

/// Issue 28 items 1 and 5: terminal grids of hostile cells (empty, one long word, unicode,
/// many short words) at any width between 1 and 300 columns render every cell's characters in
/// order, and no line is wider than the terminal whenever the columns fit at their narrowest
/// (4 characters each). Case count printed.
#[test]
fn terminal_grids_fit_any_width_and_lose_no_character() {
    use harness::report::grid::{Cell, Grid};
    let cell = prop_oneof![
        Just(String::new()),
        "[a-z]{1,40}",
        "[a-z0-9±≈—]{1,8}( [a-z0-9±≈—]{1,12}){0,8}",
        "beyond the best of [0-9]{1,4} experiments of [0-9]{1,3} runs",
    ];
    let rows = prop::collection::vec(prop::collection::vec(cell, 1..=7), 1..6);
    let cases = Arc::new(AtomicU32::new(0));
    let c = cases.clone();
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(rows, 1usize..300), move |(rows, width)| {
            let n = rows.iter().map(Vec::len).max().unwrap_or(1);
            let header: Vec<String> = (0..n).map(|i| format!("col{i}")).collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut g = Grid::new(&header);
            for r in &rows {
                g.push(r.iter().map(|t| Cell::plain(t.clone())).collect());
            }
            let text = bounded(format!("{rows:?} at {width}"), move || {
                g.render(Some(width), false)
            })?;
            if width >= 2 + 2 * (n - 1) + 4 * n {
                for line in text.lines() {
                    prop_assert!(line.chars().count() <= width, "{width}: {line:?}\n{text}");
                }
            }
            // every non-space character of the cells is printed, in reading order per column
            let all: String = rows.concat().concat().replace(' ', "");
            let printed: usize = text.chars().filter(|c| !c.is_whitespace()).count();
            let header_chars: usize = header.iter().map(|h| h.len()).sum();
            prop_assert_eq!(printed, all.chars().count() + header_chars, "{}", text);
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    eprintln!("terminal grid fuzz: {} cases", cases.load(Ordering::SeqCst));
}

/// Issue 28 item 5: a claim shown at its resolution reads back as the claim rounded to that
/// resolution, and the finer numbers (tested value, band ends) read back within a tenth of a
/// step; without a resolution the shortest form reads back as the same number. Case count
/// printed.
#[test]
fn claims_read_back_at_their_precision() {
    use harness::report::format::{claim_number, decimals_of, f, finer_number};
    let cases = Arc::new(AtomicU32::new(0));
    let c = cases.clone();
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    let step = prop::sample::select(vec![1e-4, 1e-3, 0.01, 0.05, 0.1, 0.5, 1.0, 25.0]);
    runner
        .run(&(-1e6f64..1e6, step), move |(x, r)| {
            let shown: f64 = claim_number(x, Some(r)).parse().unwrap();
            let d = decimals_of(r) as i32;
            let rounded = (x * 10f64.powi(d)).round() / 10f64.powi(d);
            prop_assert!((shown - rounded).abs() <= 1e-9 * rounded.abs().max(1.0));
            let finer: f64 = finer_number(x, r).parse().unwrap();
            prop_assert!((finer - x).abs() <= 0.051 * 10f64.powi(-d) + 1e-9 * x.abs().max(1.0));
            // without a resolution: the exact shortest form, or the tables' format for a number
            // with more than 10 significant digits
            let plain = claim_number(x, None);
            prop_assert!(
                plain.parse::<f64>() == Ok(x) || plain == f(Some(x)),
                "{} for {}",
                plain,
                x
            );
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    eprintln!("claim display fuzz: {} cases", cases.load(Ordering::SeqCst));
}
