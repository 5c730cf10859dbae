//! The tuned-baseline reading of a comparison (issue 26 item 5; Rendle, Zhang & Koren 2019, "On
//! the Difficulty of Evaluating Baselines"; Dacrema, Cremonesi & Jannach 2019): a claim "method
//! beats baseline" is assessed twice, against the baseline as the paper configured it and
//! against the same baseline tuned with a declared budget, and the two verdicts are read
//! together.

use super::comparison::ComparisonVerdict;
use serde::Serialize;
use std::fmt;

/// What the verdict against the tuned baseline does to the verdict against the baseline as the
/// paper configured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TunedBaselineReading {
    /// The method wins against both baselines: the win does not rest on an untuned baseline.
    WinSurvivesTuning,
    /// The method wins against the baseline as configured but not against the tuned one (its
    /// verdict there is "no effect" or "not shown"): the win depends on an untuned baseline.
    WinDependsOnUntunedBaseline,
    /// No win against the configured baseline, so there is no win for tuning to remove.
    NoWinToTest,
    /// The comparison against the tuned baseline is inconclusive (too few datasets or runs):
    /// it cannot say whether the win survives.
    TunedInconclusive,
}

/// A verdict that says the method wins: it "generalizes" or wins "only on reported datasets".
pub fn is_win(v: ComparisonVerdict) -> bool {
    matches!(
        v,
        ComparisonVerdict::Generalizes | ComparisonVerdict::OnlyOnReportedDatasets
    )
}

/// Reads the verdict against the configured baseline (`configured`) with the verdict against
/// the tuned one (`tuned`): see [`TunedBaselineReading`]. A win only on the reported datasets
/// survives tuning when the tuned comparison is a win of either kind.
pub fn tuned_baseline_reading(
    configured: ComparisonVerdict,
    tuned: ComparisonVerdict,
) -> TunedBaselineReading {
    if !is_win(configured) {
        TunedBaselineReading::NoWinToTest
    } else if tuned == ComparisonVerdict::Inconclusive {
        TunedBaselineReading::TunedInconclusive
    } else if is_win(tuned) {
        TunedBaselineReading::WinSurvivesTuning
    } else {
        TunedBaselineReading::WinDependsOnUntunedBaseline
    }
}

impl TunedBaselineReading {
    /// True for [`TunedBaselineReading::WinDependsOnUntunedBaseline`]: the report's flag.
    pub fn flags(self) -> bool {
        self == TunedBaselineReading::WinDependsOnUntunedBaseline
    }
}

impl fmt::Display for TunedBaselineReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TunedBaselineReading::WinSurvivesTuning => "the win survives the tuned baseline",
            TunedBaselineReading::WinDependsOnUntunedBaseline => {
                "win depends on an untuned baseline"
            }
            TunedBaselineReading::NoWinToTest => {
                "no win against the configured baseline, so none for tuning to remove"
            }
            TunedBaselineReading::TunedInconclusive => {
                "the comparison with the tuned baseline is inconclusive: whether the win survives tuning is not known"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComparisonVerdict::*;

    #[test]
    fn every_pair_of_verdicts_has_its_reading() {
        let all = [
            Generalizes,
            OnlyOnReportedDatasets,
            NoEffect,
            NotShown,
            Inconclusive,
        ];
        for c in all {
            for t in all {
                let r = tuned_baseline_reading(c, t);
                let expected = match (c, t) {
                    (NoEffect | NotShown | Inconclusive, _) => TunedBaselineReading::NoWinToTest,
                    (_, Inconclusive) => TunedBaselineReading::TunedInconclusive,
                    (_, Generalizes | OnlyOnReportedDatasets) => {
                        TunedBaselineReading::WinSurvivesTuning
                    }
                    (_, NoEffect | NotShown) => TunedBaselineReading::WinDependsOnUntunedBaseline,
                };
                assert_eq!(r, expected, "{c} / {t}");
                assert_eq!(
                    r.flags(),
                    expected == TunedBaselineReading::WinDependsOnUntunedBaseline
                );
            }
        }
    }
}
