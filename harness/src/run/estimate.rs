//! `harness run --dry-run`: what a run would compute and reuse per (paper, variant, dataset)
//! cell, and a time estimate from the wall times already recorded. Nothing is trained or
//! written.

use super::RunSpec;
use crate::out::plural;
use crate::record::{RunRecord, Store};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// (paper, variant, dataset) of a cell.
type CellKey = (String, String, String);

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
    /// Mean recorded wall seconds per run of the same cell (any record, even a stale one), else
    /// of the same (paper, variant); `None` when nothing is recorded.
    pub seconds_per_run: Option<f64>,
}

/// The dry-run estimate of a plan: its cells in plan order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    /// The cells, in plan order.
    pub cells: Vec<Cell>,
}

/// Mean of (count, sum).
fn mean((n, s): &(usize, f64)) -> f64 {
    s / *n as f64
}

impl Estimate {
    /// The estimate of `runs`: `existing` are their matching records (as from
    /// [`super::existing_records`], `None` = missing), `recorded` the wall seconds of whatever
    /// record exists at each run's path (stale ones too; `None` = none), both in `runs`' order.
    /// With `rerun`, every run is computed.
    pub fn of(
        runs: &[RunSpec],
        existing: &[Option<RunRecord>],
        recorded: &[Option<f64>],
        rerun: bool,
    ) -> Self {
        let mut cell_secs: BTreeMap<CellKey, (usize, f64)> = BTreeMap::new();
        let mut variant_secs: BTreeMap<(String, String), (usize, f64)> = BTreeMap::new();
        for (r, w) in runs.iter().zip(recorded) {
            if let Some(w) = *w {
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
                    let seconds_per_run = cell_secs
                        .get(&key)
                        .or_else(|| variant_secs.get(&(key.0.clone(), key.1.clone())))
                        .map(mean);
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
    /// stderr and counted as missing). Never fails on a bad record (kept as `Result` like
    /// [`super::existing_records`]).
    pub fn load(store: &Store, runs: &[RunSpec], rerun: bool) -> crate::Result<Self> {
        let existing = super::existing_records(store, runs)?;
        let recorded: Vec<Option<f64>> = runs
            .iter()
            .map(|r| {
                let path = store.record_path(&r.id);
                match store.load(&path) {
                    Ok(Some(rec)) => Some(rec.timings.wall_seconds),
                    _ => None,
                }
            })
            .collect();
        Ok(Self::of(runs, &existing, &recorded, rerun))
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
                Some(s) if c.compute > 0 => {
                    total_secs += s * c.compute as f64;
                    format!(", ≈ {} per run from recorded timings", duration(s))
                }
                None if c.compute > 0 => {
                    unknown += c.compute;
                    ", no recorded timing to estimate from".to_string()
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

    #[test]
    fn cells_count_runs_and_estimate_from_the_cell_else_the_variant() {
        let runs = [
            spec("a", "x", 1),
            spec("a", "x", 2),
            spec("a", "y", 1),
            spec("b", "x", 1),
        ];
        // seed 1 of (a, x) was recorded at 10 s, nothing else
        let recorded = [Some(10.0), None, None, None];
        let est = Estimate::of(&runs, &[None, None, None, None], &recorded, false);
        let got: Vec<(&str, &str, usize, usize, Option<f64>)> = est
            .cells
            .iter()
            .map(|c| {
                (
                    c.variant.as_str(),
                    c.dataset.as_str(),
                    c.compute,
                    c.reuse,
                    c.seconds_per_run,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", "x", 2, 0, Some(10.0)),
                ("a", "y", 1, 0, Some(10.0)),
                ("b", "x", 1, 0, None)
            ]
        );
        let text = est.render(Path::new("/r/runs"), 2);
        assert!(text
            .starts_with("dry run: nothing is trained or written; records would go to /r/runs\n"));
        assert!(
            text.contains("  p a x: compute 2, reuse 0, ≈ 10 s per run from recorded timings\n")
        );
        assert!(text.contains("  p b x: compute 1, reuse 0, no recorded timing to estimate from\n"));
        assert!(text.ends_with(
            "4 runs planned: 4 to compute, 0 to reuse; estimated 30 s of CPU time, about 15 s wall \
             with 2 parallel runs (plus 1 run without a recorded timing)\n"
        ));
    }
}
