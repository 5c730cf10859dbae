//! The rows of the report model: one claim with its runs and assessment, one comparison, one
//! timing cell, and the records of a (paper, variant, dataset) cell the model is built from.
//! Leaf of the model: it imports nothing from the rest of the report.

use super::format::{claim_number, finer_number};
use crate::config::Better;
use crate::record::RunRecord;
use repro_stats::verdict::{
    ClaimAssessment, ComparisonAssessment, Direction, TunedBaselineReading,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The records of each (paper, variant, dataset) cell, by seed.
pub type Cells<'a> = BTreeMap<(String, String, String), BTreeMap<u64, &'a RunRecord>>;

/// The statistics crate's direction of a metric whose config says `better`.
pub fn direction(better: Better) -> Direction {
    match better {
        Better::Higher => Direction::Higher,
        Better::Lower => Direction::Lower,
    }
}

/// One claim with its config facts and its assessment.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    /// Claim id within the paper.
    pub id: String,
    /// Variant reproducing it.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Metric and its unit.
    pub metric: String,
    /// Unit of the metric.
    pub unit: String,
    /// Where the number is printed.
    pub source: String,
    /// Claimed standard error, if printed.
    pub claimed_standard_error: Option<f64>,
    /// Resolution the claim is printed to, if declared.
    pub resolution: Option<f64>,
    /// Larger values of the metric are better.
    pub higher_is_better: bool,
    /// Every recorded run of the claim's cell, by seed: the metric value, `None` for a failed
    /// (diverged/error/non-finite) run.
    pub runs: Vec<RunValue>,
    /// The statistics.
    pub assessment: ClaimAssessment,
}

impl ClaimRow {
    /// Standard error of the runs' mean (metric units): sd / √n over the finite runs
    /// (`n_runs − n_failed`, [`repro_stats::summary::standard_error_of_mean`]); `None` with
    /// fewer than 2 finite runs.
    pub fn standard_error(&self) -> Option<f64> {
        let a = &self.assessment;
        repro_stats::summary::standard_error_of_mean(a.sd, a.n_runs.saturating_sub(a.n_failed))
    }

    /// The value the claim, printed to resolution `r` (metric units), is tested at: half a step
    /// towards "worse" ([`repro_stats::summary::tested_value`]).
    pub fn tested_value(&self, r: f64) -> f64 {
        repro_stats::summary::tested_value(self.assessment.claimed, r, self.higher_is_better)
    }

    /// The claimed value as the paper printed it, at its resolution's decimals when declared
    /// ([`claim_number`]: `488.75`, not `488.8`).
    pub fn claimed_text(&self) -> String {
        claim_number(self.assessment.claimed, self.resolution)
    }

    /// The standard error the paper printed with the claim, at the claim's precision
    /// (`18.40`, not `18.4000`).
    pub fn claimed_se_text(&self, se: f64) -> String {
        claim_number(se, self.resolution)
    }

    /// The tested value of a claim printed to `r`, one decimal finer than `r`
    /// ([`finer_number`]: `488.745`).
    pub fn tested_text(&self, r: f64) -> String {
        finer_number(self.tested_value(r), r)
    }

    /// The band of values that print as the claim at resolution `r`, one decimal finer than `r`:
    /// `[488.745, 488.755]`.
    pub fn band_text(&self, r: f64) -> String {
        let c = self.assessment.claimed;
        format!(
            "[{}, {}]",
            finer_number(c - r / 2.0, r),
            finer_number(c + r / 2.0, r)
        )
    }
}

/// One run's value of a claim's metric.
#[derive(Debug, Clone, Serialize)]
pub struct RunValue {
    /// The run's seed.
    pub seed: u64,
    /// The metric (metric units); `None` = failed run.
    pub value: Option<f64>,
}

/// One comparison with its assessment.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Comparison id.
    pub id: String,
    /// "method (metric) vs baseline (metric)".
    pub description: String,
    /// Where the paper makes it.
    pub source: String,
    /// The statistics.
    pub assessment: ComparisonAssessment,
    /// The same comparison against the baseline tuned with a declared budget, when the config
    /// declares one (`tuned_baseline`); absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuned: Option<TunedComparison>,
}

/// A comparison assessed against its tuned baseline (issue 26 item 5), read with the verdict
/// against the baseline as the paper configured it.
#[derive(Debug, Clone, Serialize)]
pub struct TunedComparison {
    /// The tuned baseline's runs, as a label (`paper/variant (metric)` or the config's label).
    pub baseline: String,
    /// The tuning budget in words, from the config.
    pub budget: String,
    /// The method against the tuned baseline, every statistic as for the configured one.
    pub assessment: ComparisonAssessment,
    /// What the two verdicts say together; [`TunedBaselineReading::flags`] is the report's
    /// "win depends on an untuned baseline" flag.
    pub reading: TunedBaselineReading,
    /// Mean cost of the search per tuned run, when the config names its metric.
    pub search_cost: Option<SearchCost>,
}

/// The mean of the metric that records a tuned baseline's search cost.
#[derive(Debug, Clone, Serialize)]
pub struct SearchCost {
    /// Metric name.
    pub metric: String,
    /// Its unit (e.g. seconds).
    pub unit: String,
    /// Runs with a finite value.
    pub runs: usize,
    /// Mean over those runs.
    pub mean: f64,
}

/// Mean timings of a variant's runs.
#[derive(Debug, Clone, Serialize)]
pub struct TimingRow {
    /// Variant.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Records.
    pub runs: usize,
    /// Mean wall seconds per run.
    pub mean_wall_seconds: f64,
    /// Mean training seconds per run.
    pub mean_train_seconds: f64,
}

#[cfg(test)]
mod tests {
    use crate::report::model::fixtures::assess;
    use crate::report::model::fixtures::claim;
    use repro_stats::verdict::Outcome;

    #[test]
    fn standard_error_is_sd_over_root_n_of_the_finite_runs() {
        let v = |x: f64| Outcome::Value(x);
        // finite runs 1, 2, 3, 4: sd (ddof 1) = 1.2909944, SE = sd / 2
        let mut c = claim("c", None, &[]);
        c.assessment = assess(vec![v(1.0), v(2.0), v(3.0), v(4.0), Outcome::Failed]);
        let se = c.standard_error().unwrap();
        assert!((se - 1.290_994_448_735_805_6 / 2.0).abs() < 1e-12, "{se}");
        // one finite run: no SE
        c.assessment = assess(vec![v(1.0), Outcome::Failed]);
        assert_eq!(c.standard_error(), None);
    }

    #[test]
    fn a_rounded_claim_is_tested_half_a_step_towards_worse() {
        let c = claim("c", None, &[1.0, 2.0]);
        // claimed 1.0, lower is better: tested at 1.0 + 0.1/2
        assert_eq!(c.tested_value(0.1), 1.05);
    }
}
