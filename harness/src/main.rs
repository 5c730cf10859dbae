//! `harness`: reproduce papers' claims over datasets and seeds, record every run, and audit the
//! claims statistically. A bare `harness` runs the `quick` suite and prints the verdict tables.
//!
//! This file parses the command line and dispatches; the work is in the library (selection:
//! `harness::select`, the dry-run estimate: `harness::run::estimate`, listings:
//! `harness::listing`, reports: `harness::session`).

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};
use harness::args::{CheckArgs, DataArgs, FetchArgs, ListArgs, RunArgs, SelectArgs, VerifyArgs};
use harness::run::{self, Ui};
use harness::select;
use harness::session::{self, Session};
use harness::{listing, out, outln};
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
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    color: out::ColorChoice,
    /// Dataset options for the bare `harness` (= `harness run`); the subcommands that read
    /// datasets take them too.
    #[command(flatten)]
    data: DataArgs,
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

/// Options of `harness new`.
#[derive(Args, Debug, Clone)]
struct NewArgs {
    /// The paper id, kebab-case `<author><year>-<topic>` (e.g. `smith2021-sparse-mlp`).
    id: String,
    /// Start from a copy of this existing paper's crate and config instead of the template.
    #[arg(long, conflicts_with = "data")]
    from: Option<String>,
    /// The template's kind of data: sequence (MNIST-1D, shipped in data/; the default),
    /// tabular (CSV: iris), image-idx (IDX images: fashion-mnist), uci (UCI splits: uci-yacht),
    /// environment (RL: cartpole-v1).
    #[arg(long, value_name = "KIND", default_value = "sequence")]
    data: String,
}

impl Global {
    /// How stdout is laid out and coloured (`--plain`, `--color`, `NO_COLOR`, `COLUMNS`).
    fn console(&self) -> out::Console {
        out::Console::detect(self.plain, self.color)
    }
}

/// The session of a command: the global options, with `data` added to the global dataset
/// options.
fn context(g: &Global, data: &DataArgs) -> Result<Session> {
    let root = session::find_root(g.root.clone())?;
    let fetcher = g.data.merged(data).fetcher(&root);
    Ok(Session::open(
        &root,
        g.results.clone(),
        g.plain,
        g.console(),
        fetcher,
    )?)
}

fn cmd_run(g: &Global, a: &RunArgs) -> Result<()> {
    let ctx = context(g, &a.data)?;
    let select = a.select.request();
    let sel = select::selections(&ctx.project, &select)?;
    let planned = run::plan(&ctx.project, &sel)?;
    let shard = a.shard()?;
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
    let opts = a.options();
    let runs_dir = ctx.store.results_dir.join("runs");
    if a.dry_run {
        let estimate = run::Estimate::load(&ctx.store, &runs, opts.rerun)?;
        out::text(&estimate.render(&runs_dir, opts.jobs));
        return Ok(());
    }
    let ui = Ui::new(ctx.plain).with_results_dir(&ctx.store.results_dir);
    // staging directories of a publisher killed mid-way (the report at the end cleans them too)
    let _ = harness::report::publish::clean_stale_staging(&ctx.store.results_dir);
    let summary = run::execute(&ctx.project, &runs, &ctx.fetcher, &ctx.store, &opts, &ui)?;
    let look = ctx.console;
    look.print(summary.describe(runs.len(), &opts, &runs_dir).trim_end());
    match shard {
        // Other shards may still be running: their records are not all there yet.
        Some(s) => outln!(
            "shard {s} done; when every shard has finished, merge the records into the tables with \
             `harness report` and the same selection (--suite/--paper/--variant/--dataset)"
        ),
        None => ctx.report_and_print(&sel, select.suite_name())?,
    }
    let notes = summary.closing_notes();
    if !notes.is_empty() {
        look.print(notes.trim_end());
    }
    if !summary.errors.is_empty() {
        for e in &summary.errors {
            eprintln!("error: {e}");
        }
        bail!(
            "{} ended in an error (recorded; retried on the next run)",
            out::plural(summary.errors.len(), "run", "runs")
        );
    }
    let missing = summary.not_computed();
    if missing > 0 {
        bail!(
            "{} not computed: {} not available here (the lines above name the command that \
             fetches each)",
            out::plural(missing, "run was", "runs were"),
            out::plural(summary.unavailable.len(), "dataset is", "datasets are")
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
    let select = s.request();
    let sel = select::selections(&ctx.project, &select)?;
    Ok(ctx.report_and_print(&sel, select.suite_name())?)
}

fn cmd_list(g: &Global, a: &ListArgs) -> Result<()> {
    let ctx = context(g, &DataArgs::default())?;
    let text = if a.markdown {
        listing::markdown_table(&ctx.project)?
    } else if a.keys {
        listing::keys(&ctx.project)?
    } else {
        listing::overview(&ctx.project, &ctx.store)?
    };
    out::text(&text);
    Ok(())
}

fn cmd_fetch(g: &Global, f: &FetchArgs) -> Result<()> {
    let ctx = context(g, &f.data)?;
    let runs = run::plan(
        &ctx.project,
        &select::selections(&ctx.project, &f.select.request())?,
    )?;
    let mut names: Vec<String> = runs.iter().map(|r| r.dataset.clone()).collect();
    names.sort();
    names.dedup();
    let datasets = &ctx.project.datasets.datasets;
    let downloaded = ctx
        .fetcher
        .fetch_datasets(datasets, &names, f.verbose, &mut |l| outln!("{l}"))?;
    if downloaded > 0 {
        outln!(
            "{} downloaded into the cache {}",
            out::plural(downloaded, "file", "files"),
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
    let root = session::find_root(g.root.clone())?;
    let fetcher = g.data.merged(&a.data).fetcher(&root);
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

fn cmd_new(g: &Global, a: &NewArgs) -> Result<()> {
    let root = session::find_root(g.root.clone())?;
    let kind = harness::scaffold::DataKind::parse(&a.data)?;
    let done = harness::scaffold::scaffold(&root, &a.id, a.from.as_deref(), kind)?;
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
    // progress bars and prompts (indicatif draws through `console`) follow --color / NO_COLOR
    let look = cli.global.console();
    console::set_colors_enabled(look.colour);
    console::set_colors_enabled_stderr(look.colour && cli.global.color != out::ColorChoice::Never);
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
        Some(Command::List(a)) => cmd_list(&cli.global, a),
        Some(Command::Check(a)) => cmd_check(&cli.global, a),
        Some(Command::Verify(a)) => cmd_verify(&cli.global, a),
        Some(Command::New(a)) => cmd_new(&cli.global, a),
        Some(Command::Fetch(f)) => cmd_fetch(&cli.global, f),
        Some(Command::Audit(a)) => harness::audit::run_audit(a, &look)
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
