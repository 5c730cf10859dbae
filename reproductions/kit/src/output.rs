//! Building a [`RunOutput`]: one place that assembles the record tail, so no paper crate writes
//! it by hand.
//!
//! The builder enforces the contract the harness relies on: every metric the paper declares is
//! present (a missing one is an error, not a silently absent number), and a diverged run
//! reports every declared metric as NaN so the run counts as a failure in every statistic.

use crate::fit::{Divergence, FitReport};
use crate::{Curve, KitError, Result, RunOutput, RunStatus};
use std::collections::BTreeMap;

/// Assembles a [`RunOutput`]; start with [`RunOutput::builder`].
#[derive(Debug, Clone)]
pub struct RunOutputBuilder {
    declared: &'static [&'static str],
    metrics: BTreeMap<String, f64>,
    curves: BTreeMap<String, Curve>,
    parameter_count: usize,
    train_seconds: f64,
    selection_seconds: Option<f64>,
    inference_seconds_per_example: Option<f64>,
    divergence: Option<Divergence>,
    extra: BTreeMap<String, serde_json::Value>,
}

impl RunOutput {
    /// A builder for a run of a paper that declares the metric names `declared`
    /// (its `Paper::METRICS`).
    pub fn builder(declared: &'static [&'static str]) -> RunOutputBuilder {
        RunOutputBuilder {
            declared,
            metrics: BTreeMap::new(),
            curves: BTreeMap::new(),
            parameter_count: 0,
            train_seconds: 0.0,
            selection_seconds: None,
            inference_seconds_per_example: None,
            divergence: None,
            extra: BTreeMap::new(),
        }
    }
}

impl RunOutputBuilder {
    /// Sets metric `name` (units as the config declares them).
    pub fn metric(mut self, name: &str, value: f64) -> Self {
        self.metrics.insert(name.to_string(), value);
        self
    }

    /// Adds curve `name` (`(x, y)` points; x in the unit the curve's name or docs state).
    pub fn curve(mut self, name: &str, points: Curve) -> Self {
        self.curves.insert(name.to_string(), points);
        self
    }

    /// Number of trainable scalar parameters of the model (all members of an ensemble).
    pub fn parameter_count(mut self, n: usize) -> Self {
        self.parameter_count = n;
        self
    }

    /// Adds `seconds` of optimisation (forward, backward, update) to `train_seconds`.
    pub fn add_train_seconds(mut self, seconds: f64) -> Self {
        self.train_seconds += seconds;
        self
    }

    /// Seconds of model selection (grid search, validation passes) before the final training.
    pub fn selection_seconds(mut self, seconds: f64) -> Self {
        self.selection_seconds = Some(seconds);
        self
    }

    /// Wall-clock seconds of inference per test example.
    pub fn inference_seconds_per_example(mut self, seconds: f64) -> Self {
        self.inference_seconds_per_example = Some(seconds);
        self
    }

    /// Marks the run diverged (the first divergence wins).
    pub fn diverged(mut self, d: Divergence) -> Self {
        self.divergence.get_or_insert(d);
        self
    }

    /// A fact worth keeping in the record (chosen grid point, throughput, ...).
    pub fn extra(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    /// Takes from a [`FitReport`]: its curves, its optimisation seconds, its divergence and its
    /// throughput (`optimizer_steps`, `examples_per_second` in `extra`).
    pub fn fit(mut self, report: &FitReport) -> Self {
        for (k, c) in &report.curves {
            self.curves.insert(k.clone(), c.clone());
        }
        self.train_seconds += report.train_seconds;
        if let Some(d) = &report.divergence {
            self.divergence.get_or_insert(d.clone());
        }
        self.extra.insert(
            "optimizer_steps".into(),
            serde_json::json!(report.steps_done),
        );
        self.extra.insert(
            "examples_per_second".into(),
            serde_json::json!(report.examples_per_second()),
        );
        self
    }

    /// The [`RunOutput`]. For a diverged run every declared metric is NaN (whatever was set).
    ///
    /// Errors: a finished (not diverged) run lacks a declared metric, or sets a metric the paper
    /// does not declare (the error names it and the declared ones).
    pub fn build(self) -> Result<RunOutput> {
        let mut metrics = self.metrics;
        let status = match self.divergence {
            Some(d) => {
                metrics = self
                    .declared
                    .iter()
                    .map(|m| (m.to_string(), f64::NAN))
                    .collect();
                d.status()
            }
            None => {
                if let Some(m) = self.declared.iter().find(|m| !metrics.contains_key(**m)) {
                    return Err(KitError::Invalid(format!(
                        "run output lacks declared metric `{m}` (declared: {})",
                        self.declared.join(", ")
                    )));
                }
                if let Some(m) = metrics
                    .keys()
                    .find(|m| !self.declared.contains(&m.as_str()))
                {
                    return Err(KitError::Invalid(format!(
                        "run output sets metric `{m}`, which the paper does not declare (declared: {})",
                        self.declared.join(", ")
                    )));
                }
                RunStatus::Ok
            }
        };
        Ok(RunOutput {
            metrics,
            curves: self.curves,
            parameter_count: self.parameter_count,
            train_seconds: self.train_seconds,
            selection_seconds: self.selection_seconds,
            inference_seconds_per_example: self.inference_seconds_per_example,
            status,
            extra: self.extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::Unit;
    use crate::DivergenceReason;

    const M: &[&str] = &["accuracy", "loss"];

    #[test]
    fn a_finished_run_needs_every_declared_metric_and_no_other() {
        let ok = RunOutput::builder(M)
            .metric("accuracy", 0.9)
            .metric("loss", 0.1)
            .parameter_count(10)
            .add_train_seconds(1.5)
            .build()
            .unwrap();
        assert_eq!(ok.status, RunStatus::Ok);
        assert_eq!(ok.train_seconds, 1.5);
        let missing = RunOutput::builder(M).metric("accuracy", 0.9).build();
        assert!(missing.unwrap_err().to_string().contains("`loss`"));
        let unknown = RunOutput::builder(M)
            .metric("accuracy", 0.9)
            .metric("loss", 0.1)
            .metric("acc", 1.0)
            .build();
        assert!(unknown.unwrap_err().to_string().contains("`acc`"));
    }

    #[test]
    fn a_diverged_run_reports_every_metric_as_nan() {
        let out = RunOutput::builder(M)
            .metric("accuracy", 0.9)
            .diverged(Divergence {
                step: 7,
                unit: Unit::Step,
                reason: DivergenceReason::NonFiniteLoss,
                value: f64::NAN,
            })
            .build()
            .unwrap();
        assert!(out.metrics.values().all(|v| v.is_nan()));
        assert_eq!(out.metrics.len(), 2);
        match out.status {
            RunStatus::Diverged {
                step, unit, reason, ..
            } => {
                assert_eq!((step, unit.as_str()), (7, "step"));
                assert_eq!(reason, DivergenceReason::NonFiniteLoss);
            }
            s => panic!("{s:?}"),
        }
    }
}
