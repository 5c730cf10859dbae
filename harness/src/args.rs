//! The command-line options that several subcommands share or that the library turns into
//! requests (clap derive; the doc comments are the `--help` text). `src/main.rs` holds the
//! top-level parser, the subcommand list and the dispatch.

use crate::data::Fetcher;
use crate::run::{RunOptions, Shard};
use crate::select::SelectRequest;
use clap::Args;
use std::path::{Path, PathBuf};

/// Where dataset files come from (only for the subcommands that read datasets).
#[derive(Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// Extra local mirror directory of dataset files (repeatable); also `HARNESS_DATA_DIRS`
    /// (colon-separated). `/usr/share/datasets` (Debian data packages) is always searched.
    #[arg(long = "data-dir")]
    pub data_dirs: Vec<PathBuf>,
    /// Download cache (default: `HARNESS_CACHE_DIR`, else `~/.cache/repro-harness`).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Never download datasets.
    #[arg(long)]
    pub offline: bool,
}

impl DataArgs {
    /// A fetcher for the project at `root` with these options.
    pub fn fetcher(&self, root: &Path) -> Fetcher {
        let mut fetcher = Fetcher::new(root, &self.data_dirs, self.cache_dir.clone());
        fetcher.offline = self.offline;
        fetcher
    }

    /// These options with `other`'s added (flags given before and after the subcommand).
    pub fn merged(&self, other: &DataArgs) -> DataArgs {
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

/// Which runs (`run`, `report`, `fetch`): see [`SelectRequest`].
#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Paper id (repeatable). Without --paper and --suite: the `quick` suite.
    #[arg(long)]
    pub paper: Vec<String>,
    /// Suite name (`configs/suites/<name>.toml`).
    #[arg(long)]
    pub suite: Option<String>,
    /// Only these variants (repeatable).
    #[arg(long)]
    pub variant: Vec<String>,
    /// Only these datasets (repeatable).
    #[arg(long)]
    pub dataset: Vec<String>,
    /// At most this many seeds per (variant, dataset).
    #[arg(long)]
    pub seeds: Option<usize>,
}

/// Options of `harness fetch`.
#[derive(Args, Debug, Clone, Default)]
pub struct FetchArgs {
    /// Which runs.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Where dataset files come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// One line per file (where each was found), not one per dataset.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Options of `harness run` (and of the bare `harness`).
#[derive(Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Which runs.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Where dataset files come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// Recompute runs that already have a matching record.
    #[arg(long)]
    pub rerun: bool,
    /// Only list what would be computed and what reused, with a time estimate from the recorded
    /// timings; train nothing, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Runs executed in parallel (default: number of CPU cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Compute threads per run (default 1). Results are bitwise reproducible for a fixed value.
    #[arg(long, default_value_t = 1)]
    pub threads_per_run: usize,
    /// Run only shard INDEX of COUNT of the run matrix (0-based, e.g. `--shard 3/8`): runs at
    /// positions INDEX, INDEX+COUNT, … of the planned matrix. Shards write records into one
    /// results directory; merge with `harness report` when all have finished.
    #[arg(long, value_name = "INDEX/COUNT", conflicts_with = "shards")]
    pub shard: Option<String>,
    /// Split the run matrix into COUNT shards and run the one named by the scheduler:
    /// `SLURM_ARRAY_TASK_ID` (minus `SLURM_ARRAY_TASK_MIN`) in a Slurm job array, or
    /// `JOB_COMPLETION_INDEX` in a Kubernetes indexed job.
    #[arg(long, value_name = "COUNT")]
    pub shards: Option<usize>,
}

/// Options of `harness verify`.
#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Where dataset files come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this paper (repeatable).
    #[arg(long)]
    pub paper: Vec<String>,
    /// Records to recompute in all (default: 2 per paper).
    #[arg(long)]
    pub sample: Option<usize>,
    /// Seed of the random choice of records.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Only records whose recorded wall time is at most this many seconds.
    #[arg(long, default_value_t = 30.0)]
    pub max_run_seconds: f64,
    /// Relative tolerance of "equal within tolerance".
    #[arg(long, default_value_t = 1e-9)]
    pub tolerance: f64,
}

/// Options of `harness list`.
#[derive(Args, Debug, Clone, Default)]
pub struct ListArgs {
    /// Print the README's paper table (Markdown), generated from the configs.
    #[arg(long, conflicts_with = "keys")]
    pub markdown: bool,
    /// Print every planned run (all papers, whole configs) with its record key.
    #[arg(long)]
    pub keys: bool,
}

/// Options of `harness check`.
#[derive(Args, Debug, Clone, Default)]
pub struct CheckArgs {
    /// Where dataset files come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// Check only this paper (its config, datasets and crate).
    #[arg(long)]
    pub paper: Option<String>,
    /// Optimizer steps (or epochs) of the smoke and determinism runs.
    #[arg(long, default_value_t = 5)]
    pub smoke_steps: u64,
}

impl RunArgs {
    /// The scheduler options: `--jobs` (default: the number of CPU cores), `--threads-per-run`
    /// (at least 1), `--rerun`.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            jobs: self.jobs.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            }),
            threads_per_run: self.threads_per_run.max(1),
            rerun: self.rerun,
        }
    }

    /// The shard to run: `--shard INDEX/COUNT`, or `--shards COUNT` with the index from the
    /// scheduler's environment variables; `None` for the whole matrix.
    ///
    /// Errors ([`crate::HarnessError::Shard`]): a malformed or out-of-range value, or
    /// `--shards` outside a Slurm array or Kubernetes indexed job.
    pub fn shard(&self) -> crate::Result<Option<Shard>> {
        Ok(match (&self.shard, self.shards) {
            (Some(s), _) => Some(Shard::parse(s)?),
            (None, Some(n)) => Some(Shard::from_scheduler(n, |k| std::env::var(k).ok())?),
            (None, None) => None,
        })
    }
}

impl SelectArgs {
    /// The library's form of these options.
    pub fn request(&self) -> SelectRequest {
        SelectRequest {
            papers: self.paper.clone(),
            suite: self.suite.clone(),
            variants: self.variant.clone(),
            datasets: self.dataset.clone(),
            seeds: self.seeds,
        }
    }
}
