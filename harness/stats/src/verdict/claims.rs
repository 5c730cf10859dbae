//! Claim assessment: each claimed number against its reproduced runs (one-sided claim test,
//! correction across the paper's claims, the seven rules of [`CLAIM_RULES`](super::CLAIM_RULES), the seed-picking flag).

use super::evidence::{claim_power, claim_seeds_needed, SeedsToDecide};
use crate::bestofk::{
    expected_max_std_normal, implied_k_empirical, implied_k_normal, var_max_std_normal,
};
use crate::bootstrap::{bootstrap_ci, BootstrapConfig, BootstrapMethod, Statistic};
use crate::claim::{Claim, Outcome, ReportedAs};
use crate::describe::{fmt_sig, mean, median, sd, t_cdf, t_ppf, Alternative, Sample};
use crate::multitest::{benjamini_hochberg, holm};
use crate::rules::{Correction, Rules};
use crate::ttest::t_interval;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    /// The runs positively support the claim: not rejected, a shortfall of the practical margin
    /// excluded by the interval, and the test had the power to detect such a shortfall.
    Reproduced,
    /// Not rejected, but the runs cannot show the claim holds: a shortfall of the practical
    /// margin is neither excluded nor detectable at this n ([`ClaimAssessment::seeds_to_decide`]
    /// says how many runs would decide).
    ConsistentUnderpowered,
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
            ClaimVerdict::ConsistentUnderpowered => "consistent, underpowered",
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
    /// (small = reproduced mean significantly worse). See [`CLAIM_RULES`](super::CLAIM_RULES) for the test.
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
    /// Integer best-of-k when seed-picking is the likely explanation (see [`CLAIM_RULES`](super::CLAIM_RULES)).
    pub looks_like_best_of: Option<u64>,
    /// The flag's cap (`Rules::max_best_of_k`) when the claim is rejected and lies beyond the
    /// expected best of that many runs (implied k above the cap, or not attainable): the flag
    /// is monotone, so a more extreme claim is never less suspicious than a milder one.
    pub beyond_best_of: Option<u64>,
    /// The seed-picking flag in words when raised (see [`ClaimAssessment::seed_picking_flag`]);
    /// for a claim declared as the mean of m runs, k counts experiments of m runs.
    pub seed_picking: Option<String>,
    /// Raised instead of the seed-picking flag when the rejected claim lies beyond the expected
    /// best of `max_best_of_k` runs (or beyond any attainable best): no plausible seed selection
    /// explains it, the paper's protocol or its report differs from the reproduction.
    pub beyond_seed_selection: Option<String>,
    /// "atypical: beyond X% of runs" when the claim was not rejected but lies beyond at least
    /// `Rules::atypical_percentile` percent of the runs (with at least 5 runs).
    pub atypical: Option<String>,
    /// Practical margin in force (metric units): the claim's declared margin, else
    /// `Rules::relative_margin × |tested value|`.
    pub margin: Option<f64>,
    /// Power (0–1) the claim test had, at this n and SD, to detect a shortfall of `margin`.
    pub power: Option<f64>,
    /// For `consistent, underpowered`: how many runs would give the test `Rules::power` to
    /// detect a shortfall of the margin (or that none would).
    pub seeds_to_decide: Option<SeedsToDecide>,
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

    /// The verdict with the evidence it needs: `consistent, underpowered (≈ 34 seeds would
    /// decide)`, or `(more seeds cannot decide: …)` when the claim's own variance (one run, or
    /// its printed SE) keeps the power below the target at any n;
    /// the bare verdict word otherwise.
    pub fn verdict_text(&self) -> String {
        match (self.verdict, self.seeds_to_decide) {
            (ClaimVerdict::ConsistentUnderpowered, Some(SeedsToDecide::Seeds(n))) => {
                format!("{} (≈ {n} seeds would decide)", self.verdict)
            }
            (ClaimVerdict::ConsistentUnderpowered, Some(SeedsToDecide::Never)) => format!(
                "{} (more seeds cannot decide: the claim's own uncertainty is too large for the margin)",
                self.verdict
            ),
            _ => self.verdict.to_string(),
        }
    }

    /// Every flag of the verdict, in words: seed picking, beyond seed selection, atypical.
    pub fn flags(&self) -> Vec<String> {
        [
            &self.seed_picking,
            &self.beyond_seed_selection,
            &self.atypical,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// The one-sided claim test's result.
#[derive(Debug, Clone)]
struct ClaimTest {
    /// One-sided p (small = runs worse than the claim).
    p: f64,
    /// Two-sided `1−α` interval of (goodness − target).
    ci: (f64, f64),
    /// The test in words.
    desc: String,
    /// The claim's variance relative to the runs' (`v_claim / s²`): 1 single run, 1/m mean of
    /// m, v_m best of m, SE²/s² with a printed SE; 0 when s = 0.
    claim_var_ratio: f64,
    /// Integer normal-model implied k (0 = not attainable).
    k_int: u64,
}

/// The one-sided claim test (see [`CLAIM_RULES`](super::CLAIM_RULES)).
fn claim_test(g: &[f64], gc: f64, claim: &Claim, alpha: f64) -> Option<ClaimTest> {
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
    Some(ClaimTest {
        p,
        ci: (diff - half, diff + half),
        desc,
        claim_var_ratio: if s2 > 0.0 { v_claim / s2 } else { 0.0 },
        k_int: 0,
    })
}

fn adjust(p: &[f64], c: Correction) -> Vec<f64> {
    let r = match c {
        Correction::Holm => holm(p),
        Correction::BenjaminiHochberg => benjamini_hochberg(p),
        Correction::None => Ok(p.to_vec()),
    };
    r.unwrap_or_else(|_| p.to_vec())
}

/// Assesses every claim against its runs and applies [`CLAIM_RULES`](super::CLAIM_RULES); p-values are corrected
/// across ALL given claims with `rules.correction` (Holm by default): pass one paper's claims,
/// the correction family of the reports. Never panics: bad inputs
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
    let alpha = rules.effective_alpha();
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
            p_value: test.as_ref().map(|t| t.p),
            p_adjusted: None,
            best_of_k_normal: bk_n.map(|k| k.k_real),
            best_of_k_empirical: bk_e.map(|k| k.k_real),
            verdict: ClaimVerdict::Inconclusive,
            looks_like_best_of: None,
            beyond_best_of: None,
            seed_picking: None,
            beyond_seed_selection: None,
            atypical: None,
            margin: claim.margin_or(rules.relative_margin),
            power: None,
            seeds_to_decide: None,
            note: String::new(),
        });
        // keep the integer normal k for the flag
        tests.push(test.map(|mut t| {
            t.k_int = bk_n.and_then(|k| k.k_int).unwrap_or(0);
            t
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
        let Some(test) = tests[i].clone() else {
            a.verdict = ClaimVerdict::Inconclusive;
            notes.push("test could not be computed".into());
            a.note = notes.join("; ");
            continue;
        };
        let (ci, kint) = (test.ci, test.k_int);
        notes.push(test.desc.clone());
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
                a.seed_picking = a
                    .looks_like_best_of
                    .map(|k| format!("looks like the best of ≈ {k} {unit}"));
                a.beyond_seed_selection = a.beyond_best_of.map(|cap| {
                    format!(
                        "beyond what seed selection explains (more than the best of {cap} {unit}): protocol or report differs"
                    )
                });
                for flag in [&a.seed_picking, &a.beyond_seed_selection]
                    .into_iter()
                    .flatten()
                {
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
            decide_not_rejected(a, &test, n_finite, rules, &mut notes);
        }
        a.note = notes.join("; ");
    }
    out
}

/// Rules 6 and 7 (a claim neither rejected nor beaten): `reproduced` when the interval excludes
/// a shortfall of the margin and the test had `Rules::power` to detect one, else
/// `consistent, underpowered` with the runs that would decide; then the atypical flag.
fn decide_not_rejected(
    a: &mut ClaimAssessment,
    test: &ClaimTest,
    n_finite: usize,
    rules: &Rules,
    notes: &mut Vec<String>,
) {
    let alpha = rules.effective_alpha();
    let target = rules.effective_power();
    let s = a.sd.unwrap_or(0.0);
    a.power = a
        .margin
        .and_then(|m| claim_power(n_finite, s, test.claim_var_ratio, m, alpha));
    let excluded = a.margin.is_some_and(|m| test.ci.0 > -m);
    let powered = a.power.is_some_and(|p| p >= target);
    let margin = a
        .margin
        .map_or_else(|| "none".to_string(), |m| fmt_sig(m, 3));
    let power = a.power.map_or_else(|| "—".to_string(), |p| fmt_sig(p, 2));
    if excluded && powered {
        a.verdict = ClaimVerdict::Reproduced;
        notes.push(format!(
            "rule 6: a shortfall of the margin {margin} is excluded and was detectable (power {power})"
        ));
    } else {
        a.verdict = ClaimVerdict::ConsistentUnderpowered;
        a.seeds_to_decide = a
            .margin
            .and_then(|m| claim_seeds_needed(s, test.claim_var_ratio, m, alpha, target));
        notes.push(if excluded {
            format!(
                "rule 7: not rejected; the interval excludes a shortfall of the margin {margin}, but the test could detect one with power {power} only (< {target})"
            )
        } else {
            format!(
                "rule 7: not rejected, but a shortfall of the margin {margin} is not excluded (power {power})"
            )
        });
    }
    if a.n_runs >= 5 {
        if let Some(pct) = a.percentile.filter(|p| *p >= rules.atypical_percentile) {
            a.atypical = Some(format!("atypical: beyond {pct:.0}% of runs"));
            notes.push(a.atypical.clone().unwrap_or_default());
        }
    }
}
