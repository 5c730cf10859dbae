//! The plots of the HTML page, drawn with plotters' SVG backend and inlined: the strip plot of
//! each claim, the forest-plot panels of each comparison, and the learning-curve panels. Reads
//! only the model.
//!
//! - Claim plot: every run as a dot (failed runs are listed under the plot, they have no value),
//!   the runs' mean with its t-interval, and the claimed value with its printed ± SE band. A claim
//!   far outside the cloud of runs is what seed-picking or a broken reproduction looks like.
//! - Comparison plot (forest plot): one row per dataset on one shared axis, the effect (positive
//!   = method better) with its interval, reported datasets and held-out ones in different
//!   colours, and the zero line. Wins only on the reported datasets are what dataset selection
//!   looks like.
//! - Learning curves: thin lines per seed, the mean in black, its bootstrap band shaded.
//! - Trade-off view: one point per variant at the means of two metrics (e.g. accuracy against
//!   sparsity), each with its t-interval as error bars.

use super::curves::CurvePanel;
use super::rows::{ClaimRow, ComparisonRow};
use super::tradeoff::{Estimate, TradeoffRow};
use crate::error::HarnessError;
use crate::Result;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
pub(super) fn responsive(svg: String) -> String {
    match (svg.find("<svg "), svg.find(" viewBox=")) {
        (Some(a), Some(b)) if a < b => {
            format!("{}<svg class=\"plot\"{}", &svg[..a], &svg[b..])
        }
        _ => svg,
    }
}

/// How every tick label of one axis is printed, chosen once from the axis's ticks so that the
/// labels of an axis share one form.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TickFormat {
    /// Fixed point with this many decimals (`-0.0010`, `0.0005`).
    Fixed(usize),
    /// Whole thousands with a `k` (`20k`), for integer ticks of 10,000 and more.
    Thousands,
    /// Scientific with this many mantissa decimals (`5.0e-4`), only when every tick is below
    /// 10⁻³ in magnitude (or one reaches 10⁹).
    Scientific(usize),
}

/// The ticks of one axis and their common label format.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    /// Tick positions, ascending, at a step of 1, 2 or 5 × 10^k.
    ticks: Vec<f64>,
    format: TickFormat,
    /// Magnitude under which a tick is a rounding residue of zero.
    zero: f64,
}

/// About `n` ticks at a step of 1, 2 or 5 × 10^k inside [lo, hi] (empty on a non-finite or
/// reversed range, `[lo]` when lo = hi).
fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    if !(step.is_finite() && step > 0.0) || hi == lo {
        return vec![lo];
    }
    let (first, last) = ((lo / step - 1e-9).ceil(), (hi / step + 1e-9).floor());
    if !(last - first).is_finite() || last - first > 100.0 {
        return vec![lo, hi];
    }
    (first as i64..=last as i64)
        .map(|i| i as f64 * step)
        .collect()
}

/// The label format that prints every tick of `ticks` alike: scientific when the whole range is
/// tiny (or huge), thousands for integer ticks ≥ 10,000, else the decimals of the tick step.
fn tick_format(ticks: &[f64]) -> TickFormat {
    let max = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let step = ticks
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let step = if step.is_finite() && step > 0.0 {
        step
    } else if max > 0.0 {
        max
    } else {
        1.0
    };
    // decimal exponent, robust to the float residue of a computed step (0.09999999999999998)
    let exp = |v: f64| (v * (1.0 + 1e-9)).log10().floor() as i64;
    if max > 0.0 && !(1e-3..1e9).contains(&max) {
        return TickFormat::Scientific((exp(max) - exp(step)).clamp(0, 12) as usize);
    }
    let whole_thousands = ticks
        .iter()
        .all(|t| (t / 1000.0 - (t / 1000.0).round()).abs() < 1e-6);
    if max >= 10_000.0 && whole_thousands {
        return TickFormat::Thousands;
    }
    TickFormat::Fixed((-exp(step)).clamp(0, 12) as usize)
}

impl Axis {
    /// About `n` ticks over [lo, hi] and their format.
    fn new(lo: f64, hi: f64, n: usize) -> Axis {
        let ticks = nice_ticks(lo, hi, n);
        let step = ticks
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(hi - lo, f64::min);
        Axis {
            format: tick_format(&ticks),
            zero: (step.abs() * 1e-6).max(f64::MIN_POSITIVE),
            ticks,
        }
    }

    /// The label of tick `t` (never "-0.0000").
    fn label(&self, t: &f64) -> String {
        let t = if t.abs() < self.zero { 0.0 } else { *t };
        match self.format {
            TickFormat::Fixed(d) => format!("{t:.d$}"),
            TickFormat::Thousands => format!("{}k", (t / 1000.0).round() as i64),
            TickFormat::Scientific(d) => format!("{t:.d$e}"),
        }
    }

    /// Width in SVG units of the widest label at font size [`FONT`] (an upper estimate).
    fn widest_label(&self) -> f64 {
        let chars = self.ticks.iter().map(|t| self.label(t).chars().count());
        chars.max().unwrap_or(0) as f64 * CHAR_WIDTH
    }
}

/// A linear axis over [lo, hi] whose mesh lines and labels sit at an [`Axis`]'s ticks.
struct Ticked {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(lo: f64, hi: f64, axis: &Axis) -> Ticked {
        Ticked {
            linear: (lo..hi).into(),
            ticks: axis.ticks.clone(),
        }
    }
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// Upper estimate of the width of one character at font size [`FONT`] (sans-serif digits and
/// most letters are about 0.55 em).
const CHAR_WIDTH: f64 = FONT as f64 * 0.6;

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
    let axis = Axis::new(x0, x1, 8);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (PLOT_WIDTH, 170)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(right_margin(&axis))
            .x_label_area_size(52)
            .build_cartesian_2d(Ticked::new(x0, x1, &axis), 0f64..1f64)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc(format!("{} ({})", c.metric, c.unit))
            .x_labels(axis.ticks.len())
            .x_label_formatter(&|t| axis.label(t))
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

/// Right margin that keeps the label of a tick at the right end of `axis` inside the plot
/// (the label is centred on its tick).
fn right_margin(axis: &Axis) -> u32 {
    (axis.widest_label() / 2.0 + 12.0).ceil() as u32
}

/// Height of one dataset's row of the forest plot (SVG units).
const FOREST_ROW: f64 = 38.0;

/// One dataset's row of the forest plot: name, reported or held out, effect, interval.
struct ForestRow<'a> {
    name: &'a str,
    reported: bool,
    effect: f64,
    ci: (f64, f64),
}

/// The forest plot of one comparison as one SVG document: one row per dataset with a finite
/// effect (its name on the left, blue for a reported dataset and orange for a held-out one),
/// the effect with its interval, all on one shared axis of the effect (positive = method
/// better) with the zero line, so that the datasets' effects and intervals can be compared.
/// `None` when no dataset has a finite effect.
pub fn forest_svg(cmp: &ComparisonRow) -> Result<Option<String>> {
    let rows: Vec<ForestRow> = cmp
        .assessment
        .per_dataset
        .iter()
        .filter_map(|d| {
            let e = d.effect.filter(|e| e.is_finite())?;
            let ci =
                d.ci.filter(|(l, h)| l.is_finite() && h.is_finite())
                    .unwrap_or((e, e));
            Some(ForestRow {
                name: &d.name,
                reported: d.reported,
                effect: e,
                ci,
            })
        })
        .collect();
    let extent = rows.iter().flat_map(|r| [r.effect, r.ci.0, r.ci.1]);
    let Some((x0, x1)) = padded(extent.chain([0.0])).filter(|_| !rows.is_empty()) else {
        return Ok(None);
    };
    let axis = Axis::new(x0, x1, 8);
    let longest = rows.iter().map(|r| r.name.chars().count()).max();
    let names_width =
        (longest.unwrap_or(0) as f64 * CHAR_WIDTH + 16.0).clamp(80.0, 0.4 * f64::from(PLOT_WIDTH));
    let left = names_width + axis.widest_label() / 2.0 + 8.0;
    let right = f64::from(PLOT_WIDTH) - f64::from(right_margin(&axis));
    let top = 10.0;
    let bottom = top + rows.len() as f64 * FOREST_ROW;
    let height = bottom + 2.0 * f64::from(FONT) + 34.0;
    let x_of = |v: f64| left + (v - x0) / (x1 - x0) * (right - left);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (PLOT_WIDTH, height.ceil() as u32))
            .into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let text = |colour: &'static RGBColor, h: HPos, v: VPos| {
            TextStyle::from(("sans-serif", FONT).into_font())
                .color(colour)
                .pos(Pos::new(h, v))
        };
        let line = |a: (f64, f64), b: (f64, f64), style: ShapeStyle| {
            PathElement::new(vec![px(a), px(b)], style)
        };
        for t in &axis.ticks {
            let x = x_of(*t);
            root.draw(&line((x, top), (x, bottom), RGBColor(225, 225, 225).into()))
                .map_err(plot_error)?;
            root.draw(&line((x, bottom), (x, bottom + 6.0), BLACK.into()))
                .map_err(plot_error)?;
            root.draw(&Text::new(
                axis.label(t),
                px((x, bottom + 9.0)),
                text(&BLACK, HPos::Center, VPos::Top),
            ))
            .map_err(plot_error)?;
        }
        root.draw(&line((left, bottom), (right, bottom), BLACK.into()))
            .map_err(plot_error)?;
        root.draw(&Text::new(
            "effect (positive = method better)".to_string(),
            px(((left + right) / 2.0, bottom + f64::from(FONT) + 22.0)),
            text(&BLACK, HPos::Center, VPos::Top),
        ))
        .map_err(plot_error)?;
        let zero = x_of(0.0);
        root.draw(&line(
            (zero, top),
            (zero, bottom),
            RGBColor(60, 60, 60).stroke_width(2),
        ))
        .map_err(plot_error)?;
        for (i, r) in rows.iter().enumerate() {
            let y = top + (i as f64 + 0.5) * FOREST_ROW;
            let colour: &'static RGBColor = if r.reported { &RUN_BLUE } else { &HELD_OUT };
            root.draw(&Text::new(
                r.name.to_string(),
                px((names_width - 4.0, y)),
                text(colour, HPos::Right, VPos::Center),
            ))
            .map_err(plot_error)?;
            let (lo, hi) = (x_of(r.ci.0), x_of(r.ci.1));
            let bar = colour.stroke_width(2);
            root.draw(&line((lo, y), (hi, y), bar))
                .map_err(plot_error)?;
            for x in [lo, hi] {
                root.draw(&line((x, y - 7.0), (x, y + 7.0), bar))
                    .map_err(plot_error)?;
            }
            root.draw(&Circle::new(px((x_of(r.effect), y)), 6, colour.filled()))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Some(responsive(svg)))
}

/// A point in whole SVG units.
fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

fn curve_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Other(format!("drawing a learning curve: {e}"))
}

/// The x-axis title of a panel: what x counts, as the config declares it.
fn curve_x_title(p: &CurvePanel) -> String {
    p.x_label.clone().unwrap_or_else(|| {
        "x as recorded (no curve_x declared for this metric in the config)".to_string()
    })
}

/// The y-axis title of a panel: the metric and its unit.
fn curve_y_title(p: &CurvePanel) -> String {
    if p.unit.is_empty() {
        p.curve.clone()
    } else {
        format!("{} ({})", p.curve, p.unit)
    }
}

/// One panel as a responsive SVG document at the page's width: thin lines per seed, the mean in
/// black, the band shaded; the x title says what x counts ([`CurvePanel::x_label`]), the y
/// title names the metric and its unit, tick labels at [`FONT`].
pub fn curve_svg(p: &CurvePanel) -> Result<String> {
    let xs = p.runs.iter().flat_map(|(_, r)| r.iter().map(|q| q.0));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let x1 = x1.max(x0 + 1e-9);
    let ys = p
        .runs
        .iter()
        .flat_map(|(_, r)| r.iter().map(|q| q.1))
        .chain(p.band.iter().flat_map(|b| [b.0, b.1]));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let pad = if y1 > y0 { 0.05 * (y1 - y0) } else { 1.0 };
    let (y0, y1) = (y0 - pad, y1 + pad);
    let (x_axis, y_axis) = (Axis::new(x0, x1, 8), Axis::new(y0, y1, 6));
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (PLOT_WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(curve_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(right_margin(&x_axis))
            .x_label_area_size(2 * FONT + 30)
            .y_label_area_size((y_axis.widest_label() + f64::from(FONT) + 30.0).ceil() as u32)
            .build_cartesian_2d(Ticked::new(x0, x1, &x_axis), Ticked::new(y0, y1, &y_axis))
            .map_err(curve_error)?;
        chart
            .configure_mesh()
            .x_desc(curve_x_title(p))
            .y_desc(curve_y_title(p))
            .x_labels(x_axis.ticks.len())
            .y_labels(y_axis.ticks.len())
            .x_label_formatter(&|t| x_axis.label(t))
            .y_label_formatter(&|t| y_axis.label(t))
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
            .bold_line_style(RGBColor(230, 230, 230))
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
    Ok(responsive(s))
}

/// The trade-off view of one paper as one SVG document: one point per (variant, dataset) at the
/// runs' means of x and y, with each axis's t-interval as error bars and the variant's name
/// beside it (the dataset's too when the view has several). `None` when no point has both
/// means.
pub fn tradeoff_svg(row: &TradeoffRow) -> Result<Option<String>> {
    let several_datasets = row
        .points
        .iter()
        .any(|p| row.points.first().is_some_and(|f| f.dataset != p.dataset));
    let points: Vec<(String, Estimate, Estimate)> = row
        .points
        .iter()
        .filter_map(|p| {
            let label = if several_datasets {
                format!("{} · {}", p.variant, p.dataset)
            } else {
                p.variant.clone()
            };
            Some((label, p.x?, p.y?))
        })
        .collect();
    let ends = |e: &Estimate| {
        let (lo, hi) = e.ci.unwrap_or((e.mean, e.mean));
        [e.mean, lo, hi]
    };
    let (Some((x0, x1)), Some((y0, y1))) = (
        padded(points.iter().flat_map(|p| ends(&p.1))),
        padded(points.iter().flat_map(|p| ends(&p.2))),
    ) else {
        return Ok(None);
    };
    let (x_axis, y_axis) = (Axis::new(x0, x1, 8), Axis::new(y0, y1, 6));
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (PLOT_WIDTH, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(right_margin(&x_axis))
            .x_label_area_size(2 * FONT + 30)
            .y_label_area_size((y_axis.widest_label() + f64::from(FONT) + 30.0).ceil() as u32)
            .build_cartesian_2d(Ticked::new(x0, x1, &x_axis), Ticked::new(y0, y1, &y_axis))
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc(row.x.title())
            .y_desc(row.y.title())
            .x_labels(x_axis.ticks.len())
            .y_labels(y_axis.ticks.len())
            .x_label_formatter(&|t| x_axis.label(t))
            .y_label_formatter(&|t| y_axis.label(t))
            .label_style(("sans-serif", FONT))
            .axis_desc_style(("sans-serif", FONT))
            .bold_line_style(RGBColor(230, 230, 230))
            .draw()
            .map_err(plot_error)?;
        for (label, x, y) in &points {
            let bar = RUN_BLUE.stroke_width(2);
            if let Some((lo, hi)) = y.ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x.mean, lo), (x.mean, hi)],
                        bar,
                    )))
                    .map_err(plot_error)?;
            }
            if let Some((lo, hi)) = x.ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y.mean), (hi, y.mean)],
                        bar,
                    )))
                    .map_err(plot_error)?;
            }
            chart
                .draw_series(std::iter::once(Circle::new(
                    (x.mean, y.mean),
                    6,
                    RUN_BLUE.filled(),
                )))
                .map_err(plot_error)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (x.mean, y.mean),
                    TextStyle::from(("sans-serif", FONT).into_font())
                        .color(&BLACK)
                        // labels of points in the right half extend leftwards, inside the plot
                        .pos(Pos::new(
                            if x.mean > (x0 + x1) / 2.0 {
                                HPos::Right
                            } else {
                                HPos::Left
                            },
                            VPos::Bottom,
                        )),
                )))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Some(responsive(s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::curves::{panel, tests::metric, tests::record};
    use repro_stats::verdict::{
        assess_comparison, ComparisonInput, DatasetResult, Direction, Outcome, Rules,
    };

    /// The `<text>` elements of an SVG document as (x, y, content), content trimmed.
    fn texts(svg: &str) -> Vec<(f64, f64, String)> {
        let attr = |tag: &str, name: &str| -> f64 {
            tag.split(&format!(" {name}=\""))
                .nth(1)
                .and_then(|t| t.split('"').next())
                .and_then(|t| t.parse().ok())
                .unwrap_or(f64::NAN)
        };
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let (tag, rest) = t.split_once('>')?;
                let content = rest.split("</text>").next()?.trim().to_string();
                Some((attr(tag, "x"), attr(tag, "y"), content))
            })
            .collect()
    }

    /// The viewBox width of an SVG document.
    fn view_width(svg: &str) -> f64 {
        let v = svg.split("viewBox=\"").nth(1).unwrap().split('"').next();
        v.unwrap().split(' ').nth(2).unwrap().parse().unwrap()
    }

    /// The decimals of a fixed-point label (`-0.0010` → 4).
    fn decimals(label: &str) -> usize {
        label.split_once('.').map_or(0, |(_, d)| d.len())
    }

    #[test]
    fn tick_labels_of_one_axis_share_one_format() {
        // the old plots printed this axis as -0.0010, -5.0e-4, 0.0000, 5.0e-4
        let a = Axis::new(-0.0012, 0.0007, 8);
        let labels: Vec<String> = a.ticks.iter().map(|t| a.label(t)).collect();
        assert!(labels.len() >= 3, "{labels:?}");
        assert!(labels.iter().all(|l| !l.contains('e')), "{labels:?}");
        assert!(labels.iter().all(|l| decimals(l) == 4), "{labels:?}");
        assert!(labels.contains(&"0.0000".to_string()) && labels.contains(&"-0.0010".to_string()));
        // a tiny range: every label scientific, one mantissa format
        let a = Axis::new(-4e-5, 6e-5, 6);
        let labels: Vec<String> = a.ticks.iter().map(|t| a.label(t)).collect();
        assert!(labels.iter().all(|l| l.contains('e')), "{labels:?}");
        let mantissa = |l: &str| decimals(l.split('e').next().unwrap());
        assert!(labels.iter().all(|l| mantissa(l) == mantissa(&labels[0])));
        // integers print as integers, thousands with a k; never a negative zero
        let a = Axis::new(0.0, 6000.0, 8);
        assert!(a.ticks.iter().all(|t| !a.label(t).contains('.')));
        assert_eq!(a.label(&1000.0), "1000");
        let a = Axis::new(0.0, 500_000.0, 8);
        assert_eq!(a.label(&100_000.0), "100k");
        let a = Axis::new(-0.3, 0.3, 6);
        assert!(a.ticks.iter().all(|t| !a.label(t).starts_with("-0.0")));
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty() && nice_ticks(2.0, 1.0, 5).is_empty());
        assert_eq!(nice_ticks(3.0, 3.0, 5), [3.0]);
    }

    /// A comparison whose datasets have effects of very different sizes (the method's values
    /// are `shift` above the baseline's, with some noise); the last dataset is held out.
    fn comparison() -> ComparisonRow {
        let data: [(&str, f64); 3] = [("tiny", 0.0001), ("large", 1.4), ("negative", -0.5)];
        let datasets = data
            .iter()
            .enumerate()
            .map(|(i, (name, shift))| {
                let base: Vec<f64> = (0..5).map(|s| 1.0 + 0.01 * f64::from(s)).collect();
                let noise = |s: usize| shift.abs() * 0.1 * (s as f64 - 2.0);
                DatasetResult {
                    name: name.to_string(),
                    method: (0..5)
                        .map(|s| Outcome::Value(base[s] + shift + noise(s)))
                        .collect(),
                    baseline: base.iter().map(|b| Outcome::Value(*b)).collect(),
                    reported: i < 2,
                }
            })
            .collect();
        let input = ComparisonInput {
            id: "m-vs-b".into(),
            direction: Direction::Higher,
            paired: true,
            datasets,
            margin: None,
        };
        ComparisonRow {
            id: "m-vs-b".into(),
            description: "method vs baseline".into(),
            source: "Table 1".into(),
            assessment: assess_comparison(&input, &Rules::default()),
            tuned: None,
        }
    }

    #[test]
    fn forest_plot_puts_every_dataset_on_one_shared_axis() {
        let svg = forest_svg(&comparison()).unwrap().unwrap();
        // one responsive document for the whole comparison, one row per dataset
        assert!(svg.starts_with("<svg class=\"plot\" viewBox="), "{svg}");
        assert_eq!(svg.matches("<svg").count(), 1);
        let t = texts(&svg);
        for name in ["tiny", "large", "negative"] {
            assert!(t.iter().any(|x| x.2 == name), "{name} missing");
        }
        // reported in blue, held out in orange
        assert_eq!(
            svg.matches("fill=\"#1F1FFF\"").count(),
            2 + 2,
            "names and dots"
        );
        assert_eq!(svg.matches("fill=\"#E67800\"").count(), 1 + 1);
        // the tick labels: one row under the axis, one format, none past the right edge
        let axis_y = t.iter().find(|x| x.2 == "0.0" || x.2 == "0").map(|x| x.1);
        let ticks: Vec<&(f64, f64, String)> = t.iter().filter(|x| Some(x.1) == axis_y).collect();
        assert!(ticks.len() >= 4, "{t:?}");
        let d = decimals(&ticks[0].2);
        assert!(ticks
            .iter()
            .all(|x| decimals(&x.2) == d && !x.2.contains('e')));
        let width = view_width(&svg);
        for (x, _, label) in &t {
            let half = label.chars().count() as f64 * CHAR_WIDTH / 2.0;
            assert!(x + half <= width, "{label} at {x} clipped (width {width})");
        }
        // no dataset with a finite effect: nothing to draw
        let mut empty = comparison();
        empty.assessment.per_dataset.clear();
        assert!(forest_svg(&empty).unwrap().is_none());
    }

    #[test]
    fn curve_is_full_width_with_the_declared_x_and_the_metrics_unit() {
        let a = record(0, &[(0.0, 0.0), (1000.0, 100.0), (6000.0, 120.0)]);
        let b = record(1, &[(0.0, 10.0), (3000.0, 60.0), (6000.0, 110.0)]);
        let recs: std::collections::BTreeMap<u64, &crate::record::RunRecord> =
            [(0, &a), (1, &b)].into_iter().collect();
        let p = panel("v", "d", &metric(Some("environment step")), &recs).unwrap();
        let svg = curve_svg(&p).unwrap();
        let root = svg.split('>').next().unwrap();
        assert!(root.starts_with("<svg class=\"plot\" viewBox="), "{root}");
        assert!(
            !root.contains(" width=") && !root.contains(" height="),
            "{root}"
        );
        assert_eq!(view_width(&svg), f64::from(PLOT_WIDTH));
        let t = texts(&svg);
        assert!(t.iter().any(|x| x.2 == "environment step"), "{t:?}");
        assert!(t.iter().any(|x| x.2 == "ret (return)"), "{t:?}");
        assert!(t.iter().any(|x| x.2 == "1000") && !t.iter().any(|x| x.2 == "1000.0"));
        assert!(!svg.contains("e.g. environment steps"));
        let width = view_width(&svg);
        assert!(t
            .iter()
            .all(|(x, _, l)| x + l.chars().count() as f64 * CHAR_WIDTH / 2.0 <= width));
        // no curve_x: the title says so
        let p = panel("v", "d", &metric(None), &recs).unwrap();
        assert!(curve_svg(&p).unwrap().contains("no curve_x declared"));
    }
}
