//! Learning curves in the HTML page: for every (variant, dataset) whose runs record a curve
//! named like a claimed metric (e.g. PPO's `episodic_return` vs environment step), one plot with
//! every seed's curve, their mean and a 95% percentile-bootstrap band of the mean over seeds.
//!
//! The seeds' curves are sampled at different x values (a PPO run logs a point only in
//! iterations where an episode ended), so each curve is linearly interpolated onto a common grid
//! of [`GRID_POINTS`] x values spanning the range all seeds cover; the mean and the band are
//! computed there. The band resamples seeds (not points) with replacement, [`RESAMPLES`] times,
//! from a fixed ChaCha8 seed (`repro_stats::bootstrap`), so the page is deterministic.

use super::html::escape;
use crate::error::HarnessError;
use crate::record::RunRecord;
use crate::Result;
use plotters::prelude::*;
use repro_stats::bootstrap::{bootstrap_distribution, percentile_from_distribution};
use repro_stats::describe::Alternative;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// `y` of the piecewise-linear curve `pts` (x ascending) at `x`, inside its x range.
fn interpolate(pts: &[(f64, f64)], x: f64) -> Option<f64> {
    let i = pts.partition_point(|p| p.0 < x);
    match (i.checked_sub(1).map(|j| pts[j]), pts.get(i)) {
        (_, Some(b)) if b.0 == x => Some(b.1),
        (Some(a), Some(b)) => Some(a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)),
        _ => None,
    }
}

/// The panel of curve `curve` over `records` (one per seed); `None` when no seed has two finite
/// points or the seeds' x ranges do not overlap.
pub fn panel(
    variant: &str,
    dataset: &str,
    curve: &str,
    records: &BTreeMap<u64, &RunRecord>,
) -> Option<CurvePanel> {
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
    if runs.is_empty() {
        return None;
    }
    let lo = runs
        .iter()
        .map(|(_, p)| p[0].0)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = runs
        .iter()
        .map(|(_, p)| p[p.len() - 1].0)
        .fold(f64::INFINITY, f64::min);
    if hi <= lo {
        return None;
    }
    let grid: Vec<f64> = (0..GRID_POINTS)
        .map(|i| lo + (hi - lo) * i as f64 / (GRID_POINTS - 1) as f64)
        .collect();
    let mut mean = Vec::with_capacity(GRID_POINTS);
    let mut band = Vec::with_capacity(GRID_POINTS);
    let stat = |d: &[&[f64]]| d[0].iter().sum::<f64>() / d[0].len() as f64;
    for &x in &grid {
        let ys: Vec<f64> = runs.iter().filter_map(|(_, p)| interpolate(p, x)).collect();
        let m = ys.iter().sum::<f64>() / ys.len() as f64;
        mean.push(m);
        let b = if ys.len() >= 2 {
            let dist = bootstrap_distribution(&[&ys], &stat, RESAMPLES, 0);
            percentile_from_distribution(&dist, CONFIDENCE, Alternative::TwoSided).unwrap_or((m, m))
        } else {
            (m, m)
        };
        band.push(b);
    }
    Some(CurvePanel {
        variant: variant.into(),
        dataset: dataset.into(),
        curve: curve.into(),
        runs,
        grid,
        mean,
        band,
    })
}

/// The panels of one paper: for each (variant, dataset) cell, every curve whose name is one of
/// `metrics` (the paper's claimed metrics).
pub fn panels<'a>(
    cells: impl Iterator<Item = (&'a str, &'a str, &'a BTreeMap<u64, &'a RunRecord>)>,
    metrics: &[String],
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

fn plot_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Other(format!("drawing a learning curve: {e}"))
}

/// One panel as an SVG document: thin lines per seed, the mean in black, the band shaded.
pub fn svg(p: &CurvePanel) -> Result<String> {
    let xs = p.runs.iter().flat_map(|(_, r)| r.iter().map(|q| q.0));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let ys = p
        .runs
        .iter()
        .flat_map(|(_, r)| r.iter().map(|q| q.1))
        .chain(p.band.iter().flat_map(|b| [b.0, b.1]));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let pad = if y1 > y0 { 0.05 * (y1 - y0) } else { 1.0 };
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (640, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1.max(x0 + 1e-9), (y0 - pad)..(y1 + pad))
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc("x of the curve (e.g. environment steps)")
            .y_desc(p.curve.as_str())
            .x_labels(8)
            .y_labels(6)
            .draw()
            .map_err(plot_error)?;
        let band: Vec<(f64, f64)> = p
            .grid
            .iter()
            .zip(&p.band)
            .map(|(x, b)| (*x, b.1))
            .chain(p.grid.iter().zip(&p.band).rev().map(|(x, b)| (*x, b.0)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2).filled())))
            .map_err(plot_error)?;
        for (_, r) in &p.runs {
            chart
                .draw_series(LineSeries::new(
                    r.iter().copied(),
                    BLUE.mix(0.3).stroke_width(1),
                ))
                .map_err(plot_error)?;
        }
        chart
            .draw_series(LineSeries::new(
                p.grid.iter().copied().zip(p.mean.iter().copied()),
                BLACK.stroke_width(2),
            ))
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(s)
}

/// The "Learning curves" section of the page (empty when there is no panel).
pub fn section(panels: &[CurvePanel]) -> Result<String> {
    if panels.is_empty() {
        return Ok(String::new());
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h2>Learning curves</h2>\n<p class=\"note\">Thin blue lines: one run (seed) each. Black: the mean over seeds on a common grid of {GRID_POINTS} points (each curve interpolated linearly), shaded: {:.0}% percentile-bootstrap interval of that mean ({RESAMPLES} resamples of the seeds).</p>",
        CONFIDENCE * 100.0
    );
    for p in panels {
        let _ = writeln!(
            s,
            "<figure id=\"curve-{}-{}-{}\"><figcaption><b>{}</b> on {} ({}, {} seeds)</figcaption>",
            escape(&p.variant),
            escape(&p.dataset),
            escape(&p.curve),
            escape(&p.curve),
            escape(&p.dataset),
            escape(&p.variant),
            p.runs.len()
        );
        s.push_str(&svg(p)?);
        s.push_str("</figure>\n");
    }
    Ok(s)
}

/// `page` with [`section`] inserted before `</body>`.
pub fn insert(page: String, panels: &[CurvePanel]) -> Result<String> {
    let sec = section(panels)?;
    if sec.is_empty() {
        return Ok(page);
    }
    Ok(match page.rfind("</body>") {
        Some(i) => format!("{}{}{}", &page[..i], sec, &page[i..]),
        None => page + &sec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: u64, pts: &[(f64, f64)]) -> RunRecord {
        let out = repro_kit::RunOutput::builder(&[])
            .curve("ret", pts.to_vec())
            .build()
            .unwrap();
        let env = crate::record::Environment::detect(std::path::Path::new("."), 1);
        let prov = env.provenance("c".into(), BTreeMap::new(), crate::registry::all()[0]);
        let meta = crate::record::RecordMeta {
            key: "k".into(),
            wall_seconds: 0.0,
            provenance: prov,
        };
        RunRecord::from_output(&crate::RunId::new("p", "v", "d", seed), out, meta)
    }

    #[test]
    fn interpolation_inside_the_range_only() {
        let p = [(0.0, 0.0), (10.0, 100.0)];
        assert_eq!(interpolate(&p, 2.5), Some(25.0));
        assert_eq!(interpolate(&p, 10.0), Some(100.0));
        assert_eq!(interpolate(&p, 0.0), Some(0.0));
        assert_eq!(interpolate(&p, 11.0), None);
        assert_eq!(interpolate(&p, -1.0), None);
    }

    #[test]
    fn mean_and_band_on_the_common_grid() {
        let a = record(0, &[(0.0, 0.0), (100.0, 100.0)]);
        let b = record(1, &[(0.0, 10.0), (50.0, 60.0), (110.0, 120.0)]);
        let recs: BTreeMap<u64, &RunRecord> = [(0, &a), (1, &b)].into_iter().collect();
        let p = panel("v", "d", "ret", &recs).unwrap();
        assert_eq!(p.grid.len(), GRID_POINTS);
        assert_eq!((p.grid[0], p.grid[GRID_POINTS - 1]), (0.0, 100.0));
        // at x = 0: seeds give 0 and 10 → mean 5, band within [0, 10]
        assert_eq!(p.mean[0], 5.0);
        assert!(p.band[0].0 >= 0.0 && p.band[0].1 <= 10.0 && p.band[0].0 < p.band[0].1);
        // at x = 100: 100 and 60 + 60·50/60 = 110 → 105
        assert!((p.mean[GRID_POINTS - 1] - 105.0).abs() < 1e-9);
        let html = section(std::slice::from_ref(&p)).unwrap();
        assert!(html.contains("<svg") && html.contains("Learning curves"));
        assert!(insert("<body>x</body>".into(), &[p])
            .unwrap()
            .ends_with("</figure>\n</body>"));
        assert!(panel("v", "d", "other", &recs).is_none());
    }
}
