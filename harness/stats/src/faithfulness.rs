//! Faithfulness of a reproduction to the authors' own runs: where a source publishes the per-run
//! values behind a claim, the reproduction's runs and the published runs are compared as two
//! independent samples, before any claim verdict is trusted.
//!
//! * **Welch's t-test** (STATISTICS.md §1.3): the difference of means `reproduction − published`
//!   (metric units) with its two-sided `1 − α` Welch interval — the number a reader needs.
//! * **Mann–Whitney U** ([`crate::mannwhitney`], SciPy `method='auto'`): the same question without
//!   the normal model (robust to a skewed or outlying run).
//! * **Rule** ([`FAITHFULNESS_RULES`]): `reproduction differs from the authors' runs` when the
//!   smaller of the two two-sided p-values, Holm-adjusted for the two tests (`min(1, 2·min p)`),
//!   is below α — the family-wise error of calling a faithful reproduction different is then at
//!   most α whichever test fires; otherwise `reproduction matches the authors' runs`;
//!   `inconclusive` when either sample has fewer than 2 finite values. "Matches" is absence of
//!   evidence of a difference, so the interval of the difference is always printed beside it.
//!
//! Failed reproduced runs are left out of both tests and counted in the note.

use crate::claim::Outcome;
use crate::describe::{fmt_sig, mean, sd, Alternative, Sample};
use crate::mannwhitney::{mann_whitney_u, MannWhitneyMethod, MannWhitneyResult};
use crate::rules::Rules;
use crate::ttest::{welch_t, TTestResult};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The faithfulness rule in words.
pub const FAITHFULNESS_RULES: &str = "\
Faithfulness (defaults: alpha = 0.05): the reproduction's finite runs and the authors' published \
per-run values are compared as two independent samples with Welch's t-test (difference of means \
reproduction - published, two-sided (1-alpha) interval) and the Mann-Whitney U test (SciPy \
method 'auto': exact without ties when a sample has at most 8 values, else normal with tie \
correction and continuity correction). REPRODUCTION DIFFERS FROM THE AUTHORS' RUNS if \
min(1, 2 x min(p_Welch, p_MWU)) < alpha (Holm over the two tests), otherwise REPRODUCTION MATCHES \
THE AUTHORS' RUNS; INCONCLUSIVE with fewer than 2 finite values on either side.";

/// Verdict of [`compare_with_published`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaithfulnessVerdict {
    /// No significant difference.
    Matches,
    /// Significant difference (Holm over Welch and Mann–Whitney).
    Differs,
    /// Fewer than 2 finite values on a side.
    Inconclusive,
}

impl fmt::Display for FaithfulnessVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaithfulnessVerdict::Matches => "reproduction matches the authors' runs",
            FaithfulnessVerdict::Differs => "reproduction differs from the authors' runs",
            FaithfulnessVerdict::Inconclusive => "inconclusive",
        })
    }
}

/// Result of [`compare_with_published`]; values in metric units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Faithfulness {
    /// Finite reproduced runs.
    pub n_reproduced: usize,
    /// Failed reproduced runs left out.
    pub n_failed: usize,
    /// Published values.
    pub n_published: usize,
    /// Mean of the reproduced runs.
    pub mean_reproduced: Option<f64>,
    /// SD (ddof 1) of the reproduced runs.
    pub sd_reproduced: Option<f64>,
    /// Mean of the published values.
    pub mean_published: Option<f64>,
    /// SD (ddof 1) of the published values.
    pub sd_published: Option<f64>,
    /// Welch test of reproduction − published (two-sided).
    pub welch: Option<TTestResult>,
    /// Mann–Whitney U of reproduction vs published (two-sided, `auto`).
    pub mann_whitney: Option<MannWhitneyResult>,
    /// `min(1, 2·min(p_Welch, p_MWU))`.
    pub p_holm: Option<f64>,
    /// Verdict.
    pub verdict: FaithfulnessVerdict,
    /// Source of the published values (as given).
    pub source: String,
    /// One-line summary.
    pub summary: String,
}

/// Compares reproduced runs with published per-run values (see the module docs) at the level
/// of `rules` ([`Rules::effective_alpha`]: `alpha` outside (0, 1) falls back to 0.05). Never
/// panics.
pub fn compare_with_published(
    reproduced: &[Outcome],
    published: &[f64],
    source: &str,
    rules: &Rules,
) -> Faithfulness {
    let alpha = rules.effective_alpha();
    let x: Vec<f64> = reproduced.iter().filter_map(|o| o.finite()).collect();
    let y: Vec<f64> = published
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let n_failed = reproduced.len() - x.len();
    let m = |v: &[f64]| if v.is_empty() { None } else { Some(mean(v)) };
    let s = |v: &[f64]| if v.len() < 2 { None } else { Some(sd(v)) };
    let welch = match (Sample::new(x.clone()), Sample::new(y.clone())) {
        (Ok(a), Ok(b)) => welch_t(&a, &b, Alternative::TwoSided, 1.0 - alpha).ok(),
        _ => None,
    };
    let mwu = if x.len() >= 2 && y.len() >= 2 {
        mann_whitney_u(&x, &y, true, Alternative::TwoSided, MannWhitneyMethod::Auto).ok()
    } else {
        None
    };
    let p_holm = match (&welch, &mwu) {
        (Some(w), Some(u)) if !w.p_value.is_nan() && !u.p_value.is_nan() => {
            Some((2.0 * w.p_value.min(u.p_value)).min(1.0))
        }
        _ => None,
    };
    let verdict = match p_holm {
        Some(p) if p < alpha => FaithfulnessVerdict::Differs,
        Some(_) => FaithfulnessVerdict::Matches,
        None => FaithfulnessVerdict::Inconclusive,
    };
    let mut out = Faithfulness {
        n_reproduced: x.len(),
        n_failed,
        n_published: y.len(),
        mean_reproduced: m(&x),
        sd_reproduced: s(&x),
        mean_published: m(&y),
        sd_published: s(&y),
        welch,
        mann_whitney: mwu,
        p_holm,
        verdict,
        source: source.to_string(),
        summary: String::new(),
    };
    out.summary = summary(&out, alpha);
    out
}

fn summary(a: &Faithfulness, alpha: f64) -> String {
    let f4 = |v: Option<f64>| v.map(|x| fmt_sig(x, 4)).unwrap_or_else(|| "—".into());
    let p = |v: f64| {
        if v < 1e-4 {
            format!("{v:.1e}")
        } else {
            format!("{v:.4}")
        }
    };
    let mut s = format!(
        "{}: reproduction {} runs, mean {} (sd {}) vs the authors' {} runs, mean {} (sd {})",
        a.verdict,
        a.n_reproduced,
        f4(a.mean_reproduced),
        f4(a.sd_reproduced),
        a.n_published,
        f4(a.mean_published),
        f4(a.sd_published)
    );
    if let Some(w) = &a.welch {
        s += &format!(
            "; difference {} ({:.0}% CI [{}, {}]), Welch t = {} (df {:.1}), p = {}",
            fmt_sig(w.estimate, 3),
            100.0 * (1.0 - alpha),
            fmt_sig(w.ci.0, 3),
            fmt_sig(w.ci.1, 3),
            fmt_sig(w.statistic, 3),
            w.df,
            p(w.p_value)
        );
    }
    if let Some(u) = &a.mann_whitney {
        s += &format!(
            "; Mann-Whitney U = {}, p = {} ({})",
            fmt_sig(u.statistic, 4),
            p(u.p_value),
            match u.method {
                MannWhitneyMethod::Exact => "exact",
                _ => "normal approximation",
            }
        );
    }
    if let Some(ph) = a.p_holm {
        s += &format!("; Holm-adjusted min p = {} vs alpha = {alpha}", p(ph));
    }
    if a.n_failed > 0 {
        s += &format!("; {} failed reproduced run(s) left out", a.n_failed);
    }
    if !a.source.is_empty() {
        s += &format!("; published values: {}", a.source);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_shift_differs_and_equal_samples_match() {
        let x: Vec<Outcome> = (0..10).map(|i| Outcome::Value(i as f64)).collect();
        let y: Vec<f64> = (0..10).map(|i| i as f64 + 20.0).collect();
        let a = compare_with_published(&x, &y, "s", &Rules::default());
        assert_eq!(a.verdict, FaithfulnessVerdict::Differs);
        assert!(a.welch.as_ref().unwrap().estimate < 0.0);
        let y2: Vec<f64> = (0..10).map(|i| i as f64 + 0.5).collect();
        let b = compare_with_published(&x, &y2, "s", &Rules::default());
        assert_eq!(b.verdict, FaithfulnessVerdict::Matches, "{}", b.summary);
        let c = compare_with_published(&x[..1], &y, "s", &Rules::default());
        assert_eq!(c.verdict, FaithfulnessVerdict::Inconclusive);
    }
}
