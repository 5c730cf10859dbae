//! The HTML renderer: the page of a paper (`results/<paper>.html`) — the claims and comparison
//! tables of the Markdown report with one plot per claim and per comparison ([`super::plots`]),
//! the critical-difference diagrams ([`super::cd_diagram`]) and the learning curves, inlined so
//! that the page is a single self-contained file. Reads only the model.

use super::cd_diagram;
use super::content::{
    best_of_k_cell, claim_flags, claimed_cell, claims_note, claims_table, comparison_summary,
    comparison_table, multi_dataset_table, multi_summary, p_family_note, timing_table, TIMING_NOTE,
};
use super::curves::{CurvePanel, CONFIDENCE, GRID_POINTS, RESAMPLES};
use super::format::{escape, f, p, verdict_class};
use super::model::PaperReport;
use super::multi::MultiComparisonRow;
use super::paper_level::PaperLevel;
use super::plots::{claim_svg, curve_svg, forest_svg, responsive};
use super::rows::ClaimRow;
use super::terminal::Summary;
use crate::Result;
use maud::{html as page, Markup, PreEscaped, DOCTYPE};
use repro_stats::verdict::ClaimVerdict;
use std::fmt::Write as _;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222;font-size:16px}\
table{border-collapse:collapse;font-size:0.8em;margin:1em 0;width:100%}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.verdict{font-weight:bold}.note{color:#555;font-size:0.9em}figure{margin:1.5em 0}\
figcaption{font-size:0.95em;color:#333}.legend{display:flex;flex-wrap:wrap;gap:0.4em 1.6em;font-size:0.9em;align-items:center}\
.legend svg{vertical-align:middle;margin-right:0.3em}svg.plot{width:100%;height:auto;display:block}\
.v-reproduced{color:#17803d}.v-consistent-underpowered{color:#9a6700}.v-better-than-claimed{color:#0b6e99}.v-not-reproduced{color:#c0261f}.v-inconclusive{color:#9a6700}\
.v-generalizes{color:#17803d}.v-only-on-reported-datasets{color:#c0261f}.v-no-effect{color:#c0261f}.v-not-shown{color:#9a6700}\
.summary{border:1px solid #ccc;border-radius:6px;padding:0.6em 1.2em;background:#fafafa}\
.counts span{display:inline-block;margin-right:1.4em;font-weight:bold}.flag{color:#8a1f8a;font-weight:bold}\
dl.facts{display:grid;grid-template-columns:max-content auto;gap:0.1em 1em;font-size:0.9em;margin:0.4em 0}dl.facts dt{color:#555}dl.facts dd{margin:0}";

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
        (s.underpowered, ClaimVerdict::ConsistentUnderpowered),
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
                            span class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict_text()) }
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
                        span class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict_text()) }
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
                        span class=(verdict_class(&cmp.assessment.verdict.to_string())) { (cmp.assessment.verdict_text()) }
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
            "{} (printed to {}: any value in {} prints as {}; tested at the least demanding one)",
            c.tested_text(r),
            r,
            c.band_text(r),
            c.claimed_text()
        )
    });
    page! {
        dl.facts {
            dt { "claimed" } dd { (claimed_cell(c)) }
            @if let Some(t) = tested { dt { "tested value" } dd { (t) } }
            dt { "runs" } dd { (a.n_runs) " (" (a.n_failed) " failed); mean " (f(a.mean)) " ± " (f(c.standard_error())) " (SE)" }
            dt { "p (adj.)" } dd { (p(a.p_adjusted)) }
            dt { "implied best-of-k" } dd { (best_of_k_cell(a)) " (normal model / empirical)" }
            dt { "flags" } dd {
                @if flags.is_empty() { "none" } @else { span.flag { (flags.join("; ")) } }
            }
            dt { "how" } dd.note { (a.note) }
        }
    }
}

/// The whole page of one paper: summary block, claims table, one figure per claim, comparison
/// tables with their forest plots, the rules in force, timings, multi-method comparisons with
/// their critical-difference diagrams, learning curves. Rendered with the maud template
/// macro (all text escaped).
///
/// # Errors
/// A plot that plotters cannot draw.
pub fn html(r: &PaperReport) -> Result<String> {
    let conf = r.confidence_percent();
    let claim_svgs: Vec<Option<String>> = r.claims.iter().map(claim_svg).collect::<Result<_>>()?;
    let forests: Vec<Option<String>> = r
        .comparisons
        .iter()
        .map(forest_svg)
        .collect::<Result<_>>()?;
    let tradeoffs: Vec<Option<String>> = r
        .tradeoffs
        .iter()
        .map(super::plots::tradeoff_svg)
        .collect::<Result<_>>()?;
    let multi: Vec<String> = r
        .multi_comparisons
        .iter()
        .map(multi_comparison)
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
                    (PreEscaped(paper_level(&r.paper_level, r.confidence_percent())))
                    (PreEscaped(super::protocol::html(&r.protocols)))
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
                                b class=(verdict_class(&c.assessment.verdict.to_string())) { (c.assessment.verdict_text()) }
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
                @for (cmp, forest) in r.comparisons.iter().zip(&forests) {
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
                        b { "Verdict: " span class=(verdict_class(&cmp.assessment.verdict.to_string())) { (cmp.assessment.verdict_text()) } "." }
                        " "
                        @if cmp.assessment.reported_subset_favourable {
                            span.flag { "Flag: the reported datasets are a favourable subset. " }
                        }
                        (cmp.assessment.note)
                    }
                    @if let (Some(t), Some(side)) = (&cmp.tuned, super::content::tuned_baseline_table(cmp)) {
                        h3 { "Against the tuned baseline: " (t.baseline) }
                        (side.html())
                        p {
                            @if t.reading.flags() { span.flag { "Flag: win depends on an untuned baseline. " } }
                            (super::content::tuned_baseline_note(t))
                        }
                        details {
                            summary { "Per dataset, against the tuned baseline" }
                            (super::content::comparison_table_of(&t.assessment, conf).html())
                            p {
                                @for (i, line) in comparison_summary(&t.assessment).lines().enumerate() {
                                    @if i > 0 { br; }
                                    (line)
                                }
                            }
                        }
                    }
                    figure {
                        figcaption.legend {
                            span { (legend_marker("reported")) "reported dataset" }
                            span { (legend_marker("held-out")) "held-out dataset" }
                            span { "effect (positive = method better) with its " (format!("{conf:.0}")) "% CI; dark line: zero; all datasets on one axis" }
                        }
                        @match forest {
                            Some(svg) => (PreEscaped(svg.as_str())),
                            None => p.note { "No dataset with runs of both arms yet." },
                        }
                    }
                }
                @if !r.comparisons.is_empty() {
                    p.note { b { "Rule. " } (r.comparison_rules) }
                }
                @for m in &multi {
                    (PreEscaped(m.as_str()))
                }
                @for (t, svg) in r.tradeoffs.iter().zip(&tradeoffs) {
                    h2 id=(format!("tradeoff-{}", t.id)) { "Trade-off " (t.id) ": " (t.title) }
                    figure {
                        figcaption.legend {
                            span { (legend_marker("mean")) "runs' mean of each variant, with its " (format!("{:.0}", t.confidence_percent)) "% t-interval on each axis" }
                        }
                        @match svg {
                            Some(svg) => (PreEscaped(svg.as_str())),
                            None => p.note { "No variant with finite runs of both metrics yet." },
                        }
                    }
                    (super::tradeoff::table(t).html())
                }
                @if !r.timings.is_empty() {
                    h2 { "Timing" }
                    p { (TIMING_NOTE) }
                    (timing_table(r).html())
                }
            }
        }
    };
    insert_curves(doc.into_string(), &r.curves)
}

/// The paper-level paragraphs under the claims table.
fn paper_level(pl: &PaperLevel, conf: f64) -> String {
    let mut s = String::new();
    if let Some(t) = &pl.table {
        s += &format!(
            "<p class=\"paper-level\"><b>Paper level</b> — {}</p>\n<p class=\"note\"><b>Paper-level rule.</b> {}</p>\n",
            escape(&t.summary),
            escape(&pl.rule)
        );
    }
    for f in &pl.faithfulness {
        s += &format!(
            "<p class=\"faithfulness\"><b>Faithfulness of {}</b> — {}</p>\n",
            escape(&f.claim),
            escape(&f.result.summary)
        );
        if let Some(t) = super::content::faithfulness_search_table(f, conf) {
            s += &format!(
                "<p><b>Faithfulness search of {}</b>: every variant tried as a reading of the authors' setup, against the same published runs.</p>\n{}\n",
                escape(&f.claim),
                t.html().into_string()
            );
        }
    }
    if !pl.faithfulness.is_empty() {
        s += &format!(
            "<p class=\"note\"><b>Faithfulness rule.</b> {}</p>\n",
            escape(&pl.faithfulness_rule)
        );
    }
    s
}

/// The HTML section of one multi-comparison: the per-dataset table, the across-datasets
/// result and the critical-difference diagram. Errors: a diagram that cannot be drawn.
fn multi_comparison(m: &MultiComparisonRow) -> Result<String> {
    let e = escape;
    let mut s = format!(
        "<h2>Multi-method comparison {} ({}, {} is better, {})</h2>\n<p class=\"note\">Methods: {}. Source: {}</p>\n",
        e(&m.id),
        e(&m.metric),
        e(&m.better),
        e(&m.unit),
        e(&m.methods.join("; ")),
        e(&m.source)
    );
    s.push_str(&multi_dataset_table(m).html().into_string());
    let _ = writeln!(s, "<p>{}</p>", e(&multi_summary(m)).replace('\n', "<br>"));
    for r in &m.referenced {
        let _ = writeln!(s, "<p class=\"note\">Records read, not run: {}.</p>", e(r));
    }
    if let Some(svg) = cd_diagram::comparison_svg(m)? {
        let _ = writeln!(
            s,
            "<figure><figcaption>Critical-difference diagram (Demšar 2006, Fig. 1 style): average ranks across datasets (1 = best), methods joined by a bar are not significantly different (Nemenyi, α = {}).</figcaption>{}</figure>",
            m.alpha,
            responsive(svg)
        );
    }
    Ok(s)
}

/// The "Learning curves" section of the page (empty when there is no panel).
fn curves_section(panels: &[CurvePanel]) -> Result<String> {
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
            "<figure id=\"curve-{}-{}-{}\"><figcaption><b>{}</b> on {} ({}, {} seeds; x: {})</figcaption>",
            escape(&p.variant),
            escape(&p.dataset),
            escape(&p.curve),
            escape(&p.curve),
            escape(&p.dataset),
            escape(&p.variant),
            p.runs.len(),
            escape(p.x_label.as_deref().unwrap_or("as recorded, not declared"))
        );
        s.push_str(&curve_svg(p)?);
        s.push_str("</figure>\n");
    }
    Ok(s)
}

/// `page` with [`curves_section`] inserted before `</body>`.
fn insert_curves(page: String, panels: &[CurvePanel]) -> Result<String> {
    let sec = curves_section(panels)?;
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
    use crate::report::rows::RunValue;
    use repro_stats::verdict::{assess_claims, Claim, Direction, Outcome, ReportedAs, Rules};

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
            margin: None,
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
            protocols: Vec::new(),
            tradeoffs: Vec::new(),
            rules: Rules::default(),
        };
        let page = html(&r).unwrap();
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

    #[test]
    fn learning_curves_are_drawn_and_inserted_before_the_end_of_the_body() {
        use crate::report::curves::{panel, tests::metric, tests::record};
        let a = record(0, &[(0.0, 0.0), (100.0, 100.0)]);
        let b = record(1, &[(0.0, 10.0), (50.0, 60.0), (110.0, 120.0)]);
        let recs: std::collections::BTreeMap<u64, &crate::record::RunRecord> =
            [(0, &a), (1, &b)].into_iter().collect();
        let p = panel("v", "d", &metric(Some("environment step")), &recs).unwrap();
        let html = curves_section(std::slice::from_ref(&p)).unwrap();
        assert!(html.contains("<svg") && html.contains("Learning curves"));
        // full width like the claim plots, x titled as the config declares it
        assert!(html.contains("<svg class=\"plot\" viewBox="), "{html}");
        assert!(html.contains("x: environment step)"), "{html}");
        assert!(insert_curves("<body>x</body>".into(), &[p])
            .unwrap()
            .ends_with("</figure>\n</body>"));
        assert_eq!(
            insert_curves("<body></body>".into(), &[]).unwrap(),
            "<body></body>"
        );
    }
}
