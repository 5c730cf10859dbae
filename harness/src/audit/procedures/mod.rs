//! JSON front door to every procedure (`harness stats <procedure> --input FILE.json`).
//! Each procedure takes one JSON object (fields listed by [`procedure_help`]) and returns one
//! JSON object. JSON has no NaN or infinity, so non-finite numbers in the output are written as
//! the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (distinguishable, unlike `null`, which
//! means "absent"). Numbers in the input are parsed exactly (serde_json's `float_roundtrip`).
//!
//! The dispatch uses only `repro_stats`, `serde`, `serde_json` and `serde_value`, so the
//! statistics crate's reference-vector test (`harness/stats/tests/vectors.rs`) includes this
//! module as its own and checks the SciPy/statsmodels vectors through the same front door.

mod inputs;
mod json;
mod table;

pub use json::{num, to_json};

pub(crate) use inputs::check_resolution;
use inputs::*;
use repro_stats::bestofk::*;
use repro_stats::bootstrap::*;
use repro_stats::describe::*;
use repro_stats::error::{Result, StatsError};
use repro_stats::excess::excess_significance;
use repro_stats::friedman::{bonferroni_dunn_cd, friedman, nemenyi_cd};
use repro_stats::multitest::{benjamini_hochberg, holm};
use repro_stats::power::{nct_sf, seeds_needed, t_test_power};
use repro_stats::rliable::{
    aggregate, iqm, probability_of_improvement, probability_of_improvement_ci,
    stratified_bootstrap_ci,
};
use repro_stats::selection::subset_selection_test;
use repro_stats::ttest::{one_sample_t, paired_t, welch_t};
use repro_stats::verdict::{assess_claims, assess_comparison, Claim, Outcome};
use repro_stats::wilcoxon::{sign_test, wilcoxon};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// Names and input fields of every procedure (`name`, `fields`).
pub const PROCEDURES: &[(&str, &str)] = &[
    ("describe", "x: [number] (≥1) → n, mean, sd, median, min, max"),
    ("t_interval", "x: [number] (≥2), confidence=0.95 → low, high"),
    ("ttest_1samp", "x, popmean=0, alternative='two-sided'|'less'|'greater', confidence=0.95"),
    ("ttest_welch", "x, y (each ≥2), alternative, confidence"),
    ("ttest_paired", "x, y (equal length ≥2), alternative, confidence"),
    ("bootstrap", "x, y? (then the statistic is the mean difference; `statistic` other than mean is an error), statistic='mean'|'median'|'iqm'|'sd', method='bca'|'percentile', confidence, alternative, resamples=9999, seed=0"),
    ("bootstrap_interval_from_distribution", "samples: [[number]] (the data), theta_star: [number], statistic='mean'|'median'|'iqm'|'sd'|'mean_difference', method='bca'|'percentile', confidence, alternative"),
    ("trim_mean", "x, proportion=0.25"),
    ("iqm", "x: [number]"),
    ("rliable_aggregate", "scores: [[number]] runs × tasks, aggregate='iqm'|'mean'|'median'|'optimality_gap'"),
    ("stratified_bootstrap", "scores, aggregate, reps=50000, confidence=0.95, seed=0"),
    ("probability_of_improvement", "x, y: [[number]] runs × tasks, ci=false, reps=50000, confidence=0.95, seed=0"),
    ("wilcoxon", "x (or differences), y?, zero_method='wilcox'|'pratt'|'zsplit', correction=false, alternative, method='auto'|'exact'|'asymptotic'"),
    ("sign_test", "x (or differences), y?, alternative, ties='drop'|'split'"),
    ("friedman", "scores: [[number]] data sets × methods, direction='higher'|'lower'"),
    ("nemenyi_cd", "k (2..10), n (data sets), alpha=0.05|0.10"),
    ("bonferroni_dunn_cd", "k (2..10), n, alpha=0.05|0.10"),
    ("holm", "p_values: [number in 0..1]"),
    ("benjamini_hochberg", "p_values: [number in 0..1]"),
    ("expected_max_normal", "k ≥ 1 (real), mu=0, sigma=1"),
    ("expected_max_empirical", "scores, n ≥ 1, replacement=true (false: Tang et al., integer n ≤ N)"),
    ("implied_k_normal", "claim, mu, sigma"),
    ("implied_k_empirical", "claim, scores"),
    ("subset_selection", "effects: [number], reported: [index], max_enum=100000, mc_draws=20000, seed=0"),
    ("excess_significance", "effects, standard_errors, alpha=0.05, theta?, h0=0"),
    ("nct_sf", "t, df, nc → p"),
    ("ttest_power", "n, gap, sd, alpha=0.05, design='one_sample'|'two_sample', alternative"),
    ("seeds_needed", "gap, sd, alpha=0.05, power=0.8, design, alternative"),
    ("assess_claims", "claims: [{id, value, standard_error?, direction, reported_as?, runs: [number|'failed']}], rules?"),
    ("assess_comparison", "comparison: {id, direction, paired, datasets: [{name, method, baseline, reported}]}, rules?"),
    ("mann_whitney_u", "x, y (each ≥1), use_continuity=true, alternative, method='auto'|'exact'|'asymptotic'"),
    ("faithfulness", "reproduced: [number|'failed'], published: [number], source='', alpha=0.05"),
    ("best_of_pivot_sf", "q, m ≥ 1 (best of m), n ≥ 3 (runs) → p = P((max of m − runs' mean)/runs' sd ≥ q), normal runs"),
    ("paper_level", "claims: [{id, value, standard_error?, direction, reported_as?, resolution?, run_set?, runs: [number|'failed']}], rules? (the fields of assess_claims' rules; the paper level uses alpha, min_runs, min_run_sets, estimate_optimism, estimate_k; unknown fields are refused)"),
];

/// Procedure names accepted by [`run_procedure`].
pub fn names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| PROCEDURES.iter().map(|(n, _)| *n).collect())
}

/// Input fields of a procedure, or `None` if unknown.
pub fn procedure_help(name: &str) -> Option<&'static str> {
    PROCEDURES.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

fn parse<T: DeserializeOwned>(name: &str, v: &Value) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| {
        StatsError::Input(format!(
            "procedure `{name}`: invalid input: {e}. Expected fields: {}",
            procedure_help(name).unwrap_or("?")
        ))
    })
}

fn diffs(x: Vec<f64>, y: Option<Vec<f64>>) -> Result<Vec<f64>> {
    match y {
        None => Ok(x),
        Some(y) => {
            if x.len() != y.len() {
                return Err(StatsError::LengthMismatch {
                    what: "x/y".into(),
                    left: x.len(),
                    right: y.len(),
                });
            }
            Ok(x.iter().zip(&y).map(|(a, b)| a - b).collect())
        }
    }
}

fn interval(lo: f64, hi: f64) -> Value {
    json!({"low": num(lo), "high": num(hi)})
}

/// Runs procedure `name` on the JSON object `input` and returns its JSON result.
/// Errors: unknown procedure (lists the valid names), invalid input (names the field), or the
/// procedure's own [`StatsError`].
pub fn run_procedure(name: &str, input: &Value) -> Result<Value> {
    let p = name;
    Ok(match name {
        "describe" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct D {
                x: Vec<f64>,
            }
            let i: D = parse(p, input)?;
            check_len(&i.x, 1, "x")?;
            json!({"n": i.x.len(), "mean": num(mean(&i.x)), "sd": num(sd(&i.x)), "median": num(median(&i.x)),
                   "min": num(i.x.iter().cloned().fold(f64::INFINITY, f64::min)),
                   "max": num(i.x.iter().cloned().fold(f64::NEG_INFINITY, f64::max))})
        }
        "t_interval" => {
            let i: XIn = parse(p, input)?;
            let (lo, hi) = repro_stats::ttest::t_interval(&Sample::named(i.x, "x")?, i.confidence)?;
            interval(lo, hi)
        }
        "ttest_1samp" => {
            let i: T1In = parse(p, input)?;
            to_json(&one_sample_t(
                &Sample::named(i.x, "x")?,
                i.popmean,
                i.alternative,
                i.confidence,
            )?)
        }
        "ttest_welch" => {
            let i: T2In = parse(p, input)?;
            to_json(&welch_t(
                &Sample::named(i.x, "x")?,
                &Sample::named(i.y, "y")?,
                i.alternative,
                i.confidence,
            )?)
        }
        "ttest_paired" => {
            let i: T2In = parse(p, input)?;
            to_json(&paired_t(&i.x, &i.y, i.alternative, i.confidence)?)
        }
        "bootstrap" => {
            let i: BootIn = parse(p, input)?;
            let cfg = BootstrapConfig {
                resamples: i.resamples,
                confidence: i.confidence,
                alternative: i.alternative,
                method: i.method,
                seed: i.seed,
            };
            let x = Sample::named(i.x, "x")?;
            let r = match (i.y, i.statistic) {
                (Some(_), Some(st)) if st != Statistic::Mean => {
                    return Err(StatsError::param(
                        "statistic",
                        format!("{st:?}").to_lowercase(),
                        "with `y` the bootstrap is of the mean difference mean(x) − mean(y); omit `statistic` or use \"mean\"",
                    ))
                }
                (Some(y), _) => bootstrap_mean_difference(&x, &Sample::named(y, "y")?, &cfg)?,
                (None, st) => bootstrap_ci(&x, st.unwrap_or_default(), &cfg)?,
            };
            to_json(&r)
        }
        "bootstrap_interval_from_distribution" => {
            let i: DistIn = parse(p, input)?;
            let refs: Vec<&[f64]> = i.samples.iter().map(|s| s.as_slice()).collect();
            let st = i.statistic;
            if matches!(st, DistStat::MeanDifference) && refs.len() != 2 {
                return Err(StatsError::Input("procedure `bootstrap_interval_from_distribution`: statistic mean_difference needs exactly 2 samples".into()));
            }
            let f = move |d: &[&[f64]]| match st {
                DistStat::Mean => mean(d[0]),
                DistStat::Median => median(d[0]),
                DistStat::Iqm => trim_mean(d[0], 0.25).unwrap_or(f64::NAN),
                DistStat::Sd => sd(d[0]),
                DistStat::MeanDifference => mean(d[0]) - mean(d[1]),
            };
            if refs.is_empty() {
                return Err(StatsError::Input("procedure `bootstrap_interval_from_distribution`: `samples` must hold at least one sample".into()));
            }
            let (lo, hi) = match i.method {
                BootstrapMethod::Bca => {
                    // The built-in statistics' jackknife is O(n log n); the opaque one is only a
                    // check of the sample sizes here.
                    for (j, s) in refs.iter().enumerate() {
                        check_finite(s, &format!("samples[{j}]"))?;
                    }
                    let one = match st {
                        DistStat::Mean | DistStat::MeanDifference => Statistic::Mean,
                        DistStat::Median => Statistic::Median,
                        DistStat::Iqm => Statistic::Iqm,
                        DistStat::Sd => Statistic::Sd,
                    };
                    let n = refs.iter().map(|s| s.len()).max().unwrap_or(0);
                    let jack = jackknife_values(&refs, &f, statistic_cost(one, n), || match st {
                        DistStat::MeanDifference => jackknife_mean_difference(refs[0], refs[1]),
                        _ => refs.iter().map(|s| jackknife(s, one)).collect(),
                    });
                    bca_from_jackknife(f(&refs), &jack, &i.theta_star, i.confidence, i.alternative)?
                }
                BootstrapMethod::Percentile => {
                    percentile_from_distribution(&i.theta_star, i.confidence, i.alternative)?
                }
            };
            interval(lo, hi)
        }
        "trim_mean" => {
            let i: TrimIn = parse(p, input)?;
            // The library names SciPy's `proportiontocut` and `scores`; name the fields written.
            if !(0.0..0.5).contains(&i.proportion) {
                return Err(StatsError::param(
                    "proportion",
                    i.proportion,
                    "must lie in [0, 0.5)",
                ));
            }
            check_len(&i.x, 1, "x")?;
            json!({"value": num(trim_mean(&i.x, i.proportion)?)})
        }
        "iqm" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct D {
                x: Vec<f64>,
            }
            let i: D = parse(p, input)?;
            json!({"value": num(iqm(&i.x)?)})
        }
        "rliable_aggregate" => {
            let i: AggIn = parse(p, input)?;
            json!({"value": num(aggregate(&i.scores, i.aggregate)?)})
        }
        "stratified_bootstrap" => {
            let i: AggIn = parse(p, input)?;
            to_json(&stratified_bootstrap_ci(
                &i.scores,
                i.aggregate,
                i.reps,
                i.confidence,
                i.seed,
            )?)
        }
        "probability_of_improvement" => {
            let i: PoiIn = parse(p, input)?;
            if i.ci {
                to_json(&probability_of_improvement_ci(
                    &i.x,
                    &i.y,
                    i.reps,
                    i.confidence,
                    i.seed,
                )?)
            } else {
                json!({"value": num(probability_of_improvement(&i.x, &i.y)?)})
            }
        }
        "wilcoxon" => {
            let i: WilIn = parse(p, input)?;
            let d = diffs(i.x, i.y)?;
            to_json(&wilcoxon(
                &d,
                i.zero_method,
                i.correction,
                i.alternative,
                i.method,
            )?)
        }
        "sign_test" => {
            let i: SignIn = parse(p, input)?;
            let d = diffs(i.x, i.y)?;
            to_json(&sign_test(&d, i.alternative, i.ties)?)
        }
        "friedman" => {
            let i: FriedIn = parse(p, input)?;
            to_json(&friedman(&i.scores, i.direction)?)
        }
        "nemenyi_cd" => {
            let i: CdIn = parse(p, input)?;
            to_json(&nemenyi_cd(i.k, i.n, i.alpha)?)
        }
        "bonferroni_dunn_cd" => {
            let i: CdIn = parse(p, input)?;
            to_json(&bonferroni_dunn_cd(i.k, i.n, i.alpha)?)
        }
        "holm" => {
            let i: PIn = parse(p, input)?;
            json!({"p_adjusted": to_json(&holm(&i.p_values)?)})
        }
        "benjamini_hochberg" => {
            let i: PIn = parse(p, input)?;
            json!({"p_adjusted": to_json(&benjamini_hochberg(&i.p_values)?)})
        }
        "expected_max_normal" => {
            let i: EmnIn = parse(p, input)?;
            json!({"value": num(expected_max_normal(i.mu, i.sigma, i.k)?)})
        }
        "expected_max_empirical" => {
            let i: EmeIn = parse(p, input)?;
            let v = if i.replacement {
                expected_max_empirical(&i.scores, i.n)?
            } else {
                if i.n.fract() != 0.0 || i.n < 1.0 {
                    return Err(StatsError::param(
                        "n",
                        i.n,
                        "must be a whole number ≥ 1 without replacement",
                    ));
                }
                expected_max_empirical_without_replacement(&i.scores, i.n as usize)?
            };
            json!({"value": num(v)})
        }
        "implied_k_normal" => {
            let i: IknIn = parse(p, input)?;
            to_json(&implied_k_normal(i.claim, i.mu, i.sigma)?)
        }
        "implied_k_empirical" => {
            let i: IkeIn = parse(p, input)?;
            to_json(&implied_k_empirical(i.claim, &i.scores)?)
        }
        "subset_selection" => {
            let i: SelIn = parse(p, input)?;
            to_json(&subset_selection_test(
                &i.effects,
                &i.reported,
                i.max_enum,
                i.mc_draws,
                i.seed,
            )?)
        }
        "excess_significance" => {
            let i: ExIn = parse(p, input)?;
            to_json(&excess_significance(
                &i.effects,
                &i.standard_errors,
                i.alpha,
                i.theta,
                i.h0,
            )?)
        }
        "nct_sf" => {
            let i: NctIn = parse(p, input)?;
            json!({"value": num(nct_sf(i.t, i.df, i.nc))})
        }
        "ttest_power" => {
            let i: PowIn = parse(p, input)?;
            json!({"power": num(t_test_power(i.n, i.gap, i.sd, i.alpha, i.design, i.alternative)?)})
        }
        "seeds_needed" => {
            let i: NeedIn = parse(p, input)?;
            to_json(&seeds_needed(
                i.gap,
                i.sd,
                i.alpha,
                i.power,
                i.design,
                i.alternative,
            )?)
        }
        "assess_claims" => {
            let i: ClaimsIn = parse(p, input)?;
            check_rules(&i.rules.0)?;
            for c in &i.claims {
                c.claim.validate()?;
                check_resolution(&c.claim.id, c.claim.value, c.claim.resolution)?;
            }
            let pairs: Vec<(Claim, Vec<Outcome>)> =
                i.claims.into_iter().map(|c| (c.claim, c.runs)).collect();
            json!({"assessments": to_json(&assess_claims(&pairs, &i.rules.0))})
        }
        "assess_comparison" => {
            let i: CompIn = parse(p, input)?;
            check_rules(&i.rules.0)?;
            i.comparison.validate()?;
            to_json(&assess_comparison(&i.comparison, &i.rules.0))
        }
        "mann_whitney_u" | "faithfulness" | "paper_level" | "best_of_pivot_sf" => {
            table::run_procedure(p, input).map_err(|e| match e {
                StatsError::Input(m) => StatsError::Input(format!(
                    "procedure `{p}`: invalid input: {m}. Expected fields: {}",
                    procedure_help(p).unwrap_or("?")
                )),
                e => e,
            })?
        }
        other => {
            return Err(StatsError::Input(format!(
                "unknown procedure `{other}`; valid names: {}",
                names().join(", ")
            )))
        }
    })
}
