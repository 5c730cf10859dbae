//! `harness`: reproduce papers' claims over datasets and seeds, record every run, and audit the
//! claims statistically. A bare `harness` runs the `quick` suite and prints the verdict tables.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use harness::config::{Project, ReportedAs};
use harness::data::Fetcher;
use harness::outln;
use harness::record::Store;
use harness::run::{self, RunOptions, Selection, Ui};
use harness::{registry, report};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

/// Reproduce ML papers' claims over several seeds and datasets, record every run with
/// provenance, and test statistically whether the claims hold (seed-picking, dataset selection,
/// multiple comparisons).
#[derive(Parser, Debug)]
#[command(name = "harness", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Repository root holding `configs/` (default: the nearest ancestor of the current
    /// directory that has `configs/datasets.toml`; there is no other fallback).
    #[arg(long, global = true, env = "HARNESS_ROOT")]
    root: Option<PathBuf>,
    /// Results directory (default: `<root>/results`).
    #[arg(long, global = true, env = "HARNESS_RESULTS")]
    results: Option<PathBuf>,
    /// Plain line output even on a terminal (no colours, no progress bars).
    #[arg(long, global = true)]
    plain: bool,
    /// Dataset options for the bare `harness` (= `harness run`); the subcommands that read
    /// datasets take them too.
    #[command(flatten)]
    data: DataArgs,
}

/// Where dataset files come from (only for the subcommands that read datasets).
#[derive(Args, Debug, Clone, Default)]
struct DataArgs {
    /// Extra local mirror directory of dataset files (repeatable); also `HARNESS_DATA_DIRS`
    /// (colon-separated). `/usr/share/datasets` (Debian data packages) is always searched.
    #[arg(long = "data-dir")]
    data_dirs: Vec<PathBuf>,
    /// Download cache (default: `HARNESS_CACHE_DIR`, else `~/.cache/repro-harness`).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Never download datasets.
    #[arg(long)]
    offline: bool,
}

impl DataArgs {
    /// These options with `other`'s added (flags given before and after the subcommand).
    fn merged(&self, other: &DataArgs) -> DataArgs {
        DataArgs {
            data_dirs: self
                .data_dirs
                .iter()
                .chain(&other.data_dirs)
                .cloned()
                .collect(),
            cache_dir: other.cache_dir.clone().or_else(|| self.cache_dir.clone()),
            offline: self.offline || other.offline,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a suite or papers (default: the `quick` suite), then print and write the reports.
    Run(RunArgs),
    /// Rebuild the reports from stored records, without training.
    Report(SelectArgs),
    /// List papers, variants, datasets, claims and how many records exist for each
    /// (`--markdown`: the README's paper table; `--keys`: every planned run's record key).
    List(ListArgs),
    /// The contributor's gate: every config, dataset declaration and registration, and each
    /// reproduction's quick checks (overfit, determinism, parameter count, smoke run). Ends with
    /// `N papers, M checks passed, K skipped, F failed`; exit status 1 iff a check failed.
    Check(CheckArgs),
    /// Scaffold a new reproduction (crate, config, tests, wiring) that builds and passes its
    /// tests immediately; see CONTRIBUTING.md.
    New(NewArgs),
    /// Recompute a seeded random sample of the committed records here and compare: bitwise /
    /// within tolerance / different, with both provenances. Exit status: 0 all reproduced,
    /// 2 some differ within the committed runs' spread, 3 some outside it (or errored), 1 failure.
    Verify(VerifyArgs),
    /// Resolve (and download if needed) the datasets of a suite or papers.
    Fetch(FetchArgs),
    /// Audit numbers you bring: a claim against per-seed results, or a method vs a baseline
    /// across datasets. No reproduction needed.
    Audit(harness::audit::AuditArgs),
    /// Run one statistical procedure on JSON input and print JSON.
    Stats(harness::audit::StatsArgs),
}

#[derive(Args, Debug, Clone, Default)]
struct SelectArgs {
    /// Paper id (repeatable). Without --paper and --suite: the `quick` suite.
    #[arg(long)]
    paper: Vec<String>,
    /// Suite name (`configs/suites/<name>.toml`).
    #[arg(long)]
    suite: Option<String>,
    /// Only these variants (repeatable).
    #[arg(long)]
    variant: Vec<String>,
    /// Only these datasets (repeatable).
    #[arg(long)]
    dataset: Vec<String>,
    /// At most this many seeds per (variant, dataset).
    #[arg(long)]
    seeds: Option<usize>,
}

#[derive(Args, Debug, Clone, Default)]
struct FetchArgs {
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    data: DataArgs,
    /// One line per file (where each was found), not one per dataset.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args, Debug, Clone, Default)]
struct RunArgs {
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Recompute runs that already have a matching record.
    #[arg(long)]
    rerun: bool,
    /// Only list what would be computed and what reused, with a time estimate from the recorded
    /// timings; train nothing, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Runs executed in parallel (default: number of CPU cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Compute threads per run (default 1). Results are bitwise reproducible for a fixed value.
    #[arg(long, default_value_t = 1)]
    threads_per_run: usize,
    /// Run only shard INDEX of COUNT of the run matrix (0-based, e.g. `--shard 3/8`): runs at
    /// positions INDEX, INDEX+COUNT, … of the planned matrix. Shards write records into one
    /// results directory; merge with `harness report` when all have finished.
    #[arg(long, value_name = "INDEX/COUNT", conflicts_with = "shards")]
    shard: Option<String>,
    /// Split the run matrix into COUNT shards and run the one named by the scheduler:
    /// `SLURM_ARRAY_TASK_ID` (minus `SLURM_ARRAY_TASK_MIN`) in a Slurm job array, or
    /// `JOB_COMPLETION_INDEX` in a Kubernetes indexed job.
    #[arg(long, value_name = "COUNT")]
    shards: Option<usize>,
}

/// Options of `harness new`.
#[derive(Args, Debug, Clone)]
struct NewArgs {
    /// The paper id, kebab-case `<author><year>-<topic>` (e.g. `smith2021-sparse-mlp`).
    id: String,
    /// Start from a copy of this existing paper's crate and config instead of the template.
    #[arg(long)]
    from: Option<String>,
}

/// Options of `harness verify`.
#[derive(Args, Debug, Clone)]
struct VerifyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Only this paper (repeatable).
    #[arg(long)]
    paper: Vec<String>,
    /// Records to recompute in all (default: 2 per paper).
    #[arg(long)]
    sample: Option<usize>,
    /// Seed of the random choice of records.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only records whose recorded wall time is at most this many seconds.
    #[arg(long, default_value_t = 30.0)]
    max_run_seconds: f64,
    /// Relative tolerance of "equal within tolerance".
    #[arg(long, default_value_t = 1e-9)]
    tolerance: f64,
}

/// Options of `harness list`.
#[derive(Args, Debug, Clone, Default)]
struct ListArgs {
    /// Print the README's paper table (Markdown), generated from the configs.
    #[arg(long, conflicts_with = "keys")]
    markdown: bool,
    /// Print every planned run (all papers, whole configs) with its record key.
    #[arg(long)]
    keys: bool,
}

/// Options of `harness check`.
#[derive(Args, Debug, Clone, Default)]
struct CheckArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Check only this paper (its config, datasets and crate).
    #[arg(long)]
    paper: Option<String>,
    /// Optimizer steps (or epochs) of the smoke and determinism runs.
    #[arg(long, default_value_t = 5)]
    smoke_steps: u64,
}

/// The repository root: `--root` / `HARNESS_ROOT`, else the nearest ancestor of the current
/// directory holding `configs/datasets.toml`. Never the checkout the binary was built from:
/// outside a checkout this is an error saying how to point at one.
fn find_root(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = given {
        if !r.join("configs/datasets.toml").is_file() {
            bail!(
                "--root / HARNESS_ROOT = {}: no configs/datasets.toml there; point it at a checkout of the repository",
                r.display()
            );
        }
        return Ok(r);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    for dir in cwd.ancestors() {
        if dir.join("configs/datasets.toml").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "not inside a checkout: neither {} nor any parent has configs/datasets.toml. Run from the \
         repository, or say where it is with --root DIR or HARNESS_ROOT=DIR",
        cwd.display()
    )
}

/// `"; did you mean `x`?"` when `name` is close to one of `candidates`.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    harness::audit::closest(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Suite names under `configs/suites/`.
fn suite_names(project: &Project) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(project.root.join("configs/suites"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Checks the names given on the command line against the configs, with a suggestion for a
/// near miss and the list of valid names.
fn check_names(project: &Project, s: &SelectArgs) -> Result<()> {
    let papers: Vec<&str> = project.papers.keys().map(String::as_str).collect();
    for p in &s.paper {
        if !project.papers.contains_key(p) {
            bail!(
                "no paper `{p}`{}; papers: {}",
                did_you_mean(p, papers.iter().copied()),
                papers.join(", ")
            );
        }
    }
    if let Some(name) = &s.suite {
        let suites = suite_names(project);
        if !suites.contains(name) {
            bail!(
                "no suite `{name}` (configs/suites/{name}.toml){}; suites: {}",
                did_you_mean(name, suites.iter().map(String::as_str)),
                suites.join(", ")
            );
        }
    }
    Ok(())
}

fn selections(project: &Project, s: &SelectArgs) -> Result<Vec<Selection>> {
    check_names(project, s)?;
    // --paper alone: whole papers; otherwise the suite (default `quick`), restricted to the
    // --paper ids when both are given (keeping the suite's own restrictions for them).
    let mut sel = match (&s.suite, s.paper.is_empty()) {
        (None, false) => s
            .paper
            .iter()
            .map(|p| {
                project.paper(p)?;
                Ok(Selection {
                    paper: p.clone(),
                    variants: None,
                    datasets: None,
                    seeds: None,
                })
            })
            .collect::<harness::Result<Vec<_>>>()?,
        (suite, _) => {
            let name = suite.as_deref().unwrap_or("quick");
            let all = run::suite_selections(project, name)?;
            if s.paper.is_empty() {
                all
            } else {
                let kept: Vec<Selection> = all
                    .into_iter()
                    .filter(|x| s.paper.contains(&x.paper))
                    .collect();
                if kept.is_empty() {
                    bail!("suite `{name}` has none of the papers {:?}", s.paper);
                }
                kept
            }
        }
    };
    for x in &mut sel {
        let paper = project.paper(&x.paper)?;
        if !s.variant.is_empty() {
            let known: Vec<&str> = paper.config.variants.keys().map(String::as_str).collect();
            for v in &s.variant {
                if !paper.config.variants.contains_key(v) {
                    bail!(
                        "paper `{}` has no variant `{v}`{}; its variants: {}",
                        x.paper,
                        did_you_mean(v, known.iter().copied()),
                        known.join(", ")
                    );
                }
            }
            let mut v = s.variant.clone();
            v.dedup();
            x.variants = Some(v);
        }
        if !s.dataset.is_empty() {
            let known: Vec<&str> = paper
                .config
                .datasets
                .iter()
                .map(|d| d.get_ref().as_str())
                .collect();
            for d in &s.dataset {
                if !known.contains(&d.as_str()) {
                    bail!(
                        "paper `{}` has no dataset `{d}`{}; its datasets: {}",
                        x.paper,
                        did_you_mean(d, known.iter().copied()),
                        known.join(", ")
                    );
                }
            }
            let mut d = s.dataset.clone();
            d.dedup();
            x.datasets = Some(d);
        }
        if let Some(n) = s.seeds {
            x.seeds = Some(x.seeds.map_or(n, |m| m.min(n)));
        }
    }
    Ok(sel)
}

struct Ctx {
    project: Project,
    store: Store,
    fetcher: Fetcher,
    /// Colours and the compact table (a terminal, and `--plain` not given).
    fancy: bool,
    plain: bool,
}

fn context(g: &Global, data: &DataArgs) -> Result<Ctx> {
    let root = find_root(g.root.clone())?;
    let project = Project::load(&root)?;
    for w in project.broken_warnings() {
        eprintln!("warning: {w}");
    }
    let store = Store::new(g.results.clone().unwrap_or_else(|| root.join("results")));
    let data = g.data.merged(data);
    let mut fetcher = Fetcher::new(&root, &data.data_dirs, data.cache_dir.clone());
    fetcher.offline = data.offline;
    Ok(Ctx {
        project,
        store,
        fetcher,
        fancy: !g.plain && std::io::stdout().is_terminal(),
        plain: g.plain,
    })
}

/// Builds the verdicts of the selection and the whole-paper tables (the correction family of a
/// claim is its paper, Holm by default: the selection's view adopts the whole paper's adjusted
/// p-values, verdicts and paper-level line, so a claim reads the same everywhere); writes every file first — `results/suites/<suite>.md`
/// when a suite was selected, and the published per-paper set `results/<paper>.md|csv|json|
/// tex|html`, which always covers the paper's whole config (Holm across the paper's claims) —
/// and only then prints, so that a closed stdout cannot lose any of them.
///
/// On a terminal it prints a compact coloured verdict table per paper, one summary line and
/// where the full tables are; with `--plain` or when stdout is not a terminal, the Markdown
/// tables (stable, line-oriented), then the same summary and paths.
fn report_and_print(ctx: &Ctx, sel: &[Selection], suite: Option<&str>) -> Result<()> {
    let rules = repro_stats::verdict::Rules::default();
    let runs = run::plan(&ctx.project, sel)?;
    let records = run::existing_records(&ctx.store, &runs)?;
    let t0 = Instant::now();
    let refs = report::referenced(&ctx.project, &ctx.store, &runs)?;
    // the correction family of a claim is its paper, in this view as in the paper's tables
    let mut reports = report::build_with(&ctx.project, &runs, &records, &refs, &rules);
    let stats_seconds = t0.elapsed().as_secs_f64();
    // 1. write everything
    let mut written: Vec<String> = Vec::new();
    let mut papers: Vec<&str> = sel.iter().map(|x| x.paper.as_str()).collect();
    papers.dedup();
    for paper in papers {
        let whole = [Selection {
            paper: paper.to_string(),
            variants: None,
            datasets: None,
            seeds: None,
        }];
        let runs = run::plan(&ctx.project, &whole)?;
        let records = run::existing_records(&ctx.store, &runs)?;
        let refs = report::referenced(&ctx.project, &ctx.store, &runs)?;
        for r in report::build_with(&ctx.project, &runs, &records, &refs, &rules) {
            for view in reports.iter_mut() {
                report::model::adopt_paper_family(view, &r);
            }
            let path = report::write(&ctx.store.results_dir, &r)?;
            written.push(format!(
                "whole-paper tables (rules, intervals, plots): {} (also .csv .json .tex .html)",
                path.display()
            ));
        }
    }
    if let Some(name) = suite {
        let mut combined = String::new();
        for r in &reports {
            combined.push_str(&report::markdown(r));
            combined.push('\n');
        }
        let path = ctx
            .store
            .results_dir
            .join("suites")
            .join(format!("{name}.md"));
        harness::record::write_atomic(&path, combined.as_bytes())?;
        written.insert(0, format!("suite tables: {}", path.display()));
    }
    // 2. print
    let n_items: usize = reports
        .iter()
        .map(|r| r.claims.len() + r.comparisons.len())
        .sum();
    if ctx.fancy {
        for r in &reports {
            outln!("{}", report::terminal::table(r, true));
        }
    } else {
        for r in &reports {
            harness::out::text(&report::markdown(r));
            outln!();
        }
    }
    outln!(
        "statistics of {} computed in {stats_seconds:.2} s",
        harness::out::plural(n_items, "claim or comparison", "claims and comparisons")
    );
    let summary = report::terminal::Summary::of(&reports);
    outln!("{}", report::terminal::summary_line(&summary, ctx.fancy));
    for w in written {
        outln!("{w}");
    }
    Ok(())
}

/// The suite a selection comes from: `--suite`, or `quick` when neither `--paper` nor `--suite`
/// is given.
fn suite_name(s: &SelectArgs) -> Option<&str> {
    match (&s.suite, s.paper.is_empty()) {
        (Some(n), _) => Some(n.as_str()),
        (None, true) => Some("quick"),
        (None, false) => None,
    }
}

/// Seconds as people read them: "42 s", "3.5 min", "1.9 h".
fn duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else if secs < 5400.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// `harness run --dry-run`: what would be computed and reused per (paper, variant, dataset),
/// and an estimate from the wall times recorded for the same cell (any record, even a stale
/// one), else for the same variant; nothing is trained or written.
fn dry_run(ctx: &Ctx, runs: &[run::RunSpec], opts: &RunOptions) -> Result<()> {
    use std::collections::BTreeMap;
    let existing = run::existing_records(&ctx.store, runs)?;
    // recorded wall seconds per cell and per variant, from whatever records exist
    let mut cell_secs: BTreeMap<(String, String, String), (usize, f64)> = BTreeMap::new();
    let mut variant_secs: BTreeMap<(String, String), (usize, f64)> = BTreeMap::new();
    for r in runs {
        let path = ctx
            .store
            .record_path(&r.paper, &r.dataset, &r.variant, r.seed);
        if let Ok(Some(rec)) = ctx.store.load(&path) {
            let w = rec.timings.wall_seconds;
            let e = cell_secs
                .entry((r.paper.clone(), r.variant.clone(), r.dataset.clone()))
                .or_default();
            e.0 += 1;
            e.1 += w;
            let e = variant_secs
                .entry((r.paper.clone(), r.variant.clone()))
                .or_default();
            e.0 += 1;
            e.1 += w;
        }
    }
    // (compute, reuse) per cell, in plan order
    let mut cells: Vec<((String, String, String), usize, usize)> = Vec::new();
    for (r, rec) in runs.iter().zip(&existing) {
        let key = (r.paper.clone(), r.variant.clone(), r.dataset.clone());
        let reuse = !opts.rerun
            && rec
                .as_ref()
                .is_some_and(|x| !matches!(x.status, harness::record::RecordStatus::Error { .. }));
        match cells.last_mut() {
            Some((k, c, u)) if *k == key => {
                if reuse {
                    *u += 1
                } else {
                    *c += 1
                }
            }
            _ => cells.push((key, (!reuse) as usize, reuse as usize)),
        }
    }
    let mut total_secs = 0.0;
    let mut unknown = 0usize;
    let (mut n_compute, mut n_reuse) = (0, 0);
    outln!(
        "dry run: nothing is trained or written; records would go to {}",
        ctx.store.results_dir.join("runs").display()
    );
    for ((paper, variant, dataset), compute, reuse) in &cells {
        n_compute += compute;
        n_reuse += reuse;
        let per_run = cell_secs
            .get(&(paper.clone(), variant.clone(), dataset.clone()))
            .or_else(|| variant_secs.get(&(paper.clone(), variant.clone())))
            .map(|(n, s)| s / *n as f64);
        let estimate = match per_run {
            Some(s) if *compute > 0 => {
                total_secs += s * *compute as f64;
                format!(", ≈ {} per run from recorded timings", duration(s))
            }
            None if *compute > 0 => {
                unknown += compute;
                ", no recorded timing to estimate from".to_string()
            }
            _ => String::new(),
        };
        outln!("  {paper} {variant} {dataset}: compute {compute}, reuse {reuse}{estimate}");
    }
    let jobs = opts.jobs.max(1);
    outln!(
        "{} planned: {n_compute} to compute, {n_reuse} to reuse; estimated {} of CPU time, about {} wall with {}{}",
        harness::out::plural(runs.len(), "run", "runs"),
        duration(total_secs),
        duration(total_secs / jobs.min(n_compute.max(1)) as f64),
        harness::out::plural(jobs, "parallel run", "parallel runs"),
        if unknown > 0 {
            format!(" (plus {} without a recorded timing)", harness::out::plural(unknown, "run", "runs"))
        } else {
            String::new()
        }
    );
    Ok(())
}

fn cmd_run(g: &Global, a: &RunArgs) -> Result<()> {
    let ctx = context(g, &a.data)?;
    let sel = selections(&ctx.project, &a.select)?;
    let planned = run::plan(&ctx.project, &sel)?;
    let shard = match (&a.shard, a.shards) {
        (Some(s), _) => Some(run::Shard::parse(s)?),
        (None, Some(n)) => Some(run::Shard::from_scheduler(n, |k| std::env::var(k).ok())?),
        (None, None) => None,
    };
    let runs = match shard {
        Some(s) => {
            let mine = s.select(&planned);
            outln!(
                "shard {s}: {} of the {} planned runs",
                mine.len(),
                planned.len()
            );
            mine
        }
        None => planned,
    };
    let jobs = a.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = RunOptions {
        jobs,
        threads_per_run: a.threads_per_run.max(1),
        rerun: a.rerun,
    };
    if a.dry_run {
        return dry_run(&ctx, &runs, &opts);
    }
    let ui = Ui::new(ctx.plain).with_results_dir(&ctx.store.results_dir);
    let summary = run::execute(&ctx.project, &runs, &ctx.fetcher, &ctx.store, &opts, &ui)?;
    outln!(
        "{}: {} computed, {} reused, {} errors; wall time {:.1} s ({} × {}); records in {}",
        harness::out::plural(runs.len(), "run", "runs"),
        summary.computed,
        summary.reused,
        summary.errors.len(),
        summary.wall_seconds,
        harness::out::plural(jobs, "parallel run", "parallel runs"),
        harness::out::plural(opts.threads_per_run, "thread", "threads"),
        ctx.store.results_dir.join("runs").display()
    );
    for ((paper, variant), (n, secs)) in &summary.seconds_by_variant {
        outln!(
            "  {paper} {variant}: {}, {:.1} s per run",
            harness::out::plural(*n, "run", "runs"),
            secs / *n as f64
        );
    }
    if summary.reused > 0 {
        println!(
            "{} of these runs were reused from committed records, not recomputed here; to recompute \
             a random sample and compare: cargo run --release -p harness -- verify --sample 5",
            summary.reused
        );
    }
    match shard {
        // Other shards may still be running: their records are not all there yet.
        Some(s) => outln!(
            "shard {s} done; when every shard has finished, merge the records into the tables with \
             `harness report` and the same selection (--suite/--paper/--variant/--dataset)"
        ),
        None => report_and_print(&ctx, &sel, suite_name(&a.select))?,
    }
    if !summary.errors.is_empty() {
        for e in &summary.errors {
            eprintln!("error: {e}");
        }
        bail!(
            "{} ended in an error (recorded; retried on the next run)",
            harness::out::plural(summary.errors.len(), "run", "runs")
        );
    }
    Ok(())
}

fn cmd_report(g: &Global, s: &SelectArgs) -> Result<()> {
    let ctx = context(g, &DataArgs::default())?;
    let dir = &ctx.store.results_dir;
    if !dir.is_dir() {
        bail!(
            "results directory {} does not exist, so there is nothing to report; check --results / \
             HARNESS_RESULTS, or create records first with `harness run`",
            dir.display()
        );
    }
    let sel = selections(&ctx.project, s)?;
    report_and_print(&ctx, &sel, suite_name(s))
}

fn cmd_list(g: &Global) -> Result<()> {
    let ctx = context(g, &DataArgs::default())?;
    for (id, paper) in &ctx.project.papers {
        let c = &paper.config;
        outln!(
            "{id} — {} ({} {})",
            c.paper.title,
            c.paper.authors.join(", "),
            c.paper.year
        );
        let sel = [Selection {
            paper: id.clone(),
            variants: None,
            datasets: None,
            seeds: None,
        }];
        let runs = run::plan(&ctx.project, &sel)?;
        let records = run::existing_records(&ctx.store, &runs)?;
        outln!(
            "  datasets: {}",
            c.datasets
                .iter()
                .map(|d| d.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        outln!("  seeds: {} from {}", c.seeds.count, c.seeds.start);
        outln!("  variants (records present / planned):");
        for v in c.variants.keys() {
            let planned = runs.iter().filter(|r| &r.variant == v).count();
            let have = runs
                .iter()
                .zip(&records)
                .filter(|(r, rec)| &r.variant == v && rec.is_some())
                .count();
            outln!("    {v}: {have}/{planned}");
        }
        outln!("  claims:");
        for cl in &c.claims {
            let have = runs
                .iter()
                .zip(&records)
                .filter(|(r, rec)| {
                    r.variant == *cl.variant.get_ref()
                        && r.dataset == *cl.dataset.get_ref()
                        && rec.is_some()
                })
                .count();
            let how = match cl.reported_as {
                ReportedAs::SingleRun => "single run".to_string(),
                ReportedAs::MeanOf { n } => format!("mean of {n}"),
                ReportedAs::BestOf { n } => format!("best of {n}"),
                ReportedAs::Unknown => "reported as: unknown".to_string(),
            };
            outln!(
                "    {}: {} {} on {} = {} ({how}); {have} records",
                cl.id,
                cl.variant.get_ref(),
                cl.metric.get_ref(),
                cl.dataset.get_ref(),
                cl.value
            );
        }
        for cmp in &c.comparisons {
            outln!(
                "  comparison {}: {} vs {} on {}",
                cmp.id,
                cmp.method.get_ref(),
                cmp.baseline.get_ref(),
                cmp.metric.get_ref()
            );
        }
    }
    outln!("datasets:");
    for (name, d) in &ctx.project.datasets.datasets {
        let bytes: u64 = d.files.iter().map(|f| f.size).sum();
        outln!(
            "  {name} — {} ({} files, {:.1} MB, {})",
            d.title,
            d.files.len(),
            bytes as f64 / 1e6,
            d.license
        );
    }
    outln!("reproductions registered: {}", registry::ids().join(", "));
    Ok(())
}

/// Every place a file is looked for, in order (cache, shipped `data/`, each mirror, then the
/// download URLs), for an error that says where it searched.
fn searched(fetcher: &Fetcher, f: &harness::config::DatasetFile) -> String {
    let mut v = vec![format!(
        "cache {}",
        fetcher.cache_dir.join(&f.path).display()
    )];
    v.push(format!(
        "data/ {}",
        fetcher.shipped_dir.join(&f.path).display()
    ));
    for m in &fetcher.mirrors {
        v.push(format!("mirror {}", m.join(&f.path).display()));
    }
    if fetcher.offline {
        v.push("download: skipped (--offline)".into());
    } else if f.urls.is_empty() {
        v.push("download: no URL declared".into());
    } else {
        for u in &f.urls {
            v.push(format!("download {u}"));
        }
    }
    v.iter()
        .enumerate()
        .map(|(i, s)| format!("\n  {}. {s}", i + 1))
        .collect()
}

fn source_word(source: &harness::data::Source) -> String {
    use harness::data::Source;
    match source {
        Source::Cache => "cache".into(),
        Source::Shipped => "data/".into(),
        Source::Mirror(m) => format!("mirror {}", m.display()),
        Source::Download(u) => format!("downloaded from {u}"),
    }
}

fn cmd_fetch(g: &Global, s: &SelectArgs, data: &DataArgs, all: bool, verbose: bool) -> Result<()> {
    let ctx = context(g, data)?;
    let names: Vec<String> = if all {
        ctx.project.datasets.datasets.keys().cloned().collect()
    } else {
        let runs = run::plan(&ctx.project, &selections(&ctx.project, s)?)?;
        let mut v: Vec<String> = runs.iter().map(|r| r.dataset.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut downloaded = 0usize;
    for name in names {
        let spec = &ctx.project.datasets.datasets[&name];
        let mut sources: Vec<String> = Vec::new();
        let mut bytes = 0u64;
        for file in &spec.files {
            let (path, source) = ctx.fetcher.resolve_file(&name, file).map_err(|e| {
                anyhow::anyhow!("{e}\nsearched, in order:{}", searched(&ctx.fetcher, file))
            })?;
            bytes += file.size;
            if matches!(source, harness::data::Source::Download(_)) {
                downloaded += 1;
            }
            let word = source_word(&source);
            if verbose {
                outln!("{name}: {} ← {word} ({})", file.path, path.display());
            }
            if !sources.contains(&word) {
                sources.push(word);
            }
        }
        outln!(
            "{name}: {} verified ({:.1} MB; from {})",
            harness::out::plural(spec.files.len(), "file", "files"),
            bytes as f64 / 1e6,
            sources.join(", ")
        );
    }
    if downloaded > 0 {
        outln!(
            "{} downloaded into the cache {}",
            harness::out::plural(downloaded, "file", "files"),
            ctx.fetcher.cache_dir.display()
        );
    }
    Ok(())
}

fn cmd_verify(g: &Global, a: &VerifyArgs) -> Result<()> {
    let ctx = context(g, &a.data)?;
    let opts = harness::verify::VerifyOptions {
        papers: a.paper.clone(),
        sample: a.sample,
        seed: a.seed,
        max_run_seconds: a.max_run_seconds,
        tolerance: a.tolerance,
        ..Default::default()
    };
    let t0 = Instant::now();
    let out = harness::verify::verify(
        &ctx.project,
        &ctx.store,
        &ctx.fetcher,
        &opts,
        &mut |line| println!("{line}"),
        &mut |c| println!("  {}: {} ({:.1} s)", c.label, c.verdict.words(), c.seconds),
    )?;
    println!("\n{}", harness::verify::table(&out, &opts));
    println!(
        "verified {} records in {:.1} s",
        out.records.len(),
        t0.elapsed().as_secs_f64()
    );
    match out.exit_code() {
        0 => Ok(()),
        code => {
            eprintln!("verify: some recomputed records differ from the committed ones (exit {code}; see the table)");
            std::process::exit(code)
        }
    }
}

fn cmd_check(g: &Global, a: &CheckArgs) -> Result<()> {
    let root = find_root(g.root.clone())?;
    let data = g.data.merged(&a.data);
    let mut fetcher = Fetcher::new(&root, &data.data_dirs, data.cache_dir.clone());
    fetcher.offline = data.offline;
    let opts = harness::check::CheckOptions {
        paper: a.paper.clone(),
        smoke_steps: a.smoke_steps.max(1),
    };
    let summary = harness::check::run(&root, &fetcher, &opts, &mut harness::check::print_line);
    println!("{summary}");
    if summary.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

fn main() {
    // Before any thread starts: keep training buffers on the heap instead of mapping and
    // faulting them in every step (`repro_support::tune_allocator`; never changes a number).
    repro_support::tune_allocator();
    let cli = Cli::parse();
    // Each run uses a fixed number of compute threads so that its numbers are reproducible;
    // candle's CPU kernels read this variable (set before any thread pool starts).
    let threads = match &cli.command {
        Some(Command::Run(a)) => a.threads_per_run.max(1),
        _ => 1,
    };
    // SAFETY-free in edition 2021: set before any other thread exists.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    let result = match &cli.command {
        None => cmd_run(
            &cli.global,
            &RunArgs {
                threads_per_run: 1,
                ..Default::default()
            },
        ),
        Some(Command::Run(a)) => cmd_run(&cli.global, a),
        Some(Command::Report(s)) => cmd_report(&cli.global, s),
        Some(Command::List(a)) if a.markdown || a.keys => context(&cli.global, &DataArgs::default()).and_then(|ctx| {
            let text = if a.markdown {
                harness::listing::markdown_table(&ctx.project)?
            } else {
                harness::listing::keys(&ctx.project)?
            };
            print!("{text}");
            Ok(())
        }),
        Some(Command::List(_)) => cmd_list(&cli.global),
        Some(Command::Check(a)) => cmd_check(&cli.global, a),
        Some(Command::Verify(a)) => cmd_verify(&cli.global, a),
        Some(Command::New(a)) => find_root(cli.global.root.clone()).and_then(|root| {
            let done = harness::scaffold::scaffold(&root, &a.id, a.from.as_deref())?;
            for p in &done.created {
                println!("created {}", p.display());
            }
            for p in &done.edited {
                println!("edited  {} (wiring)", p.display());
            }
            if !done.formatted {
                println!(
                    "note: `cargo fmt -p {}` could not run; run it before committing (CI runs `cargo fmt --check`)",
                    a.id
                );
            }
            println!(
                "next: cargo test --release -p {id}; cargo run --release -p harness -- check --paper {id}; \
                 then replace the TODOs (CONTRIBUTING.md)",
                id = a.id
            );
            Ok(())
        }),
        Some(Command::Fetch(f)) => cmd_fetch(&cli.global, &f.select, &f.data, false, f.verbose),
        Some(Command::Audit(a)) => harness::audit::run_audit(a)
            .map(|out| harness::out::text(&out))
            .map_err(anyhow::Error::from),
        Some(Command::Stats(a)) => harness::audit::run_stats(a)
            .map(|out| harness::out::text(&out))
            .map_err(anyhow::Error::from),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    // A reader that went away (`| head`) is not an error: the work is done and written.
}
