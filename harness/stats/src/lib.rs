//! # repro-stats
//!
//! The statistics engine of the paper-reproduction harness: estimates (mean, SD, t and bootstrap
//! intervals, IQM, probability of improvement), tests (t, Welch, Wilcoxon, sign, Friedman /
//! Iman–Davenport / Nemenyi, Holm / Benjamini–Hochberg), cherry-pick detectors (best-of-k,
//! subset selection, excess significance, power) and the verdict rules used by the report.
//! Every procedure follows the project's statistics specification (SciPy 1.17.1 /
//! statsmodels 0.15.0 / NumPy 2.4.6 behaviour); deliberate differences are listed in the
//! crate README.
//!
//! A pure library: typed functions and typed (serialisable) results, no argument parsing, file
//! reading or rendering. The `harness audit` / `harness stats` front ends are in the harness
//! (`harness/src/audit/`). Every verdict takes one [`Rules`] by reference: the claim and
//! comparison verdicts ([`verdict`]), the paper-level test ([`paper_level`]) and the
//! faithfulness check ([`faithfulness`]).

#![warn(missing_docs)]

pub mod bestofk;
pub mod bootstrap;
pub mod claim;
pub mod curves;
pub mod describe;
pub mod error;
pub mod excess;
pub mod faithfulness;
pub mod friedman;
pub mod limits;
pub mod mannwhitney;
pub mod multitest;
pub mod nemenyi_groups;
pub mod paper_level;
pub mod power;
pub mod protocol;
pub(crate) mod quad;
pub mod rliable;
pub mod rules;
pub mod selection;
pub mod summary;
pub mod ttest;
pub mod verdict;
pub mod wilcoxon;

pub use describe::{Alternative, Sample};
pub use error::StatsError;
pub use rules::Rules;
