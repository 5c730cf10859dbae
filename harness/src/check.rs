//! `harness check`: the contributor's gate (CI runs it). It validates every config and dataset
//! declaration, checks that every reproduction crate is registered, and runs each reproduction's
//! quick checks (overfit a tiny batch, same-seed determinism, declared parameter count, a smoke
//! run on the real data where available; the hooks are [`repro_kit::Reproduction::overfit`] and
//! [`repro_kit::Reproduction::smoke`]). It reports every problem, not only the first: each check
//! is one line `ok`, `SKIP` (with the reason and the command that would make it run) or
//! `FAIL` (with what to do), and the last line is `N papers, M checks passed, K skipped, F failed`.

use crate::config::{load_dataset_registry, load_paper, DatasetRegistry, LoadedPaper};
use crate::data::Fetcher;
use crate::error::HarnessError;
use crate::registry;
use candle_core::Device;
use repro_kit::{NoProgress, ResolvedDataset, RunContext, RunOutput, RunStatus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The result of one check.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check could not run here (e.g. a dataset unavailable offline); the text says why and
    /// which command would make it run.
    Skipped(String),
    /// The check failed; the text says what is wrong and what to do.
    Failed(String),
    /// Not a failure, but something to act on (e.g. an upstream URL never verified against
    /// its checksum); the text says what and the command that settles it. Not counted in the
    /// [`Summary`].
    Warned(String),
}

/// One line of the check report.
#[derive(Debug, Clone)]
pub struct CheckLine {
    /// What was checked: `config`, `dataset uci-yacht`, `greydanus2020-mnist1d mlp`, …
    pub subject: String,
    /// The check's name, e.g. `overfit`, `determinism`.
    pub check: String,
    /// Its outcome.
    pub outcome: Outcome,
}

/// The totals of a check run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Papers whose configs were checked.
    pub papers: usize,
    /// Checks passed.
    pub passed: usize,
    /// Checks skipped.
    pub skipped: usize,
    /// Checks failed.
    pub failed: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}, {} checks passed, {} skipped, {} failed",
            self.papers,
            if self.papers == 1 { "paper" } else { "papers" },
            self.passed,
            self.skipped,
            self.failed
        )
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Only this paper (its config, its datasets, its crate); all when `None`.
    pub paper: Option<String>,
    /// Smoke budget in optimizer steps (or epochs, as the paper's hook defines it).
    pub smoke_steps: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            paper: None,
            smoke_steps: 5,
        }
    }
}

/// Runs every check under `root` and hands each line to `report` as soon as it is known.
/// Never stops at the first problem.
pub fn run(
    root: &Path,
    fetcher: &Fetcher,
    opts: &CheckOptions,
    report: &mut dyn FnMut(&CheckLine),
) -> Summary {
    let mut sum = Summary::default();
    let mut emit = |subject: &str, check: &str, outcome: Outcome, sum: &mut Summary| {
        match &outcome {
            Outcome::Passed => sum.passed += 1,
            Outcome::Skipped(_) => sum.skipped += 1,
            Outcome::Failed(_) => sum.failed += 1,
            Outcome::Warned(_) => {}
        }
        report(&CheckLine {
            subject: subject.to_string(),
            check: check.to_string(),
            outcome,
        });
    };

    // 1. The dataset registry.
    let datasets_path = root.join("configs/datasets.toml");
    let registry_ds = match load_dataset_registry(&datasets_path) {
        Ok(r) => {
            emit("configs/datasets.toml", "valid", Outcome::Passed, &mut sum);
            r
        }
        Err(e) => {
            emit(
                "configs/datasets.toml",
                "valid",
                Outcome::Failed(e.to_string()),
                &mut sum,
            );
            DatasetRegistry::default()
        }
    };

    // 2. Every paper config, independently.
    let mut papers: BTreeMap<String, LoadedPaper> = BTreeMap::new();
    let dir = root.join("configs/papers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        if opts.paper.as_ref().is_some_and(|p| p != &stem) {
            continue;
        }
        sum.papers += 1;
        let subject = format!("configs/papers/{stem}.toml");
        match load_paper(&path, &registry_ds) {
            Ok(p) => {
                emit(&subject, "valid", Outcome::Passed, &mut sum);
                let missing: Vec<String> = p
                    .config
                    .claims
                    .iter()
                    .filter(|c| c.source.trim().is_empty())
                    .map(|c| format!("claim `{}`", c.id))
                    .chain(
                        p.config
                            .comparisons
                            .iter()
                            .filter(|c| c.source.trim().is_empty())
                            .map(|c| format!("comparison `{}`", c.id)),
                    )
                    .collect();
                let outcome = if p.config.claims.is_empty() {
                    Outcome::Failed("no [[claims]]: a reproduction tests at least one claim".into())
                } else if missing.is_empty() {
                    Outcome::Passed
                } else {
                    Outcome::Failed(format!(
                        "{} have an empty `source`: quote where the number is printed (table, row, column, page)",
                        missing.join(", ")
                    ))
                };
                emit(&subject, "claims carry a source", outcome, &mut sum);
                papers.insert(stem, p);
            }
            Err(e) => emit(&subject, "valid", Outcome::Failed(e.to_string()), &mut sum),
        }
    }
    if let Some(p) = &opts.paper {
        if !papers.contains_key(p) && !dir.join(format!("{p}.toml")).is_file() {
            emit(
                p,
                "config exists",
                Outcome::Failed(format!(
                    "no configs/papers/{p}.toml (scaffold one with `harness new {p}`)"
                )),
                &mut sum,
            );
        }
    }

    // 3. Dataset declarations (the papers' datasets, or all of them) and their availability.
    let wanted: Vec<String> = match &opts.paper {
        None => registry_ds.datasets.keys().cloned().collect(),
        Some(_) => {
            let mut v: Vec<String> = papers
                .values()
                .flat_map(|p| p.config.datasets.iter().map(|d| d.get_ref().clone()))
                .collect();
            v.sort();
            v.dedup();
            v
        }
    };
    let verified = read_verified_urls(&root.join(VERIFIED_URLS));
    let mut resolved: BTreeMap<String, ResolvedDataset> = BTreeMap::new();
    for name in &wanted {
        let Some(spec) = registry_ds.datasets.get(name) else {
            continue;
        };
        let subject = format!("dataset {name}");
        let mut problems = Vec::new();
        if spec.license.trim().is_empty() {
            problems.push("empty `license`".to_string());
        }
        if spec.homepage.trim().is_empty() && spec.citation.trim().is_empty() {
            problems.push("no source: give `homepage` and `citation`".to_string());
        }
        if spec.files.is_empty() && spec.environment.is_none() {
            problems.push("no [[files]] (and not a simulated environment)".to_string());
        }
        for f in &spec.files {
            if f.size == 0 {
                problems.push(format!("file `{}`: size must be its byte count", f.path));
            }
            if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                problems.push(format!(
                    "file `{}`: sha256 must be 64 hex digits (sha256sum of the file)",
                    f.path
                ));
            }
        }
        let outcome = if problems.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed(format!(
                "configs/datasets.toml [datasets.{name}]: {}",
                problems.join("; ")
            ))
        };
        emit(&subject, "declared", outcome, &mut sum);
        if let Some(w) = unverified_urls(spec, &verified) {
            emit(
                &subject,
                "upstream URLs verified",
                Outcome::Warned(w),
                &mut sum,
            );
        }
        let user = papers
            .iter()
            .find(|(_, p)| p.config.datasets.iter().any(|d| d.get_ref() == name))
            .map(|(id, _)| format!("--paper {id}"))
            .unwrap_or_else(|| "--suite full".into());
        let fetch = format!("harness fetch {user}");
        match fetcher.resolve(name, spec) {
            Ok(r) => {
                emit(
                    &subject,
                    "available and verified",
                    Outcome::Passed,
                    &mut sum,
                );
                resolved.insert(name.clone(), r);
            }
            Err(e) => {
                let text = e.to_string();
                if matches!(e, HarnessError::Unavailable { .. }) {
                    let why =
                        format!("not available offline; `{fetch}` (online) or `--data-dir MIRROR`");
                    emit(
                        &subject,
                        "available and verified",
                        Outcome::Skipped(why),
                        &mut sum,
                    );
                } else {
                    emit(
                        &subject,
                        "available and verified",
                        Outcome::Failed(text),
                        &mut sum,
                    );
                }
            }
        }
    }

    // 4. Every reproduction crate is registered (and has a config).
    let ids = registry::ids();
    let mut crates: Vec<String> = std::fs::read_dir(root.join("reproductions"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("Cargo.toml").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                // the kit, its extension crates (`kit-<module>`) and the helpers are not papers
                .filter(|n| n != "kit" && !n.starts_with("kit-"))
                .filter(|n| n != "source-hash" && n != "support")
                .collect()
        })
        .unwrap_or_default();
    crates.sort();
    for c in &crates {
        if opts.paper.as_ref().is_some_and(|p| p != c) {
            continue;
        }
        let outcome = if !ids.contains(&c.as_str()) {
            Outcome::Failed(format!(
                "reproductions/{c} is not built into this harness: add `{c}.workspace = true` under \
                 [dependencies] in harness/Cargo.toml (and `{c} = {{ path = \"reproductions/{c}\" }}` \
                 under [workspace.dependencies] in Cargo.toml), then rebuild"
            ))
        } else if !root.join(format!("configs/papers/{c}.toml")).is_file() {
            Outcome::Failed(format!("no configs/papers/{c}.toml for reproductions/{c}"))
        } else {
            Outcome::Passed
        };
        emit(
            &format!("reproductions/{c}"),
            "registered",
            outcome,
            &mut sum,
        );
    }

    // 5. Each reproduction's own checks, per variant.
    let device = Device::Cpu;
    for (id, paper) in &papers {
        let Some(repro) = registry::find(id) else {
            continue;
        };
        for (variant, table) in &paper.config.variants {
            let subject = format!("{id} {variant}");
            // the dataset: a claim's dataset for this variant first, else the config's order
            let mut order: Vec<String> = paper
                .config
                .claims
                .iter()
                .filter(|c| c.variant.get_ref() == variant)
                .map(|c| c.dataset.get_ref().clone())
                .chain(paper.config.datasets.iter().map(|d| d.get_ref().clone()))
                .collect();
            let mut seen = std::collections::BTreeSet::new();
            order.retain(|d| paper.runs_on(variant, d) && seen.insert(d.clone()));
            let chosen = order.iter().find(|d| resolved.contains_key(*d)).cloned();
            let empty = ResolvedDataset {
                environment: None,
                name: order.first().cloned().unwrap_or_default(),
                files: BTreeMap::new(),
            };
            let dataset = chosen
                .as_ref()
                .and_then(|d| resolved.get(d))
                .unwrap_or(&empty);
            let ctx = RunContext {
                variant,
                hyperparameters: table.get_ref(),
                dataset,
                seed: paper.config.seeds.start,
                device: &device,
                progress: &NoProgress,
            };
            let fetch_hint = || {
                format!(
                    "no dataset of this variant is available here ({}); `harness fetch --paper {id}` (online) or `--data-dir MIRROR`",
                    order.join(", ")
                )
            };
            // overfit a tiny batch
            let outcome = match repro.overfit(&ctx) {
                Ok(Some(o)) if o.passed => Outcome::Passed,
                Ok(Some(o)) => Outcome::Failed(format!(
                    "{}: the model does not fit a tiny batch (a bug in the model, loss or optimizer)",
                    o.description
                )),
                Ok(None) => Outcome::Skipped(
                    "the paper crate does not implement `Paper::overfit`".into(),
                ),
                Err(_) if chosen.is_none() => Outcome::Skipped(fetch_hint()),
                Err(e) => Outcome::Failed(e.to_string()),
            };
            emit(&subject, "overfit a tiny batch", outcome, &mut sum);
            // smoke run on the real data, twice: determinism and parameter count
            if chosen.is_none() {
                for check in ["smoke run", "same-seed determinism", "parameter count"] {
                    emit(&subject, check, Outcome::Skipped(fetch_hint()), &mut sum);
                }
                continue;
            }
            let dname = chosen.clone().unwrap_or_default();
            let first = repro.smoke(&ctx, opts.smoke_steps);
            // a metric nothing reads for this variant may be NaN: not applicable to it
            let read = paper.metrics_read(variant);
            let non_finite = |out: &RunOutput| -> Vec<String> {
                out.metrics
                    .iter()
                    .filter(|(m, v)| !v.is_finite() && read.contains(*m))
                    .map(|(m, v)| format!("{m} = {v}"))
                    .collect()
            };
            let (a, outcome) = match first {
                Ok(Some(out)) => match &out.status {
                    RunStatus::Ok => {
                        let bad = non_finite(&out);
                        let o = if bad.is_empty() {
                            Outcome::Passed
                        } else {
                            Outcome::Failed(format!(
                                "non-finite metrics after {} steps on {dname} (metrics the config reads for this variant): {}",
                                opts.smoke_steps,
                                bad.join(", ")
                            ))
                        };
                        (Some(out), o)
                    }
                    RunStatus::Diverged { step, unit, .. } => {
                        let o = Outcome::Failed(format!(
                            "diverged at {unit} {step} of a {}-step smoke run on {dname}",
                            opts.smoke_steps
                        ));
                        (Some(out), o)
                    }
                },
                Ok(None) => (
                    None,
                    Outcome::Skipped(
                        "the paper crate does not implement `Paper::smoke_hyperparameters`".into(),
                    ),
                ),
                Err(e) => (None, Outcome::Failed(format!("on {dname}: {e}"))),
            };
            emit(
                &subject,
                &format!("smoke run on {dname}"),
                outcome,
                &mut sum,
            );
            let Some(a) = a else {
                for check in ["same-seed determinism", "parameter count"] {
                    emit(
                        &subject,
                        check,
                        Outcome::Skipped("needs the smoke run".into()),
                        &mut sum,
                    );
                }
                continue;
            };
            let outcome = match repro.smoke(&ctx, opts.smoke_steps) {
                Ok(Some(b)) => match bitwise_difference(&a, &b) {
                    None => Outcome::Passed,
                    Some(d) => Outcome::Failed(format!(
                        "two runs with seed {} differ: {d}; draw every random number from \
                         repro_kit::rng::stream(seed, purpose) and never from candle's RNG",
                        ctx.seed
                    )),
                },
                Ok(None) => Outcome::Failed("the second smoke run returned nothing".into()),
                Err(e) => Outcome::Failed(e.to_string()),
            };
            emit(&subject, "same-seed determinism", outcome, &mut sum);
            let declared = paper
                .config
                .parameter_counts
                .get(&format!("{variant}/{dname}"))
                .or_else(|| paper.config.parameter_counts.get(variant.as_str()));
            let outcome = match declared {
                Some(&n) if n == a.parameter_count => Outcome::Passed,
                Some(&n) => Outcome::Failed(format!(
                    "{}: [parameter_counts] declares {n}, the model has {}; fix the model or the \
                     declared count (from the paper's text or its reference code)",
                    paper.path.display(),
                    a.parameter_count
                )),
                None => Outcome::Failed(format!(
                    "{}: declare the model's size: `[parameter_counts]` `{variant} = {}` (or \
                     `\"{variant}/{dname}\" = …` when it depends on the dataset), checked against \
                     the paper's text or reference code",
                    paper.path.display(),
                    a.parameter_count
                )),
            };
            emit(&subject, "parameter count", outcome, &mut sum);
        }
    }
    sum
}

/// `None` if the two outputs' metrics (and parameter counts) are bitwise equal, else the first
/// difference.
pub fn bitwise_difference(a: &RunOutput, b: &RunOutput) -> Option<String> {
    if a.parameter_count != b.parameter_count {
        return Some(format!(
            "parameter_count {} vs {}",
            a.parameter_count, b.parameter_count
        ));
    }
    for (k, v) in &a.metrics {
        if is_timing_metric(k) {
            continue;
        }
        match b.metrics.get(k) {
            Some(w) if w.to_bits() == v.to_bits() => {}
            Some(w) => return Some(format!("{k} = {v:e} vs {w:e}")),
            None => return Some(format!("{k} missing in the second run")),
        }
    }
    None
}

pub use crate::record::is_timing_metric;

/// Prints one check line: `  ok    subject · check`, `  SKIP  subject · check — reason`,
/// `  FAIL  subject · check — what to do` (a config error keeps its `file:line:` prefix).
pub fn print_line(l: &CheckLine) {
    match &l.outcome {
        Outcome::Passed => println!("  ok    {} · {}", l.subject, l.check),
        Outcome::Skipped(why) => println!("  SKIP  {} · {} — {why}", l.subject, l.check),
        Outcome::Failed(why) => println!("  FAIL  {} · {} — {why}", l.subject, l.check),
        Outcome::Warned(why) => println!("  WARN  {} · {} — {why}", l.subject, l.check),
    }
}

/// The record of upstream URLs checked against their declared SHA-256, relative to the root:
/// one line per check, `<date> <sha256 of the bytes the URL served> <url>` (`#` comments).
pub const VERIFIED_URLS: &str = "configs/verified-urls.txt";

/// `(url, sha256)` pairs recorded in the verification file; a missing file records nothing.
fn read_verified_urls(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (_date, sha, url) = (w.next()?, w.next()?, w.next()?);
            Some((url.to_string(), sha.to_ascii_lowercase()))
        })
        .collect()
}

/// A warning for the dataset's declared URLs that no line of [`VERIFIED_URLS`] shows serving
/// the declared SHA-256 (never checked, or recorded serving other bytes), with the command that
/// checks one when online; `None` when every URL is verified.
fn unverified_urls(
    spec: &crate::config::DatasetSpec,
    verified: &[(String, String)],
) -> Option<String> {
    let urls: Vec<(&str, &str)> = spec
        .files
        .iter()
        .flat_map(|f| f.urls.iter().map(move |u| (u.as_str(), f.sha256.as_str())))
        .collect();
    let bad: Vec<&(&str, &str)> = urls
        .iter()
        .filter(|(u, sha)| !verified.iter().any(|(vu, vs)| vu == u && vs == sha))
        .collect();
    let (url, sha) = **bad.first()?;
    let other = verified.iter().find(|(vu, _)| vu == url).map_or(String::new(), |(_, vs)| {
        format!(" (recorded serving sha256 {vs}, not the declared {sha}: fix the URL or the declaration)")
    });
    Some(format!(
        "{} of {} declared URL(s) never verified against the declared SHA-256 in {VERIFIED_URLS}, \
         e.g. {url}{other}; when online, record each with \
         `u={url}; echo \"$(date -u +%F) $(curl -fsSL $u | sha256sum | cut -c1-64) $u\" >> {VERIFIED_URLS}`",
        bad.len(),
        urls.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_urls_warn_with_the_command_that_verifies_them() {
        let file = |url: &str, sha: &str| crate::config::DatasetFile {
            path: "d/x.csv".into(),
            sha256: sha.into(),
            size: 1,
            urls: vec![url.into()],
        };
        let mut spec: crate::config::DatasetSpec =
            toml::from_str("title = \"t\"\ncitation = \"c\"\nlicense = \"l\"\nhomepage = \"h\"\n")
                .unwrap();
        spec.files = vec![file("https://a/x", "aa"), file("https://b/y", "bb")];
        let w = unverified_urls(&spec, &[]).unwrap();
        assert!(
            w.starts_with("2 of 2") && w.contains("u=https://a/x; echo"),
            "{w}"
        );
        let rec = vec![("https://a/x".to_string(), "aa".to_string())];
        let w = unverified_urls(&spec, &rec).unwrap();
        assert!(w.starts_with("1 of 2") && w.contains("https://b/y"), "{w}");
        let rec = vec![
            ("https://a/x".to_string(), "aa".to_string()),
            ("https://b/y".to_string(), "cc".to_string()),
        ];
        let w = unverified_urls(&spec, &rec).unwrap();
        assert!(w.contains("recorded serving sha256 cc"), "{w}");
        let rec = vec![
            ("https://a/x".to_string(), "aa".to_string()),
            ("https://b/y".to_string(), "bb".to_string()),
        ];
        assert_eq!(unverified_urls(&spec, &rec), None);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.txt");
        std::fs::write(&p, "# c\n2026-12-07 AA https://a/x\n\n").unwrap();
        assert_eq!(
            read_verified_urls(&p),
            vec![("https://a/x".into(), "aa".into())]
        );
    }

    #[test]
    fn summary_line_has_the_documented_shape() {
        let s = Summary {
            papers: 3,
            passed: 40,
            skipped: 2,
            failed: 0,
        };
        assert_eq!(
            s.to_string(),
            "3 papers, 40 checks passed, 2 skipped, 0 failed"
        );
    }
}

#[cfg(test)]
mod timing_metric_tests {
    use super::is_timing_metric;

    #[test]
    fn speed_metrics_are_not_compared_for_determinism() {
        assert!(is_timing_metric("train_examples_per_second"));
        assert!(is_timing_metric("train_seconds"));
        assert!(!is_timing_metric("test_accuracy"));
        assert!(!is_timing_metric("seconds_left_over_accuracy"));
    }
}
