//! The HTML page of a paper (`results/<paper>.html`): the claims and comparison tables of
//! [`super::markdown`] with one plot per claim and per comparison, drawn with plotters' SVG
//! backend and inlined, so the page is a single self-contained file.
//!
//! - Claim plot: every run as a dot (failed runs are listed under the plot, they have no value),
//!   the runs' mean with its t-interval, and the claimed value with its printed ± SE band. A claim
//!   far outside the cloud of runs is what seed-picking or a broken reproduction looks like.
//! - Comparison plot (forest plot): per dataset, the effect (positive = method better) with its
//!   interval, reported datasets and held-out ones in different colours, and the zero line. Wins
//!   only on the reported datasets are what dataset selection looks like.

use super::{
    claim_flags, claims_note, claims_table, comparison_summary, comparison_table, f, p_family_note,
    terminal::Summary, tested_value, timing_table, ClaimRow, ComparisonRow, PaperReport,
    TIMING_NOTE,
};
use crate::error::HarnessError;
use crate::Result;
use maud::{html as page, Markup, PreEscaped, DOCTYPE};
use plotters::prelude::*;
use repro_stats::verdict::{ClaimVerdict, Rules};

/// Escapes `&`, `<`, `>` and `"` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

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
        .map(|r| (a.claimed - r / 2.0, a.claimed + r / 2.0, tested_value(c, r)));
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222;font-size:16px}\
table{border-collapse:collapse;font-size:0.8em;margin:1em 0;width:100%}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.verdict{font-weight:bold}.note{color:#555;font-size:0.9em}figure{margin:1.5em 0}\
figcaption{font-size:0.95em;color:#333}.legend{display:flex;flex-wrap:wrap;gap:0.4em 1.6em;font-size:0.9em;align-items:center}\
.legend svg{vertical-align:middle;margin-right:0.3em}svg.plot{width:100%;height:auto;display:block}\
.v-reproduced{color:#17803d}.v-better-than-claimed{color:#0b6e99}.v-not-reproduced{color:#c0261f}.v-inconclusive{color:#9a6700}\
.v-generalizes{color:#17803d}.v-only-on-reported-datasets{color:#c0261f}.v-no-effect{color:#c0261f}\
.summary{border:1px solid #ccc;border-radius:6px;padding:0.6em 1.2em;background:#fafafa}\
.counts span{display:inline-block;margin-right:1.4em;font-weight:bold}.flag{color:#8a1f8a;font-weight:bold}\
dl.facts{display:grid;grid-template-columns:max-content auto;gap:0.1em 1em;font-size:0.9em;margin:0.4em 0}dl.facts dt{color:#555}dl.facts dd{margin:0}\
.panel-name{font-size:0.9em;margin-top:0.6em}";

/// The CSS class of a verdict word: `v-not-reproduced`.
pub fn verdict_class(word: &str) -> String {
    format!("v-{}", word.replace(' ', "-"))
}

fn claim_anchor(c: &ClaimRow) -> String {
    format!("claim-{}", c.id)
}

/// One legend entry's marker, drawn as the plot draws it.
fn legend_marker(kind: &str) -> Markup {
    let svg = match kind {
        "run" => r##"<svg width="16" height="16" aria-hidden="true"><circle cx="8" cy="8" r="5" fill="#1F1FFF" fill-opacity="0.7"/></svg>"##.to_string(),
        "mean" => r##"<svg width="44" height="16" aria-hidden="true"><line x1="3" y1="8" x2="41" y2="8" stroke="#000" stroke-width="2"/><line x1="3" y1="2" x2="3" y2="14" stroke="#000" stroke-width="2"/><line x1="41" y1="2" x2="41" y2="14" stroke="#000" stroke-width="2"/><circle cx="22" cy="8" r="6" fill="#000"/></svg>"##.to_string(),
        "claim" => r##"<svg width="24" height="16" aria-hidden="true"><rect x="2" y="0" width="20" height="16" fill="#C81E1E" fill-opacity="0.15"/><line x1="12" y1="0" x2="12" y2="16" stroke="#C81E1E" stroke-width="2"/></svg>"##.to_string(),
        "tested" => r##"<svg width="24" height="16" aria-hidden="true"><rect x="2" y="0" width="20" height="16" fill="#6E6E6E" fill-opacity="0.18"/><line x1="12" y1="0" x2="12" y2="16" stroke="#6E6E6E" stroke-width="2" stroke-dasharray="3 3"/></svg>"##.to_string(),
        "reported" => r##"<svg width="44" height="16" aria-hidden="true"><line x1="3" y1="8" x2="41" y2="8" stroke="#1F1FFF" stroke-width="2"/><line x1="3" y1="2" x2="3" y2="14" stroke="#1F1FFF" stroke-width="2"/><line x1="41" y1="2" x2="41" y2="14" stroke="#1F1FFF" stroke-width="2"/><circle cx="22" cy="8" r="6" fill="#1F1FFF"/></svg>"##.to_string(),
        _ => r##"<svg width="44" height="16" aria-hidden="true"><line x1="3" y1="8" x2="41" y2="8" stroke="#E67800" stroke-width="2"/><line x1="3" y1="2" x2="3" y2="14" stroke="#E67800" stroke-width="2"/><line x1="41" y1="2" x2="41" y2="14" stroke="#E67800" stroke-width="2"/><circle cx="22" cy="8" r="6" fill="#E67800"/></svg>"##.to_string(),
    };
    PreEscaped(svg)
}

/// The summary block: counts per verdict, flagged claims first (with their flags), then links
/// to every claim and the comparisons' verdicts.
fn summary_block(r: &PaperReport) -> Markup {
    let s = Summary::of(std::slice::from_ref(r));
    let flagged: Vec<&ClaimRow> = r
        .claims
        .iter()
        .filter(|c| !claim_flags(c).is_empty())
        .collect();
    let counts = [
        (s.reproduced, ClaimVerdict::Reproduced),
        (s.better, ClaimVerdict::BetterThanClaimed),
        (s.not_reproduced, ClaimVerdict::NotReproduced),
        (s.inconclusive, ClaimVerdict::Inconclusive),
    ];
    page! {
        section.summary id="summary" {
            h2 { "Summary" }
            p.counts {
                span { (crate::out::plural(s.claims, "claim", "claims")) ":" }
                @for (n, v) in counts {
                    span class=(verdict_class(&v.to_string())) { (n) " " (v.to_string()) }
                }
                span.flag { (s.flagged) " flagged" }
            }
            @if !flagged.is_empty() {
                h3 { "Flagged claims" }
                ul {
                    @for c in &flagged {
                        li {
                            a href=(format!("#{}", claim_anchor(c))) { (c.id) }
                            ": "
                            span class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict.to_string()) }
                            " — "
                            span.flag { (claim_flags(c).join("; ")) }
                        }
                    }
                }
            }
            @if !r.claims.is_empty() {
                p {
                    "All claims: "
                    @for (i, c) in r.claims.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(format!("#{}", claim_anchor(c))) { (c.id) }
                        " ("
                        span class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict.to_string()) }
                        ")"
                    }
                }
            }
            @if !r.comparisons.is_empty() {
                p {
                    "Comparisons: "
                    @for (i, cmp) in r.comparisons.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(format!("#comparison-{}", cmp.id)) { (cmp.id) }
                        " ("
                        span class=(verdict_class(&cmp.assessment.verdict.to_string())) { (cmp.assessment.verdict.to_string()) }
                        @if cmp.assessment.reported_subset_favourable {
                            "; " span.flag { "favourable reported subset" }
                        }
                        ")"
                    }
                }
            }
            p.note { (p_family_note(r)) }
        }
    }
}

/// The facts under a claim's plot: claimed and tested value, runs, p, best-of-k, flags.
fn claim_facts(c: &ClaimRow) -> Markup {
    let a = &c.assessment;
    let flags = claim_flags(c);
    let tested = c.resolution.filter(|r| *r > 0.0).map(|r| {
        format!(
            "{} (printed to {}: any value in [{}, {}] prints as {}; tested at the least demanding one)",
            f(Some(tested_value(c, r))),
            r,
            f(Some(a.claimed - r / 2.0)),
            f(Some(a.claimed + r / 2.0)),
            f(Some(a.claimed))
        )
    });
    page! {
        dl.facts {
            dt { "claimed" } dd { (super::claimed_cell(c)) }
            @if let Some(t) = tested { dt { "tested value" } dd { (t) } }
            dt { "runs" } dd { (a.n_runs) " (" (a.n_failed) " failed); mean " (f(a.mean)) " ± " (f(super::standard_error(a))) " (SE)" }
            dt { "p (adj.)" } dd { (super::p(a.p_adjusted)) }
            dt { "implied best-of-k" } dd { (super::best_of_k_cell(a)) " (normal model / empirical)" }
            dt { "flags" } dd {
                @if flags.is_empty() { "none" } @else { span.flag { (flags.join("; ")) } }
            }
            dt { "how" } dd.note { (a.note) }
        }
    }
}

/// The whole page of one paper: summary block, claims table, one figure per claim, comparison
/// tables with their forest plots, the rules in force, timings. Rendered with the maud template
/// macro (all text escaped).
///
/// # Errors
/// A plot that plotters cannot draw.
pub fn html(r: &PaperReport, rules: &Rules) -> Result<String> {
    let conf = (1.0 - rules.alpha) * 100.0;
    let claim_svgs: Vec<Option<String>> = r.claims.iter().map(claim_svg).collect::<Result<_>>()?;
    let panels: Vec<Vec<(String, bool, String)>> = r
        .comparisons
        .iter()
        .map(comparison_panels)
        .collect::<Result<_>>()?;
    let multi: Vec<String> = r
        .multi_comparisons
        .iter()
        .map(super::multi::html)
        .collect::<Result<_>>()?;
    let any_rounded = r
        .claims
        .iter()
        .any(|c| c.resolution.is_some_and(|x| x > 0.0));
    let doc = page! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (r.paper) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (r.paper) }
                p { (r.citation) }
                p.note {
                    "Runs: " (r.planned_runs) " planned, " (r.recorded_runs) " recorded, " (r.failed_runs)
                    " failed (diverged or error; counted as failures, never dropped). Generated by repro-harness from "
                    code { "results/runs/" (r.paper) } "."
                }
                (summary_block(r))
                @if !r.claims.is_empty() {
                    h2 { "Claims" }
                    p { (claims_note(conf)) }
                    (claims_table(r, conf).html())
                    p.note { (p_family_note(r)) }
                    (PreEscaped(super::paper_level::html(&r.paper_level)))
                    div.legend {
                        span { (legend_marker("run")) "one run" }
                        span { (legend_marker("mean")) "runs' mean with its " (format!("{conf:.0}")) "% t-interval" }
                        span { (legend_marker("claim")) "claimed value, shaded ± its printed SE" }
                        @if any_rounded {
                            span { (legend_marker("tested")) "rounding interval of the printed value; dashed: the value tested" }
                        }
                    }
                    @for (c, svg) in r.claims.iter().zip(&claim_svgs) {
                        figure id=(claim_anchor(c)) {
                            figcaption {
                                b { (c.id) }
                                " (" (c.variant) " on " (c.dataset) ", " (c.metric) "): verdict "
                                b class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict.to_string()) }
                                @let failed: Vec<String> = c.runs.iter().filter(|x| x.value.is_none()).map(|x| x.seed.to_string()).collect();
                                @if !failed.is_empty() {
                                    ". Failed runs (no value to draw), seeds: " (failed.join(", "))
                                }
                                ". " span.note { "Source: " (c.source) }
                            }
                            @match svg {
                                Some(svg) => (PreEscaped(svg.as_str())),
                                None => p.note { "No finite run recorded yet." },
                            }
                            (claim_facts(c))
                        }
                    }
                    p.note { b { "Rule. " } (r.claim_rules) }
                }
                @for (cmp, panels) in r.comparisons.iter().zip(&panels) {
                    h2 id=(format!("comparison-{}", cmp.id)) { "Comparison " (cmp.id) ": " (cmp.description) }
                    p.note { "Source: " (cmp.source) }
                    (comparison_table(cmp, conf).html())
                    p {
                        @for (i, line) in comparison_summary(&cmp.assessment).lines().enumerate() {
                            @if i > 0 { br; }
                            (line)
                        }
                    }
                    p {
                        b { "Verdict: " span class=(verdict_class(&cmp.assessment.verdict.to_string())) { (cmp.assessment.verdict.to_string()) } "." }
                        " "
                        @if cmp.assessment.reported_subset_favourable {
                            span.flag { "Flag: the reported datasets are a favourable subset. " }
                        }
                        (cmp.assessment.note)
                    }
                    figure {
                        figcaption.legend {
                            span { (legend_marker("reported")) "reported dataset" }
                            span { (legend_marker("held-out")) "held-out dataset" }
                            span { "effect (positive = method better) with its " (format!("{conf:.0}")) "% CI; dark line: zero; each dataset on its own axis" }
                        }
                        @if panels.is_empty() {
                            p.note { "No dataset with runs of both arms yet." }
                        }
                        @for (name, reported, svg) in panels {
                            div.panel-name { b { (name) } @if *reported { " (reported)" } @else { " (held out)" } }
                            (PreEscaped(svg.as_str()))
                        }
                    }
                }
                @if !r.comparisons.is_empty() {
                    p.note { b { "Rule. " } (r.comparison_rules) }
                }
                @for m in &multi {
                    (PreEscaped(m.as_str()))
                }
                @if !r.timings.is_empty() {
                    h2 { "Timing" }
                    p { (TIMING_NOTE) }
                    (timing_table(r).html())
                }
            }
        }
    };
    Ok(doc.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RunValue;
    use repro_stats::verdict::{assess_claims, Claim, Direction, Outcome, ReportedAs};

    fn row(values: &[Option<f64>]) -> ClaimRow {
        let outcomes: Vec<Outcome> = values
            .iter()
            .map(|v| v.map_or(Outcome::Failed, Outcome::Value))
            .collect();
        let claim = Claim {
            id: "c".into(),
            value: 0.9,
            standard_error: Some(0.01),
            direction: Direction::Higher,
            reported_as: ReportedAs::MeanOf { n: 5 },
            resolution: None,
        };
        ClaimRow {
            id: "acc<&>".into(),
            variant: "v".into(),
            dataset: "d".into(),
            metric: "accuracy".into(),
            unit: "fraction".into(),
            source: "Table 1".into(),
            claimed_standard_error: Some(0.01),
            resolution: None,
            higher_is_better: true,
            runs: values
                .iter()
                .enumerate()
                .map(|(i, v)| RunValue {
                    seed: i as u64,
                    value: *v,
                })
                .collect(),
            assessment: assess_claims(&[(claim, outcomes)], &Rules::default()).remove(0),
        }
    }

    #[test]
    fn escape_handles_markup() {
        assert_eq!(escape(r#"a<b & "c">"#), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    #[test]
    fn claim_plot_draws_every_finite_run_and_the_claim() {
        let svg = claim_svg(&row(&[Some(0.85), Some(0.86), None, Some(0.87)]))
            .unwrap()
            .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        // three finite runs are three blue dots; the failed one is not drawn (the mean's marker
        // is a black circle)
        let dots = svg
            .lines()
            .filter(|l| l.starts_with("<circle") && l.contains("fill=\"#1F1FFF\""))
            .count();
        assert_eq!(dots, 3, "{svg}");
        assert!(svg.contains("accuracy (fraction)"), "axis label missing");
        // no finite run: nothing to draw
        assert!(claim_svg(&row(&[None, None])).unwrap().is_none());
    }

    #[test]
    fn page_is_escaped_and_links_each_claim_to_its_figure() {
        let r = PaperReport {
            paper: "demo".into(),
            citation: "A & B (2020)".into(),
            planned_runs: 4,
            recorded_runs: 4,
            failed_runs: 1,
            claims: vec![row(&[Some(0.85), Some(0.86), None, Some(0.87)])],
            comparisons: vec![],
            multi_comparisons: vec![],
            timings: vec![],
            claim_rules: "rules".into(),
            comparison_rules: String::new(),
            curves: Vec::new(),
            p_family: "Holm over the paper's 1 claim".into(),
            paper_level: Default::default(),
        };
        let page = html(&r, &Rules::default()).unwrap();
        assert!(page.contains("A &amp; B (2020)"));
        assert!(page.contains("href=\"#claim-acc&lt;&amp;&gt;\""));
        assert!(page.contains("id=\"claim-acc&lt;&amp;&gt;\""));
        assert!(page.contains("Failed runs (no value to draw), seeds: 2."));
        assert!(page.trim_end().ends_with("</html>"));
        assert!(page.contains("id=\"summary\""), "summary block missing");
        // verdicts are coloured by class, plots scale with the page
        assert!(
            page.contains("class=\"verdict v-"),
            "verdict cell without its class"
        );
        assert!(
            page.contains("<svg class=\"plot\" viewBox="),
            "plot not responsive"
        );
        assert!(page.contains("implied best-of-k"), "best-of-k missing");
        assert!(!page.contains("-0.0000"));
    }
}
