//! Result tables: per claim (estimate, interval, percentile, corrected p, verdict, seed-picking
//! flag) and per comparison (per-dataset effect, win/tie/loss, Wilcoxon, dataset-selection test),
//! printed and written to `results/<paper>.md`, `.csv`, `.json`, `.tex` and `.html`. All
//! statistics come from [`repro_stats`]; the rules are printed under every table.
//!
//! Three layers, each importing only the ones before it (no module imports from this one):
//!
//! 1. The **model**, built from the records and configs with no I/O and no statistics of its
//!    own: [`rows`] (leaf: claim, comparison and timing rows), [`paper_level`], [`multi`],
//!    [`curves`], [`referenced`], [`protocol`] (protocol attribution, with the small piece each
//!    renderer prints of it) and [`model`] (the [`PaperReport`] of each paper).
//! 2. One **renderer** per format, each reading only the model: [`terminal`], [`markdown`],
//!    [`csv`], [`json`], [`latex`], [`html`] with its [`plots`] and [`cd_diagram`]. They share
//!    [`format`] (leaf: numbers and escaping), [`table`] (a format-neutral table) and
//!    [`content`] (the tables and sentences every format prints).
//! 3. The **publish** step, [`write`]: every file of a paper rendered, then published as one
//!    atomic set with its manifest ([`publish`]).

pub mod cd_diagram;
pub mod content;
pub mod csv;
pub mod curves;
pub mod format;
pub mod grid;
pub mod html;
pub mod json;
pub mod latex;
pub mod markdown;
pub mod model;
pub mod multi;
pub mod paper_level;
pub mod plots;
pub mod protocol;
pub mod publish;
pub mod referenced;
pub mod rows;
pub mod table;
pub mod terminal;
pub mod tradeoff;
#[cfg(test)]
mod tuned_tests;

pub use self::markdown::markdown;
pub use model::{adopt_paper_family, build, build_with, family_text, PaperReport};
pub use referenced::{referenced, referenced_note};
pub use rows::{ClaimRow, ComparisonRow, RunValue, SearchCost, TimingRow, TunedComparison};

use crate::Result;
use std::path::{Path, PathBuf};

/// Renders and publishes `<dir>/<paper>.md`, `.csv`, `.tex`, `.html`, `.json` (and
/// `<paper>-cd.svg` when the paper has a critical-difference diagram) as one set (see
/// [`publish`]: all rendered first, then renamed into place under a lock, with a manifest);
/// returns the Markdown path. Errors: a file that cannot be written, a plot that cannot be
/// drawn (nothing is published then).
pub fn write(dir: &Path, r: &PaperReport) -> Result<PathBuf> {
    let json = json::json(r)?;
    let mut files = vec![
        (format!("{}.md", r.paper), markdown(r).into_bytes()),
        (format!("{}.csv", r.paper), csv::csv(r)?.into_bytes()),
        (format!("{}.tex", r.paper), latex::latex(r).into_bytes()),
        (format!("{}.html", r.paper), html::html(r)?.into_bytes()),
        (format!("{}.json", r.paper), json.into_bytes()),
    ];
    if let Some(svg) = cd_diagram::paper_svg(r)? {
        files.push((format!("{}-cd.svg", r.paper), svg.into_bytes()));
    }
    publish::publish_set(dir, &r.paper, &files)?;
    Ok(dir.join(format!("{}.md", r.paper)))
}
