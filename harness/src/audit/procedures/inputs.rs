//! Input objects of the `harness stats` procedures (one struct per input shape; unknown fields
//! are refused) and their defaults.

use repro_stats::bootstrap::{BootstrapMethod, Statistic, DEFAULT_RESAMPLES};
use repro_stats::describe::Alternative;
use repro_stats::power::Design;
use repro_stats::rliable::{Aggregate, RLIABLE_REPS};
use repro_stats::selection::{DEFAULT_MAX_ENUM, DEFAULT_MC_DRAWS};
use repro_stats::verdict::{Claim, ComparisonInput, Direction, Outcome, Rules};
use repro_stats::wilcoxon::{SignTies, WilcoxonMethod, ZeroMethod};
use serde::Deserialize;

fn d95() -> f64 {
    0.95
}
fn d05() -> f64 {
    0.05
}
fn d25() -> f64 {
    0.25
}
fn dres() -> usize {
    DEFAULT_RESAMPLES
}
fn dreps() -> usize {
    RLIABLE_REPS
}
fn dtrue() -> bool {
    true
}
fn d1() -> f64 {
    1.0
}
fn dmaxenum() -> u64 {
    DEFAULT_MAX_ENUM
}
fn dmc() -> usize {
    DEFAULT_MC_DRAWS
}
fn d80() -> f64 {
    0.8
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct XIn {
    pub(super) x: Vec<f64>,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct T1In {
    pub(super) x: Vec<f64>,
    #[serde(default)]
    pub(super) popmean: f64,
    #[serde(default)]
    pub(super) alternative: Alternative,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct T2In {
    pub(super) x: Vec<f64>,
    pub(super) y: Vec<f64>,
    #[serde(default)]
    pub(super) alternative: Alternative,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BootIn {
    pub(super) x: Vec<f64>,
    pub(super) y: Option<Vec<f64>>,
    pub(super) statistic: Option<Statistic>,
    #[serde(default)]
    pub(super) method: BootstrapMethod,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
    #[serde(default)]
    pub(super) alternative: Alternative,
    #[serde(default = "dres")]
    pub(super) resamples: usize,
    #[serde(default)]
    pub(super) seed: u64,
}
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(super) enum DistStat {
    Mean,
    Median,
    Iqm,
    Sd,
    MeanDifference,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DistIn {
    pub(super) samples: Vec<Vec<f64>>,
    pub(super) theta_star: Vec<f64>,
    pub(super) statistic: DistStat,
    #[serde(default)]
    pub(super) method: BootstrapMethod,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
    #[serde(default)]
    pub(super) alternative: Alternative,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrimIn {
    pub(super) x: Vec<f64>,
    #[serde(default = "d25")]
    pub(super) proportion: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AggIn {
    pub(super) scores: Vec<Vec<f64>>,
    #[serde(default)]
    pub(super) aggregate: Aggregate,
    #[serde(default = "dreps")]
    pub(super) reps: usize,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
    #[serde(default)]
    pub(super) seed: u64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PoiIn {
    pub(super) x: Vec<Vec<f64>>,
    pub(super) y: Vec<Vec<f64>>,
    #[serde(default)]
    pub(super) ci: bool,
    #[serde(default = "dreps")]
    pub(super) reps: usize,
    #[serde(default = "d95")]
    pub(super) confidence: f64,
    #[serde(default)]
    pub(super) seed: u64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WilIn {
    pub(super) x: Vec<f64>,
    pub(super) y: Option<Vec<f64>>,
    #[serde(default)]
    pub(super) zero_method: ZeroMethod,
    #[serde(default)]
    pub(super) correction: bool,
    #[serde(default)]
    pub(super) alternative: Alternative,
    #[serde(default)]
    pub(super) method: WilcoxonMethod,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignIn {
    pub(super) x: Vec<f64>,
    pub(super) y: Option<Vec<f64>>,
    #[serde(default)]
    pub(super) alternative: Alternative,
    #[serde(default)]
    pub(super) ties: SignTies,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FriedIn {
    pub(super) scores: Vec<Vec<f64>>,
    pub(super) direction: Direction,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CdIn {
    pub(super) k: usize,
    pub(super) n: usize,
    #[serde(default = "d05")]
    pub(super) alpha: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PIn {
    pub(super) p_values: Vec<f64>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmnIn {
    pub(super) k: f64,
    #[serde(default)]
    pub(super) mu: f64,
    #[serde(default = "d1")]
    pub(super) sigma: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmeIn {
    pub(super) scores: Vec<f64>,
    pub(super) n: f64,
    #[serde(default = "dtrue")]
    pub(super) replacement: bool,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IknIn {
    pub(super) claim: f64,
    pub(super) mu: f64,
    pub(super) sigma: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IkeIn {
    pub(super) claim: f64,
    pub(super) scores: Vec<f64>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SelIn {
    pub(super) effects: Vec<f64>,
    pub(super) reported: Vec<usize>,
    #[serde(default = "dmaxenum")]
    pub(super) max_enum: u64,
    #[serde(default = "dmc")]
    pub(super) mc_draws: usize,
    #[serde(default)]
    pub(super) seed: u64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExIn {
    pub(super) effects: Vec<f64>,
    pub(super) standard_errors: Vec<f64>,
    #[serde(default = "d05")]
    pub(super) alpha: f64,
    pub(super) theta: Option<f64>,
    #[serde(default)]
    pub(super) h0: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NctIn {
    pub(super) t: f64,
    pub(super) df: f64,
    pub(super) nc: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PowIn {
    pub(super) n: usize,
    pub(super) gap: f64,
    pub(super) sd: f64,
    #[serde(default = "d05")]
    pub(super) alpha: f64,
    #[serde(default)]
    pub(super) design: Design,
    #[serde(default)]
    pub(super) alternative: Alternative,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NeedIn {
    pub(super) gap: f64,
    pub(super) sd: f64,
    #[serde(default = "d05")]
    pub(super) alpha: f64,
    #[serde(default = "d80")]
    pub(super) power: f64,
    #[serde(default)]
    pub(super) design: Design,
    #[serde(default)]
    pub(super) alternative: Alternative,
}
#[derive(Deserialize)]
pub(super) struct ClaimWithRuns {
    #[serde(flatten)]
    pub(super) claim: Claim,
    pub(super) runs: Vec<Outcome>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClaimsIn {
    pub(super) claims: Vec<ClaimWithRuns>,
    #[serde(default)]
    pub(super) rules: Rules,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompIn {
    pub(super) comparison: ComparisonInput,
    #[serde(default)]
    pub(super) rules: Rules,
}
