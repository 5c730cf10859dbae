//! `harness`: reproduce papers' claims over datasets and seeds, record every run, and audit the
//! claims statistically. A bare `harness` runs the `quick` suite and prints the verdict tables.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use harness::config::{Project, ReportedAs};
use harness::data::Fetcher;
use harness::record::Store;
use harness::run::{self, RunOptions, Selection, Ui};
use harness::{registry, report};
use std::path::{Path, PathBuf};
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
    /// directory that has `configs/datasets.toml`).
    #[arg(long, global = true, env = "HARNESS_ROOT")]
    root: Option<PathBuf>,
    /// Results directory (default: `<root>/results`).
    #[arg(long, global = true, env = "HARNESS_RESULTS")]
    results: Option<PathBuf>,
    /// Extra local mirror directory of dataset files (repeatable); also `HARNESS_DATA_DIRS`
    /// (colon-separated). `/usr/share/datasets` (Debian data packages) is always searched.
    #[arg(long = "data-dir", global = true)]
    data_dirs: Vec<PathBuf>,
    /// Download cache (default: `HARNESS_CACHE_DIR`, else `~/.cache/repro-harness`).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    /// Never download datasets.
    #[arg(long, global = true)]
    offline: bool,
    /// Plain line output even on a terminal.
    #[arg(long, global = true)]
    plain: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a suite or papers (default: the `quick` suite), then print and write the reports.
    Run(RunArgs),
    /// Rebuild the reports from stored records, without training.
    Report(SelectArgs),
    /// List papers, variants, datasets, claims and how many records exist for each.
    List,
    /// Validate every config and resolve every dataset, without training.
    Check,
    /// Resolve (and download if needed) the datasets of a suite or papers.
    Fetch(SelectArgs),
    /// Audit numbers you bring: a claim against per-seed results, or a method vs a baseline
    /// across datasets. No reproduction needed.
    Audit(repro_stats::AuditArgs),
    /// Run one statistical procedure on JSON input and print JSON.
    Stats(repro_stats::StatsArgs),
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
struct RunArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Recompute runs that already have a matching record.
    #[arg(long)]
    rerun: bool,
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

fn find_root(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = given {
        if !r.join("configs/datasets.toml").is_file() {
            bail!("--root {}: no configs/datasets.toml there", r.display());
        }
        return Ok(r);
    }
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        if dir.join("configs/datasets.toml").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if built.join("configs/datasets.toml").is_file() {
        return Ok(built.canonicalize()?);
    }
    bail!(
        "no configs/datasets.toml in {} or its parents; run from the repository or pass --root",
        cwd.display()
    )
}

fn selections(project: &Project, s: &SelectArgs) -> Result<Vec<Selection>> {
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
            for v in &s.variant {
                if !paper.config.variants.contains_key(v) {
                    bail!(
                        "paper `{}` has no variant `{v}` (see `harness list`)",
                        x.paper
                    );
                }
            }
            x.variants = Some(s.variant.clone());
        }
        if !s.dataset.is_empty() {
            x.datasets = Some(s.dataset.clone());
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
    plain: bool,
}

fn context(g: &Global) -> Result<Ctx> {
    let root = find_root(g.root.clone())?;
    let project = Project::load(&root)?;
    for w in project.broken_warnings() {
        eprintln!("warning: {w}");
    }
    let store = Store::new(g.results.clone().unwrap_or_else(|| root.join("results")));
    let mut fetcher = Fetcher::new(&root, &g.data_dirs, g.cache_dir.clone());
    fetcher.offline = g.offline;
    Ok(Ctx {
        project,
        store,
        fetcher,
        plain: g.plain,
    })
}

/// Prints the verdict tables of the selection (claims corrected together across it, Holm by
/// default) and writes them to `results/suites/<suite>.md` when a suite was selected; then
/// refreshes the published per-paper tables `results/<paper>.md|csv|json`, which always cover the
/// paper's whole config (every variant, dataset and seed with a record; Holm across the paper's
/// claims), so that they never depend on which command ran last.
fn report_and_print(ctx: &Ctx, sel: &[Selection], suite: Option<&str>) -> Result<()> {
    let rules = repro_stats::verdict::Rules::default();
    let runs = run::plan(&ctx.project, sel)?;
    let records = run::existing_records(&ctx.store, &runs)?;
    let t0 = Instant::now();
    let refs = report::referenced(&ctx.project, &ctx.store, &runs)?;
    let reports = report::build_with(&ctx.project, &runs, &records, &refs, &rules);
    let stats_seconds = t0.elapsed().as_secs_f64();
    let mut combined = String::new();
    for r in &reports {
        let md = report::markdown(r, &rules);
        println!("{md}");
        combined.push_str(&md);
        combined.push('\n');
    }
    println!(
        "statistics of {} claims and comparisons computed in {stats_seconds:.2} s",
        reports
            .iter()
            .map(|r| r.claims.len() + r.comparisons.len())
            .sum::<usize>()
    );
    if let Some(name) = suite {
        let path = ctx
            .store
            .results_dir
            .join("suites")
            .join(format!("{name}.md"));
        harness::record::write_atomic(&path, combined.as_bytes())?;
        println!("suite tables written to {}", path.display());
    }
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
            let path = report::write(&ctx.store.results_dir, &r, &rules)?;
            println!(
                "published table of the whole paper: {} (and .csv/.json)",
                path.display()
            );
        }
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

fn cmd_run(g: &Global, a: &RunArgs) -> Result<()> {
    let ctx = context(g)?;
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
            println!(
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
    let ui = Ui::new(ctx.plain);
    let summary = run::execute(&ctx.project, &runs, &ctx.fetcher, &ctx.store, &opts, &ui)?;
    println!(
        "{} runs: {} computed, {} reused, {} errors; wall time {:.1} s ({jobs} parallel runs × {} thread)",
        runs.len(),
        summary.computed,
        summary.reused,
        summary.errors.len(),
        summary.wall_seconds,
        opts.threads_per_run
    );
    for ((paper, variant), (n, secs)) in &summary.seconds_by_variant {
        println!(
            "  {paper} {variant}: {n} runs, {:.1} s per run",
            secs / *n as f64
        );
    }
    match shard {
        // Other shards may still be running: their records are not all there yet.
        Some(s) => println!(
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
            "{} runs ended in an error (recorded; they are retried on the next run)",
            summary.errors.len()
        );
    }
    Ok(())
}

fn cmd_list(g: &Global) -> Result<()> {
    let ctx = context(g)?;
    for (id, paper) in &ctx.project.papers {
        let c = &paper.config;
        println!(
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
        println!(
            "  datasets: {}",
            c.datasets
                .iter()
                .map(|d| d.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  seeds: {} from {}", c.seeds.count, c.seeds.start);
        println!("  variants (records present / planned):");
        for v in c.variants.keys() {
            let planned = runs.iter().filter(|r| &r.variant == v).count();
            let have = runs
                .iter()
                .zip(&records)
                .filter(|(r, rec)| &r.variant == v && rec.is_some())
                .count();
            println!("    {v}: {have}/{planned}");
        }
        println!("  claims:");
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
            println!(
                "    {}: {} {} on {} = {} ({how}); {have} records",
                cl.id,
                cl.variant.get_ref(),
                cl.metric.get_ref(),
                cl.dataset.get_ref(),
                cl.value
            );
        }
        for cmp in &c.comparisons {
            println!(
                "  comparison {}: {} vs {} on {}",
                cmp.id,
                cmp.method.get_ref(),
                cmp.baseline.get_ref(),
                cmp.metric.get_ref()
            );
        }
    }
    println!("datasets:");
    for (name, d) in &ctx.project.datasets.datasets {
        let bytes: u64 = d.files.iter().map(|f| f.size).sum();
        println!(
            "  {name} — {} ({} files, {:.1} MB, {})",
            d.title,
            d.files.len(),
            bytes as f64 / 1e6,
            d.license
        );
    }
    println!("reproductions registered: {}", registry::ids().join(", "));
    Ok(())
}

fn cmd_fetch(g: &Global, s: &SelectArgs, all: bool) -> Result<()> {
    let ctx = context(g)?;
    let names: Vec<String> = if all {
        ctx.project.datasets.datasets.keys().cloned().collect()
    } else {
        let runs = run::plan(&ctx.project, &selections(&ctx.project, s)?)?;
        let mut v: Vec<String> = runs.iter().map(|r| r.dataset.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    for name in names {
        let spec = &ctx.project.datasets.datasets[&name];
        for file in &spec.files {
            let (path, source) = ctx
                .fetcher
                .resolve_file(&name, file)
                .with_context(|| format!("dataset `{name}`"))?;
            if !all || spec.files.len() <= 8 {
                println!("{name}: {} ← {source:?} ({})", file.path, path.display());
            }
        }
        println!("{name}: {} files verified", spec.files.len());
    }
    Ok(())
}

fn main() {
    // Each run uses a fixed number of compute threads so that its numbers are reproducible;
    // candle's CPU kernels read this variable (set before any thread pool starts).
    let cli = Cli::parse();
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
        Some(Command::Report(s)) => context(&cli.global).and_then(|ctx| {
            let sel = selections(&ctx.project, s)?;
            report_and_print(&ctx, &sel, suite_name(s))
        }),
        Some(Command::List) => cmd_list(&cli.global),
        Some(Command::Check) => context(&cli.global)
            .and_then(|c| Ok(c.project.require_all_valid()?))
            .and_then(|_| cmd_fetch(&cli.global, &SelectArgs::default(), true))
            .map(|_| println!("all configs valid; all datasets resolved and verified")),
        Some(Command::Fetch(s)) => cmd_fetch(&cli.global, s, false),
        Some(Command::Audit(a)) => repro_stats::run_audit(a)
            .map(|out| print!("{out}"))
            .map_err(anyhow::Error::from),
        Some(Command::Stats(a)) => repro_stats::run_stats(a)
            .map(|out| println!("{out}"))
            .map_err(anyhow::Error::from),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
