//! Verdict rules for reproduced claims and method-vs-baseline comparisons — the single place
//! where statistics become words. The rules are stated in [`CLAIM_RULES`] and
//! [`COMPARISON_RULES`] (printed under every verdict table) and implemented by
//! [`assess_claims`] and [`assess_comparison`]. Neither function panics on any input.

use crate::bestofk::{
    expected_max_std_normal, implied_k_empirical, implied_k_normal, var_max_std_normal,
};
use crate::bootstrap::{bootstrap_ci, BootstrapConfig, BootstrapMethod, Statistic};
use crate::describe::{fmt_sig, mean, median, sd, t_cdf, t_ppf, Alternative, Sample};
use crate::error::StatsError;
use crate::multitest::{benjamini_hochberg, holm};
use crate::selection::{
    subset_selection_test, SelectionResult, DEFAULT_MAX_ENUM, DEFAULT_MC_DRAWS,
};
use crate::ttest::{one_sample_t, t_interval, welch_t};
use crate::wilcoxon::{wilcoxon, WilcoxonMethod, WilcoxonResult, ZeroMethod};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Larger values are better (accuracy, return, AUC).
    Higher,
    /// Smaller values are better (error, loss, perplexity).
    Lower,
}

impl Direction {
    /// `+1` for `Higher`, `−1` for `Lower`: multiply a value by this to get its "goodness".
    pub fn sign(self) -> f64 {
        match self {
            Direction::Higher => 1.0,
            Direction::Lower => -1.0,
        }
    }
}

/// How the paper reported the claimed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportedAs {
    /// One run (one seed). The claim is compared like one fresh draw (prediction interval).
    SingleRun,
    /// Mean over `n` runs.
    MeanOf {
        /// Number of runs averaged by the paper.
        n: usize,
    },
    /// Best of `n` runs (declared seed selection).
    BestOf {
        /// Number of runs the best was taken from.
        n: usize,
    },
    /// Not stated; treated like `SingleRun` (the most lenient reading).
    #[default]
    Unknown,
}

/// One run's outcome. `Failed` (diverged/crashed/NaN) is never dropped: it counts in `n_runs`,
/// `n_failed`, the percentile (as the worst value) and the failure-share rule.
///
/// Serialised as a JSON number, or the string `"failed"`; deserialises a number, `null`, or one of
/// the strings `failed`, `diverged`, `crashed`, `nan`, `inf`, `-inf` (case-insensitive) as `Failed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// A finished run's metric value (data units).
    Value(f64),
    /// A run that diverged or crashed.
    Failed,
}

impl Outcome {
    /// The finite value, or `None` for `Failed` and non-finite values.
    pub fn finite(&self) -> Option<f64> {
        match self {
            Outcome::Value(v) if v.is_finite() => Some(*v),
            _ => None,
        }
    }
    /// Parses a CSV/plain-text cell: a number, or `nan`/`failed`/`diverged`/`crashed`/`inf`
    /// (→ `Failed`). Returns `None` for anything else (e.g. an empty cell or a typo).
    pub fn parse_cell(cell: &str) -> Option<Outcome> {
        let t = cell.trim();
        let l = t.to_ascii_lowercase();
        if matches!(
            l.as_str(),
            "nan" | "failed" | "diverged" | "crashed" | "inf" | "-inf" | "+inf" | "fail"
        ) {
            return Some(Outcome::Failed);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(Outcome::Value(v)),
            Ok(_) => Some(Outcome::Failed),
            Err(_) => None,
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.finite() {
            Some(v) => s.serialize_f64(v),
            None => s.serialize_str("failed"),
        }
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        let raw: Option<Raw> = Option::deserialize(d)?;
        match raw {
            None => Ok(Outcome::Failed),
            Some(Raw::N(v)) => Ok(if v.is_finite() {
                Outcome::Value(v)
            } else {
                Outcome::Failed
            }),
            Some(Raw::S(s)) => Outcome::parse_cell(&s).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "run outcome {s:?} is neither a number nor one of failed/diverged/crashed/nan"
                ))
            }),
        }
    }
}

/// A claimed number from a paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Identifier (e.g. `table2/mnist1d/cnn`).
    pub id: String,
    /// The claimed value (metric units).
    pub value: f64,
    /// Standard error printed with the claim (e.g. "2.97 ± 0.19" as mean ± SE), if any.
    #[serde(default)]
    pub standard_error: Option<f64>,
    /// Which way is better.
    pub direction: Direction,
    /// How the number was obtained.
    #[serde(default)]
    pub reported_as: ReportedAs,
    /// Resolution the claim is printed to, in the metric's units (e.g. 0.01 for "32%" stored as
    /// the fraction 0.32). A printed value stands for every value within half a step of it, so the
    /// tests use the value in that range least favourable to rejecting the claim
    /// (`value − resolution/2` when higher is better); `None` or 0 = exact.
    #[serde(default)]
    pub resolution: Option<f64>,
}

impl Claim {
    /// Checks the claim's fields: finite `value`; `standard_error` finite and ≥ 0; `resolution`
    /// finite and > 0; `reported_as` `mean_of`/`best_of` with `n ≥ 1`. Errors name the claim
    /// and the field (`assess_claims` itself never fails; front ends call this first).
    pub fn validate(&self) -> crate::error::Result<()> {
        let bad = |field: &str, value: String, reason: &str| {
            Err(StatsError::param(
                &format!("claim `{}`: {field}", self.id),
                value,
                reason,
            ))
        };
        if !self.value.is_finite() {
            return bad("value", self.value.to_string(), "must be a finite number");
        }
        if let Some(se) = self.standard_error {
            if !(se.is_finite() && se >= 0.0) {
                return bad(
                    "standard_error",
                    se.to_string(),
                    "must be a finite number ≥ 0 (the SE printed with the claim)",
                );
            }
        }
        if let Some(r) = self.resolution {
            if !(r.is_finite() && r > 0.0) {
                return bad(
                    "resolution",
                    r.to_string(),
                    "must be a finite number > 0 (e.g. 0.01 for a claim printed as a whole percent); omit it for an exact claim",
                );
            }
        }
        match self.reported_as {
            ReportedAs::MeanOf { n: 0 } => bad("reported_as.n", "0".into(), "mean_of needs n ≥ 1"),
            ReportedAs::BestOf { n: 0 } => bad("reported_as.n", "0".into(), "best_of needs n ≥ 1"),
            _ => Ok(()),
        }
    }

    /// The value the tests use: the printed value moved half a resolution step towards "worse"
    /// (see [`Claim::resolution`]).
    pub fn tested_value(&self) -> f64 {
        match self.resolution {
            Some(r) if r.is_finite() && r > 0.0 => self.value - self.direction.sign() * r / 2.0,
            _ => self.value,
        }
    }
}

/// Multiple-comparison correction applied across all claims of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm (1979) step-down, family-wise error rate (default).
    #[default]
    Holm,
    /// Benjamini & Hochberg (1995), false discovery rate.
    BenjaminiHochberg,
    /// No correction.
    None,
}

/// Thresholds of the verdict rules. `Default`: α = 0.05, Holm, 3 runs minimum, 9,999 bootstrap
/// resamples, seed 0, failed share ≤ 0.25, CI half-width ≤ 0.5·|claim|, best-of-k flag ≤ 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Significance level of every test (and `1 − alpha` confidence of every interval).
    pub alpha: f64,
    /// Correction across claims.
    pub correction: Correction,
    /// Minimum number of finite runs per claim (and per arm per dataset) for a verdict.
    pub min_runs: usize,
    /// Bootstrap resamples for `bootstrap_ci`.
    pub bootstrap_resamples: usize,
    /// Seed of every random procedure (claim `i` uses `seed + i`).
    pub seed: u64,
    /// Largest tolerated share of failed runs (0–1) for `reproduced` / a dataset win.
    pub max_failed_share: f64,
    /// Largest `t_ci` half-width relative to `|claim|` before the verdict is `inconclusive`.
    pub max_relative_half_width: f64,
    /// Largest implied best-of-k (normal model) for which seed-picking is flagged.
    pub max_best_of_k: f64,
}

impl Rules {
    /// Checks every threshold: `alpha` and `max_failed_share` in their ranges, bootstrap
    /// resamples within [`crate::limits::MAX_RESAMPLES`], finite positive thresholds. Errors name
    /// the field as `rules.<field>`.
    pub fn validate(&self) -> crate::error::Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(StatsError::param(
                "rules.alpha",
                self.alpha,
                "must lie strictly between 0 and 1 (e.g. 0.05)",
            ));
        }
        if self.bootstrap_resamples > crate::limits::MAX_RESAMPLES {
            return Err(StatsError::param(
                "rules.bootstrap_resamples",
                self.bootstrap_resamples,
                &format!(
                    "exceeds the ceiling of {} (0 skips the bootstrap interval)",
                    crate::limits::MAX_RESAMPLES
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.max_failed_share) {
            return Err(StatsError::param(
                "rules.max_failed_share",
                self.max_failed_share,
                "must lie in [0, 1]",
            ));
        }
        if !(self.max_relative_half_width.is_finite() && self.max_relative_half_width > 0.0) {
            return Err(StatsError::param(
                "rules.max_relative_half_width",
                self.max_relative_half_width,
                "must be a finite number > 0",
            ));
        }
        if self.max_best_of_k.is_nan() || self.max_best_of_k < 1.0 {
            return Err(StatsError::param(
                "rules.max_best_of_k",
                self.max_best_of_k,
                "must be ≥ 1",
            ));
        }
        Ok(())
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            alpha: 0.05,
            correction: Correction::Holm,
            min_runs: 3,
            bootstrap_resamples: 9_999,
            seed: 0,
            max_failed_share: 0.25,
            max_relative_half_width: 0.5,
            max_best_of_k: 100.0,
        }
    }
}

/// Verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    /// Consistent with the claim.
    Reproduced,
    /// Significantly better than claimed.
    BetterThanClaimed,
    /// Significantly worse than claimed (after correction), or too many failed runs.
    NotReproduced,
    /// Too few runs or too imprecise to decide.
    Inconclusive,
}

impl fmt::Display for ClaimVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClaimVerdict::Reproduced => "reproduced",
            ClaimVerdict::BetterThanClaimed => "better than claimed",
            ClaimVerdict::NotReproduced => "not reproduced",
            ClaimVerdict::Inconclusive => "inconclusive",
        })
    }
}

/// Everything computed for one claim. Values are in the metric's units unless stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimAssessment {
    /// Claim id.
    pub id: String,
    /// Claimed value.
    pub claimed: f64,
    /// Runs attempted (finite + failed).
    pub n_runs: usize,
    /// Failed runs (diverged/crashed/non-finite).
    pub n_failed: usize,
    /// Mean of the finite runs.
    pub mean: Option<f64>,
    /// SD (ddof 1) of the finite runs.
    pub sd: Option<f64>,
    /// Two-sided `1−α` t interval of the mean of the finite runs.
    pub t_ci: Option<(f64, f64)>,
    /// Two-sided `1−α` BCa bootstrap interval of the mean (percentile if BCa is degenerate).
    pub bootstrap_ci: Option<(f64, f64)>,
    /// Smallest finite run.
    pub min: Option<f64>,
    /// Median finite run.
    pub median: Option<f64>,
    /// Largest finite run.
    pub max: Option<f64>,
    /// Share (0–100) of all runs that the claim beats or ties in the better direction; failed runs
    /// count as the worst values (always beaten).
    pub percentile: Option<f64>,
    /// One-sided p-value of `H0: the runs' expected value is at least as good as the claim`
    /// (small = reproduced mean significantly worse). See [`CLAIM_RULES`] for the test.
    pub p_value: Option<f64>,
    /// `p_value` adjusted across all claims of the call (`Rules::correction`).
    pub p_adjusted: Option<f64>,
    /// Real-valued implied best-of-k under the normal model (`μ`, `σ` from the runs); 1 = at or
    /// below the mean; `∞` = σ is 0.
    pub best_of_k_normal: Option<f64>,
    /// Real-valued implied best-of-k under the empirical model (Dodge et al. 2019);
    /// `f64::INFINITY` = not attainable (claim ≥ best run).
    pub best_of_k_empirical: Option<f64>,
    /// Verdict.
    pub verdict: ClaimVerdict,
    /// Integer best-of-k when seed-picking is the likely explanation (see [`CLAIM_RULES`]).
    pub looks_like_best_of: Option<u64>,
    /// The flag's cap (`Rules::max_best_of_k`) when the claim is rejected and lies beyond the
    /// expected best of that many runs (implied k above the cap, or not attainable): the flag
    /// is monotone, so a more extreme claim is never less suspicious than a milder one.
    pub beyond_best_of: Option<u64>,
    /// The seed-picking flag in words when raised (see [`ClaimAssessment::seed_picking_flag`]);
    /// for a claim declared as the mean of m runs, k counts experiments of m runs.
    pub seed_picking: Option<String>,
    /// Human-readable explanation (failed runs, test used, rule that fired).
    pub note: String,
}

impl ClaimAssessment {
    /// The seed-picking flag in words, or `None` when it is not raised:
    /// "looks like the best of ≈ 40 runs", or "beyond the best of 100 runs" when the implied k
    /// exceeds the flag's cap (the flag never disappears for a more extreme claim).
    /// For a claim declared as the mean of m runs, k counts experiments of m runs ("beyond the
    /// best of 100 experiments of 20 runs").
    pub fn seed_picking_flag(&self) -> Option<String> {
        self.seed_picking.clone()
    }
}

/// The claim rule in words, with the default thresholds (see [`claim_rules_text`] for the
/// thresholds actually in force).
pub const CLAIM_RULES: &str = "\
Claim verdicts (defaults: alpha = 0.05, Holm across all claims, min_runs = 3, failed share <= 25%, \
CI half-width <= 0.5 x |claim|, best-of-k flag <= 100). Values are oriented so that 'worse' follows \
the metric's direction. A claim printed to a limited resolution (e.g. '32%') is tested at the \
value within half a step of it that is least favourable to rejection (0.315). Failed runs are kept: they count in n_runs and as the worst values in the \
percentile, and are excluded only from the mean, SD and intervals. \
Test: one-sided t-test of H0 'the runs' expected value is at least as good as the claim'. The \
claim's own noise is included: single-run or unknown claims are compared like one fresh run \
(t = (mean - claim)/(s*sqrt(1 + 1/n)), df = n-1, a prediction interval); mean-of-m claims use \
s*sqrt(1/n + 1/m); best-of-m claims are compared with the expected best of m runs, \
mean + s*e_m (normal model), with variance s^2(1/n + v_m); a printed standard error SE replaces \
the claim's variance by SE^2 with Welch-Satterthwaite df (df of the claim = m-1 for mean-of-m, \
infinite otherwise). Rules, in order: \
(1) INCONCLUSIVE if fewer than min_runs finite runs; \
(2) NOT REPRODUCED if the adjusted p-value < alpha; \
(3) NOT REPRODUCED if more than max_failed_share of the runs failed; \
(4) INCONCLUSIVE if the t-interval half-width exceeds max_relative_half_width x |claim|; \
(5) BETTER THAN CLAIMED if the two-sided (1-alpha) interval of (runs - claim) from the same test \
lies entirely on the better side (for a rounded claim: beyond the most favourable value it rounds \
from); \
(6) otherwise REPRODUCED. \
'Looks like best of ~k' is flagged when the verdict is NOT REPRODUCED by rule (2), the claim is not \
declared best-of-m, the claim lies beyond the runs' mean, and the normal-model implied k (the \
smallest integer k with mean + s*e_k >= claim) is between 2 and max_best_of_k; k is that integer. \
Beyond max_best_of_k (or not attainable) the same conditions flag 'beyond the best of max_best_of_k \
runs', so a more extreme claim is never less suspicious than a milder one. \
For a claim declared as the mean of m runs, k counts whole experiments of m runs (the best of k \
means): s is replaced by s/sqrt(m) and the empirical k is not computed. \
Because the flag needs a significant rejection of the honest claim, honest claims are flagged at \
most at rate alpha. The empirical implied k (Dodge et al. 2019) is reported beside it; it is \
infinite when the claim exceeds every run, which is common for a best-of-30 claim with few seeds.";

/// The comparison rule in words, with the default thresholds.
pub const COMPARISON_RULES: &str = "\
Comparison verdicts (defaults: alpha = 0.05, min_runs = 3 finite runs per arm, failed share <= 25%). \
Per dataset: effect = mean(method) - mean(baseline), sign flipped when lower is better so that \
positive = method better; (1-alpha) CI and two-sided p from Welch's t-test (paired t-test on the \
per-index differences when runs are paired). WIN if the CI lies above 0, LOSS if below, TIE \
otherwise (no multiplicity correction for the counts); an arm whose failed share exceeds \
max_failed_share and is larger than the other arm's loses that dataset. A dataset is usable if both \
arms have at least min_runs finite runs (pairs when paired); unusable datasets are reported as ties \
and excluded from the tests below. Across usable datasets: Wilcoxon signed-rank test of the \
per-dataset effects (SciPy defaults: two-sided, zero_method wilcox, method auto) and, when some but \
not all datasets were reported, the subset-selection permutation test (exact when C(m,s) <= \
100,000, else 20,000 Monte Carlo draws) of the reported datasets' mean effect. Rules, in order: \
(1) INCONCLUSIVE if fewer than 2 usable datasets; \
(2) ONLY ON REPORTED DATASETS if there are reported and held-out usable datasets, the reported \
ones win more often than they lose, and the held-out ones do not win more often than they lose; \
(3) if the Wilcoxon test can reach alpha (2/2^m <= alpha, i.e. m >= 6 datasets at 0.05): \
GENERALIZES if its p < alpha with R+ > R- and wins >= losses on the held-out datasets (on all \
datasets when none is held out), otherwise NO EFFECT; \
(4) with fewer datasets: GENERALIZES if every usable dataset is a win, NO EFFECT if there is no \
win and at least one loss, otherwise INCONCLUSIVE. \
Whatever the verdict, 'reported subset favourable' is flagged when the selection test gives \
p < alpha: the reported datasets' mean effect is larger than that of a random subset of the same \
size, i.e. the paper's choice of datasets overstates the effect even where it holds.";

/// [`CLAIM_RULES`] followed by the thresholds actually in force.
pub fn claim_rules_text(rules: &Rules) -> String {
    format!(
        "{CLAIM_RULES}\nIn force: alpha = {}, correction = {:?}, min_runs = {}, max_failed_share = {}, \
         max_relative_half_width = {}, max_best_of_k = {}, bootstrap resamples = {}, seed = {}.",
        rules.alpha,
        rules.correction,
        rules.min_runs,
        rules.max_failed_share,
        rules.max_relative_half_width,
        rules.max_best_of_k,
        rules.bootstrap_resamples,
        rules.seed
    )
}

/// [`COMPARISON_RULES`] followed by the thresholds actually in force.
pub fn comparison_rules_text(rules: &Rules) -> String {
    format!(
        "{COMPARISON_RULES}\nIn force: alpha = {}, min_runs = {}, max_failed_share = {}, seed = {}.",
        rules.alpha, rules.min_runs, rules.max_failed_share, rules.seed
    )
}

fn alpha_of(rules: &Rules) -> f64 {
    if rules.alpha > 0.0 && rules.alpha < 1.0 {
        rules.alpha
    } else {
        0.05
    }
}

type ClaimTest = (f64, (f64, f64), String);

/// The one-sided claim test: returns (p, ci of (goodness − target), description).
fn claim_test(g: &[f64], gc: f64, claim: &Claim, alpha: f64) -> Option<(f64, (f64, f64), String)> {
    let n = g.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let gm = mean(g);
    let s = sd(g);
    let s2 = s * s;
    let mut target = gc;
    let (v_claim, df, desc);
    let se = claim.standard_error.filter(|v| v.is_finite() && *v >= 0.0);
    match se {
        Some(se) => {
            let df_c = match claim.reported_as {
                ReportedAs::MeanOf { n: m } if m >= 2 => (m - 1) as f64,
                _ => f64::INFINITY,
            };
            v_claim = se * se;
            let vx = s2 / nf;
            let d = (vx + v_claim).powi(2)
                / (vx * vx / (nf - 1.0)
                    + if df_c.is_finite() {
                        v_claim * v_claim / df_c
                    } else {
                        0.0
                    });
            df = if d.is_nan() { nf - 1.0 } else { d };
            desc = format!("Welch-type t-test with the claim's SE {se} (df {df:.1})");
        }
        None => {
            df = nf - 1.0;
            match claim.reported_as {
                ReportedAs::MeanOf { n: m } if m >= 1 => {
                    v_claim = s2 / m as f64;
                    desc = format!("t-test for a mean of {m} runs (df {df})");
                }
                ReportedAs::BestOf { n: m } => {
                    v_claim = s2 * var_max_std_normal(m.max(1) as f64).ok()?;
                    desc = format!("t-test against the expected best of {m} runs (df {df})");
                }
                _ => {
                    v_claim = s2;
                    desc = format!("prediction-interval t-test for a single run (df {df})");
                }
            }
        }
    }
    if let ReportedAs::BestOf { n: m } = claim.reported_as {
        target = gc - s * expected_max_std_normal(m.max(1) as f64).ok()?;
    }
    let se_tot = (s2 / nf + v_claim).sqrt();
    let diff = gm - target;
    let p = if se_tot > 0.0 {
        t_cdf(diff / se_tot, df)
    } else if diff < 0.0 {
        0.0
    } else {
        1.0
    };
    let q = t_ppf(1.0 - alpha / 2.0, df);
    let half = if se_tot > 0.0 { q * se_tot } else { 0.0 };
    let p = if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) };
    Some((p, (diff - half, diff + half), desc))
}

fn adjust(p: &[f64], c: Correction) -> Vec<f64> {
    let r = match c {
        Correction::Holm => holm(p),
        Correction::BenjaminiHochberg => benjamini_hochberg(p),
        Correction::None => Ok(p.to_vec()),
    };
    r.unwrap_or_else(|_| p.to_vec())
}

/// Assesses every claim against its runs and applies [`CLAIM_RULES`]; p-values are corrected
/// across ALL given claims with `rules.correction` (Holm by default). Never panics: bad inputs
/// (non-finite claim, no runs) give an `inconclusive` assessment whose note says why.
///
/// A claim printed to a limited resolution is tested at [`Claim::tested_value`]; `claimed` in the
/// result stays the printed value and the note says what was tested.
pub fn assess_claims(claims: &[(Claim, Vec<Outcome>)], rules: &Rules) -> Vec<ClaimAssessment> {
    let effective: Vec<(Claim, Vec<Outcome>)> = claims
        .iter()
        .map(|(c, runs)| {
            let mut e = c.clone();
            e.value = c.tested_value();
            (e, runs.clone())
        })
        .collect();
    let mut out = assess_claims_at_tested_values(&effective, rules);
    for (a, (c, _)) in out.iter_mut().zip(claims) {
        if c.tested_value() != c.value {
            a.claimed = c.value;
            a.note = format!(
                "printed to a resolution of {}: tested at {} (the least demanding value it rounds from); {}",
                c.resolution.unwrap_or(0.0),
                short(c.tested_value()),
                a.note
            );
        }
    }
    out
}

/// How far (in oriented units) the most favourable value a printed claim rounds from lies beyond
/// the value it is tested at: one full resolution step (`value + r/2` vs `value − r/2` when
/// higher is better), 0 for an exact claim. "Better than claimed" must beat that end, so that
/// rounding can neither fail a claim nor make it look beaten.
fn better_end_shift(claim: &Claim) -> f64 {
    match claim.resolution {
        Some(r) if r.is_finite() && r > 0.0 => r,
        _ => 0.0,
    }
}

/// `v` with at most 10 decimals and no trailing zeros (0.9349999999999999 → "0.935").
fn short(v: f64) -> String {
    let t = format!("{v:.10}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

fn assess_claims_at_tested_values(
    claims: &[(Claim, Vec<Outcome>)],
    rules: &Rules,
) -> Vec<ClaimAssessment> {
    let alpha = alpha_of(rules);
    let conf = 1.0 - alpha;
    let mut out = Vec::with_capacity(claims.len());
    let mut tests: Vec<Option<ClaimTest>> = Vec::new();
    for (i, (claim, runs)) in claims.iter().enumerate() {
        let sgn = claim.direction.sign();
        let finite: Vec<f64> = runs.iter().filter_map(|o| o.finite()).collect();
        let n_runs = runs.len();
        let n_failed = n_runs - finite.len();
        let g: Vec<f64> = finite.iter().map(|v| v * sgn).collect();
        let gc = claim.value * sgn;
        let valid_claim = claim.value.is_finite();
        let sample = Sample::new(finite.clone()).ok();
        let t_ci = sample.as_ref().and_then(|s| t_interval(s, conf).ok());
        let bootstrap = sample.as_ref().and_then(|s| {
            if rules.bootstrap_resamples == 0 {
                return None;
            }
            let mut cfg = BootstrapConfig {
                resamples: rules.bootstrap_resamples,
                confidence: conf,
                alternative: Alternative::TwoSided,
                method: BootstrapMethod::Bca,
                seed: rules.seed.wrapping_add(i as u64),
            };
            let r = bootstrap_ci(s, Statistic::Mean, &cfg).ok()?;
            if r.low.is_finite() && r.high.is_finite() {
                Some((r.low, r.high))
            } else {
                cfg.method = BootstrapMethod::Percentile;
                bootstrap_ci(s, Statistic::Mean, &cfg)
                    .ok()
                    .map(|r| (r.low, r.high))
            }
        });
        let percentile = if n_runs > 0 && valid_claim {
            let beaten = g.iter().filter(|&&v| v <= gc).count() + n_failed;
            Some(100.0 * beaten as f64 / n_runs as f64)
        } else {
            None
        };
        let test = if valid_claim {
            claim_test(&g, gc, claim, alpha)
        } else {
            None
        };
        let (bk_n, bk_e) = if valid_claim && g.len() >= 2 {
            // A mean of m runs that was picked as the best of k such means: the k experiments
            // spread with s/√m, and the single-run empirical distribution does not apply.
            match claim.reported_as {
                ReportedAs::MeanOf { n: m } if m > 1 => (
                    implied_k_normal(gc, mean(&g), sd(&g) / (m as f64).sqrt()).ok(),
                    None,
                ),
                _ => (
                    implied_k_normal(gc, mean(&g), sd(&g)).ok(),
                    implied_k_empirical(gc, &g).ok(),
                ),
            }
        } else {
            (None, None)
        };
        let nz = |v: f64| if v.is_finite() { Some(v) } else { None };
        out.push(ClaimAssessment {
            id: claim.id.clone(),
            claimed: claim.value,
            n_runs,
            n_failed,
            mean: if finite.is_empty() {
                None
            } else {
                nz(mean(&finite))
            },
            sd: if finite.len() >= 2 {
                nz(sd(&finite))
            } else {
                None
            },
            t_ci,
            bootstrap_ci: bootstrap,
            min: finite.iter().cloned().reduce(f64::min),
            median: if finite.is_empty() {
                None
            } else {
                Some(median(&finite))
            },
            max: finite.iter().cloned().reduce(f64::max),
            percentile,
            p_value: test.as_ref().map(|t| t.0),
            p_adjusted: None,
            best_of_k_normal: bk_n.map(|k| k.k_real),
            best_of_k_empirical: bk_e.map(|k| k.k_real),
            verdict: ClaimVerdict::Inconclusive,
            looks_like_best_of: None,
            beyond_best_of: None,
            seed_picking: None,
            note: String::new(),
        });
        // keep the integer normal k for the flag
        tests.push(test.map(|(p, ci, d)| {
            (
                p,
                ci,
                format!("{d}|{}", bk_n.and_then(|k| k.k_int).unwrap_or(0)),
            )
        }));
    }
    // correction across all claims that have a p-value
    let idx: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].p_value.is_some())
        .collect();
    let raw: Vec<f64> = idx.iter().filter_map(|&i| out[i].p_value).collect();
    let adj = adjust(&raw, rules.correction);
    for (j, &i) in idx.iter().enumerate() {
        out[i].p_adjusted = Some(adj[j]);
    }
    for (i, a) in out.iter_mut().enumerate() {
        let (claim, _) = &claims[i];
        let sgn = claim.direction.sign();
        let n_finite = a.n_runs - a.n_failed;
        let mut notes: Vec<String> =
            vec![format!("{n_finite} finite run(s), {} failed", a.n_failed)];
        if !claim.value.is_finite() {
            a.verdict = ClaimVerdict::Inconclusive;
            notes.push("claimed value is not a finite number".into());
            a.note = notes.join("; ");
            continue;
        }
        if n_finite < rules.min_runs.max(2) {
            a.verdict = ClaimVerdict::Inconclusive;
            notes.push(format!(
                "rule 1: fewer than {} finite runs",
                rules.min_runs.max(2)
            ));
            a.note = notes.join("; ");
            continue;
        }
        let Some((_, ci, desc)) = tests[i].clone() else {
            a.verdict = ClaimVerdict::Inconclusive;
            notes.push("test could not be computed".into());
            a.note = notes.join("; ");
            continue;
        };
        let (desc, kint) = desc
            .split_once('|')
            .map(|(d, k)| (d.to_string(), k.parse::<u64>().unwrap_or(0)))
            .unwrap_or((desc, 0));
        notes.push(desc);
        let p_adj = a.p_adjusted.unwrap_or(1.0);
        let failed_share = if a.n_runs > 0 {
            a.n_failed as f64 / a.n_runs as f64
        } else {
            0.0
        };
        let half = a.t_ci.map(|(l, h)| (h - l) / 2.0).unwrap_or(f64::INFINITY);
        if p_adj < alpha {
            a.verdict = ClaimVerdict::NotReproduced;
            notes.push(format!(
                "rule 2: adjusted p = {} < {alpha}",
                fmt_sig(p_adj, 3)
            ));
            let gc = claim.value * sgn;
            let gmean = a.mean.unwrap_or(f64::NAN) * sgn;
            let declared = matches!(claim.reported_as, ReportedAs::BestOf { .. });
            if !declared && gc > gmean {
                // kint = 0: not attainable (σ = 0) or beyond the solver's range
                if kint >= 2 && (kint as f64) <= rules.max_best_of_k {
                    a.looks_like_best_of = Some(kint);
                } else if kint == 0 || (kint as f64) > rules.max_best_of_k {
                    a.beyond_best_of = Some(rules.max_best_of_k.round().max(1.0) as u64);
                }
                let unit = match claim.reported_as {
                    ReportedAs::MeanOf { n: m } if m > 1 => format!("experiments of {m} runs"),
                    _ => "runs".to_string(),
                };
                a.seed_picking = match (a.looks_like_best_of, a.beyond_best_of) {
                    (Some(k), _) => Some(format!("looks like the best of ≈ {k} {unit}")),
                    (None, Some(cap)) => Some(format!("beyond the best of {cap} {unit}")),
                    (None, None) => None,
                };
                if let Some(flag) = &a.seed_picking {
                    notes.push(flag.clone());
                }
            }
        } else if failed_share > rules.max_failed_share {
            a.verdict = ClaimVerdict::NotReproduced;
            notes.push(format!(
                "rule 3: {} of {} runs failed (> {:.0}%)",
                a.n_failed,
                a.n_runs,
                100.0 * rules.max_failed_share
            ));
        } else if claim.value != 0.0 && half > rules.max_relative_half_width * claim.value.abs() {
            a.verdict = ClaimVerdict::Inconclusive;
            notes.push(format!(
                "rule 4: CI half-width {} exceeds {} x |claim|",
                fmt_sig(half, 3),
                rules.max_relative_half_width
            ));
        } else if ci.0 > better_end_shift(claim) {
            a.verdict = ClaimVerdict::BetterThanClaimed;
            notes.push("rule 5: runs significantly better than the claim".into());
        } else {
            a.verdict = ClaimVerdict::Reproduced;
            notes.push("rule 6: consistent with the claim".into());
        }
        a.note = notes.join("; ");
    }
    out
}

/// Win/tie/loss of the method on one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WinTieLoss {
    /// CI of the effect above 0 (method better).
    Win,
    /// CI contains 0, or the dataset is unusable.
    Tie,
    /// CI of the effect below 0.
    Loss,
}

/// Runs of the method and the baseline on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetResult {
    /// Dataset name.
    pub name: String,
    /// Method runs (index = seed/split when paired).
    pub method: Vec<Outcome>,
    /// Baseline runs.
    pub baseline: Vec<Outcome>,
    /// Whether the paper reported this dataset.
    pub reported: bool,
}

/// A method-vs-baseline comparison over datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonInput {
    /// Identifier.
    pub id: String,
    /// Which way is better.
    pub direction: Direction,
    /// Runs are paired by seed/split index.
    #[serde(default)]
    pub paired: bool,
    /// Per-dataset runs.
    pub datasets: Vec<DatasetResult>,
}

impl ComparisonInput {
    /// Checks the input: with `paired`, every dataset's method and baseline runs have equal
    /// lengths (run `i` of each is the same seed/split; unequal lengths would silently drop
    /// runs). Errors name the comparison and the dataset.
    pub fn validate(&self) -> crate::error::Result<()> {
        if self.paired {
            for d in &self.datasets {
                if d.method.len() != d.baseline.len() {
                    return Err(StatsError::LengthMismatch {
                        what: format!(
                            "comparison `{}`, dataset `{}`: paired method/baseline runs",
                            self.id, d.name
                        ),
                        left: d.method.len(),
                        right: d.baseline.len(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Effect of the method on one dataset (metric units, positive = method better).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetEffect {
    /// Dataset name.
    pub name: String,
    /// Reported by the paper.
    pub reported: bool,
    /// Finite method runs (complete pairs when paired).
    pub n_method: usize,
    /// Finite baseline runs (complete pairs when paired).
    pub n_baseline: usize,
    /// `mean(method) − mean(baseline)`, sign flipped for `Lower`.
    pub effect: Option<f64>,
    /// Two-sided `1−α` Welch (or paired t) interval of the effect.
    pub ci: Option<(f64, f64)>,
    /// Two-sided p-value of the effect.
    pub p_value: Option<f64>,
    /// Win/tie/loss.
    pub outcome: WinTieLoss,
}

/// Verdict on a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonVerdict {
    /// The effect holds across datasets.
    Generalizes,
    /// The effect appears only on the datasets the paper reported.
    OnlyOnReportedDatasets,
    /// No (positive) effect.
    NoEffect,
    /// Too few datasets or runs.
    Inconclusive,
}

impl fmt::Display for ComparisonVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ComparisonVerdict::Generalizes => "generalizes",
            ComparisonVerdict::OnlyOnReportedDatasets => "only on reported datasets",
            ComparisonVerdict::NoEffect => "no effect",
            ComparisonVerdict::Inconclusive => "inconclusive",
        })
    }
}

impl fmt::Display for WinTieLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WinTieLoss::Win => "win",
            WinTieLoss::Tie => "tie",
            WinTieLoss::Loss => "loss",
        })
    }
}

/// Result of [`assess_comparison`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonAssessment {
    /// Identifier.
    pub id: String,
    /// Per-dataset effects, in input order.
    pub per_dataset: Vec<DatasetEffect>,
    /// Number of wins.
    pub wins: usize,
    /// Number of ties (including unusable datasets).
    pub ties: usize,
    /// Number of losses.
    pub losses: usize,
    /// Wilcoxon signed-rank test over the usable datasets' effects.
    pub wilcoxon: Option<WilcoxonResult>,
    /// The selection test found the reported datasets to be a favourable subset (p < α): their
    /// mean effect overstates the held-out datasets', whatever the verdict.
    pub reported_subset_favourable: bool,
    /// Subset-selection test of the reported datasets.
    pub selection: Option<SelectionResult>,
    /// Verdict.
    pub verdict: ComparisonVerdict,
    /// Explanation.
    pub note: String,
}

fn dataset_effect(
    ds: &DatasetResult,
    sgn: f64,
    paired: bool,
    rules: &Rules,
    alpha: f64,
) -> (DatasetEffect, bool) {
    let conf = 1.0 - alpha;
    let fm: Vec<f64> = ds.method.iter().filter_map(|o| o.finite()).collect();
    let fb: Vec<f64> = ds.baseline.iter().filter_map(|o| o.finite()).collect();
    let share = |all: &[Outcome], fin: usize| {
        if all.is_empty() {
            0.0
        } else {
            1.0 - fin as f64 / all.len() as f64
        }
    };
    let (sm, sb) = (share(&ds.method, fm.len()), share(&ds.baseline, fb.len()));
    let (n_m, n_b, effect, test) = if paired {
        let d: Vec<f64> = ds
            .method
            .iter()
            .zip(&ds.baseline)
            .filter_map(|(a, b)| Some(sgn * (a.finite()? - b.finite()?)))
            .collect();
        let eff = if d.is_empty() { None } else { Some(mean(&d)) };
        let t = Sample::new(d.clone())
            .ok()
            .and_then(|s| one_sample_t(&s, 0.0, Alternative::TwoSided, conf).ok());
        (d.len(), d.len(), eff, t)
    } else {
        let eff = if fm.is_empty() || fb.is_empty() {
            None
        } else {
            Some(sgn * (mean(&fm) - mean(&fb)))
        };
        let t = match (Sample::new(fm.clone()), Sample::new(fb.clone())) {
            (Ok(x), Ok(y)) => welch_t(&x, &y, Alternative::TwoSided, conf).ok(),
            _ => None,
        };
        (fm.len(), fb.len(), eff, t)
    };
    let (ci, p) = match &test {
        Some(t) => {
            let (lo, hi) = if paired || sgn > 0.0 {
                t.ci
            } else {
                (-t.ci.1, -t.ci.0)
            };
            let ci = if lo.is_finite() && hi.is_finite() {
                Some((lo, hi))
            } else {
                None
            };
            (
                ci,
                if t.p_value.is_nan() {
                    None
                } else {
                    Some(t.p_value)
                },
            )
        }
        None => (None, None),
    };
    let usable = n_m >= rules.min_runs.max(2) && n_b >= rules.min_runs.max(2) && effect.is_some();
    let outcome = if sm > rules.max_failed_share && sm > sb {
        WinTieLoss::Loss
    } else if sb > rules.max_failed_share && sb > sm {
        WinTieLoss::Win
    } else if !usable {
        WinTieLoss::Tie
    } else {
        match ci {
            Some((lo, _)) if lo > 0.0 => WinTieLoss::Win,
            Some((_, hi)) if hi < 0.0 => WinTieLoss::Loss,
            _ => WinTieLoss::Tie,
        }
    };
    (
        DatasetEffect {
            name: ds.name.clone(),
            reported: ds.reported,
            n_method: n_m,
            n_baseline: n_b,
            effect,
            ci,
            p_value: p,
            outcome,
        },
        usable,
    )
}

/// Assesses a method-vs-baseline comparison over datasets with [`COMPARISON_RULES`].
/// Never panics; degenerate inputs give `inconclusive` with a note.
pub fn assess_comparison(input: &ComparisonInput, rules: &Rules) -> ComparisonAssessment {
    let alpha = alpha_of(rules);
    let sgn = input.direction.sign();
    let mut per = Vec::new();
    let mut usable = Vec::new();
    for ds in &input.datasets {
        let (e, u) = dataset_effect(ds, sgn, input.paired, rules, alpha);
        per.push(e);
        usable.push(u);
    }
    let count = |o: WinTieLoss, f: &dyn Fn(usize) -> bool| {
        (0..per.len())
            .filter(|&i| f(i) && per[i].outcome == o)
            .count()
    };
    let all = |_: usize| true;
    let (wins, ties, losses) = (
        count(WinTieLoss::Win, &all),
        count(WinTieLoss::Tie, &all),
        count(WinTieLoss::Loss, &all),
    );
    let use_idx: Vec<usize> = (0..per.len()).filter(|&i| usable[i]).collect();
    let effects: Vec<f64> = use_idx.iter().filter_map(|&i| per[i].effect).collect();
    let m = effects.len();
    let wil = if m >= 2 {
        wilcoxon(
            &effects,
            ZeroMethod::Wilcox,
            false,
            Alternative::TwoSided,
            WilcoxonMethod::Auto,
        )
        .ok()
    } else {
        None
    };
    let rep_pos: Vec<usize> = use_idx
        .iter()
        .enumerate()
        .filter(|(_, &i)| per[i].reported)
        .map(|(k, _)| k)
        .collect();
    let sel = if !rep_pos.is_empty() && rep_pos.len() < m {
        subset_selection_test(
            &effects,
            &rep_pos,
            DEFAULT_MAX_ENUM,
            DEFAULT_MC_DRAWS,
            rules.seed,
        )
        .ok()
    } else {
        None
    };
    let is_rep = |i: usize| usable[i] && per[i].reported;
    let is_held = |i: usize| usable[i] && !per[i].reported;
    let (w_r, l_r) = (
        count(WinTieLoss::Win, &is_rep),
        count(WinTieLoss::Loss, &is_rep),
    );
    let (w_h, l_h) = (
        count(WinTieLoss::Win, &is_held),
        count(WinTieLoss::Loss, &is_held),
    );
    let n_r = use_idx.iter().filter(|&&i| per[i].reported).count();
    let n_h = m - n_r;
    let mut notes = vec![format!(
        "{m} usable dataset(s) of {}; reported: {w_r} win / {l_r} loss of {n_r}; held-out: {w_h} win / {l_h} loss of {n_h}",
        per.len()
    )];
    let failed: usize = input
        .datasets
        .iter()
        .map(|d| {
            d.method
                .iter()
                .chain(&d.baseline)
                .filter(|o| o.finite().is_none())
                .count()
        })
        .sum();
    if failed > 0 {
        notes.push(format!(
            "{failed} failed run(s) excluded from means and intervals"
        ));
    }
    let verdict = if m < 2 {
        notes.push("rule 1: fewer than 2 usable datasets".into());
        ComparisonVerdict::Inconclusive
    } else if n_r > 0 && n_h > 0 && w_r > l_r && w_h <= l_h {
        notes.push("rule 2: reported datasets win, held-out ones do not".into());
        ComparisonVerdict::OnlyOnReportedDatasets
    } else if 2.0 / 2f64.powi(m as i32) <= alpha {
        let (wh, lh) = if n_h > 0 { (w_h, l_h) } else { (wins, losses) };
        match &wil {
            Some(w) if w.p_value < alpha && w.r_plus > w.r_minus && wh >= lh => {
                notes.push(format!(
                    "rule 3: Wilcoxon p = {} < {alpha}, effect positive",
                    fmt_sig(w.p_value, 3)
                ));
                ComparisonVerdict::Generalizes
            }
            _ => {
                notes.push("rule 3: no significant positive effect across datasets".into());
                ComparisonVerdict::NoEffect
            }
        }
    } else {
        let (uw, ul) = (
            use_idx
                .iter()
                .filter(|&&i| per[i].outcome == WinTieLoss::Win)
                .count(),
            use_idx
                .iter()
                .filter(|&&i| per[i].outcome == WinTieLoss::Loss)
                .count(),
        );
        if uw == m {
            notes.push(
                "rule 4: too few datasets for the Wilcoxon test; every usable dataset is a win"
                    .into(),
            );
            ComparisonVerdict::Generalizes
        } else if uw == 0 && ul > 0 {
            notes.push(
                "rule 4: too few datasets for the Wilcoxon test; no win and at least one loss"
                    .into(),
            );
            ComparisonVerdict::NoEffect
        } else {
            notes.push("rule 4: too few datasets for the Wilcoxon test to reach alpha".into());
            ComparisonVerdict::Inconclusive
        }
    };
    let favourable = sel.as_ref().is_some_and(|s| s.p_value < alpha);
    if favourable {
        if let Some(s) = &sel {
            notes.push(format!(
                "flag: the reported datasets are a favourable subset (selection test p = {} < {alpha}): \
                 their mean effect {} overstates the held-out datasets' {}",
                fmt_sig(s.p_value, 3),
                fmt_sig(s.reported_mean_effect, 3),
                s.heldout_mean_effect
                    .map_or_else(|| "—".to_string(), |v| fmt_sig(v, 3))
            ));
        }
    }
    ComparisonAssessment {
        id: input.id.clone(),
        reported_subset_favourable: favourable,
        per_dataset: per,
        wins,
        ties,
        losses,
        wilcoxon: wil,
        selection: sel,
        verdict,
        note: notes.join("; "),
    }
}
