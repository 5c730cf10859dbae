//! # repro-stats
//!
//! The statistics engine of the paper-reproduction harness: estimates (mean, SD, t and bootstrap
//! intervals, IQM, probability of improvement), tests (t, Welch, Wilcoxon, sign, Friedman /
//! Iman–Davenport / Nemenyi, Holm / Benjamini–Hochberg), cherry-pick detectors (best-of-k,
//! subset selection, excess significance, power) and the verdict rules used by the report.
//! Every procedure follows the project's statistics specification (SciPy 1.17.1 /
//! statsmodels 0.15.0 / NumPy 2.4.6 behaviour); deliberate differences are listed in the
//! crate README.

#![warn(missing_docs)]

pub mod audit;
pub mod audit_table;
pub mod bestofk;
pub mod bootstrap;
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
pub mod procedures;
pub(crate) mod quad;
pub mod rliable;
pub mod selection;
pub mod summary;
pub mod ttest;
pub mod verdict;
pub mod wilcoxon;

pub use audit::{procedure_names, run_audit, run_stats, AuditArgs, StatsArgs};
pub use describe::{Alternative, Sample};
pub use error::StatsError;
