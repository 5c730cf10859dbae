//! The run matrix (variant × dataset × seed), reuse of stored records, and the scheduler that
//! runs the missing ones in parallel (each run pinned to a fixed thread budget so its numbers
//! stay bitwise reproducible).

pub mod claim;
pub mod estimate;
mod progress;
pub mod shard;

pub use estimate::Estimate;
pub use progress::Ui;
pub use shard::Shard;

use crate::config::{load_suite, LoadedPaper, Project};
use crate::data::Fetcher;
use crate::error::HarnessError;
use crate::record::{provenance::now_utc, Environment, RecordMeta, RecordStatus, RunRecord, Store};
use crate::{registry, Result, RunId};
use repro_kit::{ResolvedDataset, RunContext};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

/// Which runs of one paper to include.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Paper id.
    pub paper: String,
    /// Variants (None = all).
    pub variants: Option<Vec<String>>,
    /// Datasets (None = all of the paper's).
    pub datasets: Option<Vec<String>>,
    /// Cap on the number of seeds (None = the paper's count).
    pub seeds: Option<usize>,
}

impl Selection {
    /// Every run of paper `id`'s config: all its variants, datasets and seeds.
    pub fn whole_paper(id: impl Into<String>) -> Self {
        Self {
            paper: id.into(),
            variants: None,
            datasets: None,
            seeds: None,
        }
    }
}

/// The selections of suite `name`.
pub fn suite_selections(project: &Project, name: &str) -> Result<Vec<Selection>> {
    let suite = load_suite(project, name)?;
    Ok(suite
        .papers
        .iter()
        .map(|e| Selection {
            paper: e.id.get_ref().clone(),
            variants: e
                .variants
                .as_ref()
                .map(|v| v.iter().map(|s| s.get_ref().clone()).collect()),
            datasets: e
                .datasets
                .as_ref()
                .map(|v| v.iter().map(|s| s.get_ref().clone()).collect()),
            seeds: e.seeds,
        })
        .collect())
}

/// One planned run: its [`RunId`] and everything that defines its result. It dereferences to
/// its id, so `spec.paper`, `spec.variant`, `spec.dataset` and `spec.seed` read the id's fields.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Which run: paper, variant, dataset, seed.
    pub id: RunId,
    /// The variant's hyperparameters.
    pub hyperparameters: toml::Table,
    /// Declared SHA-256 of each dataset file.
    pub dataset_sha256: BTreeMap<String, String>,
    /// The reproduction's version.
    pub reproduction_version: String,
    /// Hex SHA-256 of the code that trains the run ([`repro_kit::Reproduction::code_hash`]:
    /// kit and reproduction sources, numerical dependency versions).
    pub code_hash: String,
}

impl std::ops::Deref for RunSpec {
    type Target = RunId;

    /// The run's id.
    fn deref(&self) -> &RunId {
        &self.id
    }
}

impl RunSpec {
    /// The canonical JSON of what defines the run (sorted keys): paper, reproduction version,
    /// code hash, variant and its hyperparameters, dataset and its files' checksums, seed.
    pub fn canonical(&self) -> String {
        let v = serde_json::json!({
            "paper": self.paper,
            "reproduction_version": self.reproduction_version,
            "code_hash": self.code_hash,
            "variant": self.variant,
            "hyperparameters": self.hyperparameters,
            "dataset": self.dataset,
            "dataset_sha256": self.dataset_sha256,
            "seed": self.seed,
        });
        serde_json::to_string(&v).unwrap_or_default()
    }

    /// Hex SHA-256 of [`RunSpec::canonical`]: the record key. A record whose key matches is
    /// reused; any change to the config content of this run, the dataset, the reproduction
    /// version or the code that trains (kit or reproduction crate sources) changes it.
    pub fn key(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }

    /// `paper variant dataset seed N`, for messages ([`RunId::label`]).
    pub fn label(&self) -> String {
        self.id.label()
    }
}

/// Most runs one plan may hold (1,000,000): checked by arithmetic before anything is
/// allocated.
pub const MAX_PLANNED_RUNS: usize = 1_000_000;

/// `names` without repeats, first occurrence kept (`--variant a --variant a` runs `a` once).
fn dedup_keep_order(names: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    names
        .iter()
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// The run matrix of `selections`, in a stable order (paper, variant, dataset, seed).
/// Repeated variants/datasets are taken once.
///
/// Errors: an unknown or broken paper ([`HarnessError::UnknownPaper`],
/// [`HarnessError::BrokenPaper`]) or one without a registered reproduction
/// ([`HarnessError::NotRegistered`]); [`HarnessError::Selection`] for a variant or dataset the
/// paper does not declare (the message lists the valid names), `seeds = 0`, or more than
/// [`MAX_PLANNED_RUNS`] runs.
pub fn plan(project: &Project, selections: &[Selection]) -> Result<Vec<RunSpec>> {
    let mut runs = Vec::new();
    let mut total: usize = 0;
    let mut seen_selection = std::collections::BTreeSet::new();
    for sel in selections {
        let paper = project.paper(&sel.paper)?;
        let repro = registry::find(paper.id()).ok_or_else(|| HarnessError::NotRegistered {
            paper: paper.id().to_string(),
        })?;
        if sel.seeds == Some(0) {
            return Err(HarnessError::Selection(format!(
                "paper `{}`: the number of seeds (--seeds) must be at least 1",
                paper.id()
            )));
        }
        let variants: Vec<String> = match &sel.variants {
            Some(v) => dedup_keep_order(v),
            None => paper.config.variants.keys().cloned().collect(),
        };
        let declared: Vec<String> = paper
            .config
            .datasets
            .iter()
            .map(|d| d.get_ref().clone())
            .collect();
        let datasets: Vec<String> = match &sel.datasets {
            Some(d) => dedup_keep_order(d),
            None => declared.clone(),
        };
        for v in &variants {
            if !paper.config.variants.contains_key(v) {
                return Err(HarnessError::Selection(format!(
                    "paper `{}` has no variant `{v}`; its variants: {}",
                    paper.id(),
                    paper
                        .config
                        .variants
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        for d in &datasets {
            if !declared.contains(d) {
                return Err(HarnessError::Selection(format!(
                    "paper `{}` does not declare dataset `{d}`; its datasets: {}",
                    paper.id(),
                    declared.join(", ")
                )));
            }
        }
        // `[variant_datasets]` leaves some (variant, dataset) pairs out of the matrix
        let pairs: Vec<(&String, &String)> = variants
            .iter()
            .flat_map(|v| datasets.iter().map(move |d| (v, d)))
            .filter(|(v, d)| paper.runs_on(v, d))
            .collect();
        if pairs.is_empty() {
            return Err(HarnessError::Selection(format!(
                "paper `{}`: the selected variants do not run on the selected datasets ([variant_datasets] in {}); select another dataset",
                paper.id(),
                paper.path.display()
            )));
        }
        for (_, dataset) in &pairs {
            let n = paper.seeds_for_count(dataset, sel.seeds);
            total = total.saturating_add(n);
        }
        if total > MAX_PLANNED_RUNS {
            return Err(HarnessError::Selection(format!(
                "the selection plans {total} runs, more than the ceiling of {MAX_PLANNED_RUNS}; select fewer papers, variants, datasets or seeds"
            )));
        }
        for &(variant, dataset) in &pairs {
            let table = paper.config.variants.get(variant).ok_or_else(|| {
                HarnessError::Selection(format!(
                    "paper `{}` has no variant `{variant}`",
                    paper.id()
                ))
            })?;
            let spec = project.datasets.datasets.get(dataset).ok_or_else(|| {
                HarnessError::Selection(format!("dataset `{dataset}` is not declared"))
            })?;
            let shas: BTreeMap<String, String> = spec
                .files
                .iter()
                .map(|f| (f.path.clone(), f.sha256.clone()))
                .collect();
            for seed in paper.seeds_for(dataset, sel.seeds) {
                // the same run selected twice (e.g. a paper listed twice) is planned once
                if !seen_selection.insert((
                    paper.id().to_string(),
                    variant.clone(),
                    dataset.clone(),
                    seed,
                )) {
                    continue;
                }
                runs.push(RunSpec {
                    id: RunId::new(paper.id(), variant.as_str(), dataset.as_str(), seed),
                    hyperparameters: table.get_ref().clone(),
                    dataset_sha256: shas.clone(),
                    reproduction_version: repro.version().to_string(),
                    code_hash: repro.code_hash(),
                });
            }
        }
    }
    Ok(runs)
}

/// Options of [`execute`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Runs executed at the same time.
    pub jobs: usize,
    /// Compute threads per run (recorded in provenance).
    pub threads_per_run: usize,
    /// Recompute runs even when a matching record exists.
    pub rerun: bool,
}

/// What [`execute`] did.
#[derive(Debug, Default)]
pub struct RunSummary {
    /// Records reused from the store.
    pub reused: usize,
    /// Runs computed now.
    pub computed: usize,
    /// Of `reused`: runs planned for computing whose record another process on the same
    /// results directory wrote meanwhile ([`claim`]), reused instead of computed again.
    pub written_by_others: usize,
    /// Runs that ended in an error (their records say why).
    pub errors: Vec<String>,
    /// Wall-clock seconds of the whole execution.
    pub wall_seconds: f64,
    /// Seconds per computed run, by (paper, variant), summed: (count, total seconds).
    pub seconds_by_variant: BTreeMap<(String, String), (usize, f64)>,
    /// Runs left uncomputed because their dataset is not available here, by dataset.
    pub unavailable: BTreeMap<String, NotAvailable>,
}

/// The runs of one dataset that no copy here could serve (offline, in no mirror): not computed,
/// no record written, and said so with the command that fetches the dataset.
#[derive(Debug, Clone, Default)]
pub struct NotAvailable {
    /// Papers whose runs need the dataset.
    pub papers: std::collections::BTreeSet<String>,
    /// How many runs were left uncomputed.
    pub runs: usize,
}

impl NotAvailable {
    /// `harness fetch --paper P… --dataset D`: what resolves (downloads and verifies) `dataset`.
    pub fn fetch_command(&self, dataset: &str) -> String {
        let papers: Vec<String> = self.papers.iter().map(|p| format!("--paper {p}")).collect();
        format!("harness fetch {} --dataset {dataset}", papers.join(" "))
    }
}

impl RunSummary {
    /// Runs left uncomputed because their dataset is not available here (all datasets).
    pub fn not_computed(&self) -> usize {
        self.unavailable.values().map(|u| u.runs).sum()
    }

    /// What `harness run` prints after executing `planned` runs with `opts`, before the
    /// verdict tables: the counts, wall time and where the records are (`runs_dir`), and the
    /// mean seconds per run of each (paper, variant). The notes on reused records come last
    /// ([`RunSummary::closing_notes`]).
    pub fn describe(
        &self,
        planned: usize,
        opts: &RunOptions,
        runs_dir: &std::path::Path,
    ) -> String {
        use crate::out::plural;
        use std::fmt::Write as _;
        let mut out = String::new();
        let missing = self.not_computed();
        let _ = writeln!(
            out,
            "{}: {} computed, {} reused, {} errors{}; wall time {:.1} s ({} × {}); records in {}",
            plural(planned, "run", "runs"),
            self.computed,
            self.reused,
            self.errors.len(),
            if missing > 0 {
                format!(", {missing} not computed (dataset not available here)")
            } else {
                String::new()
            },
            self.wall_seconds,
            plural(opts.jobs, "parallel run", "parallel runs"),
            plural(opts.threads_per_run, "thread", "threads"),
            runs_dir.display()
        );
        for ((paper, variant), (n, secs)) in &self.seconds_by_variant {
            let _ = writeln!(
                out,
                "  {paper} {variant}: {}, {:.1} s per run",
                plural(*n, "run", "runs"),
                secs / *n as f64
            );
        }
        out
    }

    /// The closing lines of `harness run`, printed after the tables so they do not scroll away
    /// (issue 28): runs another process wrote meanwhile, how many records were reused from
    /// the store rather than recomputed (with the command that recomputes a sample of them), and
    /// the runs whose dataset is not available here (with the command that fetches it). Empty
    /// when every run was computed here.
    pub fn closing_notes(&self) -> String {
        use crate::out::plural;
        use std::fmt::Write as _;
        let mut out = String::new();
        for (dataset, u) in &self.unavailable {
            let _ = writeln!(
                out,
                "{} not computed: dataset `{dataset}` is not available here (no copy in the cache, \
                 data/ or a mirror, and --offline); `{}` (online), or put its files under a mirror \
                 and pass `--data-dir MIRROR`, then run again",
                plural(u.runs, "run", "runs"),
                u.fetch_command(dataset)
            );
        }
        if self.written_by_others > 0 {
            let _ = writeln!(
                out,
                "{} written meanwhile by another harness process on this results directory, reused \
                 instead of computed twice",
                plural(self.written_by_others, "run was", "runs were")
            );
        }
        let stored = self.reused - self.written_by_others.min(self.reused);
        if stored > 0 {
            let _ = writeln!(
                out,
                "{} reused from stored records (committed, or from an earlier run here), not recomputed; \
                 to recompute a random sample and compare: cargo run --release -p harness -- verify --sample 5",
                plural(stored, "run was", "runs were")
            );
        }
        out
    }
}

/// Loads the records of `runs` whose keys match (`None` for a missing, stale or unreadable
/// one), and the problems with unreadable ones (an empty, truncated or foreign file, or
/// another schema version): one message per file, naming it. An unreadable record never blocks
/// the others: it counts as missing, so `run` recomputes it and `report`/`list` skip it.
pub fn load_records(store: &Store, runs: &[RunSpec]) -> (Vec<Option<RunRecord>>, Vec<String>) {
    let mut problems = Vec::new();
    let records = runs
        .iter()
        .map(|r| {
            let path = store.record_path(&r.id);
            match store.load(&path) {
                Ok(rec) => rec.filter(|rec| rec.key == r.key()),
                Err(e) => {
                    problems.push(e.to_string());
                    None
                }
            }
        })
        .collect();
    (records, problems)
}

/// [`load_records`], with each problem printed to stderr as a warning. Never fails on a bad
/// record (kept as `Result` for the callers).
pub fn existing_records(store: &Store, runs: &[RunSpec]) -> Result<Vec<Option<RunRecord>>> {
    let (records, problems) = load_records(store, runs);
    for p in problems {
        eprintln!("warning: {p}");
    }
    Ok(records)
}

/// Checks that records can be written under `store` (creating `runs/` if needed) before any
/// run starts, so a read-only or missing results directory fails at once instead of after
/// hours of training. Error: names the directory and what to do.
pub fn check_writable(store: &Store) -> Result<()> {
    let dir = store.results_dir.join("runs");
    let probe = std::fs::create_dir_all(&dir).and_then(|_| {
        tempfile::Builder::new()
            .prefix(crate::record::TMP_PREFIX)
            .tempfile_in(&dir)
            .map(drop)
    });
    probe.map_err(|error| HarnessError::NotWritable { dir, error })
}

/// Runs every planned run that has no matching record (or all of them with `rerun`), writing one
/// record per run. Datasets are resolved only for the runs that must be computed, before any
/// training starts. A run that errors or panics gets an error record and is reported, never
/// dropped. Each run is computed under its [`claim`], after reading its record again: a record
/// that another `harness run` on the same results directory wrote meanwhile is reused, so two
/// identical runs compute each run once ([`RunSummary::written_by_others`]).
pub fn execute(
    project: &Project,
    runs: &[RunSpec],
    fetcher: &Fetcher,
    store: &Store,
    opts: &RunOptions,
    ui: &Ui,
) -> Result<RunSummary> {
    let started = Instant::now();
    // temporary files of a writer killed mid-write (none younger than a second: a live writer
    // locks its file right after creating it)
    let _ = store.clean_orphans(std::time::Duration::from_secs(1));
    let since = std::time::SystemTime::now();
    let existing = existing_records(store, runs)?;
    let mut summary = RunSummary::default();
    let mut pending: VecDeque<&RunSpec> = VecDeque::new();
    for (spec, rec) in runs.iter().zip(&existing) {
        match rec {
            Some(r) if !opts.rerun && !r.status.is_error() => summary.reused += 1,
            _ => pending.push_back(spec),
        }
    }
    if pending.is_empty() {
        summary.wall_seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }
    check_writable(store)?;
    let mut resolved: BTreeMap<String, ResolvedDataset> = BTreeMap::new();
    for spec in &pending {
        if resolved.contains_key(&spec.dataset) || summary.unavailable.contains_key(&spec.dataset) {
            continue;
        }
        let ds = &project.datasets.datasets[&spec.dataset];
        ui.line(&format!("resolving dataset `{}` …", spec.dataset));
        match fetcher.resolve(&spec.dataset, ds) {
            Ok(r) => {
                resolved.insert(spec.dataset.clone(), r);
            }
            // missing here and offline: the other datasets' runs go ahead; these are listed
            Err(HarnessError::Unavailable { .. }) => {
                ui.line(&format!(
                    "dataset `{}` is not available here (offline, in no mirror): its runs are \
                     left uncomputed",
                    spec.dataset
                ));
                summary
                    .unavailable
                    .insert(spec.dataset.clone(), NotAvailable::default());
            }
            Err(e) => return Err(e),
        }
    }
    pending.retain(|spec| match summary.unavailable.get_mut(&spec.dataset) {
        Some(u) => {
            u.runs += 1;
            u.papers.insert(spec.paper.clone());
            false
        }
        None => true,
    });
    if pending.is_empty() {
        summary.wall_seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }
    let env = Environment::detect(&project.root, opts.threads_per_run);
    if env.git_dirty() == Some(true) {
        ui.line(
            "note: the working tree has uncommitted changes outside results/; the new records \
             will carry git_dirty = true (their commit does not name the code). To publish \
             records, commit and run from a clean worktree (CONTRIBUTING.md §5).",
        );
    }
    let total = pending.len();
    ui.start(total, summary.reused);
    // (index, run, whether its claim was found held by another process once already)
    let queue = Mutex::new(
        pending
            .into_iter()
            .enumerate()
            .map(|(i, spec)| (i, spec, false))
            .collect::<VecDeque<_>>(),
    );
    let others = std::sync::atomic::AtomicUsize::new(0);
    let results: Mutex<Vec<Finished>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<HarnessError>> = Mutex::new(None);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for worker in 0..opts.jobs.max(1).min(total) {
            let (queue, results, failure, resolved, env, stop, others) =
                (&queue, &results, &failure, &resolved, &env, &stop, &others);
            s.spawn(move || {
                while let Some((i, spec, waited)) =
                    queue.lock().ok().and_then(|mut q| q.pop_front())
                {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let claim = match take_claim(store, spec, waited) {
                        Ok(Some(c)) => c,
                        Ok(None) => {
                            // another process computes it: do the others first, then wait
                            if let Ok(mut q) = queue.lock() {
                                q.push_back((i, spec, true));
                            }
                            continue;
                        }
                        Err(e) => {
                            stop.store(true, std::sync::atomic::Ordering::SeqCst);
                            if let Ok(mut f) = failure.lock() {
                                f.get_or_insert(e);
                            }
                            break;
                        }
                    };
                    if written_meanwhile(store, spec, since, opts.rerun) {
                        others.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        ui.line(&format!(
                            "{}: written meanwhile by another harness process; reused",
                            spec.label()
                        ));
                        continue;
                    }
                    let paper = &project.papers[&spec.paper];
                    let bar = ui.run_bar(worker, spec);
                    let record = run_one(paper, spec, &resolved[&spec.dataset], env, &bar);
                    let status = record.status.clone();
                    let wall = record.timings.wall_seconds;
                    let saved = store.save(&record);
                    drop(claim);
                    match &saved {
                        Ok(_) => ui.finished(i, total, spec, &record),
                        Err(e) => {
                            stop.store(true, std::sync::atomic::Ordering::SeqCst);
                            ui.line(&format!(
                                "{}: FAILED — its record could not be saved: {e}",
                                spec.label()
                            ));
                        }
                    }
                    match saved {
                        Ok(_) => {
                            if let Ok(mut r) = results.lock() {
                                r.push(Finished {
                                    id: spec.id.clone(),
                                    wall_seconds: wall,
                                    status,
                                });
                            }
                        }
                        Err(e) => {
                            if let Ok(mut f) = failure.lock() {
                                f.get_or_insert(e);
                            }
                            break;
                        }
                    }
                }
            });
        }
    });
    ui.finish();
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    summary.written_by_others = others.into_inner();
    summary.reused += summary.written_by_others;
    for done in results.into_inner().unwrap_or_default() {
        summary.computed += 1;
        let label = done.id.label();
        let e = summary
            .seconds_by_variant
            .entry((done.id.paper, done.id.variant))
            .or_insert((0, 0.0));
        e.0 += 1;
        e.1 += done.wall_seconds;
        if let RecordStatus::Error { message } = done.status {
            summary.errors.push(format!("{label}: {message}"));
        }
    }
    summary.wall_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The claim on `spec` ([`claim::Claim`]): taken if free, else `None` — unless the claim was
/// found held once already (`waited`), then waited for.
fn take_claim(store: &Store, spec: &RunSpec, waited: bool) -> Result<Option<claim::Claim>> {
    if waited {
        claim::Claim::wait(store, &spec.id).map(Some)
    } else {
        claim::Claim::try_take(store, &spec.id)
    }
}

/// Whether another process wrote the record of `spec` after this one planned it: a record with
/// today's key that is usable (not an error, and no `--rerun`) or that was written after `since`
/// (the start of this execution). Read under the run's claim, right before computing it.
fn written_meanwhile(
    store: &Store,
    spec: &RunSpec,
    since: std::time::SystemTime,
    rerun: bool,
) -> bool {
    let path = store.record_path(&spec.id);
    let Ok(Some(rec)) = store.load(&path) else {
        return false;
    };
    if rec.key != spec.key() {
        return false;
    }
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    fresh || (!rerun && !rec.status.is_error())
}

/// A computed run whose record was saved.
struct Finished {
    /// Which run.
    id: RunId,
    /// Its wall-clock seconds.
    wall_seconds: f64,
    /// How it ended.
    status: RecordStatus,
}

/// Runs one cell and turns whatever happens (metrics, divergence, error, panic) into a record.
fn run_one(
    paper: &LoadedPaper,
    spec: &RunSpec,
    dataset: &ResolvedDataset,
    env: &Environment,
    progress: &dyn repro_kit::Progress,
) -> RunRecord {
    let started_utc = now_utc();
    let t0 = Instant::now();
    let repro = registry::find(paper.id()).expect("registered paper (checked when loading)");
    let device = candle_core::Device::Cpu;
    let ctx = RunContext {
        variant: &spec.variant,
        hyperparameters: &spec.hyperparameters,
        dataset,
        seed: spec.seed,
        device: &device,
        progress,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| repro.run(&ctx)));
    let wall = t0.elapsed().as_secs_f64();
    let config_sha = hex::encode(Sha256::digest(spec.canonical().as_bytes()));
    let prov = env
        .provenance(config_sha, spec.dataset_sha256.clone(), repro)
        .finish(started_utc);
    let meta = RecordMeta {
        key: spec.key(),
        wall_seconds: wall,
        provenance: prov,
    };
    match result {
        Ok(Ok(out)) => RunRecord::from_output(&spec.id, out, meta),
        Ok(Err(e)) => RunRecord::from_error(&spec.id, e.to_string(), meta),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            RunRecord::from_error(&spec.id, format!("panicked: {msg}"), meta)
        }
    }
}
