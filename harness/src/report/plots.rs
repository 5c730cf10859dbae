//! The plots of the HTML page, drawn with plotters' SVG backend and inlined: the strip plot of
//! each claim, the forest-plot panels of each comparison, and the learning-curve panels. Reads
//! only the model.
//!
//! - Claim plot: every run as a dot (failed runs are listed under the plot, they have no value),
//!   the runs' mean with its t-interval, and the claimed value with its printed ± SE band. A claim
//!   far outside the cloud of runs is what seed-picking or a broken reproduction looks like.
//! - Comparison plot (forest plot): per dataset, the effect (positive = method better) with its
//!   interval, reported datasets and held-out ones in different colours, and the zero line. Wins
//!   only on the reported datasets are what dataset selection looks like.
//! - Learning curves: thin lines per seed, the mean in black, its bootstrap band shaded.

use super::curves::CurvePanel;
use super::format::f;
use super::rows::{ClaimRow, ComparisonRow};
use crate::error::HarnessError;
use crate::Result;
use plotters::prelude::*;

fn plot_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Other(format!("drawing a plot: {e}"))
}

/// `[lo, hi]` widened by 8% on each side (and to a unit-free width when all values coincide).
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let w = if hi > lo { hi - lo } else { lo.abs().max(1e-9) };
    Some((lo - 0.08 * w, hi + 0.08 * w))
}

/// A deterministic vertical offset in [0, 1) for the dot of run `seed` (golden-ratio sequence),
/// so that equal values stay visible without any random number.
fn jitter(seed: u64) -> f64 {
    (seed as f64 * 0.618_033_988_749_895).fract()
}

/// Native width of every plot in SVG units; the page scales it to the column width.
const PLOT_WIDTH: u32 = 1000;
/// Font size of tick labels and axis titles (SVG units, ≈ CSS px at the page's width).
const FONT: u32 = 16;
const RUN_BLUE: RGBColor = RGBColor(31, 31, 255);
const CLAIM_RED: RGBColor = RGBColor(200, 30, 30);
const HELD_OUT: RGBColor = RGBColor(230, 120, 0);
const TESTED_GREY: RGBColor = RGBColor(110, 110, 110);

/// Makes a plotters SVG responsive: drops its fixed width and height (the viewBox stays), so
/// CSS scales it to the width of the page.
fn responsive(svg: String) -> String {
    match (svg.find("<svg "), svg.find(" viewBox=")) {
        (Some(a), Some(b)) if a < b => {
            format!("{}<svg class=\"plot\"{}", &svg[..a], &svg[b..])
        }
        _ => svg,
    }
}

/// Tick labels in the tables' number format (never "-0.0000").
fn tick(x: &f64) -> String {
    // a tick at a rounding residue of zero (1.7e-18) is zero
    f(Some(if x.abs() < 1e-12 { 0.0 } else { *x }))
}

/// The strip plot of one claim as an SVG document: every run (blue dot), the runs' mean with
/// its t-interval (black dot and bar), the claim (red line, shaded ± its printed SE) and, for a
/// rounded claim, its rounding interval (grey band) with the value tested (dashed grey line).
/// `None` when the claim has no finite run to draw.
pub fn claim_svg(c: &ClaimRow) -> Result<Option<String>> {
    let a = &c.assessment;
    let se = c.claimed_standard_error.unwrap_or(0.0);
    let runs: Vec<(u64, f64)> = c
        .runs
        .iter()
        .filter_map(|r| r.value.map(|v| (r.seed, v)))
        .collect();
    if runs.is_empty() {
        return Ok(None);
    }
    let rounding = c
        .resolution
        .filter(|r| *r > 0.0)
        .map(|r| (a.claimed - r / 2.0, a.claimed + r / 2.0, c.tested_value(r)));
    let mut extent: Vec<f64> = runs.iter().map(|r| r.1).collect();
    extent.extend([a.claimed - se, a.claimed + se]);
    if let Some((lo, hi, _)) = rounding {
        extent.extend([lo, hi]);
    }
    if let Some((lo, hi)) = a.t_ci {
        extent.extend([lo, hi]);
    }
    let Some((x0, x1)) = padded(extent.into_iter()) else {
        return Ok(None);
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (PLOT_WIDTH, 170)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(52)
            .build_cartesian_2d(x0..x1, 0f64..1f64)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc(format!("{} ({})", c.metric, c.unit))
            .x_labels(8)
            .x_label_formatter(&tick)
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
            .light_line_style(RGBColor(246, 246, 246))
            .draw()
            .map_err(plot_error)?;
        if let Some((lo, hi, _)) = rounding {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(lo, 0.0), (hi, 1.0)],
                    TESTED_GREY.mix(0.18).filled(),
                )))
                .map_err(plot_error)?;
        }
        if se > 0.0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a.claimed - se, 0.0), (a.claimed + se, 1.0)],
                    CLAIM_RED.mix(0.15).filled(),
                )))
                .map_err(plot_error)?;
        }
        if let Some((_, _, t)) = rounding {
            // dashed: short segments
            let segs = 12;
            chart
                .draw_series((0..segs).map(|i| {
                    let y0 = i as f64 / segs as f64;
                    PathElement::new(
                        [(t, y0), (t, y0 + 0.5 / segs as f64)],
                        TESTED_GREY.stroke_width(2),
                    )
                }))
                .map_err(plot_error)?;
        }
        chart
            .draw_series(LineSeries::new(
                [(a.claimed, 0.0), (a.claimed, 1.0)],
                CLAIM_RED.stroke_width(2),
            ))
            .map_err(plot_error)?;
        chart
            .draw_series(runs.iter().map(|(seed, v)| {
                Circle::new(
                    (*v, 0.1 + 0.5 * jitter(*seed)),
                    5,
                    RUN_BLUE.mix(0.7).filled(),
                )
            }))
            .map_err(plot_error)?;
        if let (Some(m), Some((lo, hi))) = (a.mean, a.t_ci) {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    0.84,
                    lo,
                    m,
                    hi,
                    BLACK.filled().stroke_width(2),
                    12,
                )))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Some(responsive(svg)))
}

/// The forest plot of one comparison: one small panel per dataset, each with its own axis
/// (so a dataset whose effect is 0.0001 is as readable as one whose effect is 1.4), the zero
/// line, and the effect with its interval, blue for a reported dataset and orange for a
/// held-out one. Returns (dataset, reported, SVG) per dataset with a finite effect.
pub fn comparison_panels(cmp: &ComparisonRow) -> Result<Vec<(String, bool, String)>> {
    let mut out = Vec::new();
    for d in &cmp.assessment.per_dataset {
        let Some(e) = d.effect.filter(|e| e.is_finite()) else {
            continue;
        };
        let (lo, hi) =
            d.ci.filter(|(l, h)| l.is_finite() && h.is_finite())
                .unwrap_or((e, e));
        let Some((x0, x1)) = padded([0.0, e, lo, hi].into_iter()) else {
            continue;
        };
        let colour = if d.reported { RUN_BLUE } else { HELD_OUT };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (PLOT_WIDTH, 90)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_error)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(8)
                .x_label_area_size(34)
                .build_cartesian_2d(x0..x1, -1f64..1f64)
                .map_err(plot_error)?;
            chart
                .configure_mesh()
                .disable_y_axis()
                .disable_y_mesh()
                .x_labels(8)
                .x_label_formatter(&tick)
                .label_style(("sans-serif", FONT))
                .light_line_style(RGBColor(246, 246, 246))
                .draw()
                .map_err(plot_error)?;
            chart
                .draw_series(LineSeries::new(
                    [(0.0, -1.0), (0.0, 1.0)],
                    RGBColor(60, 60, 60).stroke_width(2),
                ))
                .map_err(plot_error)?;
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    0.0,
                    lo,
                    e,
                    hi,
                    colour.filled().stroke_width(2),
                    12,
                )))
                .map_err(plot_error)?;
            root.present().map_err(plot_error)?;
        }
        out.push((d.name.clone(), d.reported, responsive(svg)));
    }
    Ok(out)
}

fn curve_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Other(format!("drawing a learning curve: {e}"))
}

/// One panel as an SVG document: thin lines per seed, the mean in black, the band shaded.
pub fn curve_svg(p: &CurvePanel) -> Result<String> {
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
        root.fill(&WHITE).map_err(curve_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1.max(x0 + 1e-9), (y0 - pad)..(y1 + pad))
            .map_err(curve_error)?;
        chart
            .configure_mesh()
            .x_desc("x of the curve (e.g. environment steps)")
            .y_desc(p.curve.as_str())
            .x_labels(8)
            .y_labels(6)
            .draw()
            .map_err(curve_error)?;
        let band: Vec<(f64, f64)> = p
            .grid
            .iter()
            .zip(&p.band)
            .map(|(x, b)| (*x, b.1))
            .chain(p.grid.iter().zip(&p.band).rev().map(|(x, b)| (*x, b.0)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2).filled())))
            .map_err(curve_error)?;
        for (_, r) in &p.runs {
            chart
                .draw_series(LineSeries::new(
                    r.iter().copied(),
                    BLUE.mix(0.3).stroke_width(1),
                ))
                .map_err(curve_error)?;
        }
        chart
            .draw_series(LineSeries::new(
                p.grid.iter().copied().zip(p.mean.iter().copied()),
                BLACK.stroke_width(2),
            ))
            .map_err(curve_error)?;
        root.present().map_err(curve_error)?;
    }
    Ok(s)
}
