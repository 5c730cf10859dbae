//! `harness run --dry-run`: what a run would compute and reuse per (paper, variant, dataset)
//! cell, and a time estimate from the wall times already recorded (of the same cell, else of
//! other variants on the same dataset). Nothing is trained or written.

use super::RunSpec;
use crate::out::plural;
use crate::record::{RunRecord, Store};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// (paper, variant, dataset) of a cell.
type CellKey = (String, String, String);

/// Where a cell's seconds per run come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimingSource {
    /// Records of the same (paper, variant, dataset), stale keys included.
    SameCell,
    /// Records of the same (paper, dataset) with other variants.
    OtherVariants,
}

/// One (paper, variant, dataset) cell of a plan: runs to compute and to reuse, and the mean
/// recorded wall seconds per run to estimate from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Paper id.
    pub paper: String,
    /// Variant name.
    pub variant: String,
    /// Dataset name.
    pub dataset: String,
    /// Runs that would be computed (no matching record, an error record, or `--rerun`).
    pub compute: usize,
    /// Runs whose matching record would be reused.
    pub reuse: usize,
    /// Mean recorded wall seconds per run and where it comes from: the records of the same cell
    /// (any seed, stale keys included), else those of the same (paper, dataset) with other
    /// variants; `None` when neither has a timing.
    pub seconds_per_run: Option<(f64, TimingSource)>,
}

/// The dry-run estimate of a plan: its cells in plan order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    /// The cells, in plan order.
    pub cells: Vec<Cell>,
}

/// Recorded wall seconds by (paper, variant, dataset): (number of records, total seconds).
pub type Timings = BTreeMap<CellKey, (usize, f64)>;

/// Mean of (count, sum).
fn mean((n, s): &(usize, f64)) -> f64 {
    s / *n as f64
}

/// The mean seconds per run of cell `key` from `timings`: the cell's own records, else those of
/// the same (paper, dataset) with any other variant.
fn seconds_for(timings: &Timings, key: &CellKey) -> Option<(f64, TimingSource)> {
    if let Some(t) = timings.get(key).filter(|t| t.0 > 0) {
        return Some((mean(t), TimingSource::SameCell));
    }
    let (n, sum) = timings
        .iter()
        .filter(|((p, v, d), _)| *p == key.0 && *d == key.2 && *v != key.1)
        .fold((0, 0.0), |(n, s), (_, (m, t))| (n + m, s + t));
    (n > 0).then(|| (sum / n as f64, TimingSource::OtherVariants))
}

impl Estimate {
    /// The estimate of `runs`: `existing` are their matching records (as from
    /// [`super::existing_records`], `None` = missing), in `runs`' order; `timings` the recorded
    /// wall seconds per cell (as from [`recorded_timings`]). With `rerun`, every run is
    /// computed.
    pub fn of(
        runs: &[RunSpec],
        existing: &[Option<RunRecord>],
        timings: &Timings,
        rerun: bool,
    ) -> Self {
        let mut cells: Vec<Cell> = Vec::new();
        for (r, rec) in runs.iter().zip(existing) {
            let reuse = !rerun && rec.as_ref().is_some_and(|x| !x.status.is_error());
            match cells.last_mut() {
                Some(c)
                    if c.paper == r.paper && c.variant == r.variant && c.dataset == r.dataset =>
                {
                    if reuse {
                        c.reuse += 1
                    } else {
                        c.compute += 1
                    }
                }
                _ => {
                    let key = (r.paper.clone(), r.variant.clone(), r.dataset.clone());
                    let seconds_per_run = seconds_for(timings, &key);
                    cells.push(Cell {
                        paper: key.0,
                        variant: key.1,
                        dataset: key.2,
                        compute: (!reuse) as usize,
                        reuse: reuse as usize,
                        seconds_per_run,
                    })
                }
            }
        }
        Self { cells }
    }

    /// [`Estimate::of`] with the records read from `store` (unreadable ones warned about on
    /// stderr and counted as missing) and the timings of every record of the plan's papers
    /// ([`recorded_timings`]). Never fails on a bad record (kept as `Result` like
    /// [`super::existing_records`]).
    pub fn load(store: &Store, runs: &[RunSpec], rerun: bool) -> crate::Result<Self> {
        let existing = super::existing_records(store, runs)?;
        let mut papers: Vec<&str> = runs.iter().map(|r| r.paper.as_str()).collect();
        papers.sort_unstable();
        papers.dedup();
        let timings = recorded_timings(store, &papers);
        Ok(Self::of(runs, &existing, &timings, rerun))
    }

    /// The report `harness run --dry-run` prints: a header naming `runs_dir`, one line per cell,
    /// and the totals with the CPU and wall time estimated for `jobs` parallel runs.
    pub fn render(&self, runs_dir: &Path, jobs: usize) -> String {
        let mut out = String::new();
        let mut total_secs = 0.0;
        let mut unknown = 0usize;
        let (mut n_compute, mut n_reuse) = (0, 0);
        let _ = writeln!(
            out,
            "dry run: nothing is trained or written; records would go to {}",
            runs_dir.display()
        );
        for c in &self.cells {
            n_compute += c.compute;
            n_reuse += c.reuse;
            let estimate = match c.seconds_per_run {
                Some((s, from)) if c.compute > 0 => {
                    total_secs += s * c.compute as f64;
                    let whose = match from {
                        TimingSource::SameCell => "recorded runs of this cell",
                        TimingSource::OtherVariants => {
                            "recorded runs of other variants on this dataset"
                        }
                    };
                    format!(", ≈ {} per run from {whose}", duration(s))
                }
                None if c.compute > 0 => {
                    unknown += c.compute;
                    ", no timing recorded for this dataset".to_string()
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} {} {}: compute {}, reuse {}{estimate}",
                c.paper, c.variant, c.dataset, c.compute, c.reuse
            );
        }
        let jobs = jobs.max(1);
        let _ = writeln!(
            out,
            "{} planned: {n_compute} to compute, {n_reuse} to reuse; estimated {} of CPU time, about {} wall with {}{}",
            plural(n_compute + n_reuse, "run", "runs"),
            duration(total_secs),
            duration(total_secs / jobs.min(n_compute.max(1)) as f64),
            plural(jobs, "parallel run", "parallel runs"),
            if unknown > 0 {
                format!(" (plus {} without a recorded timing)", plural(unknown, "run", "runs"))
            } else {
                String::new()
            }
        );
        out
    }
}

/// The wall seconds of every readable, non-error record of `papers` under `store`, whatever its
/// key or seed (a record computed by older code still says how long the cell takes), summed by
/// (paper, variant, dataset). Unreadable files are skipped (the plan's own are warned about by
/// [`super::existing_records`]).
pub fn recorded_timings(store: &Store, papers: &[&str]) -> Timings {
    let mut out = Timings::new();
    for paper in papers {
        let root = store.results_dir.join("runs").join(paper);
        for dataset in subdirs(&root) {
            for variant in subdirs(&root.join(&dataset)) {
                let dir = root.join(&dataset).join(&variant);
                let Ok(files) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for f in files.flatten() {
                    let name = f.file_name().to_string_lossy().into_owned();
                    if !(name.starts_with("seed-") && name.ends_with(".json")) {
                        continue;
                    }
                    if let Ok(Some(rec)) = store.load(&f.path()) {
                        if rec.status.is_error() {
                            continue;
                        }
                        let e = out
                            .entry((paper.to_string(), variant.clone(), dataset.clone()))
                            .or_default();
                        e.0 += 1;
                        e.1 += rec.timings.wall_seconds;
                    }
                }
            }
        }
    }
    out
}

/// Names of the subdirectories of `dir` (none when it cannot be read).
fn subdirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Seconds as people read them: "42 s", "3.5 min", "1.9 h".
pub fn duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else if secs < 5400.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(variant: &str, dataset: &str, seed: u64) -> RunSpec {
        RunSpec {
            id: crate::RunId::new("p", variant, dataset, seed),
            hyperparameters: toml::Table::new(),
            dataset_sha256: BTreeMap::new(),
            reproduction_version: "1".into(),
            code_hash: "c".into(),
        }
    }

    #[test]
    fn durations_read_as_seconds_minutes_hours() {
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(210.0), "3.5 min");
        assert_eq!(duration(6840.0), "1.9 h");
    }

    /// (variant, dataset, runs to compute, seconds per run and their source) of a cell.
    type Row<'a> = (&'a str, &'a str, usize, Option<(f64, TimingSource)>);

    #[test]
    fn cells_estimate_from_the_cell_else_other_variants_on_the_dataset_else_say_so() {
        let runs = [
            spec("a", "x", 1),
            spec("a", "x", 2),
            spec("a", "y", 1),
            spec("b", "x", 1),
            spec("b", "y", 1),
        ];
        // (a, x) recorded at 10 s (a stale seed 7 included), (c, x) at 30 s; nothing on y
        let mut timings = Timings::new();
        timings.insert(("p".into(), "a".into(), "x".into()), (2, 20.0));
        timings.insert(("p".into(), "c".into(), "x".into()), (1, 30.0));
        let est = Estimate::of(&runs, &[None, None, None, None, None], &timings, false);
        let got: Vec<Row> = est
            .cells
            .iter()
            .map(|c| {
                (
                    c.variant.as_str(),
                    c.dataset.as_str(),
                    c.compute,
                    c.seconds_per_run,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", "x", 2, Some((10.0, TimingSource::SameCell))),
                // not a's 10 s on another dataset
                ("a", "y", 1, None),
                // (a, x) and (c, x): 50 s over 3 records
                ("b", "x", 1, Some((50.0 / 3.0, TimingSource::OtherVariants))),
                ("b", "y", 1, None),
            ]
        );
        let text = est.render(Path::new("/r/runs"), 2);
        assert!(text
            .starts_with("dry run: nothing is trained or written; records would go to /r/runs\n"));
        assert!(
            text.contains(
                "  p a x: compute 2, reuse 0, ≈ 10 s per run from recorded runs of this cell\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "  p b x: compute 1, reuse 0, ≈ 17 s per run from recorded runs of other variants on this dataset\n"
        ));
        assert!(text.contains("  p a y: compute 1, reuse 0, no timing recorded for this dataset\n"));
        assert!(text.ends_with(
            "5 runs planned: 5 to compute, 0 to reuse; estimated 37 s of CPU time, about 18 s wall \
             with 2 parallel runs (plus 2 runs without a recorded timing)\n"
        ), "{text}");
    }
}
