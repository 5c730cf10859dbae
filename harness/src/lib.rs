//! The harness library: configs, dataset fetching, the run matrix and scheduler, run records
//! with provenance, and reports. The `harness` binary (src/main.rs) is a thin CLI over it.
//!
//! Data flow: `configs/papers/<paper>.toml` → [`run::plan`] (variant × dataset × seed) →
//! [`data::Fetcher`] (cache → shipped `data/` → mirrors → download, SHA-256 checked) →
//! the paper's [`repro_kit::Reproduction`] → [`record::RunRecord`] written atomically under
//! `results/runs/` → [`report`] (statistics from `repro-stats`) → `results/<paper>.md|csv|json`.

pub mod args;
pub mod audit;
pub mod check;
pub mod config;
pub mod data;
pub mod error;
pub mod id;
pub mod listing;
pub mod out;
pub mod record;
pub mod registry;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod select;
pub mod session;
pub mod verify;

pub use error::{HarnessError, Result};
pub use id::RunId;
