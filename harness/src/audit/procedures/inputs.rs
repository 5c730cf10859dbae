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
    pub(super) rules: RulesIn,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompIn {
    pub(super) comparison: ComparisonInput,
    #[serde(default)]
    pub(super) rules: RulesIn,
}

/// The `rules` object of `assess_claims`, `assess_comparison` and `paper_level`: the fields of
/// [`Rules`] (missing ones take the defaults), refused when a key is not one of them (`alfa`),
/// and checked by [`check_rules`] after parsing (a procedure never silently replaces a value).
#[derive(Debug, Clone, Default)]
pub(crate) struct RulesIn(pub(crate) Rules);

impl<'de> Deserialize<'de> for RulesIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let known = serde_json::to_value(Rules::default()).map_err(D::Error::custom)?;
        let (Some(obj), Some(known)) = (v.as_object(), known.as_object()) else {
            return Err(D::Error::custom("`rules` must be a JSON object"));
        };
        if let Some(k) = obj.keys().find(|k| !known.contains_key(*k)) {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            return Err(D::Error::custom(format!(
                "unknown field `rules.{k}`, expected one of {}",
                names.join(", ")
            )));
        }
        serde_json::from_value(v)
            .map(RulesIn)
            .map_err(|e| D::Error::custom(format!("rules: {e}")))
    }
}

/// [`Rules::validate`] plus the counts it leaves open: `min_runs` and `min_run_sets` ≥ 1.
/// Errors name the field as `rules.<field>`.
pub(crate) fn check_rules(r: &Rules) -> repro_stats::error::Result<()> {
    r.validate()?;
    for (name, v) in [
        ("rules.min_runs", r.min_runs),
        ("rules.min_run_sets", r.min_run_sets),
    ] {
        if v == 0 {
            return Err(repro_stats::error::StatsError::param(
                name,
                v,
                "must be ≥ 1",
            ));
        }
    }
    Ok(())
}

/// Checks a claim's `resolution` beyond [`Claim::validate`] (finite, > 0): a printed value is a
/// multiple of its printing step, so the step cannot exceed the value's magnitude (or 1 for a
/// claim printed as 0). Errors name the claim and the field.
pub(crate) fn check_resolution(
    id: &str,
    value: f64,
    resolution: Option<f64>,
) -> repro_stats::error::Result<()> {
    match resolution {
        Some(r) if r.is_finite() && r > value.abs().max(1.0) => Err(repro_stats::error::StatsError::param(
            &format!("claim `{id}`: resolution"),
            r,
            &format!(
                "exceeds the claimed value's magnitude ({}): a value printed to a resolution is a multiple of it; give the printing step (e.g. 0.01 for a claim printed as a whole percent)",
                repro_stats::describe::fmt_sig(value.abs().max(1.0), 4)
            ),
        )),
        _ => Ok(()),
    }
}
