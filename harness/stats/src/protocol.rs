//! Protocol attribution: which measurement protocol is a claimed number consistent with?
//!
//! A run often records the same quantity under several protocols: the test metric after the
//! last epoch (`final`), at the epoch with the best validation metric (`best_val_epoch`, early
//! stopping) and the best test metric over training (`best_test_epoch`, i.e. the epoch chosen on
//! the test set). A fourth protocol is derived from the final-epoch runs: the best of k seeds
//! (`best_of_k_seeds`, the seed chosen on the test set). Choosing the epoch or the seed on the
//! test set is the most common undisclosed selection in machine-learning papers; the paper
//! usually says neither way.
//!
//! [`attribute`] places one claim on each protocol's run distribution with the claim verdicts'
//! own test ([`crate::verdict::assess_claims`]: the claim's `reported_as` model — single run,
//! mean of m, best of m, printed SE — applied to that protocol's runs), read **two-sided**: a
//! claim far below the best-test-epoch runs is as inconsistent with that protocol as a claim far
//! above the final-epoch runs. For a claim printed to a resolution, each side is tested at the
//! end of the rounding interval least favourable to rejecting it (the same convention as the
//! verdicts). The protocols whose p-value is at least α are the ones the claim is consistent with.
//! The p-values are not corrected across protocols: each answers "could the claim be a draw of
//! this protocol?", and a correction would only make more protocols look consistent.
//!
//! `best_of_k_seeds` uses the best-of-k machinery of [`crate::bestofk`] on the final-epoch runs:
//! k is the implied best-of-k of the claim under the normal model (STATISTICS.md §6.1; Dodge et
//! al. 2019 for the empirical variant the verdicts also print), and the claim is tested as the
//! best of that integer k (the verdicts' `best_of` test: target `c − s·e_k`, claim variance
//! `s²·Var(max_k)`). With k free, the test only rejects when k is implausible: the protocol is
//! consistent when `2 ≤ k ≤ Rules::max_best_of_k` (the cap of the seed-picking flag) and the test
//! at that k keeps p ≥ α. It is not derived for a claim declared as a mean of m runs (the k
//! experiments would be means, a different model), nor for a claim already declared as a best of
//! m runs (the final-epoch protocol is then that best of m).
//!
//! Source: the protocols are those of Dodge et al. (2019), "Show your work: improved reporting
//! of experimental results" (EMNLP), and Bouthillier et al. (2021), "Accounting for variance in
//! machine learning benchmarks" (MLSys); the test is the claim verdicts' (see
//! [`crate::verdict::CLAIM_RULES`]).

use crate::bestofk::implied_k_normal;
use crate::claim::{Claim, Outcome, ReportedAs};
use crate::describe::{mean, sd};
use crate::rules::{Correction, Rules};
use crate::verdict::assess_claims;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The rule of the attribution in words, printed under every attribution (α is the report's).
pub const PROTOCOL_RULE: &str = "Protocol attribution: where the runs record the claim's quantity under several protocols (final epoch; epoch selected on the validation set, i.e. early stopping; epoch selected on the test set, i.e. the best test value over training), the claim is placed on each protocol's runs with the claim's own test (its reported_as model) read two-sided, at the end of its rounding interval least favourable to rejection; it matches a protocol when p ≥ α (uncorrected: each p asks whether the claim could be a draw of that protocol). Best of k seeds is derived from the final-epoch runs: k is the claim's implied best-of-k (normal model), tested as the best of that k, and matches when 2 ≤ k ≤ the cap of the seed-picking flag and p ≥ α; it is not derived for a claim declared as a mean or a best of m runs.";

/// How a run's number was selected from its training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// The metric after the last epoch (or step) of training.
    Final,
    /// The metric at the epoch with the best validation metric (early stopping on validation).
    BestValEpoch,
    /// The best value of the test metric over training (the epoch selected on the test set).
    BestTestEpoch,
    /// The best of k seeds of the final-epoch protocol (the seed selected on the test set);
    /// derived from the `Final` runs, never recorded as a metric of its own.
    BestOfKSeeds,
}

impl Protocol {
    /// Every protocol, in the order reports list them.
    pub const ALL: [Protocol; 4] = [
        Protocol::Final,
        Protocol::BestValEpoch,
        Protocol::BestTestEpoch,
        Protocol::BestOfKSeeds,
    ];

    /// The config spelling (`final`, `best_val_epoch`, `best_test_epoch`, `best_of_k_seeds`).
    pub fn key(self) -> &'static str {
        match self {
            Protocol::Final => "final",
            Protocol::BestValEpoch => "best_val_epoch",
            Protocol::BestTestEpoch => "best_test_epoch",
            Protocol::BestOfKSeeds => "best_of_k_seeds",
        }
    }

    /// What the protocol is, as a noun phrase: "the final-epoch protocol", "early stopping on
    /// the validation set", "selection of the epoch on the test set", "selection of the best of
    /// k seeds on the test set".
    pub fn phrase(self) -> &'static str {
        match self {
            Protocol::Final => "the final-epoch protocol",
            Protocol::BestValEpoch => "early stopping on the validation set",
            Protocol::BestTestEpoch => "selection of the epoch on the test set",
            Protocol::BestOfKSeeds => "selection of the best of k seeds on the test set",
        }
    }

    /// A short label for narrow columns: "final", "best val epoch", "best test epoch",
    /// "best of k seeds".
    pub fn short(self) -> &'static str {
        match self {
            Protocol::Final => "final",
            Protocol::BestValEpoch => "best val epoch",
            Protocol::BestTestEpoch => "best test epoch",
            Protocol::BestOfKSeeds => "best of k seeds",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The runs of one claim's cell under one recorded protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolSample {
    /// The protocol the metric measures (`BestOfKSeeds` is derived, never given here: such a
    /// sample is ignored).
    pub protocol: Protocol,
    /// The metric holding that protocol's values (for the report).
    pub metric: String,
    /// One outcome per run (metric units); failed runs are `Outcome::Failed`.
    pub runs: Vec<Outcome>,
}

/// The claim placed on one protocol's run distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolFit {
    /// The protocol.
    pub protocol: Protocol,
    /// The metric whose runs were used (for `best_of_k_seeds`, the final-epoch metric).
    pub metric: String,
    /// Finite runs of that metric.
    pub n: usize,
    /// Their mean (metric units).
    pub mean: Option<f64>,
    /// Their SD, ddof 1 (metric units).
    pub sd: Option<f64>,
    /// For `best_of_k_seeds`: the implied integer best-of-k under the normal model (`None`
    /// when not attainable: σ = 0 or beyond every solver bound).
    pub k: Option<u64>,
    /// Two-sided p-value that the claim is a draw of this protocol under the claim's
    /// `reported_as` model; `None` when it cannot be computed (too few runs, not derived).
    pub p_value: Option<f64>,
    /// `p_value ≥ α` (and for `best_of_k_seeds` a k within `2..=max_best_of_k`); `None` when
    /// untested.
    pub consistent: Option<bool>,
    /// Why, in words (test used, or why there is none).
    pub note: String,
}

/// The protocols one claim is consistent with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolAttribution {
    /// The claim's id.
    pub claim: String,
    /// The level each protocol was tested at (`Rules::effective_alpha`).
    pub alpha: f64,
    /// One fit per recorded protocol (in [`Protocol::ALL`] order), then the derived
    /// `best_of_k_seeds` when it applies.
    pub fits: Vec<ProtocolFit>,
    /// The protocols whose fit is consistent, in the same order.
    pub consistent_with: Vec<Protocol>,
}

impl ProtocolAttribution {
    /// The fit of protocol `p`, if it was tested.
    pub fn fit(&self, p: Protocol) -> Option<&ProtocolFit> {
        self.fits.iter().find(|f| f.protocol == p)
    }
}

/// Places `claim` on each protocol's runs in `samples` (and on the derived best-of-k-seeds
/// protocol of the `Final` sample, when one is given and the claim is reported as one run or
/// unknown) and lists the protocols it is consistent with at `rules.effective_alpha()`.
/// Never panics: a non-finite claim or too few finite runs (fewer than `rules.min_runs`, at
/// least 2) leave that protocol untested (`p_value = None`, note says why). Samples with a
/// duplicate protocol after the first, and samples given as `BestOfKSeeds`, are ignored.
pub fn attribute(claim: &Claim, samples: &[ProtocolSample], rules: &Rules) -> ProtocolAttribution {
    let alpha = rules.effective_alpha();
    let mut fits = Vec::new();
    for p in Protocol::ALL {
        if p == Protocol::BestOfKSeeds {
            continue;
        }
        if let Some(s) = samples.iter().find(|s| s.protocol == p) {
            fits.push(fit(claim, s, claim.reported_as, None, rules));
        }
    }
    if let Some(fin) = samples.iter().find(|s| s.protocol == Protocol::Final) {
        if let Some(f) = best_of_k_seeds(claim, fin, rules) {
            fits.push(f);
        }
    }
    let consistent_with = fits
        .iter()
        .filter(|f| f.consistent == Some(true))
        .map(|f| f.protocol)
        .collect();
    ProtocolAttribution {
        claim: claim.id.clone(),
        alpha,
        fits,
        consistent_with,
    }
}

/// The derived best-of-k-seeds fit, or `None` when it does not apply (mean-of-m or declared
/// best-of-m claims).
fn best_of_k_seeds(claim: &Claim, fin: &ProtocolSample, rules: &Rules) -> Option<ProtocolFit> {
    if !matches!(
        claim.reported_as,
        ReportedAs::SingleRun | ReportedAs::Unknown
    ) {
        return None;
    }
    let sample = ProtocolSample {
        protocol: Protocol::BestOfKSeeds,
        metric: fin.metric.clone(),
        runs: fin.runs.clone(),
    };
    let finite: Vec<f64> = fin.runs.iter().filter_map(Outcome::finite).collect();
    let sgn = claim.direction.sign();
    let enough = finite.len() >= rules.min_runs.max(2) && claim.value.is_finite();
    let implied = if enough {
        let g: Vec<f64> = finite.iter().map(|v| v * sgn).collect();
        implied_k_normal(claim.tested_value() * sgn, mean(&g), sd(&g)).ok()
    } else {
        None
    };
    let cap = rules.max_best_of_k;
    let Some(k) = implied else {
        let mut f = fit(claim, &sample, claim.reported_as, None, rules);
        if f.p_value.is_some() {
            f.p_value = None;
            f.consistent = None;
            f.note = "the implied best-of-k could not be computed".into();
        }
        return Some(f);
    };
    let Some(ki) = k.k_int.filter(|&ki| ki >= 2 && (ki as f64) <= cap) else {
        let mut f = fit(claim, &sample, claim.reported_as, None, rules);
        f.k = k.k_int;
        f.p_value = None;
        f.consistent = Some(false);
        f.note = match k.k_int {
            Some(1) => "the claim is not above the final-epoch runs' mean: no seed selection needed (k = 1)".into(),
            Some(ki) => format!("implied k = {ki}, above the seed-picking flag's cap of {}", cap.round()),
            None => "beyond the expected best of any number of seeds (the final-epoch runs do not vary)".into(),
        };
        if k.k_int == Some(1) {
            f.consistent = None;
        }
        return Some(f);
    };
    let n = usize::try_from(ki).unwrap_or(usize::MAX);
    let mut f = fit(claim, &sample, ReportedAs::BestOf { n }, Some(ki), rules);
    f.note = format!("implied best of {ki} seeds (normal model); {}", f.note);
    Some(f)
}

/// The claim, read as `model`, placed on `s`'s runs with the verdicts' test, two-sided.
fn fit(
    claim: &Claim,
    s: &ProtocolSample,
    model: ReportedAs,
    k: Option<u64>,
    rules: &Rules,
) -> ProtocolFit {
    let finite: Vec<f64> = s.runs.iter().filter_map(Outcome::finite).collect();
    let n = finite.len();
    let mut out = ProtocolFit {
        protocol: s.protocol,
        metric: s.metric.clone(),
        n,
        mean: (n >= 1).then(|| mean(&finite)),
        sd: (n >= 2).then(|| sd(&finite)),
        k,
        p_value: None,
        consistent: None,
        note: String::new(),
    };
    let need = rules.min_runs.max(2);
    if !claim.value.is_finite() {
        out.note = "the claimed value is not a finite number".into();
        return out;
    }
    if n < need {
        out.note = format!("fewer than {need} finite runs");
        return out;
    }
    // one-sided p ("runs worse than the claim") at either end of the rounding interval
    let one_sided = |value: f64| -> Option<(f64, String)> {
        let c = Claim {
            value,
            resolution: None,
            reported_as: model,
            ..claim.clone()
        };
        let lone = Rules {
            correction: Correction::None,
            bootstrap_resamples: 0,
            ..rules.clone()
        };
        let a = assess_claims(&[(c, s.runs.clone())], &lone).pop()?;
        let test = a
            .note
            .split("; ")
            .find(|part| part.contains("t-test"))
            .unwrap_or("t-test")
            .to_string();
        a.p_value.map(|p| (p, test))
    };
    let worse_end = claim.tested_value();
    let better_end = 2.0 * claim.value - worse_end;
    let (Some((p_high, test)), Some((p_low, _))) = (one_sided(worse_end), one_sided(better_end))
    else {
        out.note = "the test could not be computed".into();
        return out;
    };
    let p = (2.0 * p_high.min(1.0 - p_low)).clamp(0.0, 1.0);
    out.p_value = Some(p);
    out.consistent = Some(p >= rules.effective_alpha());
    out.note = format!("two-sided {test}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim::Direction;

    fn claim(value: f64, reported_as: ReportedAs) -> Claim {
        Claim {
            id: "c".into(),
            value,
            standard_error: None,
            direction: Direction::Higher,
            reported_as,
            resolution: None,
            margin: None,
        }
    }

    fn sample(p: Protocol, values: &[f64]) -> ProtocolSample {
        ProtocolSample {
            protocol: p,
            metric: p.key().into(),
            runs: values.iter().map(|v| Outcome::Value(*v)).collect(),
        }
    }

    /// Ten runs whose test curves end near 0.875 and peak near 0.885.
    fn curves() -> (Vec<f64>, Vec<f64>) {
        let fin: Vec<f64> = (0..10).map(|i| 0.870 + 0.001 * i as f64).collect();
        let best: Vec<f64> = fin.iter().map(|v| v + 0.010).collect();
        (fin, best)
    }

    #[test]
    fn a_claim_at_the_max_of_the_test_curve_matches_best_test_epoch_and_is_rejected_under_final() {
        let (fin, best) = curves();
        let c = claim(mean(&best), ReportedAs::Unknown);
        let a = attribute(
            &c,
            &[
                sample(Protocol::Final, &fin),
                sample(Protocol::BestTestEpoch, &best),
            ],
            &Rules::default(),
        );
        let f = a.fit(Protocol::Final).unwrap();
        let b = a.fit(Protocol::BestTestEpoch).unwrap();
        assert_eq!(f.consistent, Some(false), "{f:?}");
        assert!(f.p_value.unwrap() < 0.05, "{f:?}");
        assert_eq!(b.consistent, Some(true), "{b:?}");
        assert!(b.p_value.unwrap() > 0.9, "{b:?}");
        assert!(a.consistent_with.contains(&Protocol::BestTestEpoch));
        assert!(!a.consistent_with.contains(&Protocol::Final));
        assert!(
            b.note.starts_with("two-sided prediction-interval t-test"),
            "{}",
            b.note
        );
    }

    #[test]
    fn a_claim_at_the_final_mean_matches_final_and_is_rejected_under_best_test_epoch() {
        let (fin, best) = curves();
        let c = claim(mean(&fin), ReportedAs::SingleRun);
        let a = attribute(
            &c,
            &[
                sample(Protocol::Final, &fin),
                sample(Protocol::BestTestEpoch, &best),
            ],
            &Rules::default(),
        );
        // too low for the best test epoch: the test is two-sided
        assert_eq!(a.consistent_with, vec![Protocol::Final]);
        let bk = a.fit(Protocol::BestOfKSeeds).unwrap();
        assert_eq!(bk.k, Some(1));
        assert_eq!(bk.consistent, None, "{bk:?}");
    }

    #[test]
    fn best_of_k_seeds_takes_the_implied_k_and_its_cap() {
        let (fin, _) = curves();
        let (m, s) = (mean(&fin), sd(&fin));
        // the expected best of 10 normal draws is μ + 1.538753 σ
        let c = claim(m + 1.5387 * s, ReportedAs::Unknown);
        let a = attribute(&c, &[sample(Protocol::Final, &fin)], &Rules::default());
        let bk = a.fit(Protocol::BestOfKSeeds).unwrap();
        assert_eq!(bk.k, Some(10), "{bk:?}");
        assert_eq!(bk.consistent, Some(true), "{bk:?}");
        assert!(bk.p_value.unwrap() > 0.5);
        // far beyond the best of 100 seeds
        let c = claim(m + 6.0 * s, ReportedAs::Unknown);
        let a = attribute(&c, &[sample(Protocol::Final, &fin)], &Rules::default());
        let bk = a.fit(Protocol::BestOfKSeeds).unwrap();
        assert_eq!(bk.consistent, Some(false), "{bk:?}");
        assert!(
            bk.note.contains("above the seed-picking flag's cap of 100"),
            "{}",
            bk.note
        );
        assert!(a.consistent_with.is_empty());
        // not derived for a declared best of m or a mean of m
        for r in [ReportedAs::BestOf { n: 30 }, ReportedAs::MeanOf { n: 5 }] {
            let a = attribute(
                &claim(m, r),
                &[sample(Protocol::Final, &fin)],
                &Rules::default(),
            );
            assert!(a.fit(Protocol::BestOfKSeeds).is_none());
        }
    }

    #[test]
    fn lower_is_better_and_rounding_are_handled_on_both_sides() {
        let (fin, best) = curves();
        let err = |v: &[f64]| v.iter().map(|x| 1.0 - x).collect::<Vec<_>>();
        // an error rate equal to the min of the test error curve, printed to 0.01
        let mut c = claim(1.0 - mean(&best), ReportedAs::Unknown);
        c.direction = Direction::Lower;
        let samples = [
            sample(Protocol::Final, &err(&fin)),
            sample(Protocol::BestTestEpoch, &err(&best)),
        ];
        let a = attribute(&c, &samples, &Rules::default());
        assert!(a.consistent_with.contains(&Protocol::BestTestEpoch));
        assert!(!a.consistent_with.contains(&Protocol::Final));
        // a resolution wide enough to cover both distributions makes both consistent
        c.resolution = Some(0.05);
        let a = attribute(&c, &samples, &Rules::default());
        assert!(a.consistent_with.contains(&Protocol::Final), "{a:?}");
        assert!(
            a.consistent_with.contains(&Protocol::BestTestEpoch),
            "{a:?}"
        );
    }

    #[test]
    fn too_few_runs_and_bad_claims_are_untested_not_errors() {
        let c = claim(0.5, ReportedAs::Unknown);
        let a = attribute(
            &c,
            &[sample(Protocol::Final, &[0.5, 0.6])],
            &Rules::default(),
        );
        let f = a.fit(Protocol::Final).unwrap();
        assert_eq!(f.p_value, None);
        assert!(f.note.contains("fewer than 3 finite runs"), "{}", f.note);
        let c = claim(f64::NAN, ReportedAs::Unknown);
        let a = attribute(
            &c,
            &[sample(Protocol::Final, &[0.5, 0.6, 0.7])],
            &Rules::default(),
        );
        assert!(a.consistent_with.is_empty());
        assert_eq!(a.fit(Protocol::Final).unwrap().p_value, None);
    }
}
