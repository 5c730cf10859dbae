//! Comparison assessment: a method against its baseline over datasets (per-dataset Welch or
//! paired t intervals, Wilcoxon signed-rank across datasets, the subset-selection test of the
//! reported datasets, the rules of [`COMPARISON_RULES`](super::COMPARISON_RULES)).

use super::evidence::{dataset_seeds_needed, SeedsToDecide};
use crate::claim::{Direction, Outcome};
use crate::describe::{fmt_sig, mean, sd, Alternative, Sample};
use crate::error::StatsError;
use crate::rules::Rules;
use crate::selection::{
    subset_selection_test, SelectionResult, DEFAULT_MAX_ENUM, DEFAULT_MC_DRAWS,
};
use crate::ttest::{one_sample_t, welch_t};
use crate::wilcoxon::{wilcoxon, WilcoxonMethod, WilcoxonResult, ZeroMethod};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// Practical margin (metric units, > 0): effects within ±margin count as no effect.
    /// `None` = `Rules::relative_margin × |baseline mean|` per dataset.
    #[serde(default)]
    pub margin: Option<f64>,
}

impl ComparisonInput {
    /// Checks the input: with `paired`, every dataset's method and baseline runs have equal
    /// lengths (run `i` of each is the same seed/split; unequal lengths would silently drop
    /// runs). Errors name the comparison and the dataset.
    pub fn validate(&self) -> crate::error::Result<()> {
        if let Some(m) = self.margin {
            if !(m.is_finite() && m > 0.0) {
                return Err(StatsError::param(
                    &format!("comparison `{}`: margin", self.id),
                    m,
                    "must be a finite number > 0 in the metric's unit; omit it for the default",
                ));
            }
        }
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
    /// Run-to-run SD behind the effect: the SD of the paired differences, or the root mean
    /// square of the two arms' SDs (unpaired).
    pub sd: Option<f64>,
    /// Practical margin in force on this dataset (metric units).
    pub margin: Option<f64>,
    /// The effect's interval lies inside (−margin, margin): shown to be negligible.
    pub equivalent: bool,
    /// For a tie that is not equivalent: runs per arm that would detect an effect of the
    /// margin with `Rules::power` (two-sided t-test at α).
    pub seeds_to_decide: Option<SeedsToDecide>,
}

/// Verdict on a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonVerdict {
    /// The effect holds across datasets.
    Generalizes,
    /// The effect appears only on the datasets the paper reported.
    OnlyOnReportedDatasets,
    /// Shown to be negligible: every usable dataset's effect interval lies inside ± the
    /// practical margin.
    NoEffect,
    /// The effect is not shown at this number of seeds and datasets, and its absence is not
    /// shown either ([`ComparisonAssessment::seeds_to_decide`]).
    NotShown,
    /// Too few datasets or runs.
    Inconclusive,
}

impl fmt::Display for ComparisonVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ComparisonVerdict::Generalizes => "generalizes",
            ComparisonVerdict::OnlyOnReportedDatasets => "only on reported datasets",
            ComparisonVerdict::NoEffect => "no effect",
            ComparisonVerdict::NotShown => "not shown",
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
    /// For `not shown`: the most runs per arm any tied dataset needs to be decided (see
    /// [`DatasetEffect::seeds_to_decide`]).
    pub seeds_to_decide: Option<SeedsToDecide>,
    /// Explanation.
    pub note: String,
}

impl ComparisonAssessment {
    /// The verdict with its evidence: `not shown (tied datasets need ≈ 40 seeds per arm)`, or
    /// `not shown at this n` when no dataset ties; the bare word
    /// otherwise.
    pub fn verdict_text(&self) -> String {
        match (self.verdict, self.seeds_to_decide) {
            (ComparisonVerdict::NotShown, Some(SeedsToDecide::Seeds(n))) => {
                format!("{} (tied datasets need ≈ {n} seeds per arm)", self.verdict)
            }
            (ComparisonVerdict::NotShown, Some(SeedsToDecide::Never)) => {
                format!(
                    "{} (more seeds cannot decide the tied datasets)",
                    self.verdict
                )
            }
            (ComparisonVerdict::NotShown, None) => format!("{} at this n", self.verdict),
            _ => self.verdict.to_string(),
        }
    }
}

fn dataset_effect(
    ds: &DatasetResult,
    sgn: f64,
    paired: bool,
    margin: Option<f64>,
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
    let spread = if paired {
        let d: Vec<f64> = ds
            .method
            .iter()
            .zip(&ds.baseline)
            .filter_map(|(a, b)| Some(a.finite()? - b.finite()?))
            .collect();
        (d.len() >= 2).then(|| sd(&d))
    } else {
        (fm.len() >= 2 && fb.len() >= 2).then(|| ((sd(&fm).powi(2) + sd(&fb).powi(2)) / 2.0).sqrt())
    };
    let margin = margin
        .or_else(|| (!fb.is_empty()).then(|| rules.relative_margin * mean(&fb).abs()))
        .filter(|m| m.is_finite() && *m > 0.0);
    let equivalent =
        usable && matches!((ci, margin), (Some((lo, hi)), Some(m)) if lo > -m && hi < m);
    let seeds_to_decide = if usable && outcome == WinTieLoss::Tie && !equivalent {
        margin.and_then(|m| {
            dataset_seeds_needed(
                m,
                spread.unwrap_or(f64::NAN),
                paired,
                alpha,
                rules.effective_power(),
            )
        })
    } else {
        None
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
            sd: spread.filter(|v| v.is_finite()),
            margin,
            equivalent,
            seeds_to_decide,
        },
        usable,
    )
}

/// Assesses a method-vs-baseline comparison over datasets with [`COMPARISON_RULES`](super::COMPARISON_RULES).
/// Never panics; degenerate inputs give `inconclusive` with a note.
pub fn assess_comparison(input: &ComparisonInput, rules: &Rules) -> ComparisonAssessment {
    let alpha = rules.effective_alpha();
    let sgn = input.direction.sign();
    let mut per = Vec::new();
    let mut usable = Vec::new();
    for ds in &input.datasets {
        let (e, u) = dataset_effect(ds, sgn, input.paired, input.margin, rules, alpha);
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
    let all_equivalent = m >= 1 && use_idx.iter().all(|&i| per[i].equivalent);
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
            _ if all_equivalent => {
                notes.push(
                    "rule 3: no significant positive effect, and every usable dataset's effect lies within ± the margin"
                        .into(),
                );
                ComparisonVerdict::NoEffect
            }
            _ => {
                notes.push(
                    "rule 3: no significant positive effect across datasets, and no equivalence within the margin"
                        .into(),
                );
                ComparisonVerdict::NotShown
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
        } else if all_equivalent {
            notes.push(
                "rule 4: too few datasets for the Wilcoxon test; every usable dataset's effect lies within ± the margin"
                    .into(),
            );
            ComparisonVerdict::NoEffect
        } else if uw == 0 && ul > 0 {
            notes.push(
                "rule 4: too few datasets for the Wilcoxon test; no win and at least one loss"
                    .into(),
            );
            ComparisonVerdict::NotShown
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
    let seeds_to_decide = if verdict == ComparisonVerdict::NotShown {
        most_seeds(per.iter().filter_map(|d| d.seeds_to_decide))
    } else {
        None
    };
    if let Some(n) = seeds_to_decide {
        notes.push(match n {
            SeedsToDecide::Seeds(n) => format!(
                "the tied datasets would be decided (an effect of the margin detected with power {}) at ≈ {n} seeds per arm",
                rules.effective_power()
            ),
            SeedsToDecide::Never => "some tied dataset cannot be decided by more seeds".into(),
        });
    }
    ComparisonAssessment {
        seeds_to_decide,
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

/// The largest of the seed counts (`Never` beats any number); `None` when there is none.
fn most_seeds(it: impl Iterator<Item = SeedsToDecide>) -> Option<SeedsToDecide> {
    it.reduce(|a, b| match (a, b) {
        (SeedsToDecide::Never, _) | (_, SeedsToDecide::Never) => SeedsToDecide::Never,
        (SeedsToDecide::Seeds(x), SeedsToDecide::Seeds(y)) => SeedsToDecide::Seeds(x.max(y)),
    })
}
