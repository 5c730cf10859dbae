//! Loading and cross-checking the configs of a project directory.

use super::schema::*;
use super::{error_at, parse_toml};
use crate::error::{io_err, HarnessError};
use crate::registry;
use crate::Result;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use super::paper::LoadedPaper;

/// Most seeds per (variant, dataset) a config may declare (`seeds.count`, `seeds.per_dataset`):
/// 10,000. Checked when the config is loaded, before any run matrix is allocated.
pub const MAX_SEEDS: usize = 10_000;

/// Everything under `configs/`, loaded and validated.
#[derive(Debug, Clone)]
pub struct Project {
    /// Repository root (the directory holding `configs/`).
    pub root: PathBuf,
    /// `configs/datasets.toml`.
    pub datasets: DatasetRegistry,
    /// Papers by id (only the valid ones).
    pub papers: BTreeMap<String, LoadedPaper>,
    /// Paper configs that failed to load or validate, by paper id (the file stem), with the
    /// error (`file:line: message`). Commands that do not need them (`list`, `report` of other
    /// papers) report and skip them; [`Project::paper`] on one of them is that error, so a
    /// `run` that needs it fails; `check` fails while any is here
    /// ([`Project::require_all_valid`]).
    pub broken: BTreeMap<String, String>,
    /// Comparisons and multi-comparisons of valid papers that were left out because they
    /// reference a paper in [`Project::broken`], by referencing paper: one sentence each, naming
    /// the comparison and the broken paper. The referencing paper is otherwise used as usual,
    /// except that its whole-paper tables are not republished while incomplete.
    pub unavailable: BTreeMap<String, Vec<String>>,
}

impl Project {
    /// Loads `configs/datasets.toml` and every `configs/papers/*.toml` under `root`, and checks
    /// each paper against the dataset registry and its reproduction. A paper config with a
    /// problem does not stop the others: it is put in [`Project::broken`] with its error.
    ///
    /// Errors: `configs/datasets.toml` (or the papers directory) cannot be read or is invalid,
    /// with `file:line` and what to fix.
    pub fn load(root: &Path) -> Result<Self> {
        let datasets = load_dataset_registry(&root.join("configs/datasets.toml"))?;
        let dir = root.join("configs/papers");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io_err(&dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        entries.sort();
        let mut papers = BTreeMap::new();
        let mut broken = BTreeMap::new();
        for path in entries {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match load_paper(&path, &datasets) {
                Ok(paper) => {
                    papers.insert(paper.id().to_string(), paper);
                }
                Err(e) => {
                    broken.insert(stem, e.to_string());
                }
            }
        }
        let unavailable = super::method_refs::settle(&mut papers, &mut broken);
        Ok(Self {
            root: root.to_path_buf(),
            datasets,
            papers,
            broken,
            unavailable,
        })
    }

    /// Errors with the first broken paper config (all of them listed), for `check`.
    pub fn require_all_valid(&self) -> Result<()> {
        if self.broken.is_empty() {
            return Ok(());
        }
        Err(HarnessError::BrokenConfigs {
            errors: self.broken.values().cloned().collect(),
        })
    }

    /// One line per broken paper config, for commands that skip them (`list`, `report`), then
    /// one per comparison left out because it references a broken paper
    /// ([`Project::unavailable`]).
    pub fn broken_warnings(&self) -> Vec<String> {
        self.broken
            .iter()
            .map(|(id, e)| format!("paper `{id}` skipped: {e}"))
            .chain(self.unavailable.values().flatten().cloned())
            .collect()
    }

    /// The paper `id`; the error is the paper's own config error when its config is broken,
    /// else lists the known ids.
    pub fn paper(&self, id: &str) -> Result<&LoadedPaper> {
        if let Some(e) = self.broken.get(id) {
            return Err(HarnessError::BrokenPaper {
                id: id.to_string(),
                error: e.clone(),
            });
        }
        self.papers
            .get(id)
            .ok_or_else(|| HarnessError::UnknownPaper {
                id: id.to_string(),
                known: self.papers.keys().cloned().collect(),
            })
    }

    /// Path of suite `name`.
    pub fn suite_path(&self, name: &str) -> PathBuf {
        self.root
            .join("configs/suites")
            .join(format!("{name}.toml"))
    }
}

/// A files dataset declares files and no environment; an environment declares its id and no
/// files.
fn check_kind(path: &Path, name: &str, spec: &DatasetSpec) -> Result<()> {
    let message = match (
        spec.kind,
        spec.files.is_empty(),
        spec.environment.as_deref(),
    ) {
        (DatasetKind::Files, true, _) => "`files` is empty; declare at least one file",
        (DatasetKind::Files, false, Some(_)) => {
            "`environment` is only for `kind = \"environment\"`"
        }
        (DatasetKind::Environment, _, None | Some("")) => {
            "`kind = \"environment\"` needs `environment = \"<id>\"` (e.g. \"CartPole-v1\")"
        }
        (DatasetKind::Environment, false, _) => "an environment has no `files`",
        _ => return Ok(()),
    };
    Err(HarnessError::Config {
        location: path.display().to_string(),
        message: format!("datasets.{name}: {message}"),
    })
}

/// SHA-256 (lower-case hex) of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(io_err(path))
}

/// Loads and checks `configs/datasets.toml`: checksums are 64 lower-case hex digits, paths are
/// plain relative file paths (not empty, not `.`, no `..`, not absolute), URLs are `https://`
/// (see [`super::check_url`]).
pub fn load_dataset_registry(path: &Path) -> Result<DatasetRegistry> {
    let text = read(path)?;
    let reg: DatasetRegistry = parse_toml(path, &text)?;
    for (name, spec) in &reg.datasets {
        check_kind(path, name, spec)?;
        for f in &spec.files {
            let bad = |m: String| HarnessError::Config {
                location: path.display().to_string(),
                message: format!("datasets.{name}, file `{}`: {m}", f.path),
            };
            if f.sha256.len() != 64
                || !f
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            {
                return Err(bad(format!(
                    "sha256 must be 64 lower-case hex digits, got `{}`",
                    f.sha256
                )));
            }
            if let Err(m) = super::check_relative_path(&f.path) {
                return Err(bad(m));
            }
            for url in &f.urls {
                if let Err(m) = super::check_url(url, super::loopback_http_allowed()) {
                    return Err(bad(m));
                }
            }
        }
    }
    Ok(reg)
}

/// Loads `path` as a paper config and checks it: the id matches the file name and a registered
/// reproduction; datasets exist; every variant deserializes into the reproduction's typed
/// hyperparameters; claims and comparisons name existing variants, datasets and metrics.
pub fn load_paper(path: &Path, datasets: &DatasetRegistry) -> Result<LoadedPaper> {
    let text = read(path)?;
    let config: PaperConfig = parse_toml(path, &text)?;
    let paper = LoadedPaper {
        path: path.to_path_buf(),
        text,
        config,
    };
    check_paper(&paper, datasets)?;
    Ok(paper)
}

fn check_paper(p: &LoadedPaper, registry_ds: &DatasetRegistry) -> Result<()> {
    let c = &p.config;
    let here = |m: String| HarnessError::Config {
        location: p.path.display().to_string(),
        message: m,
    };
    let stem = p.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != c.paper.id {
        return Err(here(format!(
            "paper.id `{}` must equal the file name `{stem}.toml`",
            c.paper.id
        )));
    }
    let repro = registry::find(&c.paper.id).ok_or_else(|| {
        here(format!(
            "paper.id `{}` has no reproduction registered (known: {}); add the crate to harness/src/registry.rs",
            c.paper.id,
            registry::ids().join(", ")
        ))
    })?;
    if c.seeds.count == 0 || c.seeds.count > MAX_SEEDS {
        return Err(p.error(
            key_span(p, "seeds", "count"),
            format!(
                "seeds.count = {}: must be between 1 and {MAX_SEEDS}",
                c.seeds.count
            ),
        ));
    }
    for (d, n) in &c.seeds.per_dataset {
        if *n == 0 || *n > MAX_SEEDS {
            return Err(p.error(
                per_dataset_span(p, d),
                format!("seeds.per_dataset.{d} = {n}: must be between 1 and {MAX_SEEDS}"),
            ));
        }
    }
    let most = std::iter::once(c.seeds.count)
        .chain(c.seeds.per_dataset.values().copied())
        .max()
        .unwrap_or(0);
    if c.seeds.start.checked_add(most as u64).is_none() {
        return Err(p.error(
            key_span(p, "seeds", "start"),
            format!(
                "seeds.start = {}: start + count overflows a 64-bit seed",
                c.seeds.start
            ),
        ));
    }
    let ds_names: BTreeSet<&str> = c.datasets.iter().map(|d| d.get_ref().as_str()).collect();
    for d in &c.datasets {
        if !registry_ds.datasets.contains_key(d.get_ref()) {
            return Err(p.error(
                d.span(),
                format!(
                    "datasets: `{}` is not declared in configs/datasets.toml (declared: {})",
                    d.get_ref(),
                    registry_ds
                        .datasets
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    for k in c.seeds.per_dataset.keys() {
        if !ds_names.contains(k.as_str()) {
            return Err(p.error(
                per_dataset_span(p, k),
                format!("seeds.per_dataset: `{k}` is not one of this paper's datasets"),
            ));
        }
    }
    if c.variants.is_empty() {
        return Err(here("declare at least one [variants.<name>] table".into()));
    }
    for (name, table) in &c.variants {
        repro.validate_variant(name, table.get_ref()).map_err(|e| {
            let message = super::humanize(&e.to_string());
            // the table runs from its header to the next `[header]`
            let start = table.span().start;
            let end = p.text[table.span().end.min(p.text.len())..]
                .find("\n[")
                .map_or(p.text.len(), |i| table.span().end + i);
            let span = offending_key(&message, table.get_ref())
                .and_then(|k| key_line_in(p, start..end, &k))
                .unwrap_or(table.span());
            p.error(span, format!("[variants.{name}]: {message}"))
        })?;
    }
    for (name, spec) in &c.metrics {
        if !repro.metrics().contains(&name.as_str()) {
            return Err(here(format!(
                "[metrics.{name}]: the reproduction does not report `{name}` (it reports: {})",
                repro.metrics().join(", ")
            )));
        }
        if let Some(m) = spec.margin.filter(|m| !(m.is_finite() && *m > 0.0)) {
            return Err(here(format!(
                "[metrics.{name}]: `margin = {m}` must be a finite number > 0 in the metric's unit ({}), e.g. 0.01 for one point of a 0-1 accuracy; omit it for the default (1% of the claim)",
                spec.unit
            )));
        }
    }
    super::protocol::check_protocols(&c.metrics, &|span, m| p.error(span, m))?;
    check_variant_datasets(p, &ds_names)?;
    let variant = |v: &toml::Spanned<String>, field: &str| -> Result<()> {
        if c.variants.contains_key(v.get_ref()) {
            Ok(())
        } else {
            Err(p.error(
                v.span(),
                format!(
                    "{field}: unknown variant `{}` (variants: {})",
                    v.get_ref(),
                    c.variants.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ))
        }
    };
    let dataset = |d: &toml::Spanned<String>, field: &str| -> Result<()> {
        if ds_names.contains(d.get_ref().as_str()) {
            Ok(())
        } else {
            Err(p.error(
                d.span(),
                format!(
                    "{field}: `{}` is not in this paper's `datasets` ({})",
                    d.get_ref(),
                    ds_names.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ))
        }
    };
    // a (variant, dataset) pair `[variant_datasets]` leaves out of the run matrix has no runs
    let runs_on = |v: &toml::Spanned<String>,
                   d: &toml::Spanned<String>,
                   field: &str|
     -> Result<()> {
        if p.runs_on(v.get_ref(), d.get_ref()) {
            return Ok(());
        }
        Err(p.error(
            d.span(),
            format!(
                "{field}: variant `{}` does not run on `{}` ([variant_datasets] lists its datasets: {}); add the dataset there or name another",
                v.get_ref(),
                d.get_ref(),
                c.variant_datasets[v.get_ref()]
                    .iter()
                    .map(|d| d.get_ref().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    };
    let metric = |m: &toml::Spanned<String>, field: &str| -> Result<&MetricSpec> {
        c.metrics.get(m.get_ref()).ok_or_else(|| {
            p.error(
                m.span(),
                format!(
                    "{field}: unknown metric `{}` (declare it under [metrics]; declared: {})",
                    m.get_ref(),
                    c.metrics.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let mut ids = BTreeSet::new();
    for cl in &c.claims {
        let f = format!("claim `{}`", cl.id);
        if !ids.insert(cl.id.clone()) {
            return Err(p.error(cl.variant.span(), format!("{f}: duplicate claim id")));
        }
        variant(&cl.variant, &format!("{f}, field `variant`"))?;
        dataset(&cl.dataset, &format!("{f}, field `dataset`"))?;
        runs_on(&cl.variant, &cl.dataset, &format!("{f}, field `dataset`"))?;
        metric(&cl.metric, &format!("{f}, field `metric`"))?;
        if !cl.value.is_finite() {
            return Err(p.error(
                cl.metric.span(),
                format!("{f}: `value` must be a finite number"),
            ));
        }
        if cl
            .standard_error
            .is_some_and(|s| !(s >= 0.0 && s.is_finite()))
        {
            return Err(p.error(
                cl.metric.span(),
                format!("{f}: `standard_error` must be a finite number ≥ 0"),
            ));
        }
        if let Some(pr) = &cl.published_runs {
            if pr.values.len() < 2 || pr.values.iter().any(|v| !v.is_finite()) {
                return Err(p.error(
                    cl.metric.span(),
                    format!(
                        "{f}: `published_runs.values` must hold at least 2 finite numbers (got {}), one per published run",
                        pr.values.len()
                    ),
                ));
            }
            if pr.source.trim().is_empty() {
                return Err(p.error(
                    cl.metric.span(),
                    format!("{f}: `published_runs.source` must say where the values are printed"),
                ));
            }
            let mut seen = BTreeSet::new();
            for cand in &pr.candidates {
                let field = format!("{f}, field `published_runs.candidates`");
                variant(cand, &field)?;
                if cand.get_ref() == cl.variant.get_ref() || !seen.insert(cand.get_ref().clone()) {
                    return Err(p.error(
                        cand.span(),
                        format!(
                            "{field}: `{}` is listed twice or is the claim's own variant; list each other variant once",
                            cand.get_ref()
                        ),
                    ));
                }
            }
        }
        if let Some(r) = cl.resolution {
            if !(r.is_finite() && r > 0.0) {
                return Err(p.error(
                    cl.metric.span(),
                    format!("{f}: `resolution` = {r} must be a finite number > 0 (e.g. 0.01 for a value printed to two decimals); omit it for an exact value"),
                ));
            }
        }
        if let ReportedAs::MeanOf { n: 0 } | ReportedAs::BestOf { n: 0 } = cl.reported_as {
            return Err(p.error(
                cl.metric.span(),
                format!("{f}: `reported_as.n` must be at least 1"),
            ));
        }
    }
    let mut cids = BTreeSet::new();
    for cmp in &c.comparisons {
        let f = format!("comparison `{}`", cmp.id);
        if !cids.insert(cmp.id.clone()) {
            return Err(p.error(cmp.method.span(), format!("{f}: duplicate comparison id")));
        }
        // methods of other papers are checked once every paper is loaded (`check_method_refs`)
        for (r, field) in [(&cmp.method, "method"), (&cmp.baseline, "baseline")] {
            if r.get_ref().paper(&c.paper.id) == c.paper.id {
                let v = toml::Spanned::new(r.span(), r.get_ref().variant().to_string());
                variant(&v, &format!("{f}, field `{field}`"))?;
            }
        }
        let m = metric(&cmp.metric, &format!("{f}, field `metric`"))?;
        if let Some(bm) = &cmp.baseline_metric {
            let b = metric(bm, &format!("{f}, field `baseline_metric`"))?;
            if b.better != m.better || b.unit != m.unit {
                return Err(p.error(
                    bm.span(),
                    format!(
                        "{f}: `baseline_metric` must have the same direction and unit as `metric`"
                    ),
                ));
            }
        }
        if cmp.reported_datasets.is_empty() {
            return Err(p.error(
                cmp.method.span(),
                format!("{f}: `reported_datasets` must name at least one dataset"),
            ));
        }
        for d in &cmp.reported_datasets {
            dataset(d, &format!("{f}, field `reported_datasets`"))?;
            for r in cmp.run_refs() {
                if r.get_ref().paper(&c.paper.id) == c.paper.id {
                    let v = toml::Spanned::new(r.span(), r.get_ref().variant().to_string());
                    runs_on(&v, d, &format!("{f}, field `reported_datasets`"))?;
                }
            }
        }
        if let Some(t) = &cmp.tuned_baseline {
            let field = format!("{f}, field `tuned_baseline.method`");
            if t.method.get_ref().paper(&c.paper.id) == c.paper.id {
                let v =
                    toml::Spanned::new(t.method.span(), t.method.get_ref().variant().to_string());
                variant(&v, &field)?;
            }
            if t.method.get_ref() == cmp.baseline.get_ref() {
                return Err(p.error(
                    t.method.span(),
                    format!("{field}: the tuned baseline must be other runs than `baseline` (a variant whose run searches the baseline's hyperparameters)"),
                ));
            }
            if t.budget.trim().is_empty() {
                return Err(p.error(
                    t.method.span(),
                    format!("{f}, field `tuned_baseline.budget`: say what was searched, how many trials, on which validation split"),
                ));
            }
            if let Some(m) = &t.cost_metric {
                metric(m, &format!("{f}, field `tuned_baseline.cost_metric`"))?;
            }
        }
    }
    let mut tids = BTreeSet::new();
    for t in &c.tradeoffs {
        let f = format!("tradeoff `{}`", t.id);
        if !tids.insert(t.id.clone()) {
            return Err(p.error(t.x.span(), format!("{f}: duplicate tradeoff id")));
        }
        metric(&t.x, &format!("{f}, field `x`"))?;
        metric(&t.y, &format!("{f}, field `y`"))?;
        for b in &t.beside {
            metric(b, &format!("{f}, field `beside`"))?;
        }
        for v in &t.variants {
            variant(v, &format!("{f}, field `variants`"))?;
        }
    }
    Ok(())
}

/// `[variant_datasets]`: each key a declared variant, each list non-empty, without repeats, of
/// the paper's datasets. Errors name the line.
fn check_variant_datasets(p: &LoadedPaper, ds_names: &BTreeSet<&str>) -> Result<()> {
    let c = &p.config;
    let span = |v: &str| key_span(p, "variant_datasets", v);
    for (v, ds) in &c.variant_datasets {
        if !c.variants.contains_key(v) {
            return Err(p.error(
                span(v),
                format!(
                    "variant_datasets.{v}: unknown variant `{v}` (variants: {})",
                    c.variants.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if ds.is_empty() {
            return Err(p.error(
                span(v),
                format!("variant_datasets.{v}: list at least one dataset (a variant that runs nowhere belongs out of the config)"),
            ));
        }
        let mut seen = BTreeSet::new();
        for d in ds {
            if !ds_names.contains(d.get_ref().as_str()) {
                return Err(p.error(
                    d.span(),
                    format!(
                        "variant_datasets.{v}: `{}` is not in this paper's `datasets` ({})",
                        d.get_ref(),
                        ds_names.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            if !seen.insert(d.get_ref().as_str()) {
                return Err(p.error(
                    d.span(),
                    format!("variant_datasets.{v}: `{}` is listed twice", d.get_ref()),
                ));
            }
        }
    }
    Ok(())
}

/// The byte range of the `[table]` section of the paper's text: from its header line to the
/// next line that starts a header (`[`), or the end of the text. `None` without such a header.
fn section(p: &LoadedPaper, table: &str) -> Option<std::ops::Range<usize>> {
    let header = format!("[{table}]");
    let mut offset = 0;
    let mut start = None;
    for line in p.text.split_inclusive('\n') {
        let t = line.trim();
        match start {
            None if t.starts_with(&header) => start = Some(offset),
            Some(s) if t.starts_with('[') => return Some(s..offset),
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| s..p.text.len())
}

/// Span of the line `key = …` inside the `[table]` section of the paper's text (for messages);
/// the section's header when the key is not there, the whole file's start without the section.
fn key_span(p: &LoadedPaper, table: &str, key: &str) -> std::ops::Range<usize> {
    match section(p, table) {
        Some(s) => key_line_in(p, s.clone(), key).unwrap_or(s.start..s.start),
        None => 0..0,
    }
}

/// Span of the line that sets the seeds of `dataset` in `seeds.per_dataset`: its line in a
/// `[seeds.per_dataset]` section, else the `per_dataset = { … }` line of `[seeds]`.
fn per_dataset_span(p: &LoadedPaper, dataset: &str) -> std::ops::Range<usize> {
    section(p, "seeds.per_dataset")
        .and_then(|s| key_line_in(p, s, dataset))
        .unwrap_or_else(|| key_span(p, "seeds", "per_dataset"))
}

/// The byte span of the first line within `within` of the paper's text that assigns `key`
/// (`key = …`, possibly quoted).
fn key_line_in(
    p: &LoadedPaper,
    within: std::ops::Range<usize>,
    key: &str,
) -> Option<std::ops::Range<usize>> {
    let text = p.text.get(within.clone())?;
    let mut offset = within.start;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let t = t.trim_start_matches(['"', '\'']);
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start_matches(['"', '\'']).trim_start();
            if rest.starts_with('=') {
                return Some(offset..offset + line.len());
            }
        }
        offset += line.len();
    }
    None
}

/// The hyperparameter a reproduction's error message is about: the first backticked name in it
/// that is a key of the variant's table, else the first word of the message that is a key of
/// the table (`momentum must be in [0, 1), got -5`), else the first backticked name.
fn offending_key(message: &str, table: &toml::Table) -> Option<String> {
    let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let word = || {
        message
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
            .find(|w| table.contains_key(*w))
    };
    names
        .iter()
        .copied()
        .find(|n| table.contains_key(*n))
        .or_else(word)
        .or_else(|| names.first().copied())
        .map(|s| s.to_string())
}

/// Loads `configs/suites/<name>.toml` and checks that its papers, variants and datasets exist.
/// Papers whose config is broken ([`Project::broken`]) are left out of the suite (the project
/// reports each with its own error), so the rest of the suite still runs.
pub fn load_suite(project: &Project, name: &str) -> Result<SuiteConfig> {
    let path = project.suite_path(name);
    if !path.exists() {
        let dir = project.root.join("configs/suites");
        let known: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.path()
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Err(HarnessError::UnknownSuite {
            name: name.to_string(),
            path,
            known,
        });
    }
    let text = read(&path)?;
    let mut suite: SuiteConfig = parse_toml(&path, &text)?;
    // a broken paper is skipped (its error is reported when the project loads)
    suite
        .papers
        .retain(|e| !project.broken.contains_key(e.id.get_ref()));
    for e in &suite.papers {
        let paper = project.papers.get(e.id.get_ref()).ok_or_else(|| {
            error_at(
                &path,
                &text,
                e.id.span(),
                format!("unknown paper `{}`", e.id.get_ref()),
            )
        })?;
        for v in e.variants.iter().flatten() {
            if !paper.config.variants.contains_key(v.get_ref()) {
                return Err(error_at(
                    &path,
                    &text,
                    v.span(),
                    format!("paper `{}` has no variant `{}`", paper.id(), v.get_ref()),
                ));
            }
        }
        for d in e.datasets.iter().flatten() {
            if !paper
                .config
                .datasets
                .iter()
                .any(|x| x.get_ref() == d.get_ref())
            {
                return Err(error_at(
                    &path,
                    &text,
                    d.span(),
                    format!("paper `{}` has no dataset `{}`", paper.id(), d.get_ref()),
                ));
            }
        }
        if let Some(n) = e.seeds {
            if n == 0 || n > MAX_SEEDS {
                return Err(error_at(
                    &path,
                    &text,
                    e.id.span(),
                    format!("seeds = {n}: must be between 1 and {MAX_SEEDS}"),
                ));
            }
        }
    }
    Ok(suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> LoadedPaper {
        LoadedPaper {
            path: PathBuf::from("p.toml"),
            text: text.to_string(),
            config: toml::from_str(
                "datasets = []\n[paper]\nid = \"p\"\ntitle = \"t\"\nauthors = []\nyear = 1\ncitation = \"c\"\nurl = \"u\"\n[seeds]\ncount = 1\n[metrics.m]\nbetter = \"higher\"\nunit = \"u\"\ndescription = \"d\"\n[variants.v]\na = 1\n",
            )
            .unwrap(),
        }
    }

    /// Issue 28 item 3: an error without backticks names the key in words; it is found.
    #[test]
    fn the_offending_key_is_found_in_plain_words_too() {
        let table: toml::Table = toml::from_str("lr = 0.1\nmomentum = -5\n").unwrap();
        let msg = "variant `v`: invalid hyperparameters: invalid value: momentum must be in [0, 1), got -5";
        assert_eq!(offending_key(msg, &table).as_deref(), Some("momentum"));
        assert_eq!(
            offending_key("unknown field `wieght`", &table).as_deref(),
            Some("wieght")
        );
    }

    /// Issue 28 item 3: `seeds.per_dataset` errors point at the line that sets the dataset's
    /// seeds, inline or in its own section, and `seeds.count` at its line in `[seeds]` only.
    #[test]
    fn seed_errors_point_at_the_line_of_their_key() {
        let inline = loaded("[paper]\nid = 1\n[seeds]\nstart = 0\ncount = 3\nper_dataset = { a = 0 }\n[variants.v]\ncount = 9\n");
        let line = |p: &LoadedPaper, span: std::ops::Range<usize>| {
            super::super::line_of(&p.text, span.start)
        };
        assert_eq!(line(&inline, per_dataset_span(&inline, "a")), 6);
        assert_eq!(line(&inline, key_span(&inline, "seeds", "count")), 5);
        let section = loaded("[seeds]\ncount = 3\n[seeds.per_dataset]\nb = 2\na = 0\n");
        assert_eq!(line(&section, per_dataset_span(&section, "a")), 5);
        // a key missing from its section: the section's header, never another table's key
        let missing = loaded("[seeds]\nstart = 0\n[variants.v]\ncount = 9\n");
        assert_eq!(line(&missing, key_span(&missing, "seeds", "count")), 1);
    }
}
