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
    claims_note, claims_table, comparison_summary, comparison_table, f, timing_table, ClaimRow,
    ComparisonRow, PaperReport, TIMING_NOTE,
};
use crate::error::HarnessError;
use crate::Result;
use plotters::prelude::*;
use repro_stats::verdict::Rules;
use std::fmt::Write as _;

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

/// The strip plot of one claim as an SVG document: runs, mean ± t-interval, claim ± SE.
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
    let mut extent: Vec<f64> = runs.iter().map(|r| r.1).collect();
    extent.extend([a.claimed - se, a.claimed + se]);
    if let Some((lo, hi)) = a.t_ci {
        extent.extend([lo, hi]);
    }
    let Some((x0, x1)) = padded(extent.into_iter()) else {
        return Ok(None);
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 130)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .build_cartesian_2d(x0..x1, 0f64..1f64)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc(format!("{} ({})", c.metric, c.unit))
            .x_labels(8)
            .draw()
            .map_err(plot_error)?;
        let red = RGBColor(200, 30, 30);
        if se > 0.0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a.claimed - se, 0.0), (a.claimed + se, 1.0)],
                    red.mix(0.15).filled(),
                )))
                .map_err(plot_error)?;
        }
        chart
            .draw_series(LineSeries::new(
                [(a.claimed, 0.0), (a.claimed, 1.0)],
                red.stroke_width(2),
            ))
            .map_err(plot_error)?;
        chart
            .draw_series(runs.iter().map(|(seed, v)| {
                Circle::new((*v, 0.1 + 0.5 * jitter(*seed)), 4, BLUE.mix(0.7).filled())
            }))
            .map_err(plot_error)?;
        if let (Some(m), Some((lo, hi))) = (a.mean, a.t_ci) {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    0.82,
                    lo,
                    m,
                    hi,
                    BLACK.stroke_width(2),
                    10,
                )))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Some(svg))
}

/// The forest plot of one comparison as an SVG document. `None` when no dataset has an effect.
pub fn comparison_svg(cmp: &ComparisonRow) -> Result<Option<String>> {
    let rows: Vec<_> = cmp
        .assessment
        .per_dataset
        .iter()
        .filter(|d| d.effect.is_some_and(f64::is_finite))
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let mut extent = vec![0.0];
    for d in &rows {
        extent.extend(d.effect);
        if let Some((lo, hi)) = d.ci {
            extent.extend([lo, hi]);
        }
    }
    let Some((x0, x1)) = padded(extent.into_iter()) else {
        return Ok(None);
    };
    let k = rows.len();
    let names: Vec<String> = rows.iter().map(|d| d.name.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 60 + 26 * k as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(130)
            .build_cartesian_2d(x0..x1, -0.5f64..(k as f64 - 0.5))
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < k {
                    names[k - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("effect (positive = method better)")
            .draw()
            .map_err(plot_error)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, k as f64 - 0.5)],
                RGBColor(120, 120, 120).stroke_width(1),
            ))
            .map_err(plot_error)?;
        let orange = RGBColor(230, 120, 0);
        for (i, d) in rows.iter().enumerate() {
            let y = (k - 1 - i) as f64;
            let colour = if d.reported { BLUE } else { orange };
            let e = d.effect.unwrap_or(0.0);
            let (lo, hi) = d.ci.unwrap_or((e, e));
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y,
                    lo,
                    e,
                    hi,
                    colour.stroke_width(2),
                    8,
                )))
                .map_err(plot_error)?;
            chart
                .draw_series(std::iter::once(Circle::new((e, y), 4, colour.filled())))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(Some(svg))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}\
th{background:#f3f3f3}.verdict{font-weight:bold}.note{color:#555;font-size:0.85em}figure{margin:1em 0}\
figcaption{font-size:0.9em;color:#333}.legend span{display:inline-block;margin-right:1.5em}";

/// The whole page of one paper: header, claims table, one figure per claim, comparison tables
/// with their forest plots, the rules in force, timings.
///
/// # Errors
/// A plot that plotters cannot draw.
pub fn html(r: &PaperReport, rules: &Rules) -> Result<String> {
    let conf = (1.0 - rules.alpha) * 100.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&r.paper)
    );
    let _ = writeln!(
        s,
        "<h1>{}</h1>\n<p>{}</p>\n<p>Runs: {} planned, {} recorded, {} failed (diverged or error; counted as failures, never dropped). Generated by repro-harness from <code>results/runs/{}</code>.</p>",
        escape(&r.paper),
        escape(&r.citation),
        r.planned_runs,
        r.recorded_runs,
        r.failed_runs,
        escape(&r.paper)
    );
    if !r.claims.is_empty() {
        let _ = writeln!(s, "<h2>Claims</h2>\n<p>{}</p>", escape(&claims_note(conf)));
        s.push_str(&claims_table(r, conf).html());
        let _ = writeln!(
            s,
            "<p class=\"legend\"><span style=\"color:#1f1fff\">● one run</span><span>⟝●⟞ runs' mean with its {conf:.0}% t-interval</span><span style=\"color:#c81e1e\">│ claimed value, shaded ± its printed SE</span></p>"
        );
        for c in &r.claims {
            let a = &c.assessment;
            let failed: Vec<String> = c
                .runs
                .iter()
                .filter(|r| r.value.is_none())
                .map(|r| r.seed.to_string())
                .collect();
            let _ = writeln!(
                s,
                "<figure id=\"claim-{}\"><figcaption><b>{}</b> ({} on {}, {}): claimed {}, verdict <b>{}</b>.{} <span class=\"note\">Source: {}</span></figcaption>",
                escape(&c.id),
                escape(&c.id),
                escape(&c.variant),
                escape(&c.dataset),
                escape(&c.metric),
                f(Some(a.claimed)),
                escape(&a.verdict.to_string()),
                if failed.is_empty() {
                    String::new()
                } else {
                    format!(" Failed runs (no value to draw), seeds: {}.", failed.join(", "))
                },
                escape(&c.source)
            );
            match claim_svg(c)? {
                Some(svg) => s.push_str(&svg),
                None => s.push_str("<p class=\"note\">No finite run recorded yet.</p>"),
            }
            let _ = writeln!(s, "</figure>");
        }
        let _ = writeln!(
            s,
            "<p class=\"note\"><b>Rule.</b> {}</p>",
            escape(&r.claim_rules)
        );
    }
    for cmp in &r.comparisons {
        let a = &cmp.assessment;
        let _ = writeln!(
            s,
            "<h2>Comparison {}: {}</h2>\n<p class=\"note\">Source: {}</p>",
            escape(&cmp.id),
            escape(&cmp.description),
            escape(&cmp.source)
        );
        s.push_str(&comparison_table(cmp, conf).html());
        let summary = comparison_summary(a);
        let _ = writeln!(
            s,
            "<p>{}</p>\n<p><b>Verdict: {}.</b> {}</p>",
            escape(&summary).replace('\n', "<br>"),
            escape(&a.verdict.to_string()),
            escape(&a.note)
        );
        let _ = writeln!(s, "<figure><figcaption><span style=\"color:#1f1fff\">● reported dataset</span> &nbsp; <span style=\"color:#e67800\">● held-out dataset</span> &nbsp; effect with its {conf:.0}% CI</figcaption>");
        match comparison_svg(cmp)? {
            Some(svg) => s.push_str(&svg),
            None => s.push_str("<p class=\"note\">No dataset with runs of both arms yet.</p>"),
        }
        let _ = writeln!(s, "</figure>");
    }
    if !r.comparisons.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"note\"><b>Rule.</b> {}</p>",
            escape(&r.comparison_rules)
        );
    }
    for m in &r.multi_comparisons {
        s.push_str(&super::multi::html(m)?);
    }
    if !r.timings.is_empty() {
        let _ = writeln!(s, "<h2>Timing</h2>\n<p>{}</p>", escape(TIMING_NOTE));
        s.push_str(&timing_table(r).html());
    }
    s.push_str("</body></html>\n");
    Ok(s)
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
            .filter(|l| l.starts_with("<circle") && l.contains("fill=\"#0000FF\""))
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
        };
        let page = html(&r, &Rules::default()).unwrap();
        assert!(page.contains("A &amp; B (2020)"));
        assert!(page.contains("href=\"#claim-acc&lt;&amp;&gt;\""));
        assert!(page.contains("id=\"claim-acc&lt;&amp;&gt;\""));
        assert!(page.contains("Failed runs (no value to draw), seeds: 2."));
        assert!(page.trim_end().ends_with("</html>"));
    }
}
