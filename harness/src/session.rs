//! What every command that reads the project starts from: the repository root, the loaded
//! configs, the record store and the dataset fetcher ([`Session`]); and the step that ends
//! `harness run` and `harness report`: write the selection's tables, then print them
//! ([`Session::report_and_print`]).

use crate::config::Project;
use crate::data::Fetcher;
use crate::error::HarnessError;
use crate::out::Console;
use crate::record::Store;
use crate::run::{self, Selection};
use crate::{outln, report, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The repository root: `given` (`--root` / `HARNESS_ROOT`), else the nearest ancestor of the
/// current directory holding `configs/datasets.toml`. Never the checkout the binary was built
/// from.
///
/// Errors ([`HarnessError::NoCheckout`]): `given` has no `configs/datasets.toml`, or no
/// ancestor has one; the message says how to point at a checkout.
pub fn find_root(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = given {
        if !r.join("configs/datasets.toml").is_file() {
            return Err(HarnessError::NoCheckout(format!(
                "--root / HARNESS_ROOT = {}: no configs/datasets.toml there; point it at a checkout of the repository",
                r.display()
            )));
        }
        return Ok(r);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| HarnessError::NoCheckout(format!("reading the current directory: {e}")))?;
    for dir in cwd.ancestors() {
        if dir.join("configs/datasets.toml").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    Err(HarnessError::NoCheckout(format!(
        "not inside a checkout: neither {} nor any parent has configs/datasets.toml. Run from the \
         repository, or say where it is with --root DIR or HARNESS_ROOT=DIR",
        cwd.display()
    )))
}

/// The loaded project and where records and datasets come from.
#[derive(Debug)]
pub struct Session {
    /// The configs.
    pub project: Project,
    /// The records (`<results>/runs/`) and tables (`<results>/`).
    pub store: Store,
    /// Resolves dataset files.
    pub fetcher: Fetcher,
    /// How stdout is laid out: compact tables fitted to the terminal, or Markdown lines;
    /// colours or not.
    pub console: Console,
    /// `--plain`: line output even on a terminal.
    pub plain: bool,
}

impl Session {
    /// Loads the project at `root` (warning on stderr about each broken paper config, with its
    /// own error, and about each comparison of another paper left out because it references
    /// one), with records under `results` (default `<root>/results`).
    ///
    /// Errors: `configs/datasets.toml` or a suite does not load (file and line named).
    pub fn open(
        root: &Path,
        results: Option<PathBuf>,
        plain: bool,
        console: Console,
        fetcher: Fetcher,
    ) -> Result<Self> {
        let project = Project::load(root)?;
        for w in project.broken_warnings() {
            eprintln!("warning: {w}");
        }
        let store = Store::new(results.unwrap_or_else(|| root.join("results")));
        Ok(Self {
            project,
            store,
            fetcher,
            console,
            plain,
        })
    }

    /// Before publishing the tables of `papers`: removes the staging directories of killed
    /// publishers and warns (stderr) about every set of published tables that disagrees with
    /// its manifest ([`crate::listing::table_warnings`]).
    fn check_published(&self, papers: &[&str]) {
        let dir = &self.store.results_dir;
        let n = report::publish::clean_stale_staging(dir);
        if n > 0 {
            eprintln!(
                "note: removed {} left in {} by an interrupted publish",
                crate::out::plural(n, "staging directory", "staging directories"),
                dir.display()
            );
        }
        for w in crate::listing::table_warnings(dir, papers) {
            eprintln!("warning: {w}");
        }
    }

    /// Builds the verdicts of the selection (claims corrected together across it, Holm by
    /// default) and the whole-paper tables; writes every file first — `results/suites/<suite>.md`
    /// when a suite was selected, and the published per-paper set `results/<paper>.md|csv|json|
    /// tex|html`, which always covers the paper's whole config (Holm across the paper's claims)
    /// — and only then prints, so that a closed stdout cannot lose any of them.
    ///
    /// On a terminal it prints a compact verdict table per paper fitted to the terminal's width
    /// (coloured unless `NO_COLOR` / `--color never`), one summary line and where the full
    /// tables are, each wrapped to the width; with `--plain` or when stdout is not a terminal, the Markdown
    /// tables (stable, line-oriented), then the same summary and paths.
    ///
    /// Errors: a selection that does not plan, or a table that cannot be written.
    pub fn report_and_print(&self, sel: &[Selection], suite: Option<&str>) -> Result<()> {
        let rules = repro_stats::verdict::Rules::default();
        let runs = run::plan(&self.project, sel)?;
        let records = run::existing_records(&self.store, &runs)?;
        let t0 = Instant::now();
        let refs = report::referenced(&self.project, &self.store, &runs)?;
        // The correction family of a claim is its paper, in this view as in the paper's own
        // tables: the view adopts the whole paper's adjusted p-values, verdicts and paper-level
        // line below, so a claim reads the same everywhere.
        let mut reports = report::build_with(&self.project, &runs, &records, &refs, &rules);
        let mut papers: Vec<&str> = sel.iter().map(|x| x.paper.as_str()).collect();
        papers.dedup();
        self.check_published(&papers);
        // 1. write everything
        let mut written: Vec<String> = Vec::new();
        for paper in papers {
            let whole = [Selection::whole_paper(paper)];
            let runs = run::plan(&self.project, &whole)?;
            let records = run::existing_records(&self.store, &runs)?;
            let refs = report::referenced(&self.project, &self.store, &runs)?;
            let left_out = self.project.unavailable.get(paper);
            for r in report::build_with(&self.project, &runs, &records, &refs, &rules) {
                for view in reports.iter_mut() {
                    report::model::adopt_paper_family(view, &r);
                }
                if left_out.is_some() {
                    continue;
                }
                let path = report::write(&self.store.results_dir, &r)?;
                written.push(format!(
                    "whole-paper tables (rules, intervals, plots): {} (also .csv .json .tex .html)",
                    path.display()
                ));
            }
            if let Some(left_out) = left_out {
                // do not replace complete published tables by ones without these comparisons
                written.push(format!(
                    "whole-paper tables of {paper} not republished: {} (warned above); fix that \
                     config, then `harness report --paper {paper}`",
                    crate::out::plural(
                        left_out.len(),
                        "comparison references a broken paper",
                        "comparisons reference a broken paper"
                    )
                ));
            }
        }
        let stats_seconds = t0.elapsed().as_secs_f64();
        if let Some(name) = suite {
            let mut combined = String::new();
            for r in &reports {
                combined.push_str(&report::markdown(r));
                combined.push('\n');
            }
            let path = self
                .store
                .results_dir
                .join("suites")
                .join(format!("{name}.md"));
            crate::record::write_atomic(&path, combined.as_bytes())?;
            written.insert(0, format!("suite tables: {}", path.display()));
        }
        // 2. print
        let n_items: usize = reports
            .iter()
            .map(|r| r.claims.len() + r.comparisons.len())
            .sum();
        if self.console.terminal {
            for r in &reports {
                outln!("{}", report::terminal::table(r, &self.console));
            }
        } else {
            for r in &reports {
                crate::out::text(&report::markdown(r));
                outln!();
            }
        }
        let c = &self.console;
        c.print(&format!(
            "statistics of {} computed in {stats_seconds:.2} s",
            crate::out::plural(n_items, "claim or comparison", "claims and comparisons")
        ));
        let summary = report::terminal::Summary::of(&reports);
        c.print(&report::terminal::summary_line(&summary, c.colour));
        for w in written {
            c.print(&w);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_without_configs_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_root(Some(dir.path().to_path_buf())).unwrap_err();
        assert!(matches!(err, HarnessError::NoCheckout(_)));
        let msg = err.to_string();
        assert!(msg.contains("no configs/datasets.toml there"), "{msg}");
        std::fs::create_dir(dir.path().join("configs")).unwrap();
        std::fs::write(dir.path().join("configs/datasets.toml"), "").unwrap();
        assert_eq!(
            find_root(Some(dir.path().to_path_buf())).unwrap(),
            dir.path()
        );
    }
}
