//! Learning curves for the HTML page, the model part: for every (variant, dataset) whose runs
//! record a curve named like a claimed metric (e.g. PPO's `episodic_return` vs environment
//! step), one panel with every seed's curve, their mean and a 95% percentile-bootstrap band of
//! the mean over seeds, on a common grid of [`GRID_POINTS`] x values spanning the range all
//! seeds cover ([`repro_stats::curves::mean_band`]: linear interpolation, [`RESAMPLES`]
//! resamples of the seeds from a fixed ChaCha8 seed, so the page is deterministic).

use crate::config::PaperConfig;
use crate::record::RunRecord;
use repro_stats::curves::mean_band;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Points of the common grid.
pub const GRID_POINTS: usize = 100;
/// Bootstrap resamples per grid point.
pub const RESAMPLES: usize = 2000;
/// Confidence of the band.
pub const CONFIDENCE: f64 = 0.95;

/// The learning curves of one (variant, dataset, curve).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CurvePanel {
    /// Variant.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Curve (and metric) name.
    pub curve: String,
    /// The metric's unit (the y-axis title's parenthesis).
    pub unit: String,
    /// What x counts, from the metric's `curve_x` in the config (`None`: not declared).
    pub x_label: Option<String>,
    /// Each seed's finite points, x ascending.
    pub runs: Vec<(u64, Vec<(f64, f64)>)>,
    /// The common grid (x).
    pub grid: Vec<f64>,
    /// Mean over seeds at each grid x.
    pub mean: Vec<f64>,
    /// Lower and upper end of the bootstrap band at each grid x (equal to the mean with fewer
    /// than 2 seeds).
    pub band: Vec<(f64, f64)>,
}

/// A claimed metric whose curves are drawn: its name (the curve's name in the records), unit
/// and what its curve's x counts (the config's `curve_x`).
#[derive(Debug, Clone, PartialEq)]
pub struct CurveMetric {
    /// Metric (and curve) name.
    pub name: String,
    /// The metric's unit.
    pub unit: String,
    /// What x counts, when the config declares it.
    pub x_label: Option<String>,
}

/// The paper's claimed metrics (each once, by name), with the unit and `curve_x` of their
/// `[metrics.<name>]` table (unit empty and x undeclared for a metric without one).
pub fn claimed_metrics(config: &PaperConfig) -> Vec<CurveMetric> {
    let names: BTreeSet<&String> = config.claims.iter().map(|c| c.metric.get_ref()).collect();
    names
        .into_iter()
        .map(|name| {
            let spec = config.metrics.get(name);
            CurveMetric {
                name: name.clone(),
                unit: spec.map(|m| m.unit.clone()).unwrap_or_default(),
                x_label: spec.and_then(|m| m.curve_x.clone()),
            }
        })
        .collect()
}

/// The panel of `metric`'s curve over `records` (one per seed); `None` when no seed has two
/// finite points or the seeds' x ranges do not overlap.
pub fn panel(
    variant: &str,
    dataset: &str,
    metric: &CurveMetric,
    records: &BTreeMap<u64, &RunRecord>,
) -> Option<CurvePanel> {
    let curve = metric.name.as_str();
    let runs: Vec<(u64, Vec<(f64, f64)>)> = records
        .iter()
        .filter_map(|(seed, r)| {
            let mut pts: Vec<(f64, f64)> = r
                .curves
                .get(curve)?
                .iter()
                .filter_map(|(x, y)| {
                    y.filter(|y| y.is_finite() && x.is_finite())
                        .map(|y| (*x, y))
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            pts.dedup_by(|a, b| a.0 == b.0);
            (pts.len() >= 2).then_some((*seed, pts))
        })
        .collect();
    let curves: Vec<&[(f64, f64)]> = runs.iter().map(|(_, p)| p.as_slice()).collect();
    let summary = mean_band(&curves, GRID_POINTS, RESAMPLES, CONFIDENCE)?;
    Some(CurvePanel {
        variant: variant.into(),
        dataset: dataset.into(),
        curve: curve.into(),
        unit: metric.unit.clone(),
        x_label: metric.x_label.clone(),
        runs,
        grid: summary.grid,
        mean: summary.mean,
        band: summary.band,
    })
}

/// The panels of one paper: for each (variant, dataset) cell, every curve whose name is `metrics` (the paper's claimed metrics).
pub fn panels<'a>(
    cells: impl Iterator<Item = (&'a str, &'a str, &'a BTreeMap<u64, &'a RunRecord>)>,
    metrics: &[CurveMetric],
) -> Vec<CurvePanel> {
    let mut out = Vec::new();
    for (variant, dataset, records) in cells {
        for m in metrics {
            if let Some(p) = panel(variant, dataset, m, records) {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record of `seed` whose curve `ret` has the points `pts`.
    pub(crate) fn record(seed: u64, pts: &[(f64, f64)]) -> RunRecord {
        let out = repro_kit::RunOutput::builder(&[])
            .curve("ret", pts.to_vec())
            .build()
            .unwrap();
        crate::report::model::fixtures::record(crate::RunId::new("p", "v", "d", seed), out)
    }

    /// The metric `ret` in `unit`, x declared as `x`.
    pub(crate) fn metric(x: Option<&str>) -> CurveMetric {
        CurveMetric {
            name: "ret".into(),
            unit: "return".into(),
            x_label: x.map(String::from),
        }
    }

    #[test]
    fn mean_and_band_on_the_common_grid() {
        let a = record(0, &[(0.0, 0.0), (100.0, 100.0)]);
        let b = record(1, &[(0.0, 10.0), (50.0, 60.0), (110.0, 120.0)]);
        let recs: BTreeMap<u64, &RunRecord> = [(0, &a), (1, &b)].into_iter().collect();
        let p = panel("v", "d", &metric(Some("environment step")), &recs).unwrap();
        assert_eq!(p.x_label.as_deref(), Some("environment step"));
        assert_eq!(p.unit, "return");
        assert_eq!(p.grid.len(), GRID_POINTS);
        assert_eq!((p.grid[0], p.grid[GRID_POINTS - 1]), (0.0, 100.0));
        // at x = 0: seeds give 0 and 10 → mean 5, band within [0, 10]
        assert_eq!(p.mean[0], 5.0);
        assert!(p.band[0].0 >= 0.0 && p.band[0].1 <= 10.0 && p.band[0].0 < p.band[0].1);
        // at x = 100: 100 and 60 + 60·50/60 = 110 → 105
        assert!((p.mean[GRID_POINTS - 1] - 105.0).abs() < 1e-9);
        let other = CurveMetric {
            name: "other".into(),
            ..metric(None)
        };
        assert!(panel("v", "d", &other, &recs).is_none());
    }
}
