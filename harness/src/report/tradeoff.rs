//! Trade-off views (`[[tradeoffs]]` of a paper's config): one metric against another across
//! variants, e.g. accuracy against sparsity for pruning (Greydanus 2020 lottery tickets, issue
//! 25 item 5: "accuracy against sparsity with the latency beside it"). The model of the view
//! ([`TradeoffRow`], built from the records) and its table; the plot is
//! [`super::plots::tradeoff_svg`].

use super::rows::Cells;
use super::table::Table;
use crate::config::{LoadedPaper, TradeoffSpec};
use repro_stats::describe::{fmt_sig, Sample};
use serde::Serialize;

/// A mean over runs with its t-interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean of the runs' finite values (metric units).
    pub mean: f64,
    /// Two-sided t-interval of the mean at the report's confidence; `None` with fewer than two
    /// finite values.
    pub ci: Option<(f64, f64)>,
}

impl Estimate {
    /// The mean and interval of `values` (finite ones only); `None` when none is finite.
    /// `confidence` in (0, 1), e.g. 0.95.
    pub fn of(values: &[f64], confidence: f64) -> Option<Estimate> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let mean = repro_stats::summary::mean(&finite)?;
        let ci = Sample::new(finite)
            .ok()
            .and_then(|s| repro_stats::ttest::t_interval(&s, confidence).ok());
        Some(Estimate { mean, ci })
    }
}

/// One (variant, dataset) of a trade-off view.
#[derive(Debug, Clone, Serialize)]
pub struct TradeoffPoint {
    /// Variant.
    pub variant: String,
    /// Dataset.
    pub dataset: String,
    /// Records of this cell (failed ones included).
    pub runs: usize,
    /// The x metric over the runs; `None` when no run has a finite value.
    pub x: Option<Estimate>,
    /// The y metric over the runs; `None` when no run has a finite value.
    pub y: Option<Estimate>,
    /// Mean of each `beside` metric (same order as [`TradeoffRow::beside`]).
    pub beside: Vec<Option<f64>>,
}

/// A metric as the view names it: its key and unit.
#[derive(Debug, Clone, Serialize)]
pub struct MetricName {
    /// Key of `[metrics]`.
    pub name: String,
    /// Unit as declared.
    pub unit: String,
}

impl MetricName {
    /// `name (unit)`, for column and axis titles.
    pub fn title(&self) -> String {
        format!("{} ({})", self.name, self.unit)
    }
}

/// A trade-off view of one paper: its points, one per (variant, dataset) with records.
#[derive(Debug, Clone, Serialize)]
pub struct TradeoffRow {
    /// Id from the config.
    pub id: String,
    /// Title from the config.
    pub title: String,
    /// Horizontal axis.
    pub x: MetricName,
    /// Vertical axis.
    pub y: MetricName,
    /// Metrics tabulated beside the points.
    pub beside: Vec<MetricName>,
    /// Confidence of the intervals, in percent.
    pub confidence_percent: f64,
    /// Points in the config's variant order, then dataset order.
    pub points: Vec<TradeoffPoint>,
}

/// The view `spec` of `paper` from the records in `cells`, intervals at `confidence` (0–1).
/// Variants without records are left out (the view shows what was run).
pub fn build(
    paper: &LoadedPaper,
    spec: &TradeoffSpec,
    cells: &Cells,
    confidence: f64,
) -> TradeoffRow {
    let c = &paper.config;
    let name = |m: &str| MetricName {
        name: m.to_string(),
        unit: c.metrics.get(m).map(|s| s.unit.clone()).unwrap_or_default(),
    };
    let variants: Vec<String> = if spec.variants.is_empty() {
        c.variants.keys().cloned().collect()
    } else {
        spec.variants.iter().map(|v| v.get_ref().clone()).collect()
    };
    let beside: Vec<String> = spec.beside.iter().map(|b| b.get_ref().clone()).collect();
    let mut points = Vec::new();
    for v in &variants {
        for d in &c.datasets {
            let key = (c.paper.id.clone(), v.clone(), d.get_ref().clone());
            let Some(cell) = cells.get(&key).filter(|cell| !cell.is_empty()) else {
                continue;
            };
            let values = |m: &str| -> Vec<f64> {
                cell.values()
                    .filter_map(|r| r.metric(m))
                    .filter(|x| x.is_finite())
                    .collect()
            };
            points.push(TradeoffPoint {
                variant: v.clone(),
                dataset: d.get_ref().clone(),
                runs: cell.len(),
                x: Estimate::of(&values(spec.x.get_ref()), confidence),
                y: Estimate::of(&values(spec.y.get_ref()), confidence),
                beside: beside
                    .iter()
                    .map(|b| Estimate::of(&values(b), confidence).map(|e| e.mean))
                    .collect(),
            });
        }
    }
    TradeoffRow {
        id: spec.id.clone(),
        title: spec.title.clone(),
        x: name(spec.x.get_ref()),
        y: name(spec.y.get_ref()),
        beside: beside.iter().map(|b| name(b)).collect(),
        confidence_percent: confidence * 100.0,
        points,
    }
}

fn estimate_cell(e: Option<Estimate>) -> String {
    match e {
        None => "—".into(),
        Some(Estimate { mean, ci: None }) => fmt_sig(mean, 4),
        Some(Estimate {
            mean,
            ci: Some((lo, hi)),
        }) => format!(
            "{} [{}, {}]",
            fmt_sig(mean, 4),
            fmt_sig(lo, 4),
            fmt_sig(hi, 4)
        ),
    }
}

/// The view as a table (Markdown, HTML, LaTeX): variant, dataset, runs, x and y as mean
/// [interval], and the mean of each `beside` metric.
pub fn table(row: &TradeoffRow) -> Table {
    let conf = format!("{:.0}", row.confidence_percent);
    let mut header = vec![
        "variant".to_string(),
        "dataset".to_string(),
        "runs".to_string(),
        format!("{}, mean [{conf}% CI]", row.x.title()),
        format!("{}, mean [{conf}% CI]", row.y.title()),
    ];
    header.extend(row.beside.iter().map(|b| format!("{}, mean", b.title())));
    let mut t = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    for p in &row.points {
        let mut cells = vec![
            p.variant.clone(),
            p.dataset.clone(),
            p.runs.to_string(),
            estimate_cell(p.x),
            estimate_cell(p.y),
        ];
        cells.extend(
            p.beside
                .iter()
                .map(|b| b.map_or_else(|| "—".into(), |v| fmt_sig(v, 4))),
        );
        t.rows.push(cells);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_uses_the_finite_values_and_the_t_interval() {
        // mean 2, sd 1, n 3: t_{0.975, 2} = 4.302653 → half-width 4.302653/√3 = 2.484138
        let e = Estimate::of(&[1.0, 2.0, f64::NAN, 3.0], 0.95).unwrap();
        assert_eq!(e.mean, 2.0);
        let (lo, hi) = e.ci.unwrap();
        assert!((hi - 2.0 - 2.484_138).abs() < 1e-5, "{hi}");
        assert!((2.0 - lo - 2.484_138).abs() < 1e-5, "{lo}");
        let one = Estimate::of(&[5.0], 0.95).unwrap();
        assert_eq!((one.mean, one.ci), (5.0, None));
        assert!(Estimate::of(&[f64::NAN], 0.95).is_none());
    }

    #[test]
    fn the_table_has_a_column_per_beside_metric_and_dashes_for_missing_values() {
        let m = |n: &str| MetricName {
            name: n.into(),
            unit: "u".into(),
        };
        let row = TradeoffRow {
            id: "t".into(),
            title: "t".into(),
            x: m("sparsity"),
            y: m("acc"),
            beside: vec![m("latency"), m("bytes")],
            confidence_percent: 95.0,
            points: vec![TradeoffPoint {
                variant: "lottery".into(),
                dataset: "d".into(),
                runs: 2,
                x: Some(Estimate {
                    mean: 0.9,
                    ci: None,
                }),
                y: None,
                beside: vec![Some(1.5e-5), None],
            }],
        };
        let t = table(&row);
        assert_eq!(t.header.len(), 7);
        assert_eq!(t.header[3], "sparsity (u), mean [95% CI]");
        assert_eq!(
            t.rows[0],
            vec!["lottery", "d", "2", "0.9000", "—", "1.500e-5", "—"]
        );
    }

    #[test]
    fn the_plot_draws_every_point_with_both_means_and_labels_it() {
        let m = |n: &str| MetricName {
            name: n.into(),
            unit: "fraction".into(),
        };
        let point = |v: &str, x: f64, y: Option<f64>| TradeoffPoint {
            variant: v.into(),
            dataset: "mnist1d".into(),
            runs: 3,
            x: Estimate::of(&[x, x], 0.95),
            y: y.and_then(|y| Estimate::of(&[y - 0.01, y, y + 0.01], 0.95)),
            beside: vec![],
        };
        let mut row = TradeoffRow {
            id: "t".into(),
            title: "t".into(),
            x: m("sparsity"),
            y: m("test_accuracy"),
            beside: vec![],
            confidence_percent: 95.0,
            points: vec![
                point("dense", 0.0, Some(0.62)),
                point("lottery", 0.91, Some(0.66)),
                point("random", 0.91, None),
            ],
        };
        let svg = crate::report::plots::tradeoff_svg(&row).unwrap().unwrap();
        assert!(
            svg.contains("\ndense\n") && svg.contains("\nlottery\n"),
            "{svg}"
        );
        assert!(
            !svg.contains("\nrandom\n"),
            "a point without a y mean is not drawn"
        );
        assert!(svg.contains("test_accuracy (fraction)"), "axis title");
        row.points.truncate(0);
        assert!(crate::report::plots::tradeoff_svg(&row).unwrap().is_none());
    }
}
